/**
 * The double barrier's decisions as pure functions (unit-tested without a server):
 * whether an entering member may pass, and what a leaving member does next.
 */
import { assert } from '../../src/util/assert';

/** The name of the node that opens a double barrier (Curator's `ready`). */
export const READY_NODE = 'ready';

/** What an entering member does. */
export type EnterDecision = 'entered' | 'createReady' | 'wait';

/**
 * Entering: pass once `ready` exists; the member that sees `memberQty` members (itself
 * included) creates `ready`; everyone else waits for it.
 */
export function decideEnter(readyExists: boolean, memberCount: number, memberQty: number): EnterDecision {
  assert(memberQty > 0, 'a barrier has at least one member');
  assert(memberCount >= 0, 'member counts are not negative');
  if (readyExists) return 'entered';
  return memberCount >= memberQty ? 'createReady' : 'wait';
}

/** The members of a double barrier: its children without `ready`, sorted by name. */
export function barrierMembers(children: readonly string[]): string[] {
  return children.filter((name) => name !== READY_NODE).sort();
}

/** What a leaving member does next. */
export type LeaveDecision =
  /** Everyone left. */
  | { action: 'done' }
  /** Only our node is left: delete it (and `ready`), then done. */
  | { action: 'deleteOursAndDone' }
  /** Wait for `node` to go; delete ours first if `deleteOurs`. */
  | { action: 'wait'; node: string; deleteOurs: boolean }
  /** Our node is gone though we never deleted it (our session ended). */
  | { action: 'lost' };

/**
 * Leaving (members sorted): the lowest member waits for the highest to go, every other
 * member deletes its node and waits for the lowest, so each release wakes one waiter and
 * the lowest leaves last. `ourDeleted` says we deleted our node already.
 */
export function decideLeave(members: readonly string[], ourName: string, ourDeleted: boolean): LeaveDecision {
  if (members.length === 0) return { action: 'done' };
  const ourIndex = members.indexOf(ourName);
  if (ourIndex < 0) {
    if (!ourDeleted) return { action: 'lost' };
    const lowest = members[0];
    assert(lowest !== undefined, 'a non-empty member list has a lowest member');
    return { action: 'wait', node: lowest, deleteOurs: false };
  }
  assert(!ourDeleted, 'a node we deleted is not listed again');
  if (members.length === 1) return { action: 'deleteOursAndDone' };
  if (ourIndex === 0) {
    const highest = members[members.length - 1];
    assert(highest !== undefined && highest !== ourName, 'the highest member of two or more is another one');
    return { action: 'wait', node: highest, deleteOurs: false };
  }
  const lowest = members[0];
  assert(lowest !== undefined, 'a non-empty member list has a lowest member');
  return { action: 'wait', node: lowest, deleteOurs: true };
}

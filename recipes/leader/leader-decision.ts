/**
 * LeaderLatch's decision as a pure function (house rule 19): given the latch's children,
 * our node and who owns it, are we the leader, whom do we watch, or must we start over?
 *
 * Leadership needs two facts, not one: our node sorts first, and it belongs to our current
 * session. A node created by an earlier session of ours can still be listed for a moment
 * (its session not yet cleaned up, or a lost create reply found later); acting on it would
 * make two leaders, so such a node means "reset": delete it and create a fresh one.
 */
import { LockNames, lockDecision, OwnNodeMissingError, sortLockChildren } from '../lock/lock-decision';

/** The outcome of a latch check. */
export type LatchDecision =
  | { kind: 'leader' }
  | { kind: 'follower'; watch: string }
  | { kind: 'reset'; why: 'missing' | 'notOurSession' };

/**
 * Decides from the latch's `children` (unsorted; sorted here by the `latch-` sequence),
 * `ourNodeName`, and, when our node sorts first, its `ephemeralOwner` against our `sessionId`.
 * Pass `ephemeralOwner` as `undefined` when it is not known yet: a first-place node is then
 * reported as leader only once the caller has checked it (see `LeaderLatch`).
 */
export function latchDecision(
  children: readonly string[],
  ourNodeName: string,
  ephemeralOwner: bigint | undefined,
  sessionId: bigint,
): LatchDecision {
  const sorted = sortLockChildren(children, LockNames.latch);
  let decision: ReturnType<typeof lockDecision>;
  try {
    decision = lockDecision(sorted, ourNodeName, 1);
  } catch (error) {
    if (error instanceof OwnNodeMissingError) return { kind: 'reset', why: 'missing' };
    throw error;
  }
  if (!decision.acquired) return { kind: 'follower', watch: decision.watch };
  if (ephemeralOwner === undefined || ephemeralOwner !== sessionId || sessionId === 0n) {
    return { kind: 'reset', why: 'notOurSession' };
  }
  return { kind: 'leader' };
}

/**
 * Majority quorums over the voting members (Apache's `QuorumMaj`): a set is a quorum when
 * it holds more than half of the voters. Observers are never counted. Pure functions only.
 */
import { assert } from '../../src/util/assert';

/** The members of an ensemble: who votes and who only observes. */
export interface Membership {
  /** Voting server ids (participants). */
  readonly voters: readonly number[];
  /** Non-voting server ids (observers). */
  readonly observers: readonly number[];
}

/** Checks a membership: at least one voter, ids positive, unique and in one role only. */
export function validateMembership(membership: Membership): void {
  assert(membership.voters.length > 0, 'an ensemble has at least one voter');
  const seen = new Set<number>();
  for (const id of [...membership.voters, ...membership.observers]) {
    assert(Number.isSafeInteger(id) && id > 0, `server id ${id} is a positive integer`);
    assert(!seen.has(id), `server id ${id} appears once`);
    seen.add(id);
  }
}

/** True if `id` is a voting member. */
export function isVoter(membership: Membership, id: number): boolean {
  return membership.voters.includes(id);
}

/** Every server id, voters first. */
export function allMembers(membership: Membership): number[] {
  return [...membership.voters, ...membership.observers];
}

/** Votes needed for a quorum: ⌊voters/2⌋ + 1. */
export function quorumSize(membership: Membership): number {
  const size = Math.floor(membership.voters.length / 2) + 1;
  assert(size >= 1 && size <= membership.voters.length, 'a quorum is a non-empty subset of the voters');
  return size;
}

/** True if the voters among `ids` form a quorum (non-voters in `ids` are ignored). */
export function containsQuorum(membership: Membership, ids: Iterable<number>): boolean {
  let count = 0;
  const counted = new Set<number>();
  for (const id of ids) {
    if (counted.has(id) || !isVoter(membership, id)) continue;
    counted.add(id);
    count++;
  }
  assert(count <= membership.voters.length, 'cannot count more voters than exist');
  return count >= quorumSize(membership);
}

/**
 * The largest zxid acknowledged by a quorum, given each voter's highest acknowledged zxid
 * (a voter missing from `acked` counts as 0n): the quorum-th highest value.
 */
export function quorumAckedZxid(membership: Membership, acked: ReadonlyMap<number, bigint>): bigint {
  const values = membership.voters
    .map((id) => acked.get(id) ?? 0n)
    .sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  const index = quorumSize(membership) - 1;
  const value = values[index];
  assert(value !== undefined, 'the quorum index is within the voters');
  return value;
}

/**
 * Quorums over the voting members. Observers are never counted. Pure functions only.
 *
 * - Majority (Apache's `QuorumMaj`, the default): a set is a quorum when it holds more than
 *   half of the voters.
 * - Hierarchical (Apache's `QuorumHierarchical`, zoo.cfg `group.N` / `weight.N`): the voters
 *   are split into disjoint groups (racks, data centres) and each has a weight (default 1). A
 *   group is won by more than half of its total weight; a set is a quorum when it wins more
 *   than half of the groups whose total weight is not zero. Any two quorums share a won group,
 *   and so a server of positive weight: the intersection ZAB needs. A server of weight 0 never
 *   counts and never leads.
 */
import { assert } from '../../src/util/assert';

/** The members of an ensemble: who votes and who only observes, and how votes count. */
export interface Membership {
  /** Voting server ids (participants). */
  readonly voters: readonly number[];
  /** Non-voting server ids (observers). */
  readonly observers: readonly number[];
  /** Hierarchical quorums: disjoint groups that together hold every voter. Absent: majority. */
  readonly groups?: readonly (readonly number[])[];
  /** Voter weights of hierarchical quorums (a voter not listed weighs 1). */
  readonly weights?: ReadonlyMap<number, number>;
}

/**
 * Checks a membership: at least one voter, ids positive, unique and in one role only; for
 * hierarchical quorums, every voter in exactly one group, only voters in groups, weights
 * non-negative integers of voters, and some group of positive total weight.
 */
export function validateMembership(membership: Membership): void {
  assert(membership.voters.length > 0, 'an ensemble has at least one voter');
  const seen = new Set<number>();
  for (const id of [...membership.voters, ...membership.observers]) {
    assert(Number.isSafeInteger(id) && id > 0, `server id ${id} is a positive integer`);
    assert(!seen.has(id), `server id ${id} appears once`);
    seen.add(id);
  }
  const { groups, weights } = membership;
  assert(groups !== undefined || weights === undefined, 'weights only come with groups');
  if (groups === undefined) return;
  const grouped = new Set<number>();
  for (const group of groups) {
    assert(group.length > 0, 'a group has a member');
    for (const id of group) {
      assert(isVoter(membership, id), `group member ${id} is a voter`);
      assert(!grouped.has(id), `server ${id} is in one group only`);
      grouped.add(id);
    }
  }
  assert(grouped.size === membership.voters.length, 'every voter is in a group');
  for (const [id, weight] of weights ?? []) {
    assert(isVoter(membership, id), `weighted server ${id} is a voter`);
    assert(Number.isSafeInteger(weight) && weight >= 0, `weight of ${id} is a non-negative integer`);
  }
  assert(
    groups.some((group) => groupWeight(membership, group) > 0),
    'some group has a positive total weight',
  );
}

/** A voter's weight: 1 under majority quorums; its `weight.N` (default 1) when hierarchical; 0 for others. */
export function weightOf(membership: Membership, id: number): number {
  if (!isVoter(membership, id)) return 0;
  if (membership.groups === undefined) return 1;
  return membership.weights?.get(id) ?? 1;
}

/** True if `id` may be elected: a voter of positive weight. */
export function canLead(membership: Membership, id: number): boolean {
  return weightOf(membership, id) > 0;
}

function groupWeight(membership: Membership, group: readonly number[]): number {
  let total = 0;
  for (const id of group) total += weightOf(membership, id);
  return total;
}

/** True if `id` is a voting member. */
export function isVoter(membership: Membership, id: number): boolean {
  return membership.voters.includes(id);
}

/** Every server id, voters first. */
export function allMembers(membership: Membership): number[] {
  return [...membership.voters, ...membership.observers];
}

/** Votes needed for a majority quorum: ⌊voters/2⌋ + 1 (hierarchical quorums have no one size). */
export function quorumSize(membership: Membership): number {
  const size = Math.floor(membership.voters.length / 2) + 1;
  assert(size >= 1 && size <= membership.voters.length, 'a quorum is a non-empty subset of the voters');
  return size;
}

/** True if the voters among `ids` form a quorum (non-voters in `ids` are ignored). */
export function containsQuorum(membership: Membership, ids: Iterable<number>): boolean {
  const counted = new Set<number>();
  for (const id of ids) if (isVoter(membership, id)) counted.add(id);
  assert(counted.size <= membership.voters.length, 'cannot count more voters than exist');
  const { groups } = membership;
  if (groups === undefined) return counted.size >= quorumSize(membership);
  let weighedGroups = 0;
  let wonGroups = 0;
  for (const group of groups) {
    const total = groupWeight(membership, group);
    if (total === 0) continue;
    weighedGroups++;
    let present = 0;
    for (const id of group) if (counted.has(id)) present += weightOf(membership, id);
    if (present * 2 > total) wonGroups++;
  }
  assert(weighedGroups > 0, 'some group has a positive total weight');
  return wonGroups * 2 > weighedGroups;
}

/**
 * The largest zxid acknowledged by a quorum, given each voter's highest acknowledged zxid
 * (a voter missing from `acked` counts as 0n): the quorum-th highest value.
 */
export function quorumAckedZxid(membership: Membership, acked: ReadonlyMap<number, bigint>): bigint {
  const values = membership.voters
    .map((id) => acked.get(id) ?? 0n)
    .sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  if (membership.groups === undefined) {
    const value = values[quorumSize(membership) - 1];
    assert(value !== undefined, 'the quorum index is within the voters');
    return value;
  }
  // Hierarchical: the largest value whose acknowledgers (every voter at or above it) form a quorum.
  for (const value of values) {
    const holders = membership.voters.filter((id) => (acked.get(id) ?? 0n) >= value);
    if (containsQuorum(membership, holders)) return value;
  }
  assert(false, 'all voters form a quorum, so the smallest value qualifies');
}

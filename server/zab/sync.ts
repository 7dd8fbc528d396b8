/**
 * How a leader brings one learner's log in line with its own (Apache's
 * `LearnerHandler.syncFollower`), as a pure decision over the learner's last zxid:
 *
 * - DIFF(z): the learner's log equals ours through z; we send our entries after z.
 * - TRUNC(z): the learner holds txns we never had, all after z; it drops them, then takes
 *   our entries after z.
 * - SNAP: neither is provably safe (or our log no longer reaches back far enough); the
 *   learner replaces its state with our snapshot, then takes our entries after it.
 *
 * Why this is safe: every learner's log is a prefix of the log of the leader of the epoch
 * of its last txn (it was synced by that leader and then took its proposals in order). So
 * a zxid both logs hold means equal logs up to it, and when our previous entry below the
 * learner's last txn is of the same epoch, both logs agree up to that entry. Across epochs
 * nothing is provable, so SNAP (ZooKeeper does the same) — except back to zxid 0, the empty
 * history every log starts with.
 */
import { assert } from '../../src/util/assert';
import { epochOf } from './zxid';

/** What the sync decision needs to know about the leader's log. */
export interface SyncLogView {
  readonly baseZxid: bigint;
  readonly lastZxid: bigint;
  has(zxid: bigint): boolean;
  previousZxid(zxid: bigint): bigint;
}

/** The chosen sync and where the leader's entries to send start (exclusive). */
export type SyncPlan =
  | { readonly kind: 'diff'; readonly zxid: bigint }
  | { readonly kind: 'trunc'; readonly zxid: bigint }
  | { readonly kind: 'snap' };

/** Chooses DIFF, TRUNC or SNAP for a learner whose last logged zxid is `peerLastZxid`. */
export function chooseSync(log: SyncLogView, peerLastZxid: bigint): SyncPlan {
  assert(peerLastZxid >= 0n, 'peer zxid is non-negative');
  assert(log.lastZxid >= log.baseZxid, 'the leader log ends at or after its base');
  if (peerLastZxid > log.lastZxid) {
    // The learner is ahead of everything we hold: it has txns no quorum committed.
    return epochOf(peerLastZxid) === epochOf(log.lastZxid)
      ? { kind: 'trunc', zxid: log.lastZxid }
      : { kind: 'snap' };
  }
  if (peerLastZxid < log.baseZxid) return { kind: 'snap' };
  if (log.has(peerLastZxid)) return { kind: 'diff', zxid: peerLastZxid };
  const previous = log.previousZxid(peerLastZxid);
  assert(previous < peerLastZxid, 'the previous entry lies below the peer zxid');
  // The empty history (zxid 0, when our log starts there) is a prefix of every log.
  if (epochOf(previous) === epochOf(peerLastZxid) || previous === 0n)
    return { kind: 'trunc', zxid: previous };
  return { kind: 'snap' };
}

/**
 * Zxid layout (ZooKeeper's `ZxidUtils`, protocol.md §13): the epoch of the leader that
 * proposed a txn in the high 32 bits, a counter that the leader increments per proposal in
 * the low 32 bits. A new leader starts at `epoch << 32` (counter 0, no txn); its first txn
 * is `…|1`. Comparing zxids as unsigned 64-bit numbers orders txns by (epoch, counter).
 */
import { assert } from '../../src/util/assert';

/** Largest epoch: 32 bits. */
export const EPOCH_MAX = 0xffff_ffff;
/** A leader abdicates before its counter would reach this value (protocol.md §13). */
export const ZXID_COUNTER_MAX = 0xffff_ffff;

/** The zxid of `counter` in `epoch`. */
export function makeZxid(epoch: number, counter: number): bigint {
  assert(Number.isInteger(epoch) && epoch >= 0 && epoch <= EPOCH_MAX, `epoch ${epoch} fits 32 bits`);
  assert(
    Number.isInteger(counter) && counter >= 0 && counter <= ZXID_COUNTER_MAX,
    `counter ${counter} fits 32 bits`,
  );
  return (BigInt(epoch) << 32n) | BigInt(counter);
}

/** The epoch (high 32 bits) of a zxid. */
export function epochOf(zxid: bigint): number {
  assert(zxid >= 0n, 'zxids are non-negative');
  const epoch = Number(zxid >> 32n);
  assert(epoch <= EPOCH_MAX, 'zxid fits 64 bits');
  return epoch;
}

/** The counter (low 32 bits) of a zxid. */
export function counterOf(zxid: bigint): number {
  assert(zxid >= 0n, 'zxids are non-negative');
  return Number(zxid & 0xffff_ffffn);
}

/** `epoch.counter`, the compact form the transcripts and logs print (e.g. `2.7`). */
export function formatZxid(zxid: bigint): string {
  return `${epochOf(zxid)}.${counterOf(zxid)}`;
}

/** The smaller of two zxids (Math.min does not take bigints). */
export function minZxid(a: bigint, b: bigint): bigint {
  if (a <= b) return a;
  return b;
}

/**
 * Counter encodings, pure and Curator-compatible: `SharedCount` stores a 4-byte big-endian
 * int, `DistributedAtomicLong` an 8-byte big-endian long (a missing or empty node reads as
 * 0). Malformed bytes are a typed {@link CounterFormatError}.
 */
import { assert } from '../../src/util/assert';

/** A counter node holds bytes of the wrong size. */
export class CounterFormatError extends Error {
  override readonly name = 'CounterFormatError';
  constructor(
    readonly path: string,
    readonly byteLength: number,
    readonly expectedBytes: number,
  ) {
    super(`${path}: ${byteLength} bytes where a counter has ${expectedBytes}`);
  }
}

const INT_BYTES = 4;
const LONG_BYTES = 8;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** A 32-bit count as 4 big-endian bytes. */
export function encodeCount(count: number): Buffer {
  assert(Number.isInteger(count) && count >= INT_MIN && count <= INT_MAX, 'a shared count is a 32-bit int');
  const bytes = Buffer.alloc(INT_BYTES);
  bytes.writeInt32BE(count, 0);
  return bytes;
}

/** 4 big-endian bytes as a count. */
export function decodeCount(path: string, bytes: Buffer): number {
  if (bytes.length !== INT_BYTES) throw new CounterFormatError(path, bytes.length, INT_BYTES);
  return bytes.readInt32BE(0);
}

/** A 64-bit value as 8 big-endian bytes. */
export function encodeLong(value: bigint): Buffer {
  assert(value >= LONG_MIN && value <= LONG_MAX, 'an atomic long is a signed 64-bit value');
  const bytes = Buffer.alloc(LONG_BYTES);
  bytes.writeBigInt64BE(value, 0);
  return bytes;
}

/** 8 big-endian bytes as a value; empty bytes are 0. */
export function decodeLong(path: string, bytes: Buffer): bigint {
  if (bytes.length === 0) return 0n;
  if (bytes.length !== LONG_BYTES) throw new CounterFormatError(path, bytes.length, LONG_BYTES);
  return bytes.readBigInt64BE(0);
}

/** Adds with 64-bit two's-complement wrap-around, as Java's `long` does. */
export function addLong(value: bigint, delta: bigint): bigint {
  return BigInt.asIntN(64, value + delta);
}

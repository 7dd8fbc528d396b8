import { assert } from '../util/assert';
import { putInt32 } from './bytes';

const INITIAL_BYTES = 256;

/**
 * Scratch for {@link Writer.long}: a bigint stored into a BigInt64Array is two's-complement
 * bytes in host order, copied out big-endian byte by byte. Buffer.writeBigInt64BE does
 * bigint shifts and masks per call (~10× slower; a zxid, time or session id goes into every
 * reply header, txn and stat).
 */
const longScratch = new BigInt64Array(1);
const longBytes = new Uint8Array(longScratch.buffer);
/** Index of the most significant byte of `longScratch` in host order. */
const HIGH_BYTE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 7 : 0;

/**
 * Jute encoder: big-endian primitives appended to a growable buffer. One `Writer` can be
 * reused: `reset()` keeps the buffer, so steady-state encoding allocates nothing but the
 * bytes handed out by `finish()`.
 */
export class Writer {
  private bytes: Buffer;
  private offset = 0;
  private frameStart = -1;

  constructor(initialBytes = INITIAL_BYTES) {
    assert(initialBytes > 0, 'writer needs a positive initial size');
    this.bytes = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.offset;
  }

  reset(): this {
    this.offset = 0;
    this.frameStart = -1;
    return this;
  }

  private reserve(bytes: number): void {
    const needed = this.offset + bytes;
    if (needed <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.bytes.copy(grown, 0, 0, this.offset);
    this.bytes = grown;
  }

  byte(value: number): this {
    this.reserve(1);
    this.bytes.writeInt8(value, this.offset);
    this.offset += 1;
    return this;
  }

  bool(value: boolean): this {
    this.reserve(1);
    this.bytes[this.offset] = value ? 1 : 0;
    this.offset += 1;
    return this;
  }

  int(value: number): this {
    if ((value | 0) !== value) throw new RangeError(`int ${value} is not a 32-bit integer`);
    this.reserve(4);
    putInt32(this.bytes, this.offset, value);
    this.offset += 4;
    return this;
  }

  /** A jute `long`: int64, big-endian. Throws RangeError outside the int64 range (as Buffer does). */
  long(value: bigint): this {
    longScratch[0] = value;
    // The store wraps modulo 2^64; reading back the same value proves it was in range.
    if (longScratch[0] !== value) throw new RangeError(`long ${value} is outside the int64 range`);
    this.reserve(8);
    const bytes = this.bytes;
    const offset = this.offset;
    if (HIGH_BYTE === 7) {
      for (let index = 0; index < 8; index++) bytes[offset + index] = longBytes[7 - index] as number;
    } else {
      bytes.set(longBytes, offset);
    }
    this.offset = offset + 8;
    return this;
  }

  /** A jute `buffer`: length + bytes; `null` is length -1 (distinct from empty). */
  buffer(value: Uint8Array | null): this {
    if (value === null) return this.int(-1);
    this.int(value.length);
    this.reserve(value.length);
    this.bytes.set(value, this.offset);
    this.offset += value.length;
    return this;
  }

  /** A jute `ustring`: UTF-8 length + bytes; `null` is length -1. */
  string(value: string | null): this {
    if (value === null) return this.int(-1);
    const maxBytes = value.length * 3;
    this.reserve(4 + maxBytes);
    const written = this.bytes.write(value, this.offset + 4, 'utf8');
    putInt32(this.bytes, this.offset, written);
    this.offset += 4 + written;
    return this;
  }

  /** A vector of strings; `null` is count -1. */
  strings(values: readonly string[] | null): this {
    if (values === null) return this.int(-1);
    this.int(values.length);
    for (const value of values) this.string(value);
    return this;
  }

  /** A vector of records, each written by `encode`; `null` is count -1. */
  vector<T>(values: readonly T[] | null, encode: (writer: Writer, value: T) => void): this {
    if (values === null) return this.int(-1);
    this.int(values.length);
    for (const value of values) encode(this, value);
    return this;
  }

  /** Raw bytes, no length prefix. */
  raw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.bytes.set(bytes, this.offset);
    this.offset += bytes.length;
    return this;
  }

  /** Starts a length-prefixed frame: a placeholder the matching `endFrame()` fills. */
  beginFrame(): this {
    assert(this.frameStart === -1, 'frames do not nest');
    this.frameStart = this.offset;
    return this.int(0);
  }

  endFrame(): this {
    assert(this.frameStart >= 0, 'endFrame without beginFrame');
    const payloadBytes = this.offset - this.frameStart - 4;
    this.bytes.writeInt32BE(payloadBytes, this.frameStart);
    this.frameStart = -1;
    return this;
  }

  /** A copy of the bytes written, safe to keep after `reset()`. */
  finish(): Buffer {
    assert(this.frameStart === -1, 'unterminated frame');
    return Buffer.from(this.bytes.subarray(0, this.offset));
  }

  /** The bytes written, without copying; valid only until the next write or reset. */
  view(): Buffer {
    return this.bytes.subarray(0, this.offset);
  }
}

/** Encodes one value with a fresh writer and returns its bytes. */
export function encodeWith<T>(value: T, encode: (writer: Writer, value: T) => void): Buffer {
  const writer = new Writer();
  encode(writer, value);
  return writer.finish();
}

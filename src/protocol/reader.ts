import { assert } from '../util/assert';
import { int32At, uint32At } from './bytes';
import { ProtocolError } from './errors';

/** 2^32, to join a long's halves into one safe integer. */
const TWO_TO_32 = 4294967296;
/** Longs whose high half lies in [-2^21, 2^21) are safe integers (|value| <= 2^53). */
const SAFE_HIGH_LIMIT = 0x200000;

/**
 * The int64 whose big-endian halves are `high` (signed) and `low` (unsigned). Zero is the
 * shared `0n`, and a value within ±2^53 (every zxid, time and version a server hands out)
 * is made from one safe integer: one BigInt allocation where `readBigInt64BE` makes four
 * (two halves, a shift and a sum).
 */
export function longFromHalves(high: number, low: number): bigint {
  if (high === 0 && low === 0) return 0n;
  if (high >= -SAFE_HIGH_LIMIT && high < SAFE_HIGH_LIMIT) return BigInt(high * TWO_TO_32 + low);
  return (BigInt(high) << 32n) | BigInt(low);
}

/** The big-endian int64 at `offset` of `bytes` (the caller has checked the bounds). */
export function readLong(bytes: Buffer, offset: number): bigint {
  return longFromHalves(int32At(bytes, offset), uint32At(bytes, offset + 4));
}

/**
 * Jute decoder over one message. Every read is bounds-checked against the message end and
 * every length is checked against the bytes that remain before anything is allocated, so
 * an untrusted length can never size an allocation. Malformed input is a
 * {@link ProtocolError}; nothing else escapes.
 */
export class Reader {
  private offset: number;
  private readonly end: number;

  constructor(
    private readonly bytes: Buffer,
    start = 0,
    end = bytes.length,
  ) {
    assert(start >= 0 && start <= end, 'reader start within bytes');
    assert(end <= bytes.length, 'reader end within bytes');
    this.offset = start;
    this.end = end;
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** The bytes read from (for fixed-size records decoded in place after {@link claim}). */
  get source(): Buffer {
    return this.bytes;
  }

  /**
   * Checks that `bytes` bytes remain, moves past them and returns where they start in
   * {@link source}: a fixed-size record then pays one bounds check, not one per field.
   */
  claim(bytes: number, what: string): number {
    this.need(bytes, what);
    const start = this.offset;
    this.offset += bytes;
    return start;
  }

  private need(bytes: number, what: string): void {
    if (this.end - this.offset < bytes) {
      throw new ProtocolError(
        'truncated',
        `truncated ${what}: need ${bytes} bytes, have ${this.end - this.offset}`,
      );
    }
  }

  byte(): number {
    this.need(1, 'byte');
    const value = this.bytes.readInt8(this.offset);
    this.offset += 1;
    return value;
  }

  /** Any non-zero byte is true, as in jute. */
  bool(): boolean {
    this.need(1, 'boolean');
    const value = this.bytes[this.offset] !== 0;
    this.offset += 1;
    return value;
  }

  int(): number {
    this.need(4, 'int');
    const value = int32At(this.bytes, this.offset);
    this.offset += 4;
    return value;
  }

  long(): bigint {
    this.need(8, 'long');
    const value = readLong(this.bytes, this.offset);
    this.offset += 8;
    return value;
  }

  private length(what: string): number {
    const length = this.int();
    if (length < -1) throw new ProtocolError('bad-length', `negative ${what} length ${length}`);
    if (length > this.remaining) {
      throw new ProtocolError(
        'bad-length',
        `${what} length ${length} exceeds the ${this.remaining} bytes left`,
      );
    }
    return length;
  }

  /** A jute `buffer`, without copying (a view into the message); `null` for length -1. */
  buffer(): Buffer | null {
    const length = this.length('buffer');
    if (length === -1) return null;
    const value = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  /** A jute `ustring`; `null` for length -1. */
  stringOrNull(): string | null {
    const length = this.length('string');
    if (length === -1) return null;
    const value = this.bytes.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  /** A jute `ustring` where null is read as `''` (paths, schemes, ids). */
  string(): string {
    return this.stringOrNull() ?? '';
  }

  /**
   * A vector's element count; `-1` (null) reads as 0 elements. `minElementBytes` is the
   * smallest encoding of one element, so a count the remaining bytes cannot hold fails
   * before any array is sized by it.
   */
  count(minElementBytes: number, what = 'vector'): number {
    assert(minElementBytes >= 1, 'elements take at least one byte');
    const count = this.int();
    if (count === -1) return 0;
    if (count < 0) throw new ProtocolError('bad-length', `negative ${what} count ${count}`);
    if (count * minElementBytes > this.remaining) {
      throw new ProtocolError(
        'bad-length',
        `${what} count ${count} exceeds the ${this.remaining} bytes left`,
      );
    }
    return count;
  }

  /** A vector of strings (null reads as empty). */
  strings(): string[] {
    const count = this.count(4, 'string vector');
    const values = new Array<string>(count);
    for (let index = 0; index < count; index++) values[index] = this.string();
    return values;
  }

  /** A vector of records (null reads as empty). */
  vector<T>(minElementBytes: number, decode: (reader: Reader) => T): T[] {
    const count = this.count(minElementBytes);
    const values = new Array<T>(count);
    for (let index = 0; index < count; index++) values[index] = decode(this);
    return values;
  }

  /** The rest of the message, without copying. */
  rest(): Buffer {
    const value = this.bytes.subarray(this.offset, this.end);
    this.offset = this.end;
    return value;
  }

  /** Fails if bytes are left over: a record must account for its whole message. */
  expectEnd(what: string): void {
    if (this.offset !== this.end) {
      throw new ProtocolError('trailing-bytes', `${this.end - this.offset} unexpected bytes after ${what}`);
    }
  }
}

/** Decodes one whole message with `decode`; trailing bytes are an error. */
export function decodeWith<T>(bytes: Buffer, decode: (reader: Reader) => T, what: string): T {
  const reader = new Reader(bytes);
  const value = decode(reader);
  reader.expectEnd(what);
  return value;
}

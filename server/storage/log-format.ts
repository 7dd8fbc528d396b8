/**
 * The txn log segment format (zookit's own; Apache's differs and stays a later option):
 *
 * ```
 * header (16 bytes): u32 magic "ZKIL" · u32 version 1 · u64 first zxid (equals the file name's zxid)
 * entry:             u32 length (= 8 + payload bytes) · u32 CRC-32 of (length, zxid, payload) · u64 zxid · payload
 * ```
 *
 * A zero length can never be a real entry (it is at least 8), so preallocated zeros read as the end of the log. A
 * damaged entry is a torn tail (tolerated, truncated) when nothing valid follows it in the newest segment; anything
 * else is corruption and stops start-up with a {@link StorageCorruptionError} naming the file and offset.
 */
import { assert } from '../../src/util/assert';
import { crc32, crc32OfUint32BE } from './crc32';
import { StorageCorruptionError, StorageFormatVersionError } from './storage-errors';

/** "ZKIL": zookit log. */
export const LOG_MAGIC = 0x5a4b494c;
/** Bumped on any incompatible change. */
export const LOG_VERSION = 1;
/** Bytes of the segment header. */
export const LOG_HEADER_BYTES = 16;
/** Bytes before an entry's payload: length, checksum, zxid. */
export const ENTRY_HEADER_BYTES = 16;
/** Largest payload accepted; far above any txn (jute.maxbuffer is 1 MiB by default). */
export const ENTRY_PAYLOAD_BYTES_MAX = 256 * 1024 * 1024;

/** Encodes a segment header. */
export function encodeLogHeader(firstZxid: bigint): Buffer {
  const header = Buffer.alloc(LOG_HEADER_BYTES);
  header.writeUInt32BE(LOG_MAGIC, 0);
  header.writeUInt32BE(LOG_VERSION, 4);
  header.writeBigUInt64BE(firstZxid, 8);
  return header;
}

function entryChecksum(bytes: Buffer, offset: number, length: number): number {
  const lengthCrc = crc32OfUint32BE(bytes.readUInt32BE(offset));
  return crc32(bytes.subarray(offset + 8, offset + 8 + length), lengthCrc);
}

const ZXID_LIMIT = 1n << 64n;
/** The zxid's two 32-bit words without bigint arithmetic (Buffer.writeBigUInt64BE shifts and masks per call). */
const zxidScratch = new BigUint64Array(1);
const zxidWords = new Uint32Array(zxidScratch.buffer);
const HIGH_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0;

/** Encodes one entry: header and payload in one buffer. */
export function encodeEntry(zxid: bigint, payload: Buffer): Buffer {
  assert(payload.length <= ENTRY_PAYLOAD_BYTES_MAX, 'entry payload within ENTRY_PAYLOAD_BYTES_MAX');
  assert(zxid >= 0n && zxid < ZXID_LIMIT, 'zxid fits an unsigned 64-bit field');
  const frame = Buffer.allocUnsafe(ENTRY_HEADER_BYTES + payload.length);
  const length = 8 + payload.length;
  frame.writeUInt32BE(length, 0);
  zxidScratch[0] = zxid;
  frame.writeUInt32BE(zxidWords[HIGH_WORD] as number, 8);
  frame.writeUInt32BE(zxidWords[1 - HIGH_WORD] as number, 12);
  payload.copy(frame, ENTRY_HEADER_BYTES);
  frame.writeUInt32BE(entryChecksum(frame, 0, length), 4);
  return frame;
}

/** One entry found in a segment; `payload` is a view into the segment bytes. */
export interface ParsedEntry {
  readonly zxid: bigint;
  readonly payload: Buffer;
  readonly offset: number;
}

/** How a segment ended: exactly at the file end, at preallocated zeros, or at a torn (partly written) entry. */
export type SegmentTail = 'end' | 'zeros' | 'torn' | 'torn-header';

/** A parsed segment: its entries, where valid data ends, and how it ended. */
export interface ParsedSegment {
  readonly entries: ParsedEntry[];
  readonly validEnd: number;
  readonly tail: SegmentTail;
}

type FrameResult = { ok: true; zxid: bigint; end: number } | { ok: false; reason: string };

function readFrame(bytes: Buffer, offset: number): FrameResult {
  if (bytes.length - offset < ENTRY_HEADER_BYTES) return { ok: false, reason: 'entry header cut short' };
  const length = bytes.readUInt32BE(offset);
  if (length < 8) return { ok: false, reason: `entry length ${length} is below 8` };
  if (length - 8 > ENTRY_PAYLOAD_BYTES_MAX) return { ok: false, reason: `entry length ${length} too large` };
  const end = offset + 8 + length;
  if (end > bytes.length) return { ok: false, reason: 'entry cut short by the end of the file' };
  if (entryChecksum(bytes, offset, length) !== bytes.readUInt32BE(offset + 4)) {
    return { ok: false, reason: 'checksum mismatch' };
  }
  return { ok: true, zxid: bytes.readBigUInt64BE(offset + 8), end };
}

function isAllZero(bytes: Buffer, from: number): boolean {
  for (let index = from; index < bytes.length; index++) if (bytes[index] !== 0) return false;
  return true;
}

/** True if any intact entry newer than `afterZxid` starts after `from`: then the damage is not a torn tail. */
function intactEntryFollows(bytes: Buffer, from: number, afterZxid: bigint): boolean {
  for (let offset = from; offset + ENTRY_HEADER_BYTES <= bytes.length; offset++) {
    const length = bytes.readUInt32BE(offset);
    if (length < 8 || offset + 8 + length > bytes.length) continue;
    if (bytes.readBigUInt64BE(offset + 8) <= afterZxid) continue;
    if (readFrame(bytes, offset).ok) return true;
  }
  return false;
}

function parseHeader(path: string, bytes: Buffer, firstZxid: bigint, isNewest: boolean): boolean {
  if (bytes.length >= LOG_HEADER_BYTES && bytes.readUInt32BE(0) === LOG_MAGIC) {
    const version = bytes.readUInt32BE(4);
    if (version !== LOG_VERSION) throw new StorageFormatVersionError(path, version, LOG_VERSION);
  }
  const headerValid =
    bytes.length >= LOG_HEADER_BYTES &&
    bytes.readUInt32BE(0) === LOG_MAGIC &&
    bytes.readUInt32BE(4) === LOG_VERSION &&
    bytes.readBigUInt64BE(8) === firstZxid;
  if (headerValid) return true;
  // The newest segment may have been cut while its header was written (before any entry in it was fsynced).
  const cutWhileCreated = bytes.length < LOG_HEADER_BYTES || isAllZero(bytes, 0);
  if (isNewest && cutWhileCreated) return false;
  throw new StorageCorruptionError(path, 0, 'bad log segment header');
}

/**
 * Parses a whole segment. `afterZxid` is the last zxid of the previous segment (entries must grow past it);
 * `isNewest` allows a torn tail. Throws {@link StorageCorruptionError} for damage that is not a torn tail.
 */
export function parseSegment(
  path: string,
  bytes: Buffer,
  firstZxid: bigint,
  afterZxid: bigint,
  isNewest: boolean,
): ParsedSegment {
  if (!parseHeader(path, bytes, firstZxid, isNewest))
    return { entries: [], validEnd: 0, tail: 'torn-header' };
  const entries: ParsedEntry[] = [];
  let offset = LOG_HEADER_BYTES;
  let lastZxid = afterZxid;
  let tail: SegmentTail = 'end';
  while (offset < bytes.length) {
    const frame = readFrame(bytes, offset);
    if (frame.ok) {
      if (frame.zxid <= lastZxid)
        throw new StorageCorruptionError(path, offset, `zxid ${frame.zxid} out of order`);
      if (entries.length === 0 && frame.zxid !== firstZxid) {
        throw new StorageCorruptionError(path, offset, `first zxid ${frame.zxid} differs from the file name`);
      }
      entries.push({
        zxid: frame.zxid,
        payload: bytes.subarray(offset + ENTRY_HEADER_BYTES, frame.end),
        offset,
      });
      lastZxid = frame.zxid;
      offset = frame.end;
      continue;
    }
    if (isAllZero(bytes, offset)) {
      tail = 'zeros';
      break;
    }
    if (!isNewest || intactEntryFollows(bytes, offset + 1, lastZxid)) {
      throw new StorageCorruptionError(path, offset, frame.reason);
    }
    tail = 'torn';
    break;
  }
  assert(offset <= bytes.length, 'parsing stays inside the segment');
  return { entries, validEnd: offset, tail };
}

/**
 * Column storage for znodes: one slot per node, each field in its own typed array. A
 * million znodes cost 64 bytes of fixed columns each plus their data, path key and child
 * name, with no per-node object (protocol.md §6 `StatPersisted`, plus the ACL key).
 * Data is kept as a latin1 string (one byte per char): ~80 bytes smaller than a Buffer
 * view per node, converted back on read.
 */
import { assert } from '../../src/util/assert';

const INITIAL_SLOTS = 1024;

/** Index of the high 32-bit word of an int64 in a Uint32Array view (host byte order). */
const HIGH_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0;
const LOW_WORD = 1 - HIGH_WORD;

/** The 64-bit columns as 32-bit words, so the snapshot encoder copies them without making bigints. */
interface WordViews {
  czxid: Uint32Array;
  mzxid: Uint32Array;
  ctime: Uint32Array;
  mtime: Uint32Array;
  ephemeralOwner: Uint32Array;
  pzxid: Uint32Array;
}

/** Bytes of Apache's StatPersisted on the wire: six int64 and three int32. */
export const STAT_PERSISTED_BYTES = 6 * 8 + 3 * 4;

/** The persisted stat of one node, as stored (cversion = child creations, raw ephemeralOwner). */
export interface StatPersisted {
  czxid: bigint;
  mzxid: bigint;
  ctime: bigint;
  mtime: bigint;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  pzxid: bigint;
}

/** Growable column arrays indexed by slot, with a free list. */
export class NodeColumns {
  czxid = new BigInt64Array(INITIAL_SLOTS);
  mzxid = new BigInt64Array(INITIAL_SLOTS);
  pzxid = new BigInt64Array(INITIAL_SLOTS);
  ctime = new BigInt64Array(INITIAL_SLOTS);
  mtime = new BigInt64Array(INITIAL_SLOTS);
  ephemeralOwner = new BigInt64Array(INITIAL_SLOTS);
  version = new Int32Array(INITIAL_SLOTS);
  cversion = new Int32Array(INITIAL_SLOTS);
  aversion = new Int32Array(INITIAL_SLOTS);
  aclKey = new Int32Array(INITIAL_SLOTS);
  /** Data as latin1 text; `null` is null data (distinct from empty). */
  data: Array<string | null> = [];
  /** Child names, created on the first child. */
  children: Array<Set<string> | undefined> = [];
  private used = 0;
  private readonly free: number[] = [];
  private words: WordViews = this.wordViews();

  private wordViews(): WordViews {
    return {
      czxid: new Uint32Array(this.czxid.buffer),
      mzxid: new Uint32Array(this.mzxid.buffer),
      ctime: new Uint32Array(this.ctime.buffer),
      mtime: new Uint32Array(this.mtime.buffer),
      ephemeralOwner: new Uint32Array(this.ephemeralOwner.buffer),
      pzxid: new Uint32Array(this.pzxid.buffer),
    };
  }

  /**
   * Writes the stored stat of `slot` at `offset` of `target` as Apache's StatPersisted (czxid, mzxid, ctime, mtime,
   * version, cversion, aversion, ephemeralOwner, pzxid; big-endian), word by word: a snapshot does this per node, and
   * reading the BigInt64Array columns would allocate six bigints each time.
   */
  writeStatPersisted(slot: number, target: DataView, offset: number): void {
    const words = this.words;
    const high = 2 * slot + HIGH_WORD;
    const low = 2 * slot + LOW_WORD;
    target.setUint32(offset, words.czxid[high] as number);
    target.setUint32(offset + 4, words.czxid[low] as number);
    target.setUint32(offset + 8, words.mzxid[high] as number);
    target.setUint32(offset + 12, words.mzxid[low] as number);
    target.setUint32(offset + 16, words.ctime[high] as number);
    target.setUint32(offset + 20, words.ctime[low] as number);
    target.setUint32(offset + 24, words.mtime[high] as number);
    target.setUint32(offset + 28, words.mtime[low] as number);
    target.setInt32(offset + 32, this.version[slot] as number);
    target.setInt32(offset + 36, this.cversion[slot] as number);
    target.setInt32(offset + 40, this.aversion[slot] as number);
    target.setUint32(offset + 44, words.ephemeralOwner[high] as number);
    target.setUint32(offset + 48, words.ephemeralOwner[low] as number);
    target.setUint32(offset + 52, words.pzxid[high] as number);
    target.setUint32(offset + 56, words.pzxid[low] as number);
  }

  /**
   * True if the node at `slot` was created by a txn after the zxid whose high and low 32-bit words are given
   * (zxids are never negative, so an unsigned comparison of the words is the bigint comparison, minus the bigint).
   */
  createdAfter(slot: number, zxidHigh: number, zxidLow: number): boolean {
    const high = this.words.czxid[2 * slot + HIGH_WORD] as number;
    return (
      high > zxidHigh || (high === zxidHigh && (this.words.czxid[2 * slot + LOW_WORD] as number) > zxidLow)
    );
  }

  /** Takes a slot for a new node and fills its columns. */
  allocate(stat: StatPersisted, aclKey: number, data: Buffer | null): number {
    const slot = this.free.pop() ?? this.used++;
    if (slot >= this.czxid.length) this.grow();
    this.writeStat(slot, stat);
    this.aclKey[slot] = aclKey;
    this.data[slot] = data === null ? null : data.toString('latin1');
    this.children[slot] = undefined;
    return slot;
  }

  /** Returns a slot to the free list and drops what it referenced. */
  release(slot: number): void {
    assert(slot >= 0 && slot < this.used, 'released slot is in use');
    this.data[slot] = null;
    this.children[slot] = undefined;
    this.free.push(slot);
  }

  /** Overwrites every stat column of `slot`. */
  writeStat(slot: number, stat: StatPersisted): void {
    this.czxid[slot] = stat.czxid;
    this.mzxid[slot] = stat.mzxid;
    this.pzxid[slot] = stat.pzxid;
    this.ctime[slot] = stat.ctime;
    this.mtime[slot] = stat.mtime;
    this.ephemeralOwner[slot] = stat.ephemeralOwner;
    this.version[slot] = stat.version;
    this.cversion[slot] = stat.cversion;
    this.aversion[slot] = stat.aversion;
  }

  /** The stored stat of `slot`. */
  readStat(slot: number): StatPersisted {
    return {
      czxid: this.czxid[slot] ?? 0n,
      mzxid: this.mzxid[slot] ?? 0n,
      ctime: this.ctime[slot] ?? 0n,
      mtime: this.mtime[slot] ?? 0n,
      version: this.version[slot] ?? 0,
      cversion: this.cversion[slot] ?? 0,
      aversion: this.aversion[slot] ?? 0,
      ephemeralOwner: this.ephemeralOwner[slot] ?? 0n,
      pzxid: this.pzxid[slot] ?? 0n,
    };
  }

  /** The data of `slot` as a fresh Buffer (`null` for null data). */
  readData(slot: number): Buffer | null {
    const text = this.data[slot];
    return text === null || text === undefined ? null : Buffer.from(text, 'latin1');
  }

  /** Bytes of data at `slot` (0 for null). */
  dataLength(slot: number): number {
    return this.data[slot]?.length ?? 0;
  }

  /** Number of children at `slot`. */
  childCount(slot: number): number {
    return this.children[slot]?.size ?? 0;
  }

  private grow(): void {
    const size = this.czxid.length * 2;
    const widen64 = (from: BigInt64Array<ArrayBuffer>): BigInt64Array<ArrayBuffer> => {
      const to = new BigInt64Array(size);
      to.set(from);
      return to;
    };
    const widen32 = (from: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const to = new Int32Array(size);
      to.set(from);
      return to;
    };
    this.czxid = widen64(this.czxid);
    this.mzxid = widen64(this.mzxid);
    this.pzxid = widen64(this.pzxid);
    this.ctime = widen64(this.ctime);
    this.mtime = widen64(this.mtime);
    this.ephemeralOwner = widen64(this.ephemeralOwner);
    this.version = widen32(this.version);
    this.cversion = widen32(this.cversion);
    this.aversion = widen32(this.aversion);
    this.aclKey = widen32(this.aclKey);
    this.words = this.wordViews();
  }
}

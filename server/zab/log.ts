/**
 * The peer's view of its transaction log: every txn after the newest snapshot (`baseZxid`),
 * in zxid order, plus the changes not yet handed to the runtime for persistence. The
 * pending changes are kept normalised as "install snapshot?, truncate?, append entries" so
 * a Ready can always apply them in that one order (see ready.ts).
 *
 * Nothing here knows about commit: the peer tracks committed and applied zxids itself.
 */
import { assert } from '../../src/util/assert';
import type { LogEntry, Snapshot } from './messages';

/** Log changes to persist, in this order. */
export interface PendingLogWrites {
  /** Install this snapshot: the state and log are replaced by it. */
  snapshot: Snapshot | undefined;
  /** Drop every durable entry above this zxid. */
  truncateAfter: bigint | undefined;
  /** Append these entries, in order. */
  entries: LogEntry[];
}

/** The in-memory log of one peer. */
export class ZabLog {
  private entries: LogEntry[];
  private base: bigint;
  private pending: PendingLogWrites = { snapshot: undefined, truncateAfter: undefined, entries: [] };

  /** A log holding `entries` (all above `baseZxid`, strictly increasing), as recovered from disk. */
  constructor(baseZxid: bigint, entries: readonly LogEntry[]) {
    assert(baseZxid >= 0n, 'base zxid is non-negative');
    let previous = baseZxid;
    for (const entry of entries) {
      assert(entry.zxid > previous, `recovered log zxids increase past ${previous}`);
      previous = entry.zxid;
    }
    this.base = baseZxid;
    this.entries = entries.slice();
  }

  /** The zxid of the snapshot the log starts after. */
  get baseZxid(): bigint {
    return this.base;
  }

  /** The last logged zxid (the base when the log is empty). */
  get lastZxid(): bigint {
    return this.entries.at(-1)?.zxid ?? this.base;
  }

  /** How many entries are held. */
  get length(): number {
    return this.entries.length;
  }

  /** True if `zxid` is the base or a held entry (the leader can sync a peer from it). */
  has(zxid: bigint): boolean {
    return zxid === this.base || this.indexOf(zxid) >= 0;
  }

  /** The held entry with this zxid. */
  entry(zxid: bigint): LogEntry | undefined {
    const index = this.indexOf(zxid);
    return index < 0 ? undefined : this.entries[index];
  }

  /** Entries with after < zxid ≤ through, in order. */
  slice(after: bigint, through: bigint): LogEntry[] {
    assert(after >= this.base, `entries after ${after} are held (base ${this.base})`);
    // A binary search to the first entry, then only the entries returned: the log holds up to
    // snapCount entries and the leader slices it on every commit.
    const slice: LogEntry[] = [];
    for (let index = this.firstIndexAbove(after); index < this.entries.length; index++) {
      const entry = this.entries[index] as LogEntry;
      if (entry.zxid > through) break;
      slice.push(entry);
    }
    return slice;
  }

  /** The largest held zxid below `zxid` (the base if none). */
  previousZxid(zxid: bigint): bigint {
    const index = this.firstIndexAbove(zxid - 1n) - 1;
    return index < 0 ? this.base : (this.entries[index] as LogEntry).zxid;
  }

  /** Appends one entry (its zxid above every held one) and queues it for persistence. */
  append(entry: LogEntry): void {
    assert(entry.zxid > this.lastZxid, `appended zxid ${entry.zxid} grows past ${this.lastZxid}`);
    this.entries.push(entry);
    this.pending.entries.push(entry);
    assert(this.lastZxid === entry.zxid, 'the appended entry is last');
  }

  /** Drops every entry above `zxid` (ZAB's TRUNC) and queues the truncation. */
  truncateAfter(zxid: bigint): void {
    assert(zxid >= this.base, `truncation point ${zxid} is not below the snapshot ${this.base}`);
    this.entries = this.entries.filter((entry) => entry.zxid <= zxid);
    const firstPending = this.pending.entries[0];
    // Durable entries all lie below the first pending one, so the cut reaches them only
    // when no pending entry is at or below it.
    if (firstPending === undefined || firstPending.zxid > zxid) {
      const previous = this.pending.truncateAfter;
      this.pending.truncateAfter = previous === undefined || zxid < previous ? zxid : previous;
    }
    this.pending.entries = this.pending.entries.filter((entry) => entry.zxid <= zxid);
    assert(this.lastZxid <= zxid, 'nothing above the truncation point remains');
  }

  /** Replaces everything with a snapshot (ZAB's SNAP) and queues the install. */
  installSnapshot(snapshot: Snapshot): void {
    assert(snapshot.zxid >= 0n, 'snapshot zxid is non-negative');
    this.entries = [];
    this.base = snapshot.zxid;
    this.pending = { snapshot, truncateAfter: undefined, entries: [] };
    assert(this.lastZxid === snapshot.zxid, 'the log ends at the snapshot');
  }

  /** Forgets entries up to `zxid` after the runtime stored a snapshot there (not a persisted change). */
  compact(zxid: bigint): void {
    assert(zxid >= this.base && zxid <= this.lastZxid, `compaction point ${zxid} is within the log`);
    this.entries = this.entries.filter((entry) => entry.zxid > zxid);
    this.base = zxid;
  }

  /** True if there are changes to persist. */
  get hasPending(): boolean {
    const { snapshot, truncateAfter, entries } = this.pending;
    return snapshot !== undefined || truncateAfter !== undefined || entries.length > 0;
  }

  /** Takes the pending changes (for a Ready); the log starts a fresh pending set. */
  takePending(): PendingLogWrites {
    const taken = this.pending;
    this.pending = { snapshot: undefined, truncateAfter: undefined, entries: [] };
    return taken;
  }

  /** The index of the first entry with a zxid above `zxid` (the length when there is none). */
  private firstIndexAbove(zxid: bigint): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.entries[middle] as LogEntry).zxid > zxid) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  private indexOf(zxid: bigint): number {
    // Binary search: entries are sorted by zxid.
    let low = 0;
    let high = this.entries.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const found = this.entries[middle]?.zxid ?? 0n;
      if (found === zxid) return middle;
      if (found < zxid) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }
}

/**
 * The PREP overlay (Apache's `outstandingChanges`): what every prepared-but-not-yet-applied
 * write will have done to the nodes it touches. With group commit, write N+1 is prepared
 * while write N awaits fsync, so PREP must validate against the tree *plus* this overlay.
 * Records are discarded once the txn of their zxid has been applied to the tree.
 */
import type { Acl } from '../../src/protocol/data';
import { assert } from '../../src/util/assert';
import type { DataTree, NodeRecord } from './data-tree';

/** Applied records are cut off the front only once this many have gathered (and at least half the array). */
const COMPACT_HEAD_MIN = 1024;

/** One pending change: the node as it will be after the txn `zxid`, or `null` once deleted. */
export interface PendingRecord {
  zxid: bigint;
  path: string;
  node: NodeRecord | null;
}

/** Pending changes over a data tree, newest per path wins. */
export class PendingChanges {
  /** Records from index `head` on are live; the applied ones before it are cut off in bulk (see `applied`). */
  private records: PendingRecord[] = [];
  private head = 0;
  private readonly latest = new Map<string, PendingRecord>();
  private touched: Map<string, PendingRecord | undefined> | undefined;

  constructor(private readonly tree: DataTree) {}

  /** Number of pending records (bounded by the writes in flight). */
  get size(): number {
    return this.records.length - this.head;
  }

  /** The node at `path` as the pending writes leave it; `undefined` when it does not exist. */
  get(path: string): NodeRecord | undefined {
    const normalized = path === '' ? '/' : path;
    const record = this.latest.get(normalized);
    if (record !== undefined) return record.node ?? undefined;
    return this.tree.node(normalized);
  }

  /** True if a node is at `path` as the pending writes leave it (no record is made). */
  has(path: string): boolean {
    const normalized = path === '' ? '/' : path;
    const record = this.latest.get(normalized);
    if (record !== undefined) return record.node !== null;
    return this.tree.has(normalized);
  }

  /** Records the node's state after txn `zxid` (`null` = deleted). */
  put(zxid: bigint, path: string, node: NodeRecord | null): void {
    const normalized = path === '' ? '/' : path;
    const last = this.records[this.records.length - 1];
    assert(last === undefined || last.zxid <= zxid, 'pending records arrive in zxid order');
    if (this.touched !== undefined && !this.touched.has(normalized)) {
      this.touched.set(normalized, this.latest.get(normalized));
    }
    const record = { zxid, path: normalized, node };
    this.records.push(record);
    this.latest.set(normalized, record);
  }

  /** Every pending record, oldest first (closeSession scans them for the session's ephemerals). */
  all(): readonly PendingRecord[] {
    this.compact();
    return this.records;
  }

  /** Starts a multi: remembers each path's record before its first change, for rollback. */
  beginMulti(): void {
    assert(this.touched === undefined, 'multis do not nest');
    this.touched = new Map();
  }

  /** Ends a multi, keeping its records. */
  commitMulti(): void {
    assert(this.touched !== undefined, 'a multi is open');
    this.touched = undefined;
  }

  /** Drops every record of the failed multi `zxid` and restores what the paths showed before. */
  rollbackMulti(zxid: bigint): void {
    const touched = this.touched;
    assert(touched !== undefined, 'a multi is open');
    while (this.records.length > this.head && this.records[this.records.length - 1]?.zxid === zxid) {
      this.records.pop();
    }
    for (const [path, previous] of touched) {
      if (previous === undefined) this.latest.delete(path);
      else this.latest.set(path, previous);
    }
    this.touched = new Map();
  }

  /**
   * Forgets records of txns up to `zxid` now that the tree holds their effect. Called once per applied txn with
   * thousands of records pending under a deep pipeline, so it only advances `head`: cutting the array's front on
   * every call made applying quadratic in the writes in flight.
   */
  applied(zxid: bigint): void {
    const records = this.records;
    let head = this.head;
    while (head < records.length) {
      const record = records[head] as PendingRecord;
      if (record.zxid > zxid) break;
      if (this.latest.get(record.path) === record) this.latest.delete(record.path);
      head += 1;
    }
    this.head = head;
    if (head === records.length) {
      records.length = 0;
      this.head = 0;
    } else if (head >= COMPACT_HEAD_MIN && head * 2 >= records.length) this.compact();
  }

  /** Drops the applied records before `head` (amortised: at most once per as many applied records as remain). */
  private compact(): void {
    if (this.head === 0) return;
    this.records = this.records.slice(this.head);
    this.head = 0;
  }

  /** Forgets everything (e.g. when a new leader starts preparing from its applied tree). */
  clear(): void {
    this.records.length = 0;
    this.head = 0;
    this.latest.clear();
    this.touched = undefined;
  }
}

/**
 * A copy of `node` with changes, for a new pending record. Field by field rather than with object spreads: this runs
 * for every prepared write, and the spreads of the stat were a visible share of PREP's time.
 */
export function changedNode(
  node: NodeRecord,
  changes: Partial<NodeRecord['stat']> & { numChildren?: number; acl?: readonly Acl[] },
): NodeRecord {
  const stat = node.stat;
  return {
    stat: {
      czxid: changes.czxid ?? stat.czxid,
      mzxid: changes.mzxid ?? stat.mzxid,
      ctime: changes.ctime ?? stat.ctime,
      mtime: changes.mtime ?? stat.mtime,
      version: changes.version ?? stat.version,
      cversion: changes.cversion ?? stat.cversion,
      aversion: changes.aversion ?? stat.aversion,
      ephemeralOwner: changes.ephemeralOwner ?? stat.ephemeralOwner,
      pzxid: changes.pzxid ?? stat.pzxid,
    },
    acl: changes.acl ?? node.acl,
    numChildren: changes.numChildren ?? node.numChildren,
  };
}

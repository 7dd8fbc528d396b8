/**
 * The facade the request pipeline uses (Apache's `ZKDatabase` + the PREP/APPLY halves of the
 * processors): one data tree, its watch table, the session table and the PREP overlay.
 * Pure and synchronous: zxids and times are inputs; no I/O, timers or randomness.
 *
 *   write:  prepare(write, context, zxid, timeMs) → TxnEntry  →(log/quorum)→  apply(entry)
 *   read:   reads.getData(...) etc., answered in order with writes
 */
import { OpCode } from '../../src/protocol/constants';
import type { TxnEntry } from '../../src/protocol/txn';
import { assert } from '../../src/util/assert';
import { type ApplyResult, applyTxn } from './apply';
import { DataTree } from './data-tree';
import { PendingChanges } from './pending-changes';
import {
  defaultPrepOptions,
  Preparer,
  type PrepOptions,
  type RequestContext,
  type WriteRequest,
} from './prep';
import { ReadOps } from './reads';
import { defaultReapOptions, type ReapOptions, reapCandidates } from './reaping';
import { decodeSnapshot, encodeSnapshot } from './snapshot';
import { type SetWatchesLists, type WatchDelivery, type WatchOwner, WatchTable } from './watch-table';

/** Settings of the database (PREP switches and ACL enforcement). */
export type DatabaseOptions = PrepOptions;

/** What applying one txn produced: the reply facts and the notifications to send first. */
export interface Applied<W extends WatchOwner> {
  result: ApplyResult;
  /** Notifications, in order; each goes to its connection before the write's reply. */
  deliveries: Array<WatchDelivery<W>>;
}

/** The in-memory ZooKeeper database. */
export class ZooKeeperDatabase<W extends WatchOwner> {
  readonly watches: WatchTable<W>;
  readonly reads: ReadOps<W>;
  /** Live sessions: id → negotiated timeout ms (from createSession/closeSession txns). */
  readonly sessions: Map<bigint, number>;
  private readonly pending: PendingChanges;
  private readonly preparer: Preparer;
  private lastZxid: bigint;

  constructor(
    readonly options: DatabaseOptions = defaultPrepOptions,
    readonly tree: DataTree = new DataTree(),
    sessions: Map<bigint, number> = new Map(),
    lastProcessedZxid = 0n,
  ) {
    this.sessions = sessions;
    this.lastZxid = lastProcessedZxid;
    this.watches = new WatchTable<W>(options);
    this.reads = new ReadOps<W>(tree, this.watches, options);
    this.pending = new PendingChanges(tree);
    this.preparer = new Preparer(tree, this.pending, options);
  }

  /** zxid of the last txn applied (reply headers and snapshots use it). */
  get lastProcessedZxid(): bigint {
    return this.lastZxid;
  }

  /** Pending (prepared, not yet applied) change records. */
  get pendingChangeCount(): number {
    return this.pending.size;
  }

  /**
   * PREP one write under `zxid` at leader wall-clock `timeMs`: validation against the tree
   * and earlier prepared writes, then the txn to log (an error txn if it failed).
   */
  prepare(write: WriteRequest, context: RequestContext, zxid: bigint, timeMs: bigint): TxnEntry {
    assert(zxid > this.lastZxid, 'a new txn gets a zxid above every applied one');
    return this.preparer.prepare(write, context, zxid, timeMs);
  }

  /**
   * APPLY a committed txn: the tree changes, sessions are opened/closed, pending records of
   * this zxid are dropped, and the watch triggers become notifications.
   */
  apply(entry: TxnEntry): Applied<W> {
    const result = applyTxn(this.tree, entry);
    const { header } = entry;
    if (entry.txn.type === OpCode.createSession) this.sessions.set(header.clientId, entry.txn.body.timeOut);
    if (entry.txn.type === OpCode.closeSession) this.sessions.delete(header.clientId);
    if (header.zxid > this.lastZxid) this.lastZxid = header.zxid;
    this.pending.applied(header.zxid);
    const deliveries: Array<WatchDelivery<W>> = [];
    for (const trigger of result.triggers) this.watches.trigger(trigger, deliveries);
    return { result, deliveries };
  }

  /** Forgets every prepared-but-unapplied change (leadership lost: the proposals are void). */
  discardPending(): void {
    this.pending.clear();
  }

  /** SetWatches/SetWatches2 for a reconnected connection: catch-up events (zxid -1). */
  setWatches(lists: SetWatchesLists, connection: W): Array<WatchDelivery<W>> {
    return this.watches.setWatches(lists, { zxids: (path) => this.nodeZxids(path) }, connection);
  }

  private nodeZxids(path: string): { mzxid: bigint; pzxid: bigint } | undefined {
    const stored = this.tree.storedNode(path);
    return stored === undefined ? undefined : { mzxid: stored.stat.mzxid, pzxid: stored.stat.pzxid };
  }

  /** Drops every watch of a closed connection. */
  closeConnection(connection: W): void {
    this.watches.removeWatcher(connection);
  }

  /** Paths the container/TTL reaper should delete now. */
  reapCandidates(nowMs: bigint, options: ReapOptions = defaultReapOptions): string[] {
    return reapCandidates(this.tree, nowMs, options);
  }

  /** The snapshot body as chunks, starting at lastProcessedZxid (see snapshot.ts). */
  snapshot(): { zxid: bigint; chunks: Generator<Buffer> } {
    const zxid = this.lastZxid;
    return { zxid, chunks: encodeSnapshot(this.tree, this.sessions, zxid) };
  }

  /** A database rebuilt from snapshot chunks taken at `zxid`; replay later txns with apply(). */
  static restore<W extends WatchOwner>(
    chunks: Iterable<Buffer>,
    zxid: bigint,
    options: DatabaseOptions = defaultPrepOptions,
  ): ZooKeeperDatabase<W> {
    const { tree, sessions } = decodeSnapshot(chunks);
    return new ZooKeeperDatabase<W>(options, tree, sessions, zxid);
  }
}

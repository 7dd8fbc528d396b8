/**
 * Server-side watches (protocol.md §8): per connection, a data table and a child table,
 * each entry with standard / persistent / persistent-recursive modes (a connection may
 * hold several modes on one path, as Apache 3.9+). Triggers fire at most one notification
 * per connection per table trigger, filtered by the receiver's READ permission; recursive
 * watches are found by walking the changed path's ancestors, never by scanning all watches.
 */
import { AddWatchMode, EventType, KeeperState, Perms, WatcherType } from '../../src/protocol/constants';
import type { Acl, Id } from '../../src/protocol/data';
import { ErrorCode, fromCode } from '../../src/protocol/errors';
import { assert } from '../../src/util/assert';
import { type AclOptions, checkAcl, defaultAclOptions } from './acl';
import type { WatchTrigger } from './data-tree';

/**
 * What the watch table knows of a connection: its session id (for the wchc/wchp reports)
 * and its current auth ids (for the READ filter at delivery). The runtime's connection
 * object implements it; the table keys watches by object identity.
 */
export interface WatchOwner {
  readonly sessionId: bigint;
  readonly authIds: readonly Id[];
}

/** One notification to send: `ReplyHeader{-1, zxid, 0}` + `WatcherEvent`. */
export interface WatchDelivery<W extends WatchOwner> {
  watcher: W;
  zxid: bigint;
  event: { type: EventType; state: number; path: string };
}

/** Mode bits of one (connection, path) entry. */
const Mode = { standard: 1, persistent: 2, recursive: 4 } as const;

/** Node facts SetWatches catch-up needs. */
export interface WatchedNodeView {
  /** mzxid and pzxid of the node, or `undefined` when it does not exist. */
  zxids(path: string): { mzxid: bigint; pzxid: bigint } | undefined;
}

/** The watch lists of SetWatches / SetWatches2. */
export interface SetWatchesLists {
  relativeZxid: bigint;
  dataWatches: readonly string[];
  existWatches: readonly string[];
  childWatches: readonly string[];
  persistentWatches?: readonly string[];
  persistentRecursiveWatches?: readonly string[];
}

/** One table (data or child): path → watchers, and watcher → path → mode bits. */
class WatchIndex<W extends WatchOwner> {
  readonly byPath = new Map<string, Set<W>>();
  readonly byWatcher = new Map<W, Map<string, number>>();
  private recursiveEntries = 0;

  add(path: string, watcher: W, mode: number): boolean {
    let paths = this.byWatcher.get(watcher);
    if (paths === undefined) {
      paths = new Map();
      this.byWatcher.set(watcher, paths);
    }
    const before = paths.get(path) ?? 0;
    const after = before | mode;
    if (after === before) return false;
    paths.set(path, after);
    let watchers = this.byPath.get(path);
    if (watchers === undefined) {
      watchers = new Set();
      this.byPath.set(path, watchers);
    }
    watchers.add(watcher);
    if ((after & Mode.recursive) !== 0 && (before & Mode.recursive) === 0) this.recursiveEntries += 1;
    return true;
  }

  /** Clears `mode` bits (all bits when `undefined`); true if anything was removed. */
  remove(path: string, watcher: W, mode: number | undefined): boolean {
    const paths = this.byWatcher.get(watcher);
    const before = paths?.get(path) ?? 0;
    if (paths === undefined || before === 0) return false;
    const after = mode === undefined ? 0 : before & ~mode;
    if (after === before) return false;
    this.setBits(path, watcher, paths, before, after);
    return true;
  }

  private setBits(path: string, watcher: W, paths: Map<string, number>, before: number, after: number): void {
    if ((before & Mode.recursive) !== 0 && (after & Mode.recursive) === 0) this.recursiveEntries -= 1;
    assert(this.recursiveEntries >= 0, 'recursive watch count never negative');
    if (after !== 0) {
      paths.set(path, after);
      return;
    }
    paths.delete(path);
    if (paths.size === 0) this.byWatcher.delete(watcher);
    const watchers = this.byPath.get(path);
    watchers?.delete(watcher);
    if (watchers?.size === 0) this.byPath.delete(path);
  }

  has(path: string, watcher: W, mode: number | undefined): boolean {
    const bits = this.byWatcher.get(watcher)?.get(path) ?? 0;
    return mode === undefined ? bits !== 0 : (bits & mode) !== 0;
  }

  removeWatcher(watcher: W): void {
    const paths = this.byWatcher.get(watcher);
    if (paths === undefined) return;
    for (const [path, bits] of [...paths]) this.setBits(path, watcher, paths, bits, 0);
    assert(!this.byWatcher.has(watcher), 'a closed connection keeps no watches');
  }

  /**
   * Watchers of a change at `path`: every entry at the path itself (standard ones are
   * consumed), plus recursive entries on ancestors. Each watcher once, in discovery order.
   */
  collect(path: string): ReadonlySet<W> {
    let found: Set<W> | undefined;
    const exact = this.byPath.get(path);
    if (exact !== undefined) {
      found = new Set<W>();
      for (const watcher of [...exact]) {
        const paths = this.byWatcher.get(watcher);
        const bits = paths?.get(path) ?? 0;
        assert(paths !== undefined && bits !== 0, 'both watch indexes agree');
        found.add(watcher);
        if ((bits & Mode.standard) !== 0) this.setBits(path, watcher, paths, bits, bits & ~Mode.standard);
      }
    }
    if (this.recursiveEntries === 0) return found ?? NO_WATCHERS;
    for (let ancestor = parentOf(path); ancestor !== undefined; ancestor = parentOf(ancestor)) {
      for (const watcher of this.byPath.get(ancestor) ?? []) {
        if (((this.byWatcher.get(watcher)?.get(ancestor) ?? 0) & Mode.recursive) !== 0) {
          found ??= new Set<W>();
          found.add(watcher);
        }
      }
    }
    return found ?? NO_WATCHERS;
  }

  get watchCount(): number {
    let count = 0;
    for (const paths of this.byWatcher.values()) count += paths.size;
    return count;
  }
}

/** What `collect` returns when nobody watches: most writes, so no set is made for them. */
const NO_WATCHERS: ReadonlySet<never> = new Set<never>();

function parentOf(path: string): string | undefined {
  if (path === '/' || path === '') return undefined;
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

/** All watches of the server. */
export class WatchTable<W extends WatchOwner> {
  private readonly dataTable = new WatchIndex<W>();
  private readonly childTable = new WatchIndex<W>();

  constructor(private readonly aclOptions: AclOptions = defaultAclOptions) {}

  /** exists/getData watch: a standard data watch. */
  addDataWatch(path: string, watcher: W): void {
    this.dataTable.add(path, watcher, Mode.standard);
  }

  /** getChildren watch: a standard child watch. */
  addChildWatch(path: string, watcher: W): void {
    this.childTable.add(path, watcher, Mode.standard);
  }

  /**
   * addWatch (106): PERSISTENT adds to both tables, PERSISTENT_RECURSIVE to the data table.
   * Any other mode is a MARSHALLINGERROR, as Apache's IllegalArgumentException.
   */
  addPersistentWatch(path: string, watcher: W, mode: number): void {
    if (mode === AddWatchMode.PERSISTENT) {
      this.dataTable.add(path, watcher, Mode.persistent);
      this.childTable.add(path, watcher, Mode.persistent);
    } else if (mode === AddWatchMode.PERSISTENT_RECURSIVE) {
      this.dataTable.add(path, watcher, Mode.recursive);
    } else {
      throw fromCode(ErrorCode.MARSHALLINGERROR, { path, op: 'addWatch' });
    }
  }

  /** checkWatches (17): true if the connection holds a watch of `type` at `path`. */
  containsWatch(path: string, type: number, watcher: W): boolean {
    switch (type) {
      case WatcherType.Children:
        return this.childTable.has(path, watcher, Mode.standard);
      case WatcherType.Data:
        return this.dataTable.has(path, watcher, Mode.standard);
      case WatcherType.Persistent:
        return this.dataTable.has(path, watcher, Mode.persistent);
      case WatcherType.PersistentRecursive:
        return this.dataTable.has(path, watcher, Mode.recursive);
      case WatcherType.Any:
        return this.childTable.has(path, watcher, undefined) || this.dataTable.has(path, watcher, undefined);
      default:
        throw fromCode(ErrorCode.MARSHALLINGERROR, { path, op: 'checkWatches' });
    }
  }

  /** removeWatches (18): true if something was removed (else the caller answers NOWATCHER). */
  removeWatch(path: string, type: number, watcher: W): boolean {
    switch (type) {
      case WatcherType.Children:
        return this.childTable.remove(path, watcher, Mode.standard);
      case WatcherType.Data:
        return this.dataTable.remove(path, watcher, Mode.standard);
      case WatcherType.Persistent: {
        const child = this.childTable.remove(path, watcher, Mode.persistent);
        const data = this.dataTable.remove(path, watcher, Mode.persistent);
        return child || data;
      }
      case WatcherType.PersistentRecursive:
        return this.dataTable.remove(path, watcher, Mode.recursive);
      case WatcherType.Any: {
        const child = this.childTable.remove(path, watcher, undefined);
        const data = this.dataTable.remove(path, watcher, undefined);
        return child || data;
      }
      default:
        throw fromCode(ErrorCode.MARSHALLINGERROR, { path, op: 'removeWatches' });
    }
  }

  /** Drops every watch of a closing connection. */
  removeWatcher(watcher: W): void {
    this.dataTable.removeWatcher(watcher);
    this.childTable.removeWatcher(watcher);
  }

  /**
   * Turns one mutation trigger into notifications. NodeDeleted fires the data table, then
   * the child table at the same path for connections the data table did not notify. The
   * notifications are appended to `deliveries` (returned).
   */
  trigger(trigger: WatchTrigger, deliveries: Array<WatchDelivery<W>> = []): Array<WatchDelivery<W>> {
    switch (trigger.type) {
      case EventType.NodeCreated:
      case EventType.NodeDataChanged:
        this.deliver(this.dataTable.collect(trigger.path), undefined, trigger, deliveries);
        break;
      case EventType.NodeDeleted: {
        const notified = this.dataTable.collect(trigger.path);
        this.deliver(notified, undefined, trigger, deliveries);
        this.deliver(this.childTable.collect(trigger.path), notified, trigger, deliveries);
        break;
      }
      case EventType.NodeChildrenChanged:
        this.deliver(this.childTable.collect(trigger.path), undefined, trigger, deliveries);
        break;
      default:
        assert(false, `trigger type ${trigger.type} is a node event`);
    }
    return deliveries;
  }

  private deliver(
    watchers: ReadonlySet<W>,
    suppressed: ReadonlySet<W> | undefined,
    trigger: WatchTrigger,
    deliveries: Array<WatchDelivery<W>>,
  ): void {
    for (const watcher of watchers) {
      if (suppressed?.has(watcher)) continue;
      if (!this.canRead(watcher, trigger.acl)) continue;
      deliveries.push({
        watcher,
        zxid: trigger.zxid,
        event: { type: trigger.type, state: KeeperState.SyncConnected, path: trigger.path },
      });
    }
  }

  private canRead(watcher: W, acl: readonly Acl[]): boolean {
    return checkAcl(acl, Perms.READ, watcher.authIds, this.aclOptions);
  }

  /**
   * SetWatches / SetWatches2 on reconnect: catch-up events (zxid -1, no ACL filter) for
   * changes the client missed since `relativeZxid`, re-registration for the rest;
   * persistent watches are re-registered with no catch-up.
   */
  setWatches(lists: SetWatchesLists, nodes: WatchedNodeView, watcher: W): Array<WatchDelivery<W>> {
    const events: Array<WatchDelivery<W>> = [];
    const emit = (type: EventType, path: string): void => {
      events.push({ watcher, zxid: -1n, event: { type, state: KeeperState.SyncConnected, path } });
    };
    for (const path of lists.dataWatches) {
      const node = nodes.zxids(path);
      if (node === undefined) emit(EventType.NodeDeleted, path);
      else if (node.mzxid > lists.relativeZxid) emit(EventType.NodeDataChanged, path);
      else this.dataTable.add(path, watcher, Mode.standard);
    }
    for (const path of lists.existWatches) {
      if (nodes.zxids(path) !== undefined) emit(EventType.NodeCreated, path);
      else this.dataTable.add(path, watcher, Mode.standard);
    }
    for (const path of lists.childWatches) {
      const node = nodes.zxids(path);
      if (node === undefined) emit(EventType.NodeDeleted, path);
      else if (node.pzxid > lists.relativeZxid) emit(EventType.NodeChildrenChanged, path);
      else this.childTable.add(path, watcher, Mode.standard);
    }
    for (const path of lists.persistentWatches ?? [])
      this.addPersistentWatch(path, watcher, AddWatchMode.PERSISTENT);
    for (const path of lists.persistentRecursiveWatches ?? []) {
      this.addPersistentWatch(path, watcher, AddWatchMode.PERSISTENT_RECURSIVE);
    }
    return events;
  }

  /** Watches in both tables (mntr `zk_watch_count`). */
  get watchCount(): number {
    return this.dataTable.watchCount + this.childTable.watchCount;
  }

  /** wchs: connections and paths of the data table, and its total watches. */
  summary(): { connections: number; paths: number; watches: number } {
    return {
      connections: this.dataTable.byWatcher.size,
      paths: this.dataTable.byPath.size,
      watches: this.dataTable.watchCount,
    };
  }

  /** wchc: data-table paths per connection. */
  pathsByConnection(): Array<{ sessionId: bigint; paths: string[] }> {
    return [...this.dataTable.byWatcher].map(([watcher, paths]) => ({
      sessionId: watcher.sessionId,
      paths: [...paths.keys()],
    }));
  }

  /** wchp: data-table session ids per path. */
  connectionsByPath(): Array<{ path: string; sessionIds: bigint[] }> {
    return [...this.dataTable.byPath].map(([path, watchers]) => ({
      path,
      sessionIds: [...watchers].map((watcher) => watcher.sessionId),
    }));
  }
}

/**
 * The client's watch registry. Pure (no I/O): the session registers a watcher when a read's
 * reply arrives, hands every notification to {@link WatchManager.dispatch}, and asks for the
 * watches to re-register after a reconnect ({@link planSetWatches}).
 *
 * Paths are the application's (chroot stripped). Several callers watching one path share the
 * server's single watch and each gets the event. One-shot watchers are removed when they
 * fire; persistent ones stay until removed.
 */
import { clientLimits } from '../defaults';
import { AddWatchMode, EventType, OpCode, type WatcherType } from '../protocol/constants';
import type { SetWatches2 } from '../protocol/records';
import type { NodeEventType, PersistentWatch, WatchCallback, WatchEvent, WatcherKind } from '../types';
import { assert } from '../util/assert';
import { type EventSourceClose, eventIterator } from './events';

/** The client-side tables, as Apache's client keeps them. */
export type WatchTable = 'data' | 'exist' | 'child' | 'persistent' | 'persistentRecursive';

const TABLES: readonly WatchTable[] = ['data', 'exist', 'child', 'persistent', 'persistentRecursive'];

const nodeEventNames: ReadonlyMap<number, NodeEventType> = new Map<number, NodeEventType>([
  [EventType.NodeCreated, 'NodeCreated'],
  [EventType.NodeDeleted, 'NodeDeleted'],
  [EventType.NodeDataChanged, 'NodeDataChanged'],
  [EventType.NodeChildrenChanged, 'NodeChildrenChanged'],
]);

/** The public name of a server event type, or `undefined` for a type servers never send. */
export function nodeEventName(type: number): NodeEventType | undefined {
  return nodeEventNames.get(type);
}

/** Paths to re-register after a reconnect, one list per table (application paths). */
export interface WatchSnapshot {
  data: string[];
  exist: string[];
  child: string[];
  persistent: string[];
  persistentRecursive: string[];
}

/** Options of {@link WatchManager}. */
export interface WatchManagerOptions {
  /** Receives a watcher's exception; delivery to the other watchers goes on. */
  onWatcherError?: (error: unknown) => void;
}

/** Registry and dispatcher of watchers. */
export class WatchManager {
  private readonly tables = new Map<WatchTable, Map<string, Set<WatchCallback>>>(
    TABLES.map((table) => [table, new Map()]),
  );
  private readonly options: WatchManagerOptions;

  constructor(options: WatchManagerOptions = {}) {
    this.options = options;
  }

  private table(name: WatchTable): Map<string, Set<WatchCallback>> {
    const table = this.tables.get(name);
    assert(table !== undefined, 'every watch table exists');
    return table;
  }

  /** Adds `watcher` on `path` in `table` (a watcher already there is not added twice). */
  add(table: WatchTable, path: string, watcher: WatchCallback): void {
    const watchers = this.table(table);
    const set = watchers.get(path);
    if (set === undefined) watchers.set(path, new Set([watcher]));
    else set.add(watcher);
  }

  /** Removes one watcher; true if it was there. */
  remove(table: WatchTable, path: string, watcher: WatchCallback): boolean {
    const watchers = this.table(table);
    const set = watchers.get(path);
    if (set === undefined || !set.delete(watcher)) return false;
    if (set.size === 0) watchers.delete(path);
    return true;
  }

  /** Number of watchers on `path` in `table`. */
  count(table: WatchTable, path: string): number {
    return this.table(table).get(path)?.size ?? 0;
  }

  /** True if no watcher at all is registered. */
  get empty(): boolean {
    for (const table of this.tables.values()) if (table.size > 0) return false;
    return true;
  }

  /** The watched paths of every table. */
  snapshot(): WatchSnapshot {
    return {
      data: [...this.table('data').keys()],
      exist: [...this.table('exist').keys()],
      child: [...this.table('child').keys()],
      persistent: [...this.table('persistent').keys()],
      persistentRecursive: [...this.table('persistentRecursive').keys()],
    };
  }

  /**
   * Delivers a server notification (`type` an {@link EventType}) to every watcher it
   * concerns, once each, removing the one-shot ones first. Returns how many were called.
   */
  dispatch(type: number, path: string, zxid: bigint): number {
    const name = nodeEventName(type);
    if (name === undefined) return 0;
    const targets = new Set<WatchCallback>();
    const take = (table: WatchTable): void => {
      const set = this.table(table).get(path);
      if (set === undefined) return;
      this.table(table).delete(path);
      for (const watcher of set) targets.add(watcher);
    };
    if (type === EventType.NodeDataChanged || type === EventType.NodeCreated) {
      take('data');
      take('exist');
    } else if (type === EventType.NodeChildrenChanged) {
      take('child');
    } else {
      take('data');
      take('exist');
      take('child');
    }
    this.collectPersistent(type, path, targets);
    return this.deliver(targets, { type: name, path, zxid });
  }

  private collectPersistent(type: number, path: string, targets: Set<WatchCallback>): void {
    for (const watcher of this.table('persistent').get(path) ?? []) targets.add(watcher);
    // Recursive watches never see NodeChildrenChanged: the tree events already tell it all.
    const recursive = this.table('persistentRecursive');
    if (type === EventType.NodeChildrenChanged || recursive.size === 0) return;
    for (let current = path; ; ) {
      for (const watcher of recursive.get(current) ?? []) targets.add(watcher);
      if (current === '/') break;
      const slash = current.lastIndexOf('/');
      current = slash <= 0 ? '/' : current.slice(0, slash);
    }
  }

  /**
   * Removes the watchers of `kind` on `path` and tells each with a `*WatchRemoved` event.
   * Returns how many were removed.
   */
  removeKind(path: string, kind: WatcherKind): number {
    const removed: Array<[WatchCallback, WatchEvent]> = [];
    const takeAll = (table: WatchTable, event: WatchEvent): void => {
      const set = this.table(table).get(path);
      if (set === undefined) return;
      this.table(table).delete(path);
      for (const watcher of set) removed.push([watcher, event]);
    };
    const data: WatchEvent = { type: 'DataWatchRemoved', path };
    const child: WatchEvent = { type: 'ChildWatchRemoved', path };
    const persistent: WatchEvent = { type: 'PersistentWatchRemoved', path };
    if (kind === 'data' || kind === 'any') {
      takeAll('data', data);
      takeAll('exist', data);
    }
    if (kind === 'children' || kind === 'any') takeAll('child', child);
    if (kind === 'persistent' || kind === 'any') takeAll('persistent', persistent);
    if (kind === 'persistentRecursive' || kind === 'any') takeAll('persistentRecursive', persistent);
    for (const [watcher, event] of removed) this.call(watcher, event);
    return removed.length;
  }

  /** True if some watcher of `kind` is registered on `path`. */
  hasKind(path: string, kind: WatcherKind): boolean {
    const has = (table: WatchTable): boolean => this.count(table, path) > 0;
    switch (kind) {
      case 'data':
        return has('data') || has('exist');
      case 'children':
        return has('child');
      case 'persistent':
        return has('persistent');
      case 'persistentRecursive':
        return has('persistentRecursive');
      case 'any':
        return TABLES.some(has);
    }
  }

  /**
   * Tells watchers they no longer watch anything and forgets them: the one-shot ones after a
   * session loss (persistent watches are re-added to the new session), every one on close.
   */
  notWatching(reason: 'sessionExpired' | 'closed'): number {
    const tables: readonly WatchTable[] = reason === 'closed' ? TABLES : ['data', 'exist', 'child'];
    const targets: Array<[WatchCallback, string]> = [];
    for (const name of tables) {
      const table = this.table(name);
      for (const [path, set] of table) for (const watcher of set) targets.push([watcher, path]);
      table.clear();
    }
    for (const [watcher, path] of targets) this.call(watcher, { type: 'NotWatching', path, reason });
    return targets.length;
  }

  private deliver(targets: Set<WatchCallback>, event: WatchEvent): number {
    for (const watcher of targets) this.call(watcher, event);
    return targets.size;
  }

  private call(watcher: WatchCallback, event: WatchEvent): void {
    try {
      watcher(event);
    } catch (error) {
      this.options.onWatcherError?.(error);
    }
  }
}

/** The wire's WatcherType for a {@link WatcherKind}. */
export function watcherTypeOf(kind: WatcherKind): WatcherType {
  switch (kind) {
    case 'children':
      return 1;
    case 'data':
      return 2;
    case 'any':
      return 3;
    case 'persistent':
      return 4;
    case 'persistentRecursive':
      return 5;
  }
}

/** One SetWatches batch: opcode 101 (SetWatches) or 105 (SetWatches2) and its record. */
export interface SetWatchesBatch {
  type: typeof OpCode.setWatches | typeof OpCode.setWatches2;
  record: SetWatches2;
}

/**
 * Splits the watches to restore into SetWatches batches whose path characters sum to at
 * most `bytesMax` (Apache's client counts path lengths the same way; one path longer than
 * the limit still travels, alone). Paths are mapped with `toServerPath` (chroot). A batch
 * is SetWatches2 only if it holds persistent watches, so older servers get SetWatches.
 */
export function planSetWatches(
  snapshot: WatchSnapshot,
  relativeZxid: bigint,
  bytesMax: number,
  toServerPath: (path: string) => string = (path) => path,
): SetWatchesBatch[] {
  assert(bytesMax > 0, 'setWatches batches need a positive size');
  const batches: SetWatchesBatch[] = [];
  const fresh = (): SetWatches2 => ({
    relativeZxid,
    dataWatches: [],
    existWatches: [],
    childWatches: [],
    persistentWatches: [],
    persistentRecursiveWatches: [],
  });
  let current = fresh();
  let currentBytes = 0;
  let currentCount = 0;
  const seal = (): void => {
    if (currentCount === 0) return;
    const persistent = current.persistentWatches.length + current.persistentRecursiveWatches.length;
    batches.push({ type: persistent > 0 ? OpCode.setWatches2 : OpCode.setWatches, record: current });
    current = fresh();
    currentBytes = 0;
    currentCount = 0;
  };
  const lists: Array<[string[], keyof SetWatches2]> = [
    [snapshot.data, 'dataWatches'],
    [snapshot.exist, 'existWatches'],
    [snapshot.child, 'childWatches'],
    [snapshot.persistent, 'persistentWatches'],
    [snapshot.persistentRecursive, 'persistentRecursiveWatches'],
  ];
  for (const [paths, field] of lists) {
    for (const path of paths) {
      const serverPath = toServerPath(path);
      if (currentCount > 0 && currentBytes + serverPath.length > bytesMax) seal();
      (current[field] as string[]).push(serverPath);
      currentBytes += serverPath.length;
      currentCount++;
    }
  }
  seal();
  return batches;
}

/** What a persistent watch needs from its client. */
export interface PersistentWatchPort {
  add(table: WatchTable, path: string, watcher: WatchCallback): void;
  remove(table: WatchTable, path: string, watcher: WatchCallback): boolean;
  count(table: WatchTable, path: string): number;
  /** Sends addWatch; `onReply` runs synchronously with the reply. */
  addWatch(path: string, mode: number, onReply: (err: number) => void): Promise<void>;
  /** Sends removeWatches for the persistent (or recursive) watch on `path`. */
  removeWatch(path: string, recursive: boolean): Promise<void>;
  closed(): boolean;
}

/**
 * Opens a persistent watch: sends addWatch, registers the watcher with the reply (so no
 * event after the reply is missed), and exposes the events as an async iterable. The
 * iteration ends after `close()`, after a `NotWatching` event (client closed) or when the
 * consumer breaks out of its loop (which closes the watch).
 */
export function openPersistentWatch(
  port: PersistentWatchPort,
  path: string,
  options: { recursive?: boolean; bufferMax?: number },
): PersistentWatch {
  const recursive = options.recursive === true;
  const table: WatchTable = recursive ? 'persistentRecursive' : 'persistent';
  let closed = false;
  let endSource: EventSourceClose = () => {};
  const watcher: WatchCallback = (event) => {
    pushEvent(event);
    if (event.type === 'NotWatching' || event.type === 'PersistentWatchRemoved') endSource();
  };
  let pushEvent: (event: WatchEvent) => void = () => {};
  let closing: Promise<void> | undefined;
  const removeEverywhere = async (): Promise<void> => {
    endSource();
    const removed = port.remove(table, path, watcher);
    if (!removed || port.count(table, path) > 0 || port.closed()) return;
    // Best effort: if the server cannot be told now, the watch is not re-added on reconnect.
    await port.removeWatch(path, recursive).catch(() => {});
  };
  /** Every call returns the same promise: the removal started by the first. */
  const close = (): Promise<void> => {
    closed = true;
    closing ??= removeEverywhere();
    return closing;
  };
  const iterator = eventIterator<WatchEvent>(
    (push, end) => {
      pushEvent = push;
      endSource = end;
      return () => void close();
    },
    { bufferMax: options.bufferMax ?? clientLimits.persistentWatchBufferMax },
  );
  const mode = recursive ? AddWatchMode.PERSISTENT_RECURSIVE : AddWatchMode.PERSISTENT;
  const ready = port.addWatch(path, mode, (err) => {
    if (err === 0 && !closed) port.add(table, path, watcher);
  });
  ready.catch((error: unknown) => {
    closed = true;
    endSource(error);
  });
  return {
    path,
    recursive,
    ready,
    close,
    [Symbol.asyncIterator]: () => iterator,
  };
}

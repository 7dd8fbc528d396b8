/**
 * CuratorCache: a local copy of a ZooKeeper subtree (or of one node) kept up to date by
 * watches, with Curator's listener shape: `event(type, oldData, newData)` on every change and
 * `initialized` once the first full load is done.
 *
 * How it stays current: on servers with `addWatch` (3.6+) it holds one persistent recursive
 * watch on the root and re-reads each node an event names; on 3.5 servers (`addWatch` fails
 * with UNIMPLEMENTED) it falls back to one-shot data and child watches on every node, re-set
 * on each read. Reads are serialized, so the cache applies changes in the order it reads
 * them, and an event is emitted only when a read finds a different version (czxid or mzxid)
 * than the one held: repeated events for one change emit once.
 *
 * Connection states:
 * - SUSPENDED: the cache keeps its data but may be stale; no events arrive until the
 *   connection returns.
 * - RECONNECTED (same session, or a new session after LOST): the cache rebuilds: it walks
 *   the subtree again and emits the differences (created, changed, and deleted nodes), since
 *   changes made while disconnected may have produced no watch event.
 * - LOST: the cache keeps the last known data (stale) until the new session's rebuild.
 *
 * ```ts
 * const cache = new CuratorCache(client, '/config');
 * cache.on('event', (type, oldData, newData) => console.log(type, oldData?.path ?? newData?.path));
 * await cache.start(); // resolves after `initialized`
 * cache.get('/config/db');
 * await cache.close();
 * ```
 */
import { EventEmitter } from 'eventemitter3';
import {
  ClosedError,
  type ConnectionState,
  ErrorCode,
  NoNodeError,
  type PersistentWatch,
  type WatchEvent,
  ZooKeeperError,
  type ZooKitClient,
} from '../../src/index';
import { assert } from '../../src/util/assert';
import { RecipeLifecycle } from '../recipe-state';
import { CacheEventType, descendantsOf, eventForRead, isAtOrBelow, pathsGone } from './cache-diff';
import { type CacheStorage, type ChildData, InMemoryCacheStorage } from './cache-storage';

/** How a cache watches: `auto` tries a persistent watch and falls back to one-shot watches. */
export type CacheWatchMode = 'auto' | 'persistent' | 'oneShot';

/** Options of {@link CuratorCache}. */
export interface CuratorCacheOptions {
  /** Where nodes are kept (default a new {@link InMemoryCacheStorage}). */
  storage?: CacheStorage;
  /** Cache only the root node, not its subtree (Curator's `SINGLE_NODE_CACHE`). */
  singleNode?: boolean;
  /** Default `auto`. */
  watchMode?: CacheWatchMode;
  /** Bound on nodes one rebuild walks; a larger subtree fails the rebuild. Default 100 000. */
  nodesMax?: number;
}

/** Events of {@link CuratorCache}. */
export interface CuratorCacheEvents {
  /** A node was created (old undefined), changed, or deleted (new undefined). */
  event: [type: CacheEventType, oldData: ChildData | undefined, newData: ChildData | undefined];
  /** The first full load is done (once). */
  initialized: [];
  /** A rebuild after a reconnect finished. */
  rebuilt: [];
  /** A read or a listener failed; the cache goes on (and rebuilds on the next reconnect). */
  error: [error: unknown];
}

const NODES_MAX_DEFAULT = 100_000;
/** Pause before re-adding a persistent watch that ended on its own. */
const REOPEN_PAUSE_MS = 1_000;

/** A watched local copy of a subtree. See the module documentation. */
export class CuratorCache extends EventEmitter<CuratorCacheEvents> {
  private readonly lifecycle = new RecipeLifecycle('CuratorCache');
  private readonly storage: CacheStorage;
  private readonly singleNode: boolean;
  private readonly requestedMode: CacheWatchMode;
  private readonly nodesMax: number;
  private activeMode: 'persistent' | 'oneShot' | undefined;
  private persistentWatch: PersistentWatch | undefined;
  private consumer: Promise<void> | undefined;
  private tail: Promise<void> = Promise.resolve();
  private readonly pendingRefreshes = new Set<string>();
  private rebuildPending = false;
  private readonly onState = (state: ConnectionState): void => {
    if (state === 'RECONNECTED') void this.scheduleRebuild(true);
  };
  /**
   * The cache as its one-shot watchers see it; emptied by `close()`. A one-shot watch cannot
   * be taken back one watcher at a time (removeWatches removes every watcher of the path,
   * other recipes' too), so the client keeps ours until they fire or the session ends: they
   * reach the cache only through this box, so a closed cache is not kept alive by them.
   */
  private readonly watcherTarget: WatcherTarget = { onEvent: (event) => this.onOneShotEvent(event) };
  /** One function for every one-shot watch, so the client keeps one watcher per path. */
  private readonly oneShotWatcher = oneShotWatcherFor(this.watcherTarget);

  /** `path` is the root of the cached subtree (it need not exist yet). */
  constructor(
    private readonly client: ZooKitClient,
    readonly path: string,
    options: CuratorCacheOptions = {},
  ) {
    super();
    this.storage = options.storage ?? new InMemoryCacheStorage();
    this.singleNode = options.singleNode ?? false;
    this.requestedMode = options.watchMode ?? 'auto';
    this.nodesMax = options.nodesMax ?? NODES_MAX_DEFAULT;
    assert(Number.isSafeInteger(this.nodesMax) && this.nodesMax > 0, 'nodesMax must be a positive integer');
  }

  /** Starts watching and loads the subtree; resolves after `initialized` was emitted. */
  async start(): Promise<void> {
    this.lifecycle.start();
    this.client.on('stateChanged', this.onState);
    const persistent = this.requestedMode !== 'oneShot' && (await this.openPersistentWatch());
    this.activeMode = persistent ? 'persistent' : 'oneShot';
    await this.scheduleRebuild(false);
    if (this.lifecycle.started) this.emitSafely('initialized');
  }

  /** The watching in use once started: `persistent` (addWatch) or `oneShot` (3.5 servers). */
  get watchMode(): 'persistent' | 'oneShot' | undefined {
    return this.activeMode;
  }

  /** The cached node at `path`. */
  get(path: string): ChildData | undefined {
    return this.storage.get(path);
  }

  /** How many nodes are cached. */
  get size(): number {
    return this.storage.size;
  }

  /** Every cached node, sorted by path. */
  entries(): ChildData[] {
    return [...this.storage.values()].sort((left, right) =>
      left.path < right.path ? -1 : left.path > right.path ? 1 : 0,
    );
  }

  /** The cached direct children of `path`, sorted by path. */
  childrenOf(path: string): ChildData[] {
    const prefix = path === '/' ? '/' : `${path}/`;
    return this.entries().filter(
      (node) => node.path.startsWith(prefix) && !node.path.slice(prefix.length).includes('/'),
    );
  }

  /** Stops watching; the data stays readable. Idempotent. */
  async close(): Promise<void> {
    if (!this.lifecycle.close()) return;
    this.watcherTarget.onEvent = undefined;
    this.client.off('stateChanged', this.onState);
    await this.persistentWatch?.close().catch(() => undefined);
    await Promise.allSettled([this.tail, this.consumer]);
  }

  /** `await using cache = ...` closes it. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // -------------------------------------------------------------------------------------
  // Watching

  /** Adds the persistent watch; false when the server has no addWatch and the mode is `auto`. */
  private async openPersistentWatch(): Promise<boolean> {
    const watch = this.client.watch(this.path, { recursive: !this.singleNode });
    try {
      await watch.ready;
    } catch (error) {
      await watch.close().catch(() => undefined);
      if (this.requestedMode === 'auto' && isUnsupportedWatch(error)) return false;
      throw error;
    }
    this.persistentWatch = watch;
    this.consumer = this.consume(watch);
    return true;
  }

  private async consume(watch: PersistentWatch): Promise<void> {
    try {
      for await (const event of watch) {
        if (!this.lifecycle.started) return;
        if (event.type === 'NodeCreated' || event.type === 'NodeDataChanged' || event.type === 'NodeDeleted')
          this.scheduleRefresh(event.path);
        else if (event.type === 'NotWatching' && event.reason === 'closed') return;
      }
    } catch (error) {
      if (this.lifecycle.started) this.emitSafely('error', error);
    }
    // The watch ended while we still need it (the server removed it, say): add it again.
    if (this.lifecycle.started) this.reopenLater();
  }

  /** Re-adds the persistent watch after a pause, then rebuilds; repeats while started. */
  private reopenLater(): void {
    setTimeout(() => {
      if (!this.lifecycle.started) return;
      this.openPersistentWatch()
        .then(() => this.scheduleRebuild(true))
        .catch((error: unknown) => {
          if (!this.lifecycle.started) return;
          this.emitSafely('error', error);
          this.reopenLater();
        });
    }, REOPEN_PAUSE_MS);
  }

  // -------------------------------------------------------------------------------------
  // Serialized work

  /** Runs `task` after every earlier one; a closed cache skips it. */
  private run(task: () => Promise<void>): Promise<void> {
    const result = this.tail.then(() => (this.lifecycle.started ? task() : undefined));
    this.tail = result.catch((error: unknown) => {
      if (this.lifecycle.started && !(error instanceof ClosedError)) this.emitSafely('error', error);
    });
    return result;
  }

  /** A one-shot watch fired: re-read the node it names (NotWatching: the rebuild covers it). */
  private onOneShotEvent(event: WatchEvent): void {
    if (event.type === 'NotWatching' || !this.lifecycle.started) return;
    this.scheduleRefresh(event.path);
  }

  /** Queues one re-read of `path` (a queued one covers later events for the same path). */
  private scheduleRefresh(path: string): void {
    if (!isAtOrBelow(this.path, path) || this.pendingRefreshes.has(path)) return;
    if (this.singleNode && path !== this.path) return;
    this.pendingRefreshes.add(path);
    void this.run(async () => {
      this.pendingRefreshes.delete(path);
      await this.refresh(path);
    }).catch(() => undefined);
  }

  /** Queues a full rebuild (one at a time); `announce` emits `rebuilt` when done. */
  private scheduleRebuild(announce: boolean): Promise<void> {
    if (this.rebuildPending) return this.tail;
    this.rebuildPending = true;
    return this.run(async () => {
      this.rebuildPending = false;
      await this.rebuild();
      if (announce) this.emitSafely('rebuilt');
    });
  }

  // -------------------------------------------------------------------------------------
  // Reads

  /** Re-reads one node (and, with one-shot watches, discovers its new children). */
  private async refresh(path: string): Promise<void> {
    const node = await this.read(path);
    if (node === undefined) {
      this.removeSubtree(path);
      return;
    }
    this.store(node);
    if (this.activeMode !== 'oneShot' || this.singleNode) return;
    const children = await this.readChildren(path);
    if (children === undefined) return;
    for (const child of children) if (this.storage.get(child) === undefined) this.scheduleRefresh(child);
  }

  /** Walks the whole subtree, stores what it finds, and removes what it did not find. */
  private async rebuild(): Promise<void> {
    const seen = new Set<string>();
    let level = [this.path];
    while (level.length > 0) {
      const nodes = await Promise.all(level.map((path) => this.read(path)));
      const next: string[] = [];
      for (const node of nodes) {
        if (node === undefined) continue;
        seen.add(node.path);
        if (seen.size > this.nodesMax)
          throw new RangeError(`${this.path}: more than ${this.nodesMax} nodes to cache`);
        this.store(node);
      }
      if (this.singleNode) break;
      const childLists = await Promise.all(
        nodes.map((node) => (node === undefined ? [] : this.readChildren(node.path))),
      );
      for (const children of childLists) next.push(...(children ?? []));
      level = next;
    }
    for (const path of pathsGone(
      [...this.storage.values()].map((node) => node.path),
      seen,
    ))
      this.removeOne(path);
  }

  /** getData (with the one-shot watch when in that mode); undefined when missing. */
  private async read(path: string): Promise<ChildData | undefined> {
    const watch = this.activeMode === 'oneShot' ? this.oneShotWatcher : false;
    try {
      const { data, stat } = await this.client.getData(path, { watch });
      return { path, data, stat };
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
    }
    // A missing root is watched with exists, so its creation is noticed.
    if (this.activeMode === 'oneShot' && path === this.path) {
      const stat = await this.client.exists(path, { watch: this.oneShotWatcher });
      if (stat !== null) this.scheduleRefresh(path);
    }
    return undefined;
  }

  /** Child paths (with the one-shot child watch when in that mode); undefined when missing. */
  private async readChildren(path: string): Promise<string[] | undefined> {
    const watch = this.activeMode === 'oneShot' ? this.oneShotWatcher : false;
    try {
      const names = await this.client.getChildren(path, { watch });
      const prefix = path === '/' ? '/' : `${path}/`;
      return names.sort().map((name) => `${prefix}${name}`);
    } catch (error) {
      if (error instanceof NoNodeError) return undefined;
      throw error;
    }
  }

  // -------------------------------------------------------------------------------------
  // Storage and events

  private store(node: ChildData): void {
    const previous = this.storage.get(node.path);
    const type = eventForRead(previous, node);
    if (type === undefined) return;
    this.storage.put(node);
    this.emitSafely('event', type, previous, node);
  }

  private removeSubtree(path: string): void {
    const stored = [...this.storage.values()].map((node) => node.path);
    for (const descendant of descendantsOf(stored, path)) this.removeOne(descendant);
    this.removeOne(path);
  }

  private removeOne(path: string): void {
    const previous = this.storage.remove(path);
    if (previous !== undefined) this.emitSafely('event', CacheEventType.NODE_DELETED, previous, undefined);
  }

  private emitSafely<K extends keyof CuratorCacheEvents>(event: K, ...args: CuratorCacheEvents[K]): void {
    try {
      (this.emit as (event: string, ...values: unknown[]) => boolean)(event, ...args);
    } catch (error) {
      if (event !== 'error') this.emitSafely('error', error);
    }
  }
}

/** Where a cache's one-shot watchers forward their events; `onEvent` is emptied on close. */
interface WatcherTarget {
  onEvent: ((event: WatchEvent) => void) | undefined;
}

/**
 * The one-shot watcher of a cache: it reaches the cache only through `target` (a function
 * outside the class, so the closure holds the box and not the cache).
 */
function oneShotWatcherFor(target: WatcherTarget): (event: WatchEvent) => void {
  return (event) => target.onEvent?.(event);
}

/**
 * True for an addWatch failure that means "this server has no persistent watches" rather
 * than a passing connection problem: any server error except the retryable ones.
 */
export function isUnsupportedWatch(error: unknown): boolean {
  if (!(error instanceof ZooKeeperError)) return false;
  const passing: readonly number[] = [
    ErrorCode.CONNECTIONLOSS,
    ErrorCode.OPERATIONTIMEOUT,
    ErrorCode.SESSIONEXPIRED,
    ErrorCode.SESSIONMOVED,
  ];
  return !passing.includes(error.code);
}

/**
 * NodeCache: a watched local copy of one node (Curator's `NodeCache`, here a
 * {@link CuratorCache} in single-node mode). `current` is the node as last read, `undefined`
 * while it does not exist; `changed(oldData, newData)` fires on every new version, on
 * creation (old undefined) and on deletion (new undefined).
 *
 * Connection states: SUSPENDED keeps `current` (maybe stale); RECONNECTED, also after a new
 * session following LOST, re-reads the node and reports a difference; LOST keeps the last
 * known value until then.
 */
import { EventEmitter } from 'eventemitter3';
import type { ZooKitClient } from '../../src/index';
import type { ChildData } from './cache-storage';
import { type CacheWatchMode, CuratorCache } from './curator-cache';

/** Events of {@link NodeCache}. */
export interface NodeCacheEvents {
  /** The node was created, changed or deleted. */
  changed: [oldData: ChildData | undefined, newData: ChildData | undefined];
  /** The first read is done (once). */
  initialized: [];
  /** A read failed, or a listener threw. */
  error: [error: unknown];
}

/** Options of {@link NodeCache}. */
export interface NodeCacheOptions {
  /** Default `auto` (persistent watch, one-shot watches on 3.5 servers). */
  watchMode?: CacheWatchMode;
}

/** A watched copy of one node. */
export class NodeCache extends EventEmitter<NodeCacheEvents> {
  private readonly cache: CuratorCache;

  constructor(client: ZooKitClient, path: string, options: NodeCacheOptions = {}) {
    super();
    this.cache = new CuratorCache(client, path, { singleNode: true, watchMode: options.watchMode ?? 'auto' });
    this.cache.on('event', (_type, oldData, newData) => this.emit('changed', oldData, newData));
    this.cache.on('initialized', () => this.emit('initialized'));
    this.cache.on('error', (error) => this.emit('error', error));
  }

  /** The watched path. */
  get path(): string {
    return this.cache.path;
  }

  /** Starts watching; resolves once the node was first read. */
  start(): Promise<void> {
    return this.cache.start();
  }

  /** The node as last read; `undefined` while it does not exist (or before `start`). */
  get current(): ChildData | undefined {
    return this.cache.get(this.cache.path);
  }

  /** The watching in use once started. */
  get watchMode(): 'persistent' | 'oneShot' | undefined {
    return this.cache.watchMode;
  }

  /** Stops watching. Idempotent. */
  close(): Promise<void> {
    return this.cache.close();
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

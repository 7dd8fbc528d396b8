/**
 * SharedCount: a 32-bit count every process sees (Curator's `SharedCount`, same 4-byte
 * encoding). `getCount()` is the last value read, kept current by a {@link NodeCache};
 * `countChanged` fires on each new value; `trySetCount(previous, n)` writes only if nobody
 * changed the count since `previous` was read (versioned setData).
 *
 * Connection states: SUSPENDED: `getCount()` may be stale and writes wait under the client's
 * retry policy; LOST: the count (a persistent node) survives; the cache re-reads it on the
 * new session and reports a change if it moved.
 */
import { EventEmitter } from 'eventemitter3';
import { BadVersionError, NodeExistsError, type ZooKitClient } from '../../src/index';
import { NodeCache } from '../cache/node-cache';
import { RecipeLifecycle } from '../recipe-state';
import { CounterFormatError, decodeCount, encodeCount } from './count-codec';

/** A value with the node version it was read at. */
export interface VersionedValue<T> {
  value: T;
  version: number;
}

/** Events of {@link SharedCount}. */
export interface SharedCountEvents {
  /** The count changed to `count`. */
  countChanged: [count: number];
  /** A read failed or the node held bytes that are not a count. */
  error: [error: unknown];
}

/** A shared 32-bit count. */
export class SharedCount extends EventEmitter<SharedCountEvents> {
  private readonly lifecycle = new RecipeLifecycle('SharedCount');
  private readonly cache: NodeCache;
  private current: VersionedValue<number>;

  /** `seedValue` is the count written if the node does not exist yet. */
  constructor(
    private readonly client: ZooKitClient,
    readonly path: string,
    private readonly seedValue: number,
  ) {
    super();
    this.current = { value: seedValue, version: -1 };
    this.cache = new NodeCache(client, path);
    this.cache.on('changed', (_old, node) => {
      if (node === undefined) return;
      try {
        const value = decodeCount(path, node.data);
        const changed = value !== this.current.value;
        this.current = { value, version: node.stat.version };
        if (changed) this.emit('countChanged', value);
      } catch (error) {
        this.emit(
          'error',
          error instanceof CounterFormatError ? error : new CounterFormatError(path, node.data.length, 4),
        );
      }
    });
    this.cache.on('error', (error) => this.emit('error', error));
  }

  /** Creates the node with the seed if missing, then reads and watches it. */
  async start(): Promise<void> {
    this.lifecycle.start();
    try {
      await this.client.create(this.path, encodeCount(this.seedValue), { creatingParentsIfNeeded: true });
    } catch (error) {
      if (!(error instanceof NodeExistsError)) throw error;
    }
    await this.cache.start();
  }

  /** The count as last read. */
  getCount(): number {
    return this.current.value;
  }

  /** The count with its version, for {@link trySetCount}. */
  getVersionedValue(): VersionedValue<number> {
    return { ...this.current };
  }

  /** Sets the count unconditionally. */
  async setCount(count: number): Promise<void> {
    this.lifecycle.requireStarted('setCount');
    const stat = await this.client.setData(this.path, encodeCount(count));
    this.current = { value: count, version: stat.version };
  }

  /** Sets the count only if it is still at `previous.version`; false if someone changed it first. */
  async trySetCount(previous: VersionedValue<number>, count: number): Promise<boolean> {
    this.lifecycle.requireStarted('trySetCount');
    try {
      const stat = await this.client.setData(this.path, encodeCount(count), { version: previous.version });
      if (stat.version > this.current.version) this.current = { value: count, version: stat.version };
      return true;
    } catch (error) {
      if (error instanceof BadVersionError) return false;
      throw error;
    }
  }

  /** Stops watching. Idempotent. */
  async close(): Promise<void> {
    if (!this.lifecycle.close()) return;
    await this.cache.close();
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

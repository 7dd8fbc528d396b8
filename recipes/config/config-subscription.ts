/**
 * ConfigSubscription: a typed view of one configuration node for config centres. Open a
 * path with a parser (JSON by default); `current` is the parsed value now; every new version
 * is reported with its old and new value, as an event (`change`) and as an AsyncIterable
 * (`changes()`); `publish(value, { expectedVersion })` writes with compare-and-set on the
 * data version and fails with `BadVersionError` when someone else wrote first.
 *
 * Built on {@link NodeCache}: one persistent watch (one-shot watches on 3.5 servers), so
 * each subscriber converges on the latest version however many writes arrive quickly (a
 * burst may be reported as fewer changes, never as a stale final value).
 *
 * Connection states: SUSPENDED keeps `current` (maybe stale) and delivers nothing;
 * RECONNECTED, also after a new session following LOST, re-reads the node and reports a
 * change if it moved meanwhile; LOST keeps the last known value until then. `publish`
 * during SUSPENDED waits for the connection under the client's retry policy.
 *
 * ```ts
 * const config = await ConfigSubscription.open<{ poolSize: number }>(client, '/config/db');
 * config.current; // { poolSize: 10 } or undefined
 * for await (const { oldValue, newValue } of config.changes()) resize(newValue);
 * await config.publish({ poolSize: 20 }, { expectedVersion: config.version });
 * ```
 */
import { EventEmitter } from 'eventemitter3';
import { BadVersionError, NodeExistsError, NoNodeError, type Stat, type ZooKitClient } from '../../src/index';
import { assert } from '../../src/util/assert';
import type { ChildData } from '../cache/cache-storage';
import type { CacheWatchMode } from '../cache/curator-cache';
import { NodeCache } from '../cache/node-cache';
import { AsyncChannel } from '../cache/waiting';
import {
  ConfigParseError,
  type ConfigParser,
  type ConfigSerializer,
  type ConfigState,
  parseConfigState,
  parseJson,
  serializeJson,
} from './config-codec';

/** What happened to the config node: it appeared, its value changed, or it was deleted. */
export type ConfigChangeType = 'created' | 'changed' | 'deleted';

/** One change of a config value. */
export interface ConfigChange<T> {
  type: ConfigChangeType;
  oldValue: T | undefined;
  newValue: T | undefined;
  /** The new data version; -1 when the node was deleted. */
  version: number;
}

/** Options of {@link ConfigSubscription.open}. */
export interface ConfigSubscriptionOptions<T> {
  /** Bytes → value (default JSON). */
  parser?: ConfigParser<T>;
  /** Value → bytes for `publish` (default JSON). */
  serializer?: ConfigSerializer<T>;
  /** Default `auto`. */
  watchMode?: CacheWatchMode;
}

/** Options of {@link ConfigSubscription.publish}. */
export interface PublishOptions {
  /**
   * Compare-and-set: write only if the node's data version is this one (`BadVersionError`
   * otherwise; `NoNodeError` if the node is missing). Omitted: write unconditionally,
   * creating the node (and its parents) if needed.
   */
  expectedVersion?: number;
}

/** Events of {@link ConfigSubscription}. */
export interface ConfigSubscriptionEvents<T> {
  change: [change: ConfigChange<T>];
  /** A version did not parse ({@link ConfigParseError}; `current` keeps the last good value), or a read failed. */
  error: [error: unknown];
}

/** Attempts of an unconditional publish racing creators and deleters. */
const PUBLISH_ATTEMPTS_MAX = 10;

/** A typed subscription to one config node. */
export class ConfigSubscription<T> extends EventEmitter<ConfigSubscriptionEvents<T>> {
  private readonly cache: NodeCache;
  private readonly parser: ConfigParser<T>;
  private readonly serializer: ConfigSerializer<T>;
  private state: ConfigState<T> = { value: undefined, version: -1 };
  private readonly channels = new Set<AsyncChannel<ConfigChange<T>>>();

  private constructor(
    private readonly client: ZooKitClient,
    readonly path: string,
    options: ConfigSubscriptionOptions<T>,
  ) {
    super();
    this.parser = options.parser ?? parseJson;
    this.serializer = options.serializer ?? serializeJson;
    this.cache = new NodeCache(client, path, { watchMode: options.watchMode ?? 'auto' });
    this.cache.on('changed', (_oldData, newData) => this.apply(newData));
    this.cache.on('error', (error) => this.emit('error', error));
  }

  /** Opens a subscription; resolves once the current value was read. */
  static async open<T>(
    client: ZooKitClient,
    path: string,
    options: ConfigSubscriptionOptions<T> = {},
  ): Promise<ConfigSubscription<T>> {
    const subscription = new ConfigSubscription<T>(client, path, options);
    await subscription.cache.start();
    return subscription;
  }

  /** The parsed value now; `undefined` while the node does not exist. */
  get current(): T | undefined {
    return this.state.value;
  }

  /** The data version of `current`; -1 while the node does not exist. */
  get version(): number {
    return this.state.version;
  }

  /** Every later change, until `close()` or the iterator's `return()`. */
  changes(): AsyncIterableIterator<ConfigChange<T>> {
    const channel: AsyncChannel<ConfigChange<T>> = new AsyncChannel(() => this.channels.delete(channel));
    this.channels.add(channel);
    return channel;
  }

  /**
   * Writes `value`. With `expectedVersion` it is a compare-and-set on the data version
   * (`BadVersionError` if the node moved on); without, an unconditional write that creates
   * the node if needed. Returns the written Stat.
   */
  async publish(value: T, options: PublishOptions = {}): Promise<Stat> {
    const data = this.serializer(value);
    if (options.expectedVersion !== undefined) {
      assert(Number.isInteger(options.expectedVersion), 'expectedVersion must be an integer');
      return this.client.setData(this.path, data, { version: options.expectedVersion });
    }
    for (let attempt = 0; attempt < PUBLISH_ATTEMPTS_MAX; attempt++) {
      try {
        return await this.client.setData(this.path, data);
      } catch (error) {
        if (!(error instanceof NoNodeError)) throw error;
      }
      try {
        return (await this.client.createWithStat(this.path, data, { creatingParentsIfNeeded: true })).stat;
      } catch (error) {
        if (!(error instanceof NodeExistsError)) throw error;
      }
    }
    throw new BadVersionError(undefined, { path: this.path, op: 'publish' });
  }

  /** Stops watching and ends every `changes()` iterator. Idempotent. */
  async close(): Promise<void> {
    await this.cache.close();
    for (const channel of this.channels) channel.close();
    this.channels.clear();
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private apply(node: ChildData | undefined): void {
    const parsed = parseConfigState(this.path, node, this.parser);
    if (parsed instanceof ConfigParseError) {
      this.emit('error', parsed);
      return;
    }
    const change: ConfigChange<T> = {
      type: parsed.version === -1 ? 'deleted' : this.state.version === -1 ? 'created' : 'changed',
      oldValue: this.state.value,
      newValue: parsed.value,
      version: parsed.version,
    };
    this.state = parsed;
    for (const channel of this.channels) channel.push(change);
    try {
      this.emit('change', change);
    } catch (error) {
      this.emit('error', error);
    }
  }
}

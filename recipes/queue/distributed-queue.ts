/**
 * DistributedQueue: a FIFO work queue of typed items (Curator's `DistributedQueue`). Items
 * are PERSISTENT_SEQUENTIAL nodes `<path>/queue-<seq>`, ordered by sequence (commit
 * order). `put` adds an item; `take` removes the oldest, waiting for one; started with a
 * `consumer`, the queue runs a loop that takes items one by one and hands each to it.
 *
 * Taking is lock-free and safe with any number of consumers: a consumer reads the oldest
 * item, then deletes exactly that version; the one whose delete succeeds owns the item,
 * the others move on (delete-to-claim). Delivery is at most once: an item is removed before
 * the consumer runs, so a consumer that crashes mid-item loses it; and if the connection
 * drops while a delete is in flight and the retry finds the node gone, the item counts as
 * taken by someone else even if it was our delete that removed it.
 *
 * Connection states: items are persistent, so SUSPENDED and LOST lose no queued item.
 * SUSPENDED: puts and takes wait for the connection under the client's retry policy. LOST:
 * a waiting take re-lists on the new session (its watch ended with NotWatching).
 */
import { EventEmitter } from 'eventemitter3';
import { ClosedError, type NodeData, type ZooKitClient } from '../../src/index';
import { RecipeLifecycle } from '../recipe-state';
import { QueueInternals, type TakeOptions } from './queue-internals';
import { QUEUE_ITEM_PREFIX } from './queue-order';

/** Item ↔ bytes. */
export interface QueueSerializer<T> {
  serialize(item: T): NodeData;
  deserialize(bytes: Buffer): T;
}

/** Items as UTF-8 JSON. */
export function jsonQueueSerializer<T>(): QueueSerializer<T> {
  return {
    serialize: (item) => JSON.stringify(item),
    deserialize: (bytes) => JSON.parse(bytes.toString('utf8')) as T,
  };
}

/** Options of {@link DistributedQueue}. */
export interface DistributedQueueOptions<T> {
  /** Default JSON. */
  serializer?: QueueSerializer<T>;
  /** Called with each item, one at a time, while the queue is started. */
  consumer?: (item: T) => Promise<void> | void;
  /**
   * Put each item exactly once even when a put's reply is lost and the client retries it
   * (default false). Items are then named `_c_<uuid>-queue-<seq>`: zookit consumers order them
   * by sequence as usual, Curator's consumers do not recognise them. Without it, the retry of a
   * put whose reply was lost after it committed adds the item a second time.
   */
  protection?: boolean;
}

/** Events of {@link DistributedQueue}. */
export interface DistributedQueueEvents {
  /** The consumer threw, or the consume loop failed a take (it goes on after a pause). */
  error: [error: unknown];
}

/** Pause of the consume loop after a failed take. */
const CONSUME_ERROR_PAUSE_MS = 1_000;

/** A distributed FIFO queue. */
export class DistributedQueue<T> extends EventEmitter<DistributedQueueEvents> {
  private readonly lifecycle = new RecipeLifecycle('DistributedQueue');
  private readonly internals: QueueInternals;
  private readonly serializer: QueueSerializer<T>;
  private readonly consumer: ((item: T) => Promise<void> | void) | undefined;
  private readonly stopConsuming = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    client: ZooKitClient,
    readonly path: string,
    options: DistributedQueueOptions<T> = {},
  ) {
    super();
    this.internals = new QueueInternals(client, path, QUEUE_ITEM_PREFIX, options.protection ?? false);
    this.serializer = options.serializer ?? jsonQueueSerializer<T>();
    this.consumer = options.consumer;
  }

  /** Starts the queue (and the consume loop when a consumer was given). */
  start(): void {
    this.lifecycle.start();
    if (this.consumer !== undefined) this.loop = this.consume(this.consumer);
  }

  /** Adds an item; returns its node path. */
  put(item: T): Promise<string> {
    this.lifecycle.requireStarted('put');
    return this.internals.put(Buffer.from(this.serializer.serialize(item)));
  }

  /** Removes and returns the oldest item, waiting for one; `undefined` on timeout. */
  async take(options: TakeOptions = {}): Promise<T | undefined> {
    this.lifecycle.requireStarted('take');
    const claimed = await this.internals.take(options);
    return claimed === undefined ? undefined : this.serializer.deserialize(claimed.data);
  }

  /** Stops the consume loop (after the item in hand). Idempotent. */
  async close(): Promise<void> {
    if (!this.lifecycle.close()) return;
    this.stopConsuming.abort();
    await this.loop;
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async consume(consumer: (item: T) => Promise<void> | void): Promise<void> {
    const signal = this.stopConsuming.signal;
    while (this.lifecycle.started) {
      let item: T | undefined;
      try {
        const claimed = await this.internals.take({ signal });
        if (claimed === undefined) continue;
        item = this.serializer.deserialize(claimed.data);
      } catch (error) {
        if (!this.lifecycle.started || error instanceof ClosedError) return;
        this.emit('error', error);
        await new Promise((resolve) => setTimeout(resolve, CONSUME_ERROR_PAUSE_MS));
        continue;
      }
      try {
        await consumer(item);
      } catch (error) {
        this.emit('error', error);
      }
    }
  }
}

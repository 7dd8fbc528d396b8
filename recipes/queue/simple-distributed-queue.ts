/**
 * SimpleDistributedQueue: a byte queue with the `java.util.Queue`-style API of Curator's
 * and kazoo's simple queue: `offer`, `poll`, `take`, `peek`, `element`, `remove`. Items are
 * PERSISTENT_SEQUENTIAL nodes `<path>/qn-<seq>` ordered by sequence; removal is
 * delete-to-claim, so each item is handed to exactly one caller (at most once under a
 * connection loss during the delete, see `DistributedQueue`).
 *
 * Connection states: items are persistent; SUSPENDED makes calls wait under the client's
 * retry policy, LOST loses nothing (a blocked `take` re-lists on the new session).
 */
import type { NodeData, ZooKitClient } from '../../src/index';
import { QueueInternals, type TakeOptions } from './queue-internals';
import { SIMPLE_QUEUE_ITEM_PREFIX } from './queue-order';

/** `element()` / `remove()` on an empty queue. */
export class NoSuchElementError extends Error {
  override readonly name = 'NoSuchElementError';
  constructor(readonly path: string) {
    super(`${path}: the queue is empty`);
  }
}

/** `take()` gave up after its timeout. */
export class QueueTimeoutError extends Error {
  override readonly name = 'QueueTimeoutError';
  constructor(
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(`${path}: no item within ${timeoutMs} ms`);
  }
}

/** Options of {@link SimpleDistributedQueue}. */
export interface SimpleDistributedQueueOptions {
  /**
   * Offer each item exactly once even when an offer's reply is lost and the client retries it
   * (default false). Items are then named `_c_<uuid>-qn-<seq>`, which Curator's and kazoo's
   * simple queues do not recognise; without it a retried offer can add the item twice.
   */
  protection?: boolean;
}

/** A distributed byte queue. */
export class SimpleDistributedQueue {
  private readonly internals: QueueInternals;

  constructor(
    client: ZooKitClient,
    readonly path: string,
    options: SimpleDistributedQueueOptions = {},
  ) {
    this.internals = new QueueInternals(client, path, SIMPLE_QUEUE_ITEM_PREFIX, options.protection ?? false);
  }

  /** Adds an item; always true (the `Queue.offer` contract). */
  async offer(data: NodeData): Promise<true> {
    await this.internals.put(Buffer.from(data));
    return true;
  }

  /** Removes and returns the oldest item, or null when empty (does not wait). */
  async poll(): Promise<Buffer | null> {
    return (await this.internals.claimOldest())?.data ?? null;
  }

  /** Removes and returns the oldest item, waiting for one; {@link QueueTimeoutError} after `timeoutMs`. */
  async take(options: TakeOptions = {}): Promise<Buffer> {
    const claimed = await this.internals.take(options);
    if (claimed === undefined) throw new QueueTimeoutError(this.path, options.timeoutMs ?? 0);
    return claimed.data;
  }

  /** The oldest item without removing it, or null when empty. */
  async peek(): Promise<Buffer | null> {
    return (await this.internals.peek())?.data ?? null;
  }

  /** The oldest item without removing it; {@link NoSuchElementError} when empty. */
  async element(): Promise<Buffer> {
    const item = await this.internals.peek();
    if (item === undefined) throw new NoSuchElementError(this.path);
    return item.data;
  }

  /** Removes and returns the oldest item; {@link NoSuchElementError} when empty. */
  async remove(): Promise<Buffer> {
    const item = await this.internals.claimOldest();
    if (item === undefined) throw new NoSuchElementError(this.path);
    return item.data;
  }
}

/**
 * What both queues share: put an item, list items in order, claim the oldest by deleting
 * it (delete-to-claim: of several consumers reading one item, exactly one delete succeeds,
 * and only that consumer returns it), and wait for items with a children watch.
 */
import {
  BadVersionError,
  CreateMode,
  NoNodeError,
  SessionExpiredError,
  type ZooKitClient,
} from '../../src/index';
import { deadlineFrom, waitUntil } from '../cache/waiting';
import { orderItems } from './queue-order';

/** A claimed item: its node name and bytes. */
export interface ClaimedItem {
  name: string;
  data: Buffer;
}

/** Options of a blocking take. */
export interface TakeOptions {
  /** Give up after this long (default: wait until an item comes or `signal` aborts). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Waits per watch before re-listing anyway (a safety net, not the mechanism). */
const RELIST_INTERVAL_MS = 30_000;
/** Rounds of one take (events, lost claims, re-lists): a bound against a livelock, not a timeout. */
const TAKE_ROUNDS_MAX = 1_000_000;

/** Queue plumbing over one client, parent path and item prefix. */
export class QueueInternals {
  constructor(
    private readonly client: ZooKitClient,
    readonly path: string,
    readonly prefix: string,
    /** Protected item names (`_c_<uuid>-<prefix><seq>`): a put whose reply is lost is not repeated. */
    readonly protection = false,
  ) {}

  /** Adds an item; returns its path. */
  put(data: Buffer): Promise<string> {
    return this.client.create(`${this.path}/${this.prefix}`, data, {
      protection: this.protection,
      mode: CreateMode.PERSISTENT_SEQUENTIAL,
      creatingParentsIfNeeded: true,
    });
  }

  /** Item names, oldest first; with `watch` also a promise of the next children change. */
  async list(watch: boolean): Promise<{ items: string[]; changed: Promise<unknown> | undefined }> {
    try {
      if (watch) {
        const result = await this.client.getChildren(this.path, { watch: true });
        return { items: orderItems(result.children, this.prefix), changed: result.watchEvent };
      }
      return { items: orderItems(await this.client.getChildren(this.path), this.prefix), changed: undefined };
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
    }
    // No queue node yet: wait for its creation instead.
    const exists = watch ? await this.client.exists(this.path, { watch: true }) : undefined;
    return { items: [], changed: exists?.watchEvent };
  }

  /** The oldest item's bytes without removing it, or undefined when empty. */
  async peek(): Promise<ClaimedItem | undefined> {
    for (const name of (await this.list(false)).items) {
      try {
        return { name, data: (await this.client.getData(`${this.path}/${name}`)).data };
      } catch (error) {
        if (!(error instanceof NoNodeError)) throw error;
      }
    }
    return undefined;
  }

  /** Claims the oldest item (read, then delete that version); undefined when empty. */
  async claimOldest(): Promise<ClaimedItem | undefined> {
    for (const name of (await this.list(false)).items) {
      const claimed = await this.claim(name);
      if (claimed !== undefined) return claimed;
    }
    return undefined;
  }

  /** Claims the oldest item, waiting for one; undefined on timeout. */
  async take(options: TakeOptions): Promise<ClaimedItem | undefined> {
    const deadlineMs = deadlineFrom(options.timeoutMs);
    // One watch outstanding at a time: the periodic re-list (a safety net) lists without a
    // new watch while the last one has not fired, so a long idle take adds no watchers.
    let pending: Promise<unknown> | undefined;
    for (let round = 0; round < TAKE_ROUNDS_MAX; round++) {
      let items: string[];
      try {
        const listed = await this.list(pending === undefined);
        items = listed.items;
        pending ??= listed.changed;
        for (const name of items) {
          const claimed = await this.claim(name);
          if (claimed !== undefined) return claimed;
        }
      } catch (error) {
        // The session ended under a request that was never sent (LOST): the client starts a
        // new session, where the next round lists (and watches) again. Others end the take.
        if (!(error instanceof SessionExpiredError)) throw error;
        pending = undefined;
        if (deadlineMs !== undefined && Date.now() >= deadlineMs) return undefined;
        continue;
      }
      if (items.length > 0) continue; // every item went to others while we looked: list again
      const wakeMs = Math.min(deadlineMs ?? Number.POSITIVE_INFINITY, Date.now() + RELIST_INTERVAL_MS);
      const outcome = await waitUntil(pending ?? Promise.resolve(), wakeMs, options.signal);
      if (outcome === 'settled') pending = undefined;
      else if (deadlineMs !== undefined && Date.now() >= deadlineMs) return undefined;
    }
    throw new Error(`${this.path}: take did not settle in ${TAKE_ROUNDS_MAX} rounds`);
  }

  /** Reads and deletes one item; undefined if another consumer got it first. */
  private async claim(name: string): Promise<ClaimedItem | undefined> {
    const path = `${this.path}/${name}`;
    try {
      const { data, stat } = await this.client.getData(path);
      await this.client.delete(path, { version: stat.version });
      return { name, data };
    } catch (error) {
      if (error instanceof NoNodeError || error instanceof BadVersionError) return undefined;
      throw error;
    }
  }
}

/**
 * DistributedBarrier: one process sets the barrier (a PERSISTENT node), others wait on it
 * until it is removed (Curator's `DistributedBarrier`).
 *
 * Connection states: the barrier node is persistent, so neither SUSPENDED nor LOST changes
 * the barrier. A waiter keeps waiting through SUSPENDED (its reads retry under the client's
 * policy and `waitOnBarrier` rejects if they give up); after LOST the watch is gone, so the
 * waiter reads the node again on the new session and goes on waiting or passes.
 */
import { NodeExistsError, NoNodeError, SessionExpiredError, type ZooKitClient } from '../../src/index';
import { deadlineFrom, waitUntil } from '../cache/waiting';

/** Options of a wait. */
export interface BarrierWaitOptions {
  /** Give up after this long (default: wait until the barrier goes or `signal` aborts). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Waits bounded per watch event; a wait with no timeout still wakes this often to re-read. */
const REREAD_INTERVAL_MS = 60_000;
/** Rounds of one wait (events plus re-reads): a bound against a livelock, not a timeout. */
const WAIT_ROUNDS_MAX = 1_000_000;

/** A barrier that one process sets and removes and others wait on. */
export class DistributedBarrier {
  constructor(
    private readonly client: ZooKitClient,
    readonly path: string,
  ) {}

  /** Sets the barrier (idempotent). */
  async setBarrier(): Promise<void> {
    try {
      await this.client.create(this.path, null, { creatingParentContainersIfNeeded: true });
    } catch (error) {
      if (!(error instanceof NodeExistsError)) throw error;
    }
  }

  /** Removes the barrier, releasing every waiter (idempotent). */
  async removeBarrier(): Promise<void> {
    try {
      await this.client.delete(this.path);
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
    }
  }

  /**
   * Resolves true once the barrier is gone, false when `timeoutMs` passes first. One watch
   * is outstanding at a time: the periodic re-read (a safety net) only sets a new watch
   * after the last one fired, so a long wait does not pile up watchers on the node.
   */
  async waitOnBarrier(options: BarrierWaitOptions = {}): Promise<boolean> {
    const deadlineMs = deadlineFrom(options.timeoutMs);
    let watchEvent: Promise<unknown> | undefined;
    // Each round waits for a watch event or REREAD_INTERVAL_MS; the deadline ends the loop.
    for (let round = 0; round < WAIT_ROUNDS_MAX; round++) {
      try {
        if (watchEvent === undefined) {
          const watched = await this.client.exists(this.path, { watch: true });
          if (watched.stat === null) return true;
          watchEvent = watched.watchEvent;
        } else if ((await this.client.exists(this.path)) === null) {
          return true;
        }
      } catch (error) {
        // The session ended under the read (LOST): the client starts a new one, where the
        // next round reads (and watches) again. Any other error ends the wait.
        if (!(error instanceof SessionExpiredError)) throw error;
        watchEvent = undefined;
        if (deadlineMs !== undefined && Date.now() >= deadlineMs) return false;
        continue;
      }
      const wakeMs = Math.min(deadlineMs ?? Number.POSITIVE_INFINITY, Date.now() + REREAD_INTERVAL_MS);
      const outcome = await waitUntil(watchEvent, wakeMs, options.signal);
      if (outcome === 'settled') watchEvent = undefined;
      else if (deadlineMs !== undefined && Date.now() >= deadlineMs) return false;
    }
    throw new Error(`${this.path}: the barrier wait did not settle in ${WAIT_ROUNDS_MAX} rounds`);
  }
}

/**
 * `LeaderSelector`: run `takeLeadership` on exactly one process at a time (Curator's recipe,
 * built like Curator's on the mutex: `<path>/_c_<uuid>-lock-<seq>`, so it interoperates with
 * Java `LeaderSelector`s and `InterProcessMutex`es on the same path).
 *
 * Leadership lasts while `takeLeadership(signal, leadership)` runs: when it returns, this
 * process lets go. `signal` fires when leadership may be lost (LOST; SUSPENDED under the
 * `standard` policy; our node deleted) or the selector closes: the function must then stop
 * promptly (JavaScript cannot interrupt it). With `autoRequeue` the selector queues again
 * after each term; otherwise call `requeue()`.
 */
import { EventEmitter } from 'eventemitter3';
import { AbortError, type ZooKitClient } from '../../src/index';
import type { OwnershipHandle } from '../lock/lock-handle';
import { waitFor } from '../lock/lock-internals';
import { InterProcessMutex, type LockOptions } from '../lock/mutex';
import { RecipeLifecycle } from '../recipe-state';

/** Called when this process becomes the leader; leadership ends when it settles. */
export type TakeLeadership = (signal: AbortSignal, leadership: OwnershipHandle) => Promise<void>;

/** Options of {@link LeaderSelector}. */
export interface LeaderSelectorOptions extends LockOptions {
  /** The leader's work. */
  takeLeadership: TakeLeadership;
  /** Queue again after each term (default false). */
  autoRequeue?: boolean;
  /** Pause after a failed attempt before queueing again, ms (default 1000). */
  retryDelayMs?: number;
}

/** Events of {@link LeaderSelector}. */
export interface LeaderSelectorEvents {
  [key: string]: unknown[];
  /** `takeLeadership` threw, or acquiring failed (the selector retries after `retryDelayMs`). */
  error: [error: unknown];
}

/** Curator's `LeaderSelector`. */
export class LeaderSelector extends EventEmitter<LeaderSelectorEvents> implements AsyncDisposable {
  private readonly lifecycle = new RecipeLifecycle('LeaderSelector');
  private readonly mutex: InterProcessMutex;
  private readonly closing = new AbortController();
  private autoRequeueEnabled: boolean;
  private queued = false;
  private wakeRunner: () => void = () => {};
  private runner: Promise<void> | undefined;
  private leading = false;

  constructor(
    client: ZooKitClient,
    readonly path: string,
    private readonly options: LeaderSelectorOptions,
  ) {
    super();
    this.mutex = new InterProcessMutex(client, path, options);
    this.autoRequeueEnabled = options.autoRequeue ?? false;
  }

  /** Queues for leadership once (and again after each term with auto-requeue). */
  start(): void {
    this.lifecycle.start();
    this.queued = true;
    this.runner = this.run();
  }

  /** From now on, queue again after each term. */
  autoRequeue(): void {
    this.autoRequeueEnabled = true;
    this.requeue();
  }

  /** Queues for one more term; false if already queued or leading. */
  requeue(): boolean {
    this.lifecycle.requireStarted('requeue');
    if (this.queued || this.leading) return false;
    this.queued = true;
    this.wakeRunner();
    return true;
  }

  /** True while `takeLeadership` runs here. */
  hasLeadership(): boolean {
    return this.leading;
  }

  /** Leaves: aborts a running term's signal, waits for it to settle, and gives up the queue. */
  async close(): Promise<void> {
    if (!this.lifecycle.close()) return;
    this.closing.abort(new AbortError());
    this.wakeRunner();
    await this.runner;
    // A create in flight when we aborted still makes its node: wait for its deletion, so
    // that nothing of ours is left in the election once close() resolves.
    await this.mutex.settled();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async run(): Promise<void> {
    // Bounded by the lifecycle: every round either waits for a requeue or runs one term.
    while (!this.closing.signal.aborted) {
      if (!this.queued) {
        const requeued = new Promise<void>((resolve) => {
          this.wakeRunner = resolve;
        });
        await requeued;
        continue;
      }
      this.queued = false;
      const completed = await this.runTerm();
      if (this.autoRequeueEnabled || !completed) this.queued = true;
      if (!completed) await this.pause();
    }
  }

  /** One term: true if it ran (or the selector closed), false if acquiring failed. */
  private async runTerm(): Promise<boolean> {
    let handle: OwnershipHandle | false;
    try {
      handle = await this.mutex.acquire({ signal: this.closing.signal });
    } catch (error) {
      if (this.closing.signal.aborted) return true;
      this.emit('error', error);
      return false;
    }
    if (handle === false) return false;
    this.leading = true;
    try {
      await this.options.takeLeadership(AbortSignal.any([handle.signal, this.closing.signal]), handle);
    } catch (error) {
      if (!handle.signal.aborted && !this.closing.signal.aborted) this.emit('error', error);
    } finally {
      this.leading = false;
      await handle.release();
    }
    return true;
  }

  private async pause(): Promise<void> {
    const delay = new Promise<void>((resolve) => setTimeout(resolve, this.options.retryDelayMs ?? 1_000));
    await waitFor(delay, undefined, this.closing.signal).catch(() => undefined);
  }
}

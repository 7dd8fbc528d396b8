/**
 * `LeaderScheduledJob`: distributed cron. Every process runs one with the same path; exactly
 * one of them, the leader, runs `job` every `intervalMs`. When the leader dies or loses its
 * session, another takes over after the session timeout, and the job's `signal` tells a
 * leader whose leadership may be lost to stop (see {@link LeaderSelector} for the states).
 *
 * ```ts
 * const cron = new LeaderScheduledJob(client, '/cron/report', {
 *   intervalMs: 60_000,
 *   job: async (signal, leadership) => {
 *     await leadership.transaction().setData('/reports/last', new Date().toISOString()).commit();
 *   },
 * });
 * cron.start();
 * ```
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ZooKitClient } from '../../src/index';
import type { OwnershipHandle } from '../lock/lock-handle';
import type { ConnectionStateErrorPolicy } from '../recipe-state';
import { LeaderSelector } from './leader-selector';

/** Options of {@link LeaderScheduledJob}. */
export interface LeaderScheduledJobOptions {
  /** Pause between the end of one run and the start of the next, ms. */
  intervalMs: number;
  /** The work; stop when `signal` fires. A `leadership.transaction()` commits only while leading. */
  job: (signal: AbortSignal, leadership: OwnershipHandle) => Promise<void>;
  /** When the job's signal fires (default `standard`). */
  policy?: ConnectionStateErrorPolicy;
  /** Called with a run's error (the schedule goes on). */
  onError?: (error: unknown) => void;
}

/** A job that exactly one process of many runs on a fixed interval. */
export class LeaderScheduledJob implements AsyncDisposable {
  private readonly selector: LeaderSelector;
  private runCount = 0;

  constructor(client: ZooKitClient, path: string, options: LeaderScheduledJobOptions) {
    if (!(options.intervalMs > 0))
      throw new RangeError(`intervalMs must be positive, got ${options.intervalMs}`);
    this.selector = new LeaderSelector(client, path, {
      autoRequeue: true,
      ...(options.policy === undefined ? {} : { policy: options.policy }),
      takeLeadership: async (signal, leadership) => {
        // One term: run on schedule until leadership may be lost.
        while (!signal.aborted) {
          this.runCount += 1;
          try {
            await options.job(signal, leadership);
          } catch (error) {
            options.onError?.(error);
          }
          // Ends early when the signal fires, and takes its timer with it.
          await sleep(options.intervalMs, undefined, { signal }).catch(() => undefined);
        }
      },
    });
    if (options.onError !== undefined) this.selector.on('error', options.onError);
  }

  /** Joins the schedule. */
  start(): void {
    this.selector.start();
  }

  /** True while this process is the one running the job. */
  isLeader(): boolean {
    return this.selector.hasLeadership();
  }

  /** Runs started by this process. */
  get runs(): number {
    return this.runCount;
  }

  /** Leaves the schedule (a running job's signal fires). */
  close(): Promise<void> {
    return this.selector.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

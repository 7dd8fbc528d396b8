/**
 * The parent's side of the load generators: forked children running `load-worker.ts`,
 * each prepared with its share of a cell, started together, and their results merged.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { assert } from '../../src/util/assert';
import { LatencyHistogram } from './histogram';
import type { LoadJob, LoadResult } from './load-job';
import type { WorkerCommand, WorkerReply } from './load-worker';
import { forkTracked, stopChild } from './processes';

const WORKER_PATH = fileURLToPath(new URL('./load-worker.ts', import.meta.url));
/** Bound on opening a job's sessions. */
const PREPARE_TIMEOUT_MS = 30_000;
/** Slack beyond warm-up + window + drain before a worker counts as hung. */
const RUN_SLACK_MS = 20_000;

/** One forked load-generator process. */
export class LoadWorker {
  private constructor(private child: ChildProcess) {}

  private static fork(): ChildProcess {
    return forkTracked(WORKER_PATH);
  }

  /** Forks a worker (TypeScript through tsx, like every script here). */
  static start(): LoadWorker {
    return new LoadWorker(LoadWorker.fork());
  }

  /** Replaces the process after a failure (its sessions may be half-open). */
  async restart(): Promise<void> {
    await this.stop();
    this.child = LoadWorker.fork();
  }

  private request(command: WorkerCommand, timeoutMs: number): Promise<WorkerReply> {
    if (!this.child.connected) return Promise.reject(new Error('load worker is not running'));
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.removeListener('message', onMessage);
        this.child.removeListener('exit', onExit);
      };
      const onMessage = (message: WorkerReply): void => {
        cleanup();
        if (message.type === 'failed') reject(new Error(`load worker failed: ${message.message}`));
        else resolve(message);
      };
      const onExit = (code: number | null): void => {
        cleanup();
        reject(new Error(`load worker exited (code ${code})`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`load worker did not answer '${command.type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(command);
    });
  }

  /** The worker's PID (for CPU attribution in reports and for cleanup). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  async prepare(job: LoadJob): Promise<void> {
    const reply = await this.request({ type: 'prepare', job }, PREPARE_TIMEOUT_MS);
    assert(reply.type === 'ready', 'prepare answers ready');
  }

  async go(job: LoadJob): Promise<LoadResult> {
    const timeoutMs = job.warmupMs + job.measureMs + RUN_SLACK_MS;
    const reply = await this.request({ type: 'go' }, timeoutMs);
    assert(reply.type === 'result', 'go answers result');
    return reply.result;
  }

  async stop(): Promise<void> {
    if (this.child.connected) this.child.send({ type: 'exit' } satisfies WorkerCommand);
    await stopChild(this.child, 2_000);
  }
}

/** Results of all of a cell's workers combined. */
export interface MergedResult {
  operations: number;
  errors: number;
  firstError: string | undefined;
  opsPerSecond: number;
  p50Us: number;
  p99Us: number;
  /** Sum of the workers' CPU time in the window, µs. */
  cpuUs: number;
  /** The workers' CPU use as a share of one core (1 = one core busy). */
  cpuCores: number;
  /** CPU µs per operation of the generating processes. */
  cpuUsPerOperation: number;
  /** Of that, user-space µs per operation (what the driver's own code costs, without syscalls). */
  userCpuUsPerOperation: number;
}

/** Merges per-worker results: operations add up, the window is the longest one. */
export function mergeResults(results: readonly LoadResult[]): MergedResult {
  assert(results.length > 0, 'at least one worker result');
  const histogram = new LatencyHistogram();
  let operations = 0;
  let errors = 0;
  let cpuUs = 0;
  let userCpuUs = 0;
  let windowMs = 0;
  let firstError: string | undefined;
  for (const result of results) {
    operations += result.operations;
    errors += result.errors;
    cpuUs += result.cpuUs;
    userCpuUs += result.userCpuUs;
    windowMs = Math.max(windowMs, result.windowMs);
    firstError ??= result.firstError;
    histogram.merge(new LatencyHistogram(result.histogram));
  }
  return {
    operations,
    errors,
    firstError,
    opsPerSecond: windowMs > 0 ? (operations * 1_000) / windowMs : 0,
    p50Us: histogram.percentileUs(0.5),
    p99Us: histogram.percentileUs(0.99),
    cpuUs,
    cpuCores: windowMs > 0 ? cpuUs / (windowMs * 1_000) : 0,
    cpuUsPerOperation: operations > 0 ? cpuUs / operations : Number.NaN,
    userCpuUsPerOperation: operations > 0 ? userCpuUs / operations : Number.NaN,
  };
}

/**
 * Runs one cell across `workers`, each with its job: all prepare, then all go together.
 * The workers stay alive for the next cell.
 */
export async function runCell(
  workers: readonly LoadWorker[],
  jobs: readonly LoadJob[],
): Promise<MergedResult> {
  assert(workers.length === jobs.length, 'one job per worker');
  try {
    await Promise.all(jobs.map((job, index) => workers[index]?.prepare(job)));
    const results = await Promise.all(
      jobs.map((job, index) => {
        const worker = workers[index];
        assert(worker !== undefined, 'a worker for every job');
        return worker.go(job);
      }),
    );
    return mergeResults(results);
  } catch (error) {
    // Start the next cell from clean processes: none may hold sessions from this one.
    await Promise.all(workers.map((worker) => worker.restart()));
    throw error;
  }
}

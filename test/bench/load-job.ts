/**
 * What one load-generator process is asked to do and what it reports, plus the timed
 * measurement window every driver shares: warm up, measure (operations, latency, own CPU),
 * stop issuing, drain.
 */
import { LatencyHistogram } from './histogram';

/** The operations the benchmarks issue. */
export const BenchOp = { getData: 'getData', setData: 'setData', create: 'create' } as const;
export type BenchOp = (typeof BenchOp)[keyof typeof BenchOp];

/** Who generates the load: the minimal raw-protocol generator or one of the two clients. */
export const Driver = { raw: 'raw', zookit: 'zookit', nzc: 'node-zookeeper-client' } as const;
export type Driver = (typeof Driver)[keyof typeof Driver];

/** Root of every node the benchmarks touch. */
export const BENCH_ROOT = '/zkbench';
/** Parent of the nodes `create` cells make. */
export const CREATE_PARENT = `${BENCH_ROOT}/new`;

/** The node connection `index` reads and writes: one per connection, made before the run. */
export function laneNodePath(index: number, nodeCount: number): string {
  return `${BENCH_ROOT}/c${index % nodeCount}`;
}

/** One generator process's share of a benchmark cell. */
export interface LoadJob {
  readonly driver: Driver;
  readonly port: number;
  readonly op: BenchOp;
  /** Sessions this process opens (each its own TCP connection). */
  readonly connections: number;
  /** Requests each connection keeps in flight. */
  readonly outstanding: number;
  readonly valueBytes: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  /** Index of this process's first connection among all the cell's connections. */
  readonly firstConnection: number;
  /** How many `laneNodePath` nodes exist. */
  readonly nodeCount: number;
  /** Makes created node names unique across cells and processes. */
  readonly tag: string;
}

/** What a generator process measured in its window. */
export interface LoadResult {
  /** Replies received inside the window. */
  operations: number;
  /** Of those, replies with a non-zero error code (or rejected client calls). */
  errors: number;
  firstError: string | undefined;
  /** The window's real length, ms. */
  windowMs: number;
  /** The process's own CPU time inside the window, µs (user + system). */
  cpuUs: number;
  /** Of that, the time spent in user space (the process's own code, not the kernel's), µs. */
  userCpuUs: number;
  /** Latency histogram counts (see LatencyHistogram). */
  histogram: number[];
}

/** Bound on waiting for in-flight requests after the window closes. */
export const DRAIN_TIMEOUT_MS = 5_000;

/**
 * The measurement window shared by a process's connections. Drivers read `measuring` (count
 * this reply) and `stopping` (issue nothing more); `run` flips them on timers and snapshots
 * CPU time at the same moments, so operations and CPU cover one interval.
 */
export class LoadWindow {
  measuring = false;
  stopping = false;
  operations = 0;
  errors = 0;
  firstError: string | undefined;
  readonly histogram = new LatencyHistogram();
  private cpuUs = 0;
  private userCpuUs = 0;
  private windowMs = 0;

  /** Records one completed request that was sent at `sentMs` (performance.now()). */
  complete(sentMs: number, nowMs: number, error: string | undefined): void {
    if (!this.measuring) return;
    this.operations += 1;
    this.histogram.record((nowMs - sentMs) * 1_000);
    if (error !== undefined) {
      this.errors += 1;
      this.firstError ??= error;
    }
  }

  /** Waits `warmupMs`, measures for `measureMs`, then sets `stopping`. */
  async run(warmupMs: number, measureMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, warmupMs));
    const cpuStart = process.cpuUsage();
    const startMs = performance.now();
    this.measuring = true;
    await new Promise((resolve) => setTimeout(resolve, measureMs));
    this.measuring = false;
    this.stopping = true;
    const cpu = process.cpuUsage(cpuStart);
    this.cpuUs = cpu.user + cpu.system;
    this.userCpuUs = cpu.user;
    this.windowMs = performance.now() - startMs;
  }

  result(): LoadResult {
    return {
      operations: this.operations,
      errors: this.errors,
      firstError: this.firstError,
      windowMs: this.windowMs,
      cpuUs: this.cpuUs,
      userCpuUs: this.userCpuUs,
      histogram: this.histogram.toArray(),
    };
  }
}

/** A value of `bytes` bytes, the same for every driver. */
export function benchValue(bytes: number): Buffer {
  return Buffer.alloc(bytes, 0x61);
}

/** Resolves when `condition()` holds or `timeoutMs` passed; polls every 5 ms. */
export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

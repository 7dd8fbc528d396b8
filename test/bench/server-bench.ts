/**
 * Issue 3's benchmark: the same raw-protocol load against zookit's server and Apache
 * ZooKeeper (getData, setData, create × 1 and 16 clients × 1 and 64 outstanding, 128-byte
 * values), cells interleaved between the servers so drift hits both alike; then the
 * resident memory of each holding a million 100-byte znodes, on fresh servers.
 */

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { fourLetterWord } from '../support/network';
import { BenchOp, Driver, type LoadJob } from './load-job';
import { installCleanup } from './processes';
import { formatLatency, formatMebibytes, formatRate, formatRatio, markdownTable, verdict } from './report';
import { type BenchServer, startApache, startZookit } from './servers';
import { populateZnodes, prepareBenchTree } from './tree-setup';
import { LoadWorker, type MergedResult, runCell } from './worker-pool';

/** Value size of the throughput cells (issue 3). */
export const VALUE_BYTES = 128;
/** Value size of the memory step's znodes (issue 3). */
const MEMORY_VALUE_BYTES = 100;
/** Client counts and in-flight counts of the grid. */
const CLIENT_COUNTS = [1, 16] as const;
const OUTSTANDING_COUNTS = [1, 64] as const;
const OPERATIONS = [BenchOp.getData, BenchOp.setData, BenchOp.create] as const;

/** How long and how hard the server benchmark runs. */
export interface ServerBenchSettings {
  warmupMs: number;
  measureMs: number;
  /** Load-generator processes sharing a cell's clients. */
  generators: number;
  /** Znodes for the memory step; 0 skips it. */
  memoryZnodes: number;
  /** Only these cells of the grid (default: all of them, in grid order). */
  cells?: readonly GridCell[];
  /** Prefix of the created nodes' tags, unique per run over one pair of servers (default `s`). */
  tagPrefix?: string;
}

/** One cell of the grid. */
export interface GridCell {
  op: BenchOp;
  clients: number;
  outstanding: number;
}

/** Every cell of the grid, in the order the full run measures them. */
export function gridCells(): GridCell[] {
  const cells: GridCell[] = [];
  for (const op of OPERATIONS) {
    for (const clients of CLIENT_COUNTS) {
      for (const outstanding of OUTSTANDING_COUNTS) cells.push({ op, clients, outstanding });
    }
  }
  return cells;
}

/** One measured cell for one server. */
export interface ServerCellResult {
  server: string;
  op: BenchOp;
  clients: number;
  outstanding: number;
  result: MergedResult | undefined;
  failure: string | undefined;
}

/** Splits a cell's clients over the generator processes. */
export function splitJobs(
  base: Omit<LoadJob, 'connections' | 'firstConnection'>,
  clients: number,
  generators: number,
): LoadJob[] {
  const used = Math.min(clients, generators);
  const jobs: LoadJob[] = [];
  let first = 0;
  for (let index = 0; index < used; index++) {
    const connections = Math.floor(clients / used) + (index < clients % used ? 1 : 0);
    jobs.push({ ...base, connections, firstConnection: first });
    first += connections;
  }
  return jobs;
}

/** Runs one cell on one server; a failure is recorded, not thrown, so the grid completes. */
async function measureCell(
  server: BenchServer,
  workers: readonly LoadWorker[],
  cell: { op: BenchOp; clients: number; outstanding: number },
  settings: ServerBenchSettings,
  tag: string,
): Promise<ServerCellResult> {
  const base = {
    driver: Driver.raw,
    port: server.port,
    op: cell.op,
    outstanding: cell.outstanding,
    valueBytes: VALUE_BYTES,
    warmupMs: settings.warmupMs,
    measureMs: settings.measureMs,
    nodeCount: Math.max(...CLIENT_COUNTS),
    tag,
  };
  const jobs = splitJobs(base, cell.clients, settings.generators);
  try {
    const result = await runCell(workers.slice(0, jobs.length), jobs);
    return { server: server.name, ...cell, result, failure: undefined };
  } catch (error) {
    return {
      server: server.name,
      ...cell,
      result: undefined,
      failure: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * Warms each server (the JVM's JIT above all, but V8's too) with pipelined reads then
 * writes before anything is measured, so the first cells do not measure a cold compiler.
 */
export async function warmUpServers(
  servers: readonly BenchServer[],
  workers: readonly LoadWorker[],
  totalMs: number,
  log: (line: string) => void,
): Promise<void> {
  if (totalMs <= 0) return;
  for (const server of servers) {
    await prepareBenchTree(server.port, Math.max(...CLIENT_COUNTS), VALUE_BYTES);
    for (const op of [BenchOp.getData, BenchOp.setData]) {
      const base = {
        driver: Driver.raw,
        port: server.port,
        op,
        outstanding: 64,
        valueBytes: VALUE_BYTES,
        warmupMs: totalMs / 2,
        measureMs: 100,
        nodeCount: Math.max(...CLIENT_COUNTS),
        tag: 'warm',
      };
      const jobs = splitJobs(base, Math.max(...CLIENT_COUNTS), workers.length);
      await runCell(workers.slice(0, jobs.length), jobs);
    }
    log(`  warmed ${server.name} for ${totalMs} ms`);
  }
}

/** The throughput grid against every server. */
export async function runServerGrid(
  servers: readonly BenchServer[],
  workers: readonly LoadWorker[],
  settings: ServerBenchSettings,
  log: (line: string) => void,
): Promise<ServerCellResult[]> {
  for (const server of servers) await prepareBenchTree(server.port, Math.max(...CLIENT_COUNTS), VALUE_BYTES);
  const results: ServerCellResult[] = [];
  let cellNumber = 0;
  for (const cell of settings.cells ?? gridCells()) {
    cellNumber += 1;
    for (const server of servers) {
      const outcome = await measureCell(
        server,
        workers,
        cell,
        settings,
        `${settings.tagPrefix ?? 's'}${cellNumber}`,
      );
      results.push(outcome);
      const summary =
        outcome.result === undefined
          ? `FAILED: ${outcome.failure}`
          : `${formatRate(outcome.result.opsPerSecond)} ops/s, p99 ${formatLatency(outcome.result.p99Us)}`;
      log(`  ${server.name.padEnd(6)} ${cell.op} ${cell.clients}×${cell.outstanding}: ${summary}`);
    }
  }
  return results;
}

/** A goal per operation kind (issue 3): reads ≥ 1.5× Apache, writes ≥ 1.0×. */
export function throughputGoal(op: BenchOp): number {
  return op === BenchOp.getData ? 1.5 : 1.0;
}

/** The grid as a Markdown table with zookit/Apache ratios and verdicts. */
export function serverGridTable(results: readonly ServerCellResult[]): string {
  const rows: string[][] = [];
  for (const zookit of results.filter((entry) => entry.server === 'zookit')) {
    const apache = results.find(
      (entry) =>
        entry.server === 'Apache' &&
        entry.op === zookit.op &&
        entry.clients === zookit.clients &&
        entry.outstanding === zookit.outstanding,
    );
    const z = zookit.result;
    const a = apache?.result;
    const throughputRatio = z !== undefined && a !== undefined ? z.opsPerSecond / a.opsPerSecond : Number.NaN;
    const p99Ratio = z !== undefined && a !== undefined ? z.p99Us / a.p99Us : Number.NaN;
    const goal = throughputGoal(zookit.op);
    rows.push([
      `${zookit.op} ${zookit.clients}×${zookit.outstanding}`,
      z === undefined ? 'failed' : formatRate(z.opsPerSecond),
      a === undefined ? 'failed' : formatRate(a.opsPerSecond),
      formatRatio(throughputRatio),
      verdict(Number.isFinite(throughputRatio) ? throughputRatio >= goal : undefined),
      z === undefined ? '–' : `${formatLatency(z.p50Us)} / ${formatLatency(z.p99Us)}`,
      a === undefined ? '–' : `${formatLatency(a.p50Us)} / ${formatLatency(a.p99Us)}`,
      formatRatio(p99Ratio),
      verdict(Number.isFinite(p99Ratio) ? p99Ratio <= 1 : undefined),
      z === undefined
        ? '–'
        : `${Math.round(z.cpuCores * 100)} / ${a === undefined ? '–' : Math.round(a.cpuCores * 100)}`,
      `${(z?.errors ?? 0) + (a?.errors ?? 0)}`,
    ]);
  }
  const headers = [
    'op clients×outstanding',
    'zookit ops/s',
    'Apache ops/s',
    'ops ratio',
    `goal`,
    'zookit p50 / p99',
    'Apache p50 / p99',
    'p99 ratio',
    'p99 goal',
    'generator CPU % (z / A)',
    'errors',
  ];
  return markdownTable(headers, rows);
}

/** One server's memory with a million znodes. */
export interface MemoryResult {
  server: string;
  znodes: number;
  baselineBytes: number;
  fullBytes: number;
  bytesPerZnode: number;
  /** (JVM heap used after full GC, full − empty) ÷ znodes; undefined for zookit. */
  heapBytesPerZnode: number | undefined;
  note: string;
}

function nodeCountOf(srvr: string): number {
  const match = /^Node count: (\d+)$/m.exec(srvr);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}

/** Fills each (fresh) server with `znodes` znodes and reads its RSS before and after. */
export async function runMemoryStep(
  servers: readonly BenchServer[],
  znodes: number,
  log: (line: string) => void,
): Promise<MemoryResult[]> {
  const baselines = new Map<string, { rss: number; heap: number | undefined }>();
  for (const server of servers) {
    const settle = await server.settleMemory();
    baselines.set(server.name, { rss: server.residentBytes(), heap: settle.heapUsedBytes });
  }
  const startedMs = performance.now();
  // Both at once: the fill is not what is measured, and it halves the wait.
  await Promise.all(
    servers.map((server) =>
      populateZnodes({
        port: server.port,
        znodeCount: znodes,
        parents: 1_000,
        valueBytes: MEMORY_VALUE_BYTES,
        connections: 4,
        outstanding: 4,
        timeoutMs: 300_000,
      }),
    ),
  );
  log(
    `  populated ${znodes} znodes on each server in ${((performance.now() - startedMs) / 1_000).toFixed(1)} s`,
  );
  const results: MemoryResult[] = [];
  for (const server of servers) {
    const settle = await server.settleMemory();
    const fullBytes = server.residentBytes();
    const counted = nodeCountOf(await fourLetterWord(server.port, 'srvr', 10_000));
    const baseline = baselines.get(server.name) ?? { rss: Number.NaN, heap: undefined };
    const heapBytesPerZnode =
      settle.heapUsedBytes === undefined || baseline.heap === undefined
        ? undefined
        : (settle.heapUsedBytes - baseline.heap) / counted;
    results.push({
      server: server.name,
      znodes: counted,
      baselineBytes: baseline.rss,
      fullBytes,
      bytesPerZnode: (fullBytes - baseline.rss) / counted,
      heapBytesPerZnode,
      note: settle.note,
    });
  }
  return results;
}

/** The memory results as a Markdown table with the zookit/Apache ratios. */
export function memoryTable(results: readonly MemoryResult[]): string {
  const apache = results.find((entry) => entry.server === 'Apache');
  const rows = results.map((entry) => {
    const ratio = apache === undefined ? Number.NaN : entry.bytesPerZnode / apache.bytesPerZnode;
    const heapRatio =
      apache?.heapBytesPerZnode === undefined ? Number.NaN : entry.bytesPerZnode / apache.heapBytesPerZnode;
    const isZookit = entry.server === 'zookit';
    return [
      entry.server,
      String(entry.znodes),
      formatMebibytes(entry.baselineBytes),
      formatMebibytes(entry.fullBytes),
      `${Math.round(entry.bytesPerZnode)} B`,
      isZookit ? `${formatRatio(ratio)} ${verdict(Number.isFinite(ratio) ? ratio <= 1 : undefined)}` : '',
      entry.heapBytesPerZnode === undefined ? '–' : `${Math.round(entry.heapBytesPerZnode)} B`,
      isZookit ? formatRatio(heapRatio) : '',
      entry.note,
    ];
  });
  const headers = [
    'server',
    'znodes',
    'RSS empty',
    'RSS full',
    'RSS/znode',
    'zookit÷Apache RSS/znode (≤ 1)',
    'JVM live heap/znode',
    'zookit RSS/znode ÷ Apache live heap/znode',
    'note',
  ];
  return markdownTable(headers, rows);
}

/** Median of a non-empty list (NaN for an empty one). */
function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((left, right) => left - right);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Parses `--cells 1x1,16x64` and `--ops create,setData` into grid cells. */
function chosenCells(ops: string, cells: string): GridCell[] {
  const wantedOps = new Set(ops.split(','));
  const wantedCells = new Set(cells.split(','));
  const chosen = gridCells().filter(
    (cell) =>
      wantedOps.has(cell.op) && (cells === 'all' || wantedCells.has(`${cell.clients}x${cell.outstanding}`)),
  );
  if (chosen.length === 0) throw new Error(`no grid cell matches --ops ${ops} --cells ${cells}`);
  return chosen;
}

/**
 * Narrow, repeated runs for judging a change: `npx tsx test/bench/server-bench.ts [--ops create] [--cells 1x1,16x1]
 * [--rounds 3] [--warmup-ms 1000] [--measure-ms 2500]` starts both servers once, warms them, then measures the
 * chosen cells `rounds` times (the two servers alternating within each cell, as in the full grid) and prints each
 * round's table and, per cell, the median zookit/Apache ratios. docs/benchmarks.md's tables come from run.ts.
 */
async function narrowRun(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ops: { type: 'string', default: 'create' },
      cells: { type: 'string', default: 'all' },
      rounds: { type: 'string', default: '3' },
      'warmup-ms': { type: 'string', default: '1000' },
      'measure-ms': { type: 'string', default: '2500' },
    },
  });
  const rounds = Math.min(20, Math.max(1, Number(values.rounds)));
  const settings: ServerBenchSettings = {
    warmupMs: Number(values['warmup-ms']),
    measureMs: Number(values['measure-ms']),
    generators: 1,
    memoryZnodes: 0,
    cells: chosenCells(values.ops, values.cells),
  };
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const servers: BenchServer[] = [];
  const workers: LoadWorker[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled([
      ...workers.map((worker) => worker.stop()),
      ...servers.map((server) => server.stop()),
    ]);
  };
  installCleanup(stop);
  try {
    servers.push(await startZookit());
    servers.push(await startApache());
    workers.push(LoadWorker.start());
    await warmUpServers(servers, workers, 4_000, log);
    const all: ServerCellResult[][] = [];
    for (let round = 1; round <= rounds; round++) {
      log(`round ${round}/${rounds}`);
      const results = await runServerGrid(servers, workers, { ...settings, tagPrefix: `n${round}-` }, log);
      all.push(results);
      console.log(`\n### Round ${round}\n\n${serverGridTable(results)}`);
    }
    console.log('\n### Medians over rounds (zookit ÷ Apache)\n');
    for (const cell of settings.cells ?? []) {
      const ratios = all.map((results) => {
        const of = (name: string) =>
          results.find(
            (entry) =>
              entry.server === name &&
              entry.op === cell.op &&
              entry.clients === cell.clients &&
              entry.outstanding === cell.outstanding,
          )?.result;
        const z = of('zookit');
        const a = of('Apache');
        return z === undefined || a === undefined
          ? { ops: Number.NaN, p99: Number.NaN }
          : { ops: z.opsPerSecond / a.opsPerSecond, p99: z.p99Us / a.p99Us };
      });
      const list = (values: number[]) => values.map((value) => value.toFixed(2)).join(' ');
      console.log(
        `${cell.op} ${cell.clients}×${cell.outstanding}: ops ${formatRatio(median(ratios.map((r) => r.ops)))} ` +
          `(${list(ratios.map((r) => r.ops))}), p99 ${formatRatio(median(ratios.map((r) => r.p99)))} ` +
          `(${list(ratios.map((r) => r.p99))})`,
      );
    }
  } finally {
    await stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  narrowRun(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(
        `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      process.exit(1);
    },
  );
}

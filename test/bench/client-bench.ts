/**
 * Issue 4's benchmark: zookit's client, node-zookeeper-client and the raw-protocol
 * generator against the same server (zookit's and Apache's), pipelined getData and setData
 * at 1 and 256 outstanding on 1 and 8 connections. Each driver runs in its own process, so
 * the CPU time it reports is its own: the client's cost per operation. The raw generator's
 * throughput on the same server and connection count is what the server allows.
 */
import { BenchOp, Driver, type LoadJob } from './load-job';
import { formatRate, formatRatio, markdownTable, verdict } from './report';
import type { BenchServer } from './servers';
import { prepareBenchTree } from './tree-setup';
import { LoadWorker, type MergedResult, runCell } from './worker-pool';

const VALUE_BYTES = 128;
const CONNECTION_COUNTS = [1, 8] as const;
const OUTSTANDING_COUNTS = [1, 256] as const;
const OPERATIONS = [BenchOp.getData, BenchOp.setData] as const;
const DRIVERS = [Driver.raw, Driver.zookit, Driver.nzc] as const;

/** Goals of issue 4. */
export const ClientGoals = {
  /** zookit CPU/op ÷ node-zookeeper-client CPU/op, at most. */
  cpuRatioMax: 0.5,
  /** zookit ops/s ÷ raw generator ops/s, at least. */
  rawShareMin: 0.95,
  /** zookit ops/s ÷ node-zookeeper-client ops/s at 1 outstanding, at least. */
  nzcRatioAtOneMin: 1,
} as const;

/** Timing of each cell. */
export interface ClientBenchSettings {
  warmupMs: number;
  measureMs: number;
  /**
   * Before the first cell, each driver process runs every cell's shape for this long,
   * unmeasured, so the JIT has compiled all the code the grid will time; default
   * 2 × `warmupMs` (8 shapes: 11.2 s per driver at the default 700 ms).
   */
  driverWarmupShapeMs?: number;
}

interface Cell {
  op: BenchOp;
  connections: number;
  outstanding: number;
}

/** One cell on one server: a result (or failure) per driver. */
export interface ClientCellResult extends Cell {
  server: string;
  byDriver: Map<Driver, MergedResult | string>;
}

async function measure(
  worker: LoadWorker,
  server: BenchServer,
  driver: Driver,
  cell: Cell,
  settings: ClientBenchSettings,
  tag: string,
): Promise<MergedResult | string> {
  const job: LoadJob = {
    driver,
    port: server.port,
    op: cell.op,
    connections: cell.connections,
    outstanding: cell.outstanding,
    valueBytes: VALUE_BYTES,
    warmupMs: settings.warmupMs,
    measureMs: settings.measureMs,
    firstConnection: 0,
    nodeCount: Math.max(...CONNECTION_COUNTS),
    tag,
  };
  try {
    return await runCell([worker], [job]);
  } catch (error) {
    return error instanceof Error ? (error.message.split('\n')[0] ?? 'failed') : String(error);
  }
}

function cellLine(cell: ClientCellResult): string {
  const parts = DRIVERS.map((driver) => {
    const outcome = cell.byDriver.get(driver);
    const text =
      typeof outcome === 'object'
        ? `${formatRate(outcome.opsPerSecond)}/s ${outcome.cpuUsPerOperation.toFixed(1)}µs`
        : `FAILED ${outcome}`;
    return `${driver}=${text}`;
  });
  return `  ${cell.server.padEnd(6)} ${cell.op} ${cell.connections}c×${cell.outstanding}: ${parts.join('  ')}`;
}

/** The grid's cells in the order they are measured. */
function gridCells(): Cell[] {
  const cells: Cell[] = [];
  for (const op of OPERATIONS) {
    for (const connections of CONNECTION_COUNTS) {
      for (const outstanding of OUTSTANDING_COUNTS) cells.push({ op, connections, outstanding });
    }
  }
  return cells;
}

/**
 * Warms a driver process up before it measures any cell: it runs every cell's shape (getData
 * and setData, 1 and 256 outstanding, 1 and 8 connections) unmeasured against `server`.
 * Without it the first cells of an operation timed V8 compiling that operation's code (a 6 s
 * warm-up took zookit's setData 1c×1 from 200 to 71 µs/op), not the client's steady cost,
 * and hit each driver differently. The processes live for the whole grid, so once is enough
 * (again only for a process replaced after a failed cell).
 */
async function warmUpDriver(
  worker: LoadWorker,
  driver: Driver,
  server: BenchServer,
  settings: ClientBenchSettings,
  log: (line: string) => void,
): Promise<void> {
  const timing = { warmupMs: settings.driverWarmupShapeMs ?? 2 * settings.warmupMs, measureMs: 1 };
  for (const cell of gridCells()) {
    const outcome = await measure(worker, server, driver, cell, timing, 'warm');
    const shape = `${cell.op} ${cell.connections}c×${cell.outstanding}`;
    if (typeof outcome === 'string') log(`  warm-up ${driver} ${shape} FAILED ${outcome}`);
  }
}

/** Runs every cell on every server; the driver workers live for the whole suite. */
export async function runClientGrid(
  servers: readonly BenchServer[],
  settings: ClientBenchSettings,
  tracked: LoadWorker[],
  log: (line: string) => void,
): Promise<ClientCellResult[]> {
  for (const server of servers)
    await prepareBenchTree(server.port, Math.max(...CONNECTION_COUNTS), VALUE_BYTES);
  const workers = new Map(DRIVERS.map((driver) => [driver, LoadWorker.start()] as const));
  tracked.push(...workers.values());
  const first = servers[0];
  if (first === undefined) return [];
  const shapeMs = settings.driverWarmupShapeMs ?? 2 * settings.warmupMs;
  log(
    `driver warm-up: ${gridCells().length} shapes × ${shapeMs} ms per driver against ${first.name}'s server`,
  );
  for (const [driver, worker] of workers) await warmUpDriver(worker, driver, first, settings, log);
  const results: ClientCellResult[] = [];
  let cellNumber = 0;
  for (const shape of gridCells()) {
    cellNumber += 1;
    for (const server of servers) {
      const cell: ClientCellResult = { ...shape, server: server.name, byDriver: new Map() };
      for (const [driver, worker] of workers) {
        const outcome = await measure(worker, server, driver, cell, settings, `c${cellNumber}`);
        cell.byDriver.set(driver, outcome);
        // A failed cell replaced the process: warm the new one before its next cell.
        if (typeof outcome === 'string') await warmUpDriver(worker, driver, first, settings, log);
      }
      results.push(cell);
      log(cellLine(cell));
    }
  }
  return results;
}

function resultOf(cell: ClientCellResult, driver: Driver): MergedResult | undefined {
  const outcome = cell.byDriver.get(driver);
  return typeof outcome === 'object' ? outcome : undefined;
}

/** The figures and goal verdicts of one server's cells, as a Markdown table. */
export function clientTable(results: readonly ClientCellResult[], server: string): string {
  const rows = results
    .filter((cell) => cell.server === server)
    .map((cell) => {
      const raw = resultOf(cell, Driver.raw);
      const zookit = resultOf(cell, Driver.zookit);
      const nzc = resultOf(cell, Driver.nzc);
      const cpuRatio =
        zookit !== undefined && nzc !== undefined
          ? zookit.cpuUsPerOperation / nzc.cpuUsPerOperation
          : Number.NaN;
      const userRatio =
        zookit !== undefined && nzc !== undefined
          ? zookit.userCpuUsPerOperation / nzc.userCpuUsPerOperation
          : Number.NaN;
      const rawShare =
        zookit !== undefined && raw !== undefined ? zookit.opsPerSecond / raw.opsPerSecond : Number.NaN;
      const nzcRatio =
        zookit !== undefined && nzc !== undefined ? zookit.opsPerSecond / nzc.opsPerSecond : Number.NaN;
      const rate = (result: MergedResult | undefined): string =>
        result === undefined ? 'failed' : formatRate(result.opsPerSecond);
      const cpu = (result: MergedResult | undefined): string =>
        result === undefined ? '–' : result.cpuUsPerOperation.toFixed(1);
      const finite = (value: number, holds: boolean): string =>
        verdict(Number.isFinite(value) ? holds : undefined);
      return [
        `${cell.op} ${cell.connections}c×${cell.outstanding}`,
        rate(raw),
        rate(zookit),
        rate(nzc),
        `${cpu(raw)} / ${cpu(zookit)} / ${cpu(nzc)}`,
        `${formatRatio(cpuRatio)} ${finite(cpuRatio, cpuRatio <= ClientGoals.cpuRatioMax)}`,
        formatRatio(userRatio),
        `${formatRatio(rawShare)} ${finite(rawShare, rawShare >= ClientGoals.rawShareMin)}`,
        cell.outstanding === 1
          ? `${formatRatio(nzcRatio)} ${finite(nzcRatio, nzcRatio >= ClientGoals.nzcRatioAtOneMin)}`
          : formatRatio(nzcRatio),
      ];
    });
  const headers = [
    'op conns×outstanding',
    'raw ops/s',
    'zookit ops/s',
    'nzc ops/s',
    'CPU µs/op raw / zookit / nzc',
    'CPU zookit÷nzc (≤ 0.5)',
    'user-space CPU zookit÷nzc',
    'zookit÷raw (≥ 0.95)',
    'zookit÷nzc (≥ 1 at 1 outst.)',
  ];
  return markdownTable(headers, rows);
}

/** The client suite: grid, then one table per server. */
export async function runClientBench(
  servers: readonly BenchServer[],
  settings: ClientBenchSettings,
  tracked: LoadWorker[],
  log: (line: string) => void,
): Promise<void> {
  log(`client benchmark: ${settings.warmupMs} ms warm-up + ${settings.measureMs} ms per cell and driver`);
  const results = await runClientGrid(servers, settings, tracked, log);
  for (const server of servers) {
    console.log(
      `\n## Client against ${server.name === 'zookit' ? "zookit's server" : 'Apache ZooKeeper'}: 128-byte values\n`,
    );
    console.log(clientTable(results, server.name));
  }
}

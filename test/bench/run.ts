/**
 * `npm run bench[:server|:client|:recipes|:ensemble]`: zookit against Apache ZooKeeper 3.8
 * on this machine, loopback only, in one run. Prints Markdown tables and zookit/Apache ratios.
 *
 *   tsx test/bench/run.ts [server|client|recipes|ensemble] [--quick] [--memory|--no-memory]
 *                         [--measure-ms N] [--warmup-ms N] [--generators N] [--failover-rounds N]
 *
 * `ensemble` (issue 7) is not part of the default set: it starts six servers of its own.
 *
 * Every process it starts (both servers, the load generators) is stopped by PID at the
 * end, on error and on SIGINT.
 */
import { cpus, totalmem } from 'node:os';
import { runClientBench } from './client-bench';
import {
  ensembleCells,
  failoverTable,
  runEnsembleThroughput,
  runFailover,
  throughputTable,
} from './ensemble-bench';
import {
  type BenchEnsemble,
  ENSEMBLE_TICK_MS,
  startApacheEnsemble,
  startZookitEnsemble,
} from './ensemble-servers';
import { installCleanup } from './processes';
import { runRecipesBench } from './recipes-bench';
import {
  memoryTable,
  runMemoryStep,
  runServerGrid,
  type ServerBenchSettings,
  serverGridTable,
  warmUpServers,
} from './server-bench';
import { type BenchServer, startApache, startZookit } from './servers';
import { LoadWorker } from './worker-pool';

type Suite = 'server' | 'client' | 'recipes' | 'ensemble';

/** Parsed command line. */
interface BenchOptions {
  suites: ReadonlySet<Suite>;
  quick: boolean;
  memory: boolean;
  /** Undefined: each suite's own default. */
  warmupMs: number | undefined;
  measureMs: number | undefined;
  generators: number;
  znodes: number;
  /** Undefined: 2 with --quick, else 7. */
  failoverRounds: number | undefined;
}

const USAGE =
  'usage: tsx test/bench/run.ts [server|client|recipes|ensemble] [--quick] [--memory|--no-memory] ' +
  '[--warmup-ms N] [--measure-ms N] [--generators N] [--znodes N] [--failover-rounds N]';

function integerFlag(args: string[], index: number, min: number, max: number): number {
  const text = args[index + 1] ?? '';
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max)
    throw new Error(`${args[index]} expects ${min}..${max}\n${USAGE}`);
  return value;
}

function parseOptions(args: string[]): BenchOptions {
  const suites = new Set<Suite>();
  let quick = false;
  let memory: boolean | undefined;
  const numbers = { warmupMs: -1, measureMs: -1, generators: 1, znodes: 1_000_000, failoverRounds: -1 };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === 'server' || arg === 'client' || arg === 'recipes' || arg === 'ensemble') suites.add(arg);
    else if (arg === '--quick') quick = true;
    else if (arg === '--memory') memory = true;
    else if (arg === '--no-memory') memory = false;
    else if (arg === '--warmup-ms') numbers.warmupMs = integerFlag(args, index++, 0, 60_000);
    else if (arg === '--measure-ms') numbers.measureMs = integerFlag(args, index++, 100, 60_000);
    else if (arg === '--generators') numbers.generators = integerFlag(args, index++, 1, 16);
    else if (arg === '--znodes') numbers.znodes = integerFlag(args, index++, 10_000, 10_000_000);
    else if (arg === '--failover-rounds') numbers.failoverRounds = integerFlag(args, index++, 1, 50);
    else throw new Error(`unknown argument '${arg}'\n${USAGE}`);
  }
  if (suites.size === 0) for (const suite of ['server', 'client', 'recipes'] as const) suites.add(suite);
  return {
    suites,
    quick,
    memory: memory ?? !quick,
    warmupMs: numbers.warmupMs >= 0 ? numbers.warmupMs : undefined,
    measureMs: numbers.measureMs >= 0 ? numbers.measureMs : undefined,
    generators: numbers.generators,
    znodes: numbers.znodes,
    failoverRounds: numbers.failoverRounds >= 1 ? numbers.failoverRounds : undefined,
  };
}

/** Everything started, so that any exit path can stop it. */
const started = {
  servers: [] as BenchServer[],
  workers: [] as LoadWorker[],
  ensembles: [] as BenchEnsemble[],
};

async function stopEverything(): Promise<void> {
  const { servers, workers, ensembles } = started;
  started.servers = [];
  started.workers = [];
  started.ensembles = [];
  await Promise.allSettled([
    ...workers.map((worker) => worker.stop()),
    ...servers.map((server) => server.stop()),
    ...ensembles.map((ensemble) => ensemble.stop()),
  ]);
}

async function startServers(): Promise<BenchServer[]> {
  // One after the other: both start faster without competing for two cores.
  const zookit = await startZookit();
  started.servers.push(zookit);
  const apache = await startApache();
  started.servers.push(apache);
  return [zookit, apache];
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Per-cell timing: the flags, else each suite's default. */
function timing(
  options: BenchOptions,
  full: { warmupMs: number; measureMs: number },
): { warmupMs: number; measureMs: number } {
  return {
    warmupMs: options.warmupMs ?? (options.quick ? 50 : full.warmupMs),
    measureMs: options.measureMs ?? (options.quick ? 150 : full.measureMs),
  };
}

async function serverSuite(options: BenchOptions, servers: readonly BenchServer[]): Promise<void> {
  const settings: ServerBenchSettings = {
    ...timing(options, { warmupMs: 1_000, measureMs: 2_500 }),
    generators: options.generators,
    memoryZnodes: options.memory ? options.znodes : 0,
  };
  log(
    `server benchmark: ${settings.warmupMs} ms warm-up + ${settings.measureMs} ms per cell, ${settings.generators} generator process(es)`,
  );
  const workers = Array.from({ length: settings.generators }, () => LoadWorker.start());
  started.workers.push(...workers);
  const grid = await runServerGrid(servers, workers, settings, log);
  for (const worker of workers) await worker.stop();
  console.log('\n## Server: raw-protocol load, 128-byte values\n');
  console.log(serverGridTable(grid));
}

async function memorySuite(options: BenchOptions): Promise<void> {
  if (!options.memory) {
    console.log('\n(memory step skipped: pass --memory)');
    return;
  }
  log(`memory: ${options.znodes} znodes of 100 bytes on fresh servers`);
  const fresh = await startServers();
  const memory = await runMemoryStep(fresh, options.znodes, log);
  console.log(`\n## Server: resident memory holding ${options.znodes} znodes of 100 bytes\n`);
  console.log(memoryTable(memory));
  await stopEverything();
}

async function clientSuite(options: BenchOptions, servers: readonly BenchServer[]): Promise<void> {
  // 48 runs (2 servers × 3 drivers × 8 cells): shorter windows keep the suite near 3 minutes.
  await runClientBench(servers, timing(options, { warmupMs: 700, measureMs: 2_000 }), started.workers, log);
}

/** Starts both servers once for the throughput suites and warms them up. */
async function warmServers(options: BenchOptions): Promise<BenchServer[]> {
  const servers = await startServers();
  const warmers = [LoadWorker.start()];
  started.workers.push(...warmers);
  await warmUpServers(servers, warmers, options.quick ? 300 : 4_000, log);
  for (const warmer of warmers) await warmer.stop();
  return servers;
}

/** Issue 7: both 3-server ensembles, throughput spread over the members, then failover rounds. */
async function ensembleSuite(options: BenchOptions): Promise<void> {
  const settings = {
    ...timing(options, { warmupMs: 1_000, measureMs: 2_500 }),
    preheatMs: options.quick ? 300 : 4_000,
    cells: ensembleCells(options.quick),
    failoverRounds: options.failoverRounds ?? (options.quick ? 2 : 7),
  };
  log(
    `ensemble benchmark: tickTime ${ENSEMBLE_TICK_MS} ms, ${settings.warmupMs} + ${settings.measureMs} ms per cell`,
  );
  // One after the other: six processes starting at once on two cores slow every election.
  const zookit = await startZookitEnsemble();
  started.ensembles.push(zookit);
  const apache = await startApacheEnsemble();
  started.ensembles.push(apache);
  const workers = [LoadWorker.start(), LoadWorker.start(), LoadWorker.start()];
  started.workers.push(...workers);
  const throughput = await runEnsembleThroughput([zookit, apache], workers, settings, log);
  for (const worker of workers) await worker.stop();
  console.log('\n## Ensemble: 3 servers each, clients spread over the members, 128-byte values\n');
  console.log(throughputTable(throughput));
  const failover = await runFailover([zookit, apache], settings.failoverRounds, log);
  console.log(
    `\n## Ensemble: leader failover (kill -9 under a light write load), tickTime ${ENSEMBLE_TICK_MS} ms\n`,
  );
  console.log(failoverTable(failover));
  await stopEverything();
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  installCleanup(stopEverything);
  const startedMs = performance.now();
  console.log(`# zookit benchmarks — ${new Date().toISOString()}`);
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  const { suites } = options;
  if (suites.has('server') || suites.has('client') || suites.has('recipes')) {
    // One pair of servers for the throughput suites (starting a JVM and warming it costs
    // seconds); the memory step gets fresh ones.
    const servers = await warmServers(options);
    if (suites.has('server')) await serverSuite(options, servers);
    if (suites.has('client')) await clientSuite(options, servers);
    if (suites.has('recipes')) await runRecipesBench(servers, options.quick, log);
    await stopEverything();
    if (suites.has('server')) await memorySuite(options);
  }
  if (suites.has('ensemble')) await ensembleSuite(options);
  log(`total ${((performance.now() - startedMs) / 1_000).toFixed(1)} s`);
}

main().then(
  async () => {
    await stopEverything();
    process.exit(0);
  },
  async (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await stopEverything();
    process.exit(1);
  },
);

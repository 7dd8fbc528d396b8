/**
 * Measures one client driver under load, for finding where a missed client goal goes:
 *
 *   node --import tsx test/bench/profile-client.ts \
 *     [zookit|node-zookeeper-client|raw] [getData|setData] CONNECTIONS OUTSTANDING \
 *     [--apache | --port P] [--warmup-ms N] [--measure-ms N]
 *
 * Starts its own server (zookit's by default, `--apache` for Apache's) or uses the one on
 * `--port` (many short runs against one warm server), runs the driver in this process and
 * prints ops/s, CPU µs/op and the measured window on CLOCK_MONOTONIC, so a profile of the
 * whole process can be cut to the window:
 *
 *   perf record -F 2000 -g --clockid monotonic -- node --perf-basic-prof --import tsx \
 *     test/bench/profile-client.ts zookit getData 1 256 --port P
 *   perf report --time START,END --no-children --sort sym
 *
 * perf counts on-CPU time only. V8's own profiler (`node --cpu-prof`) samples wall time:
 * a thread preempted inside a syscall (a loopback write wakes the server, which may take
 * this core) is charged to that syscall, so its `writeBuffer` share overstates the cost.
 */
import { parseArgs } from 'node:util';
import { prepareNzcLoad, prepareZookitLoad } from './client-load';
import { BenchOp, Driver, type LoadJob, LoadWindow } from './load-job';
import { prepareRawLoad } from './raw-load';
import { type BenchServer, startApache, startZookit } from './servers';
import { prepareBenchTree } from './tree-setup';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    apache: { type: 'boolean', default: false },
    port: { type: 'string' },
    'warmup-ms': { type: 'string', default: '1000' },
    'measure-ms': { type: 'string', default: '3000' },
  },
});
const [driverArg = 'zookit', opArg = 'getData', connectionsArg = '8', outstandingArg = '256'] = positionals;
const driver = Object.values(Driver).find((value) => value === driverArg) ?? Driver.zookit;
const op = opArg === 'setData' ? BenchOp.setData : BenchOp.getData;
const warmupMs = Number(values['warmup-ms']);
const measureMs = Number(values['measure-ms']);

/** CLOCK_MONOTONIC now, in seconds (perf's `--clockid monotonic` time base). */
function monotonicSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

const server: BenchServer | undefined =
  values.port !== undefined ? undefined : values.apache ? await startApache() : await startZookit();
const port = server?.port ?? Number(values.port);
try {
  await prepareBenchTree(port, 8, 128);
  const job: LoadJob = {
    driver,
    port,
    op,
    connections: Number(connectionsArg),
    outstanding: Number(outstandingArg),
    valueBytes: 128,
    warmupMs,
    measureMs,
    firstConnection: 0,
    nodeCount: 8,
    tag: 'profile',
  };
  const prepare =
    driver === Driver.raw ? prepareRawLoad : driver === Driver.zookit ? prepareZookitLoad : prepareNzcLoad;
  const load = await prepare(job);
  const window = new LoadWindow();
  const runStart = monotonicSeconds();
  await load.run(window);
  await load.close();
  const result = window.result();
  const rate = Math.round((result.operations * 1_000) / result.windowMs);
  console.log(
    `${driver} ${op} ${job.connections}c×${job.outstanding} on ${server?.name ?? `port ${port}`}: ${rate} ops/s, ${(result.cpuUs / result.operations).toFixed(2)} µs CPU/op (${(result.userCpuUs / result.operations).toFixed(2)} in user space); window ≈ ${(runStart + warmupMs / 1e3).toFixed(3)},${(runStart + (warmupMs + measureMs) / 1e3).toFixed(3)} s monotonic`,
  );
} finally {
  await server?.stop();
}
process.exit(0);

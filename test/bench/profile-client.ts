/**
 * Profiles one client driver under load, for finding where a missed client goal goes:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx test/bench/profile-client.ts \
 *     [zookit|node-zookeeper-client|raw] [getData|setData] CONNECTIONS OUTSTANDING [apache]
 *
 * Starts its own server (zookit's by default), runs the driver in this process for 3 s and
 * prints ops/s and CPU µs/op; the .cpuprofile lands in --cpu-prof-dir.
 */

import { prepareNzcLoad, prepareZookitLoad } from './client-load';
import { BenchOp, Driver, type LoadJob, LoadWindow } from './load-job';
import { prepareRawLoad } from './raw-load';
import { type BenchServer, startApache, startZookit } from './servers';
import { prepareBenchTree } from './tree-setup';

const [
  driverArg = 'zookit',
  opArg = 'getData',
  connectionsArg = '8',
  outstandingArg = '256',
  serverArg = 'zookit',
] = process.argv.slice(2);
const driver = Object.values(Driver).find((value) => value === driverArg) ?? Driver.zookit;
const op = opArg === 'setData' ? BenchOp.setData : BenchOp.getData;
const server: BenchServer = serverArg === 'apache' ? await startApache() : await startZookit();
try {
  await prepareBenchTree(server.port, 8, 128);
  const job: LoadJob = {
    driver,
    port: server.port,
    op,
    connections: Number(connectionsArg),
    outstanding: Number(outstandingArg),
    valueBytes: 128,
    warmupMs: 1_000,
    measureMs: 3_000,
    firstConnection: 0,
    nodeCount: 8,
    tag: 'profile',
  };
  const prepare =
    driver === Driver.raw ? prepareRawLoad : driver === Driver.zookit ? prepareZookitLoad : prepareNzcLoad;
  const load = await prepare(job);
  const window = new LoadWindow();
  await load.run(window);
  await load.close();
  const result = window.result();
  const rate = Math.round((result.operations * 1_000) / result.windowMs);
  console.log(
    `${driver} ${op} ${job.connections}c×${job.outstanding} on ${server.name}: ${rate} ops/s, ${(result.cpuUs / result.operations).toFixed(2)} µs CPU/op`,
  );
} finally {
  await server.stop();
}
process.exit(0);

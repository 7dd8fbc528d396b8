/**
 * Issue 7's benchmark: a 3-server zookit ensemble against a 3-server Apache ZooKeeper
 * ensemble on this machine, the same load on each, in one run:
 *
 * - throughput with clients spread evenly over the three members: getData, setData, and an
 *   80/20 read/write mix (every connection issues R R R R W … in order);
 * - leader failover: a light write load through both followers, `kill -9` of the leader,
 *   and the time from the kill to the first successful write issued after it (several
 *   rounds, the killed member restarted between rounds).
 *
 * Read and write cells run on the load-generator processes of worker-pool (one per member,
 * so every member gets its share of connections); the mix runs in this process with the same
 * raw-protocol technique (pipelined frames, reply headers only).
 */
import type { Socket } from 'node:net';
import { OpCode } from '../../src/protocol/constants';
import { Ids } from '../../src/protocol/data';
import { ErrorCode } from '../../src/protocol/errors';
import { FrameDecoder } from '../../src/protocol/framing';
import { writeRequest } from '../../src/protocol/records';
import { Writer } from '../../src/protocol/writer';
import { assert } from '../../src/util/assert';
import type { BenchEnsemble } from './ensemble-servers';
import {
  BenchOp,
  benchValue,
  DRAIN_TIMEOUT_MS,
  Driver,
  type LoadJob,
  LoadWindow,
  laneNodePath,
  waitFor,
} from './load-job';
import { openSocket } from './raw-load';
import { formatLatency, formatRate, formatRatio, markdownTable, verdict } from './report';
import { prepareBenchTree } from './tree-setup';
import { type LoadWorker, type MergedResult, mergeResults, runCell } from './worker-pool';

/** Value size of every write (as issue 3's benchmark). */
const VALUE_BYTES = 128;
/** Share of reads in the mixed cell: 4 reads then 1 write, per connection. */
const MIX_READS_PER_WRITE = 4;
/** Pause between a failover writer's reply and its next write ("light" load: ~100 writes/s each). */
const FAILOVER_WRITE_PAUSE_MS = 10;
/** Bound on one connection attempt of a failover writer (TCP + handshake). */
const FAILOVER_CONNECT_TIMEOUT_MS = 1_000;
/** Pause between a failover writer's connection attempts. */
const FAILOVER_RETRY_MS = 10;
/** Bound on one failover round (kill → first write). */
const FAILOVER_ROUND_TIMEOUT_MS = 30_000;
/** Parent of the failover writers' nodes. */
const FAILOVER_ROOT = '/zkbench-failover';
/** Issue 7's failover goal. */
const FAILOVER_GOAL_MS = 1_000;

/** How long and how hard the ensemble benchmark runs. */
export interface EnsembleBenchSettings {
  warmupMs: number;
  measureMs: number;
  /** JIT warm-up per ensemble before anything is measured. */
  preheatMs: number;
  /** Connections per member and requests in flight per connection of the throughput cells. */
  cells: readonly EnsembleCell[];
  failoverRounds: number;
}

/** One throughput cell. */
export interface EnsembleCell {
  load: 'reads' | 'writes' | 'mix';
  /** Connections on each member. */
  clientsPerMember: number;
  outstanding: number;
}

/** The cells of a full run and of `--quick`. */
export function ensembleCells(quick: boolean): EnsembleCell[] {
  const loads = ['reads', 'writes', 'mix'] as const;
  const shapes = quick
    ? [{ clientsPerMember: 4, outstanding: 16 }]
    : [
        { clientsPerMember: 1, outstanding: 1 },
        { clientsPerMember: 4, outstanding: 16 },
      ];
  return loads.flatMap((load) => shapes.map((shape) => ({ load, ...shape })));
}

/** One measured cell on one ensemble. */
interface CellResult {
  ensemble: string;
  cell: EnsembleCell;
  result: MergedResult | undefined;
  /** Reads among the measured replies (mix only). */
  readShare: number | undefined;
  failure: string | undefined;
  /** Leader before → after, when an election happened during the cell. */
  leaderChange: string | undefined;
}

function memberPorts(ensemble: BenchEnsemble): number[] {
  return ensemble.members.map((member) => member.port);
}

/** Read and write cells: one generator process per member, each with that member's clients. */
async function workerCell(
  ensemble: BenchEnsemble,
  workers: readonly LoadWorker[],
  cell: EnsembleCell,
  timing: { warmupMs: number; measureMs: number },
): Promise<MergedResult> {
  const ports = memberPorts(ensemble);
  assert(workers.length >= ports.length, 'a generator process per member');
  const jobs: LoadJob[] = ports.map((port, index) => ({
    driver: Driver.raw,
    port,
    op: cell.load === 'reads' ? BenchOp.getData : BenchOp.setData,
    connections: cell.clientsPerMember,
    outstanding: cell.outstanding,
    valueBytes: VALUE_BYTES,
    warmupMs: timing.warmupMs,
    measureMs: timing.measureMs,
    firstConnection: index * cell.clientsPerMember,
    nodeCount: lanesOf(cell),
    tag: `e${index}`,
  }));
  return runCell(workers.slice(0, jobs.length), jobs);
}

function lanesOf(cell: EnsembleCell): number {
  return cell.clientsPerMember * 3;
}

/** One mixed-load connection: pipelined R R R R W …, replies counted by kind in FIFO order. */
class MixedPipeline {
  private readonly decoder = new FrameDecoder();
  /** Send time and kind of each request in flight, oldest first. */
  private readonly inFlightQueue: { sentMs: number; read: boolean }[] = [];
  private sequence = 0;
  private xid = 1;
  reads = 0;
  failure: Error | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly window: LoadWindow,
    private readonly outstanding: number,
    private readonly path: string,
    private readonly value: Buffer,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => {
      this.failure ??= error;
    });
    socket.on('close', () => {
      this.failure ??= new Error('the server closed the connection');
    });
  }

  get inFlight(): number {
    return this.inFlightQueue.length;
  }

  start(): void {
    this.send(this.outstanding);
  }

  private receive(chunk: Buffer): void {
    this.decoder.push(chunk);
    const nowMs = performance.now();
    let replies = 0;
    for (let frame = this.decoder.next(); frame !== undefined; frame = this.decoder.next()) {
      if (frame.readInt32BE(0) < 0) continue; // ping reply or notification
      const sent = this.inFlightQueue.shift();
      assert(sent !== undefined, 'a reply answers a request in flight');
      const err = frame.readInt32BE(12);
      if (this.window.measuring && sent.read) this.reads += 1;
      this.window.complete(sent.sentMs, nowMs, err === 0 ? undefined : `error code ${err}`);
      replies += 1;
    }
    if (replies > 0 && !this.window.stopping) this.send(replies);
  }

  private send(count: number): void {
    const writer = new Writer(256 * count);
    const nowMs = performance.now();
    for (let index = 0; index < count; index++) {
      const read = this.sequence % (MIX_READS_PER_WRITE + 1) !== MIX_READS_PER_WRITE;
      this.sequence += 1;
      const xid = this.xid;
      this.xid = xid >= 0x7fff_fff0 ? 1 : xid + 1;
      if (read) writeRequest(writer, xid, OpCode.getData, { path: this.path, watch: false });
      else writeRequest(writer, xid, OpCode.setData, { path: this.path, data: this.value, version: -1 });
      this.inFlightQueue.push({ sentMs: nowMs, read });
    }
    this.socket.write(writer.finish());
  }
}

/** The 80/20 cell, generated in this process across every member. */
async function mixedCell(
  ensemble: BenchEnsemble,
  cell: EnsembleCell,
  timing: { warmupMs: number; measureMs: number },
): Promise<{ result: MergedResult; readShare: number }> {
  const ports = memberPorts(ensemble);
  const value = benchValue(VALUE_BYTES);
  const lanes = ports.flatMap((port) => Array.from({ length: cell.clientsPerMember }, () => port));
  const sockets = await Promise.all(lanes.map((port) => openSocket(port)));
  const window = new LoadWindow();
  const pipelines = sockets.map(
    (socket, lane) =>
      new MixedPipeline(socket, window, cell.outstanding, laneNodePath(lane, lanes.length), value),
  );
  try {
    for (const pipeline of pipelines) pipeline.start();
    await window.run(timing.warmupMs, timing.measureMs);
    await waitFor(
      () => pipelines.every((pipeline) => pipeline.inFlight === 0 || pipeline.failure),
      DRAIN_TIMEOUT_MS,
    );
    const failure = pipelines.find((pipeline) => pipeline.failure !== undefined)?.failure;
    if (failure !== undefined) throw failure;
  } finally {
    for (const socket of sockets) socket.destroy();
  }
  const reads = pipelines.reduce((sum, pipeline) => sum + pipeline.reads, 0);
  const result = mergeResults([window.result()]);
  return { result, readShare: result.operations > 0 ? reads / result.operations : Number.NaN };
}

async function leaderOf(ensemble: BenchEnsemble): Promise<number> {
  return ensemble.waitForQuorum(30_000);
}

/** Runs one cell on one ensemble; a failure is recorded, not thrown, so the run completes. */
async function measureCell(
  ensemble: BenchEnsemble,
  workers: readonly LoadWorker[],
  cell: EnsembleCell,
  timing: { warmupMs: number; measureMs: number },
): Promise<CellResult> {
  const leaderBefore = await leaderOf(ensemble);
  const outcome: CellResult = {
    ensemble: ensemble.name,
    cell,
    result: undefined,
    readShare: undefined,
    failure: undefined,
    leaderChange: undefined,
  };
  try {
    if (cell.load === 'mix') {
      const mixed = await mixedCell(ensemble, cell, timing);
      outcome.result = mixed.result;
      outcome.readShare = mixed.readShare;
    } else {
      outcome.result = await workerCell(ensemble, workers, cell, timing);
    }
  } catch (error) {
    outcome.failure = error instanceof Error ? error.message : String(error);
  }
  const leaderAfter = await leaderOf(ensemble);
  if (leaderAfter !== leaderBefore) outcome.leaderChange = `${leaderBefore} → ${leaderAfter}`;
  return outcome;
}

/** Creates the lanes on each ensemble and warms both (the JVM's JIT above all) before measuring. */
async function prepareEnsembles(
  ensembles: readonly BenchEnsemble[],
  workers: readonly LoadWorker[],
  settings: EnsembleBenchSettings,
  log: (line: string) => void,
): Promise<void> {
  const lanes = Math.max(...settings.cells.map(lanesOf));
  for (const ensemble of ensembles) {
    await prepareBenchTree(ensemble.members[0]?.port ?? 0, lanes, VALUE_BYTES);
    if (settings.preheatMs <= 0) continue;
    log(`${ensemble.name}: warm-up ${settings.preheatMs} ms`);
    // A warm-up cut short (an election on a loaded machine) is noted, not fatal: cells record their own failures.
    await warmUp(ensemble, workers, lanes, settings.preheatMs).catch(async (error: unknown) => {
      log(
        `${ensemble.name}: warm-up failed (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
      );
      await ensemble.waitForQuorum();
    });
  }
}

async function warmUp(
  ensemble: BenchEnsemble,
  workers: readonly LoadWorker[],
  lanes: number,
  totalMs: number,
) {
  for (const load of ['reads', 'writes'] as const) {
    const cell: EnsembleCell = { load, clientsPerMember: Math.ceil(lanes / 3), outstanding: 16 };
    await workerCell(ensemble, workers, cell, { warmupMs: totalMs / 2, measureMs: 100 });
  }
  await mixedCell(
    ensemble,
    { load: 'mix', clientsPerMember: 2, outstanding: 8 },
    { warmupMs: 100, measureMs: 100 },
  );
}

/** The throughput cells, each run on every ensemble in turn (interleaved, so drift hits all alike). */
export async function runEnsembleThroughput(
  ensembles: readonly BenchEnsemble[],
  workers: readonly LoadWorker[],
  settings: EnsembleBenchSettings,
  log: (line: string) => void,
): Promise<CellResult[]> {
  await prepareEnsembles(ensembles, workers, settings, log);
  const results: CellResult[] = [];
  for (const cell of settings.cells) {
    for (const ensemble of ensembles) {
      const result = await measureCell(ensemble, workers, cell, settings);
      log(
        `${ensemble.name} ${cell.load} ${cell.clientsPerMember}×3 clients × ${cell.outstanding}: ` +
          (result.result !== undefined
            ? `${formatRate(result.result.opsPerSecond)} ops/s`
            : `failed: ${result.failure}`) +
          (result.leaderChange !== undefined ? ` (leader changed ${result.leaderChange})` : ''),
      );
      results.push(result);
    }
  }
  return results;
}

function describeCell(cell: EnsembleCell): string {
  const load = cell.load === 'reads' ? 'getData' : cell.load === 'writes' ? 'setData' : 'mix 80/20';
  return `${load}, ${cell.clientsPerMember * 3} clients (${cell.clientsPerMember}/member) × ${cell.outstanding}`;
}

function rateCell(result: CellResult | undefined): string {
  if (result?.result === undefined) return 'failed';
  const errors = result.result.errors > 0 ? ` (${result.result.errors} errors)` : '';
  const election = result.leaderChange !== undefined ? ' (election!)' : '';
  return `${formatRate(result.result.opsPerSecond)}${errors}${election}`;
}

function latencyCell(result: CellResult | undefined): string {
  if (result?.result === undefined) return '–';
  return `${formatLatency(result.result.p50Us)} / ${formatLatency(result.result.p99Us)}`;
}

/** The throughput table: zookit and Apache per cell, the ratio, and issue 7's goal (≥ 1.0×). */
export function throughputTable(results: readonly CellResult[]): string {
  const cells = [...new Set(results.map((result) => result.cell))];
  const rows = cells.map((cell) => {
    const zookit = results.find((result) => result.cell === cell && result.ensemble === 'zookit');
    const apache = results.find((result) => result.cell === cell && result.ensemble === 'Apache');
    const ratio =
      zookit?.result !== undefined && apache?.result !== undefined
        ? zookit.result.opsPerSecond / apache.result.opsPerSecond
        : Number.NaN;
    const share = zookit?.readShare !== undefined ? ` (reads ${(zookit.readShare * 100).toFixed(0)} %)` : '';
    return [
      `${describeCell(cell)}${share}`,
      rateCell(zookit),
      rateCell(apache),
      formatRatio(ratio),
      latencyCell(zookit),
      latencyCell(apache),
      verdict(Number.isFinite(ratio) ? ratio >= 1 : undefined),
    ];
  });
  return markdownTable(
    [
      'load',
      'zookit ops/s',
      'Apache ops/s',
      'zookit/Apache',
      'zookit p50 / p99',
      'Apache p50 / p99',
      'goal ≥ 1.0×',
    ],
    rows,
  );
}

/** One failover writer: a session on one member writing every few ms, reconnecting (new session) when cut. */
class FailoverWriter {
  private socket: Socket | undefined;
  private stopped = false;
  /** performance.now() of the first successful write sent at or after `since`. */
  firstSuccessMs: number | undefined;
  private since = Number.POSITIVE_INFINITY;
  private readonly done: Promise<void>;

  constructor(
    private readonly port: number,
    private readonly path: string,
  ) {
    this.done = this.loop();
  }

  /** Starts looking for the first write issued at or after `sinceMs`. */
  watchFrom(sinceMs: number): void {
    this.since = sinceMs;
    this.firstSuccessMs = undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.socket?.destroy();
    await this.done;
    this.socket?.destroy(); // one connected while stopping
  }

  private async loop(): Promise<void> {
    const value = benchValue(VALUE_BYTES);
    // Bounded: each pass either writes or waits FAILOVER_RETRY_MS; the round's timeout stops it.
    while (!this.stopped) {
      this.socket ??= await connectWithin(this.port, FAILOVER_CONNECT_TIMEOUT_MS);
      if (this.socket === undefined) {
        await sleep(FAILOVER_RETRY_MS);
        continue;
      }
      const sentMs = performance.now();
      const err = await requestOnce(this.socket, (writer) =>
        writeRequest(writer, 1, OpCode.setData, { path: this.path, data: value, version: -1 }),
      );
      if (err !== 0) {
        this.socket.destroy();
        this.socket = undefined;
        continue;
      }
      if (sentMs >= this.since && this.firstSuccessMs === undefined) this.firstSuccessMs = performance.now();
      await sleep(FAILOVER_WRITE_PAUSE_MS);
    }
  }
}

/** A new session on `port`, or undefined when none is established within `timeoutMs`. */
async function connectWithin(port: number, timeoutMs: number): Promise<Socket | undefined> {
  const attempt = openSocket(port).catch(() => undefined);
  const timedOut = Symbol('timeout');
  const outcome = await Promise.race([attempt, sleep(timeoutMs).then(() => timedOut)]);
  if (outcome === timedOut) {
    // A late handshake must not leak its socket.
    void attempt.then((late) => late?.destroy());
    return undefined;
  }
  return outcome as Socket | undefined;
}

/** One request on a raw session: its reply's error code, or undefined when the connection is cut. */
function requestOnce(socket: Socket, encode: (writer: Writer) => Writer): Promise<number | undefined> {
  // A socket the server already closed never emits 'close' again: answer at once.
  if (socket.destroyed || !socket.writable) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const decoder = new FrameDecoder();
    const finish = (err: number | undefined): void => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      socket.removeListener('error', onClose);
      resolve(err);
    };
    const onData = (chunk: Buffer): void => {
      decoder.push(chunk);
      for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) {
        if (frame.readInt32BE(0) < 0) continue; // ping reply or notification
        finish(frame.readInt32BE(12));
        return;
      }
    };
    const onClose = (): void => finish(undefined);
    // A request that hangs across an election is abandoned and the session replaced.
    const timer = setTimeout(() => finish(undefined), FAILOVER_ROUND_TIMEOUT_MS);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onClose);
    socket.write(encode(new Writer()).finish());
  });
}

/** The failover writers' nodes (one per follower); existing ones are fine. */
async function createFailoverNodes(ensemble: BenchEnsemble): Promise<void> {
  const socket = await openSocket(ensemble.members[0]?.port ?? 0);
  try {
    for (const path of [FAILOVER_ROOT, failoverPath(0), failoverPath(1)]) {
      const err = await requestOnce(socket, (writer) =>
        writeRequest(writer, 1, OpCode.create, { path, data: null, acl: [...Ids.OPEN_ACL_UNSAFE], flags: 0 }),
      );
      if (err !== 0 && err !== ErrorCode.NODEEXISTS) throw new Error(`create ${path} failed: error ${err}`);
    }
  } finally {
    socket.destroy();
  }
}

function failoverPath(index: number): string {
  return `${FAILOVER_ROOT}/w${index}`;
}

/** What the failover rounds of one ensemble measured. */
export interface FailoverResult {
  ensemble: string;
  /** Kill → first successful write, ms, per round (undefined: no write within the bound). */
  roundsMs: (number | undefined)[];
}

/** One round: writers on both followers, kill -9 the leader, time to the first write; restart it. */
async function failoverRound(ensemble: BenchEnsemble): Promise<number | undefined> {
  const leader = await ensemble.waitForQuorum();
  const followers = ensemble.members.filter((member) => member.id !== leader);
  const writers = followers.map((member, index) => new FailoverWriter(member.port, failoverPath(index)));
  try {
    await sleep(300); // the light load runs before the kill
    const killedAtMs = performance.now();
    for (const writer of writers) writer.watchFrom(killedAtMs);
    await ensemble.kill(leader);
    const wrote = await waitFor(
      () => writers.some((writer) => writer.firstSuccessMs !== undefined),
      FAILOVER_ROUND_TIMEOUT_MS,
    );
    const firstMs = Math.min(...writers.map((writer) => writer.firstSuccessMs ?? Number.POSITIVE_INFINITY));
    return wrote ? firstMs - killedAtMs : undefined;
  } finally {
    await Promise.all(writers.map((writer) => writer.stop()));
    await ensemble.start(leader);
    await ensemble.waitForQuorum();
  }
}

/** Failover rounds on each ensemble in turn. */
export async function runFailover(
  ensembles: readonly BenchEnsemble[],
  rounds: number,
  log: (line: string) => void,
): Promise<FailoverResult[]> {
  for (const ensemble of ensembles) await createFailoverNodes(ensemble);
  const results = ensembles.map((ensemble) => ({
    ensemble: ensemble.name,
    roundsMs: [] as (number | undefined)[],
  }));
  for (let round = 0; round < rounds; round++) {
    for (const [index, ensemble] of ensembles.entries()) {
      const elapsed = await failoverRound(ensemble);
      results[index]?.roundsMs.push(elapsed);
      log(
        `${ensemble.name} failover round ${round + 1}: ${elapsed === undefined ? 'no write' : `${elapsed.toFixed(0)} ms`}`,
      );
    }
  }
  return results;
}

function percentileMs(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

/** Failover summary per ensemble, p50/max, the ratio and issue 7's goals. */
export function failoverTable(results: readonly FailoverResult[]): string {
  const summary = results.map((result) => {
    const measured = result.roundsMs.filter((value): value is number => value !== undefined);
    return {
      ...result,
      p50: percentileMs(measured, 0.5),
      max: measured.length === result.roundsMs.length ? Math.max(...measured) : Number.POSITIVE_INFINITY,
    };
  });
  const apache = summary.find((entry) => entry.ensemble === 'Apache');
  const rows = summary.map((entry) => {
    const ratio = apache !== undefined ? entry.p50 / apache.p50 : Number.NaN;
    const goal =
      entry.ensemble === 'zookit'
        ? verdict(entry.max < FAILOVER_GOAL_MS && apache !== undefined && entry.p50 <= apache.p50)
        : 'n/a';
    return [
      entry.ensemble,
      entry.roundsMs.map((value) => (value === undefined ? 'none' : value.toFixed(0))).join(', '),
      `${entry.p50.toFixed(0)} ms`,
      Number.isFinite(entry.max) ? `${entry.max.toFixed(0)} ms` : 'no write in a round',
      formatRatio(ratio),
      goal,
    ];
  });
  return markdownTable(
    [
      'ensemble',
      'rounds (ms, kill → first write)',
      'p50',
      'max',
      'p50 vs Apache',
      'goal: max < 1 s, p50 ≤ Apache',
    ],
    rows,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

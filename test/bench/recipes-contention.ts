/**
 * The lock-handoff measurement of issue 5: contenders loop acquire → release on one
 * InterProcessMutex and record, per hold, when each step happened. Every timestamp is
 * CLOCK_MONOTONIC (`process.hrtime`), which Linux shares between processes, so holds
 * recorded in separate contender processes line up on one time axis; holds are put in
 * lock order by their fencing token (the lock node's czxid, strictly increasing).
 *
 * Handoff = the next holder's `acquire()` resolving − the holder calling `release()`.
 * Its parts: the holder's delete round trip (release called → release resolved), the
 * notification (release called → the waiter's predecessor watch firing) and the waiter's
 * decision (watch fired → acquire resolved).
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { InterProcessMutex } from '../../recipes/lock/index';
import { ZooKit, type ZooKitClient } from '../../src/index';
import { assert } from '../../src/util/assert';
import { LatencyHistogram } from './histogram';
import { forkTracked, stopChild } from './processes';
import type { ContenderCommand, ContenderReply } from './recipes-contender';

const CONTENDER_PATH = fileURLToPath(new URL('./recipes-contender.ts', import.meta.url));
/** Session timeout of the contenders' clients. */
const SESSION_TIMEOUT_MS = 10_000;
/** Bound on a contender process starting and connecting. */
const PREPARE_TIMEOUT_MS = 30_000;
/** Holds each contender takes before the measured ones (see {@link contend}). */
export const WARM_UP_HOLDS = 40;

/** Bound on one acquire. */
export const ACQUIRE_TIMEOUT_MS = 15_000;

/** One hold, as its contender saw it (times in µs on the shared monotonic clock). */
export interface HoldRecord {
  /** The lock node's czxid, as decimal text (IPC carries JSON). */
  token: string;
  acquireCalledUs: number;
  /** The last predecessor watch that fired during this acquire (undefined: none fired). */
  watchFiredUs: number | undefined;
  acquiredUs: number;
  releaseCalledUs: number;
  releasedUs: number;
  /** A warm-up hold (before the code paths were compiled): not measured. */
  warmUp: boolean;
  /** The lock was taken on the predecessor's deletion without reading the children. */
  withoutRead: boolean;
}

/** Microseconds on CLOCK_MONOTONIC: comparable across processes of this machine. */
export function monotonicUs(): number {
  const nanoseconds = process.hrtime.bigint();
  return Number(nanoseconds / 1_000n) + Number(nanoseconds % 1_000n) / 1_000;
}

/**
 * Acquires and releases the mutex on `path` `warmUpHolds + holds` times, holding it `holdMs`
 * each time (the work done under the lock), recording each hold.
 * The warm-up holds let V8 compile the acquire and release paths first: a contender process
 * that has taken the lock a handful of times still runs them in the interpreter.
 */
export async function contend(
  client: ZooKitClient,
  path: string,
  holds: number,
  warmUpHolds: number,
  holdMs: number,
  headMarker = true,
): Promise<HoldRecord[]> {
  let watchFiredUs: number | undefined;
  let withoutRead = false;
  const mutex = new InterProcessMutex(client, path, {
    headMarker,
    onWatchFired: () => {
      watchFiredUs = monotonicUs();
    },
    onHandoffWithoutRead: () => {
      withoutRead = true;
    },
  });
  const records: HoldRecord[] = [];
  for (let hold = 0; hold < warmUpHolds + holds; hold++) {
    watchFiredUs = undefined;
    withoutRead = false;
    const acquireCalledUs = monotonicUs();
    const handle = await mutex.acquire({ timeoutMs: ACQUIRE_TIMEOUT_MS });
    if (handle === false) throw new Error(`lock not acquired within ${ACQUIRE_TIMEOUT_MS} ms`);
    const acquiredUs = monotonicUs();
    const firedUs = watchFiredUs;
    if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
    const releaseCalledUs = monotonicUs();
    await handle.release();
    const releasedUs = monotonicUs();
    records.push({
      token: handle.fencingToken.toString(),
      acquireCalledUs,
      watchFiredUs: firedUs,
      acquiredUs,
      releaseCalledUs,
      releasedUs,
      warmUp: hold < warmUpHolds,
      withoutRead,
    });
  }
  return records;
}

/** Handoff latencies and their parts, over the holds taken while every contender queued. */
export interface HandoffFigures {
  contenders: number;
  /** Handoffs measured. */
  count: number;
  handoff: LatencyHistogram;
  /** The holder's delete round trip (release called → resolved). */
  deleteRoundTrip: LatencyHistogram;
  /** Release called → the next holder's predecessor watch fired. */
  notification: LatencyHistogram;
  /** The next holder's watch fired → its acquire resolved. */
  decision: LatencyHistogram;
  /**
   * Per handoff, the handoff minus the holder's delete round trip, µs (negative when the
   * waiter had the lock before the holder had its reply): what the handoff costs beyond one
   * write round trip taken at the same moment, under the same load.
   */
  beyondDeleteUs: number[];
  /**
   * Handoffs where the next holder got the lock without a watch firing (its first look at
   * the children already put it first: the release came between its create and that look).
   */
  withoutWatch: number;
  /** Handoffs where the next holder took the lock on the deletion without reading the children. */
  withoutRead: number;
  /** Holds whose acquire started after the previous holder's release: no handoff, not measured. */
  notQueued: number;
}

/**
 * Puts every contender's holds in lock order and measures each handoff to a waiter in the
 * steady state: handoffs to or from a warm-up hold (the queue forms during the warm-up),
 * holds whose acquire began only after the previous release (no waiter to hand to), and
 * every hold after the first contender finished (fewer waiters from then on) are left out.
 */
export function analyseHandoffs(perContender: readonly (readonly HoldRecord[])[]): HandoffFigures {
  const contenders = perContender.length;
  const holds = perContender.flat().sort((left, right) => compareTokens(left.token, right.token));
  for (let index = 1; index < holds.length; index++) {
    assert(holds[index - 1]?.token !== holds[index]?.token, 'two holds with one fencing token');
  }
  const firstFinishedUs = Math.min(...perContender.map((records) => records.at(-1)?.releaseCalledUs ?? 0));
  const figures: HandoffFigures = {
    contenders,
    count: 0,
    handoff: new LatencyHistogram(),
    deleteRoundTrip: new LatencyHistogram(),
    notification: new LatencyHistogram(),
    decision: new LatencyHistogram(),
    beyondDeleteUs: [],
    withoutWatch: 0,
    withoutRead: 0,
    notQueued: 0,
  };
  for (let index = 0; index + 1 < holds.length; index++) {
    const holder = holds[index];
    const next = holds[index + 1];
    assert(holder !== undefined && next !== undefined, 'index within the holds');
    if (next.acquiredUs > firstFinishedUs) break;
    if (holder.warmUp || next.warmUp) continue;
    assert(next.acquiredUs >= holder.releaseCalledUs, 'the next holder acquires after the release');
    if (next.acquireCalledUs >= holder.releaseCalledUs) {
      figures.notQueued += 1; // it came after the release: nobody was waiting
      continue;
    }
    figures.count += 1;
    if (next.withoutRead) figures.withoutRead += 1;
    figures.handoff.record(next.acquiredUs - holder.releaseCalledUs);
    figures.deleteRoundTrip.record(holder.releasedUs - holder.releaseCalledUs);
    figures.beyondDeleteUs.push(next.acquiredUs - holder.releasedUs);
    if (next.watchFiredUs === undefined || next.watchFiredUs < holder.releaseCalledUs) {
      figures.withoutWatch += 1;
      continue;
    }
    figures.notification.record(next.watchFiredUs - holder.releaseCalledUs);
    figures.decision.record(next.acquiredUs - next.watchFiredUs);
  }
  return figures;
}

/** The median of `values` (NaN for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function compareTokens(left: string, right: string): number {
  const difference = BigInt(left) - BigInt(right);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

/** Write (setData) and read (getData) round trip p50s of one client, one request at a time. */
export async function roundTripsUs(
  port: number,
  path: string,
  count: number,
): Promise<{ writeUs: number; readUs: number }> {
  const client = ZooKit.newClient(`127.0.0.1:${port}`, { sessionTimeoutMs: 10_000 });
  const writes = new LatencyHistogram();
  const reads = new LatencyHistogram();
  try {
    await client.start();
    await client.create(path, Buffer.alloc(16), { creatingParentsIfNeeded: true }).catch(() => undefined);
    for (let index = 0; index < count; index++) {
      let startedMs = performance.now();
      await client.setData(path, Buffer.alloc(16, index));
      writes.record((performance.now() - startedMs) * 1_000);
      startedMs = performance.now();
      await client.getData(path);
      reads.record((performance.now() - startedMs) * 1_000);
    }
  } finally {
    await client.close();
  }
  return { writeUs: writes.percentileUs(0.5), readUs: reads.percentileUs(0.5) };
}

/** What is measured: `handoffs` handoffs among `contenders`, each holding the lock `holdMs`. */
export interface Contention {
  contenders: number;
  handoffs: number;
  holdMs: number;
  /** The mutex's head marker (default on). */
  headMarker?: boolean;
}

/** Where the contenders run: as separate processes (like services), or all in this one. */
export type ContenderPlacement = 'processes' | 'oneProcess';

/**
 * Measures `handoffs` lock handoffs among `contenders` contenders (each takes enough holds
 * that the steady state spans at least `handoffs` handoffs) on the server at `port`.
 */
export async function measureHandoffs(
  port: number,
  path: string,
  contention: Contention,
  placement: ContenderPlacement,
): Promise<HandoffFigures> {
  const { contenders, handoffs } = contention;
  const headMarker = contention.headMarker ?? true;
  assert(contenders >= 2, 'a handoff needs two contenders');
  // The queue thins out during the last round: one spare round.
  const holds = Math.ceil(handoffs / contenders) + 1;
  const perContender =
    placement === 'processes'
      ? await contendInProcesses(port, path, contenders, holds, contention.holdMs, headMarker)
      : await contendInThisProcess(port, path, contenders, holds, contention.holdMs, headMarker);
  const measured = analyseHandoffs(perContender);
  assert(measured.count > 0, 'some handoffs were measured');
  return measured;
}

async function contendInThisProcess(
  port: number,
  path: string,
  contenders: number,
  holds: number,
  holdMs: number,
  headMarker: boolean,
): Promise<HoldRecord[][]> {
  const clients = Array.from({ length: contenders }, () =>
    ZooKit.newClient(`127.0.0.1:${port}`, { sessionTimeoutMs: SESSION_TIMEOUT_MS }),
  );
  try {
    await Promise.all(clients.map((client) => client.start()));
    return await Promise.all(
      clients.map((client) => contend(client, path, holds, WARM_UP_HOLDS, holdMs, headMarker)),
    );
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
  }
}

async function contendInProcesses(
  port: number,
  path: string,
  contenders: number,
  holds: number,
  holdMs: number,
  headMarker: boolean,
): Promise<HoldRecord[][]> {
  const children = Array.from({ length: contenders }, () => forkTracked(CONTENDER_PATH));
  try {
    const prepare: ContenderCommand = {
      type: 'prepare',
      port,
      path,
      holds,
      holdMs,
      headMarker,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
    };
    await Promise.all(children.map((child) => request(child, prepare, 'ready', PREPARE_TIMEOUT_MS)));
    // Every contender's whole run, bounded: each hold waits for at most all the others'.
    const runTimeoutMs = ACQUIRE_TIMEOUT_MS * 2 + (WARM_UP_HOLDS + holds) * contenders * (100 + holdMs);
    const replies = await Promise.all(
      children.map((child) => request(child, { type: 'go' }, 'result', runTimeoutMs)),
    );
    return replies.map((reply) => {
      assert(reply.type === 'result', 'a contender answers go with its result');
      return reply.records;
    });
  } finally {
    for (const child of children)
      if (child.connected) child.send({ type: 'exit' } satisfies ContenderCommand);
    await Promise.all(children.map((child) => stopChild(child, 2_000)));
  }
}

/** Sends `command` and waits for the reply of type `expected` (a failure or exit rejects). */
function request(
  child: ChildProcess,
  command: ContenderCommand,
  expected: ContenderReply['type'],
  timeoutMs: number,
): Promise<ContenderReply> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: ContenderReply): void => {
      cleanup();
      if (message.type === expected) resolve(message);
      else reject(new Error(`contender: ${message.type === 'failed' ? message.message : message.type}`));
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`contender exited (code ${code}) before '${expected}'`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`contender: no '${expected}' within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(command);
  });
}

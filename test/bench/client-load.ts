/**
 * Load from a real client: zookit's (`ZooKit.newClient`, promises, the way its users call
 * it) or node-zookeeper-client (callbacks, the way its users call it). Each connection is
 * one client with its own session, keeping `outstanding` calls in flight: every completed
 * call issues the next one until the window stops.
 */
import { createRequire } from 'node:module';
import { ZooKit, type ZooKitClient } from '../../src/index';
import { assert } from '../../src/util/assert';
import {
  BenchOp,
  benchValue,
  CREATE_PARENT,
  DRAIN_TIMEOUT_MS,
  type LoadJob,
  type LoadWindow,
  laneNodePath,
  waitFor,
} from './load-job';
import type { PreparedLoad } from './raw-load';

/** Session timeout both clients ask for. */
const SESSION_TIMEOUT_MS = 30_000;
/** Bound on a client reaching CONNECTED. */
const CONNECT_TIMEOUT_MS = 10_000;

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Keeps `outstanding` calls in flight on one lane until the window stops; counts in-flight calls. */
function pumpLane(
  window: LoadWindow,
  outstanding: number,
  call: (done: (error: unknown) => void) => void,
): { inFlight: () => number } {
  let inFlight = 0;
  const issue = (): void => {
    const sentMs = performance.now();
    inFlight += 1;
    call((error) => {
      inFlight -= 1;
      window.complete(sentMs, performance.now(), error == null ? undefined : describeError(error));
      if (!window.stopping) issue();
    });
  };
  for (let index = 0; index < outstanding; index++) issue();
  return { inFlight: () => inFlight };
}

/** Runs lanes through a window, then waits (bounded) for their last replies. */
async function runLanes(
  job: LoadJob,
  window: LoadWindow,
  lanes: readonly ((done: (error: unknown) => void) => void)[],
): Promise<void> {
  const pumps = lanes.map((call) => pumpLane(window, job.outstanding, call));
  await window.run(job.warmupMs, job.measureMs);
  await waitFor(() => pumps.every((pump) => pump.inFlight() === 0), DRAIN_TIMEOUT_MS);
}

/** zookit's client: each slot chains its next call on the previous call's promise. */
export async function prepareZookitLoad(job: LoadJob): Promise<PreparedLoad> {
  const value = benchValue(job.valueBytes);
  const clients: ZooKitClient[] = [];
  for (let index = 0; index < job.connections; index++) {
    const client = ZooKit.newClient(`127.0.0.1:${job.port}`, {
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      connectionTimeoutMs: CONNECT_TIMEOUT_MS,
    });
    clients.push(client);
  }
  await Promise.all(clients.map((client) => client.start()));
  return {
    async run(window) {
      const lanes = clients.map((client, index) => {
        const lane = job.firstConnection + index;
        const path = laneNodePath(lane, job.nodeCount);
        const prefix = `${CREATE_PARENT}/${job.tag}-${lane}-`;
        let counter = 0;
        const operation = (): Promise<unknown> => {
          if (job.op === BenchOp.getData) return client.getData(path);
          if (job.op === BenchOp.setData) return client.setData(path, value);
          return client.create(`${prefix}${counter++}`, value);
        };
        return (done: (error: unknown) => void) => {
          operation().then(() => done(undefined), done);
        };
      });
      await runLanes(job, window, lanes);
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
    },
  };
}

/** The slice of node-zookeeper-client's API the benchmark calls (it ships no types). */
interface NzcClient {
  connect(): void;
  close(): void;
  once(event: 'connected', listener: () => void): void;
  getData(path: string, callback: (error: unknown, data: Buffer, stat: unknown) => void): void;
  setData(path: string, data: Buffer, callback: (error: unknown, stat: unknown) => void): void;
  create(path: string, data: Buffer, callback: (error: unknown, path: string) => void): void;
}
interface NzcModule {
  createClient(connectString: string, options: { sessionTimeout: number; retries: number }): NzcClient;
}

function connectNzc(module: NzcModule, port: number): Promise<NzcClient> {
  const client = module.createClient(`127.0.0.1:${port}`, { sessionTimeout: SESSION_TIMEOUT_MS, retries: 0 });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`node-zookeeper-client did not connect within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

/** node-zookeeper-client: callbacks, its native style. */
export async function prepareNzcLoad(job: LoadJob): Promise<PreparedLoad> {
  const module = createRequire(import.meta.url)('node-zookeeper-client') as NzcModule;
  assert(typeof module.createClient === 'function', 'node-zookeeper-client exports createClient');
  const value = benchValue(job.valueBytes);
  const clients = await Promise.all(
    Array.from({ length: job.connections }, () => connectNzc(module, job.port)),
  );
  return {
    async run(window) {
      const lanes = clients.map((client, index) => {
        const lane = job.firstConnection + index;
        const path = laneNodePath(lane, job.nodeCount);
        const prefix = `${CREATE_PARENT}/${job.tag}-${lane}-`;
        let counter = 0;
        return (done: (error: unknown) => void) => {
          if (job.op === BenchOp.getData) client.getData(path, (error) => done(error));
          else if (job.op === BenchOp.setData) client.setData(path, value, (error) => done(error));
          else client.create(`${prefix}${counter++}`, value, (error) => done(error));
        };
      });
      await runLanes(job, window, lanes);
    },
    async close() {
      for (const client of clients) client.close();
      // close() only queues closeSession; give it a moment to reach the server.
      await new Promise((resolve) => setTimeout(resolve, 200));
    },
  };
}

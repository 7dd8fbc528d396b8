/**
 * The servers every client integration test runs against. Each test file iterates
 * {@link backends} through {@link describeEachBackend}. The bundled server also offers its
 * `TestingServer` fault hooks (`TestServer.faults`), which Apache has no equivalent of.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { TestingCluster } from '../../../server/testing/testing-cluster';
import { TestingServer } from '../../../server/testing/testing-server';
import { ZooKit, type ZooKitClient } from '../../../src/client/client';
import type { ClientOptions } from '../../../src/types';
import { describeApache, startApacheZooKeeper } from '../../support/apache';

/** A running server a test talks to. */
export interface TestServer {
  readonly host: string;
  readonly port: number;
  readonly connectString: string;
  stop(): Promise<void>;
  /** Stops and starts it on the same port, keeping its data. */
  restart(): Promise<void>;
  /** The bundled server's fault hooks (`dropNextReply`, `expireSession`…); absent for Apache. */
  readonly faults?: TestingServer;
}

/** Options a suite may ask of its server. */
export interface TestServerOptions {
  tickTime?: number;
  minSessionTimeout?: number;
  maxSessionTimeout?: number;
}

/** One kind of server. */
export interface Backend {
  readonly name: string;
  /** `describe`, or a variant that skips/fails when the backend is not installed. */
  readonly describe: (title: string, body: () => void) => void;
  start(options?: TestServerOptions): Promise<TestServer>;
  /** Stops the server process abruptly for fault tests (kill); default: `stop` semantics via restart. */
}

/** Apache ZooKeeper 3.8 from Debian's package. */
export const apacheBackend: Backend = {
  name: 'apache',
  describe: describeApache,
  start: (options = {}) => startApacheZooKeeper(options),
};

/** zookit's own server, in process, with a temporary data dir. */
export const bundledBackend: Backend = {
  name: 'zookit',
  describe,
  async start(options = {}) {
    const server = await TestingServer.start({
      tickTimeMs: options.tickTime ?? 2000,
      extendedTypesEnabled: true,
      ...(options.minSessionTimeout !== undefined ? { minSessionTimeoutMs: options.minSessionTimeout } : {}),
      ...(options.maxSessionTimeout !== undefined ? { maxSessionTimeoutMs: options.maxSessionTimeout } : {}),
    });
    return {
      host: '127.0.0.1',
      port: server.port,
      connectString: server.connectString,
      stop: () => server.close(),
      restart: () => server.restart(),
      faults: server,
    };
  },
};

/**
 * zookit's server as a 3-member ensemble in process; the client talks to one follower only,
 * so every write is forwarded to the leader and every reply comes after the follower applied
 * the commit. `restart()` restarts that follower (it rejoins by DIFF).
 */
export const ensembleBackend: Backend = {
  name: 'zookit-ensemble',
  describe,
  async start(options = {}) {
    const cluster = await TestingCluster.start({
      servers: 3,
      tickTimeMs: options.tickTime ?? 2000,
      serverOptions: {
        extendedTypesEnabled: true,
        ...(options.minSessionTimeout !== undefined
          ? { minSessionTimeoutMs: options.minSessionTimeout }
          : {}),
        ...(options.maxSessionTimeout !== undefined
          ? { maxSessionTimeoutMs: options.maxSessionTimeout }
          : {}),
      },
    });
    const leader = await cluster.leader();
    await cluster.waitServing();
    const follower = cluster.ids.find((id) => id !== leader) as number;
    const port = cluster.member(follower).clientPort;
    return {
      host: '127.0.0.1',
      port,
      connectString: `127.0.0.1:${port}`,
      stop: () => cluster.close(),
      restart: async () => {
        await cluster.restart(follower);
        await cluster.waitServing();
      },
    };
  },
};

/** Every backend the client suite runs against. */
export const backends: readonly Backend[] = [apacheBackend, bundledBackend, ensembleBackend];

/** `describe` once per backend, titled `title [name]`. */
export function describeEachBackend(title: string, body: (backend: Backend) => void): void {
  for (const backend of backends) backend.describe(`${title} [${backend.name}]`, () => body(backend));
}

/** A fresh namespace (`/zk-<uuid>`) for one test, created on the server. */
export async function freshNamespace(server: TestServer): Promise<string> {
  const namespace = `/zk-${randomUUID().slice(0, 8)}`;
  const root = ZooKit.newClient(server.connectString, {
    sessionTimeoutMs: 6_000,
    connectionTimeoutMs: 10_000,
  });
  try {
    await root.start();
    await root.create(namespace);
  } finally {
    await root.close();
  }
  return namespace;
}

/** A started client chrooted at `namespace`; the caller closes it. */
export async function connectedClient(
  server: TestServer,
  namespace: string,
  options: ClientOptions = {},
): Promise<ZooKitClient> {
  const client = ZooKit.newClient(`${server.connectString}${namespace}`, {
    sessionTimeoutMs: 6_000,
    connectionTimeoutMs: 10_000,
    ...options,
  });
  await client.start();
  expect(client.connected).toBe(true);
  return client;
}

/**
 * Waits until `predicate` holds, polling every 20 ms, failing after `timeoutMs`; `what` may be
 * a function, evaluated at the failure, to report the state seen then.
 */
export async function eventually(
  predicate: () => boolean,
  timeoutMs: number,
  what: string | (() => string),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      const described = typeof what === 'string' ? what : what();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${described}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Rejects if `promise` does not settle within `timeoutMs`. */
export function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

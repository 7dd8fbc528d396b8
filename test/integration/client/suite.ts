/**
 * The setup every client integration suite shares, registered once per `describe`: a
 * server for the suite, a fresh namespace per test, and the clients and fault proxies a
 * test opens, closed after it (as recipes' `useRecipeSuite` does for the recipe suites).
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { FaultProxy } from '../../../server/testing/fault-proxy';
import type { ZooKitClient } from '../../../src/client/client';
import type { ClientOptions } from '../../../src/types';
import { assert } from '../../../src/util/assert';
import {
  type Backend,
  connectedClient,
  freshNamespace,
  type TestServer,
  type TestServerOptions,
} from './backends';

/** What {@link useClientSuite} gives a suite; read its fields inside hooks and tests only. */
export interface ClientSuite {
  /** The suite's server (started in `beforeAll`). */
  readonly server: TestServer;
  /** This test's namespace (`/zk-<uuid>`, created in `beforeEach`). */
  readonly namespace: string;
  /** Clients closed after each test: push the ones a test opens itself. */
  readonly clients: ZooKitClient[];
  /** Fault proxies closed after each test (after the clients). */
  readonly proxies: FaultProxy[];
  /** A started client chrooted at this test's namespace, closed after the test. */
  open(options?: ClientOptions): Promise<ZooKitClient>;
  /** A fault proxy in front of the server, closed after the test. */
  proxy(): Promise<FaultProxy>;
}

/** Registers the hooks of a client suite on `backend`, its server started with `serverOptions`. */
export function useClientSuite(
  backend: Pick<Backend, 'start'>,
  serverOptions: TestServerOptions,
): ClientSuite {
  let server: TestServer | undefined;
  let namespace: string | undefined;
  const clients: ZooKitClient[] = [];
  const proxies: FaultProxy[] = [];
  const suite: ClientSuite = {
    get server(): TestServer {
      assert(server !== undefined, 'the suite server is read before beforeAll started it');
      return server;
    },
    get namespace(): string {
      assert(namespace !== undefined, 'the namespace is read before beforeEach made it');
      return namespace;
    },
    clients,
    proxies,
    async open(options: ClientOptions = {}): Promise<ZooKitClient> {
      const client = await connectedClient(suite.server, suite.namespace, options);
      clients.push(client);
      return client;
    },
    async proxy(): Promise<FaultProxy> {
      const { host, port } = suite.server;
      const started = await FaultProxy.start({ target: { host, port } });
      proxies.push(started);
      return started;
    },
  };
  beforeAll(async () => {
    server = await backend.start(serverOptions);
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    namespace = await freshNamespace(suite.server);
  });
  afterEach(async () => {
    namespace = undefined;
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });
  return suite;
}

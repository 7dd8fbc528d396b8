/**
 * The client's behaviour at the edges, against both servers: a refused credential, a
 * guaranteed delete that cannot reach the server, and closing a persistent watch on a path
 * that also has a one-shot watch (Apache 3.8 knows no persistent watcher types).
 */
import { expect, it } from 'vitest';
import { ZooKit } from '../../../src/client/client';
import type { ConnectionState } from '../../../src/client/connection-state';
import { RetryNTimes } from '../../../src/client/retry-policy';
import { AuthenticationError, ClosedError } from '../../../src/errors';
import { CreateMode } from '../../../src/protocol/constants';
import {
  AuthFailedError,
  ConnectionLossError,
  MarshallingError,
  NoWatcherError,
} from '../../../src/protocol/errors';
import type { ClientOptions, WatchEvent } from '../../../src/types';
import { describeEachBackend, eventually, within } from './backends';
import { useClientSuite } from './suite';

describeEachBackend('client hardening', (backend) => {
  const suite = useClientSuite(backend, { tickTime: 500 });

  const open = async (options: ClientOptions = {}, connectString = suite.server.connectString) => {
    const client = ZooKit.newClient(`${connectString}${suite.namespace}`, {
      sessionTimeoutMs: 6_000,
      connectionTimeoutMs: 10_000,
      ...options,
    });
    suite.clients.push(client);
    const states: ConnectionState[] = [];
    const errors: unknown[] = [];
    client.on('stateChanged', (state) => states.push(state));
    client.on('error', (error) => errors.push(error));
    await client.start();
    return { client, states, errors };
  };
  const proxy = suite.proxy;

  it('auth failure at connect: AuthenticationError, LOST, then closed', async () => {
    const { client, states, errors } = await open({ authInfo: [{ scheme: 'nosuch', auth: 'x' }] });
    await eventually(() => errors.length > 0, 5_000, 'the error event');
    const [error] = errors;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).scheme).toBe('nosuch');
    expect((error as AuthenticationError).cause).toBeInstanceOf(AuthFailedError);
    expect(errors).toHaveLength(1);
    expect(states).toEqual(['CONNECTED', 'LOST']);
    expect(client.connected).toBe(false);
    const later = await client.getData('/').catch((reason: unknown) => reason);
    expect(later).toBeInstanceOf(ClosedError);
    expect((later as ClosedError).cause).toBe(error);
    await expect(client.start()).rejects.toBe(error);
    await within(client.close(), 2_000, 'close after an auth failure');
    expect(states).toEqual(['CONNECTED', 'LOST']);
  });

  it('auth failure by addAuth: addAuth and the operation behind it reject with AuthenticationError', async () => {
    const { client, states, errors } = await open();
    await client.create('/before', 'x');
    const adding = client.addAuth('nosuch', 'x').catch((reason: unknown) => reason);
    const behind = client.exists('/before').catch((reason: unknown) => reason);
    const refused = await within(adding, 5_000, 'addAuth');
    expect(refused).toBeInstanceOf(AuthenticationError);
    expect(await within(behind, 5_000, 'the operation behind the auth packet')).toBe(refused);
    expect(errors).toEqual([refused]);
    expect(states).toEqual(['CONNECTED', 'LOST']);
    await expect(client.addAuth('digest', 'a:b')).rejects.toBeInstanceOf(ClosedError);
  });

  it('an operation made while disconnected waits for the connection: served if it comes back in time, ConnectionLoss after connectionTimeoutMs if not', async () => {
    const faulty = await proxy();
    const { client, states } = await open(
      { connectionTimeoutMs: 1_500, retryPolicy: new RetryNTimes({ n: 0, sleepMsBetweenRetries: 0 }) },
      faulty.connectString,
    );
    await client.create('/queued', 'v1');
    faulty.refuse(true);
    faulty.cut();
    await eventually(() => states.includes('SUSPENDED'), 5_000, 'SUSPENDED');
    // Comes back in time: the queued read is sent on the new connection, no error.
    const served = client.getData('/queued');
    await new Promise((resolve) => setTimeout(resolve, 300));
    faulty.refuse(false);
    expect((await within(served, 5_000, 'the queued read')).data.toString()).toBe('v1');
    expect(states).toEqual(['CONNECTED', 'SUSPENDED', 'RECONNECTED']);
    // Does not come back: the queued read fails typed once connectionTimeoutMs has passed.
    faulty.refuse(true);
    faulty.cut();
    await eventually(() => states.length === 4, 5_000, 'SUSPENDED again');
    const startedMs = Date.now();
    const failure = await within(
      client.getData('/queued').catch((error: unknown) => error),
      10_000,
      'the queued read to fail',
    );
    const waitedMs = Date.now() - startedMs;
    expect(failure).toBeInstanceOf(ConnectionLossError);
    expect(waitedMs).toBeGreaterThanOrEqual(1_000);
    faulty.refuse(false);
    await eventually(() => client.connected, 8_000, 'the reconnect');
    expect((await client.getData('/queued')).data.toString()).toBe('v1');
  }, 30_000);

  it('Symbol.asyncDispose closes the client and its session (await using)', async () => {
    const { client } = await open();
    const { client: observer } = await open();
    await client.create('/disposable', null, { mode: CreateMode.EPHEMERAL });
    expect(client.closed).toBe(false);
    await client[Symbol.asyncDispose]();
    expect(client.closed).toBe(true);
    expect(client.connected).toBe(false);
    await expect(client.getData('/disposable')).rejects.toBeInstanceOf(ClosedError);
    // The session was closed, not left to expire: its ephemeral is gone at once.
    expect(await observer.exists('/disposable')).toBeNull();
  });

  it('guaranteed delete while the connection is cut: rejects, then deletes in the background', async () => {
    const faulty = await proxy();
    const { client, errors } = await open(
      { connectionTimeoutMs: 800, retryPolicy: new RetryNTimes({ n: 0, sleepMsBetweenRetries: 0 }) },
      faulty.connectString,
    );
    const { client: observer } = await open();
    await client.create('/g', 'x');
    faulty.refuse(true);
    faulty.cut();
    const failure = await client.delete('/g', { guaranteed: true }).catch((reason: unknown) => reason);
    expect(failure).toBeInstanceOf(ConnectionLossError);
    expect(await observer.exists('/g')).not.toBeNull();
    faulty.refuse(false);
    await eventually(() => client.connected, 8_000, 'the reconnect');
    for (let attempt = 0; attempt < 100 && (await observer.exists('/g')) !== null; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await observer.exists('/g')).toBeNull();
    expect(errors).toEqual([]);
  });

  it('guaranteed delete stops trying when the client closes', async () => {
    const faulty = await proxy();
    const { client, errors, states } = await open(
      { connectionTimeoutMs: 500, retryPolicy: new RetryNTimes({ n: 0, sleepMsBetweenRetries: 0 }) },
      faulty.connectString,
    );
    const { client: observer } = await open();
    await client.create('/kept', 'x');
    faulty.refuse(true);
    faulty.cut();
    await expect(client.delete('/kept', { guaranteed: true })).rejects.toBeInstanceOf(ConnectionLossError);
    const startedMs = Date.now();
    await within(client.close(), 3_000, 'close with a guaranteed delete pending');
    expect(Date.now() - startedMs).toBeLessThan(1_500);
    faulty.refuse(false);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await observer.exists('/kept')).not.toBeNull();
    expect(states).toEqual(['CONNECTED', 'SUSPENDED']);
    expect(client.connected).toBe(false);
    expect(errors).toEqual([]);
  });

  it('closing a persistent watch leaves the one-shot watch on the same path working', async () => {
    const { client } = await open();
    const { client: writer } = await open();
    await client.create('/pw', '0');
    const persistent = client.watch('/pw');
    await persistent.ready;
    const oneShot: WatchEvent[] = [];
    await client.getData('/pw', { watch: (event) => oneShot.push(event) });
    await persistent.close();
    const iterator = persistent[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(true);
    await writer.setData('/pw', '1');
    await eventually(() => oneShot.length === 1, 5_000, 'the one-shot event');
    await writer.setData('/pw', '2');
    await client.sync('/pw');
    await client.getData('/pw');
    expect(oneShot).toEqual([{ type: 'NodeDataChanged', path: '/pw', zxid: expect.any(BigInt) }]);
    const check = await client.checkWatches('/pw', 'persistent').catch((reason: unknown) => reason);
    if (backend.name === 'apache') {
      // 3.8 rejects the persistent watcher types; the fallback (`any`) was not used because
      // it would also have removed the one-shot watch, so the server keeps the persistent
      // watch until the session ends, and the client ignores what it sends.
      expect(check).toBeInstanceOf(MarshallingError);
    } else {
      expect(check).toBeInstanceOf(NoWatcherError);
    }
  });

  it('closing the only watch on a path removes it from the server (fallback to `any` on 3.8)', async () => {
    const { client } = await open();
    await client.create('/solo');
    const recursive = client.watch('/solo', { recursive: true });
    await recursive.ready;
    await client.checkWatches('/solo', 'any');
    await recursive.close();
    await expect(client.checkWatches('/solo', 'any')).rejects.toBeInstanceOf(NoWatcherError);
  });
});

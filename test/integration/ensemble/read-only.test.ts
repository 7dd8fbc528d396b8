/**
 * Read-only mode (`readonlymode.enabled`), end to end on real servers: a member cut off from
 * its quorum serves clients that allow read-only servers — reads from its tree, NOTREADONLY
 * (-119) for every write and sync — refuses the others, answers `isro` with `ro`, and drops
 * its read-only clients when it rejoins a quorum. zookit's client reports READ_ONLY, finds a
 * read-write server again by itself, and follows Apache's seenRwServerBefore rule; kazoo gets
 * the same answers from zookit's read-only member as from Apache's, and zookit's client
 * behaves the same against an Apache 3.8 ensemble started with -Dreadonlymode.enabled=true.
 */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../../server/testing/fault-proxy';
import { TestingCluster } from '../../../server/testing/testing-cluster';
import { TestingServer } from '../../../server/testing/testing-server';
import { ZooKit, type ZooKitClient } from '../../../src/client/client';
import type { ConnectionState } from '../../../src/client/connection-state';
import { ConnectionTimeoutError } from '../../../src/errors';
import { NotReadOnlyError } from '../../../src/protocol/errors';
import { Reader } from '../../../src/protocol/reader';
import { decodeConnectResponse, encodeConnectRequest } from '../../../src/protocol/records';
import { Writer } from '../../../src/protocol/writer';
import type { ClientOptions } from '../../../src/types';
import { describeApache, startApacheEnsemble } from '../../support/apache';
import type { ApacheEnsemble } from '../../support/apache-ensemble';
import { fourLetterWord, serverMode, waitUntil } from '../../support/network';
import { clientOn, eventually, others } from './support';

const PYTHON = '/usr/bin/python3';
const KAZOO_SCRIPT = fileURLToPath(new URL('./fixtures/kazoo-read-only.py', import.meta.url));

/** What kazoo gets from a read-only server holding `/ro` = `v1` (Apache's and zookit's alike). */
const KAZOO_READ_ONLY_TRANSCRIPT = [
  ['state', 'CONNECTED_RO'],
  ['get', 'v1'],
  ['children', ['ro', 'zookeeper']],
  ['exists missing', null],
  ['create', { error: 'NotReadOnlyCallError' }],
  ['set', { error: 'NotReadOnlyCallError' }],
  ['delete', { error: 'NotReadOnlyCallError' }],
  ['sync', { error: 'NotReadOnlyCallError' }],
  ['transaction', { error: 'NotReadOnlyCallError' }],
];

async function runKazoo(connectString: string): Promise<unknown> {
  const { stdout } = await promisify(execFile)(PYTHON, [KAZOO_SCRIPT, connectString, '/ro'], {
    timeout: 30_000,
  });
  return JSON.parse(stdout) as unknown;
}

/**
 * Sends one ConnectRequest for a new session and returns how the server answered: the
 * ConnectResponse's readOnly flag and timeout, or `closed` when it closed without a byte.
 */
function rawHandshake(port: number, readOnly: boolean): Promise<string> {
  const writer = new Writer(64);
  encodeConnectRequest(writer, {
    protocolVersion: 0,
    lastZxidSeen: 0n,
    timeOut: 4_000,
    sessionId: 0n,
    passwd: Buffer.alloc(16),
    readOnly,
  });
  const body = writer.finish();
  const frame = Buffer.alloc(4 + body.length);
  frame.writeInt32BE(body.length);
  body.copy(frame, 4);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      const bytes = Buffer.concat(chunks);
      if (bytes.length === 0) {
        resolve('closed');
        return;
      }
      try {
        const response = decodeConnectResponse(new Reader(bytes.subarray(4, 4 + bytes.readInt32BE(0))));
        resolve(`readOnly=${response.readOnly} timeOut=${response.timeOut}`);
      } catch {
        // Not a ConnectResponse (Apache 3.8.0 without local sessions sends a bare reply header).
        resolve(`bytes ${bytes.toString('hex')}`);
      }
    };
    socket.setTimeout(3_000, finish);
    socket.on('connect', () => socket.write(frame));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (Buffer.concat(chunks).length >= 4 + 37) finish();
    });
    socket.on('close', finish);
    socket.on('error', finish);
  });
}

/** A client that records its states; started, and closed by `closers`. */
async function startedClient(
  connectString: string,
  options: ClientOptions,
  clients: ZooKitClient[],
): Promise<{ client: ZooKitClient; states: ConnectionState[] }> {
  const client = ZooKit.newClient(connectString, {
    sessionTimeoutMs: 4_000,
    connectionTimeoutMs: 10_000,
    ...options,
  });
  clients.push(client);
  const states: ConnectionState[] = [];
  client.on('stateChanged', (state) => states.push(state));
  await client.start();
  return { client, states };
}

/** Every write a read-only server refuses, and sync, fail with NotReadOnlyError; reads work. */
async function expectReadOnlyAnswers(client: ZooKitClient): Promise<void> {
  expect(client.state).toBe('READ_ONLY');
  expect((await client.getData('/ro')).data.toString()).toBe('v1');
  expect((await client.getChildren('/')).sort()).toEqual(['ro', 'zookeeper']);
  expect(await client.exists('/missing')).toBeNull();
  await expect(client.create('/ro-new', 'x')).rejects.toBeInstanceOf(NotReadOnlyError);
  await expect(client.setData('/ro', 'v2')).rejects.toBeInstanceOf(NotReadOnlyError);
  await expect(client.delete('/ro')).rejects.toBeInstanceOf(NotReadOnlyError);
  await expect(client.sync('/ro')).rejects.toBeInstanceOf(NotReadOnlyError);
  await expect(client.transaction().create('/ro-t', 't').commit()).rejects.toBeInstanceOf(NotReadOnlyError);
  // Nothing was written: the read-only server still holds the same tree.
  expect((await client.getData('/ro')).data.toString()).toBe('v1');
}

/** A client without canBeReadOnly is never served by a read-only server: no answer at all. */
async function expectRefused(connectString: string, port: number, clients: ZooKitClient[]): Promise<void> {
  expect(await rawHandshake(port, false)).toBe('closed');
  expect(await rawHandshake(port, true)).toBe('readOnly=true timeOut=4000');
  const strict = ZooKit.newClient(connectString, { sessionTimeoutMs: 4_000, connectionTimeoutMs: 1_500 });
  clients.push(strict);
  await expect(strict.start()).rejects.toBeInstanceOf(ConnectionTimeoutError);
  expect(strict.state).toBeUndefined();
}

describe('ensemble: read-only mode', () => {
  let cluster: TestingCluster | undefined;
  const clients: ZooKitClient[] = [];
  const proxies: FaultProxy[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
    await cluster?.close();
    cluster = undefined;
  });

  it('a partitioned member serves read-only clients; the client finds r/w again; heal ends it', async () => {
    cluster = await TestingCluster.start({ servers: 3, readOnlyMode: true, tickTimeMs: 200 });
    const leader = await cluster.leader();
    await cluster.waitServing();
    const survivor = others(cluster, leader)[0] as number;
    const majority = others(cluster, survivor);
    const survivorPort = cluster.member(survivor).clientPort;
    const { client: writer } = await clientOn(cluster, majority);
    clients.push(writer);
    await writer.create('/ro', 'v1');
    // A client that has seen a read-write server: Apache's rule says it resumes its session only.
    const veteran = await startedClient(
      cluster.connectStringOf([survivor]),
      { canBeReadOnly: true, sessionTimeoutMs: 2_000 },
      clients,
    );
    await veteran.client.sync('/ro');
    const veteranSession = veteran.client.sessionId;
    expect(await fourLetterWord(survivorPort, 'isro')).toBe('rw');

    cluster.partition([survivor], majority);
    await eventually(() => cluster?.isReadOnly(survivor) === true, 10_000, 'the survivor serving read-only');
    expect(cluster.isReadOnly(majority[0] as number)).toBe(false);
    expect(await fourLetterWord(survivorPort, 'isro')).toBe('ro');
    expect(await fourLetterWord(cluster.member(majority[0] as number).clientPort, 'isro')).toBe('rw');
    const srvr = await fourLetterWord(survivorPort, 'srvr');
    expect(srvr).toContain('\nREAD-ONLY mode; serving only read-only clients\n');
    expect(serverMode(srvr)).toBe('read-only');
    expect(await fourLetterWord(survivorPort, 'mntr')).toContain('zk_server_state\tread-only\n');

    await expectRefused(cluster.connectStringOf([survivor]), survivorPort, clients);
    const reader = await startedClient(cluster.connectStringOf([survivor]), { canBeReadOnly: true }, clients);
    await expectReadOnlyAnswers(reader.client);
    // A watch set while read-only is carried to the read-write session that follows.
    const { watchEvent } = await reader.client.getData('/ro', { watch: true });
    expect(await runKazoo(cluster.connectStringOf([survivor]))).toEqual(KAZOO_READ_ONLY_TRANSCRIPT);

    // The background search: a r/w member unreachable at first, then reachable, is found.
    const proxy = await FaultProxy.start({
      target: { host: '127.0.0.1', port: cluster.member(majority[0] as number).clientPort },
    });
    proxies.push(proxy);
    proxy.refuse(true);
    const mover = await startedClient(
      `${cluster.connectStringOf([survivor])},${proxy.connectString}`,
      { canBeReadOnly: true },
      clients,
    );
    expect(mover.client.state).toBe('READ_ONLY');
    const readOnlySession = mover.client.sessionId;
    proxy.refuse(false);
    await eventually(() => mover.client.state === 'CONNECTED', 8_000, 'the client moving to a r/w server');
    expect(mover.states).toEqual(['READ_ONLY', 'SUSPENDED', 'CONNECTED']);
    expect(mover.client.sessionId).not.toBe(readOnlySession);
    expect(await mover.client.create('/moved', 'rw')).toBe('/moved');

    // The veteran's global session is refused read-only; once LOST, its new session is read-only.
    await eventually(() => veteran.client.state === 'READ_ONLY', 10_000, 'the veteran read-only');
    expect(veteran.states).toEqual(['CONNECTED', 'SUSPENDED', 'LOST', 'READ_ONLY']);
    expect(veteran.client.sessionId).not.toBe(veteranSession);

    cluster.heal();
    await eventually(() => cluster?.isReadOnly(survivor) === false, 10_000, 'the survivor rejoining');
    await eventually(
      () => reader.client.state === 'CONNECTED' && veteran.client.state === 'RECONNECTED',
      10_000,
      'read-only clients back on a r/w server',
    );
    expect(reader.states).toEqual(['READ_ONLY', 'SUSPENDED', 'CONNECTED']);
    expect(veteran.states).toEqual([
      'CONNECTED',
      'SUSPENDED',
      'LOST',
      'READ_ONLY',
      'SUSPENDED',
      'RECONNECTED',
    ]);
    expect(await reader.client.create('/after', 'rw')).toBe('/after');
    expect(await fourLetterWord(survivorPort, 'isro')).toBe('rw');
    await writer.setData('/ro', 'v2');
    const fired = await Promise.race([
      watchEvent,
      new Promise((resolve) => setTimeout(resolve, 5_000, 'none')),
    ]);
    expect(fired).toMatchObject({ type: 'NodeDataChanged', path: '/ro' });
  }, 40_000);

  it('a standalone server never goes read-only, whatever readonlymode.enabled says', async () => {
    await using server = await TestingServer.start({
      inMemory: true,
      readOnlyModeEnabled: true,
      fourLetterWordWhitelist: '*',
    });
    expect(await fourLetterWord(server.port, 'isro')).toBe('rw');
    const { client, states } = await startedClient(server.connectString, { canBeReadOnly: true }, clients);
    expect(await client.create('/standalone', 'rw')).toBe('/standalone');
    expect(states).toEqual(['CONNECTED']);
    expect(serverMode(await fourLetterWord(server.port, 'srvr'))).toBe('standalone');
  });
});

describeApache('read-only mode: Apache ZooKeeper 3.8 ensemble (-Dreadonlymode.enabled=true)', () => {
  let ensemble: ApacheEnsemble | undefined;
  const clients: ZooKitClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await ensemble?.stop();
    ensemble = undefined;
  });

  it("zookit's client and kazoo get from Apache's read-only server what they get from zookit's", async () => {
    ensemble = await startApacheEnsemble({
      tickTime: 200,
      systemProperties: { 'readonlymode.enabled': 'true' },
      // Apache 3.8.0's read-only server refuses createSession from a global session with
      // NOTREADONLY (a bare reply header instead of a ConnectResponse): read-only mode works
      // only with local sessions, which zookit's read-only server always uses.
      properties: { localSessionsEnabled: 'true' },
    });
    const leader = await ensemble.waitForQuorum();
    const survivor = ensemble.servers.find((server) => server.id !== leader)?.id as number;
    const gone = ensemble.servers.map((server) => server.id).filter((id) => id !== survivor);
    const survivorServer = ensemble.server(survivor);
    const writer = await startedClient(ensemble.connectString, {}, clients);
    await writer.client.create('/ro', 'v1');
    await writer.client.close();
    const veteran = await startedClient(
      survivorServer.connectString,
      { canBeReadOnly: true, sessionTimeoutMs: 2_000 },
      clients,
    );
    await veteran.client.sync('/ro');
    for (const id of gone) await ensemble.kill(id);
    await waitUntil(async () => (await survivorServer.mode()) === 'read-only', {
      timeoutMs: 10_000,
      intervalMs: 100,
      describeFailure: () => `Apache member ${survivor} never went read-only\n${survivorServer.logTail()}`,
    });
    expect(await fourLetterWord(survivorServer.port, 'isro')).toBe('ro');
    expect(await fourLetterWord(survivorServer.port, 'srvr')).toContain(
      '\nREAD-ONLY mode; serving only read-only clients\n',
    );
    expect(await fourLetterWord(survivorServer.port, 'mntr')).toContain('zk_server_state\tread-only\n');

    await expectRefused(survivorServer.connectString, survivorServer.port, clients);
    const reader = await startedClient(survivorServer.connectString, { canBeReadOnly: true }, clients);
    await expectReadOnlyAnswers(reader.client);
    expect(await runKazoo(survivorServer.connectString)).toEqual(KAZOO_READ_ONLY_TRANSCRIPT);
    // Apache's read-only server does not resume the session made before either; the client's
    // next session is read-only, as with zookit.
    await eventually(() => veteran.client.state === 'READ_ONLY', 10_000, 'the veteran read-only');
    expect(veteran.states).toEqual(['CONNECTED', 'SUSPENDED', 'LOST', 'READ_ONLY']);

    await ensemble.restart(gone[0] as number);
    await eventually(() => reader.client.state === 'CONNECTED', 15_000, 'the client back on a r/w server');
    expect(reader.states).toEqual(['READ_ONLY', 'SUSPENDED', 'CONNECTED']);
    expect(await reader.client.create('/after', 'rw')).toBe('/after');
  }, 60_000);
});

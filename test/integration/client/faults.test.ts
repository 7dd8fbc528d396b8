/**
 * The session under faults, against a real server: restarts, outages shorter and longer than
 * the session timeout, a session expired from outside, a stalled connection, a lost create
 * reply. Connections go through a {@link FaultProxy} where the fault needs one.
 */
import { Socket } from 'node:net';
import { expect, it } from 'vitest';
import { ZooKit, type ZooKitClient } from '../../../src/client/client';
import type { ConnectionState } from '../../../src/client/connection-state';
import { CreateMode, OpCode, Perms } from '../../../src/protocol/constants';
import { SessionExpiredError } from '../../../src/protocol/errors';
import { FrameDecoder } from '../../../src/protocol/framing';
import { writeConnectRequestFrame, writeRequestFrame } from '../../../src/protocol/records';
import { Writer } from '../../../src/protocol/writer';
import type { ClientOptions, WatchEvent } from '../../../src/types';
import { describeEachBackend, eventually, type TestServer, within } from './backends';
import { useClientSuite } from './suite';

/** Closes `sessionId` on the server from a second connection (how Curator's KillSession works). */
async function expireFromOutside(server: TestServer, sessionId: bigint, password: Buffer): Promise<void> {
  const socket = new Socket();
  const decoder = new FrameDecoder();
  const frames: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => {
    decoder.push(chunk);
    for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) frames.push(frame);
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.connect(server.port, server.host, resolve));
  const writer = new Writer();
  writeConnectRequestFrame(writer, {
    protocolVersion: 0,
    lastZxidSeen: 0n,
    timeOut: 4_000,
    sessionId,
    passwd: password,
    readOnly: false,
  });
  writeRequestFrame(writer, { xid: 1, type: OpCode.closeSession });
  socket.write(writer.finish());
  await within(closed, 5_000, 'the server closes the killing connection');
  expect(frames.length).toBeGreaterThanOrEqual(1);
}

describeEachBackend('client session faults', (backend) => {
  // tickTime 1000: sessions up to 20 s, so a JVM restart under CI load fits in one.
  const suite = useClientSuite(backend, { tickTime: 1000 });

  const openClient = async (
    connectString: string,
    options: ClientOptions,
  ): Promise<{ client: ZooKitClient; states: ConnectionState[] }> => {
    const client = ZooKit.newClient(`${connectString}${suite.namespace}`, {
      connectionTimeoutMs: 10_000,
      ...options,
    });
    suite.clients.push(client);
    const states: ConnectionState[] = [];
    client.on('stateChanged', (state) => states.push(state));
    await client.start();
    return { client, states };
  };
  const proxy = suite.proxy;

  it('restart within the session timeout: SUSPENDED then RECONNECTED, ephemerals survive', async () => {
    const { client, states } = await openClient(suite.server.connectString, {
      sessionTimeoutMs: 18_000,
    });
    const sessionId = client.sessionId;
    await client.create('/alive', null, { mode: CreateMode.EPHEMERAL });
    await suite.server.restart();
    const restartedMs = Date.now();
    await eventually(
      () => states.includes('RECONNECTED'),
      18_000,
      () =>
        `RECONNECTED (states ${states.join(',')}, now ${client.state}, ${Date.now() - restartedMs} ms after the restart)`,
    );
    expect(states).toEqual(['CONNECTED', 'SUSPENDED', 'RECONNECTED']);
    expect(client.sessionId).toBe(sessionId);
    expect((await client.exists('/alive'))?.ephemeralOwner).toBe(sessionId);
  }, 45_000);

  it('a change made while disconnected fires the re-registered watch once', async () => {
    const faulty = await proxy();
    const { client, states } = await openClient(faulty.connectString, {
      sessionTimeoutMs: 6_000,
    });
    const { client: writer } = await openClient(suite.server.connectString, {
      sessionTimeoutMs: 6_000,
    });
    await client.create('/w', 'a');
    const events: WatchEvent[] = [];
    await client.getData('/w', { watch: (event) => events.push(event) });
    faulty.refuse(true);
    faulty.cut();
    await eventually(() => states.includes('SUSPENDED'), 5_000, 'SUSPENDED');
    await writer.setData('/w', 'b');
    faulty.refuse(false);
    await eventually(() => states.includes('RECONNECTED'), 5_000, 'RECONNECTED');
    await eventually(() => events.length === 1, 5_000, 'the watch event');
    await writer.setData('/w', 'c');
    await client.sync('/w');
    await client.getData('/w');
    expect(events).toEqual([{ type: 'NodeDataChanged', path: '/w', zxid: -1n }]);
  }, 30_000);

  it('more watches than one SetWatches frame may carry are re-registered in several, and every one fires', async () => {
    // 4 000 exists watches on 300-byte paths: ~1.2 MB of paths, above the 1 MB frame limit of
    // both servers (jute.maxbuffer), so re-registration in one frame would be refused.
    const faulty = await proxy();
    const { client, states } = await openClient(faulty.connectString, { sessionTimeoutMs: 8_000 });
    const { client: writer } = await openClient(suite.server.connectString, { sessionTimeoutMs: 8_000 });
    await client.create('/many');
    const count = 4_000;
    const paths = Array.from({ length: count }, (_, index) => `/many/${String(index).padStart(300, 'n')}`);
    const events: WatchEvent[] = [];
    for (let start = 0; start < count; start += 500)
      await Promise.all(
        paths
          .slice(start, start + 500)
          .map((path) => client.exists(path, { watch: (event) => events.push(event) })),
      );
    faulty.refuse(true);
    faulty.cut();
    await eventually(() => states.includes('SUSPENDED'), 5_000, 'SUSPENDED');
    const created = [paths[0], paths[count / 2], paths[count - 1]] as string[];
    for (const path of created) await writer.create(path);
    faulty.refuse(false);
    await eventually(() => states.includes('RECONNECTED'), 10_000, 'RECONNECTED');
    await eventually(
      () => events.length === created.length,
      10_000,
      () => `3 NodeCreated events (${events.length})`,
    );
    expect(events.map((event) => event.path).sort()).toEqual([...created].sort());
    expect(events.every((event) => event.type === 'NodeCreated')).toBe(true);
    expect(states).toEqual(['CONNECTED', 'SUSPENDED', 'RECONNECTED']);
    // The rest are still watched on the server: one more create fires one more event.
    await writer.create(paths[1] as string);
    await eventually(() => events.length === created.length + 1, 5_000, 'the fourth NodeCreated');
  }, 60_000);

  it('auth is sent again on the new connection of the same session: a digest-only node stays readable', async () => {
    const faulty = await proxy();
    const { client, states } = await openClient(faulty.connectString, {
      sessionTimeoutMs: 6_000,
      authInfo: [{ scheme: 'digest', auth: 'alice:secret' }],
    });
    await client.create('/private', 'p', { acl: [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }] });
    expect((await client.getData('/private')).data.toString()).toBe('p');
    const sessionId = client.sessionId;
    faulty.cut();
    await eventually(() => states.includes('RECONNECTED'), 10_000, 'RECONNECTED');
    expect(client.sessionId).toBe(sessionId);
    // Auth lives on the connection: without it sent again, this read is NoAuth.
    expect((await client.getData('/private')).data.toString()).toBe('p');
    expect(await client.whoAmI()).toContainEqual({ authScheme: 'digest', user: 'alice' });
  }, 30_000);

  it('an outage longer than the session timeout: LOST, watchers told, then a new session', async () => {
    const faulty = await proxy();
    const { client, states } = await openClient(faulty.connectString, {
      sessionTimeoutMs: 3_000,
    });
    const { client: writer } = await openClient(suite.server.connectString, {
      sessionTimeoutMs: 6_000,
    });
    const oldSession = client.sessionId;
    await client.create('/eph', null, { mode: CreateMode.EPHEMERAL });
    await client.create('/data', 'x');
    const oneShot = await client.getData('/data', { watch: true });
    const persistent = client.watch('/data');
    await persistent.ready;
    faulty.refuse(true);
    faulty.cut();
    await eventually(() => states.includes('LOST'), 6_000, 'LOST');
    expect(await oneShot.watchEvent).toEqual({
      type: 'NotWatching',
      path: '/data',
      reason: 'sessionExpired',
    });
    faulty.refuse(false);
    await eventually(() => states.includes('RECONNECTED'), 8_000, 'RECONNECTED');
    expect(states).toEqual(['CONNECTED', 'SUSPENDED', 'LOST', 'RECONNECTED']);
    expect(client.sessionId).not.toBe(oldSession);
    // RECONNECTED is announced at the handshake; the persistent watch is re-registered by the
    // SetWatches2 sent right after it. A sync on this session is answered after that request,
    // so from here the watch is in place and the other client's change must reach it.
    await client.sync('/data');
    await writer.setData('/data', 'y');
    const iterator = persistent[Symbol.asyncIterator]();
    const next = await within(iterator.next(), 5_000, 'persistent watch event on the new session');
    expect(next.value).toMatchObject({ type: 'NodeDataChanged', path: '/data' });
    // The old session's ephemeral goes with it; nothing re-created it.
    for (let attempt = 0; attempt < 50 && (await client.exists('/eph')) !== null; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await client.exists('/eph')).toBeNull();
  }, 40_000);

  it('a session expired from outside: LOST, waiting operations fail typed, new session', async () => {
    const faulty = await proxy();
    const { client, states } = await openClient(faulty.connectString, {
      sessionTimeoutMs: 8_000,
    });
    const oldSession = client.sessionId;
    faulty.refuse(true);
    faulty.cut();
    await eventually(() => states.includes('SUSPENDED'), 5_000, 'SUSPENDED');
    const waiting = client.getData('/').catch((error: unknown) => error);
    await expireFromOutside(suite.server, oldSession, client.sessionPassword);
    faulty.refuse(false);
    const error = await within(waiting, 10_000, 'the waiting operation');
    expect(error).toBeInstanceOf(SessionExpiredError);
    await eventually(() => states.includes('RECONNECTED'), 8_000, 'RECONNECTED');
    expect(states).toEqual(['CONNECTED', 'SUSPENDED', 'LOST', 'RECONNECTED']);
    expect(client.sessionId).not.toBe(oldSession);
    expect(client.sessionId).not.toBe(0n);
  }, 30_000);

  it('a stalled connection is dropped within 2/3 of the timeout and the next host is used', async () => {
    const first = await proxy();
    const second = await proxy();
    const sessionTimeoutMs = 4_500;
    const { client, states } = await openClient(`${first.connectString},${second.connectString}`, {
      sessionTimeoutMs,
    });
    const sessionId = client.sessionId;
    const [stalled, healthy] = first.connectionCount === 1 ? [first, second] : [second, first];
    expect(stalled.connectionCount).toBe(1);
    expect(healthy.connectionCount).toBe(0);
    const startedMs = Date.now();
    stalled.stall();
    await eventually(() => states.includes('SUSPENDED'), sessionTimeoutMs, 'SUSPENDED');
    const detectedMs = Date.now() - startedMs;
    expect(detectedMs).toBeLessThanOrEqual((sessionTimeoutMs * 2) / 3 + 300);
    await eventually(() => states.includes('RECONNECTED'), sessionTimeoutMs, 'RECONNECTED');
    expect(client.sessionId).toBe(sessionId);
    expect(healthy.connectionCount).toBe(1);
    expect(await client.exists('/')).not.toBeNull();
  }, 30_000);

  it('a create whose reply is lost after commit: protection finds the node, no duplicate', async () => {
    const faulty = await proxy();
    const { client } = await openClient(faulty.connectString, { sessionTimeoutMs: 6_000 });
    const { client: observer } = await openClient(suite.server.connectString, {
      sessionTimeoutMs: 6_000,
    });
    await client.create('/q');
    const committed = await observer.getChildren('/q', { watch: true });
    faulty.setDelay(400);
    const creating = client.create('/q/item-', 'v', {
      mode: CreateMode.EPHEMERAL_SEQUENTIAL,
      protection: true,
    });
    // The observer hears of the commit directly while the reply is still held by the proxy.
    expect((await within(committed.watchEvent, 2_000, 'the commit')).type).toBe('NodeChildrenChanged');
    faulty.setDelay(0);
    faulty.cut();
    const path = await within(creating, 10_000, 'the protected create');
    const children = await client.getChildren('/q');
    expect(children).toHaveLength(1);
    expect(path).toBe(`/q/${children[0]}`);
    expect(path).toMatch(/^\/q\/_c_[0-9a-f-]{36}-item-0000000000$/);
  }, 30_000);
});

/**
 * zookit's codec against the real thing: a raw socket to Apache ZooKeeper 3.8 (extended
 * types on), requests encoded and replies decoded with `src/protocol` only. Every reply
 * must decode exactly (no bytes left over) and carry the values the protocol notes promise.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AddWatchMode, CreateMode, EventType, KeeperState, OpCode, Xid } from '../../src/protocol/constants';
import { Ids, type Stat } from '../../src/protocol/data';
import { ErrorCode } from '../../src/protocol/errors';
import { decodeMultiResponse } from '../../src/protocol/multi';
import type { Reader } from '../../src/protocol/reader';
import {
  decodeCreate2Response,
  decodeCreateResponse,
  decodeErrorResponse,
  decodeExistsResponse,
  decodeGetChildren2Response,
  decodeGetDataResponse,
  decodeGetEphemeralsResponse,
  decodeSetDataResponse,
  decodeWatcherEvent,
  decodeWhoAmIResponse,
} from '../../src/protocol/records';
import { type ApacheZooKeeper, describeApache, startApacheZooKeeper } from '../support/apache';
import { type RawReply, RawSession } from '../support/raw-session';

const TICK_MS = 2_000;
const acl = [...Ids.OPEN_ACL_UNSAFE];

/** Decodes the whole body of a successful reply. */
function body<T>(reply: RawReply, decode: (reader: Reader) => T): T {
  expect(reply.header.err).toBe(0);
  const value = decode(reply.reader);
  reply.reader.expectEnd('reply body');
  return value;
}

/** Asserts an error reply: the code, and no body after the header. */
function expectError(reply: RawReply, code: number): void {
  expect(reply.header.err).toBe(code);
  expect(reply.body.length).toBe(0);
}

describeApache('apache wire: src/protocol against Apache ZooKeeper 3.8', () => {
  let server: ApacheZooKeeper;
  let session: RawSession;
  let sessionId: bigint;

  beforeAll(async () => {
    server = await startApacheZooKeeper({ tickTime: TICK_MS, extendedTypes: true });
    const opened = await RawSession.connect({ port: server.port, timeOut: 30_000 });
    session = opened.session;
    sessionId = opened.response.sessionId;
  });

  afterAll(async () => {
    session?.destroy();
    await server?.stop();
  });

  async function create2(
    path: string,
    flags: number,
    data: Buffer | null = null,
  ): Promise<{ path: string; stat: Stat; zxid: bigint }> {
    const reply = await session.call(OpCode.create2, { path, data, acl, flags });
    return { ...body(reply, decodeCreate2Response), zxid: reply.header.zxid };
  }

  it('connect: negotiates the timeout within 2..20 ticks and issues a session', async () => {
    const cases = [
      { requested: 30_000, negotiated: 30_000 },
      { requested: 100, negotiated: 2 * TICK_MS },
      { requested: 10_000_000, negotiated: 20 * TICK_MS },
    ];
    for (const { requested, negotiated } of cases) {
      const { session: probe, response } = await RawSession.connect({
        port: server.port,
        timeOut: requested,
      });
      expect(response.protocolVersion).toBe(0);
      expect(response.timeOut).toBe(negotiated);
      expect(response.sessionId).not.toBe(0n);
      expect(response.sessionId).not.toBe(sessionId);
      // Standalone servers use id 1 in the top byte.
      expect(response.sessionId >> 56n).toBe(1n);
      expect(response.passwd.length).toBe(16);
      expect(response.readOnly).toBe(false);
      await probe.closeSession();
      await probe.whenClosed();
    }
  });

  it('create: every mode, with exact names and sequence suffixes', async () => {
    const created = body(
      await session.call(OpCode.create, { path: '/modes', data: null, acl, flags: CreateMode.PERSISTENT }),
      decodeCreateResponse,
    );
    expect(created.path).toBe('/modes');
    const names: string[] = [];
    for (const [name, flags] of [
      ['persistent', CreateMode.PERSISTENT],
      ['ephemeral', CreateMode.EPHEMERAL],
      ['persistent-seq-', CreateMode.PERSISTENT_SEQUENTIAL],
      ['ephemeral-seq-', CreateMode.EPHEMERAL_SEQUENTIAL],
    ] as const) {
      const reply = await session.call(OpCode.create, {
        path: `/modes/${name}`,
        data: Buffer.from(name),
        acl,
        flags,
      });
      names.push(body(reply, decodeCreateResponse).path);
    }
    // The suffix is the parent's count of child creations so far, ten digits, zero padded.
    expect(names).toEqual([
      '/modes/persistent',
      '/modes/ephemeral',
      '/modes/persistent-seq-0000000002',
      '/modes/ephemeral-seq-0000000003',
    ]);

    const container = await session.call(OpCode.createContainer, {
      path: '/modes/container',
      data: null,
      acl,
      flags: CreateMode.CONTAINER,
    });
    const containerNode = body(container, decodeCreate2Response);
    expect(containerNode.path).toBe('/modes/container');
    // The server stores a marker owner for containers and TTL nodes but reports 0.
    expect(containerNode.stat.ephemeralOwner).toBe(0n);

    const ttl = await session.call(OpCode.createTTL, {
      path: '/modes/ttl',
      data: null,
      acl,
      flags: CreateMode.PERSISTENT_WITH_TTL,
      ttl: 60_000n,
    });
    const ttlNode = body(ttl, decodeCreate2Response);
    expect(ttlNode.path).toBe('/modes/ttl');
    expect(ttlNode.stat.czxid).toBe(ttl.header.zxid);
    expect(ttlNode.stat.ephemeralOwner).toBe(0n);

    const ttlSequential = await session.call(OpCode.createTTL, {
      path: '/modes/ttl-seq-',
      data: null,
      acl,
      flags: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL,
      ttl: 60_000n,
    });
    expect(body(ttlSequential, decodeCreate2Response).path).toBe('/modes/ttl-seq-0000000006');

    const children = body(
      await session.call(OpCode.getChildren2, { path: '/modes', watch: false }),
      decodeGetChildren2Response,
    );
    expect([...children.children].sort()).toEqual([
      'container',
      'ephemeral',
      'ephemeral-seq-0000000003',
      'persistent',
      'persistent-seq-0000000002',
      'ttl',
      'ttl-seq-0000000006',
    ]);
    expect(children.stat.numChildren).toBe(7);
    expect(children.stat.cversion).toBe(7);
  });

  it('create: a TTL mode through the plain create opcode is refused', async () => {
    const reply = await session.call(OpCode.create, {
      path: '/ttl-plain',
      data: null,
      acl,
      flags: CreateMode.PERSISTENT_WITH_TTL,
    });
    expectError(reply, ErrorCode.BADARGUMENTS);
  });

  it('create2: the stat of a new node is consistent', async () => {
    const data = Buffer.from('hello');
    const persistent = await create2('/stat', CreateMode.PERSISTENT, data);
    expect(persistent.path).toBe('/stat');
    expect(persistent.stat.czxid).toBe(persistent.zxid);
    expect(persistent.stat.mzxid).toBe(persistent.stat.czxid);
    expect(persistent.stat.pzxid).toBe(persistent.stat.czxid);
    expect(persistent.stat.ctime).toBe(persistent.stat.mtime);
    expect(Number(persistent.stat.ctime)).toBeGreaterThan(Date.now() - 60_000);
    expect(persistent.stat).toMatchObject({
      version: 0,
      cversion: 0,
      aversion: 0,
      ephemeralOwner: 0n,
      dataLength: 5,
      numChildren: 0,
    });

    const ephemeral = await create2('/stat/ephemeral', CreateMode.EPHEMERAL);
    expect(ephemeral.stat.ephemeralOwner).toBe(sessionId);
    expect(ephemeral.stat.dataLength).toBe(0);
    expect(ephemeral.stat.czxid).toBeGreaterThan(persistent.stat.czxid);
  });

  it('getData and setData: data round-trips, versions increment, stale versions fail', async () => {
    const created = await create2('/data', CreateMode.PERSISTENT, Buffer.from('v0'));
    const read = body(
      await session.call(OpCode.getData, { path: '/data', watch: false }),
      decodeGetDataResponse,
    );
    expect(read.data?.toString()).toBe('v0');
    expect(read.stat).toEqual(created.stat);

    const first = await session.call(OpCode.setData, { path: '/data', data: Buffer.from('v1'), version: 0 });
    const firstStat = body(first, decodeSetDataResponse).stat;
    expect(firstStat.version).toBe(1);
    expect(firstStat.mzxid).toBe(first.header.zxid);
    expect(firstStat.czxid).toBe(created.stat.czxid);
    const second = body(
      await session.call(OpCode.setData, { path: '/data', data: Buffer.from('v2'), version: -1 }),
      decodeSetDataResponse,
    );
    expect(second.stat.version).toBe(2);

    expectError(
      await session.call(OpCode.setData, { path: '/data', data: null, version: 0 }),
      ErrorCode.BADVERSION,
    );
    const after = body(
      await session.call(OpCode.getData, { path: '/data', watch: false }),
      decodeGetDataResponse,
    );
    expect(after.data?.toString()).toBe('v2');
    expect(after.stat.version).toBe(2);
  });

  it('exists: a stat when present, NONODE without a body when missing', async () => {
    const created = await create2('/exists', CreateMode.PERSISTENT);
    const present = body(
      await session.call(OpCode.exists, { path: '/exists', watch: false }),
      decodeExistsResponse,
    );
    expect(present.stat).toEqual(created.stat);
    expectError(
      await session.call(OpCode.exists, { path: '/exists/missing', watch: false }),
      ErrorCode.NONODE,
    );
  });

  it('getChildren2: the children and the parent stat', async () => {
    const parent = await create2('/children', CreateMode.PERSISTENT);
    for (const name of ['b', 'a', 'c']) await create2(`/children/${name}`, CreateMode.PERSISTENT);
    const reply = await session.call(OpCode.getChildren2, { path: '/children', watch: false });
    const { children, stat } = body(reply, decodeGetChildren2Response);
    expect([...children].sort()).toEqual(['a', 'b', 'c']);
    expect(stat.numChildren).toBe(3);
    expect(stat.cversion).toBe(3);
    expect(stat.czxid).toBe(parent.stat.czxid);
    expect(stat.pzxid).toBeGreaterThan(parent.stat.pzxid);
  });

  it('multi: a failing op fails the whole transaction, per-op results say which', async () => {
    await create2('/multi', CreateMode.PERSISTENT);
    const reply = await session.call(OpCode.multi, {
      ops: [
        { type: OpCode.create, request: { path: '/multi/a', data: null, acl, flags: CreateMode.PERSISTENT } },
        { type: OpCode.setData, request: { path: '/multi/missing', data: null, version: -1 } },
        { type: OpCode.create, request: { path: '/multi/b', data: null, acl, flags: CreateMode.PERSISTENT } },
      ],
    });
    // The header carries 0: the failure is reported in the results (protocol.md §10).
    const { results } = body(reply, decodeMultiResponse);
    expect(results).toEqual([
      { type: OpCode.error, err: ErrorCode.OK },
      { type: OpCode.error, err: ErrorCode.NONODE },
      { type: OpCode.error, err: ErrorCode.RUNTIMEINCONSISTENCY },
    ]);
    expectError(await session.call(OpCode.exists, { path: '/multi/a', watch: false }), ErrorCode.NONODE);
    expectError(await session.call(OpCode.exists, { path: '/multi/b', watch: false }), ErrorCode.NONODE);
  });

  it('multi: a successful transaction reports each result with its body', async () => {
    await create2('/multi-ok', CreateMode.PERSISTENT);
    const reply = await session.call(OpCode.multi, {
      ops: [
        {
          type: OpCode.create,
          request: { path: '/multi-ok/a', data: null, acl, flags: CreateMode.PERSISTENT },
        },
        {
          type: OpCode.create2,
          request: { path: '/multi-ok/s-', data: null, acl, flags: CreateMode.PERSISTENT_SEQUENTIAL },
        },
        {
          type: OpCode.createContainer,
          request: { path: '/multi-ok/box', data: null, acl, flags: CreateMode.CONTAINER },
        },
        { type: OpCode.setData, request: { path: '/multi-ok/a', data: Buffer.from('x'), version: 0 } },
        { type: OpCode.check, request: { path: '/multi-ok/a', version: 1 } },
        { type: OpCode.delete, request: { path: '/multi-ok/a', version: 1 } },
      ],
    });
    const { results } = body(reply, decodeMultiResponse);
    // 3.8.0 rebuilds every create op of a multi from its flags (MultiOperationRecord →
    // Op.create), so a create2 op comes back as a plain create result (type 1, no stat);
    // container and TTL creates come back as type 15 with a stat.
    expect(results.map((result) => result.type)).toEqual([
      OpCode.create,
      OpCode.create,
      OpCode.create2,
      OpCode.setData,
      OpCode.check,
      OpCode.delete,
    ]);
    const [createResult, sequentialResult, containerResult, setDataResult] = results;
    expect(createResult).toEqual({ type: OpCode.create, path: '/multi-ok/a' });
    expect(sequentialResult).toEqual({ type: OpCode.create, path: '/multi-ok/s-0000000001' });
    expect(containerResult).toMatchObject({ type: OpCode.create2, path: '/multi-ok/box' });
    // All ops of one multi share its zxid.
    expect(containerResult?.type === OpCode.create2 && containerResult.stat.czxid).toBe(reply.header.zxid);
    expect(setDataResult?.type === OpCode.setData && setDataResult.stat.mzxid).toBe(reply.header.zxid);
    expect(setDataResult?.type === OpCode.setData && setDataResult.stat.version).toBe(1);
  });

  it('addWatch (persistent): the notification precedes the reply of the write that fired it', async () => {
    await create2('/watched', CreateMode.PERSISTENT);
    const added = await session.call(OpCode.addWatch, { path: '/watched', mode: AddWatchMode.PERSISTENT });
    expect(body(added, decodeErrorResponse)).toEqual({ err: 0 });

    for (const version of [0, 1]) {
      const xid = session.send(OpCode.setData, {
        path: '/watched',
        data: Buffer.from(`v${version + 1}`),
        version,
      });
      const notification = await session.nextReply();
      expect(notification.header.xid).toBe(Xid.notification);
      expect(notification.header.err).toBe(0);
      expect(body(notification, decodeWatcherEvent)).toEqual({
        type: EventType.NodeDataChanged,
        state: KeeperState.SyncConnected,
        path: '/watched',
      });
      const reply = await session.expectReply(xid);
      const { stat } = body(reply, decodeSetDataResponse);
      expect(stat.version).toBe(version + 1);
      // 3.8 sends -1 as every notification's zxid; the triggering txn's zxid arrives in 3.9.
      expect(notification.header.zxid).toBe(-1n);
      expect(reply.header.zxid).toBe(stat.mzxid);
    }
  });

  it("getEphemerals: this session's ephemerals under a prefix", async () => {
    await create2('/ephemerals', CreateMode.PERSISTENT);
    await create2('/ephemerals/one', CreateMode.EPHEMERAL);
    await create2('/ephemerals/two-', CreateMode.EPHEMERAL_SEQUENTIAL);
    const reply = await session.call(OpCode.getEphemerals, { prefixPath: '/ephemerals' });
    const { ephemerals } = body(reply, decodeGetEphemeralsResponse);
    expect([...ephemerals].sort()).toEqual(['/ephemerals/one', '/ephemerals/two-0000000001']);
  });

  it('whoAmI: the connection is identified by its ip', async () => {
    const reply = await session.expectReply(session.sendEmpty(OpCode.whoAmI));
    expect(body(reply, decodeWhoAmIResponse)).toEqual({
      clientInfo: [{ authScheme: 'ip', user: '127.0.0.1' }],
    });
  });

  it('closeSession: a reply, then the server closes the socket and the ephemerals go', async () => {
    const { session: closing } = await RawSession.connect({ port: server.port, timeOut: 30_000 });
    const created = await closing.call(OpCode.create, {
      path: '/closing',
      data: null,
      acl,
      flags: CreateMode.EPHEMERAL,
    });
    expect(body(created, decodeCreateResponse).path).toBe('/closing');
    const reply = await closing.closeSession();
    expect(reply.header.err).toBe(0);
    expect(reply.body.length).toBe(0);
    expect(reply.header.zxid).toBeGreaterThan(created.header.zxid);
    await closing.whenClosed();
    expect(closing.closed).toBe(true);
    expectError(await session.call(OpCode.exists, { path: '/closing', watch: false }), ErrorCode.NONODE);
  });
});

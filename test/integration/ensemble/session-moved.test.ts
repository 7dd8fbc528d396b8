/**
 * Session owners (SESSIONMOVED, protocol.md §11): a client whose link to follower A stalls
 * reconnects to follower B and writes there, while a write it sent through A is still on its
 * way from A to the leader. The leader must refuse that late write (B revalidated the session
 * ahead of the client's new writes), or it would apply after the newer ones — a per-session
 * FIFO violation. A closes the old connection instead of answering, as Apache's servers do.
 *
 * The "in flight" part is made deterministic by holding every message A sends to the leader
 * (the peer transport's delay hook); raw sessions pin each connection to one member.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { QuorumPipeline } from '../../../server/quorum/quorum-pipeline';
import { TestingCluster } from '../../../server/testing/testing-cluster';
import { ClientRequest } from '../../../src/client/connection';
import { Session } from '../../../src/client/session';
import { OpCode } from '../../../src/protocol/constants';
import { Ids } from '../../../src/protocol/data';
import { ConnectionLossError, ErrorCode } from '../../../src/protocol/errors';
import { decodeGetDataResponse, encodeExistsRequest } from '../../../src/protocol/records';
import { ManualClock } from '../../../src/util/clock';
import { RawSession } from '../../support/raw-session';
import { FakeServer } from '../../unit/client/support/fake-server';
import { eventually, others } from './support';

/** How long A's messages to the leader are held: far longer than B's round trip, under load too. */
const HELD_MS = 1_500;
const PATH = '/moved';

type LateWrite = 'setData' | 'multi';

describe('ensemble: a session that moves between followers (SESSIONMOVED)', () => {
  let cluster: TestingCluster | undefined;
  const sessions: RawSession[] = [];
  afterEach(async () => {
    for (const session of sessions.splice(0)) session.destroy();
    await cluster?.close();
    cluster = undefined;
  });

  function pipelineOf(id: number): QuorumPipeline {
    const pipeline = cluster?.instance(id)?.pipeline;
    if (!(pipeline instanceof QuorumPipeline)) throw new Error(`member ${id} runs no quorum pipeline`);
    return pipeline;
  }

  async function connect(port: number, resume?: { sessionId: bigint; passwd: Buffer; zxid: bigint }) {
    const { session, response } = await RawSession.connect({
      port,
      timeOut: 10_000,
      ...(resume === undefined
        ? {}
        : { sessionId: resume.sessionId, passwd: resume.passwd, lastZxidSeen: resume.zxid }),
    });
    sessions.push(session);
    expect(response.timeOut).toBeGreaterThan(0);
    return { session, response };
  }

  it.each<LateWrite>(['setData', 'multi'])(
    'a %s still in flight from the old follower is refused after the client wrote through the new one',
    async (late) => {
      // syncLimit 25 ticks (5 s): A's held ACKs and pings keep it in the quorum meanwhile.
      cluster = await TestingCluster.start({ servers: 3, initLimit: 25, syncLimit: 25 });
      const leader = await cluster.leader();
      await cluster.waitServing();
      const [a, b] = others(cluster, leader) as [number, number];

      const { session: onA, response } = await connect(cluster.member(a).clientPort);
      const created = await onA.call(OpCode.create, {
        path: PATH,
        data: Buffer.from('0'),
        acl: [...Ids.OPEN_ACL_UNSAFE],
        flags: 0,
      });
      expect(created.header.err).toBe(0);

      // The link from A to the leader slows down; the client's next write through A is stuck in it.
      pipelineOf(a).transport.delay(leader, HELD_MS);
      const lateXid =
        late === 'setData'
          ? onA.send(OpCode.setData, { path: PATH, data: Buffer.from('late'), version: -1 })
          : onA.send(OpCode.multi, {
              ops: [
                { type: OpCode.setData, request: { path: PATH, data: Buffer.from('late'), version: -1 } },
              ],
            });
      expect(lateXid).toBe(2);
      const serverA = cluster.instance(a);
      await eventually(() => (serverA?.outstandingRequests ?? 0) === 1, 5_000, 'A to take the late write');

      // The client gives up on A and resumes its session on B, where it writes again.
      const serverB = cluster.instance(b);
      await eventually(
        () => (serverB?.db.lastProcessedZxid ?? 0n) >= created.header.zxid,
        5_000,
        'B to apply the create',
      );
      const { session: onB } = await connect(cluster.member(b).clientPort, {
        sessionId: response.sessionId,
        passwd: response.passwd,
        zxid: created.header.zxid,
      });
      // xid 1 on B: unlike the late write's xid 2, so no member can match one's reply to the other.
      const newer = await onB.call(OpCode.setData, { path: PATH, data: Buffer.from('newer'), version: -1 });
      expect(newer.header.err).toBe(0);

      // The late write reaches the leader after B's revalidation: refused, so A closes the old
      // connection without a reply (without owners, A answered it and it overwrote 'newer').
      const lateOutcome = await onA.nextReply(HELD_MS + 8_000).then(
        (reply) => `reply xid ${reply.header.xid} err ${reply.header.err}`,
        (error: unknown) => String(error),
      );
      expect(lateOutcome).toBe('Error: socket closed');
      // (A's link stays slow: ending the delay now would let new messages overtake held ones.)

      // Every member ends with the session's last write; the late one never applied.
      await eventually(
        () =>
          cluster?.ids.every(
            (id) => (cluster?.instance(id)?.db.lastProcessedZxid ?? 0n) > newer.header.zxid,
          ) ?? false,
        5_000,
        'every member to apply the refused write',
      );
      expect(await onB.call(OpCode.sync, { path: PATH }).then((reply) => reply.header.err)).toBe(0);
      const read = await onB.call(OpCode.getData, { path: PATH, watch: false });
      expect(read.header.err).toBe(0);
      const { data, stat } = decodeGetDataResponse(read.reader);
      expect({ data: data?.toString(), version: stat.version }).toEqual({ data: 'newer', version: 1 });
      for (const id of cluster.ids) {
        const { session: reader } = await connect(cluster.member(id).clientPort);
        const view = await reader.call(OpCode.getData, { path: PATH, watch: false });
        const node = decodeGetDataResponse(view.reader);
        expect({ id, data: node.data?.toString(), version: node.stat.version }).toEqual({
          id,
          data: 'newer',
          version: 1,
        });
      }
      // B, the session's owner now, still serves it.
      const after = await onB.call(OpCode.setData, { path: PATH, data: Buffer.from('after'), version: 1 });
      expect(after.header.err).toBe(0);
    },
    60_000,
  );
});

describe('client: a SESSIONMOVED reply is a connection loss', () => {
  const SESSION = 0x5e55n;

  it('fails the request with ConnectionLossError and resumes the session on a new connection', async () => {
    const server = await FakeServer.start();
    const session = new Session({
      hosts: [{ host: '127.0.0.1', port: server.port }],
      chroot: '',
      sessionTimeoutMs: 30_000,
      connectionTimeoutMs: 30_000,
      canBeReadOnly: false,
      authInfo: [],
      frameBytesMax: 1 << 20,
      clock: new ManualClock(0),
      onStateChange: () => {},
      onFatal: () => {},
      onWatcherError: () => {},
    });
    const granted = { protocolVersion: 0, timeOut: 30_000, sessionId: SESSION, passwd: Buffer.alloc(16, 7) };
    try {
      const connected = session.waitConnected(30_000);
      const first = await server.nextConnection();
      await first.connectRequested();
      first.answer({ ...granted, readOnly: false });
      await connected;
      const body = { path: '/x', watch: false };
      const pending = session
        .submit(new ClientRequest(OpCode.exists, '/x', body, encodeExistsRequest, undefined))
        .catch((error: unknown) => error);
      const sent = await first.nextRequest();
      first.reply(sent, ErrorCode.SESSIONMOVED);
      expect(await pending).toBeInstanceOf(ConnectionLossError);
      await first.closed;
      const second = await server.nextConnection();
      expect((await second.connectRequested()).sessionId).toBe(SESSION);
    } finally {
      await server.close();
      await session.close();
    }
  });
});

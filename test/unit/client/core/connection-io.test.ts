/**
 * The connection's I/O against a scripted server: write deferral under a deep pipeline, a
 * read holding many replies handled over turns (the continuations' requests leave between),
 * and replies read into a reused buffer whatever way the bytes are split.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientRequest, Connection, type ConnectionListener } from '../../../../src/client/connection';
import { readData } from '../../../../src/client/operations';
import { OpCode } from '../../../../src/protocol/constants';
import { emptyStat, encodeStat } from '../../../../src/protocol/data';
import { encodeGetDataRequest, type GetDataRequest } from '../../../../src/protocol/records';
import type { Writer } from '../../../../src/protocol/writer';
import type { DataResult } from '../../../../src/types';
import { type FakeConnection, type FakeRequest, FakeServer, replyBytes } from '../support/fake-server';

const DEFER_MIN = 8;
const FRAMES_PER_TURN = 8;

/** A getData request; a rejection left when the test closes the connection is expected. */
function getData(path: string): ClientRequest<DataResult, GetDataRequest> {
  const body: GetDataRequest = { path, watch: false };
  const request = new ClientRequest(OpCode.getData, path, body, encodeGetDataRequest, readData);
  request.promise.catch(() => {});
  return request;
}

/** Body of a getData reply holding `data`. */
function dataBody(data: Buffer): (writer: Writer) => void {
  return (writer) => {
    writer.buffer(data);
    encodeStat(writer, { ...emptyStat(), dataLength: data.length });
  };
}

/** Bytes that differ from their neighbours, so a misplaced piece shows. */
function pattern(bytes: number): Buffer {
  const buffer = Buffer.alloc(bytes);
  for (let index = 0; index < bytes; index++) buffer[index] = (index * 31 + (index >> 8)) % 251;
  return buffer;
}

/** Bounded wait for a real-time condition. */
async function eventually(predicate: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 250; attempt++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('connection I/O', () => {
  let server: FakeServer;
  let connection: Connection;
  let peer: FakeConnection;
  const received: FakeRequest[] = [];
  /** What the connection did, in order: 'W' per socket write after the handshake. */
  let events: string[] = [];

  beforeEach(async () => {
    server = await FakeServer.start();
    received.length = 0;
    let ready = (): void => {};
    const handshakeDone = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const listener: ConnectionListener = {
      handshake: () => ready(),
      notification: () => {},
      zxidSeen: () => {},
      authFailed: () => {},
      activity: () => {},
      sent: () => events.push('W'),
      closed: () => {},
    };
    connection = new Connection({
      host: '127.0.0.1',
      port: server.port,
      listener,
      flushDeferAwaitingMin: DEFER_MIN,
      framesPerTurn: FRAMES_PER_TURN,
      connectRequest: {
        protocolVersion: 0,
        lastZxidSeen: 0n,
        timeOut: 10_000,
        sessionId: 0n,
        passwd: Buffer.alloc(16),
        readOnly: false,
      },
    });
    peer = await server.nextConnection();
    await peer.connectRequested();
    peer.answer({
      protocolVersion: 0,
      timeOut: 10_000,
      sessionId: 5n,
      passwd: Buffer.alloc(16),
      readOnly: false,
    });
    await handshakeDone;
    events = [];
  });
  afterEach(async () => {
    connection.close(new Error('test over'));
    await server.close();
  });

  async function receive(count: number): Promise<FakeRequest[]> {
    const requests: FakeRequest[] = [];
    for (let index = 0; index < count; index++) requests.push(await peer.nextRequest());
    return requests;
  }

  it('writes a shallow pipeline at once and holds a deep one until replies drain below the minimum', async () => {
    const first = Array.from({ length: DEFER_MIN }, (_, index) => getData(`/a${index}`));
    for (const request of first) connection.send(request);
    const written = await receive(DEFER_MIN);
    expect(connection.awaitingCount).toBe(DEFER_MIN);

    const late = getData('/late');
    connection.send(late);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(connection.awaitingCount).toBe(DEFER_MIN);
    expect(connection.pendingCount).toBe(DEFER_MIN + 1);

    const [oldest] = written;
    if (oldest === undefined) throw new Error('a request was written');
    peer.reply(oldest, 0, 1n, dataBody(Buffer.from('x')));
    const [next] = await receive(1);
    expect(next?.xid).toBe(late.xid);
    expect((await first[0]?.promise)?.data.toString()).toBe('x');
    expect(connection.awaitingCount).toBe(DEFER_MIN);
  });

  it('handles a read of a whole pipeline of replies over turns, writing the requests their continuations issue in between', async () => {
    const depth = 64;
    const first = Array.from({ length: depth }, (_, index) => getData(`/p${index}`));
    const followUps: Array<ClientRequest<DataResult, GetDataRequest>> = [];
    for (const [index, request] of first.entries()) {
      connection.send(request);
      void request.promise.then((result) => {
        expect(result.data.toString()).toBe(`r${index}`);
        events.push('c');
        const next = getData(`/q${index}`);
        followUps.push(next);
        connection.send(next);
      });
    }
    const written = await receive(depth);
    events = [];
    // Every reply in one write: one read on the client.
    peer.writeRaw(
      Buffer.concat(
        written.map((request, index) => replyBytes(request, 0, 1n, dataBody(Buffer.from(`r${index}`)))),
      ),
    );
    const again = await receive(depth);
    expect(again.map((request) => request.xid)).toEqual(followUps.map((request) => request.xid));
    // Half of the awaited replies per turn: the first half's follow-ups were written before the
    // second half was handled (handling all 64 first wrote them in one batch at the end).
    const firstWrite = events.indexOf('W');
    expect(firstWrite).toBe(depth / 2);
    expect(events.filter((event) => event === 'c')).toHaveLength(depth);
  });

  it('decodes replies split anywhere across reads, and large ones spanning many', async () => {
    const small = Array.from({ length: 5 }, (_, index) => getData(`/s${index}`));
    const large = getData('/large');
    for (const request of [...small, large]) connection.send(request);
    const requests = await receive(6);
    const bodies = requests.map((_, index) =>
      index === 5 ? pattern(300_000) : Buffer.from(`small-${index}`),
    );
    // Encode every reply, then send the bytes in uneven pieces, one piece per turn.
    const stream = Buffer.concat(
      requests.map((request, index) =>
        replyBytes(request, 0, 1n, dataBody(bodies[index] ?? Buffer.alloc(0))),
      ),
    );
    let offset = 0;
    for (let piece = 1; offset < stream.length && piece < 1_000; piece++) {
      const size = Math.min(stream.length - offset, (piece * 7919) % 70_000 || 3);
      peer.writeRaw(stream.subarray(offset, offset + size));
      offset += size;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(offset).toBe(stream.length);
    for (const [index, request] of small.entries()) {
      expect((await request.promise).data.toString()).toBe(`small-${index}`);
    }
    const result = await large.promise;
    expect(result.data.length).toBe(300_000);
    expect(result.data.equals(pattern(300_000))).toBe(true);
    expect(result.stat.dataLength).toBe(300_000);
    await eventually(() => connection.pendingCount === 0, 'every reply');
  });
});

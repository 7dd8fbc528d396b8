/**
 * Hostile and broken clients against `zookit server` as a child process. Each bad
 * connection must cost only itself: two well-behaved clients (one raw session, which cannot
 * reconnect, and zookit's own client) keep creating and reading nodes the whole time, never
 * lose their connection, and every create the server
 * acknowledged is there at the end. The server never crashes and its memory stays bounded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateMode, OpCode } from '../../../src/protocol/constants';
import { Ids } from '../../../src/protocol/data';
import { ErrorCode } from '../../../src/protocol/errors';
import { FrameDecoder } from '../../../src/protocol/framing';
import { Reader } from '../../../src/protocol/reader';
import {
  decodeConnectResponse,
  decodeReplyHeader,
  type RequestBodies,
  type RequestOpCode,
  writeRequest,
  writeRequestFrame,
} from '../../../src/protocol/records';
import { Writer } from '../../../src/protocol/writer';
import { startZookitProcess, type ZookitProcess } from '../../interop/support/zookit-process';
import { fourLetterWord, freePort } from '../../support/network';
import { RawSession } from '../../support/raw-session';
import {
  connectFrame,
  frame,
  openRawSocket,
  residentBytes,
  SteadyClient,
  ZooKitSteadyClient,
} from './support/hostile';
import { randomInt, seededRandom } from './support/seeded-random';

/** Apache's `zookeeper.nio.sessionlessCnxnTimeout` default, which the server uses. */
const SESSIONLESS_TIMEOUT_MS = 10_000;
const FUZZ_DURATION_MS = 4_000;
const FUZZ_WORKERS = 16;
const BIG_DATA_BYTES = 1_000_000;
/** Session timeout of the client that never reads (tickTime 500: the minimum is 1000). */
const SHORT_SESSION_MS = 2_000;
const seed = Number(process.env.ZOOKIT_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

let root: string;
let server: ZookitProcess;
let steady: SteadyClient;
let zookitClient: ZooKitSteadyClient;
let silent: Awaited<ReturnType<typeof openRawSocket>>;
let silentOpenedAtMs: number;
let baselineResidentBytes: number;

function requestFrame<K extends RequestOpCode>(xid: number, type: K, body: RequestBodies[K]): Buffer {
  return Buffer.from(writeRequest(new Writer(), xid, type, body).finish());
}

/** Splits bytes into frames (ConnectResponse first, then replies). */
function framesOf(bytes: Buffer): Buffer[] {
  const decoder = new FrameDecoder({ frameBytesMax: 4 * 1024 * 1024 });
  decoder.push(bytes);
  const frames: Buffer[] = [];
  for (let next = decoder.next(); next !== undefined; next = decoder.next()) frames.push(next);
  return frames;
}

/** Opens a socket that completed the handshake; resolves once the ConnectResponse arrived. */
async function handshaken(sessionTimeoutMs = 10_000): Promise<Awaited<ReturnType<typeof openRawSocket>>> {
  const raw = await openRawSocket(server.port);
  raw.socket.write(connectFrame(sessionTimeoutMs));
  const deadline = Date.now() + 5_000;
  while (framesOf(raw.received()).length === 0 && Date.now() < deadline) await sleep(10);
  const [response] = framesOf(raw.received());
  expect(response).toBeDefined();
  expect(decodeConnectResponse(new Reader(response as Buffer)).sessionId).not.toBe(0n);
  return raw;
}

async function expectHealthy(): Promise<void> {
  expect(server.running).toBe(true);
  expect(await steady.progress(3)).toBe(true);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'zookit-hostile-'));
  const configFile = join(root, 'zoo.cfg');
  writeFileSync(
    configFile,
    [
      'tickTime=500',
      `dataDir=${join(root, 'data')}`,
      `clientPort=${await freePort()}`,
      'clientPortAddress=127.0.0.1',
      'maxClientCnxns=0',
      '4lw.commands.whitelist=*',
      '',
    ].join('\n'),
  );
  server = await startZookitProcess({ args: ['--config', configFile], logFile: join(root, 'server.log') });
  // Opened first, checked last: it must be closed after the sessionless timeout.
  silent = await openRawSocket(server.port);
  silentOpenedAtMs = Date.now();
  steady = new SteadyClient(server.port, '/hostile/steady');
  await steady.start();
  zookitClient = new ZooKitSteadyClient(server.connectString, '/hostile/zookit');
  await zookitClient.start();
  expect(await steady.progress(5)).toBe(true);
  baselineResidentBytes = residentBytes(server.pid);
});

afterAll(async () => {
  silent?.socket.destroy();
  await zookitClient?.stop();
  if (server?.running) await server.signal('SIGTERM');
  rmSync(root, { recursive: true, force: true });
});

describe('hostile clients: each bad connection costs only itself', () => {
  it('a malformed frame (truncated getData body) closes that connection', async () => {
    const raw = await handshaken();
    const header = Buffer.from(writeRequestFrame(new Writer(), { xid: 1, type: OpCode.getData }).finish());
    // A getData header whose body is three bytes: the path's length cannot even be read.
    raw.socket.write(frame(Buffer.concat([header.subarray(4), Buffer.from([0, 0, 0])])));
    expect(await raw.closedWithin(3_000)).toBe(true);
    await expectHealthy();
  });

  it('an oversized frame (> jute.maxbuffer) closes that connection, before or after the handshake', async () => {
    const before = await openRawSocket(server.port);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(0xfffff + 1);
    before.socket.write(prefix);
    expect(await before.closedWithin(3_000)).toBe(true);
    expect(before.received().length).toBe(0);

    const after = await handshaken();
    after.socket.write(Buffer.concat([prefix, Buffer.alloc(1024)]));
    expect(await after.closedWithin(3_000)).toBe(true);
    await expectHealthy();
  });

  it('a negative frame length closes that connection', async () => {
    const raw = await handshaken();
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(-5);
    raw.socket.write(prefix);
    expect(await raw.closedWithin(3_000)).toBe(true);
    await expectHealthy();
  });

  it('an unknown opcode is answered UNIMPLEMENTED, then the connection closes', async () => {
    const raw = await handshaken();
    raw.socket.write(Buffer.from(writeRequestFrame(new Writer(), { xid: 7, type: 9999 }).finish()));
    expect(await raw.closedWithin(3_000)).toBe(true);
    const frames = framesOf(raw.received());
    expect(frames.length).toBe(2);
    const reply = new Reader(frames[1] as Buffer);
    const header = decodeReplyHeader(reply);
    expect(header.xid).toBe(7);
    expect(header.err).toBe(ErrorCode.UNIMPLEMENTED);
    await expectHealthy();
  });

  it('a request sent before connect (garbage as ConnectRequest) gets no session', async () => {
    const raw = await openRawSocket(server.port);
    raw.socket.write(requestFrame(1, OpCode.getData, { path: '/hostile', watch: false }));
    expect(await raw.closedWithin(3_000)).toBe(true);
    expect(raw.received().length).toBe(0);

    const random = seededRandom(seed);
    const garbage = await openRawSocket(server.port);
    const bytes = Buffer.from(Array.from({ length: 45 }, () => randomInt(random, 0, 256)));
    garbage.socket.write(frame(bytes));
    expect(await garbage.closedWithin(3_000)).toBe(true);
    // At most an "expired" ConnectResponse (session id 0) if the bytes happened to parse.
    for (const response of framesOf(garbage.received()))
      expect(decodeConnectResponse(new Reader(response)).sessionId).toBe(0n);
    await expectHealthy();
  });

  it('a client that never reads its replies is throttled or dropped; memory stays bounded', async () => {
    const writer = await RawSession.connect({ port: server.port, timeOut: 10_000 });
    const created = await writer.session.call(OpCode.create, {
      path: '/hostile/big',
      data: Buffer.alloc(BIG_DATA_BYTES, 7),
      acl: [...Ids.OPEN_ACL_UNSAFE],
      flags: CreateMode.PERSISTENT,
    });
    expect(created.header.err).toBe(0);
    writer.session.destroy();

    // A short session: a connection the server is not reading sends it no pings either.
    const raw = await handshaken(SHORT_SESSION_MS);
    raw.socket.pause(); // read nothing more until the end of the test
    const requestsCount = 3_000; // 3 GB of replies if the server buffered them all
    const requests = Array.from({ length: requestsCount }, (_, index) =>
      requestFrame(index + 1, OpCode.getData, { path: '/hostile/big', watch: false }),
    );
    raw.socket.write(Buffer.concat(requests));
    let peakBytes = 0;
    const samplingEndMs = Date.now() + SHORT_SESSION_MS + 2_000;
    for (let sample = 0; sample < 100 && Date.now() < samplingEndMs; sample++) {
      await sleep(100);
      peakBytes = Math.max(peakBytes, residentBytes(server.pid));
    }
    expect(peakBytes - baselineResidentBytes).toBeLessThan(200 * 1024 * 1024);
    await expectHealthy();
    // Its session was not touched while the server was not reading it: it expired, and the
    // server closed the connection (seen once we read what the socket holds).
    raw.socket.resume();
    expect(await raw.closedWithin(10_000)).toBe(true);
    const replies = framesOf(raw.received()).length - 1;
    expect(replies).toBeLessThan(requestsCount);
    await expectHealthy();
  }, 40_000);

  it('fuzzed frames from many connections never crash the server', async () => {
    const random = seededRandom(seed);
    const deadline = Date.now() + FUZZ_DURATION_MS;
    const templates = [
      connectFrame(),
      requestFrame(1, OpCode.getData, { path: '/hostile/steady', watch: true }),
      requestFrame(2, OpCode.create, {
        path: '/fuzz/a',
        data: Buffer.from('x'),
        acl: [...Ids.OPEN_ACL_UNSAFE],
        flags: CreateMode.PERSISTENT,
      }),
      requestFrame(3, OpCode.setData, { path: '/fuzz', data: Buffer.from('y'), version: -1 }),
      requestFrame(4, OpCode.getChildren2, { path: '/', watch: true }),
      requestFrame(5, OpCode.setACL, { path: '/fuzz', acl: [...Ids.OPEN_ACL_UNSAFE], version: -1 }),
      requestFrame(6, OpCode.sync, { path: '/' }),
      requestFrame(7, OpCode.addWatch, { path: '/', mode: 1 }),
      requestFrame(8, OpCode.multi, {
        ops: [{ type: OpCode.delete, request: { path: '/fuzz/zz', version: -1 } }],
      } as never),
    ];
    const mutate = (bytes: Buffer): Buffer => {
      const copy = Buffer.from(bytes);
      const flips = randomInt(random, 1, 6);
      for (let flip = 0; flip < flips; flip++)
        copy[randomInt(random, 0, copy.length)] = randomInt(random, 0, 256);
      const choice = random();
      if (choice < 0.2) return copy.subarray(0, randomInt(random, 1, copy.length));
      if (choice < 0.3)
        return Buffer.concat([copy, Buffer.alloc(randomInt(random, 1, 64), randomInt(random, 0, 256))]);
      return copy;
    };
    let connections = 0;
    const worker = async (): Promise<void> => {
      for (let iteration = 0; iteration < 10_000 && Date.now() < deadline; iteration++) {
        const raw = await openRawSocket(server.port).catch(() => undefined);
        if (raw === undefined) continue;
        connections += 1;
        const mode = random();
        if (mode < 0.25) {
          raw.socket.write(
            Buffer.from(Array.from({ length: randomInt(random, 1, 300) }, () => randomInt(random, 0, 256))),
          );
        } else {
          raw.socket.write(mode < 0.4 ? mutate(connectFrame()) : connectFrame());
          const frames = randomInt(random, 1, 12);
          for (let index = 0; index < frames; index++) {
            const template = templates[randomInt(random, 0, templates.length)] as Buffer;
            raw.socket.write(random() < 0.5 ? template : mutate(template));
          }
        }
        await raw.closedWithin(randomInt(random, 5, 100));
        raw.socket.destroy();
      }
    };
    await Promise.all(Array.from({ length: FUZZ_WORKERS }, () => worker()));
    expect(connections).toBeGreaterThan(FUZZ_WORKERS * 5);
    expect(await fourLetterWord(server.port, 'ruok')).toBe('imok');
    await expectHealthy();
  }, 30_000);

  it('a connection that never completes the handshake is closed after the sessionless timeout', async () => {
    const waitMs = silentOpenedAtMs + SESSIONLESS_TIMEOUT_MS + 3_000 - Date.now();
    expect(await silent.closedWithin(Math.max(waitMs, 0))).toBe(true);
    const lifetimeMs = (silent.closedAtMs as number) - silentOpenedAtMs;
    expect(lifetimeMs).toBeGreaterThanOrEqual(SESSIONLESS_TIMEOUT_MS - 500);
    expect(silent.received().length).toBe(0);
  }, 20_000);

  it('the well-behaved client never noticed, and every acknowledged write is there', async () => {
    await expectHealthy();
    expect(server.running).toBe(true);
    expect(steady.failures).toEqual([]);
    expect(steady.count).toBeGreaterThan(20);
    expect(await steady.stopAndVerify()).toEqual([]);
    expect(zookitClient.failures).toEqual([]);
    expect(zookitClient.neverDisconnected).toBe(true);
    expect(zookitClient.count).toBeGreaterThan(20);
    expect(await zookitClient.stopAndVerify()).toEqual([]);
    expect(await server.signal('SIGTERM')).toBe(0);
    expect(server.output()).not.toMatch(/AssertionError|uncaught|TypeError|RangeError/i);
  }, 30_000);
});

describe('hostile clients: maxClientCnxns', () => {
  it('refuses connections over the per-address cap and accepts again when one closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zookit-cap-'));
    const configFile = join(dir, 'zoo.cfg');
    writeFileSync(
      configFile,
      `tickTime=500\ndataDir=${join(dir, 'data')}\nclientPort=0\nclientPortAddress=127.0.0.1\nmaxClientCnxns=4\n`,
    );
    const capped = await startZookitProcess({
      args: ['--config', configFile],
      logFile: join(dir, 'server.log'),
    });
    try {
      const sessions = await Promise.all(
        Array.from({ length: 4 }, () => RawSession.connect({ port: capped.port, timeOut: 10_000 })),
      );
      const refused = await openRawSocket(capped.port);
      refused.socket.write(connectFrame());
      expect(await refused.closedWithin(3_000)).toBe(true);
      expect(refused.received().length).toBe(0);
      // The four admitted sessions still work.
      for (const { session } of sessions) {
        const reply = await session.call(OpCode.exists, { path: '/', watch: false });
        expect(reply.header.err).toBe(0);
      }
      sessions[0]?.session.destroy();
      await sleep(200);
      const admitted = await RawSession.connect({ port: capped.port, timeOut: 10_000 });
      expect(admitted.response.sessionId).not.toBe(0n);
      admitted.session.destroy();
      for (const { session } of sessions) session.destroy();
      expect(await capped.signal('SIGTERM')).toBe(0);
    } finally {
      if (capped.running) await capped.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Crash durability of `zookit server` as a child process: a raw-protocol writer pipelines
 * sequential creates and setData calls and records every write the server ACKNOWLEDGED;
 * the server is killed with SIGKILL at a random moment; it restarts on the same data dir
 * and every acknowledged write must be there, in order:
 *
 * - the round's sequential nodes that survived are exactly the first k sent (a prefix, k at
 *   least the number acknowledged), their sequence numbers increasing in send order, and
 *   each holds the data it was created with;
 * - the counter node's version is at least the last acknowledged version, and its data is
 *   the value written by the setData that produced that version;
 * - nothing from earlier rounds is lost, and session ids never repeat across restarts.
 *
 * The seed is printed on failure; ZOOKIT_CRASH_SEED replays one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateMode, OpCode } from '../../../src/protocol/constants';
import { Ids } from '../../../src/protocol/data';
import { ErrorCode } from '../../../src/protocol/errors';
import {
  decodeCreateResponse,
  decodeGetChildrenResponse,
  decodeGetDataResponse,
  decodeSetDataResponse,
} from '../../../src/protocol/records';
import { startZookitProcess, type ZookitProcess } from '../../interop/support/zookit-process';
import { RawSession } from '../../support/raw-session';
import { seededRandom } from './support/seeded-random';

const ROUNDS = 8;
/** The writer runs this long at most before the kill (the kill comes earlier, at random). */
const KILL_DELAY_MS_MIN = 80;
const KILL_DELAY_MS_MAX = 700;
/** Requests the writer keeps in flight: several per group commit. */
const OUTSTANDING_MAX = 24;
const PARENT = '/crash';
const COUNTER = `${PARENT}/counter`;
const SEQUENCE_PREFIX = `${PARENT}/seq-`;

/** What the writer sent and what the server acknowledged in one round. */
interface RoundRecord {
  round: number;
  /** Counter version when the round began. */
  counterBase: number;
  creates: { data: string; path: string | undefined }[];
  /** Highest counter version acknowledged this round (counterBase if none). */
  counterAcked: number;
}

type Pending = { kind: 'create'; index: number } | { kind: 'set'; version: number };

let root: string;
let dataDir: string;
let port = 0;
const seed = Number(process.env.ZOOKIT_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const random = seededRandom(seed);
const sessionIds: bigint[] = [];

async function startServer(round: number): Promise<ZookitProcess> {
  const server = await startZookitProcess({
    args: ['--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--tick-time', '500'],
    logFile: join(root, `server-${round}.log`),
  });
  port = server.port;
  return server;
}

async function connect(): Promise<RawSession> {
  const { session, response } = await RawSession.connect({ port, timeOut: 4_000 });
  sessionIds.push(response.sessionId);
  return session;
}

/**
 * Sends creates and setData calls, `OUTSTANDING_MAX` in flight, recording acknowledgements
 * in `record`, until the connection dies (the server was killed) or `deadlineMs`.
 */
async function write(session: RawSession, record: RoundRecord, deadlineMs: number): Promise<void> {
  const pending: Pending[] = [];
  let setCount = 0;
  const acl = [...Ids.OPEN_ACL_UNSAFE];
  const writesMax = 200_000;
  for (let sent = 0; sent < writesMax && Date.now() < deadlineMs; ) {
    while (pending.length < OUTSTANDING_MAX && sent < writesMax) {
      sent += 1;
      if (sent % 3 === 0) {
        setCount += 1;
        const version = record.counterBase + setCount;
        session.send(OpCode.setData, { path: COUNTER, data: Buffer.from(`v${version}`), version: -1 });
        pending.push({ kind: 'set', version });
      } else {
        const index = record.creates.length;
        const data = `r${record.round}-${index}`;
        record.creates.push({ data, path: undefined });
        session.send(OpCode.create, {
          path: SEQUENCE_PREFIX,
          data: Buffer.from(data),
          acl,
          flags: CreateMode.PERSISTENT_SEQUENTIAL,
        });
        pending.push({ kind: 'create', index });
      }
    }
    let reply: Awaited<ReturnType<RawSession['nextReply']>>;
    try {
      reply = await session.nextReply(5_000);
    } catch {
      return; // the server died: everything still pending is unacknowledged
    }
    const request = pending.shift();
    if (request === undefined) throw new Error(`unexpected reply xid ${reply.header.xid}`);
    expect(reply.header.err).toBe(0);
    if (request.kind === 'create') {
      const entry = record.creates[request.index];
      if (entry === undefined) throw new Error('create index out of range');
      entry.path = decodeCreateResponse(reply.reader).path;
    } else {
      expect(decodeSetDataResponse(reply.reader).stat.version).toBe(request.version);
      record.counterAcked = request.version;
    }
  }
}

/** Sends `count` requests made by `send(i)` pipelined and returns the replies in order. */
async function pipelined<T>(
  session: RawSession,
  count: number,
  send: (index: number) => void,
  read: (reply: Awaited<ReturnType<RawSession['nextReply']>>) => T,
): Promise<T[]> {
  const results: T[] = [];
  const windowSize = 256;
  let sent = 0;
  for (let index = 0; index < count; index++) {
    while (sent < count && sent - index < windowSize) send(sent++);
    results.push(read(await session.nextReply()));
  }
  return results;
}

/** Checks every round recorded so far against what the restarted server holds. */
async function verify(session: RawSession, records: readonly RoundRecord[]): Promise<number> {
  const children = await session.call(OpCode.getChildren, { path: PARENT, watch: false });
  expect(children.header.err).toBe(0);
  const names = decodeGetChildrenResponse(children.reader)
    .children.filter((name) => name.startsWith('seq-'))
    .sort();
  const paths = names.map((name) => `${PARENT}/${name}`);
  const datas = await pipelined(
    session,
    paths.length,
    (index) => session.send(OpCode.getData, { path: paths[index] as string, watch: false }),
    (reply) => {
      expect(reply.header.err).toBe(0);
      return decodeGetDataResponse(reply.reader).data?.toString('utf8') ?? '';
    },
  );
  const stored = new Map(paths.map((path, index) => [path, datas[index] as string]));
  for (const record of records) {
    // The survivors of this round, in sequence order, must be its first k creates.
    const survivors = paths.filter((path) => stored.get(path)?.startsWith(`r${record.round}-`));
    const survivorData = survivors.map((path) => stored.get(path));
    expect(survivorData).toEqual(record.creates.slice(0, survivors.length).map((create) => create.data));
    const acknowledged = record.creates.filter((create) => create.path !== undefined);
    expect(survivors.length).toBeGreaterThanOrEqual(acknowledged.length);
    for (const create of acknowledged) expect(stored.get(create.path as string)).toBe(create.data);
  }
  const counter = await session.call(OpCode.getData, { path: COUNTER, watch: false });
  expect(counter.header.err).toBe(0);
  const { data, stat } = decodeGetDataResponse(counter.reader);
  const last = records.at(-1);
  if (last !== undefined) expect(stat.version).toBeGreaterThanOrEqual(last.counterAcked);
  expect(data?.toString('utf8')).toBe(`v${stat.version}`);
  return stat.version;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'zookit-crash-'));
  dataDir = join(root, 'data');
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('zookit server: kill -9 durability', () => {
  it(`keeps every acknowledged write across ${ROUNDS} SIGKILLs (seed ${seed})`, async () => {
    const records: RoundRecord[] = [];
    let acknowledgedTotal = 0;
    let server = await startServer(0);
    const setup = await connect();
    const acl = [...Ids.OPEN_ACL_UNSAFE];
    for (const path of [PARENT, COUNTER]) {
      const reply = await setup.call(OpCode.create, {
        path,
        data: Buffer.from('v0'),
        acl,
        flags: CreateMode.PERSISTENT,
      });
      expect(reply.header.err).toBe(0);
    }
    setup.destroy();
    let counterVersion = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const record: RoundRecord = {
        round,
        counterBase: counterVersion,
        creates: [],
        counterAcked: counterVersion,
      };
      records.push(record);
      const session = await connect();
      const killDelayMs = KILL_DELAY_MS_MIN + Math.floor(random() * (KILL_DELAY_MS_MAX - KILL_DELAY_MS_MIN));
      const writing = write(session, record, Date.now() + 10_000);
      await sleep(killDelayMs);
      await server.kill();
      await writing;
      session.destroy();
      acknowledgedTotal += record.creates.filter((create) => create.path !== undefined).length;

      server = await startServer(round + 1);
      const checker = await connect();
      counterVersion = await verify(checker, records);
      await checker.closeSession();
      checker.destroy();
    }
    expect(await server.signal('SIGTERM')).toBe(0);
    // The run wrote something in most rounds (a kill before the first fsync is allowed).
    expect(acknowledgedTotal).toBeGreaterThan(ROUNDS * 10);
    expect(new Set(sessionIds).size).toBe(sessionIds.length);
  }, 110_000);

  it('answers NONODE for a path never written (the checker is not vacuous)', async () => {
    const server = await startServer(ROUNDS + 1);
    const session = await connect();
    const reply = await session.call(OpCode.getData, { path: `${SEQUENCE_PREFIX}9999999999`, watch: false });
    expect(reply.header.err).toBe(ErrorCode.NONODE);
    session.destroy();
    expect(await server.signal('SIGTERM')).toBe(0);
  });
});

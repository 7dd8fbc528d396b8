/**
 * Fuzzy snapshots under crashes: `zookit server` runs as a child process with a tiny snapCount, so background
 * snapshots are taken over and over while clients keep writing (creates and deletes of the same paths, sequential
 * and ephemeral nodes, setData, sessions closing); it is killed with SIGKILL at a random moment. Then the data dir
 * is recovered the way the server does it (newest snapshot + the log after it) and compared with the tree an
 * un-crashed server had at the same point: every durable txn of the log replayed from an empty tree (autopurge is
 * off, so the whole log is there). Finally the server restarts on the data dir and serves the recovered tree.
 *
 * The seed is printed on failure; ZOOKIT_SNAPSHOT_CRASH_SEED replays one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperDatabase } from '../../../server/data/database';
import type { WatchOwner } from '../../../server/data/watch-table';
import { openStorage } from '../../../server/storage';
import type { Recovery } from '../../../server/storage/types';
import { CreateMode, OpCode } from '../../../src/protocol/constants';
import { Ids } from '../../../src/protocol/data';
import { Reader } from '../../../src/protocol/reader';
import { decodeTxnEntry } from '../../../src/protocol/txn';
import { startZookitProcess, type ZookitProcess } from '../../interop/support/zookit-process';
import { freePort } from '../../support/network';
import { RawSession } from '../../support/raw-session';
import { databaseFingerprint } from '../../unit/server/data/fingerprint';
import { randomInt, seededRandom } from './support/seeded-random';

const ROUNDS = 4;
/** Writes run this long at most before the kill (it comes earlier, at random). */
const KILL_DELAY_MS_MIN = 150;
const KILL_DELAY_MS_MAX = 900;
/** Snapshots every 10–20 txns (Apache's jitter over snapCount/2 … snapCount). */
const SNAP_COUNT = 20;
const SESSIONS = 3;
const OUTSTANDING_MAX = 12;
/** Nodes of 1 KiB made before the first round. */
const PAD_NODES = 4_000;
const PATHS = ['/f/a', '/f/b', '/f/a/x', '/f/b/y', '/f/c'] as const;

const seed = Number(process.env.ZOOKIT_SNAPSHOT_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const random = seededRandom(seed);
let root: string;
let dataDir: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'zookit-snapshot-crash-'));
  dataDir = join(root, 'data');
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

async function startServer(round: number, tag: string): Promise<ZookitProcess> {
  const port = await freePort();
  const config = join(root, `zoo-${round}-${tag}.cfg`);
  writeFileSync(
    config,
    [
      'tickTime=500',
      `dataDir=${dataDir}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      `snapCount=${SNAP_COUNT}`,
      '',
    ].join('\n'),
  );
  return startZookitProcess({
    args: ['--config', config],
    logFile: join(root, `server-${round}-${tag}.log`),
  });
}

/** One client: random pipelined writes until the connection dies or the deadline passes. */
async function writeUntilKilled(session: RawSession, deadlineMs: number): Promise<number> {
  const acl = [...Ids.OPEN_ACL_UNSAFE];
  let inFlight = 0;
  let acknowledged = 0;
  for (let sent = 0; sent < 100_000 && Date.now() < deadlineMs; ) {
    while (inFlight < OUTSTANDING_MAX) {
      sent += 1;
      inFlight += 1;
      const path = PATHS[randomInt(random, 0, PATHS.length)] as string;
      const roll = random();
      const data = Buffer.from(`d${sent}`);
      if (roll < 0.4) {
        const flags = [CreateMode.PERSISTENT, CreateMode.EPHEMERAL, CreateMode.PERSISTENT_SEQUENTIAL][
          randomInt(random, 0, 3)
        ] as number;
        session.send(OpCode.create, { path, data, acl, flags });
      } else if (roll < 0.75) session.send(OpCode.delete, { path, version: -1 });
      else session.send(OpCode.setData, { path, data, version: -1 });
    }
    try {
      await session.nextReply(5_000);
    } catch {
      return acknowledged; // killed: what is still in flight was never acknowledged
    }
    inFlight -= 1;
    acknowledged += 1;
  }
  session.destroy();
  return acknowledged;
}

/**
 * `/f` and {@link PAD_NODES} nodes of 1 KiB, so each snapshot is megabytes: written in many steps, between which
 * the clients' txns keep applying (a fuzzy snapshot in earnest).
 */
async function preload(port: number): Promise<void> {
  const { session } = await RawSession.connect({ port, timeOut: 4_000 });
  const acl = [...Ids.OPEN_ACL_UNSAFE];
  expect((await session.call(OpCode.create, { path: '/f', data: null, acl, flags: 0 })).header.err).toBe(0);
  const padding = Buffer.alloc(1024, 0x70);
  for (let first = 0; first < PAD_NODES; first += 500) {
    const ops = Array.from({ length: 500 }, (_, index) => ({
      type: OpCode.create,
      request: { path: `/f/pad-${first + index}`, data: padding, acl, flags: 0 },
    }));
    expect((await session.call(OpCode.multi, { ops } as never)).header.err).toBe(0);
  }
  session.destroy();
}

async function replay<W extends WatchOwner>(
  db: ZooKeeperDatabase<W>,
  txns: Recovery['txns'],
): Promise<number> {
  let applied = 0;
  for await (const logged of txns) {
    if (logged.zxid <= db.lastProcessedZxid) continue;
    db.apply(decodeTxnEntry(new Reader(logged.entry)));
    applied += 1;
  }
  return applied;
}

/** The recovered database (snapshot + log after it) and the whole log replayed from an empty tree. */
async function recoverBothWays(): Promise<{
  recovered: ZooKeeperDatabase<WatchOwner>;
  fromLog: ZooKeeperDatabase<WatchOwner>;
  snapshotZxid: bigint;
  replayedAfterSnapshot: number;
}> {
  const storage = await openStorage({ dataDir, logger: { warn: () => undefined } });
  try {
    const recovery = await storage.recover();
    let recovered = new ZooKeeperDatabase<WatchOwner>();
    const snapshotZxid = recovery.snapshot?.zxid ?? 0n;
    if (recovery.snapshot !== undefined) {
      const chunks: Buffer[] = [];
      for await (const chunk of recovery.snapshot.chunks) chunks.push(chunk);
      recovered = ZooKeeperDatabase.restore<WatchOwner>(chunks, recovery.snapshot.zxid);
    }
    const replayedAfterSnapshot = await replay(recovered, recovery.txns);
    const fromLog = new ZooKeeperDatabase<WatchOwner>();
    await replay(fromLog, storage.log.readFrom(1n));
    return { recovered, fromLog, snapshotZxid, replayedAfterSnapshot };
  } finally {
    await storage.close();
  }
}

describe('server: fuzzy snapshots and SIGKILL', () => {
  it(`recovers snapshot + log to exactly the tree of the whole log (seed ${seed})`, async () => {
    let snapshotsUsed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const server = await startServer(round, 'load');
      const port = server.port;
      if (round === 0) await preload(port);
      // Sessions first: the kill's random moment falls among writes, never before a handshake.
      const sessions = await Promise.all(
        Array.from(
          { length: SESSIONS },
          async () => (await RawSession.connect({ port, timeOut: 4_000 })).session,
        ),
      );
      const killAtMs = Date.now() + randomInt(random, KILL_DELAY_MS_MIN, KILL_DELAY_MS_MAX);
      const clients = sessions.map((session) => writeUntilKilled(session, killAtMs + 5_000));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, killAtMs - Date.now())));
      await server.kill();
      const acknowledged = (await Promise.all(clients)).reduce((sum, count) => sum + count, 0);
      expect(acknowledged, `seed ${seed} round ${round}: writes were acknowledged`).toBeGreaterThan(0);

      const { recovered, fromLog, snapshotZxid, replayedAfterSnapshot } = await recoverBothWays();
      expect(databaseFingerprint(recovered), `seed ${seed} round ${round}`).toEqual(
        databaseFingerprint(fromLog),
      );
      if (snapshotZxid > 0n) {
        snapshotsUsed += 1;
        expect(replayedAfterSnapshot).toBeLessThan(Number(fromLog.lastProcessedZxid));
      }

      // The restarted server serves what recovery found (srvr's node count counts the root twice, as Apache's).
      const restarted = await startServer(round, 'check');
      const check = await RawSession.connect({ port: restarted.port, timeOut: 4_000 });
      const reply = await check.session.call(OpCode.getAllChildrenNumber, { path: '/' });
      expect(reply.header.err).toBe(0);
      expect(reply.reader.int()).toBe(fromLog.tree.nodeCount - 1);
      check.session.destroy();
      await restarted.signal('SIGTERM');
    }
    expect(snapshotsUsed, `seed ${seed}: recovery started from a snapshot`).toBeGreaterThan(0);
  }, 120_000);
});

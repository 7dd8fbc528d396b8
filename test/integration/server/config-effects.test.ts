/**
 * zoo.cfg keys whose effect is outside the protocol, observed from outside:
 * - `forceSync` (Apache's `zookeeper.forceSync`): by default every acknowledged write's txn is fdatasync'ed; with
 *   `forceSync=no` the log is written but not fsynced. Counts the fdatasync calls the server makes while a client
 *   writes, on a real data dir (the FileHandle prototype is shared by every handle the server opens).
 * - `clientPortListenBacklog`: the listening socket's queue as the kernel reports it (`ss`: Send-Q of a LISTEN
 *   socket is its backlog).
 * - `globalOutstandingLimit`: with the txn log's fsync held, a client pipelines many writes; the server takes
 *   requests until it holds more than the limit, then stops reading that connection until they are answered.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configFromOptions } from '../../../server/config';
import { silentLogger, ZooKeeperServer } from '../../../server/runtime/zookeeper-server';
import { defaultSyncFile, type SyncFile } from '../../../server/storage/disk';
import { openStorage } from '../../../server/storage/storage';
import { TestingServer } from '../../../server/testing';
import { CreateMode, ZooKit } from '../../../src/index';
import { OpCode } from '../../../src/protocol/constants';
import { Ids } from '../../../src/protocol/data';
import { waitUntil } from '../../support/network';
import { RawSession } from '../../support/raw-session';

const WRITES = 20;

async function fileHandlePrototype(directory: string): Promise<{ datasync: () => Promise<void> }> {
  const handle = await open(join(directory, 'probe'), 'w');
  const prototype = Object.getPrototypeOf(handle) as { datasync: () => Promise<void> };
  await handle.close();
  return prototype;
}

/** Writes WRITES nodes through a zookit client and returns the fdatasync calls the server made meanwhile. */
async function datasyncsDuringWrites(forceSync: boolean | undefined): Promise<number> {
  const directory = await mkdtemp(join(tmpdir(), 'zookit-force-sync-'));
  const server = await TestingServer.start({
    dataDir: join(directory, 'data'),
    logger: silentLogger,
    ...(forceSync === undefined ? {} : { forceSync }),
  });
  const client = ZooKit.newClient(server.connectString, { sessionTimeoutMs: 10_000 });
  try {
    await client.start();
    const prototype = await fileHandlePrototype(directory);
    const datasync = vi.spyOn(prototype, 'datasync');
    try {
      for (let index = 0; index < WRITES; index++) {
        await client.create(`/n${index}`, Buffer.from('x'), { mode: CreateMode.PERSISTENT });
      }
      // Acknowledged means applied: the nodes are there either way.
      expect((await client.getChildren('/')).filter((name) => name.startsWith('n'))).toHaveLength(WRITES);
      return datasync.mock.calls.length;
    } finally {
      datasync.mockRestore();
    }
  } finally {
    await client.close();
    await server.close();
    await rm(directory, { recursive: true, force: true });
  }
}

describe('forceSync', () => {
  afterEach(() => vi.restoreAllMocks());

  it('fsyncs the txn log of every acknowledged write by default', async () => {
    // One write at a time: every write is its own batch and its own fdatasync.
    expect(await datasyncsDuringWrites(undefined)).toBeGreaterThanOrEqual(WRITES);
  });

  it('writes the log without fsyncing it under forceSync=no', async () => {
    expect(await datasyncsDuringWrites(false)).toBe(0);
  });
});

/** The backlog the kernel holds for the socket listening on `port` (Send-Q of `ss -ltn`). */
function listenBacklog(port: number): number {
  const output = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  const fields = output.trim().split(/\s+/);
  if (fields[0] !== 'LISTEN')
    throw new Error(`no listening socket on port ${port}: ${JSON.stringify(output)}`);
  return Number(fields[2]);
}

describe('clientPortListenBacklog', () => {
  it("sizes the client port's accept queue", async () => {
    const server = await TestingServer.start({
      inMemory: true,
      logger: silentLogger,
      clientPortListenBacklog: 7,
    });
    try {
      expect(listenBacklog(server.port)).toBe(7);
    } finally {
      await server.close();
    }
  });

  it('leaves the platform default when unset', async () => {
    const server = await TestingServer.start({ inMemory: true, logger: silentLogger });
    try {
      expect(listenBacklog(server.port)).toBeGreaterThan(7);
    } finally {
      await server.close();
    }
  });
});

describe('globalOutstandingLimit', () => {
  const LIMIT = 10;
  const PIPELINED = 100;

  it('stops reading a connection with requests in flight while the server holds more than the limit', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'zookit-outstanding-'));
    let holding = false;
    let release = (): void => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The log's fsyncs wait while `holding`: every write stays in flight until released.
    const syncFile: SyncFile = async (handle, purpose) => {
      if (purpose === 'log' && holding) await released;
      await defaultSyncFile(handle, purpose);
    };
    const storage = await openStorage({ dataDir: directory, syncFile, logger: { warn() {} } });
    const config = configFromOptions({
      clientPort: 0,
      clientPortAddress: '127.0.0.1',
      globalOutstandingLimit: LIMIT,
    });
    const server = await ZooKeeperServer.start({ config, storage });
    const { session } = await RawSession.connect({ port: server.port, timeOut: 10_000 });
    try {
      holding = true;
      const xids = Array.from({ length: PIPELINED }, (_, index) =>
        session.send(OpCode.create, {
          path: `/n${index}`,
          data: Buffer.from([index]),
          acl: [...Ids.OPEN_ACL_UNSAFE],
          flags: CreateMode.PERSISTENT,
        }),
      );
      await waitUntil(async () => server.outstandingRequests > LIMIT, {
        timeoutMs: 5_000,
        intervalMs: 10,
        describeFailure: () => `in flight: ${server.outstandingRequests}`,
      });
      // Give the server every chance to read on: all 100 requests are in its socket buffer.
      await sleep(200);
      expect(server.outstandingRequests).toBe(LIMIT + 1);
      release();
      for (const xid of xids) expect((await session.expectReply(xid)).header.err).toBe(0);
      expect(server.outstandingRequests).toBe(0);
    } finally {
      release();
      session.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});

/**
 * zoo.cfg keys whose effect is outside the protocol, observed from outside:
 * - `forceSync` (Apache's `zookeeper.forceSync`): by default every acknowledged write's txn is fdatasync'ed; with
 *   `forceSync=no` the log is written but not fsynced. Counts the fdatasync calls the server makes while a client
 *   writes, on a real data dir (the FileHandle prototype is shared by every handle the server opens).
 * - `clientPortListenBacklog`: the listening socket's queue as the kernel reports it (`ss`: Send-Q of a LISTEN
 *   socket is its backlog).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../server/runtime/zookeeper-server';
import { TestingServer } from '../../../server/testing';
import { CreateMode, ZooKit } from '../../../src/index';

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

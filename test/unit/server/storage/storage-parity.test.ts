/**
 * One suite, two implementations: file storage and memory storage must behave the same (round trip, rollover,
 * truncate, snapshots, purge, state, lock).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DataDirLockedError,
  MemoryDisk,
  openMemoryStorage,
  openStorage,
  type Storage,
} from '../../../../server/storage';
import { collect, makeTempDir, payloadFor, recordingLogger } from './helpers';

interface Backend {
  open(options?: { snapCount?: number }): Promise<Storage>;
  cleanup(): Promise<void>;
}

async function fileBackend(): Promise<Backend> {
  const dir = await makeTempDir();
  return {
    open: (options = {}) =>
      openStorage({ dataDir: dir.path, logger: recordingLogger(), random: () => 0, ...options }),
    cleanup: dir.remove,
  };
}

async function memoryBackend(): Promise<Backend> {
  const disk = new MemoryDisk();
  return {
    open: (options = {}) =>
      openMemoryStorage({ disk, logger: recordingLogger(), random: () => 0, ...options }),
    cleanup: async () => undefined,
  };
}

async function appendRange(storage: Storage, from: bigint, to: bigint): Promise<void> {
  const appends: Promise<void>[] = [];
  for (let zxid = from; zxid <= to; zxid++) appends.push(storage.log.append(zxid, payloadFor(zxid)));
  await Promise.all(appends);
}

async function zxidsOf(storage: Storage, from = 0n): Promise<bigint[]> {
  return (await collect(storage.log.readFrom(from))).map((logged) => logged.zxid);
}

function range(from: bigint, to: bigint): bigint[] {
  const all: bigint[] = [];
  for (let zxid = from; zxid <= to; zxid++) all.push(zxid);
  return all;
}

/** Snapshot chunks that name their zxid, so a test can tell snapshots apart. */
function chunksFor(zxid: bigint): Buffer[] {
  return [Buffer.from(`snap-${zxid}`), Buffer.alloc(0), Buffer.alloc(3000, Number(zxid % 251n))];
}

for (const [name, makeBackend] of [
  ['file', fileBackend],
  ['memory', memoryBackend],
] as const) {
  describe(`storage (${name})`, () => {
    let backend: Backend;
    let storage: Storage | undefined;
    beforeEach(async () => {
      backend = await makeBackend();
    });
    afterEach(async () => {
      await storage?.close();
      storage = undefined;
      await backend.cleanup();
    });

    it('recovers every appended entry, in order, with its bytes, after a reopen', async () => {
      storage = await backend.open();
      await appendRange(storage, 1n, 50n);
      expect(storage.log.lastZxid).toBe(50n);
      expect(storage.log.durableZxid).toBe(50n);
      await storage.close();
      storage = await backend.open();
      const recovery = await storage.recover();
      expect(recovery.snapshot).toBeUndefined();
      const txns = await collect(recovery.txns);
      expect(txns.map((logged) => logged.zxid)).toEqual(range(1n, 50n));
      expect(txns.map((logged) => logged.entry.toString())).toEqual(
        range(1n, 50n).map((z) => payloadFor(z).toString()),
      );
      expect(storage.log.lastZxid).toBe(50n);
    });

    it('appendThen: callbacks never synchronous, in zxid order; the buffer may be reused at once; flush after them', async () => {
      storage = await backend.open();
      const log = storage.log;
      const order: string[] = [];
      const scratch = Buffer.alloc(64);
      for (let zxid = 1n; zxid <= 30n; zxid++) {
        const payload = payloadFor(zxid);
        if (zxid % 3n === 0n) {
          void log.append(zxid, payload).then(() => order.push(`p${zxid}`));
          continue;
        }
        // The caller's buffer is overwritten right after each call: the log must have copied it.
        payload.copy(scratch);
        log.appendThen(zxid, scratch.subarray(0, payload.length), (error) => {
          expect(error).toBeUndefined();
          order.push(`c${zxid}`);
        });
        scratch.fill(0xee);
      }
      expect(order).toEqual([]);
      await log.flush();
      // Callbacks run as their batch becomes durable, promise reactions a microtask later: each
      // kind in zxid order, and together every zxid once.
      await new Promise((resolve) => setImmediate(resolve));
      const zxidsOfKind = (kind: string) =>
        order.filter((event) => event.startsWith(kind)).map((event) => BigInt(event.slice(1)));
      expect(zxidsOfKind('c')).toEqual(range(1n, 30n).filter((zxid) => zxid % 3n !== 0n));
      expect(zxidsOfKind('p')).toEqual(range(1n, 30n).filter((zxid) => zxid % 3n === 0n));
      await storage.close();
      storage = await backend.open();
      const txns = await collect((await storage.recover()).txns);
      expect(txns.map((logged) => logged.entry.toString())).toEqual(
        range(1n, 30n).map((z) => payloadFor(z).toString()),
      );
    });

    it('reads from any zxid across rolled segments', async () => {
      storage = await backend.open();
      await appendRange(storage, 1n, 10n);
      storage.log.rollover();
      await appendRange(storage, 11n, 20n);
      storage.log.rollover();
      await appendRange(storage, 0x1_0000_0001n, 0x1_0000_0005n);
      await storage.close();
      storage = await backend.open();
      const all = [...range(1n, 20n), ...range(0x1_0000_0001n, 0x1_0000_0005n)];
      expect(await zxidsOf(storage)).toEqual(all);
      expect(await zxidsOf(storage, 10n)).toEqual(all.slice(9));
      expect(await zxidsOf(storage, 11n)).toEqual(all.slice(10));
      expect(await zxidsOf(storage, 21n)).toEqual(all.slice(20));
      expect(await zxidsOf(storage, 0x1_0000_0003n)).toEqual(all.slice(22));
      expect(await zxidsOf(storage, 0x2_0000_0000n)).toEqual([]);
    });

    it('rejects an append that does not grow the zxid', async () => {
      storage = await backend.open();
      await appendRange(storage, 1n, 3n);
      expect(() => storage?.log.append(3n, Buffer.from('again'))).toThrow(/grows past/);
    });

    it('truncates after a zxid durably, then appends past it', async () => {
      storage = await backend.open();
      await appendRange(storage, 1n, 10n);
      storage.log.rollover();
      await appendRange(storage, 11n, 20n);
      await storage.log.truncateAfter(15n);
      expect(storage.log.lastZxid).toBe(15n);
      await storage.log.truncateAfter(8n);
      expect(storage.log.lastZxid).toBe(8n);
      await appendRange(storage, 9n, 12n);
      await storage.close();
      storage = await backend.open();
      expect(await zxidsOf(storage)).toEqual(range(1n, 12n));
    });

    it('recovers the newest snapshot with its exact chunks and only the txns after it', async () => {
      storage = await backend.open();
      await appendRange(storage, 1n, 30n);
      storage.setSnapshotSource(() => ({ zxid: 20n, chunks: chunksFor(20n) }));
      expect(await storage.takeSnapshot()).toBe(20n);
      await storage.close();
      storage = await backend.open();
      const recovery = await storage.recover();
      expect(recovery.snapshot?.zxid).toBe(20n);
      const chunks = await collect(recovery.snapshot?.chunks ?? (async function* () {})());
      expect(chunks).toEqual(chunksFor(20n));
      expect((await collect(recovery.txns)).map((logged) => logged.zxid)).toEqual(range(21n, 30n));
    });

    it('snapshots in the background every snapCount applied txns and rolls the log', async () => {
      storage = await backend.open({ snapCount: 10 });
      let applied = 0n;
      storage.setSnapshotSource(() => ({ zxid: applied, chunks: chunksFor(applied) }));
      for (let zxid = 1n; zxid <= 25n; zxid++) {
        await storage.log.append(zxid, payloadFor(zxid));
        applied = zxid;
        storage.txnApplied(zxid);
        // Waiting keeps the test exact: a trigger while a snapshot is still being written is skipped.
        await storage.snapshotIdle();
      }
      // random() = 0 → threshold 5: snapshots after txn 6, 12, 18, 24.
      expect(await storage.snapshots.list()).toEqual([24n, 18n, 12n, 6n]);
      const segments = (storage.log as unknown as { segmentFirstZxids(): bigint[] }).segmentFirstZxids();
      expect(segments).toEqual([1n, 7n, 13n, 19n, 25n]);
    });

    it('purges all but the newest N snapshots and only the logs they do not need', async () => {
      storage = await backend.open();
      let applied = 0n;
      storage.setSnapshotSource(() => ({ zxid: applied, chunks: chunksFor(applied) }));
      for (const [from, to] of [
        [1n, 10n],
        [11n, 20n],
        [21n, 30n],
        [31n, 40n],
      ] as const) {
        await appendRange(storage, from, to);
        applied = to - 3n; // snapshots lag the log, so a segment may hold txns on both sides
        await storage.takeSnapshot();
      }
      await appendRange(storage, 41n, 45n);
      // Snapshots 7, 17, 27, 37; segments start at 1, 11, 21, 31, 41.
      const result = await storage.purge(2);
      expect(result.snapshotsDeleted).toEqual([7n, 17n]);
      // Oldest kept snapshot 27 needs 28.. from the segment that starts at 21.
      expect(result.logsDeleted).toEqual([1n, 11n]);
      await storage.close();
      storage = await backend.open();
      expect(await storage.snapshots.list()).toEqual([37n, 27n]);
      expect(await zxidsOf(storage)).toEqual(range(21n, 45n));
      const recovery = await storage.recover();
      expect(recovery.snapshot?.zxid).toBe(37n);
      expect((await collect(recovery.txns)).map((logged) => logged.zxid)).toEqual(range(38n, 45n));
    });

    it('keeps every log when there is no snapshot to purge against', async () => {
      storage = await backend.open();
      await appendRange(storage, 1n, 5n);
      storage.log.rollover();
      await appendRange(storage, 6n, 9n);
      expect(await storage.purge(1)).toEqual({ snapshotsDeleted: [], logsDeleted: [] });
      expect(await zxidsOf(storage)).toEqual(range(1n, 9n));
    });

    it('persists state values across reopen', async () => {
      storage = await backend.open();
      expect(storage.state.get('currentEpoch')).toBeUndefined();
      await storage.state.set({ currentEpoch: 3n, acceptedEpoch: 4n });
      await storage.state.set({ currentEpoch: 4n, sessionIdSeed: 0x1234_5678_9abc_def0n });
      await storage.close();
      storage = await backend.open();
      expect(storage.state.get('currentEpoch')).toBe(4n);
      expect(storage.state.get('acceptedEpoch')).toBe(4n);
      expect(storage.state.get('sessionIdSeed')).toBe(0x1234_5678_9abc_def0n);
    });

    it('refuses a second open of the same data while the first is open', async () => {
      storage = await backend.open();
      await expect(backend.open()).rejects.toBeInstanceOf(DataDirLockedError);
      await storage.close();
      storage = await backend.open();
      expect(storage.log.lastZxid).toBe(0n);
    });

    it('rejects appends after close', async () => {
      storage = await backend.open();
      await storage.close();
      await expect(storage.log.append(1n, Buffer.from('late'))).rejects.toThrow(/closed/);
      storage = undefined;
    });
  });
}

/** File snapshots: atomic write, exact chunks back, fallback over a damaged newest snapshot, temp file clean-up. */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  crc32,
  FileSnapshotStore,
  StorageCorruptionError,
  type StoredSnapshot,
} from '../../../../server/storage';
import { crc32OfUint32BE, crc32Portable } from '../../../../server/storage/crc32';
import { collect, makeTempDir, recordingLogger } from './helpers';

let dir: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await dir.remove();
});

/** The chunks of a snapshot that must exist. */
function readLatest(latest: StoredSnapshot | undefined): AsyncIterable<Buffer> {
  expect(latest).toBeDefined();
  return (latest as StoredSnapshot).read();
}

async function* slowChunks(count: number): AsyncIterable<Buffer> {
  for (let index = 0; index < count; index++) {
    await new Promise((resolve) => setImmediate(resolve));
    yield Buffer.alloc(100_000 + index, index);
  }
}

describe('file snapshot store', () => {
  it('returns the newest snapshot with the chunks exactly as written', async () => {
    const store = await FileSnapshotStore.open({ directory: dir.path });
    await store.write(0x1_0000_0005n, [Buffer.from('a'), Buffer.from('bc')]);
    await store.write(0x1_0000_0009n, slowChunks(25));
    expect(await store.list()).toEqual([0x1_0000_0009n, 0x1_0000_0005n]);
    expect((await readdir(dir.path)).sort()).toEqual(['snapshot.100000005', 'snapshot.100000009']);
    const latest = await store.latest();
    expect(latest?.zxid).toBe(0x1_0000_0009n);
    const chunks = await collect(readLatest(latest));
    expect(chunks.length).toBe(25);
    // Buffer.equals: vitest's deep equality walks big buffers byte by byte, far too slowly.
    const intact = chunks.map((chunk, index) => chunk.equals(Buffer.alloc(100_000 + index, index)));
    expect(intact).toEqual(Array.from({ length: 25 }, () => true));
  });

  it('fdatasyncs every syncEveryBytes written when asked, and once at the end by default', async () => {
    const purposes: string[] = [];
    const syncFile = async (
      handle: { datasync(): Promise<void>; sync(): Promise<void> },
      purpose: string,
    ) => {
      purposes.push(purpose);
      await (purpose === 'directory' ? handle.sync() : handle.datasync());
    };
    const chunks = () => Array.from({ length: 40 }, (_, index) => Buffer.alloc(100_000, index));
    const periodic = await FileSnapshotStore.open({
      directory: dir.path,
      syncFile,
      syncEveryBytes: 1_000_000,
    });
    await periodic.write(7n, chunks());
    // 4 MB in 14 writes (three 100 kB chunks each, ~300 kB): a sync once 1 MB is unsynced (after writes 4, 8 and
    // 12), then the final one.
    expect(purposes.filter((purpose) => purpose === 'snapshot').length).toBe(3 + 1);
    const back = await collect(readLatest(await periodic.latest()));
    expect(back.map((chunk, index) => chunk.equals(Buffer.alloc(100_000, index)))).toEqual(
      Array.from({ length: 40 }, () => true),
    );
    purposes.length = 0;
    const plain = await FileSnapshotStore.open({ directory: dir.path, syncFile });
    await plain.write(8n, chunks());
    expect(purposes.filter((purpose) => purpose === 'snapshot').length).toBe(1);
  });

  it('falls back to the previous snapshot, with a warning, when the newest is damaged', async () => {
    const logger = recordingLogger();
    const store = await FileSnapshotStore.open({ directory: dir.path, logger });
    await store.write(10n, [Buffer.from('older')]);
    await store.write(20n, [Buffer.from('newer'), Buffer.alloc(5000, 7)]);
    const newest = join(dir.path, 'snapshot.14');
    const bytes = await readFile(newest);
    bytes.writeUInt8(bytes.readUInt8(2000) ^ 0x10, 2000);
    await writeFile(newest, bytes);
    const latest = await store.latest();
    expect(latest?.zxid).toBe(10n);
    expect(await collect(readLatest(latest))).toEqual([Buffer.from('older')]);
    expect(logger.warnings).toEqual([
      `skipping invalid snapshot: corrupt storage file ${newest} at offset ${bytes.length - 4}: snapshot checksum mismatch`,
    ]);
  });

  it('skips a truncated newest snapshot and reports none when no snapshot is intact', async () => {
    const logger = recordingLogger();
    const store = await FileSnapshotStore.open({ directory: dir.path, logger });
    await store.write(3n, [Buffer.from('only')]);
    const path = join(dir.path, 'snapshot.3');
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 1));
    expect(await store.latest()).toBeUndefined();
    expect(logger.warnings).toEqual([
      `skipping invalid snapshot: corrupt storage file ${path} at offset ${bytes.length - 4}: snapshot checksum mismatch`,
    ]);
  });

  it('throws a typed error when a snapshot changes between latest() and read()', async () => {
    const store = await FileSnapshotStore.open({ directory: dir.path });
    await store.write(5n, [Buffer.from('one'), Buffer.from('two')]);
    const latest = await store.latest();
    const path = join(dir.path, 'snapshot.5');
    const bytes = await readFile(path);
    bytes.writeUInt8(bytes.readUInt8(0) ^ 0xff, 0);
    await writeFile(path, bytes);
    await expect(collect(readLatest(latest))).rejects.toBeInstanceOf(StorageCorruptionError);
  });

  it('leaves no file behind when the chunk stream fails, and removes stale temp files on open', async () => {
    const store = await FileSnapshotStore.open({ directory: dir.path });
    async function* failing(): AsyncIterable<Buffer> {
      yield Buffer.from('partial');
      throw new Error('tree walk failed');
    }
    await expect(store.write(7n, failing())).rejects.toThrow('tree walk failed');
    expect(await readdir(dir.path)).toEqual([]);
    await writeFile(join(dir.path, 'snapshot.8.tmp'), 'left by a crash');
    await FileSnapshotStore.open({ directory: dir.path });
    expect(await readdir(dir.path)).toEqual([]);
  });

  it('purges all but the newest N', async () => {
    const store = await FileSnapshotStore.open({ directory: dir.path });
    for (const zxid of [1n, 2n, 3n, 4n]) await store.write(zxid, [Buffer.from(String(zxid))]);
    expect(await store.purge(3)).toEqual([1n]);
    expect(await store.purge(3)).toEqual([]);
    expect(await store.list()).toEqual([4n, 3n, 2n]);
  });
});

describe('crc32', () => {
  it('matches the CRC-32 check value and the portable implementation', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Portable(Buffer.from('123456789'))).toBe(0xcbf43926);
    const data = Buffer.from(Array.from({ length: 1000 }, (_, index) => (index * 31) % 256));
    expect(crc32Portable(data)).toBe(crc32(data));
    expect(crc32(data.subarray(600), crc32(data.subarray(0, 600)))).toBe(crc32(data));
  });

  it('computes the CRC of a big-endian u32 in place, as over its four bytes', () => {
    for (const value of [0, 1, 0x7f, 0x80, 0x1234_5678, 0x8000_0000, 0xffff_ffff, 4_000_008]) {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(value, 0);
      expect(crc32OfUint32BE(value)).toBe(crc32(bytes));
    }
  });
});

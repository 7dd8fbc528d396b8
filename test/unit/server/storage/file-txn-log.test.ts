/**
 * The file txn log: group commit really batches fsyncs, appends resolve only after the fsync covering them, a torn
 * tail is truncated at every byte offset, preallocated zeros end the log, and damage elsewhere is a typed error
 * naming the file and offset.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultSyncFile,
  FileTxnLog,
  type FileTxnLogOptions,
  StorageCorruptionError,
  StorageUnavailableError,
  type SyncFile,
} from '../../../../server/storage';
import { ENTRY_HEADER_BYTES, LOG_HEADER_BYTES } from '../../../../server/storage/log-format';
import { collect, makeTempDir, payloadFor, recordingLogger } from './helpers';

let dir: { path: string; remove: () => Promise<void> };
let log: FileTxnLog | undefined;

beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await log?.close();
  log = undefined;
  await dir.remove();
});

function openLog(options: Partial<FileTxnLogOptions> = {}): Promise<FileTxnLog> {
  return FileTxnLog.open({ directory: dir.path, logger: recordingLogger(), ...options });
}

async function writeEntries(count: number, options: Partial<FileTxnLogOptions> = {}): Promise<string> {
  const writer = await openLog(options);
  const appends: Promise<void>[] = [];
  for (let zxid = 1n; zxid <= BigInt(count); zxid++) appends.push(writer.append(zxid, payloadFor(zxid)));
  await Promise.all(appends);
  await writer.close();
  const names = (await readdir(dir.path)).filter((name) => name.startsWith('log.'));
  expect(names).toEqual(['log.1']);
  return join(dir.path, 'log.1');
}

async function zxids(opened: FileTxnLog): Promise<bigint[]> {
  return (await collect(opened.readFrom(0n))).map((logged) => logged.zxid);
}

/** Offset of entry `zxid` (1-based) in a segment written by writeEntries. */
function entryOffset(zxid: number): number {
  let offset = LOG_HEADER_BYTES;
  for (let index = 1; index < zxid; index++) offset += ENTRY_HEADER_BYTES + payloadFor(BigInt(index)).length;
  return offset;
}

describe('file txn log: group commit', () => {
  it('writes 1000 concurrent appends with a handful of fsyncs', async () => {
    let logFsyncs = 0;
    const counting: SyncFile = async (handle, purpose) => {
      if (purpose === 'log') logFsyncs++;
      await defaultSyncFile(handle, purpose);
    };
    log = await openLog({ syncFile: counting });
    const appends: Promise<void>[] = [];
    for (let zxid = 1n; zxid <= 1000n; zxid++) appends.push(log.append(zxid, payloadFor(zxid)));
    await Promise.all(appends);
    // One batch (batchEntriesMax 1000) plus the new segment's header fsync.
    expect(log.stats).toEqual({ appendCount: 1000, batchCount: 1, fsyncCount: 2 });
    expect(logFsyncs).toBe(2);
    expect(log.durableZxid).toBe(1000n);
  });

  it('batches appends that arrive while an fsync runs into the next write', async () => {
    const gates: (() => void)[] = [];
    let completedFsyncs = 0;
    let gating = true;
    const gated: SyncFile = async (handle, purpose) => {
      await defaultSyncFile(handle, purpose);
      if (purpose === 'log' && gating) {
        await new Promise<void>((resolve) => gates.push(resolve));
        completedFsyncs++;
      }
    };
    log = await openLog({ syncFile: gated, batchEntriesMax: 1000 });
    const opened = log;
    const resolvedAfter = new Map<bigint, number>();
    const issuedAt = new Map<bigint, number>();
    const appendOne = (zxid: bigint): Promise<void> => {
      issuedAt.set(zxid, completedFsyncs);
      return opened.append(zxid, payloadFor(zxid)).then(() => void resolvedAfter.set(zxid, completedFsyncs));
    };
    const all: Promise<void>[] = [appendOne(1n)];
    const releaseNext = async (): Promise<void> => {
      for (let waits = 0; gates.length === 0; waits++) {
        expect(waits).toBeLessThan(1000);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      (gates.shift() as () => void)();
    };
    await releaseNext(); // the segment header's fsync
    // While the fsync for txn 1 is held, 300 more appends arrive: they must share one later fsync.
    for (let waits = 0; gates.length === 0; waits++) {
      expect(waits).toBeLessThan(1000);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    for (let zxid = 2n; zxid <= 301n; zxid++) all.push(appendOne(zxid));
    expect(resolvedAfter.size).toBe(0);
    await releaseNext();
    await releaseNext();
    await Promise.all(all);
    expect(opened.stats).toEqual({ appendCount: 301, batchCount: 2, fsyncCount: 3 });
    for (let zxid = 1n; zxid <= 301n; zxid++) {
      // Each append resolved only after an fsync that completed after the append was made.
      expect(resolvedAfter.get(zxid) as number).toBeGreaterThan(issuedAt.get(zxid) as number);
    }
    expect(resolvedAfter.get(1n)).toBe(2);
    expect(resolvedAfter.get(301n)).toBe(3);
    gating = false;
  });

  it("issues the next batch's write before the finished batch's appends resolve", async () => {
    const gates: (() => void)[] = [];
    const gated: SyncFile = async (handle, purpose) => {
      await defaultSyncFile(handle, purpose);
      if (purpose === 'log') await new Promise<void>((resolve) => gates.push(resolve));
    };
    const openGate = async (): Promise<void> => {
      for (let waits = 0; gates.length === 0; waits++) {
        expect(waits).toBeLessThan(1000);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      (gates.shift() as () => void)();
    };
    log = await openLog({ syncFile: gated });
    const opened = log;
    const segmentPath = join(dir.path, 'log.1');
    let secondBatchOnDisk = false;
    const first = opened.append(1n, payloadFor(1n)).then(() => {
      // Blocks this thread on purpose: only a write already handed to the thread pool can land meanwhile.
      const fd = openSync(segmentPath, 'r');
      try {
        const header = Buffer.alloc(ENTRY_HEADER_BYTES);
        const deadline = Date.now() + 2_000;
        while (!secondBatchOnDisk && Date.now() < deadline) {
          readSync(fd, header, 0, header.length, entryOffset(2));
          secondBatchOnDisk = header.some((byte) => byte !== 0);
        }
      } finally {
        closeSync(fd);
      }
    });
    await openGate(); // the segment header's fsync
    for (let waits = 0; gates.length === 0; waits++) {
      expect(waits).toBeLessThan(1000);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    // Batch [1] is in its fsync: these queue behind it as the next batch.
    const later = [2n, 3n, 4n].map((zxid) => opened.append(zxid, payloadFor(zxid)));
    await openGate();
    await first;
    expect(secondBatchOnDisk).toBe(true);
    await openGate();
    await Promise.all(later);
    expect(opened.stats).toEqual({ appendCount: 4, batchCount: 2, fsyncCount: 3 });
    expect(opened.durableZxid).toBe(4n);
    const closing = opened.close(); // cuts the preallocation and fsyncs once more
    await openGate();
    await closing;
    log = undefined;
  });

  it('rejects the batch and every later append when an fsync fails', async () => {
    let failNext = false;
    const failing: SyncFile = async (handle, purpose) => {
      if (purpose === 'log' && failNext) throw Object.assign(new Error('EIO: disk gone'), { code: 'EIO' });
      await defaultSyncFile(handle, purpose);
    };
    log = await openLog({ syncFile: failing });
    await log.append(1n, payloadFor(1n));
    failNext = true;
    const failed = log.append(2n, payloadFor(2n));
    await expect(failed).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(failed).rejects.toMatchObject({ cause: { code: 'EIO' } });
    await expect(log.append(3n, payloadFor(3n))).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(log.durableZxid).toBe(1n);
    await expect(log.flush()).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it('appendThen: a failed fsync reaches every callback of the batch and after it, and a waiting flush', async () => {
    let failNext = false;
    const failing: SyncFile = async (handle, purpose) => {
      if (purpose === 'log' && failNext) throw Object.assign(new Error('EIO: disk gone'), { code: 'EIO' });
      await defaultSyncFile(handle, purpose);
    };
    log = await openLog({ syncFile: failing });
    const outcomes: Array<[bigint, string]> = [];
    const record = (zxid: bigint) => (error?: Error) => outcomes.push([zxid, error?.name ?? 'ok']);
    log.appendThen(1n, payloadFor(1n), record(1n));
    await log.flush();
    failNext = true;
    log.appendThen(2n, payloadFor(2n), record(2n));
    log.appendThen(3n, payloadFor(3n), record(3n));
    const flushed = log.flush();
    await expect(flushed).rejects.toBeInstanceOf(StorageUnavailableError);
    log.appendThen(4n, payloadFor(4n), record(4n));
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcomes).toEqual([
      [1n, 'ok'],
      [2n, 'StorageUnavailableError'],
      [3n, 'StorageUnavailableError'],
      [4n, 'StorageUnavailableError'],
    ]);
  });
});

describe('file txn log: recovery of damaged files', () => {
  it('tolerates a tail torn at every byte offset of the last entry and truncates it', async () => {
    const path = await writeEntries(5);
    const intact = await readFile(path);
    const lastStart = entryOffset(5);
    expect(lastStart).toBeLessThan(intact.length);
    for (let cut = lastStart; cut < intact.length; cut++) {
      await writeFile(path, intact.subarray(0, cut));
      const logger = recordingLogger();
      const reopened = await openLog({ logger });
      expect(await zxids(reopened)).toEqual([1n, 2n, 3n, 4n]);
      expect(reopened.lastZxid).toBe(4n);
      await reopened.close();
      expect((await stat(path)).size).toBe(lastStart);
      // A cut inside leading zero bytes (the length's high bytes) looks exactly like preallocated zeros.
      const cutBytesAreZero = intact.subarray(lastStart, cut).every((byte) => byte === 0);
      expect(logger.warnings.length).toBe(cutBytesAreZero ? 0 : 1);
    }
  });

  it('treats a zero-filled tail as the end of the log, not corruption', async () => {
    const path = await writeEntries(4);
    const size = (await stat(path)).size;
    await truncate(path, size + 100_000);
    const logger = recordingLogger();
    log = await openLog({ logger });
    expect(await zxids(log)).toEqual([1n, 2n, 3n, 4n]);
    expect(logger.warnings).toEqual([]);
    expect((await stat(path)).size).toBe(size);
  });

  it('treats a torn last batch followed by preallocated zeros as a torn tail', async () => {
    const path = await writeEntries(4);
    const intact = await readFile(path);
    const torn = Buffer.concat([intact.subarray(0, entryOffset(4) + 5), Buffer.alloc(4096)]);
    await writeFile(path, torn);
    log = await openLog();
    expect(await zxids(log)).toEqual([1n, 2n, 3n]);
  });

  it('stops with a typed error naming file and offset for a flipped byte in a middle entry', async () => {
    const path = await writeEntries(5);
    const bytes = await readFile(path);
    const damagedOffset = entryOffset(3);
    const flipped = damagedOffset + ENTRY_HEADER_BYTES + 2;
    bytes.writeUInt8(bytes.readUInt8(flipped) ^ 0x01, flipped);
    await writeFile(path, bytes);
    const error = await openLog().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageCorruptionError);
    expect(error).toMatchObject({ file: path, offset: damagedOffset, reason: 'checksum mismatch' });
    expect((error as Error).message).toContain(path);
    // Nothing was truncated: the damage must be looked at, not silently dropped.
    expect(await readFile(path)).toEqual(bytes);
  });

  it('stops with a typed error for damage in an older segment, even at its end', async () => {
    const writer = await openLog();
    await writer.append(1n, payloadFor(1n));
    await writer.append(2n, payloadFor(2n));
    writer.rollover();
    await writer.append(3n, payloadFor(3n));
    await writer.close();
    const older = join(dir.path, 'log.1');
    const bytes = await readFile(older);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    await writeFile(older, bytes);
    await expect(openLog()).rejects.toMatchObject({
      name: 'StorageCorruptionError',
      file: older,
      offset: entryOffset(2),
    });
  });

  it('drops a newest segment cut while its header was written', async () => {
    await writeEntries(3);
    await writeFile(join(dir.path, 'log.4'), Buffer.alloc(7));
    log = await openLog();
    expect(await zxids(log)).toEqual([1n, 2n, 3n]);
    expect((await readdir(dir.path)).sort()).toEqual(['log.1']);
    await log.append(4n, payloadFor(4n));
    expect((await readdir(dir.path)).sort()).toEqual(['log.1', 'log.4']);
  });

  it('rolls segments by entry count and reads them back in order', async () => {
    log = await openLog({ segmentEntriesMax: 10 });
    for (let zxid = 1n; zxid <= 35n; zxid++) await log.append(zxid, payloadFor(zxid));
    expect(log.segmentFirstZxids()).toEqual([1n, 11n, 21n, 31n]);
    await log.close();
    log = await openLog();
    expect((await zxids(log)).length).toBe(35);
    expect((await collect(log.readFrom(19n)))[0]?.entry.toString()).toBe(payloadFor(19n).toString());
  });
});

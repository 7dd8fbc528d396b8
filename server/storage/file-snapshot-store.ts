/**
 * File-backed snapshots `snapshot.<hex zxid>` (zookit's own format):
 *
 * ```
 * header (16 bytes): u32 magic "ZKIS" · u32 version 1 · u64 zxid (equals the file name's zxid)
 * chunks:            u32 length (< 0xFFFFFFFF) · bytes             (the writer's chunks, boundaries kept)
 * trailer (8 bytes): u32 0xFFFFFFFF end mark · u32 CRC-32 of every byte before it
 * ```
 *
 * A snapshot is written to a temp file, fsynced, renamed into place and the directory fsynced, so a crash leaves the
 * whole file or none. A file that fails its checks is skipped (with a warning) for the next older one.
 */
import { type FileHandle, mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { assert } from '../../src/util/assert';
import { crc32 } from './crc32';
import {
  consoleStorageLogger,
  defaultSyncFile,
  listZxidFiles,
  removeTempFiles,
  replaceFileAtomically,
  type SyncFile,
  syncDirectory,
  writeFully,
  zxidFileName,
} from './disk';
import { StorageCorruptionError, StorageFormatVersionError } from './storage-errors';
import type { SnapshotChunks, SnapshotStore, StorageLogger, StoredSnapshot } from './types';

/** "ZKIS": zookit snapshot. */
export const SNAPSHOT_MAGIC = 0x5a4b4953;
/** Bumped on any incompatible change. */
export const SNAPSHOT_VERSION = 1;
const HEADER_BYTES = 16;
const END_MARK = 0xffffffff;
/** Largest chunk: a length must stay below the end mark. */
export const SNAPSHOT_CHUNK_BYTES_MAX = 0xfffffffe;
/**
 * Small chunks are gathered into writes of about this size. Encoding runs on the server's thread between writes, so
 * this bounds how long one snapshot step holds up requests (256 KiB ≈ 1 500 nodes of 128 bytes).
 */
const WRITE_BYTES = 256 * 1024;
const READ_BYTES = 1024 * 1024;
/** Default {@link FileSnapshotStoreOptions.syncEveryBytes}: one fsync, at the end. */
const SYNC_EVERY_BYTES = 0;

/** Options of {@link FileSnapshotStore.open}. */
export interface FileSnapshotStoreOptions {
  /** Where snapshots live (zoo.cfg `dataDir`); created if missing. */
  readonly directory: string;
  readonly syncFile?: SyncFile;
  readonly logger?: StorageLogger;
  /**
   * fdatasync a snapshot being written after every this many bytes, besides the one at the end (default 0: only at
   * the end). Bounds the flush the log's fsync may queue behind on a slow disk; on this project's benchmark machine
   * its effect was lost in the noise, so it is off unless asked for.
   */
  readonly syncEveryBytes?: number;
}

/** Sequential buffered reads of a file, with the CRC of everything taken so far. */
class CheckedReader {
  private buffered = Buffer.alloc(0);
  private position = 0;
  /** Offset in the file of the next byte `take` returns. */
  offset = 0;
  crc = 0;

  constructor(private readonly handle: FileHandle) {}

  /** The next `count` bytes, or undefined at the end of the file. */
  async take(count: number): Promise<Buffer | undefined> {
    while (this.buffered.length < count) {
      const block = Buffer.allocUnsafe(Math.max(READ_BYTES, count - this.buffered.length));
      const { bytesRead } = await this.handle.read(block, 0, block.length, this.position);
      if (bytesRead === 0) return undefined;
      this.position += bytesRead;
      this.buffered = Buffer.concat([this.buffered, block.subarray(0, bytesRead)]);
    }
    const taken = this.buffered.subarray(0, count);
    this.buffered = this.buffered.subarray(count);
    this.offset += count;
    this.crc = crc32(taken, this.crc);
    return taken;
  }
}

/**
 * Reads and checks a whole snapshot file, yielding its chunks; throws {@link StorageCorruptionError}, or
 * {@link StorageFormatVersionError} for a snapshot in another format version (never skipped as damage).
 */
async function* readSnapshotFile(path: string, expectedZxid: bigint): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  try {
    const reader = new CheckedReader(handle);
    const header = await reader.take(HEADER_BYTES);
    if (header !== undefined && header.readUInt32BE(0) === SNAPSHOT_MAGIC) {
      const version = header.readUInt32BE(4);
      if (version !== SNAPSHOT_VERSION) throw new StorageFormatVersionError(path, version, SNAPSHOT_VERSION);
    }
    const headerValid =
      header !== undefined &&
      header.readUInt32BE(0) === SNAPSHOT_MAGIC &&
      header.readUInt32BE(4) === SNAPSHOT_VERSION &&
      header.readBigUInt64BE(8) === expectedZxid;
    if (!headerValid) throw new StorageCorruptionError(path, 0, 'bad snapshot header');
    for (;;) {
      const chunkOffset = reader.offset;
      const lengthBytes = await reader.take(4);
      if (lengthBytes === undefined)
        throw new StorageCorruptionError(path, chunkOffset, 'snapshot cut short');
      const length = lengthBytes.readUInt32BE(0);
      if (length === END_MARK) break;
      const chunk = await reader.take(length);
      if (chunk === undefined)
        throw new StorageCorruptionError(path, chunkOffset, 'snapshot chunk cut short');
      yield Buffer.from(chunk);
    }
    const expectedCrc = reader.crc;
    const trailerOffset = reader.offset;
    const checksum = await reader.take(4);
    if (checksum === undefined || checksum.readUInt32BE(0) !== expectedCrc) {
      throw new StorageCorruptionError(path, trailerOffset, 'snapshot checksum mismatch');
    }
    if ((await reader.take(1)) !== undefined) {
      throw new StorageCorruptionError(path, reader.offset - 1, 'bytes after the snapshot trailer');
    }
  } finally {
    await handle.close();
  }
}

/** A u32 big-endian, for the chunk framing. */
function u32(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(value, 0);
  return bytes;
}

/** Writes every byte of `buffers` at `position` (one writev; short writes finish with plain writes). */
async function writeAll(
  handle: FileHandle,
  buffers: Buffer[],
  bytes: number,
  position: number,
): Promise<void> {
  const { bytesWritten } = await handle.writev(buffers, position);
  if (bytesWritten < bytes) {
    await writeFully(handle, Buffer.concat(buffers, bytes).subarray(bytesWritten), position + bytesWritten);
  }
}

/**
 * Frames chunks into writes of about {@link WRITE_BYTES} (one writev each, no copy), keeping the running CRC, and
 * fdatasyncs every `syncEveryBytes` written when asked (0: never here; the caller syncs at the end). Periodic syncs
 * keep the disk's backlog of snapshot bytes small: on ext4 (data=ordered) an fsync of the txn log may have to wait
 * for other files' dirty data, so one flush of a whole multi-megabyte snapshot can stall the log's group commit.
 */
async function writeSnapshotBody(
  handle: FileHandle,
  zxid: bigint,
  chunks: SnapshotChunks,
  sync: () => Promise<void>,
  syncEveryBytes: number,
): Promise<void> {
  let crc = 0;
  let position = 0;
  let unsyncedBytes = 0;
  let gathered: Buffer[] = [];
  let gatheredBytes = 0;
  const add = (bytes: Buffer): void => {
    crc = crc32(bytes, crc);
    gathered.push(bytes);
    gatheredBytes += bytes.length;
  };
  const emit = async (): Promise<void> => {
    const buffers = gathered;
    const bytes = gatheredBytes;
    gathered = [];
    gatheredBytes = 0;
    await writeAll(handle, buffers, bytes, position);
    position += bytes;
    unsyncedBytes += bytes;
    if (syncEveryBytes > 0 && unsyncedBytes >= syncEveryBytes) {
      unsyncedBytes = 0;
      await sync();
    }
  };
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(SNAPSHOT_MAGIC, 0);
  header.writeUInt32BE(SNAPSHOT_VERSION, 4);
  header.writeBigUInt64BE(zxid, 8);
  add(header);
  for await (const chunk of chunks) {
    assert(chunk.length <= SNAPSHOT_CHUNK_BYTES_MAX, 'snapshot chunk below the end mark');
    add(u32(chunk.length));
    add(chunk);
    if (gatheredBytes >= WRITE_BYTES) await emit();
  }
  add(u32(END_MARK));
  // The checksum covers every byte before it, the end mark included.
  gathered.push(u32(crc));
  gatheredBytes += 4;
  await emit();
}

/** The file-backed {@link SnapshotStore}. */
export class FileSnapshotStore implements SnapshotStore {
  private readonly syncFile: SyncFile;

  private constructor(private readonly options: FileSnapshotStoreOptions) {
    this.syncFile = options.syncFile ?? defaultSyncFile;
  }

  /** Opens the store in `options.directory`, deleting temp files left by a crash mid-write. */
  static async open(options: FileSnapshotStoreOptions): Promise<FileSnapshotStore> {
    await mkdir(options.directory, { recursive: true });
    await removeTempFiles(options.directory);
    return new FileSnapshotStore(options);
  }

  async write(zxid: bigint, chunks: SnapshotChunks): Promise<void> {
    assert(zxid >= 0n, 'snapshot zxid is not negative');
    const path = join(this.options.directory, zxidFileName('snapshot', zxid));
    const syncEveryBytes = this.options.syncEveryBytes ?? SYNC_EVERY_BYTES;
    await replaceFileAtomically(path, 'snapshot', this.syncFile, (handle) =>
      writeSnapshotBody(handle, zxid, chunks, () => this.syncFile(handle, 'snapshot'), syncEveryBytes),
    );
  }

  async latest(): Promise<StoredSnapshot | undefined> {
    const files = (await listZxidFiles(this.options.directory, 'snapshot')).reverse();
    for (const file of files) {
      try {
        for await (const _chunk of readSnapshotFile(file.path, file.zxid)) {
          // Only checking: the caller streams it again with read().
        }
      } catch (error) {
        if (!(error instanceof StorageCorruptionError)) throw error;
        (this.options.logger ?? consoleStorageLogger).warn(`skipping invalid snapshot: ${error.message}`);
        continue;
      }
      return { zxid: file.zxid, read: () => readSnapshotFile(file.path, file.zxid) };
    }
    return undefined;
  }

  async list(): Promise<bigint[]> {
    return (await listZxidFiles(this.options.directory, 'snapshot')).map((file) => file.zxid).reverse();
  }

  async purge(keep: number): Promise<bigint[]> {
    assert(Number.isInteger(keep) && keep >= 1, 'purge keeps at least one snapshot');
    const files = await listZxidFiles(this.options.directory, 'snapshot');
    const doomed = files.slice(0, Math.max(0, files.length - keep));
    for (const file of doomed) await unlink(file.path);
    if (doomed.length > 0) await syncDirectory(this.options.directory, this.syncFile);
    return doomed.map((file) => file.zxid);
  }
}

/**
 * Small file-system helpers shared by the file stores: the injectable fsync, directory fsync, atomic replace and
 * listing of files named `<prefix>.<hex zxid>`.
 */
import { type FileHandle, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { assert } from '../../src/util/assert';
import type { StorageLogger } from './types';

/** The default logger: warnings go to the console. */
export const consoleStorageLogger: StorageLogger = {
  warn: (message) => console.warn(`zookit storage: ${message}`),
};

/** What an fsync is for; lets tests count log fsyncs apart from snapshot or directory ones. */
export type SyncPurpose = 'log' | 'snapshot' | 'state' | 'directory';

/**
 * Makes a file's written bytes durable. The default is `datasync` (fdatasync: the data and the metadata needed to
 * read it back, such as the size); tests inject a wrapper to count or delay fsyncs.
 */
export type SyncFile = (handle: FileHandle, purpose: SyncPurpose) => Promise<void>;

/** The default {@link SyncFile}: fdatasync for files, fsync for directories. */
export const defaultSyncFile: SyncFile = (handle, purpose) =>
  purpose === 'directory' ? handle.sync() : handle.datasync();

/**
 * The {@link SyncFile} of `forceSync=no` (Apache's `zookeeper.forceSync`): txn log writes are not fsynced, so a write
 * is acknowledged once it is in the page cache (a machine crash can lose it; a process crash cannot). Snapshots, the
 * state file and directory entries are still made durable.
 */
export const logWithoutSyncFile: SyncFile = (handle, purpose) =>
  purpose === 'log' ? Promise.resolve() : defaultSyncFile(handle, purpose);

/** Makes a directory's entries (created, renamed, deleted files) durable. */
export async function syncDirectory(directory: string, syncFile: SyncFile): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await syncFile(handle, 'directory');
  } finally {
    await handle.close();
  }
}

/** `<prefix>.<zxid as lowercase hex, no padding>`, Apache's naming (`log.100000001`, `snapshot.0`). */
export function zxidFileName(prefix: string, zxid: bigint): string {
  return `${prefix}.${zxid.toString(16)}`;
}

/** Files in `directory` named `<prefix>.<hex zxid>`, sorted by zxid, oldest first. Temp files are ignored. */
export async function listZxidFiles(
  directory: string,
  prefix: string,
): Promise<{ zxid: bigint; path: string }[]> {
  const pattern = new RegExp(`^${prefix}\\.([0-9a-f]{1,16})$`);
  const found: { zxid: bigint; path: string }[] = [];
  for (const name of await readdir(directory)) {
    const match = pattern.exec(name);
    if (match?.[1] !== undefined) found.push({ zxid: BigInt(`0x${match[1]}`), path: join(directory, name) });
  }
  return found.sort((left, right) => (left.zxid < right.zxid ? -1 : left.zxid > right.zxid ? 1 : 0));
}

/** The suffix of temp files; they are deleted when a store opens (a crash mid-write leaves them behind). */
export const TEMP_SUFFIX = '.tmp';

/** Deletes leftover temp files of earlier crashes. */
export async function removeTempFiles(directory: string): Promise<void> {
  for (const name of await readdir(directory)) {
    if (name.endsWith(TEMP_SUFFIX)) await unlink(join(directory, name)).catch(() => undefined);
  }
}

/**
 * Replaces `path` atomically: `write` fills a temp file, which is fsynced, renamed over `path`, and the directory is
 * fsynced, so readers (and a crash) see the old file or the new one, never a mix.
 */
export async function replaceFileAtomically(
  path: string,
  purpose: SyncPurpose,
  syncFile: SyncFile,
  write: (handle: FileHandle) => Promise<void>,
): Promise<void> {
  const temp = `${path}${TEMP_SUFFIX}`;
  const handle = await open(temp, 'w');
  try {
    await write(handle);
    await syncFile(handle, purpose);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await rename(temp, path);
  await syncDirectory(join(path, '..'), syncFile);
}

/** Writes all of `data` at `position`, looping over short writes. */
export async function writeFully(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const result = await handle.write(data, written, data.length - written, position + written);
    // A zero-byte write would loop forever; the kernel only returns it for a zero-length request.
    assert(result.bytesWritten > 0, 'a write made progress');
    written += result.bytesWritten;
  }
}

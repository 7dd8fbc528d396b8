/**
 * The data dir lock: a file `zookit.lock` holding the owner's PID, so two servers never open one data dir. The file
 * is created complete (written to a temp name, then hard-linked into place, which fails if the lock exists), so a
 * reader never sees a half-written PID. A lock whose PID is dead is stale and taken over.
 */
import { link, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DataDirLockedError } from './storage-errors';

/** The lock file's name inside a data dir. */
export const LOCK_FILE_NAME = 'zookit.lock';
const TAKEOVER_ATTEMPTS_MAX = 3;

/** Locks held by this process: a second open in the same process is refused too. */
const heldLocks = new Set<string>();

/** A held lock; `release` deletes the file if it is still ours. */
export interface DataDirLock {
  readonly path: string;
  release(): Promise<void>;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

async function createLockFile(path: string): Promise<boolean> {
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(`${process.pid}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Locks `directory` for this process. Throws {@link DataDirLockedError} if a live process (this one included)
 * holds it; a lock left by a dead process (or by an earlier process that had this PID) is taken over.
 */
export async function lockDataDir(directory: string): Promise<DataDirLock> {
  const path = join(directory, LOCK_FILE_NAME);
  if (heldLocks.has(path)) throw new DataDirLockedError(path, process.pid);
  for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS_MAX; attempt++) {
    if (await createLockFile(path)) {
      heldLocks.add(path);
      return { path, release: () => releaseLock(path) };
    }
    const owner = await readOwner(path);
    if (owner !== undefined && owner !== process.pid && isProcessAlive(owner)) {
      throw new DataDirLockedError(path, owner);
    }
    // Stale: the owner is gone. Re-check just before deleting so that we do not delete a lock another starter has
    // just taken over; two starters racing over one stale lock within that window is a known, narrow gap.
    if ((await readOwner(path)) === owner) await unlink(path).catch(() => undefined);
  }
  throw new DataDirLockedError(path, await readOwner(path));
}

async function releaseLock(path: string): Promise<void> {
  if (!heldLocks.delete(path)) return;
  if ((await readOwner(path)) === process.pid) await unlink(path).catch(() => undefined);
}

/** The data dir lock: refused while a live process holds it, taken over from a dead one. */
import { spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE_NAME, lockDataDir, openStorage } from '../../../../server/storage';
import { makeTempDir, recordingLogger } from './helpers';

let dir: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await dir.remove();
});

/** A PID that certainly belongs to no process: one that just exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('data dir lock', () => {
  it('writes our PID and removes the file on release', async () => {
    const lock = await lockDataDir(dir.path);
    expect(await readFile(join(dir.path, LOCK_FILE_NAME), 'utf8')).toBe(`${process.pid}\n`);
    await lock.release();
    await expect(readFile(join(dir.path, LOCK_FILE_NAME))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a lock held by another live process', async () => {
    await writeFile(join(dir.path, LOCK_FILE_NAME), `${process.ppid}\n`);
    const error = await lockDataDir(dir.path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect(error).toMatchObject({ ownerPid: process.ppid, lockFile: join(dir.path, LOCK_FILE_NAME) });
  });

  it('takes over a stale lock of a dead process', async () => {
    const stalePid = deadPid();
    await writeFile(join(dir.path, LOCK_FILE_NAME), `${stalePid}\n`);
    const lock = await lockDataDir(dir.path);
    expect(await readFile(join(dir.path, LOCK_FILE_NAME), 'utf8')).toBe(`${process.pid}\n`);
    await lock.release();
  });

  it('takes over an unreadable lock file', async () => {
    await writeFile(join(dir.path, LOCK_FILE_NAME), 'garbage');
    const lock = await lockDataDir(dir.path);
    await lock.release();
  });

  it('locks a separate dataLogDir too', async () => {
    const logDir = await makeTempDir();
    try {
      const storage = await openStorage({
        dataDir: dir.path,
        dataLogDir: logDir.path,
        logger: recordingLogger(),
      });
      await expect(lockDataDir(logDir.path)).rejects.toBeInstanceOf(DataDirLockedError);
      await storage.log.append(1n, Buffer.from('one'));
      await storage.close();
      expect(await readdir(logDir.path)).toEqual(['log.1']);
      expect((await readdir(dir.path)).sort()).toEqual([]);
    } finally {
      await logDir.remove();
    }
  });
});

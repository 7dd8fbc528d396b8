/**
 * A data dir written by a newer zookit (a storage format version this one does not read):
 * start-up stops with a typed error naming the file and both versions, and leaves every file
 * as it was, so the newer version still starts on it. Before, a newer snapshot was skipped as
 * "damaged" (recovery silently fell back to an older one) and a newer log segment was reported
 * as corruption.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage, type Storage, StorageFormatVersionError } from '../../../../server/storage';
import { STATE_FILE_NAME } from '../../../../server/storage/state-file';
import { makeTempDir, payloadFor, recordingLogger } from './helpers';

let dir: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await dir.remove();
});

/** A data dir with two snapshots, log entries after them and a state file, all in version 1. */
async function writeDataDir(): Promise<void> {
  const storage: Storage = await openStorage({ dataDir: dir.path, logger: recordingLogger() });
  await storage.recover();
  for (let zxid = 1n; zxid <= 4n; zxid++) await storage.log.append(zxid, payloadFor(zxid));
  await storage.snapshots.write(2n, [Buffer.from('older')]);
  await storage.snapshots.write(4n, [Buffer.from('newest')]);
  await storage.log.append(5n, payloadFor(5n));
  await storage.state.set({ currentEpoch: 1n });
  await storage.close();
}

/** Every file of the data dir with its bytes, to show nothing was touched. */
async function contents(): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of (await readdir(dir.path)).sort())
    if (name !== 'zookit.lock') files.set(name, await readFile(join(dir.path, name)));
  return files;
}

async function openFails(): Promise<StorageFormatVersionError> {
  const logger = recordingLogger();
  const error = await openStorage({ dataDir: dir.path, logger })
    .then(async (storage) => {
      try {
        await storage.recover();
      } finally {
        await storage.close();
      }
      return undefined;
    })
    .catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(StorageFormatVersionError);
  expect(logger.warnings).toEqual([]); // not skipped as damage
  return error as StorageFormatVersionError;
}

describe('storage format version', () => {
  it('a newest snapshot in a newer version stops start-up instead of falling back to an older one', async () => {
    await writeDataDir();
    const path = join(dir.path, 'snapshot.4');
    const bytes = await readFile(path);
    bytes.writeUInt32BE(2, 4);
    await writeFile(path, bytes);
    const before = await contents();
    const error = await openFails();
    expect(error).toMatchObject({ file: path, found: 2, supported: 1 });
    expect(error.message).toContain('storage format version 2');
    expect(await contents()).toEqual(before);
  });

  it('a log segment in a newer version stops start-up (it was reported as a corrupt header)', async () => {
    await writeDataDir();
    const segments = (await readdir(dir.path)).filter((name) => name.startsWith('log.'));
    expect(segments.length).toBeGreaterThan(0);
    const path = join(dir.path, segments[0] as string);
    const bytes = await readFile(path);
    bytes.writeUInt32BE(7, 4);
    await writeFile(path, bytes);
    const before = await contents();
    expect(await openFails()).toMatchObject({ file: path, found: 7, supported: 1 });
    expect(await contents()).toEqual(before);
  });

  it('a state file in a newer version stops start-up', async () => {
    await writeDataDir();
    const path = join(dir.path, STATE_FILE_NAME);
    const document = JSON.parse((await readFile(path)).toString()) as { version: number };
    document.version = 3;
    await writeFile(path, JSON.stringify(document));
    const before = await contents();
    expect(await openFails()).toMatchObject({ file: path, found: 3, supported: 1 });
    expect(await contents()).toEqual(before);
  });
});

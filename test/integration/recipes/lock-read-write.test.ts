import { expect, it } from 'vitest';
import { InterProcessMultiLock, InterProcessMutex, InterProcessReadWriteLock } from '../../../recipes/index';
import { TransactionError } from '../../../src/index';
import {
  eventually,
  namespace,
  recipeBackends,
  startClient,
  useRecipeSuite,
} from './fixtures/recipe-harness';

for (const backend of recipeBackends) {
  backend.describe(`recipes: InterProcessReadWriteLock and InterProcessMultiLock (${backend.name})`, () => {
    const suite = useRecipeSuite(backend);
    const { clients } = suite;

    it('readers share; a writer waits for them and excludes later readers', async () => {
      const [one, two, three] = [
        await startClient(suite.server, clients),
        await startClient(suite.server, clients),
        await startClient(suite.server, clients),
      ];
      const path = namespace('rw-share');
      const readA = await new InterProcessReadWriteLock(one, path).readLock().acquire({ timeoutMs: 5_000 });
      const readB = await new InterProcessReadWriteLock(two, path).readLock().acquire({ timeoutMs: 5_000 });
      expect(readA).not.toBe(false);
      expect(readB).not.toBe(false);
      if (readA === false || readB === false) return;
      expect(readA.path).toMatch(/\/_c_[0-9a-f-]{36}-__READ__\d{10}$/);
      const writing = new InterProcessReadWriteLock(three, path).writeLock().acquire({ timeoutMs: 10_000 });
      await eventually(async () => (await one.getChildren(path)).length === 3, 5_000, 'the writer queued');
      expect(await new InterProcessReadWriteLock(one, path).readLock().acquire({ timeoutMs: 300 })).toBe(
        false,
      );
      await readA.release();
      await readB.release();
      const write = await writing;
      expect(write).not.toBe(false);
      if (write === false) return;
      expect(write.path).toMatch(/\/_c_[0-9a-f-]{36}-__WRIT__\d{10}$/);
      await write.release();
    });

    it('the write holder downgrades: takes the read lock, releases the write lock, keeps reading', async () => {
      const [one, two] = [await startClient(suite.server, clients), await startClient(suite.server, clients)];
      const path = namespace('rw-downgrade');
      const lock = new InterProcessReadWriteLock(one, path);
      const write = await lock.writeLock().acquire({ timeoutMs: 5_000 });
      expect(write).not.toBe(false);
      const read = await lock.readLock().acquire({ timeoutMs: 1_000 });
      expect(read).not.toBe(false);
      if (write === false || read === false) return;
      await write.release();
      const otherWriter = new InterProcessReadWriteLock(two, path).writeLock();
      expect(await otherWriter.acquire({ timeoutMs: 300 })).toBe(false);
      const otherReader = await new InterProcessReadWriteLock(two, path)
        .readLock()
        .acquire({ timeoutMs: 1_000 });
      expect(otherReader).not.toBe(false);
      if (otherReader !== false) await otherReader.release();
      await read.release();
      const finalWrite = await otherWriter.acquire({ timeoutMs: 5_000 });
      expect(finalWrite).not.toBe(false);
      if (finalWrite !== false) await finalWrite.release();
    });

    it('a multi-lock takes all or nothing and its transaction checks every node', async () => {
      const [one, two] = [await startClient(suite.server, clients), await startClient(suite.server, clients)];
      const pathA = namespace('multi-a');
      const pathB = namespace('multi-b');
      const blocker = await new InterProcessMutex(two, pathB).acquire({ timeoutMs: 5_000 });
      expect(blocker).not.toBe(false);
      const multi = new InterProcessMultiLock(one, [
        new InterProcessMutex(one, pathA),
        new InterProcessMutex(one, pathB),
      ]);
      expect(await multi.acquire({ timeoutMs: 400 })).toBe(false);
      expect(await one.getChildren(pathA)).toEqual([]);
      if (blocker !== false) await blocker.release();
      const both = await multi.acquire({ timeoutMs: 5_000 });
      expect(both).not.toBe(false);
      if (both === false) return;
      expect(both.fencingTokens).toHaveLength(2);
      await both.transaction().setData(pathA, 'ok').commit();
      await both.handles[1]?.release();
      await expect(both.transaction().setData(pathA, 'stale').commit()).rejects.toBeInstanceOf(
        TransactionError,
      );
      await both.release();
      expect(await one.getChildren(pathA)).toEqual([]);
    });
  });
}

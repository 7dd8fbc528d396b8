import { expect, it } from 'vitest';
import {
  InterProcessSemaphoreMutex,
  InterProcessSemaphoreV2,
  type OwnershipHandle,
  type OwnershipLostError,
} from '../../../recipes/index';
import { NoNodeError, type ZooKitClient } from '../../../src/index';
import {
  eventually,
  namespace,
  recipeBackends,
  startClient,
  useRecipeSuite,
} from './fixtures/recipe-harness';

const PROTECTED_LEASE_NAME = /^_c_[0-9a-f-]{36}-lease-\d{10}$/;

/**
 * The children of `path`, none when it is gone: `locks` and `leases` are containers, and the
 * bundled server (container check every second) may reap one the moment it empties.
 */
async function childrenOf(client: ZooKitClient, path: string): Promise<string[]> {
  try {
    return await client.getChildren(path);
  } catch (error) {
    if (error instanceof NoNodeError) return [];
    throw error;
  }
}

for (const backend of recipeBackends) {
  backend.describe(`recipes: InterProcessSemaphoreV2 (${backend.name})`, () => {
    const suite = useRecipeSuite(backend);
    const { clients } = suite;

    it('lays out leases and locks as Curator does, and a returned lease is deleted', async () => {
      const client = await startClient(suite.server, clients);
      const path = namespace('semaphore-layout');
      const semaphore = new InterProcessSemaphoreV2(client, path, 2);
      const lease = await semaphore.acquire({ timeoutMs: 5_000 });
      expect(lease).not.toBe(false);
      if (lease === false) return;
      expect((await client.getChildren(path)).sort()).toEqual(['leases', 'locks']);
      const leases = await client.getChildren(`${path}/leases`);
      expect(leases).toHaveLength(1);
      expect(leases[0]).toMatch(PROTECTED_LEASE_NAME);
      expect(await childrenOf(client, `${path}/locks`)).toEqual([]);
      expect(lease.fencingToken).toBe((await client.exists(lease.path))?.czxid);
      await lease.release();
      expect(await childrenOf(client, `${path}/leases`)).toEqual([]);
    });

    it('with N=2 leases and 6 contending clients, never more than 2 holders', async () => {
      const path = namespace('semaphore-bound');
      const contenders = 6;
      const rounds = 4;
      let holders = 0;
      let maxHolders = 0;
      let grants = 0;
      const observer = await startClient(suite.server, clients);
      let maxLeaseNodes = 0;
      const sampling = setInterval(() => {
        observer.getChildren(`${path}/leases`).then(
          (names) => {
            maxLeaseNodes = Math.max(maxLeaseNodes, names.length);
          },
          () => undefined,
        );
      }, 10);
      try {
        await Promise.all(
          Array.from({ length: contenders }, async () => {
            const semaphore = new InterProcessSemaphoreV2(await startClient(suite.server, clients), path, 2);
            for (let round = 0; round < rounds; round++) {
              const lease = await semaphore.acquire({ timeoutMs: 30_000 });
              if (lease === false) throw new Error('no lease within 30 s');
              holders += 1;
              grants += 1;
              maxHolders = Math.max(maxHolders, holders);
              await new Promise((resolve) => setTimeout(resolve, 15));
              holders -= 1;
              await lease.release();
            }
          }),
        );
      } finally {
        clearInterval(sampling);
      }
      expect(grants).toBe(contenders * rounds);
      expect(maxHolders).toBe(2);
      expect(maxLeaseNodes).toBeLessThanOrEqual(3); // ours plus a queued lease waiting under the internal mutex
      expect(await childrenOf(observer, `${path}/leases`)).toEqual([]);
    }, 60_000);

    it('a lease deleted behind its holder fires the holder signal (nodeDeleted): the lease may now be anyone’s', async () => {
      const [one, two] = [await startClient(suite.server, clients), await startClient(suite.server, clients)];
      const path = namespace('semaphore-lease-deleted');
      const held = await new InterProcessSemaphoreV2(one, path, 1).acquire({ timeoutMs: 5_000 });
      if (held === false) throw new Error('no lease');
      const waiting = new InterProcessSemaphoreV2(two, path, 1).acquire({ timeoutMs: 10_000 });
      await two.delete(held.path); // an operator removes the lease
      const taken = await waiting;
      expect(taken).not.toBe(false);
      await eventually(async () => held.signal.aborted, 5_000, 'the first holder is told');
      expect((held.signal.reason as OwnershipLostError).reason).toBe('nodeDeleted');
      if (taken !== false) await taken.release();
      await held.release();
    });

    it('a timed-out acquire resolves false and leaves neither a lease nor a lock node', async () => {
      const [one, two] = [await startClient(suite.server, clients), await startClient(suite.server, clients)];
      const path = namespace('semaphore-timeout');
      const held = await new InterProcessSemaphoreV2(one, path, 1).acquire({ timeoutMs: 5_000 });
      expect(held).not.toBe(false);
      expect(await new InterProcessSemaphoreV2(two, path, 1).acquire({ timeoutMs: 300 })).toBe(false);
      await eventually(
        async () => (await one.getChildren(`${path}/leases`)).length === 1,
        3_000,
        'one lease left',
      );
      expect(await childrenOf(one, `${path}/locks`)).toEqual([]);
      if (held !== false) await held.release();
    });

    it('InterProcessSemaphoreMutex is not re-entrant: the same instance waits for itself', async () => {
      const client = await startClient(suite.server, clients);
      const mutex = new InterProcessSemaphoreMutex(client, namespace('semaphore-mutex'));
      const first = (await mutex.acquire({ timeoutMs: 5_000 })) as OwnershipHandle | false;
      expect(first).not.toBe(false);
      expect(await mutex.acquire({ timeoutMs: 300 })).toBe(false);
      if (first !== false) await first.release();
      const again = await mutex.acquire({ timeoutMs: 5_000 });
      expect(again).not.toBe(false);
      if (again !== false) await again.release();
    });
  });
}

import { expect, it } from 'vitest';
import { DistributedBarrier, DistributedDoubleBarrier } from '../../../recipes/barrier/index';
import type { ZooKitClient } from '../../../src/index';
import { dataBackends, namespace, startClient, useRecipeSuite } from './fixtures/data-harness';

for (const backend of dataBackends) {
  backend.describe(`recipes: DistributedBarrier and DistributedDoubleBarrier (${backend.name})`, () => {
    const suite = useRecipeSuite(backend);
    const { clients } = suite;

    it('removing the barrier releases every waiter; a wait times out while it stands', async () => {
      const path = namespace('barrier');
      const controller = new DistributedBarrier(await startClient(suite.server, clients), path);
      await controller.setBarrier();
      await controller.setBarrier(); // idempotent
      const waiters = await Promise.all(
        [0, 1, 2].map(async () => new DistributedBarrier(await startClient(suite.server, clients), path)),
      );
      expect(await (waiters[0] as DistributedBarrier).waitOnBarrier({ timeoutMs: 150 })).toBe(false);
      const released: number[] = [];
      const waits = waiters.map((waiter, index) =>
        waiter.waitOnBarrier({ timeoutMs: 10_000 }).then((passed) => {
          if (passed) released.push(index);
          return passed;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(released).toEqual([]);
      await controller.removeBarrier();
      expect(await Promise.all(waits)).toEqual([true, true, true]);
      expect(
        await new DistributedBarrier(await startClient(suite.server, clients), path).waitOnBarrier({
          timeoutMs: 50,
        }),
      ).toBe(true);
    });

    it('double barrier: nobody enters before all three arrive, and all leave together', async () => {
      const path = namespace('double-barrier');
      const members = await Promise.all(
        [0, 1, 2].map(
          async () => new DistributedDoubleBarrier(await startClient(suite.server, clients), path, 3),
        ),
      );
      const [first, second, third] = members as [
        DistributedDoubleBarrier,
        DistributedDoubleBarrier,
        DistributedDoubleBarrier,
      ];
      const entered: number[] = [];
      const entering = [first, second].map((member, index) =>
        member.enter({ timeoutMs: 15_000 }).then((passed) => {
          entered.push(index);
          return passed;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(entered).toEqual([]);
      expect(await third.enter({ timeoutMs: 15_000 })).toBe(true);
      expect(await Promise.all(entering)).toEqual([true, true]);
      const checker = clients[0] as ZooKitClient;
      expect((await checker.getChildren(path)).length).toBe(4); // three members and ready

      const left: number[] = [];
      const leaving = [first, second].map((member, index) =>
        member.leave({ timeoutMs: 15_000 }).then((passed) => {
          left.push(index);
          return passed;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(left).toEqual([]); // the third member is still in
      expect(await third.leave({ timeoutMs: 15_000 })).toBe(true);
      expect(await Promise.all(leaving)).toEqual([true, true]);
      expect(await checker.getChildren(path).catch(() => [])).toEqual([]);
    });

    it('double barrier: enter times out without enough members and removes its node', async () => {
      const path = namespace('double-barrier-timeout');
      const client = await startClient(suite.server, clients);
      const lonely = new DistributedDoubleBarrier(client, path, 2);
      expect(await lonely.enter({ timeoutMs: 200 })).toBe(false);
      expect(await client.exists(lonely.ourPath)).toBeNull();
    });

    it('double barrier: an aborted enter removes its node, so it is not counted as a member', async () => {
      const path = namespace('double-barrier-abort');
      const [one, two] = [await startClient(suite.server, clients), await startClient(suite.server, clients)];
      const quitter = new DistributedDoubleBarrier(one, path, 2);
      const controller = new AbortController();
      const entering = quitter.enter({ signal: controller.signal });
      await eventuallyExists(one, quitter.ourPath);
      controller.abort();
      await expect(entering).rejects.toThrow();
      expect(await one.exists(quitter.ourPath)).toBeNull();
      // A second member alone must not pass: only one member is there.
      const second = new DistributedDoubleBarrier(two, path, 2);
      expect(await second.enter({ timeoutMs: 300 })).toBe(false);
    });
  });
}

/** Waits (bounded) until `path` exists. */
async function eventuallyExists(client: ZooKitClient, path: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await client.exists(path)) !== null) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${path} never appeared`);
}

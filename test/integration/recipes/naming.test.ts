import { expect, it } from 'vitest';
import { NameRegistry, NameTakenError, SequentialIdGenerator } from '../../../recipes/naming/index';
import type { ZooKitClient } from '../../../src/index';
import { dataBackends, namespace, startClient, useRecipeSuite } from './fixtures/data-harness';

for (const backend of dataBackends) {
  backend.describe(`recipes: SequentialIdGenerator and NameRegistry (${backend.name})`, () => {
    const suite = useRecipeSuite(backend);
    const { clients } = suite;

    it('ids from three clients are unique and increase in each caller; read nodes are deleted', async () => {
      const path = namespace('ids');
      const generators = await Promise.all(
        [0, 1, 2].map(async () => new SequentialIdGenerator(await startClient(suite.server, clients), path)),
      );
      const perClient = await Promise.all(
        generators.map(async (generator) => {
          const ids: bigint[] = [];
          for (let index = 0; index < 10; index++) ids.push(await generator.next());
          return ids;
        }),
      );
      for (const ids of perClient)
        for (let index = 1; index < ids.length; index++)
          expect((ids[index] as bigint) > (ids[index - 1] as bigint)).toBe(true);
      const all = perClient.flat();
      expect(new Set(all).size).toBe(30);
      expect(typeof all[0]).toBe('bigint');
      expect(await (clients[0] as ZooKitClient).getChildren(path)).toEqual([]);
    });

    it('numbers and kept nodes when asked', async () => {
      const path = namespace('ids-kept');
      const client = await startClient(suite.server, clients);
      const generator = new SequentialIdGenerator(client, path, {
        idType: 'number',
        deleteAfterRead: false,
        prefix: 'n-',
      });
      expect([await generator.next(), await generator.next()]).toEqual([0, 1]);
      const children = await client.getChildren(path);
      expect(children.map((name) => name.slice(-12)).sort()).toEqual(['n-0000000000', 'n-0000000001']);
    });

    it('a name has one owner: conflicts name the holder, release frees it, the same owner takes over', async () => {
      const path = namespace('names');
      const firstClient = await startClient(suite.server, clients);
      const secondClient = await startClient(suite.server, clients);
      const first = new NameRegistry(firstClient, path);
      const second = new NameRegistry(secondClient, path);
      const registration = await first.register('billing-primary', 'host-a');
      expect(await registration.isHeld()).toBe(true);
      expect(await first.register('billing-primary', 'host-a')).toMatchObject({ owner: 'host-a' }); // idempotent
      const conflict = await second.register('billing-primary', 'host-b').catch((error: unknown) => error);
      expect(conflict).toBeInstanceOf(NameTakenError);
      expect((conflict as NameTakenError).owner).toBe('host-a');
      expect(await second.lookup('billing-primary')).toBe('host-a');

      // The same owner on another session (a restarted process) takes the name over.
      const takeover = await second.register('billing-primary', 'host-a');
      expect(await takeover.isHeld()).toBe(true);
      expect(await registration.isHeld()).toBe(false);
      expect((await firstClient.exists(`${path}/billing-primary`))?.ephemeralOwner).toBe(
        secondClient.sessionId,
      );
      await takeover.release();
      expect(await second.lookup('billing-primary')).toBeUndefined();
      const again = await first.register('billing-primary', 'host-c');
      expect(again.owner).toBe('host-c');
    });
  });
}

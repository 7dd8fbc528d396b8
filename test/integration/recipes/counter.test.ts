import { expect, it } from 'vitest';
import { DistributedAtomicLong, SharedCount } from '../../../recipes/counter/index';
import type { ZooKitClient } from '../../../src/index';
import { dataBackends, EventRecorder, namespace, startClient, useRecipeSuite } from './fixtures/data-harness';

for (const backend of dataBackends) {
  backend.describe(`recipes: DistributedAtomicLong and SharedCount (${backend.name})`, () => {
    const suite = useRecipeSuite(backend);
    const { clients, closers } = suite;

    it('increments from four concurrent clients sum exactly, each post-value seen once', async () => {
      const path = namespace('atomic-long');
      const perClient = 25;
      const counters = await Promise.all(
        [0, 1, 2, 3].map(
          async () => new DistributedAtomicLong(await startClient(suite.server, clients), path),
        ),
      );
      const results = await Promise.all(
        counters.map(async (counter) => {
          const outcomes = [];
          for (let index = 0; index < perClient; index++) outcomes.push(await counter.increment());
          return outcomes;
        }),
      );
      const all = results.flat();
      expect(all.every((result) => result.succeeded)).toBe(true);
      expect(all.every((result) => result.postValue === result.preValue + 1n)).toBe(true);
      const postValues = all.map((result) => result.postValue).sort((left, right) => (left < right ? -1 : 1));
      expect(postValues).toEqual(Array.from({ length: 4 * perClient }, (_, index) => BigInt(index + 1)));
      expect((await (counters[0] as DistributedAtomicLong).get()).postValue).toBe(100n);
      const raw = (await (clients[0] as ZooKitClient).getData(path)).data;
      expect(raw.toString('hex')).toBe('0000000000000064'); // Curator's 8-byte big-endian long
    });

    it('compareAndSet, trySet, add, decrement and initialize', async () => {
      const path = namespace('atomic-ops');
      const counter = new DistributedAtomicLong(await startClient(suite.server, clients), path);
      expect(await counter.get()).toEqual({ succeeded: true, preValue: 0n, postValue: 0n });
      expect(await counter.initialize(10n)).toBe(true);
      expect(await counter.initialize(99n)).toBe(false);
      expect(await counter.compareAndSet(9n, 50n)).toEqual({
        succeeded: false,
        preValue: 10n,
        postValue: 10n,
      });
      expect(await counter.compareAndSet(10n, 50n)).toEqual({
        succeeded: true,
        preValue: 10n,
        postValue: 50n,
      });
      expect(await counter.add(-8n)).toEqual({ succeeded: true, preValue: 50n, postValue: 42n });
      expect(await counter.decrement()).toEqual({ succeeded: true, preValue: 42n, postValue: 41n });
      expect(await counter.trySet(7n)).toEqual({ succeeded: true, preValue: 41n, postValue: 7n });
      await counter.forceSet(-3n);
      expect((await counter.get()).postValue).toBe(-3n);
    });

    it('SharedCount: seed, listener on change, versioned trySetCount loses to a concurrent write', async () => {
      const path = namespace('shared-count');
      const first = new SharedCount(await startClient(suite.server, clients), path, 5);
      const second = new SharedCount(await startClient(suite.server, clients), path, 999);
      closers.push(
        () => first.close(),
        () => second.close(),
      );
      await first.start();
      await second.start();
      expect(first.getCount()).toBe(5);
      expect(second.getCount()).toBe(5); // the seed of an existing count is ignored
      const changes = new EventRecorder<number>();
      second.on('countChanged', changes.record);

      const seenByFirst = first.getVersionedValue();
      const seenBySecond = second.getVersionedValue();
      expect(await first.trySetCount(seenByFirst, 6)).toBe(true);
      expect(await changes.next()).toBe(6);
      expect(await second.trySetCount(seenBySecond, 100)).toBe(false);
      expect(second.getCount()).toBe(6);
      expect(await second.trySetCount(second.getVersionedValue(), 7)).toBe(true);
      await first.setCount(8);
      expect(await changes.next()).toBe(8);
      expect((await (clients[0] as ZooKitClient).getData(path)).data.toString('hex')).toBe('00000008');
    });
  });
}

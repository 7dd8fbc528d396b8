import { expect, it } from 'vitest';
import {
  DistributedQueue,
  NoSuchElementError,
  QueueTimeoutError,
  SimpleDistributedQueue,
} from '../../../recipes/queue/index';
import type { ZooKitClient } from '../../../src/index';
import { dataBackends, eventually, namespace, startClient, useRecipeSuite } from './fixtures/data-harness';

for (const backend of dataBackends) {
  backend.describe(`recipes: DistributedQueue and SimpleDistributedQueue (${backend.name})`, () => {
    const suite = useRecipeSuite(backend);
    const { clients, closers } = suite;

    it('three concurrent consumers on three clients consume every item exactly once', async () => {
      const path = namespace('queue-consumers');
      const itemCount = 90;
      const consumed: Array<{ consumer: number; item: number }> = [];
      for (let consumer = 0; consumer < 3; consumer++) {
        const queue = new DistributedQueue<number>(await startClient(suite.server, clients), path, {
          consumer: (item) => {
            consumed.push({ consumer, item });
          },
        });
        queue.start();
        closers.push(() => queue.close());
      }
      const producer = new DistributedQueue<number>(await startClient(suite.server, clients), path);
      producer.start();
      closers.push(() => producer.close());
      for (let item = 0; item < itemCount; item++) await producer.put(item);
      await eventually(() => consumed.length >= itemCount, 20_000, 'every item consumed');
      await new Promise((resolve) => setTimeout(resolve, 300)); // a duplicate would show up now
      const items = consumed.map((entry) => entry.item).sort((left, right) => left - right);
      expect(items).toEqual(Array.from({ length: itemCount }, (_, index) => index));
      expect(new Set(consumed.map((entry) => entry.consumer)).size).toBeGreaterThan(1);
      const checker = clients[0] as ZooKitClient;
      expect(await checker.getChildren(path)).toEqual([]);
    });

    it('take returns items in put order and undefined on timeout', async () => {
      const path = namespace('queue-order');
      const queue = new DistributedQueue<string>(await startClient(suite.server, clients), path);
      queue.start();
      closers.push(() => queue.close());
      for (const item of ['a', 'b', 'c']) await queue.put(item);
      expect([await queue.take(), await queue.take(), await queue.take()]).toEqual(['a', 'b', 'c']);
      const started = Date.now();
      expect(await queue.take({ timeoutMs: 200 })).toBeUndefined();
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      const waiting = queue.take({ timeoutMs: 10_000 });
      await queue.put('late');
      expect(await waiting).toBe('late');
    });

    // Needs the bundled server's reply hook: a put that commits and whose reply is lost.
    if (backend.name === 'zookit')
      it('a put whose reply is lost: retried into a duplicate by default, put once with protection', async () => {
        const faults = suite.server.faults;
        if (faults === undefined) throw new Error('the bundled server has fault hooks');
        const client = await startClient(suite.server, clients);
        const counts: number[] = [];
        for (const protection of [false, true]) {
          const path = namespace(`queue-lost-put-${protection}`);
          const queue = new DistributedQueue<string>(client, path, { protection });
          queue.start();
          closers.push(() => queue.close());
          await queue.put('first');
          faults.dropNextReply({ op: 'create', path: `${path}/` });
          await queue.put('second'); // the reply is lost with the connection; the client retries
          await queue.put('third');
          counts.push((await client.getChildren(path)).length);
          const taken = [];
          for (let index = 0; index < counts.at(-1)!; index++)
            taken.push(await queue.take({ timeoutMs: 5_000 }));
          expect(taken.filter((item) => item !== 'second')).toEqual(['first', 'third']);
        }
        expect(counts).toEqual([4, 3]);
      });

    it('SimpleDistributedQueue: offer, peek, element, poll, take, remove', async () => {
      const path = namespace('simple-queue');
      const client = await startClient(suite.server, clients);
      const queue = new SimpleDistributedQueue(client, path);
      expect(await queue.poll()).toBeNull();
      expect(await queue.peek()).toBeNull();
      await expect(queue.element()).rejects.toBeInstanceOf(NoSuchElementError);
      await expect(queue.remove()).rejects.toBeInstanceOf(NoSuchElementError);
      await expect(queue.take({ timeoutMs: 100 })).rejects.toBeInstanceOf(QueueTimeoutError);
      expect(await queue.offer('one')).toBe(true);
      await queue.offer('two');
      await queue.offer('three');
      expect((await client.getChildren(path)).sort()).toEqual([
        'qn-0000000000',
        'qn-0000000001',
        'qn-0000000002',
      ]);
      expect((await queue.peek())?.toString()).toBe('one');
      expect((await queue.element()).toString()).toBe('one');
      expect((await queue.poll())?.toString()).toBe('one');
      expect((await queue.take()).toString()).toBe('two');
      expect((await queue.remove()).toString()).toBe('three');
      expect(await queue.poll()).toBeNull();
    });
  });
}

/**
 * Session loss in the middle of the data recipes (issue 5): caches and counters see changes
 * made while the session was gone, barrier waits go on or report the lost member, a blocked
 * take gets the next item on the new session. Expiry is the backend's (the bundled server
 * expires the session directly; Apache's is closed from outside). Membership re-creation
 * after expiry is in membership.test.ts, CuratorCache and ConfigSubscription rebuilds in
 * cache.test.ts and config.test.ts.
 */
import { afterEach, expect, it } from 'vitest';
import {
  BarrierMemberLostError,
  type ChildData,
  DistributedAtomicLong,
  DistributedBarrier,
  DistributedDoubleBarrier,
  DistributedQueue,
  NodeCache,
  SharedCount,
} from '../../../recipes/index';
import { NoNodeError, type ZooKitClient } from '../../../src/index';
import {
  dataBackends,
  EventRecorder,
  eventually,
  expireUntilNewSession,
  namespace,
  startClient,
  useRecipeSuite,
} from './fixtures/data-harness';

for (const backend of dataBackends) {
  backend.describe(`recipes: session loss in data recipes (${backend.name})`, () => {
    const suite = useRecipeSuite(backend);
    const { clients } = suite;
    const closables: { close(): Promise<void> }[] = [];

    afterEach(async () => {
      await Promise.allSettled(closables.splice(0).map((closable) => closable.close()));
    });

    it('NodeCache: a change made while the session was gone arrives as one event with old and new data', async () => {
      const [client, writer] = [
        await startClient(suite.server, clients),
        await startClient(suite.server, clients),
      ];
      const path = namespace('nodecache-expiry');
      await writer.create(path, 'before', { creatingParentsIfNeeded: true });
      const cache = new NodeCache(client, path);
      closables.push(cache);
      await cache.start();
      const recorder = new EventRecorder<[string | undefined, string | undefined]>();
      const text = (node: ChildData | undefined): string | undefined => node?.data.toString('utf8');
      cache.on('changed', (oldData, newData) => recorder.record([text(oldData), text(newData)]));
      const expiring = expireUntilNewSession(client, suite.server);
      await writer.setData(path, 'during');
      await expiring;
      expect(await recorder.next(10_000, 'the change made during expiry')).toEqual(['before', 'during']);
      await writer.setData(path, 'after');
      expect(await recorder.next(10_000, 'a change on the new session')).toEqual(['during', 'after']);
      expect(recorder.pending).toEqual([]);
    });

    it('SharedCount and DistributedAtomicLong: counts stay exact across an expiry', async () => {
      const [client, writer] = [
        await startClient(suite.server, clients),
        await startClient(suite.server, clients),
      ];
      const path = namespace('counter-expiry');
      const shared = new SharedCount(client, `${path}/shared`, 7);
      closables.push(shared);
      await shared.start();
      const writerCount = new SharedCount(writer, `${path}/shared`, 0);
      closables.push(writerCount);
      await writerCount.start();
      const counts: number[] = [];
      shared.on('countChanged', (count) => counts.push(count));
      const atomic = new DistributedAtomicLong(client, `${path}/atomic`);
      for (let index = 0; index < 3; index++) expect((await atomic.increment()).succeeded).toBe(true);
      const expiring = expireUntilNewSession(client, suite.server);
      await writerCount.setCount(9);
      await expiring;
      await eventually(() => shared.getCount() === 9, 10_000, 'the count set during expiry');
      expect(counts).toEqual([9]);
      for (let index = 0; index < 3; index++) expect((await atomic.increment()).succeeded).toBe(true);
      expect((await new DistributedAtomicLong(writer, `${path}/atomic`).get()).postValue).toBe(6n);
    });

    it('DistributedBarrier: a waiter goes on waiting through an expiry and passes when the barrier goes', async () => {
      const [waiterClient, setterClient] = [
        await startClient(suite.server, clients),
        await startClient(suite.server, clients),
      ];
      const path = namespace('barrier-expiry');
      const setter = new DistributedBarrier(setterClient, path);
      await setter.setBarrier();
      let passed: boolean | undefined;
      const waiting = new DistributedBarrier(waiterClient, path)
        .waitOnBarrier({ timeoutMs: 20_000 })
        .then((result) => {
          passed = result;
        });
      await expireUntilNewSession(waiterClient, suite.server);
      expect(passed).toBeUndefined();
      await setter.removeBarrier();
      await waiting;
      expect(passed).toBe(true);
    });

    it('DistributedDoubleBarrier: a member whose session ends is told in enter and in leave; the others leave cleanly', async () => {
      const [one, two, three] = [
        await startClient(suite.server, clients),
        await startClient(suite.server, clients),
        await startClient(suite.server, clients),
      ];
      // enter: a lone member of three waits; its session ends; enter rejects, no node is left.
      const enterPath = namespace('double-enter-expiry');
      const lonely = new DistributedDoubleBarrier(one, enterPath, 3);
      // The assertion is attached at once: enter may reject while the expiry is still under way.
      const enterRejected = expect(lonely.enter({ timeoutMs: 20_000 })).rejects.toBeInstanceOf(
        BarrierMemberLostError,
      );
      await eventually(async () => (await two.exists(lonely.ourPath)) !== null, 5_000, 'member node');
      await suite.server.expireSession(one);
      await enterRejected;
      expect(await childrenOrNone(two, enterPath)).toEqual([]); // a container: may be reaped

      // leave: two members entered; one's session ends; its leave rejects, the other leaves.
      const leavePath = namespace('double-leave-expiry');
      const stayer = new DistributedDoubleBarrier(two, leavePath, 2);
      const goner = new DistributedDoubleBarrier(three, leavePath, 2);
      expect(
        await Promise.all([stayer.enter({ timeoutMs: 10_000 }), goner.enter({ timeoutMs: 10_000 })]),
      ).toEqual([true, true]);
      await expireUntilNewSession(three, suite.server);
      await expect(goner.leave({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(BarrierMemberLostError);
      expect(await stayer.leave({ timeoutMs: 10_000 })).toBe(true);
      expect(await childrenOrNone(two, leavePath)).toEqual([]);
    });

    it('DistributedQueue: a take blocked across an expiry gets the next item on the new session', async () => {
      const [consumerClient, producerClient] = [
        await startClient(suite.server, clients),
        await startClient(suite.server, clients),
      ];
      const path = namespace('queue-expiry');
      const consumer = new DistributedQueue<{ n: number }>(consumerClient, path);
      const producer = new DistributedQueue<{ n: number }>(producerClient, path);
      closables.push(consumer, producer);
      consumer.start();
      producer.start();
      await producer.put({ n: 0 });
      expect(await consumer.take({ timeoutMs: 5_000 })).toEqual({ n: 0 });
      const taking = consumer.take({ timeoutMs: 20_000 });
      await expireUntilNewSession(consumerClient, suite.server);
      await producer.put({ n: 1 });
      expect(await taking).toEqual({ n: 1 });
      expect(await producerClient.getChildren(path)).toEqual([]);
    });
  });
}

/** The children of `path`; none when it does not exist (container parents may be reaped). */
async function childrenOrNone(client: ZooKitClient, path: string): Promise<string[]> {
  try {
    return await client.getChildren(path);
  } catch (error) {
    if (error instanceof NoNodeError) return [];
    throw error;
  }
}

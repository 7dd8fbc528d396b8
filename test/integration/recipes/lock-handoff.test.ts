import { expect, it } from 'vitest';
import { InterProcessMutex, InterProcessReadWriteLock, type OwnershipHandle } from '../../../recipes/index';
import type { ReentrantLock } from '../../../recipes/lock/mutex';
import type { ZooKitClient } from '../../../src/index';
import {
  eventually,
  namespace,
  recipeBackends,
  startClient,
  useRecipeSuite,
} from './fixtures/recipe-harness';

/** Counts the client's `getChildren` calls (the reads a handoff should not need) into `log`. */
function countChildrenReads(client: ZooKitClient, log: string[]): { count: number } {
  const counter = { count: 0 };
  const original = client.getChildren.bind(client) as (...args: unknown[]) => unknown;
  Object.assign(client, {
    getChildren: (...args: unknown[]) => {
      counter.count += 1;
      log.push('read');
      return original(...args);
    },
  });
  return counter;
}

/** The reads a contender made after its predecessor's NodeDeleted reached it. */
function readsAfterDeletion(contender: Contender): number {
  const deletedAt = contender.log.indexOf('NodeDeleted');
  if (deletedAt < 0) throw new Error('the contender never heard its predecessor go');
  return contender.log.slice(deletedAt).filter((entry) => entry === 'read').length;
}

/** One queued contender: its lock, its read count, what it saw of its predecessor. */
interface Contender {
  reads: { count: number };
  handoffsWithoutRead: number;
  /** Paths it watched, with the data version its `getData` showed. */
  armed: { path: string; version: number }[];
  /** Its `getChildren` calls ('read') and watch events, in order. */
  log: string[];
  handle: Promise<OwnershipHandle | false>;
}

async function queueContender(
  client: ZooKitClient,
  makeLock: (hooks: {
    onWatchFired: (path: string, event: { type: string }) => void;
    onWatchSet: (path: string, stat: { version: number }) => void;
    onHandoffWithoutRead: () => void;
  }) => ReentrantLock,
): Promise<Contender> {
  const log: string[] = [];
  const reads = countChildrenReads(client, log);
  const contender: Contender = {
    reads,
    handoffsWithoutRead: 0,
    armed: [],
    log,
    handle: Promise.resolve(false),
  };
  const lock = makeLock({
    onWatchFired: (_path, event) => log.push(event.type),
    onWatchSet: (path, stat) => contender.armed.push({ path, version: stat.version }),
    onHandoffWithoutRead: () => {
      contender.handoffsWithoutRead += 1;
    },
  });
  contender.handle = lock.acquire({ timeoutMs: 30_000 });
  return contender;
}

/**
 * Queues `count` contenders one after another behind a holder, then releases down the chain.
 * Before each release, waits until the holder's successor has re-armed its watch and seen the
 * holder's head marker (data version 1) when `expectMarker`; returns the contenders.
 */
async function releaseDownTheChain(
  holder: OwnershipHandle,
  contenders: Contender[],
  expectMarker: boolean,
): Promise<void> {
  let previous = holder;
  for (const [index, contender] of contenders.entries()) {
    if (expectMarker && index > 0) {
      const path = previous.path;
      await eventually(
        async () => contender.armed.some((armed) => armed.path === path && armed.version === 1),
        10_000,
        `contender ${index} saw its predecessor's head marker`,
      );
    }
    await previous.release();
    const next = await contender.handle;
    if (next === false) throw new Error(`contender ${index} timed out`);
    previous = next;
  }
  await previous.release();
}

for (const backend of recipeBackends) {
  backend.describe(`recipes: lock handoff without a read (${backend.name})`, () => {
    const suite = useRecipeSuite(backend);
    const { clients } = suite;

    async function queueMutexes(path: string, waiters: number, headMarker: boolean): Promise<Contender[]> {
      const holderClient = await startClient(suite.server, clients);
      const contenders: Contender[] = [];
      for (let index = 0; index < waiters; index++) {
        const client = await startClient(suite.server, clients);
        contenders.push(
          await queueContender(
            client,
            (hooks) => new InterProcessMutex(client, path, { ...hooks, headMarker }),
          ),
        );
        // Queued behind a node that is not the head (but the first waiter): it read too early.
        await eventually(
          async () => contenders[index]?.armed.length === 1,
          10_000,
          `waiter ${index} watches its predecessor`,
        );
      }
      expect((await holderClient.getChildren(path)).length).toBe(waiters + 1);
      return contenders;
    }

    it('10 contenders: every handoff to a queued waiter takes the lock with no read after the NodeDeleted', async () => {
      const path = namespace('handoff-marker');
      const holderClient = await startClient(suite.server, clients);
      const holder = await new InterProcessMutex(holderClient, path).acquire({ timeoutMs: 10_000 });
      if (holder === false) throw new Error('the first holder did not acquire');
      const contenders = await queueMutexes(path, 9, true);
      await releaseDownTheChain(holder, contenders, true);
      // None reads after its predecessor's deletion. Each read once to queue; all but the
      // first (which watched the head) read once more alongside re-arming on the marker's
      // NodeDataChanged, while the holder still held.
      expect(contenders.map(readsAfterDeletion)).toEqual(Array(9).fill(0));
      expect(contenders.map((contender) => contender.reads.count)).toEqual([1, ...Array(8).fill(2)]);
      expect(
        contenders.map((contender) => contender.log.filter((entry) => entry === 'NodeDataChanged').length),
      ).toEqual([0, ...Array(8).fill(1)]);
      expect(contenders.map((contender) => contender.handoffsWithoutRead)).toEqual(Array(9).fill(1));
      expect(await holderClient.getChildren(path)).toEqual([]);
    });

    it('without the head marker, a waiter that queued behind a non-head node reads again on its deletion', async () => {
      const path = namespace('handoff-no-marker');
      const holderClient = await startClient(suite.server, clients);
      const holder = await new InterProcessMutex(holderClient, path, { headMarker: false }).acquire({
        timeoutMs: 10_000,
      });
      if (holder === false) throw new Error('the first holder did not acquire');
      const contenders = await queueMutexes(path, 4, false);
      await releaseDownTheChain(holder, contenders, false);
      // The first waiter watched the head; the others read twice (queued, then on the handoff).
      expect(contenders.map(readsAfterDeletion)).toEqual([0, 1, 1, 1]);
      expect(contenders.map((contender) => contender.reads.count)).toEqual([1, 2, 2, 2]);
      expect(contenders.map((contender) => contender.handoffsWithoutRead)).toEqual([1, 0, 0, 0]);
      for (const contender of contenders) {
        expect(contender.armed.every((armed) => armed.version === 0)).toBe(true);
      }
    });

    it('write locks hand off down a chain of writers without a read', async () => {
      const path = namespace('handoff-writers');
      const holderClient = await startClient(suite.server, clients);
      const holder = await new InterProcessReadWriteLock(holderClient, path)
        .writeLock()
        .acquire({ timeoutMs: 10_000 });
      if (holder === false) throw new Error('the first writer did not acquire');
      const contenders: Contender[] = [];
      for (let index = 0; index < 4; index++) {
        const client = await startClient(suite.server, clients);
        contenders.push(
          await queueContender(client, (hooks) =>
            new InterProcessReadWriteLock(client, path, hooks).writeLock(),
          ),
        );
        await eventually(async () => contenders[index]?.armed.length === 1, 10_000, 'writer queued');
      }
      await releaseDownTheChain(holder, contenders, true);
      expect(contenders.map(readsAfterDeletion)).toEqual([0, 0, 0, 0]);
      expect(contenders.map((contender) => contender.reads.count)).toEqual([1, 2, 2, 2]);
      expect(contenders.map((contender) => contender.handoffsWithoutRead)).toEqual([1, 1, 1, 1]);
    });

    it('10 contenders acquiring and releasing at once: never two holders, no node left', async () => {
      const path = namespace('handoff-exclusion');
      const rounds = 8;
      let inside = 0;
      let holds = 0;
      const workers = await Promise.all(
        Array.from(
          { length: 10 },
          async () => new InterProcessMutex(await startClient(suite.server, clients), path),
        ),
      );
      await Promise.all(
        workers.map(async (mutex) => {
          for (let round = 0; round < rounds; round++) {
            const handle = await mutex.acquire({ timeoutMs: 30_000 });
            if (handle === false) throw new Error('timed out');
            inside += 1;
            expect(inside).toBe(1);
            holds += 1;
            await new Promise((resolve) => setTimeout(resolve, round % 3)); // 0-2 ms of work
            inside -= 1;
            await handle.release();
          }
        }),
      );
      expect(holds).toBe(10 * rounds);
      const [first] = clients;
      expect(await first?.getChildren(path)).toEqual([]);
    });
  });
}

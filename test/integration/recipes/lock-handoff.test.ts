import { expect, it } from 'vitest';
import { InterProcessMutex, InterProcessReadWriteLock, type OwnershipHandle } from '../../../recipes/index';
import type { LockOptions, ReentrantLock } from '../../../recipes/lock/mutex';
import { CreateMode, NoWatcherError, type ZooKitClient } from '../../../src/index';
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
  client: ZooKitClient;
  reads: { count: number };
  handoffsWithoutRead: number;
  /** Paths it watched, with the data version its `getData` showed. */
  armed: { path: string; version: number }[];
  /** Its `getChildren` calls ('read') and watch events, in order. */
  log: string[];
  /** Paths its client's `getData` calls read successfully. */
  dataRead: string[];
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
  const dataRead: string[] = [];
  const getData = client.getData.bind(client) as (path: string, ...rest: unknown[]) => Promise<unknown>;
  Object.assign(client, {
    getData: async (path: string, ...rest: unknown[]) => {
      const read = await getData(path, ...rest);
      dataRead.push(path);
      return read;
    },
  });
  const contender: Contender = {
    client,
    reads,
    handoffsWithoutRead: 0,
    armed: [],
    log,
    dataRead,
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

    async function queueMutexes(
      path: string,
      waiters: number,
      options: { headMarker?: boolean; grant?: boolean },
    ): Promise<Contender[]> {
      const holderClient = await startClient(suite.server, clients);
      // Each queued behind a node that is not the head (but the first waiter): it read too early.
      const contenders = await queueGranting(path, waiters, options, []);
      expect((await holderClient.getChildren(path)).length).toBe(waiters + 1);
      return contenders;
    }

    it('head marker (no grants), 10 contenders: every handoff to a queued waiter takes the lock with no read after the NodeDeleted', async () => {
      const path = namespace('handoff-marker');
      const holderClient = await startClient(suite.server, clients);
      const holder = await new InterProcessMutex(holderClient, path, { grant: false }).acquire({
        timeoutMs: 10_000,
      });
      if (holder === false) throw new Error('the first holder did not acquire');
      const contenders = await queueMutexes(path, 9, { headMarker: true, grant: false });
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

    it('without the head marker or grants, a waiter that queued behind a non-head node reads again on its deletion', async () => {
      const path = namespace('handoff-no-marker');
      const holderClient = await startClient(suite.server, clients);
      const holder = await new InterProcessMutex(holderClient, path, {
        headMarker: false,
        grant: false,
      }).acquire({
        timeoutMs: 10_000,
      });
      if (holder === false) throw new Error('the first holder did not acquire');
      const contenders = await queueMutexes(path, 4, { headMarker: false, grant: false });
      await releaseDownTheChain(holder, contenders, false);
      // The first waiter watched the head; the others read twice (queued, then on the handoff).
      expect(contenders.map(readsAfterDeletion)).toEqual([0, 1, 1, 1]);
      expect(contenders.map((contender) => contender.reads.count)).toEqual([1, 2, 2, 2]);
      expect(contenders.map((contender) => contender.handoffsWithoutRead)).toEqual([1, 0, 0, 0]);
      for (const contender of contenders) {
        expect(contender.armed.every((armed) => armed.version === 0)).toBe(true);
      }
    });

    /** The path a contender holds the lock on (it must have acquired). */
    async function heldPath(contender: Contender): Promise<string> {
      const handle = await contender.handle;
      if (handle === false) throw new Error('a contender timed out');
      return handle.path;
    }

    /** Queues mutex waiters on separate sessions, each watching its predecessor before the next queues. */
    async function queueGranting(path: string, count: number, options: LockOptions, granted: string[]) {
      const contenders: Contender[] = [];
      for (let index = 0; index < count; index++) {
        const client = await startClient(suite.server, clients);
        contenders.push(
          await queueContender(
            client,
            (hooks) =>
              new InterProcessMutex(client, path, {
                ...hooks,
                ...options,
                onGranted: (to) => granted.push(to),
              }),
          ),
        );
        await eventually(async () => contenders[index]?.armed.length === 1, 10_000, `waiter ${index} queued`);
      }
      return contenders;
    }

    for (const grant of [true, false]) {
      it(`${grant ? 'grant' : 'no grant'}: a waiter that never saw its predecessor as the head ${grant ? 'takes the lock without a read' : 'reads on its deletion'}`, async () => {
        const path = namespace(`handoff-grant-${grant}`);
        const holderClient = await startClient(suite.server, clients);
        // No head markers: the only evidence the second waiter can get is the grant to its node.
        const options = { headMarker: false, grant };
        const holder = await new InterProcessMutex(holderClient, path, options).acquire({
          timeoutMs: 10_000,
        });
        if (holder === false) throw new Error('the first holder did not acquire');
        const granted: string[] = [];
        const [first, second] = (await queueGranting(path, 2, options, granted)) as [Contender, Contender];
        // The holder listed only itself when it acquired: it knows no successor and deletes.
        await holder.release();
        const firstHandle = await first.handle;
        if (firstHandle === false) throw new Error('the first waiter timed out');
        expect(first.handoffsWithoutRead).toBe(1); // it watched the head at its read
        // It looked up its successor when it took the lock: its release grants (or deletes).
        await firstHandle.release();
        const secondPath = await heldPath(second);
        expect(granted).toEqual(grant ? [secondPath] : []);
        expect(second.handoffsWithoutRead).toBe(grant ? 1 : 0);
        const secondHandle = await second.handle;
        if (secondHandle !== false) await secondHandle.release();
        expect(await holderClient.getChildren(path)).toEqual([]);
        // Each waiter's grant token watch is gone: fired by the grant, else removed once the
        // wait ended (it would otherwise stay on the server for the session's life).
        for (const [contender, handle] of [
          [first, firstHandle],
          [second, secondHandle],
        ] as const) {
          if (handle === false) continue;
          const token = `${handle.path}.grant`;
          await eventually(
            () =>
              contender.client.checkWatches(token, 'data').then(
                () => false,
                (error: unknown) => error instanceof NoWatcherError,
              ),
            5_000,
            `no watch left on ${token}`,
          );
        }
      });
    }

    it('grants down a chain of 10 contenders: each waiter takes the lock without a read', async () => {
      const path = namespace('handoff-grant-chain');
      const holderClient = await startClient(suite.server, clients);
      const holder = await new InterProcessMutex(holderClient, path).acquire({ timeoutMs: 10_000 });
      if (holder === false) throw new Error('the first holder did not acquire');
      const granted: string[] = [];
      const contenders = await queueGranting(path, 9, {}, granted);
      await releaseDownTheChain(holder, contenders, false);
      expect(contenders.map((contender) => contender.handoffsWithoutRead)).toEqual(Array(9).fill(1));
      // The first holder knew no successor (it was alone when it acquired); every later holder
      // but the last (nobody behind it) granted the next.
      const paths = await Promise.all(contenders.map(heldPath));
      expect(granted).toEqual(paths.slice(1));
      expect(await holderClient.getChildren(path)).toEqual([]);
    });

    it('a grant keeps a foreign (Curator-style) node’s bytes; a successor that left makes the release a plain delete', async () => {
      const path = namespace('handoff-grant-foreign');
      const holderClient = await startClient(suite.server, clients);
      const curatorClient = await startClient(suite.server, clients);
      const granted: string[] = [];
      /** Holder, one zookit waiter, then a Curator participant; the holder releases. */
      async function queueThenRelease(data: string): Promise<{ waiter: Contender; foreign: string }> {
        const holder = await new InterProcessMutex(holderClient, path).acquire({ timeoutMs: 10_000 });
        if (holder === false) throw new Error('the holder did not acquire');
        const [waiter] = (await queueGranting(path, 1, {}, granted)) as [Contender];
        const foreign = await curatorClient.create(
          `${path}/_c_0b6a3f9e-4c1d-4e8a-9a55-3f2f1c0d9e77-lock-`,
          data,
          {
            mode: CreateMode.EPHEMERAL_SEQUENTIAL,
          },
        );
        await holder.release();
        return { waiter, foreign };
      }

      const kept = await queueThenRelease('curator-host-10.0.0.7');
      await ((await kept.waiter.handle) || undefined)?.release();
      expect(granted).toEqual([kept.foreign]);
      const { data, stat } = await curatorClient.getData(kept.foreign);
      expect(data.toString('utf8')).toBe('curator-host-10.0.0.7');
      expect(stat.version).toBe(1);
      await curatorClient.delete(kept.foreign);

      const left = await queueThenRelease('another-host');
      const leftHandle = await left.waiter.handle;
      if (leftHandle === false) throw new Error('the waiter timed out');
      // It looked its successor up when it took the lock (the last read of the lookup is the
      // successor's data); the successor leaves before the release, so the grant's transaction
      // fails on it, changes nothing, and the release deletes our node instead.
      await eventually(
        async () => left.waiter.dataRead.includes(left.foreign),
        10_000,
        'the successor lookup',
      );
      await curatorClient.delete(left.foreign);
      await leftHandle.release();
      expect(granted).toEqual([kept.foreign]);
      expect(await holderClient.getChildren(path)).toEqual([]);
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

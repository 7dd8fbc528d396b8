/**
 * Session loss in the middle of the lock family and leader election (issue 5: "no double
 * holder, no orphan node, the holder is told"). Expiry runs on both backends (the bundled
 * server expires the session directly, Apache's is closed from outside); a dropped
 * connection (SUSPENDED without expiry) and a lost reply need the bundled server's fault
 * hooks and run there only. Mutex expiry while waiting and while holding is in lock.test.ts.
 */
import { afterEach, expect, it } from 'vitest';
import {
  InterProcessMultiLock,
  InterProcessMutex,
  InterProcessReadWriteLock,
  InterProcessSemaphoreV2,
  LeaderLatch,
  LeaderSelector,
  type OwnershipHandle,
  OwnershipLostError,
} from '../../../recipes/index';
import { AbortError, NoNodeError, type ZooKitClient } from '../../../src/index';
import {
  eventually,
  namespace,
  nextState,
  recipeBackends,
  startClient,
  useRecipeSuite,
} from './fixtures/recipe-harness';

for (const backend of recipeBackends) {
  backend.describe(`recipes: session loss in locks and leader election (${backend.name})`, () => {
    const suite = useRecipeSuite(backend);
    const { clients } = suite;
    const closables: { close(): Promise<void> }[] = [];
    /** Registers a test that needs the bundled server's fault hooks (not registered for Apache). */
    const withFaultHooks = (title: string, body: () => Promise<void>): void => {
      if (backend.name === 'zookit') it(title, body);
    };

    afterEach(async () => {
      await Promise.allSettled(closables.splice(0).map((closable) => closable.close()));
    });

    /** Drops `client`'s connection (its session lives on) and waits until it is back. */
    async function suspendAndReconnect(client: ZooKitClient): Promise<void> {
      const faults = suite.server.faults;
      if (faults === undefined) throw new Error('needs the bundled server');
      const reconnected = nextState(client, 'RECONNECTED', 10_000);
      expect(faults.dropConnection(client.sessionId)).toBe(true);
      await reconnected.promise;
    }

    it('an acquire aborted while its protected create is in flight leaves no node behind', async () => {
      const [holderClient, client] = [
        await startClient(suite.server, clients),
        await startClient(suite.server, clients),
      ];
      const path = namespace('abort-create');
      const holder = await acquired(new InterProcessMutex(holderClient, path).acquire());
      const faults = suite.server.faults;
      if (faults !== undefined) {
        // Deterministic: the create commits, its reply is lost with the connection, and we
        // abort the moment the client notices (SUSPENDED), before its retry can run.
        faults.dropNextReply({ op: 'create2', path: `${path}/` });
        const controller = new AbortController();
        const onState = (state: string): void => {
          if (state === 'SUSPENDED') controller.abort();
        };
        client.on('stateChanged', onState);
        const acquiring = new InterProcessMutex(client, path).acquire({
          signal: controller.signal,
          timeoutMs: 10_000,
        });
        await expect(acquiring).rejects.toBeInstanceOf(AbortError);
        client.off('stateChanged', onState);
      } else {
        // Apache has no reply hook: abort at staggered moments around the create.
        for (const delayMs of [0, 1, 2, 4, 8]) {
          const controller = new AbortController();
          const acquiring = new InterProcessMutex(client, path).acquire({ signal: controller.signal });
          setTimeout(() => controller.abort(), delayMs);
          await expect(acquiring).rejects.toBeInstanceOf(AbortError);
        }
      }
      const holderName = holder.path.slice(path.length + 1);
      await eventually(
        async () => (await holderClient.getChildren(path)).join() === holderName,
        5_000,
        'only the holder node left',
      );
      await holder.release();
      expect(await holderClient.getChildren(path)).toEqual([]);
    });

    withFaultHooks(
      'a lost create reply during acquire: protection finds our node, no orphan blocks the queue',
      async () => {
        const [one, two] = [
          await startClient(suite.server, clients),
          await startClient(suite.server, clients),
        ];
        const path = namespace('lost-reply');
        suite.server.faults?.dropNextReply({ op: 'create2', path: `${path}/` });
        const states: string[] = [];
        one.on('stateChanged', (state) => states.push(state));
        const first = await acquired(new InterProcessMutex(one, path).acquire({ timeoutMs: 10_000 }));
        expect(states).toEqual(['SUSPENDED', 'RECONNECTED']); // the reply was lost with the connection
        const children = await one.getChildren(path);
        expect(children).toEqual([first.path.slice(path.length + 1)]);
        expect((await one.exists(first.path))?.ephemeralOwner).toBe(one.sessionId);
        const waiting = new InterProcessMutex(two, path).acquire({ timeoutMs: 10_000 });
        await eventually(async () => (await one.getChildren(path)).length === 2, 5_000, 'the waiter queued');
        await first.release();
        const second = await acquired(waiting);
        expect(await two.getChildren(path)).toEqual([second.path.slice(path.length + 1)]);
        await second.release();
        expect(await two.getChildren(path)).toEqual([]);
      },
    );

    withFaultHooks(
      'SUSPENDED without expiry: a standard-policy hold is told, a session-policy hold is not, both nodes live on',
      async () => {
        const client = await startClient(suite.server, clients);
        const [standardPath, sessionPath] = [namespace('suspend-standard'), namespace('suspend-session')];
        const standard = await acquired(new InterProcessMutex(client, standardPath).acquire());
        const session = await acquired(
          new InterProcessMutex(client, sessionPath, { policy: 'session' }).acquire(),
        );
        await suspendAndReconnect(client);
        expect(lossReason(standard)).toBe('SUSPENDED');
        expect(session.signal.aborted).toBe(false);
        for (const handle of [standard, session])
          expect((await client.exists(handle.path))?.ephemeralOwner).toBe(client.sessionId);
        await standard.release();
        await session.release();
      },
    );

    it('read/write lock: the writer’s session expires, its signal fires, the queued reader gets in, no orphan', async () => {
      const [writerClient, readerClient] = [
        await startClient(suite.server, clients),
        await startClient(suite.server, clients),
      ];
      const path = namespace('rw-expiry');
      const writer = await acquired(
        new InterProcessReadWriteLock(writerClient, path, { policy: 'session' }).writeLock().acquire(),
      );
      const reading = new InterProcessReadWriteLock(readerClient, path)
        .readLock()
        .acquire({ timeoutMs: 20_000 });
      await eventually(
        async () => (await readerClient.getChildren(path)).length === 2,
        5_000,
        'reader queued',
      );
      await suite.server.expireSession(writerClient);
      await eventually(() => writer.signal.aborted, 10_000, 'the writer told');
      expect(['LOST', 'nodeDeleted']).toContain(lossReason(writer));
      const reader = await acquired(reading);
      expect(await readerClient.getChildren(path)).toEqual([reader.path.slice(path.length + 1)]);
      await writer.release(); // its node died with the session: a no-op
      await reader.release();
      expect(await readerClient.getChildren(path)).toEqual([]);
    });

    // The waiter expires while it holds the internal mutex and waits for a lease: both its
    // nodes die with the session, and it must queue on the mutex again before its new lease.
    // The third client is queued behind it on the mutex before the holder expires, so the
    // interleaving is the same on every run: a re-queued lease made outside the mutex would
    // let three leases exist with one allowed, and the two waiters would each wait for the
    // other until their deadlines (it hung on Apache, whose slower expiry let the third in).
    it('semaphore: an expired waiter re-queues on its new session; an expired holder is told and its lease passes on', async () => {
      const clientsOf = [
        await startClient(suite.server, clients),
        await startClient(suite.server, clients),
        await startClient(suite.server, clients),
      ] as const;
      const [holderClient, waiterClient, thirdClient] = clientsOf;
      const path = namespace('semaphore-expiry');
      const leasesPath = `${path}/leases`;
      const holder = await acquired(
        new InterProcessSemaphoreV2(holderClient, path, 1, { policy: 'session' }).acquire(),
      );
      const waiting = new InterProcessSemaphoreV2(waiterClient, path, 1).acquire({ timeoutMs: 30_000 });
      // Handled at once: if the test fails early, teardown closes the client under it.
      waiting.catch(() => undefined);
      await eventually(
        async () => (await holderClient.getChildren(leasesPath)).length === 2,
        5_000,
        'waiter lease',
      );
      const waiterSession = waiterClient.sessionId;
      await suite.server.expireSession(waiterClient);
      // The waiter's lease died with its old session; it makes a new one on the new session.
      await eventually(
        async () => {
          const owners = await ownersOf(holderClient, leasesPath);
          return (
            owners.length === 2 && owners.includes(waiterClient.sessionId) && !owners.includes(waiterSession)
          );
        },
        15_000,
        'the waiter re-queued',
      );
      const third = new InterProcessSemaphoreV2(thirdClient, path, 1).acquire({ timeoutMs: 30_000 });
      third.catch(() => undefined);
      // The re-queued waiter holds the internal mutex again; the third queues behind it there
      // and makes no lease yet: never more than maxLeases + 1 leases.
      await eventually(
        async () => (await ownersOf(holderClient, `${path}/locks`)).length === 2,
        5_000,
        'the third queued on the internal mutex',
      );
      const mutexOwners = await ownersOf(holderClient, `${path}/locks`);
      expect(mutexOwners).toHaveLength(2);
      expect(mutexOwners).toContain(waiterClient.sessionId);
      expect(mutexOwners).toContain(thirdClient.sessionId);
      expect((await ownersOf(holderClient, leasesPath)).sort()).toEqual(
        [holderClient.sessionId, waiterClient.sessionId].sort(),
      );
      await suite.server.expireSession(holderClient);
      await eventually(() => holder.signal.aborted, 10_000, 'the holder told');
      expect(['LOST', 'nodeDeleted']).toContain(lossReason(holder));
      const next = await acquired(waiting);
      expect(await ownersOf(thirdClient, leasesPath)).toContain(waiterClient.sessionId);
      expect(
        (await thirdClient.getChildren(leasesPath)).filter(
          (name) => name === next.path.slice(leasesPath.length + 1),
        ),
      ).toHaveLength(1);
      await holder.release();
      await next.release();
      const last = await acquired(third);
      expect(await thirdClient.getChildren(leasesPath)).toEqual([last.path.slice(leasesPath.length + 1)]);
      await last.release();
    });

    it('mutex, standard policy: after the session is lost the dead hold is not re-entered, whatever the signal’s first reason', async () => {
      const [one, two] = [await startClient(suite.server, clients), await startClient(suite.server, clients)];
      const path = namespace('mutex-standard-expiry');
      const mutex = new InterProcessMutex(one, path);
      const held = await acquired(mutex.acquire());
      await suite.server.expireSession(one);
      await eventually(() => held.signal.aborted, 10_000, 'the holder told');
      // SUSPENDED (or the node's deletion, if the server told us first) stays the reason after LOST.
      expect(['SUSPENDED', 'LOST', 'nodeDeleted']).toContain(lossReason(held));
      const other = await acquired(new InterProcessMutex(two, path).acquire({ timeoutMs: 10_000 }));
      expect(mutex.isAcquiredInThisProcess()).toBe(false);
      // Re-entering would hand out the dead hold while `other` holds the lock.
      expect(await mutex.acquire({ timeoutMs: 300 })).toBe(false);
      expect(await two.getChildren(path)).toEqual([other.path.slice(path.length + 1)]);
      await held.release(); // its node died with the session: a no-op
      await other.release();
      const again = await acquired(mutex.acquire({ timeoutMs: 10_000 }));
      expect((await one.exists(again.path))?.ephemeralOwner).toBe(one.sessionId);
      await again.release();
    });

    it('read/write lock: a write hold lost with its session grants no read lock by downgrade while another process writes', async () => {
      const [one, two] = [await startClient(suite.server, clients), await startClient(suite.server, clients)];
      const path = namespace('rw-lost-downgrade');
      const lock = new InterProcessReadWriteLock(one, path);
      const write = await acquired(lock.writeLock().acquire());
      await suite.server.expireSession(one);
      await eventually(() => write.signal.aborted, 10_000, 'the writer told');
      const otherWrite = await acquired(
        new InterProcessReadWriteLock(two, path).writeLock().acquire({ timeoutMs: 10_000 }),
      );
      expect(lock.writeLock().isAcquiredInThisProcess()).toBe(false);
      expect(await lock.readLock().acquire({ timeoutMs: 300 })).toBe(false);
      expect(await two.getChildren(path)).toEqual([otherWrite.path.slice(path.length + 1)]);
      await write.release();
      await otherWrite.release();
    });

    it('multi-lock: a part lost while the next is awaited is taken again; the handle it returns is live', async () => {
      const [one, two] = [await startClient(suite.server, clients), await startClient(suite.server, clients)];
      const [pathA, pathB] = [namespace('multi-lost-a'), namespace('multi-lost-b')];
      const blocker = await acquired(new InterProcessMutex(two, pathB).acquire());
      const multi = new InterProcessMultiLock(one, [
        new InterProcessMutex(one, pathA),
        new InterProcessMutex(one, pathB),
      ]);
      const acquiring = multi.acquire({ timeoutMs: 30_000 });
      acquiring.catch(() => undefined);
      await eventually(async () => (await two.getChildren(pathB)).length === 2, 5_000, 'B awaited');
      const oldSession = one.sessionId;
      await suite.server.expireSession(one);
      await eventually(
        async () =>
          (await ownersOf(two, pathB)).some((owner) => owner !== oldSession && owner !== two.sessionId),
        15_000,
        'B re-queued on the new session',
      );
      await blocker.release();
      const handle = await acquiring;
      if (handle === false) throw new Error('expected the multi-lock');
      expect(handle.signal.aborted).toBe(false);
      for (const part of handle.handles)
        expect((await two.exists(part.path))?.ephemeralOwner).toBe(one.sessionId);
      expect(await two.getChildren(pathA)).toHaveLength(1);
      expect(await two.getChildren(pathB)).toHaveLength(1);
      await handle.release();
      expect(await ownersOf(two, pathA)).toEqual([]);
    });

    it('LeaderSelector: the leader’s session expires, its term is aborted, the other takes over with a larger token', async () => {
      const log: string[] = [];
      const terms = new Map<string, OwnershipHandle>();
      const path = namespace('selector-expiry');
      const selectorClients = new Map<string, ZooKitClient>();
      for (const id of ['a', 'b']) {
        const client = await startClient(suite.server, clients);
        selectorClients.set(id, client);
        const selector = new LeaderSelector(client, path, {
          policy: 'session',
          takeLeadership: async (signal, leadership) => {
            terms.set(id, leadership);
            log.push(`start ${id}`);
            await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
            log.push(`end ${id}`);
          },
        });
        closables.push(selector);
        selector.start();
      }
      await eventually(() => log.length === 1, 10_000, 'a first leader');
      const first = log[0]!.split(' ')[1]!;
      const second = first === 'a' ? 'b' : 'a';
      await suite.server.expireSession(selectorClients.get(first)!);
      await eventually(() => log.includes(`start ${second}`), 15_000, 'the second leader');
      await eventually(() => log.includes(`end ${first}`), 10_000, 'the first term aborted');
      expect(terms.get(second)!.fencingToken > terms.get(first)!.fencingToken).toBe(true);
      expect(['LOST', 'nodeDeleted']).toContain(lossReason(terms.get(first)!));
      const secondClient = selectorClients.get(second)!;
      expect(await secondClient.getChildren(path)).toEqual([terms.get(second)!.path.slice(path.length + 1)]);
    });

    withFaultHooks('LeaderSelector under standard: SUSPENDED aborts the running term', async () => {
      const client = await startClient(suite.server, clients);
      const reasons: string[] = [];
      const selector = new LeaderSelector(client, namespace('selector-suspend'), {
        takeLeadership: async (signal) => {
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          reasons.push((signal.reason as OwnershipLostError).reason);
        },
      });
      closables.push(selector);
      selector.start();
      await eventually(() => selector.hasLeadership(), 10_000, 'leadership');
      await suspendAndReconnect(client);
      await eventually(() => reasons.length === 1, 5_000, 'the term aborted');
      expect(reasons).toEqual(['SUSPENDED']);
    });

    withFaultHooks(
      'LeaderLatch: SUSPENDED drops leadership under standard (and regains it on RECONNECTED), not under session',
      async () => {
        const client = await startClient(suite.server, clients);
        const events: string[] = [];
        const latches = {
          standard: undefined as LeaderLatch | undefined,
          session: undefined as LeaderLatch | undefined,
        };
        for (const policy of ['standard', 'session'] as const) {
          const latch = new LeaderLatch(client, namespace(`latch-suspend-${policy}`), { policy });
          latch.on('isLeader', () => events.push(`${policy} isLeader`));
          latch.on('notLeader', () => events.push(`${policy} notLeader`));
          closables.push(latch);
          await latch.start();
          expect(await latch.await({ timeoutMs: 5_000 })).toBe(true);
          latches[policy] = latch;
        }
        const standardTerm = latches.standard!.leadership!;
        const sessionTerm = latches.session!.leadership!;
        events.length = 0;
        await suspendAndReconnect(client);
        await eventually(() => latches.standard!.hasLeadership(), 5_000, 'standard leads again');
        expect(events).toEqual(['standard notLeader', 'standard isLeader']);
        expect(lossReason(standardTerm)).toBe('SUSPENDED');
        // Same session, same node: the new term keeps the fencing token.
        expect(latches.standard!.leadership!.fencingToken).toBe(standardTerm.fencingToken);
        expect(latches.session!.leadership).toBe(sessionTerm);
        expect(sessionTerm.signal.aborted).toBe(false);
      },
    );
  });
}

async function acquired(pending: Promise<OwnershipHandle | false>): Promise<OwnershipHandle> {
  const handle = await pending;
  if (handle === false) throw new Error('expected to acquire');
  return handle;
}

function lossReason(handle: OwnershipHandle): string | undefined {
  const reason: unknown = handle.signal.reason;
  return reason instanceof OwnershipLostError ? reason.reason : undefined;
}

/** The ephemeral owners of `path`'s children (none when it does not exist). */
async function ownersOf(client: ZooKitClient, path: string): Promise<bigint[]> {
  let children: string[];
  try {
    children = await client.getChildren(path);
  } catch (error) {
    if (error instanceof NoNodeError) return [];
    throw error;
  }
  const owners: bigint[] = [];
  for (const child of children) {
    const stat = await client.exists(`${path}/${child}`);
    if (stat !== null) owners.push(stat.ephemeralOwner);
  }
  return owners;
}

import { expect, it } from 'vitest';
import { OwnershipLostError } from '../../../recipes/index';
import { NameRegistry, NameTakenError, SequentialIdGenerator } from '../../../recipes/naming/index';
import { ConnectionLossError, RetryNTimes, ZooKit, type ZooKitClient } from '../../../src/index';
import { assert } from '../../../src/util/assert';
import {
  dataBackends,
  eventually,
  expireUntilNewSession,
  namespace,
  startClient,
  TEST_SESSION_TIMEOUT_MS,
  useRecipeSuite,
} from './fixtures/data-harness';

/** The reason a fired ownership signal carries. */
function lossReason(signal: AbortSignal): string | undefined {
  return signal.reason instanceof OwnershipLostError ? signal.reason.reason : undefined;
}

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

      // The same owner on another session (a restarted process) takes the name over; the
      // first holder is told (nodeDeleted) and the new holder's fencing token is larger.
      expect(registration.signal.aborted).toBe(false);
      const takeover = await second.register('billing-primary', 'host-a');
      expect(await takeover.isHeld()).toBe(true);
      expect(await registration.isHeld()).toBe(false);
      expect((await firstClient.exists(`${path}/billing-primary`))?.ephemeralOwner).toBe(
        secondClient.sessionId,
      );
      await eventually(() => registration.signal.aborted, 5_000, 'the first holder told');
      expect(lossReason(registration.signal)).toBe('nodeDeleted');
      expect(takeover.fencingToken).toBeGreaterThan(registration.fencingToken);
      await takeover.release();
      expect(lossReason(takeover.signal)).toBe('released');
      expect(await second.lookup('billing-primary')).toBeUndefined();
      const again = await first.register('billing-primary', 'host-c');
      expect(again.owner).toBe('host-c');
    });

    it('a name held by a session that expires: the holder is told (LOST), the node is gone, another owner takes it', async () => {
      const path = namespace('names-expiry');
      const [holderClient, otherClient] = [
        await startClient(suite.server, clients),
        await startClient(suite.server, clients),
      ];
      const registration = await new NameRegistry(holderClient, path, { policy: 'session' }).register(
        'scheduler',
        'host-a',
      );
      expect(registration.signal.aborted).toBe(false);
      await expireUntilNewSession(holderClient, suite.server);
      // LOST, or nodeDeleted when the server's deletion of the ephemeral reached the client
      // before its connection closed (the bundled server expires the session directly).
      expect(['LOST', 'nodeDeleted']).toContain(lossReason(registration.signal));
      expect(await registration.isHeld()).toBe(false);
      const other = new NameRegistry(otherClient, path);
      expect(await other.lookup('scheduler')).toBeUndefined();
      const taken = await other.register('scheduler', 'host-b');
      expect(taken.fencingToken).toBeGreaterThan(registration.fencingToken);
      // The old registration's release leaves the new holder's node alone.
      await registration.release();
      expect(await other.lookup('scheduler')).toBe('host-b');
      await taken[Symbol.asyncDispose]();
      expect(await other.lookup('scheduler')).toBeUndefined();
    });

    // Needs the bundled server's reply hook: a create that commits and whose reply is lost.
    if (backend.name === 'zookit')
      it('an id whose create reply was lost, on a client that does not retry, leaves no node once its session ends', async () => {
        const faults = suite.server.faults;
        assert(faults !== undefined, 'the bundled server has fault hooks');
        const client = ZooKit.newClient(suite.server.connectString, {
          sessionTimeoutMs: TEST_SESSION_TIMEOUT_MS,
          retryPolicy: new RetryNTimes({ n: 0, sleepMsBetweenRetries: 0 }),
        });
        client.on('error', () => {});
        clients.push(client);
        await client.start();
        const observer = await startClient(suite.server, clients);
        const path = namespace('ids-lost-reply');
        const generator = new SequentialIdGenerator(client, path);
        const before = await generator.next();
        faults.dropNextReply({ op: 'create', path: `${path}/` });
        await expect(generator.next()).rejects.toBeInstanceOf(ConnectionLossError);
        // The create committed: its node is there, unreturned, until the session ends.
        await eventually(async () => client.connected, 10_000, 'reconnected');
        expect(await observer.getChildren(path)).toHaveLength(1);
        await expireUntilNewSession(client, suite.server);
        await eventually(
          async () => (await observer.getChildren(path)).length === 0,
          5_000,
          'the unreturned id node gone with its session',
        );
        expect(await generator.next()).toBeGreaterThan(before);
        expect(await observer.getChildren(path)).toEqual([]);
      });
  });
}

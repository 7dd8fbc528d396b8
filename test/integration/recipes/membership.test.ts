import { expect, it } from 'vitest';
import { GroupMember, type ServiceInstance, ServiceRegistry } from '../../../recipes/membership/index';
import {
  dataBackends,
  eventually,
  expireUntilNewSession,
  namespace,
  startClient,
  useRecipeSuite,
} from './fixtures/data-harness';

for (const backend of dataBackends) {
  backend.describe(`recipes: GroupMember and ServiceRegistry (${backend.name})`, () => {
    const suite = useRecipeSuite(backend);
    const { clients, closers } = suite;

    it('members see each other with payloads, and a member is re-created after a new session', async () => {
      const path = namespace('group');
      const firstClient = await startClient(suite.server, clients);
      const secondClient = await startClient(suite.server, clients);
      const first = new GroupMember(firstClient, path, 'm1', 'one');
      const second = new GroupMember(secondClient, path, 'm2', 'two');
      closers.push(
        () => first.close(),
        () => second.close(),
      );
      await first.start();
      await second.start();
      const payloads = (member: GroupMember): Record<string, string> =>
        Object.fromEntries([...member.getCurrentMembers()].map(([id, data]) => [id, data.toString()]));
      await eventually(() => Object.keys(payloads(first)).length === 2, 10_000, 'both members seen');
      expect(payloads(first)).toEqual({ m1: 'one', m2: 'two' });

      await second.setThisData('two-b');
      await eventually(() => payloads(first).m2 === 'two-b', 10_000, 'the new payload');

      const sessionBefore = secondClient.sessionId;
      await expireUntilNewSession(secondClient, suite.server);
      await eventually(
        async () => {
          const stat = await firstClient.exists(`${path}/m2`);
          return (
            stat !== null &&
            stat.ephemeralOwner !== sessionBefore &&
            stat.ephemeralOwner === secondClient.sessionId
          );
        },
        20_000,
        'm2 re-created by the new session',
      );
      expect((await firstClient.getData(`${path}/m2`)).data.toString()).toBe('two-b');
      await eventually(() => payloads(first).m2 === 'two-b', 10_000, 'm2 back in the group');

      await second.close();
      await eventually(() => !('m2' in payloads(first)), 10_000, 'm2 gone after close');
      expect(await firstClient.exists(`${path}/m2`)).toBeNull();
    });

    it('registers instances as ephemeral JSON under <base>/<name>/<id>, lists and watches them', async () => {
      const basePath = namespace('services');
      const registryA = new ServiceRegistry(await startClient(suite.server, clients), { basePath });
      const watcherClient = await startClient(suite.server, clients);
      const registryB = new ServiceRegistry(watcherClient, { basePath });
      closers.push(
        () => registryA.close(),
        () => registryB.close(),
      );

      const controller = new AbortController();
      const lists: string[][] = [];
      const watching = (async () => {
        for await (const list of registryB.watch<{ zone: string }>('billing', { signal: controller.signal }))
          lists.push(list.map((instance) => `${instance.id}@${instance.address}:${instance.port}`));
      })();
      await eventually(() => lists.length === 1, 10_000, 'the initial list');
      expect(lists[0]).toEqual([]);

      const registration = await registryA.register({
        name: 'billing',
        id: 'b-1',
        address: '10.0.0.1',
        port: 8080,
        payload: { zone: 'a' },
      });
      await registryA.register({ name: 'billing', id: 'b-2', address: '10.0.0.2', port: 8081 });
      await eventually(() => lists.at(-1)?.length === 2, 10_000, 'both instances watched');
      expect(lists.at(-1)).toEqual(['b-1@10.0.0.1:8080', 'b-2@10.0.0.2:8081']);

      const stored = JSON.parse(
        (await watcherClient.getData(`${basePath}/billing/b-1`)).data.toString(),
      ) as ServiceInstance;
      expect(stored).toMatchObject({
        name: 'billing',
        id: 'b-1',
        address: '10.0.0.1',
        port: 8080,
        payload: { zone: 'a' },
        serviceType: 'DYNAMIC',
      });
      expect((await watcherClient.exists(`${basePath}/billing/b-1`))?.ephemeralOwner).not.toBe(0n);

      const listed = await registryB.instances<{ zone: string }>('billing');
      expect(listed.map((instance) => instance.id)).toEqual(['b-1', 'b-2']);
      expect(listed[0]?.payload).toEqual({ zone: 'a' });

      await registration.unregister();
      await eventually(() => lists.at(-1)?.join() === 'b-2@10.0.0.2:8081', 10_000, 'b-1 gone from the watch');
      expect((await registryB.instances('billing')).map((instance) => instance.id)).toEqual(['b-2']);
      controller.abort();
      await watching;
    });

    it('re-registers an instance after its session expires', async () => {
      const basePath = namespace('services-expiry');
      const client = await startClient(suite.server, clients);
      const observer = await startClient(suite.server, clients);
      const registry = new ServiceRegistry(client, { basePath });
      closers.push(() => registry.close());
      await registry.register({ name: 'api', id: 'a-1', address: '127.0.0.1', port: 9000 });
      const sessionBefore = client.sessionId;
      await expireUntilNewSession(client, suite.server);
      await eventually(
        async () => {
          const stat = await observer.exists(`${basePath}/api/a-1`);
          return (
            stat !== null && stat.ephemeralOwner === client.sessionId && client.sessionId !== sessionBefore
          );
        },
        20_000,
        'a-1 registered again by the new session',
      );
      expect(
        (await new ServiceRegistry(observer, { basePath }).instances('api')).map((instance) => instance.id),
      ).toEqual(['a-1']);
    });
  });
}

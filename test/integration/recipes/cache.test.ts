import { expect, it } from 'vitest';
import { type CacheEventType, type ChildData, CuratorCache, NodeCache } from '../../../recipes/cache/index';
import { FaultProxy } from '../../../server/testing/fault-proxy';
import {
  dataBackends,
  EventRecorder,
  eventually,
  expireUntilNewSession,
  namespace,
  startClient,
  startClientWith,
  useRecipeSuite,
} from './fixtures/data-harness';

type Recorded = {
  type: CacheEventType;
  path: string;
  oldData: string | undefined;
  newData: string | undefined;
};

function recorderOf(cache: CuratorCache): EventRecorder<Recorded> {
  const recorder = new EventRecorder<Recorded>();
  cache.on('event', (type, oldData: ChildData | undefined, newData: ChildData | undefined) =>
    recorder.record({
      type,
      path: (newData ?? oldData)?.path ?? '?',
      oldData: oldData?.data.toString(),
      newData: newData?.data.toString(),
    }),
  );
  return recorder;
}

for (const backend of dataBackends) {
  backend.describe(`recipes: CuratorCache and NodeCache (${backend.name})`, () => {
    const suite = useRecipeSuite(backend);
    const { clients, closers } = suite;

    for (const watchMode of ['persistent', 'oneShot'] as const) {
      it(`reports create, change and delete in order with old and new data (${watchMode} watches)`, async () => {
        const client = await startClient(suite.server, clients);
        const writer = await startClient(suite.server, clients);
        const root = namespace(`cache-${watchMode}`);
        await writer.create(root, 'r0', { creatingParentsIfNeeded: true });
        await writer.create(`${root}/a`, 'a0');
        const cache = new CuratorCache(client, root, { watchMode });
        closers.push(() => cache.close());
        const recorder = recorderOf(cache);
        let initialized = 0;
        cache.on('initialized', () => initialized++);
        await cache.start();
        expect(cache.watchMode).toBe(watchMode);
        expect(initialized).toBe(1);
        expect(await recorder.next()).toEqual({
          type: 'NODE_CREATED',
          path: root,
          oldData: undefined,
          newData: 'r0',
        });
        expect(await recorder.next()).toEqual({
          type: 'NODE_CREATED',
          path: `${root}/a`,
          oldData: undefined,
          newData: 'a0',
        });

        await writer.create(`${root}/b`, 'b0');
        expect(await recorder.next()).toEqual({
          type: 'NODE_CREATED',
          path: `${root}/b`,
          oldData: undefined,
          newData: 'b0',
        });
        await writer.create(`${root}/b/deep`, 'd0');
        expect(await recorder.next()).toEqual({
          type: 'NODE_CREATED',
          path: `${root}/b/deep`,
          oldData: undefined,
          newData: 'd0',
        });
        await writer.setData(`${root}/a`, 'a1');
        expect(await recorder.next()).toEqual({
          type: 'NODE_CHANGED',
          path: `${root}/a`,
          oldData: 'a0',
          newData: 'a1',
        });
        await writer.setData(`${root}/a`, 'a2');
        expect(await recorder.next()).toEqual({
          type: 'NODE_CHANGED',
          path: `${root}/a`,
          oldData: 'a1',
          newData: 'a2',
        });
        await writer.delete(`${root}/b/deep`);
        expect(await recorder.next()).toEqual({
          type: 'NODE_DELETED',
          path: `${root}/b/deep`,
          oldData: 'd0',
          newData: undefined,
        });
        await writer.delete(`${root}/a`);
        expect(await recorder.next()).toEqual({
          type: 'NODE_DELETED',
          path: `${root}/a`,
          oldData: 'a2',
          newData: undefined,
        });

        expect(cache.entries().map((node) => node.path)).toEqual([root, `${root}/b`]);
        expect(cache.childrenOf(root).map((node) => node.data.toString())).toEqual(['b0']);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(recorder.pending).toEqual([]); // no duplicate events for one change
      });
    }

    it('NodeCache follows one node through creation, change and deletion', async () => {
      const client = await startClient(suite.server, clients);
      const writer = await startClient(suite.server, clients);
      const path = namespace('node-cache');
      const cache = new NodeCache(client, path);
      closers.push(() => cache.close());
      const recorder = new EventRecorder<[string | undefined, string | undefined]>();
      cache.on('changed', (oldData, newData) =>
        recorder.record([oldData?.data.toString(), newData?.data.toString()]),
      );
      await cache.start();
      expect(cache.current).toBeUndefined();
      await writer.create(path, 'v1', { creatingParentsIfNeeded: true });
      expect(await recorder.next()).toEqual([undefined, 'v1']);
      await writer.create(`${path}/child`, 'ignored');
      await writer.setData(path, 'v2');
      expect(await recorder.next()).toEqual(['v1', 'v2']);
      expect(cache.current?.data.toString()).toBe('v2');
      await writer.delete(path, { deletingChildrenIfNeeded: true });
      expect(await recorder.next()).toEqual(['v2', undefined]);
      expect(cache.current).toBeUndefined();
    });

    it('rebuilds after a reconnect in the same session and reports what changed meanwhile', async () => {
      const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: suite.server.port } });
      closers.push(() => proxy.close());
      const client = await startClientWith(proxy.connectString, clients, 10_000);
      const writer = await startClient(suite.server, clients);
      const root = namespace('cache-reconnect');
      await writer.create(root, 'r', { creatingParentsIfNeeded: true });
      await writer.create(`${root}/keep`, 'k0');
      await writer.create(`${root}/gone`, 'g0');
      const cache = new CuratorCache(client, root);
      closers.push(() => cache.close());
      await cache.start();
      const recorder = recorderOf(cache);
      const states: string[] = [];
      client.on('stateChanged', (state) => states.push(state));
      const sessionBefore = client.sessionId;

      proxy.refuse(true);
      proxy.cut();
      await eventually(() => states.includes('SUSPENDED'), 10_000, 'SUSPENDED');
      await writer.setData(`${root}/keep`, 'k1');
      await writer.delete(`${root}/gone`);
      await writer.create(`${root}/new`, 'n0');
      proxy.refuse(false);
      await eventually(() => states.includes('RECONNECTED'), 15_000, 'RECONNECTED');
      expect(client.sessionId).toBe(sessionBefore);

      const seen = [await recorder.next(), await recorder.next(), await recorder.next()];
      seen.sort((left, right) => (left.path < right.path ? -1 : 1));
      expect(seen).toEqual([
        { type: 'NODE_DELETED', path: `${root}/gone`, oldData: 'g0', newData: undefined },
        { type: 'NODE_CHANGED', path: `${root}/keep`, oldData: 'k0', newData: 'k1' },
        { type: 'NODE_CREATED', path: `${root}/new`, oldData: undefined, newData: 'n0' },
      ]);
      await writer.setData(`${root}/new`, 'n1');
      expect(await recorder.next()).toEqual({
        type: 'NODE_CHANGED',
        path: `${root}/new`,
        oldData: 'n0',
        newData: 'n1',
      });
    });

    it('keeps working after the server restarts within the session timeout', async () => {
      // 18 s: a JVM stop and start on two loaded cores has taken over 10 s.
      const client = await startClientWith(suite.server.connectString, clients, 18_000);
      const root = namespace('cache-restart');
      await client.create(root, 'r0', { creatingParentsIfNeeded: true });
      const cache = new CuratorCache(client, root);
      closers.push(() => cache.close());
      await cache.start();
      const recorder = recorderOf(cache);
      const states: string[] = [];
      client.on('stateChanged', (state) => states.push(state));
      const sessionBefore = client.sessionId;

      await suite.server.restart();
      await eventually(() => states.includes('RECONNECTED'), 20_000, 'RECONNECTED');
      expect(states).not.toContain('LOST');
      expect(client.sessionId).toBe(sessionBefore);
      const writer = await startClient(suite.server, clients);
      await writer.setData(root, 'r1');
      await writer.create(`${root}/after`, 'x');
      const seen = [await recorder.next(), await recorder.next()];
      expect(seen).toEqual([
        { type: 'NODE_CHANGED', path: root, oldData: 'r0', newData: 'r1' },
        { type: 'NODE_CREATED', path: `${root}/after`, oldData: undefined, newData: 'x' },
      ]);
    });

    it('rebuilds after session expiry and reports changes made while the session was gone', async () => {
      const client = await startClient(suite.server, clients);
      const writer = await startClient(suite.server, clients);
      const root = namespace('cache-expiry');
      await writer.create(root, 'r0', { creatingParentsIfNeeded: true });
      const cache = new CuratorCache(client, root);
      closers.push(() => cache.close());
      let rebuilt = 0;
      cache.on('rebuilt', () => rebuilt++);
      await cache.start();
      const recorder = recorderOf(cache);
      const states: string[] = [];
      client.on('stateChanged', (state) => states.push(state));
      const sessionBefore = client.sessionId;

      const expiring = expireUntilNewSession(client, suite.server);
      await writer.setData(root, 'r1');
      await expiring;
      expect(states).toContain('LOST');
      expect(client.sessionId).not.toBe(sessionBefore);
      expect(await recorder.next()).toEqual({
        type: 'NODE_CHANGED',
        path: root,
        oldData: 'r0',
        newData: 'r1',
      });
      await eventually(() => rebuilt >= 1, 10_000, 'a rebuild');

      await writer.create(`${root}/later`, 'l0');
      expect(await recorder.next()).toEqual({
        type: 'NODE_CREATED',
        path: `${root}/later`,
        oldData: undefined,
        newData: 'l0',
      });
    });
  });
}

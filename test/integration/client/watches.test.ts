/**
 * One-shot and persistent watches, removeWatches/checkWatches, transactions and protected
 * creates against a real server.
 */
import { describe, expect, it } from 'vitest';
import type { ZooKitClient } from '../../../src/client/client';
import { findProtectedNode, protectedPath, protectedPrefix } from '../../../src/client/protection';
import { TransactionError } from '../../../src/errors';
import { CreateMode } from '../../../src/protocol/constants';
import {
  BadVersionError,
  NodeExistsError,
  NoWatcherError,
  RuntimeInconsistencyError,
} from '../../../src/protocol/errors';
import type { WatchEvent } from '../../../src/types';
import { describeEachBackend, within } from './backends';
import { useClientSuite } from './suite';

describeEachBackend('client watches and transactions', (backend) => {
  const suite = useClientSuite(backend, { tickTime: 500 });
  const open = (): Promise<ZooKitClient> => suite.open();

  describe('one-shot watches', () => {
    it('fire once, for every caller on the path, in server order', async () => {
      const client = await open();
      const writer = await open();
      await client.create('/n', 'a');
      const seen: string[] = [];
      await client.getData('/n', { watch: (event) => seen.push(`first:${event.type}`) });
      await client.getData('/n', { watch: (event) => seen.push(`second:${event.type}`) });
      const exists = await client.exists('/n', { watch: true });
      await writer.setData('/n', 'b');
      await writer.setData('/n', 'c');
      await client.sync('/n');
      await client.getData('/n'); // a reply after both notifications
      expect(seen).toEqual(['first:NodeDataChanged', 'second:NodeDataChanged']);
      expect((await exists.watchEvent).type).toBe('NodeDataChanged');
    });

    it('report creation, deletion and child changes', async () => {
      const client = await open();
      const writer = await open();
      const missing = await client.exists('/later', { watch: true });
      expect(missing.stat).toBeNull();
      await client.create('/parent');
      const children = await client.getChildren('/parent', { watch: true });
      expect(children.children).toEqual([]);
      const order: WatchEvent[] = [];
      void missing.watchEvent.then((event) => order.push(event));
      void children.watchEvent.then((event) => order.push(event));
      await writer.create('/later');
      await writer.create('/parent/kid');
      await within(children.watchEvent, 5_000, 'child watch');
      await within(missing.watchEvent, 5_000, 'exists watch');
      expect(order.map((event) => [event.type, event.path])).toEqual([
        ['NodeCreated', '/later'],
        ['NodeChildrenChanged', '/parent'],
      ]);
      const data = await client.getData('/later', { watch: true });
      await writer.delete('/later');
      expect(await within(data.watchEvent, 5_000, 'delete watch')).toMatchObject({
        type: 'NodeDeleted',
        path: '/later',
      });
    });

    it('are removed with removeWatches and checked with checkWatches', async () => {
      const client = await open();
      await client.create('/rw');
      const events: WatchEvent[] = [];
      await client.getData('/rw', { watch: (event) => events.push(event) });
      await client.checkWatches('/rw', 'data');
      await client.removeWatches('/rw', { kind: 'data' });
      expect(events).toEqual([{ type: 'DataWatchRemoved', path: '/rw' }]);
      await expect(client.checkWatches('/rw', 'data')).rejects.toBeInstanceOf(NoWatcherError);
      await expect(client.removeWatches('/rw')).rejects.toBeInstanceOf(NoWatcherError);
    });
  });

  describe('persistent watches', () => {
    it('deliver every change of the node until closed', async () => {
      const client = await open();
      const writer = await open();
      await client.create('/p', '0');
      const watch = client.watch('/p');
      await watch.ready;
      await writer.setData('/p', '1');
      await writer.setData('/p', '2');
      await writer.create('/p/child');
      const events: WatchEvent[] = [];
      for await (const event of watch) {
        events.push(event);
        if (events.length === 3) break;
      }
      expect(events.map((event) => event.type)).toEqual([
        'NodeDataChanged',
        'NodeDataChanged',
        'NodeChildrenChanged',
      ]);
      await watch.close(); // the loop's break started it; this waits for the server's answer
      // Closing the watch removed it from the server (3.8 knows only `any` for persistent watches).
      await expect(client.checkWatches('/p', 'any')).rejects.toBeInstanceOf(NoWatcherError);
    });

    it('recursive: sees the whole subtree and never NodeChildrenChanged', async () => {
      const client = await open();
      const writer = await open();
      await client.create('/r');
      const watch = client.watch('/r', { recursive: true });
      await watch.ready;
      await writer.create('/r/a');
      await writer.create('/r/a/b', 'x');
      await writer.setData('/r/a/b', 'y');
      await writer.delete('/r/a/b');
      const events: WatchEvent[] = [];
      const iterator = watch[Symbol.asyncIterator]();
      for (let index = 0; index < 4; index++) {
        const next = await within(iterator.next(), 5_000, `event ${index}`);
        events.push(next.value as WatchEvent);
      }
      expect(events.map((event) => [event.type, event.path])).toEqual([
        ['NodeCreated', '/r/a'],
        ['NodeCreated', '/r/a/b'],
        ['NodeDataChanged', '/r/a/b'],
        ['NodeDeleted', '/r/a/b'],
      ]);
      await watch.close();
      expect((await iterator.next()).done).toBe(true);
    });
  });

  describe('transactions', () => {
    it('commit every op and report per-op results', async () => {
      const client = await open();
      await client.create('/t', 'v');
      const results = await client
        .transaction()
        .create('/t/a', 'x')
        .create('/t/s-', null, { mode: CreateMode.PERSISTENT_SEQUENTIAL })
        .setData('/t', 'w', 0)
        .check('/t', 1)
        .delete('/t/a')
        .commit();
      expect(results.map((result) => result.type)).toEqual([
        'create',
        'create',
        'setData',
        'check',
        'delete',
      ]);
      expect(results[0]).toMatchObject({ type: 'create', path: '/t/a' });
      expect(results[1]).toMatchObject({ type: 'create', path: '/t/s-0000000001' });
      expect(results[2]).toMatchObject({ type: 'setData', stat: { version: 1 } });
      expect(await client.transaction().commit()).toEqual([]);
    });

    it('fail as a whole with per-op errors', async () => {
      const client = await open();
      await client.create('/f');
      const error = await client
        .transaction()
        .create('/f/new')
        .check('/f', 7)
        .create('/f/other')
        .commit()
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TransactionError);
      const failure = error as TransactionError;
      expect(failure.failedIndex).toBe(1);
      expect(failure.error).toBeInstanceOf(BadVersionError);
      expect(failure.errors[0]).toEqual({ type: 'ok' });
      expect(failure.errors[2]?.type === 'error' && failure.errors[2].error).toBeInstanceOf(
        RuntimeInconsistencyError,
      );
      expect(await client.exists('/f/new')).toBeNull();
    });
  });

  describe('protection', () => {
    it('names protected nodes with the _c_ prefix', async () => {
      const client = await open();
      await client.create('/locks');
      const path = await client.create('/locks/lock-', null, {
        mode: CreateMode.EPHEMERAL_SEQUENTIAL,
        protection: true,
      });
      expect(path).toMatch(/^\/locks\/_c_[0-9a-f-]{36}-lock-0000000000$/);
    });

    it('finds its own node after a lost reply, and deletes an earlier session ephemeral', async () => {
      const client = await open();
      const earlier = await open();
      await client.create('/prot');
      const id = '0b3c9c1e-2f4a-4d7e-9a55-0123456789ab';
      const created = await client.create(protectedPath('/prot/n-', id), null, {
        mode: CreateMode.EPHEMERAL_SEQUENTIAL,
      });
      const port = {
        sessionId: client.sessionId,
        getChildren: (path: string) => client.getChildren(path),
        exists: (path: string) => client.exists(path),
        delete: (path: string) => client.delete(path),
      };
      const found = await findProtectedNode(port, '/prot', protectedPrefix(id), true);
      expect(found?.path).toBe(created);
      expect(found?.stat.ephemeralOwner).toBe(client.sessionId);
      const foreignId = '11111111-2222-4333-8444-555555555555';
      const foreign = await earlier.create(protectedPath('/prot/n-', foreignId), null, {
        mode: CreateMode.EPHEMERAL_SEQUENTIAL,
      });
      expect(await findProtectedNode(port, '/prot', protectedPrefix(foreignId), true)).toBeUndefined();
      expect(await client.exists(foreign)).toBeNull();
      expect(await findProtectedNode(port, '/prot', protectedPrefix('absent'), true)).toBeUndefined();
      await expect(client.create(created)).rejects.toBeInstanceOf(NodeExistsError);
    });
  });
});

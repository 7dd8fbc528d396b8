/**
 * Every client operation and option against a real server, each test in its own chroot.
 */
import { describe, expect, it } from 'vitest';
import { ZooKit } from '../../../src/client/client';
import { AbortError, ClosedError, ConnectionTimeoutError } from '../../../src/errors';
import { CreateMode, Perms } from '../../../src/protocol/constants';
import { Ids } from '../../../src/protocol/data';
import {
  BadArgumentsError,
  BadVersionError,
  ConnectionLossError,
  NoAuthError,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
} from '../../../src/protocol/errors';
import { InvalidPathError } from '../../../src/protocol/paths';
import { describeEachBackend } from './backends';
import { useClientSuite } from './suite';

describeEachBackend('client operations', (backend) => {
  const suite = useClientSuite(backend, { tickTime: 500 });
  const open = suite.open;

  describe('create', () => {
    it('creates persistent nodes and returns the client path', async () => {
      const client = await open();
      expect(await client.create('/a', 'x')).toBe('/a');
      const { data, stat } = await client.getData('/a');
      expect(data.toString()).toBe('x');
      expect(stat.ephemeralOwner).toBe(0n);
      expect(stat.dataLength).toBe(1);
    });

    it('creates ephemeral nodes owned by the session', async () => {
      const client = await open();
      await client.create('/e', null, { mode: CreateMode.EPHEMERAL });
      const stat = await client.exists('/e');
      expect(stat?.ephemeralOwner).toBe(client.sessionId);
      expect(await client.getEphemerals()).toEqual(['/e']);
    });

    it('names sequential nodes with a 10-digit counter', async () => {
      const client = await open();
      await client.create('/s');
      expect(await client.create('/s/n-', null, { mode: CreateMode.PERSISTENT_SEQUENTIAL })).toBe(
        '/s/n-0000000000',
      );
      expect(await client.create('/s/n-', null, { mode: CreateMode.EPHEMERAL_SEQUENTIAL })).toBe(
        '/s/n-0000000001',
      );
    });

    it('returns the Stat with createWithStat', async () => {
      const client = await open();
      const { path, stat } = await client.createWithStat('/w', new Uint8Array([1, 2, 3]));
      expect(path).toBe('/w');
      expect(stat.dataLength).toBe(3);
      expect(stat.version).toBe(0);
      expect(stat.czxid).toBe(stat.mzxid);
    });

    it('creates missing parents (persistent or containers)', async () => {
      const client = await open();
      await expect(client.create('/p/q/r')).rejects.toBeInstanceOf(NoNodeError);
      expect(await client.create('/p/q/r', null, { creatingParentsIfNeeded: true })).toBe('/p/q/r');
      expect(await client.exists('/p/q')).not.toBeNull();
      expect(await client.create('/c1/c2/leaf', null, { creatingParentContainersIfNeeded: true })).toBe(
        '/c1/c2/leaf',
      );
      expect((await client.exists('/c1/c2'))?.numChildren).toBe(1);
    });

    it('creates containers and TTL nodes', async () => {
      const client = await open();
      const container = await client.createWithStat('/box', null, { mode: CreateMode.CONTAINER });
      expect(container.stat.ephemeralOwner).toBe(0n);
      const ttl = await client.createWithStat('/ttl', 'v', {
        mode: CreateMode.PERSISTENT_WITH_TTL,
        ttlMs: 60_000,
      });
      expect(ttl.path).toBe('/ttl');
      await expect(
        client.create('/bad-ttl', null, { mode: CreateMode.PERSISTENT_WITH_TTL }),
      ).rejects.toBeInstanceOf(BadArgumentsError);
    });

    it('fails with typed errors carrying op and path', async () => {
      const client = await open();
      await client.create('/dup');
      const error = await client.create('/dup').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(NodeExistsError);
      expect((error as NodeExistsError).path).toBe('/dup');
      expect((error as NodeExistsError).op).toBe('create');
      await expect(client.create('no-slash')).rejects.toBeInstanceOf(InvalidPathError);
    });

    it('applies ACLs and digest auth', async () => {
      const owner = await open({ authInfo: [{ scheme: 'digest', auth: 'alice:secret' }] });
      await owner.create('/private', 'p', { acl: Ids.CREATOR_ALL_ACL });
      const { acl, stat } = await owner.getACL('/private');
      expect(acl).toHaveLength(1);
      expect(acl[0]?.id.scheme).toBe('digest');
      expect(acl[0]?.perms).toBe(Perms.ALL);
      expect(stat.aversion).toBe(0);
      const stranger = await open();
      await expect(stranger.getData('/private')).rejects.toBeInstanceOf(NoAuthError);
      await stranger.addAuth('digest', 'alice:secret');
      expect((await stranger.getData('/private')).data.toString()).toBe('p');
      const identities = await stranger.whoAmI();
      expect(identities.map((info) => info.authScheme).sort()).toEqual(['digest', 'ip']);
      expect(identities.find((info) => info.authScheme === 'digest')?.user).toBe('alice');
      const after = await owner.setACL('/private', Ids.OPEN_ACL_UNSAFE, { version: 0 });
      expect(after.aversion).toBe(1);
      await expect(owner.setACL('/private', Ids.OPEN_ACL_UNSAFE, { version: 0 })).rejects.toBeInstanceOf(
        BadVersionError,
      );
    });
  });

  describe('reads and writes', () => {
    it('sets data with and without a version', async () => {
      const client = await open();
      await client.create('/d', 'one');
      expect((await client.setData('/d', 'two', { version: 0 })).version).toBe(1);
      await expect(client.setData('/d', 'three', { version: 0 })).rejects.toBeInstanceOf(BadVersionError);
      expect((await client.setData('/d', Buffer.from('four'))).version).toBe(2);
      expect((await client.getData('/d')).data.toString()).toBe('four');
      expect((await client.setData('/d', null)).dataLength).toBe(0);
      expect((await client.getData('/d')).data).toEqual(Buffer.alloc(0));
    });

    it('answers exists with a Stat or null', async () => {
      const client = await open();
      expect(await client.exists('/none')).toBeNull();
      await client.create('/yes');
      expect((await client.exists('/yes'))?.version).toBe(0);
    });

    it('lists children, optionally with the Stat', async () => {
      const client = await open();
      await client.create('/kids');
      await client.create('/kids/a');
      await client.create('/kids/b');
      expect((await client.getChildren('/kids')).sort()).toEqual(['a', 'b']);
      const { children, stat } = await client.getChildren('/kids', { withStat: true });
      expect(children.sort()).toEqual(['a', 'b']);
      expect(stat.numChildren).toBe(2);
      expect(await client.getAllChildrenNumber('/')).toBe(3);
    });

    it('multiRead: getData and getChildren answered together, each failing on its own, chroot applied', async () => {
      const client = await open();
      await client.create('/mr', 'config');
      await client.create('/mr/a');
      await client.create('/mr/b', null);
      const results = await client
        .multiRead()
        .getData('/mr')
        .getChildren('/mr')
        .getData('/mr/missing')
        .getData('/mr/b')
        .getChildren('/nowhere')
        .commit();
      expect(results.map((result) => result.type)).toEqual([
        'getData',
        'getChildren',
        'error',
        'getData',
        'error',
      ]);
      const [data, children, missing, empty, nowhere] = results;
      expect(data).toMatchObject({ path: '/mr', data: Buffer.from('config') });
      expect(data?.type === 'getData' && data.stat.numChildren).toBe(2);
      expect(children?.type === 'getChildren' && children.children.sort()).toEqual(['a', 'b']);
      expect(missing?.type === 'error' && missing.error).toBeInstanceOf(NoNodeError);
      expect(missing?.type === 'error' && missing.error.path).toBe('/mr/missing');
      expect(empty?.type === 'getData' && empty.data.length).toBe(0);
      expect(nowhere?.type === 'error' && nowhere.error).toBeInstanceOf(NoNodeError);
      expect(await client.multiRead().commit()).toEqual([]);
      expect(() => client.multiRead().getData('no-slash')).toThrow(InvalidPathError);
    });

    it('deletes with a version, and subtrees when asked', async () => {
      const client = await open();
      await client.create('/del', 'x');
      await expect(client.delete('/del', { version: 5 })).rejects.toBeInstanceOf(BadVersionError);
      await client.delete('/del', { version: 0 });
      expect(await client.exists('/del')).toBeNull();
      await client.create('/tree/a/b', null, { creatingParentsIfNeeded: true });
      await client.create('/tree/c');
      await expect(client.delete('/tree')).rejects.toBeInstanceOf(NotEmptyError);
      await client.delete('/tree', { deletingChildrenIfNeeded: true });
      expect(await client.exists('/tree')).toBeNull();
      await expect(client.delete('/tree')).rejects.toBeInstanceOf(NoNodeError);
    });

    it('syncs, reads the config node, and runs retry() sequences', async () => {
      const client = await open();
      await client.sync('/');
      const config = await client.getConfig();
      expect(config.stat.version).toBeGreaterThanOrEqual(0);
      // A connection loss is retried under the policy; the second attempt succeeds.
      const attempts: number[] = [];
      const value = await client.retry(async (attempt) => {
        attempts.push(attempt);
        if (attempts.length === 1) throw new ConnectionLossError();
        return client.create('/retried');
      });
      expect(value).toBe('/retried');
      expect(attempts).toEqual([1, 2]);
      // An error the policy does not retry comes back from the first attempt.
      const once: number[] = [];
      await expect(
        client.retry(async (attempt) => {
          once.push(attempt);
          return client.create('/retried');
        }),
      ).rejects.toBeInstanceOf(NodeExistsError);
      expect(once).toEqual([1]);
    });
  });

  describe('chroot', () => {
    it('maps paths both ways', async () => {
      const client = await open();
      await client.create('/inside', 'v', { mode: CreateMode.EPHEMERAL });
      const root = ZooKit.newClient(suite.server.connectString, { sessionTimeoutMs: 6_000 });
      suite.clients.push(root);
      await root.start();
      expect(await root.getChildren(suite.namespace)).toEqual(['inside']);
      expect(await client.getEphemerals('/')).toEqual(['/inside']);
      const watched = await client.getData('/inside', { watch: true });
      await root.setData(`${suite.namespace}/inside`, 'w');
      expect(await watched.watchEvent).toEqual({
        type: 'NodeDataChanged',
        path: '/inside',
        zxid: expect.any(BigInt),
      });
      expect((await client.getChildren('/')).sort()).toEqual(['inside']);
    });
  });

  describe('lifecycle', () => {
    it('iterates states until close, and aborts retries with AbortError', async () => {
      const fresh = ZooKit.newClient(`${suite.server.connectString}${suite.namespace}`, {
        sessionTimeoutMs: 6_000,
      });
      suite.clients.push(fresh);
      const states = fresh.states();
      const first = states.next();
      await fresh.start();
      expect(await first).toEqual({ value: 'CONNECTED', done: false });
      await fresh.close();
      expect(await states.next()).toEqual({ value: undefined, done: true });
      const client = await open();
      const iterator = client.states();
      const next = iterator.next();
      await client.close();
      expect(await next).toEqual({ value: undefined, done: true });
      await expect(client.getData('/')).rejects.toBeInstanceOf(ClosedError);
      const controller = new AbortController();
      controller.abort();
      const other = await open();
      await expect(other.getData('/', { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    });
  });

  describe('start', () => {
    it('rejects with ConnectionTimeoutError when no server answers, and stays usable', async () => {
      const client = ZooKit.newClient('127.0.0.1:1', { connectionTimeoutMs: 300, sessionTimeoutMs: 4_000 });
      suite.clients.push(client);
      const error = await client.start().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConnectionTimeoutError);
      expect(client.state).toBeUndefined();
      await expect(client.start()).rejects.toBeInstanceOf(ConnectionTimeoutError);
    });
  });
});

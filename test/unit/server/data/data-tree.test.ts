import { describe, expect, it } from 'vitest';
import {
  clientEphemeralOwner,
  DataTree,
  EphemeralKind,
  ephemeralKindOf,
  ttlEphemeralOwner,
  ttlOfEphemeralOwner,
  type WatchTrigger,
} from '../../../../server/data/data-tree';
import { nextVersion } from '../../../../server/data/prep';
import { CONTAINER_EPHEMERAL_OWNER, EventType } from '../../../../src/protocol/constants';
import { OPEN } from './harness';

describe('data tree: system nodes', () => {
  it('has Apache stats for /, /zookeeper, /zookeeper/quota and /zookeeper/config', () => {
    const tree = new DataTree();
    expect(tree.nodeCount).toBe(4);
    expect(tree.stat('/')).toEqual({
      czxid: 0n,
      mzxid: 0n,
      ctime: 0n,
      mtime: 0n,
      version: 0,
      cversion: -1,
      aversion: 0,
      ephemeralOwner: 0n,
      dataLength: 0,
      numChildren: 1,
      pzxid: 0n,
    });
    expect(tree.stat('/zookeeper')?.cversion).toBe(-2);
    expect(tree.stat('/zookeeper')?.numChildren).toBe(2);
    expect(tree.stat('/zookeeper/config')?.aversion).toBe(-1);
    expect(tree.stat('/zookeeper/quota')?.aversion).toBe(0);
    expect(tree.acl('/zookeeper/config')).toEqual([{ perms: 1, id: { scheme: 'world', id: 'anyone' } }]);
    expect(tree.acl('/')).toEqual(OPEN);
    expect(tree.data('/')).toEqual(Buffer.alloc(0));
    expect(tree.allChildrenNumber('/')).toBe(3);
    expect(tree.allChildrenNumber('/zookeeper')).toBe(2);
  });
});

describe('data tree: stats', () => {
  it('keeps creations in the stored cversion and shows creations + deletions', () => {
    const tree = new DataTree();
    const triggers: WatchTrigger[] = [];
    expect(tree.createNode('/p', Buffer.from('d'), OPEN, 0n, -1, 5n, 100n, triggers)).toBe(0);
    expect(tree.stat('/p')).toEqual({
      czxid: 5n,
      mzxid: 5n,
      ctime: 100n,
      mtime: 100n,
      version: 0,
      cversion: 0,
      aversion: 0,
      ephemeralOwner: 0n,
      dataLength: 1,
      numChildren: 0,
      pzxid: 5n,
    });
    tree.createNode('/p/a', null, OPEN, 0n, 1, 6n, 101n, triggers);
    tree.createNode('/p/b', null, OPEN, 0n, 2, 7n, 102n, triggers);
    expect(tree.stat('/p')?.cversion).toBe(2);
    expect(tree.deleteNode('/p/a', 8n, triggers)).toBe(0);
    const parent = tree.stat('/p');
    expect(parent?.cversion).toBe(3);
    expect(parent?.numChildren).toBe(1);
    expect(parent?.pzxid).toBe(8n);
    expect(parent?.mzxid).toBe(5n);
    expect(tree.node('/p')?.stat.cversion).toBe(2);
    expect(tree.stat('/p/b')?.dataLength).toBe(0);
    expect(tree.data('/p/b')).toBeNull();
    expect(triggers.map((t) => [t.type, t.path])).toEqual([
      [EventType.NodeCreated, '/p'],
      [EventType.NodeChildrenChanged, '/'],
      [EventType.NodeCreated, '/p/a'],
      [EventType.NodeChildrenChanged, '/p'],
      [EventType.NodeCreated, '/p/b'],
      [EventType.NodeChildrenChanged, '/p'],
      [EventType.NodeDeleted, '/p/a'],
      [EventType.NodeChildrenChanged, '/p'],
    ]);
  });

  it('setData bumps version/mzxid/mtime even for the same bytes; setACL bumps aversion only', () => {
    const tree = new DataTree();
    const triggers: WatchTrigger[] = [];
    tree.createNode('/n', Buffer.from('v'), OPEN, 0n, -1, 2n, 10n, triggers);
    const stat = tree.setData('/n', Buffer.from('v'), 1, 3n, 11n, triggers);
    expect(stat).toMatchObject({ version: 1, mzxid: 3n, mtime: 11n, czxid: 2n, ctime: 10n });
    const aclStat = tree.setAcl('/n', [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }], 1);
    expect(aclStat).toMatchObject({ version: 1, aversion: 1, mzxid: 3n });
    // READ world:anyone is /zookeeper/config's list: shared; the open list lost its only user.
    expect(tree.aclKey('/n')).toBe(tree.aclKey('/zookeeper/config'));
    expect(tree.aclCache.size).toBe(1);
  });

  it('wraps versions from MAX_INT to MIN_INT and skips -1', () => {
    expect(nextVersion(0x7fffffff, -1, '/a')).toBe(-0x80000000);
    expect(nextVersion(-2, -2, '/a')).toBe(0);
    expect(nextVersion(4, 4, '/a')).toBe(5);
    expect(() => nextVersion(4, 3, '/a')).toThrow(/BADVERSION/);
  });

  it('masks container and TTL owners to 0 and tracks the node kinds', () => {
    const tree = new DataTree();
    const triggers: WatchTrigger[] = [];
    const ttlOwner = ttlEphemeralOwner(5000n);
    expect(BigInt.asUintN(64, ttlOwner)).toBe(0xff00000000001388n);
    expect(ttlOfEphemeralOwner(ttlOwner)).toBe(5000n);
    tree.createNode('/c', null, OPEN, CONTAINER_EPHEMERAL_OWNER, -1, 2n, 1n, triggers);
    tree.createNode('/t', null, OPEN, ttlOwner, -1, 3n, 1n, triggers);
    tree.createNode('/e', null, OPEN, 0x42n, -1, 4n, 1n, triggers);
    expect(tree.stat('/c')?.ephemeralOwner).toBe(0n);
    expect(tree.stat('/t')?.ephemeralOwner).toBe(0n);
    expect(tree.stat('/e')?.ephemeralOwner).toBe(0x42n);
    expect([...tree.containers]).toEqual(['/c']);
    expect([...tree.ttlNodes]).toEqual(['/t']);
    expect(tree.ephemeralsOf(0x42n)).toEqual(['/e']);
    expect(ephemeralKindOf(CONTAINER_EPHEMERAL_OWNER)).toBe(EphemeralKind.container);
    expect(clientEphemeralOwner(0n)).toBe(0n);
    tree.deleteNode('/e', 5n, triggers);
    expect(tree.ephemeralsOf(0x42n)).toEqual([]);
  });

  it('filters ephemerals by plain prefix; blank or / means all', () => {
    const tree = new DataTree();
    const triggers: WatchTrigger[] = [];
    tree.createNode('/app', null, OPEN, 0n, -1, 2n, 1n, triggers);
    tree.createNode('/app/e1', null, OPEN, 7n, -1, 3n, 1n, triggers);
    tree.createNode('/apple', null, OPEN, 7n, -1, 4n, 1n, triggers);
    tree.createNode('/other', null, OPEN, 8n, -1, 5n, 1n, triggers);
    expect(tree.getEphemerals(7n, '/app')).toEqual(['/app/e1', '/apple']);
    expect(tree.getEphemerals(7n, '/app/')).toEqual(['/app/e1']);
    expect(tree.getEphemerals(7n, ' / ')).toEqual(['/app/e1', '/apple']);
    expect(tree.getEphemerals(7n, null)).toEqual(['/app/e1', '/apple']);
    expect(tree.allChildrenNumber('/app')).toBe(1);
    expect(tree.allChildrenNumber('/')).toBe(7);
  });

  it('tolerates re-applying a create and a delete (fuzzy snapshot replay)', () => {
    const tree = new DataTree();
    const triggers: WatchTrigger[] = [];
    tree.createNode('/p', null, OPEN, 0n, -1, 2n, 1n, triggers);
    tree.createNode('/p/a', null, OPEN, 0n, 1, 3n, 1n, triggers);
    const before = tree.stat('/p');
    expect(tree.createNode('/p/a', null, OPEN, 0n, 1, 3n, 1n, triggers)).toBe(-110);
    expect(tree.stat('/p')).toEqual(before);
    tree.deleteNode('/p/a', 4n, triggers);
    expect(tree.deleteNode('/p/a', 4n, triggers)).toBe(-101);
    expect(tree.stat('/p')?.pzxid).toBe(4n);
    // A replayed create whose parent cversion is ahead of the stored one moves it forward.
    expect(tree.createNode('/p/a', null, OPEN, 0n, 1, 3n, 1n, triggers)).toBe(0);
    expect(tree.node('/p')?.stat.cversion).toBe(1);
    expect(tree.stat('/p')?.pzxid).toBe(4n);
  });
});

import { describe, expect, it } from 'vitest';
import type { WatchDelivery } from '../../../../server/data/watch-table';
import { digestId } from '../../../../src/protocol/auth';
import { AddWatchMode, EventType, OpCode, WatcherType } from '../../../../src/protocol/constants';
import { Connection, Harness, OPEN } from './harness';

function events(deliveries: Array<WatchDelivery<Connection>>): Array<[bigint, number, string, bigint]> {
  return deliveries.map((d) => [d.watcher.sessionId, d.event.type, d.event.path, d.zxid]);
}

describe('watch table: triggers (protocol.md §8)', () => {
  it('fires NodeCreated from exists-on-missing and NodeChildrenChanged on the parent, once', () => {
    const harness = new Harness();
    const a = new Connection(1n);
    expect(harness.db.reads.exists('/n', true, a).err).toBe(-101);
    harness.db.reads.getChildren('/', true, a);
    const created = harness.create(a, '/n');
    expect(events(created.deliveries)).toEqual([
      [1n, EventType.NodeCreated, '/n', 1n],
      [1n, EventType.NodeChildrenChanged, '/', 1n],
    ]);
    expect(created.deliveries[0]?.event.state).toBe(3);
    expect(events(harness.create(a, '/m').deliveries)).toEqual([]);
  });

  it('on delete: data NodeDeleted, child-table NodeDeleted only for those not yet notified, then the parent', () => {
    const harness = new Harness();
    const a = new Connection(1n);
    const b = new Connection(2n);
    harness.create(a, '/p');
    harness.create(a, '/p/c');
    harness.db.reads.getData('/p/c', true, a);
    harness.db.reads.getChildren('/p/c', true, a);
    harness.db.reads.getChildren('/p/c', true, b);
    harness.db.reads.getChildren('/p', true, b);
    const deleted = harness.write({ type: OpCode.delete, request: { path: '/p/c', version: -1 } }, a);
    expect(events(deleted.deliveries)).toEqual([
      [1n, EventType.NodeDeleted, '/p/c', 3n],
      [2n, EventType.NodeDeleted, '/p/c', 3n],
      [2n, EventType.NodeChildrenChanged, '/p', 3n],
    ]);
    expect(harness.db.watches.watchCount).toBe(0);
  });

  it('setData fires NodeDataChanged even for identical bytes; setACL fires nothing', () => {
    const harness = new Harness();
    const a = new Connection(1n);
    harness.create(a, '/n', 0, Buffer.from('same'));
    harness.db.reads.getData('/n', true, a);
    const set = harness.write(
      { type: OpCode.setData, request: { path: '/n', data: Buffer.from('same'), version: -1 } },
      a,
    );
    expect(events(set.deliveries)).toEqual([[1n, EventType.NodeDataChanged, '/n', 2n]]);
  });

  it('persistent watches stay; recursive ones see descendants but never NodeChildrenChanged', () => {
    const harness = new Harness();
    const a = new Connection(1n);
    const b = new Connection(2n);
    harness.db.watches.addPersistentWatch('/a', a, AddWatchMode.PERSISTENT);
    harness.db.watches.addPersistentWatch('/a', b, AddWatchMode.PERSISTENT_RECURSIVE);
    expect(events(harness.create(a, '/a').deliveries)).toEqual([
      [1n, EventType.NodeCreated, '/a', 1n],
      [2n, EventType.NodeCreated, '/a', 1n],
    ]);
    expect(events(harness.create(a, '/a/b').deliveries)).toEqual([
      [2n, EventType.NodeCreated, '/a/b', 2n],
      [1n, EventType.NodeChildrenChanged, '/a', 2n],
    ]);
    expect(events(harness.create(a, '/a/b/c').deliveries)).toEqual([
      [2n, EventType.NodeCreated, '/a/b/c', 3n],
    ]);
    harness.write({ type: OpCode.delete, request: { path: '/a/b/c', version: -1 } }, a);
    harness.write({ type: OpCode.delete, request: { path: '/a/b', version: -1 } }, a);
    const gone = harness.write({ type: OpCode.delete, request: { path: '/a', version: -1 } }, a);
    expect(events(gone.deliveries)).toEqual([
      [1n, EventType.NodeDeleted, '/a', 6n],
      [2n, EventType.NodeDeleted, '/a', 6n],
    ]);
    expect(events(harness.create(a, '/a').deliveries)).toHaveLength(2);
  });

  it('a standard and a persistent watch on one path coexist: the standard one is consumed', () => {
    const harness = new Harness();
    const a = new Connection(1n);
    harness.create(a, '/n');
    harness.db.watches.addPersistentWatch('/n', a, AddWatchMode.PERSISTENT);
    harness.db.reads.getData('/n', true, a);
    const set = () =>
      harness.write({ type: OpCode.setData, request: { path: '/n', data: null, version: -1 } }, a);
    expect(events(set().deliveries)).toEqual([[1n, 3, '/n', 2n]]);
    expect(harness.db.watches.containsWatch('/n', WatcherType.Data, a)).toBe(false);
    expect(harness.db.watches.containsWatch('/n', WatcherType.Persistent, a)).toBe(true);
    expect(events(set().deliveries)).toEqual([[1n, 3, '/n', 3n]]);
  });

  it('drops events for connections without READ on the node (the parent for child events)', () => {
    const harness = new Harness();
    const owner = new Connection(1n, [{ scheme: 'digest', id: digestId('u:p') }]);
    const stranger = new Connection(2n);
    const secret = [{ perms: 31, id: { scheme: 'digest', id: digestId('u:p') } }];
    harness.write({ type: OpCode.create, request: { path: '/s', data: null, acl: secret, flags: 0 } }, owner);
    harness.db.watches.addPersistentWatch('/s', stranger, AddWatchMode.PERSISTENT);
    harness.db.watches.addPersistentWatch('/s', owner, AddWatchMode.PERSISTENT);
    const child = harness.write(
      { type: OpCode.create, request: { path: '/s/c', data: null, acl: OPEN, flags: 0 } },
      owner,
    );
    expect(events(child.deliveries)).toEqual([[1n, EventType.NodeChildrenChanged, '/s', 2n]]);
  });
});

describe('watch table: removal, close, reports', () => {
  it('removes by WatcherType and reports NOWATCHER cases as false', () => {
    const harness = new Harness();
    const a = new Connection(1n);
    harness.create(a, '/n');
    harness.db.reads.getData('/n', true, a);
    harness.db.reads.getChildren('/n', true, a);
    harness.db.watches.addPersistentWatch('/n', a, AddWatchMode.PERSISTENT_RECURSIVE);
    expect(harness.db.watches.removeWatch('/n', WatcherType.Children, a)).toBe(true);
    expect(harness.db.watches.removeWatch('/n', WatcherType.Children, a)).toBe(false);
    expect(harness.db.watches.removeWatch('/n', WatcherType.Persistent, a)).toBe(false);
    expect(harness.db.watches.containsWatch('/n', WatcherType.PersistentRecursive, a)).toBe(true);
    expect(harness.db.watches.removeWatch('/n', WatcherType.Any, a)).toBe(true);
    expect(harness.db.watches.containsWatch('/n', WatcherType.Any, a)).toBe(false);
    expect(() => harness.db.watches.removeWatch('/n', 9, a)).toThrow(/MARSHALLINGERROR/);
    expect(() => harness.db.watches.addPersistentWatch('/n', a, 2)).toThrow(/MARSHALLINGERROR/);
  });

  it('forgets a closed connection and counts wchs/wchc/wchp from the data table', () => {
    const harness = new Harness();
    const a = new Connection(1n);
    const b = new Connection(2n);
    harness.create(a, '/n');
    harness.db.reads.getData('/n', true, a);
    harness.db.reads.exists('/x', true, a);
    harness.db.reads.exists('/x', true, b);
    harness.db.reads.getChildren('/n', true, b);
    expect(harness.db.watches.summary()).toEqual({ connections: 2, paths: 2, watches: 3 });
    expect(harness.db.watches.pathsByConnection()).toEqual([
      { sessionId: 1n, paths: ['/n', '/x'] },
      { sessionId: 2n, paths: ['/x'] },
    ]);
    expect(harness.db.watches.connectionsByPath()).toEqual([
      { path: '/n', sessionIds: [1n] },
      { path: '/x', sessionIds: [1n, 2n] },
    ]);
    expect(harness.db.watches.watchCount).toBe(4);
    harness.db.closeConnection(a);
    expect(harness.db.watches.summary()).toEqual({ connections: 1, paths: 1, watches: 1 });
    expect(events(harness.create(b, '/x').deliveries)).toEqual([[2n, 1, '/x', 2n]]);
  });
});

describe('watch table: SetWatches catch-up', () => {
  it('synthesizes events with zxid -1 for missed changes and re-registers the rest', () => {
    const harness = new Harness();
    const a = new Connection(1n);
    harness.create(a, '/same');
    harness.create(a, '/changed');
    harness.create(a, '/kids');
    const relativeZxid = harness.db.lastProcessedZxid;
    harness.write({ type: OpCode.setData, request: { path: '/changed', data: null, version: -1 } }, a);
    harness.create(a, '/kids/k');
    harness.create(a, '/born');
    const deliveries = harness.db.setWatches(
      {
        relativeZxid,
        dataWatches: ['/same', '/changed', '/gone'],
        existWatches: ['/born', '/unborn'],
        childWatches: ['/kids', '/same', '/gone'],
        persistentWatches: ['/p'],
        persistentRecursiveWatches: ['/r'],
      },
      a,
    );
    expect(events(deliveries)).toEqual([
      [1n, EventType.NodeDataChanged, '/changed', -1n],
      [1n, EventType.NodeDeleted, '/gone', -1n],
      [1n, EventType.NodeCreated, '/born', -1n],
      [1n, EventType.NodeChildrenChanged, '/kids', -1n],
      [1n, EventType.NodeDeleted, '/gone', -1n],
    ]);
    expect(harness.db.watches.containsWatch('/same', WatcherType.Data, a)).toBe(true);
    expect(harness.db.watches.containsWatch('/unborn', WatcherType.Data, a)).toBe(true);
    expect(harness.db.watches.containsWatch('/same', WatcherType.Children, a)).toBe(true);
    expect(harness.db.watches.containsWatch('/p', WatcherType.Persistent, a)).toBe(true);
    expect(harness.db.watches.containsWatch('/r', WatcherType.PersistentRecursive, a)).toBe(true);
  });
});

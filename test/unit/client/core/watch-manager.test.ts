import { describe, expect, it } from 'vitest';
import { planSetWatches, WatchManager, type WatchSnapshot } from '../../../../src/client/watch-manager';
import { EventType, OpCode } from '../../../../src/protocol/constants';
import type { WatchEvent } from '../../../../src/types';

function recorder(): { events: WatchEvent[]; watcher: (event: WatchEvent) => void } {
  const events: WatchEvent[] = [];
  return { events, watcher: (event) => events.push(event) };
}

describe('WatchManager dispatch', () => {
  it('delivers a data change to data and exist watchers once, then forgets them', () => {
    const manager = new WatchManager();
    const data = recorder();
    const exist = recorder();
    const child = recorder();
    manager.add('data', '/a', data.watcher);
    manager.add('exist', '/a', exist.watcher);
    manager.add('child', '/a', child.watcher);
    expect(manager.dispatch(EventType.NodeDataChanged, '/a', 7n)).toBe(2);
    expect(data.events).toEqual([{ type: 'NodeDataChanged', path: '/a', zxid: 7n }]);
    expect(exist.events).toHaveLength(1);
    expect(child.events).toHaveLength(0);
    expect(manager.dispatch(EventType.NodeDataChanged, '/a', 8n)).toBe(0);
    expect(manager.dispatch(EventType.NodeChildrenChanged, '/a', 9n)).toBe(1);
    expect(child.events).toEqual([{ type: 'NodeChildrenChanged', path: '/a', zxid: 9n }]);
    expect(manager.empty).toBe(true);
  });

  it('calls a watcher registered twice on one path once', () => {
    const manager = new WatchManager();
    const shared = recorder();
    manager.add('data', '/x', shared.watcher);
    manager.add('exist', '/x', shared.watcher);
    manager.add('data', '/x', shared.watcher);
    expect(manager.dispatch(EventType.NodeDeleted, '/x', 1n)).toBe(1);
    expect(shared.events).toHaveLength(1);
  });

  it('keeps persistent watchers; recursive ones see descendants but never child events', () => {
    const manager = new WatchManager();
    const persistent = recorder();
    const recursive = recorder();
    manager.add('persistent', '/p', persistent.watcher);
    manager.add('persistentRecursive', '/', recursive.watcher);
    manager.dispatch(EventType.NodeDataChanged, '/p', 1n);
    manager.dispatch(EventType.NodeChildrenChanged, '/p', 2n);
    manager.dispatch(EventType.NodeCreated, '/p/q/r', 3n);
    expect(persistent.events.map((event) => event.type)).toEqual(['NodeDataChanged', 'NodeChildrenChanged']);
    expect(recursive.events.map((event) => [event.type, event.path])).toEqual([
      ['NodeDataChanged', '/p'],
      ['NodeCreated', '/p/q/r'],
    ]);
    expect(manager.count('persistent', '/p')).toBe(1);
  });

  it('tells one-shot watchers NotWatching on session loss and keeps persistent ones', () => {
    const manager = new WatchManager();
    const oneShot = recorder();
    const persistent = recorder();
    manager.add('child', '/c', oneShot.watcher);
    manager.add('persistent', '/c', persistent.watcher);
    expect(manager.notWatching('sessionExpired')).toBe(1);
    expect(oneShot.events).toEqual([{ type: 'NotWatching', path: '/c', reason: 'sessionExpired' }]);
    expect(manager.snapshot()).toEqual({
      data: [],
      exist: [],
      child: [],
      persistent: ['/c'],
      persistentRecursive: [],
    });
    expect(manager.notWatching('closed')).toBe(1);
    expect(persistent.events).toEqual([{ type: 'NotWatching', path: '/c', reason: 'closed' }]);
    expect(manager.empty).toBe(true);
  });

  it('removes watches by kind with *WatchRemoved events', () => {
    const manager = new WatchManager();
    const data = recorder();
    const child = recorder();
    manager.add('exist', '/r', data.watcher);
    manager.add('child', '/r', child.watcher);
    expect(manager.hasKind('/r', 'data')).toBe(true);
    expect(manager.removeKind('/r', 'data')).toBe(1);
    expect(data.events).toEqual([{ type: 'DataWatchRemoved', path: '/r' }]);
    expect(manager.hasKind('/r', 'data')).toBe(false);
    expect(manager.removeKind('/r', 'any')).toBe(1);
    expect(child.events).toEqual([{ type: 'ChildWatchRemoved', path: '/r' }]);
  });

  it('keeps delivering when a watcher throws', () => {
    const errors: unknown[] = [];
    const manager = new WatchManager({ onWatcherError: (error) => errors.push(error) });
    const after = recorder();
    manager.add('data', '/t', () => {
      throw new Error('boom');
    });
    manager.add('data', '/t', after.watcher);
    expect(manager.dispatch(EventType.NodeDataChanged, '/t', 1n)).toBe(2);
    expect(after.events).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });
});

describe('planSetWatches', () => {
  const empty: WatchSnapshot = { data: [], exist: [], child: [], persistent: [], persistentRecursive: [] };

  it('sends nothing without watches', () => {
    expect(planSetWatches(empty, 5n, 100)).toEqual([]);
  });

  it('uses SetWatches without persistent watches, SetWatches2 with them, chroot applied', () => {
    const plan = planSetWatches({ ...empty, data: ['/a'], child: ['/'] }, 9n, 1000, (path) =>
      path === '/' ? '/root' : `/root${path}`,
    );
    expect(plan).toEqual([
      {
        type: OpCode.setWatches,
        record: {
          relativeZxid: 9n,
          dataWatches: ['/root/a'],
          existWatches: [],
          childWatches: ['/root'],
          persistentWatches: [],
          persistentRecursiveWatches: [],
        },
      },
    ]);
    const withPersistent = planSetWatches({ ...empty, persistentRecursive: ['/r'] }, 1n, 1000);
    expect(withPersistent.map((batch) => batch.type)).toEqual([OpCode.setWatches2]);
  });

  it('chunks so each batch holds at most bytesMax path characters', () => {
    const paths = Array.from({ length: 10 }, (_, index) => `/node-${index}`); // 7 characters each
    const plan = planSetWatches({ ...empty, data: paths.slice(0, 5), exist: paths.slice(5) }, 3n, 21);
    expect(plan).toHaveLength(4);
    expect(plan.map((batch) => [...batch.record.dataWatches, ...batch.record.existWatches].length)).toEqual([
      3, 3, 3, 1,
    ]);
    const all = plan.flatMap((batch) => [...batch.record.dataWatches, ...batch.record.existWatches]);
    expect(all).toEqual(paths);
    expect(plan.every((batch) => batch.record.relativeZxid === 3n)).toBe(true);
  });

  it('sends a path longer than the limit alone', () => {
    const plan = planSetWatches({ ...empty, child: ['/short', `/${'x'.repeat(50)}`, '/s'] }, 0n, 10);
    expect(plan.map((batch) => batch.record.childWatches)).toEqual([
      ['/short'],
      [`/${'x'.repeat(50)}`],
      ['/s'],
    ]);
  });
});

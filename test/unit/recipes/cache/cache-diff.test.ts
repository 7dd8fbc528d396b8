import { describe, expect, it } from 'vitest';
import {
  CacheEventType,
  depthBelow,
  descendantsOf,
  eventForRead,
  isAtOrBelow,
  isNewVersion,
  pathsGone,
} from '../../../../recipes/cache/cache-diff';
import { type ChildData, InMemoryCacheStorage } from '../../../../recipes/cache/cache-storage';
import { emptyStat, type Stat } from '../../../../src/protocol/data';

function stat(fields: Partial<Stat>): Stat {
  return { ...emptyStat(), ...fields };
}
function node(path: string, fields: Partial<Stat>, data = ''): ChildData {
  return { path, data: Buffer.from(data), stat: stat(fields) };
}

describe('cache diff', () => {
  it('a node the cache does not hold is NODE_CREATED', () => {
    expect(eventForRead(undefined, node('/a', { czxid: 5n, mzxid: 5n }))).toBe(CacheEventType.NODE_CREATED);
  });

  it('the same version read twice emits nothing', () => {
    const held = node('/a', { czxid: 5n, mzxid: 7n, version: 2 }, 'x');
    expect(eventForRead(held, node('/a', { czxid: 5n, mzxid: 7n, version: 2 }, 'x'))).toBeUndefined();
  });

  it('a new mzxid is NODE_CHANGED', () => {
    const held = node('/a', { czxid: 5n, mzxid: 7n, version: 2 });
    expect(eventForRead(held, node('/a', { czxid: 5n, mzxid: 9n, version: 3 }))).toBe(
      CacheEventType.NODE_CHANGED,
    );
  });

  it('a re-created node (new czxid, same version 0) is NODE_CHANGED', () => {
    const held = node('/a', { czxid: 5n, mzxid: 5n, version: 0 });
    expect(isNewVersion(held.stat, stat({ czxid: 8n, mzxid: 8n, version: 0 }))).toBe(true);
    expect(eventForRead(held, node('/a', { czxid: 8n, mzxid: 8n }))).toBe(CacheEventType.NODE_CHANGED);
  });

  it('a children change alone (pzxid) is not a new version', () => {
    expect(
      isNewVersion(stat({ czxid: 1n, mzxid: 1n, pzxid: 1n }), stat({ czxid: 1n, mzxid: 1n, pzxid: 4n })),
    ).toBe(false);
  });

  it('comparing different paths is a bug', () => {
    expect(() => eventForRead(node('/a', {}), node('/b', {}))).toThrow(/same path/);
  });

  it('scope: at or below the root, not a sibling with a common prefix', () => {
    expect(isAtOrBelow('/app', '/app')).toBe(true);
    expect(isAtOrBelow('/app', '/app/x/y')).toBe(true);
    expect(isAtOrBelow('/app', '/apple')).toBe(false);
    expect(isAtOrBelow('/', '/anything')).toBe(true);
    expect(depthBelow('/app', '/app')).toBe(0);
    expect(depthBelow('/app', '/app/x/y')).toBe(2);
    expect(depthBelow('/', '/a/b')).toBe(2);
  });

  it('paths a rebuild did not see are removed deepest first, then by name', () => {
    const stored = ['/r', '/r/a', '/r/a/x', '/r/b', '/r/c', '/r/c/y'];
    const seen = new Set(['/r', '/r/b']);
    expect(pathsGone(stored, seen)).toEqual(['/r/a/x', '/r/c/y', '/r/a', '/r/c']);
  });

  it('descendants of a deleted node, deepest first, without the node itself', () => {
    expect(descendantsOf(['/r', '/r/a', '/r/a/x', '/r/ab', '/r/a/x/z'], '/r/a')).toEqual([
      '/r/a/x/z',
      '/r/a/x',
    ]);
  });
});

describe('InMemoryCacheStorage', () => {
  it('put returns the previous node, remove returns the removed one', () => {
    const storage = new InMemoryCacheStorage();
    const first = node('/a', { mzxid: 1n }, 'one');
    const second = node('/a', { mzxid: 2n }, 'two');
    expect(storage.put(first)).toBeUndefined();
    expect(storage.put(second)).toBe(first);
    expect(storage.get('/a')).toBe(second);
    expect(storage.size).toBe(1);
    expect(storage.remove('/a')).toBe(second);
    expect(storage.remove('/a')).toBeUndefined();
    expect(storage.size).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { completeLine, splitTypedPath } from '../../../server/commands/shell/completion';

const tree: Record<string, string[]> = {
  '/': ['zookeeper', 'app', 'apple'],
  '/app': ['config', 'locks'],
};
const listChildren = async (path: string) => {
  const children = tree[path];
  if (children === undefined) throw new Error(`no node ${path}`);
  return children;
};

describe('shell: completion', () => {
  it('splits a typed path into parent and prefix', () => {
    expect(splitTypedPath('/')).toEqual({ parent: '/', prefix: '' });
    expect(splitTypedPath('/ap')).toEqual({ parent: '/', prefix: 'ap' });
    expect(splitTypedPath('/app/c')).toEqual({ parent: '/app', prefix: 'c' });
  });
  it('completes command names, a unique one with a trailing space', async () => {
    expect(await completeLine('getA', listChildren)).toEqual([['getAcl', 'getAllChildrenNumber'], 'getA']);
    expect(await completeLine('dele', listChildren)).toEqual([['delete', 'deleteall'], 'dele']);
    expect(await completeLine('whoa', listChildren)).toEqual([['whoami '], 'whoa']);
    expect(await completeLine('xyz', listChildren)).toEqual([[], 'xyz']);
  });
  it('completes znode paths from the parent listing, sorted', async () => {
    expect(await completeLine('ls /ap', listChildren)).toEqual([['/app', '/apple'], '/ap']);
    expect(await completeLine('get -s /app/c', listChildren)).toEqual([['/app/config'], '/app/c']);
    expect(await completeLine('ls /', listChildren)).toEqual([['/app', '/apple', '/zookeeper'], '/']);
  });
  it('offers nothing for a missing parent or a word that is no path', async () => {
    expect(await completeLine('ls /nope/x', listChildren)).toEqual([[], '/nope/x']);
    expect(await completeLine('set /a da', listChildren)).toEqual([[], 'da']);
  });
});

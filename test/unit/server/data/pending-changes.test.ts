import { describe, expect, it } from 'vitest';
import { createStat, DataTree, type NodeRecord } from '../../../../server/data/data-tree';
import { PendingChanges } from '../../../../server/data/pending-changes';

function nodeAt(zxid: bigint): NodeRecord {
  return { stat: createStat(zxid, 0n, 0n), acl: [], numChildren: 0 };
}

describe('PendingChanges', () => {
  it('keeps exactly the records above the applied zxid through many partial applies', () => {
    const pending = new PendingChanges(new DataTree());
    const count = 5_000;
    for (let zxid = 1n; zxid <= BigInt(count); zxid++) pending.put(zxid, `/n${zxid % 7n}`, nodeAt(zxid));
    expect(pending.size).toBe(count);
    for (let zxid = 1n; zxid <= 3_000n; zxid++) pending.applied(zxid);
    expect(pending.size).toBe(2_000);
    // The newest record per path is still visible; the applied ones are gone from all().
    expect(pending.get('/n0')?.stat.czxid).toBe(4998n);
    const all = pending.all();
    expect(all.length).toBe(2_000);
    expect(all[0]?.zxid).toBe(3_001n);
    expect(all.at(-1)?.zxid).toBe(5_000n);
    pending.put(5_001n, '/x', null);
    pending.applied(4_999n);
    expect(pending.all().map((record) => record.zxid)).toEqual([5_000n, 5_001n]);
    pending.applied(5_001n);
    expect(pending.size).toBe(0);
    expect(pending.get('/n0')).toBeUndefined();
  });

  it('forgets a path once its newest record is applied, but not while a newer one is pending', () => {
    const pending = new PendingChanges(new DataTree());
    pending.put(1n, '/a', nodeAt(1n));
    pending.put(2n, '/a', nodeAt(2n));
    pending.applied(1n);
    expect(pending.get('/a')?.stat.mzxid).toBe(2n);
    pending.applied(2n);
    expect(pending.get('/a')).toBeUndefined();
  });

  it('has(): a pending create or delete wins over the tree, and the tree answers for untouched paths', () => {
    const tree = new DataTree();
    const pending = new PendingChanges(tree);
    expect(pending.has('/')).toBe(true);
    expect(pending.has('')).toBe(true);
    expect(pending.has('/zookeeper')).toBe(true);
    expect(pending.has('/a')).toBe(false);
    pending.put(1n, '/a', nodeAt(1n));
    expect(pending.has('/a')).toBe(true);
    pending.put(2n, '/zookeeper', null);
    expect(pending.has('/zookeeper')).toBe(false);
    expect(pending.get('/zookeeper')).toBeUndefined();
    pending.applied(2n);
    expect(pending.has('/a')).toBe(false);
    expect(pending.has('/zookeeper')).toBe(true);
  });

  it('rolls back a failed multi without touching records already applied', () => {
    const pending = new PendingChanges(new DataTree());
    for (let zxid = 1n; zxid <= 2_000n; zxid++) pending.put(zxid, '/a', nodeAt(zxid));
    pending.applied(1_500n);
    pending.beginMulti();
    pending.put(2_001n, '/a', null);
    pending.put(2_001n, '/b', nodeAt(2_001n));
    pending.rollbackMulti(2_001n);
    pending.commitMulti();
    expect(pending.size).toBe(500);
    expect(pending.get('/a')?.stat.mzxid).toBe(2_000n);
    expect(pending.get('/b')).toBeUndefined();
  });
});

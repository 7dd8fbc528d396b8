import { describe, expect, it } from 'vitest';
import {
  LockNames,
  leaseDecision,
  lockDecision,
  OwnNodeMissingError,
  readLockDecision,
  readWriteSortKey,
  sortChildren,
  sortKey,
  sortLockChildren,
  writeLockDecision,
} from '../../../../recipes/lock/lock-decision';

const uuidA = '_c_aaaaaaaa-0000-0000-0000-000000000000-';
const uuidZ = '_c_zzzzzzzz-0000-0000-0000-000000000000-';

describe('recipes: lock decisions: sorting', () => {
  it('sorts by the sequence after the lock name, not by the protected UUID', () => {
    const children = [`${uuidA}lock-0000000003`, `${uuidZ}lock-0000000001`, `${uuidA}lock-0000000002`];
    expect(sortLockChildren(children, LockNames.mutex)).toEqual([
      `${uuidZ}lock-0000000001`,
      `${uuidA}lock-0000000002`,
      `${uuidA}lock-0000000003`,
    ]);
  });

  it('uses the whole name as key when the lock name is absent, and the last occurrence when repeated', () => {
    expect(sortKey('other', 'lock-')).toBe('other');
    expect(sortKey('lock-lock-0000000007', 'lock-')).toBe('0000000007');
  });

  it('sorts readers and writers on one sequence', () => {
    const children = [
      `${uuidZ}__WRIT__0000000004`,
      `${uuidA}__READ__0000000002`,
      `${uuidZ}__READ__0000000003`,
    ];
    expect(sortChildren(children, readWriteSortKey)).toEqual([
      `${uuidA}__READ__0000000002`,
      `${uuidZ}__READ__0000000003`,
      `${uuidZ}__WRIT__0000000004`,
    ]);
  });

  it('keeps equal keys in input order (stable)', () => {
    expect(sortChildren(['b-1', 'a-1'], (name) => name.slice(2))).toEqual(['b-1', 'a-1']);
  });
});

describe('recipes: lock decisions: mutex and semaphore slots', () => {
  const sorted = ['n-0000000001', 'n-0000000002', 'n-0000000003', 'n-0000000004'];

  it('the first node holds a mutex', () => {
    expect(lockDecision(sorted, 'n-0000000001', 1)).toEqual({ acquired: true });
  });

  it('a waiter watches exactly its predecessor', () => {
    expect(lockDecision(sorted, 'n-0000000002', 1)).toEqual({ acquired: false, watch: 'n-0000000001' });
    expect(lockDecision(sorted, 'n-0000000004', 1)).toEqual({ acquired: false, watch: 'n-0000000003' });
  });

  it('with maxLeases N the first N hold and the rest watch the node N places before them', () => {
    expect(lockDecision(sorted, 'n-0000000002', 2)).toEqual({ acquired: true });
    expect(lockDecision(sorted, 'n-0000000003', 2)).toEqual({ acquired: false, watch: 'n-0000000001' });
    expect(lockDecision(sorted, 'n-0000000004', 2)).toEqual({ acquired: false, watch: 'n-0000000002' });
  });

  it('throws OwnNodeMissingError when our node is gone', () => {
    expect(() => lockDecision(sorted, 'n-0000000009', 1)).toThrow(OwnNodeMissingError);
  });

  it('rejects a non-positive maxLeases', () => {
    expect(() => lockDecision(sorted, 'n-0000000001', 0)).toThrow(RangeError);
    expect(() => leaseDecision(sorted, 'n-0000000001', 1.5)).toThrow(RangeError);
  });

  it('the write side is a mutex over readers and writers', () => {
    expect(writeLockDecision(['r-1', 'w-2'], 'w-2')).toEqual({ acquired: false, watch: 'r-1' });
    expect(writeLockDecision(['w-2'], 'w-2')).toEqual({ acquired: true });
  });
});

describe('recipes: lock decisions: read side', () => {
  const r1 = `${uuidA}__READ__0000000001`;
  const r2 = `${uuidA}__READ__0000000002`;
  const w3 = `${uuidZ}__WRIT__0000000003`;
  const r4 = `${uuidA}__READ__0000000004`;
  const w5 = `${uuidZ}__WRIT__0000000005`;
  const r6 = `${uuidA}__READ__0000000006`;
  const sorted = [r1, r2, w3, r4, w5, r6];

  it('readers before the first writer share the lock', () => {
    expect(readLockDecision(sorted, r1, false)).toEqual({ acquired: true });
    expect(readLockDecision(sorted, r2, false)).toEqual({ acquired: true });
  });

  it('a reader after a writer watches the first writer', () => {
    expect(readLockDecision(sorted, r4, false)).toEqual({ acquired: false, watch: w3 });
    expect(readLockDecision(sorted, r6, false)).toEqual({ acquired: false, watch: w3 });
  });

  it('the write holder takes the read lock at once (downgrade)', () => {
    expect(readLockDecision(sorted, r6, true)).toEqual({ acquired: true });
  });

  it('throws when our reader node is gone', () => {
    expect(() => readLockDecision(sorted, 'missing', false)).toThrow(OwnNodeMissingError);
  });
});

describe('recipes: lock decisions: semaphore leases', () => {
  it('counts our lease when at most maxLeases leases exist', () => {
    expect(leaseDecision(['a', 'b'], 'b', 2)).toBe('acquired');
    expect(leaseDecision(['a', 'b', 'c'], 'c', 2)).toBe('wait');
    expect(leaseDecision(['a', 'b'], 'c', 2)).toBe('missing');
  });
});

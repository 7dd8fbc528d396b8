import { describe, expect, it } from 'vitest';
import { seededRandom, shuffle, systemRandom } from '../../../src/util/random';

describe('seededRandom', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(first);
  });

  it('stays in [0,1) and int() in [0,max), covering every value', () => {
    const random = seededRandom(7);
    const seen = new Set<number>();
    for (let index = 0; index < 2000; index++) {
      const value = random.next();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      seen.add(random.int(6));
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('rejects bad bounds', () => {
    expect(() => seededRandom(1).int(0)).toThrow(/positive/);
    expect(() => systemRandom.int(1.5)).toThrow(/integer/);
  });
});

describe('shuffle', () => {
  it('returns a permutation without touching the input, deterministically per seed', () => {
    const items = [1, 2, 3, 4, 5, 6, 7, 8];
    const once = shuffle(items, seededRandom(3));
    expect(items).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...once].sort((x, y) => x - y)).toEqual(items);
    expect(shuffle(items, seededRandom(3))).toEqual(once);
    expect(once).not.toEqual(items);
  });

  it('handles empty and single-item lists', () => {
    expect(shuffle([], seededRandom(1))).toEqual([]);
    expect(shuffle(['x'], seededRandom(1))).toEqual(['x']);
  });
});

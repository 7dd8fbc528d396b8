import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../src/util/clock';

describe('ManualClock', () => {
  it('fires due timers in due order, ties in creation order, with now() at the due time', () => {
    const clock = new ManualClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`late@${clock.now()}`), 31);
    clock.advance(30);
    expect(fired).toEqual(['a@110', 'b@120', 'c@120']);
    expect(clock.now()).toBe(130);
    expect(clock.pendingTimerCount).toBe(1);
    clock.advance(1);
    expect(fired.at(-1)).toBe('late@131');
  });

  it('fires timers scheduled by callbacks inside the same window', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
    }, 5);
    clock.advance(10);
    expect(fired).toEqual([5, 10]);
  });

  it('clearTimeout cancels, and ignores foreign or repeated handles', () => {
    const clock = new ManualClock();
    let count = 0;
    const handle = clock.setTimeout(() => count++, 1);
    clock.clearTimeout(handle);
    clock.clearTimeout(handle);
    clock.clearTimeout(undefined);
    clock.clearTimeout(42);
    clock.advance(5);
    expect(count).toBe(0);
    expect(clock.pendingTimerCount).toBe(0);
  });

  it('treats negative delays as zero and rejects negative advances', () => {
    const clock = new ManualClock();
    let count = 0;
    clock.setTimeout(() => count++, -5);
    clock.advance(0);
    expect(count).toBe(1);
    expect(() => clock.advance(-1)).toThrow(/non-negative/);
  });
});

describe('systemClock', () => {
  it('fires a real timer and can cancel one', async () => {
    const start = systemClock.now();
    const cancelled = systemClock.setTimeout(() => {
      throw new Error('should not fire');
    }, 5);
    systemClock.clearTimeout(cancelled);
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 10));
    expect(systemClock.now() - start).toBeGreaterThanOrEqual(9);
  });
});

import { describe, expect, it } from 'vitest';
import { Deferred, delay } from '../../../src/util/deferred';

describe('Deferred', () => {
  it('resolves once and ignores later settles', async () => {
    const deferred = new Deferred<number>();
    expect(deferred.settled).toBe(false);
    deferred.resolve(1);
    deferred.resolve(2);
    deferred.reject(new Error('late'));
    expect(deferred.settled).toBe(true);
    await expect(deferred.promise).resolves.toBe(1);
  });

  it('rejects with the given reason', async () => {
    const deferred = new Deferred<void>();
    const reason = new Error('boom');
    deferred.reject(reason);
    await expect(deferred.promise).rejects.toBe(reason);
  });
});

describe('delay', () => {
  it('waits at least the given time', async () => {
    const start = performance.now();
    await delay(15);
    expect(performance.now() - start).toBeGreaterThanOrEqual(14);
  });

  it('rejects with the signal reason when aborted during or before the wait', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const waiting = delay(10_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(delay(1, controller.signal)).rejects.toBe(reason);
  });
});

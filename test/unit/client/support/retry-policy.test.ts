import { describe, expect, it } from 'vitest';
import {
  BoundedExponentialBackoffRetry,
  ExponentialBackoffRetry,
  isRetryableError,
  RetryForever,
  RetryNTimes,
  RetryOneTime,
  type RetryPolicy,
  RetryUntilElapsed,
  withRetry,
} from '../../../../src/client/retry-policy';
import {
  ConnectionLossError,
  NoNodeError,
  OperationTimeoutError,
  SessionExpiredError,
} from '../../../../src/protocol/errors';
import { ManualClock } from '../../../../src/util/clock';
import type { Random } from '../../../../src/util/random';

/** A Random whose int() returns scripted values and records the bounds it was asked for. */
function scriptedRandom(values: number[]): Random & { bounds: number[] } {
  const bounds: number[] = [];
  return {
    bounds,
    next: () => 0,
    int(maxExclusive) {
      bounds.push(maxExclusive);
      const value = values.shift();
      if (value === undefined) throw new Error('script exhausted');
      return value;
    },
  };
}

describe('ExponentialBackoffRetry', () => {
  it('sleeps base × random[0, 2^(k+1)) lifted to at least 1', () => {
    const random = scriptedRandom([0, 3, 7, 1]);
    const policy = new ExponentialBackoffRetry({ baseSleepMs: 100, maxRetries: 5, random });
    expect(policy.nextDelayMs(0, 0)).toBe(100); // 0 → 1
    expect(policy.nextDelayMs(1, 0)).toBe(300);
    expect(policy.nextDelayMs(2, 0)).toBe(700);
    expect(policy.nextDelayMs(3, 0)).toBe(100);
    expect(random.bounds).toEqual([2, 4, 8, 16]);
  });

  it('gives up after maxRetries and caps maxRetries at 29', () => {
    const policy = new ExponentialBackoffRetry({
      baseSleepMs: 1,
      maxRetries: 2,
      random: scriptedRandom([1, 1]),
    });
    expect(policy.nextDelayMs(1, 0)).toBe(1);
    expect(policy.nextDelayMs(2, 0)).toBeNull();
    const capped = new ExponentialBackoffRetry({
      baseSleepMs: 1,
      maxRetries: 100,
      random: scriptedRandom([5]),
    });
    expect(capped.maxRetries).toBe(29);
    expect(capped.nextDelayMs(28, 0)).toBe(5);
    expect(capped.nextDelayMs(29, 0)).toBeNull();
  });

  it('caps the sleep at maxSleepMs', () => {
    const policy = new ExponentialBackoffRetry({
      baseSleepMs: 1000,
      maxRetries: 10,
      maxSleepMs: 2500,
      random: scriptedRandom([7]),
    });
    expect(policy.nextDelayMs(2, 0)).toBe(2500);
  });

  it('stays within [base, base × (2^(k+1) − 1)] with real randomness', () => {
    const policy = new ExponentialBackoffRetry({ baseSleepMs: 10, maxRetries: 29 });
    for (let k = 0; k < 29; k++) {
      const sleep = policy.nextDelayMs(k, 0);
      expect(sleep).toBeGreaterThanOrEqual(10);
      expect(sleep).toBeLessThanOrEqual(10 * (2 ** (k + 1) - 1));
    }
  });
});

describe('BoundedExponentialBackoffRetry', () => {
  it('never sleeps longer than maxSleepMs', () => {
    const policy = new BoundedExponentialBackoffRetry({
      baseSleepMs: 100,
      maxSleepMs: 250,
      maxRetries: 3,
      random: scriptedRandom([1, 3, 7]),
    });
    expect([0, 1, 2].map((k) => policy.nextDelayMs(k, 0))).toEqual([100, 250, 250]);
    expect(policy.nextDelayMs(3, 0)).toBeNull();
  });
});

describe('RetryNTimes / RetryOneTime', () => {
  it('retries n times with a constant sleep', () => {
    const policy = new RetryNTimes({ n: 2, sleepMsBetweenRetries: 50 });
    expect([0, 1, 2].map((k) => policy.nextDelayMs(k, 99_999))).toEqual([50, 50, null]);
  });

  it('RetryOneTime retries exactly once', () => {
    const policy = new RetryOneTime({ sleepMsBetweenRetry: 7 });
    expect(policy.nextDelayMs(0, 0)).toBe(7);
    expect(policy.nextDelayMs(1, 0)).toBeNull();
  });
});

describe('RetryUntilElapsed', () => {
  it('retries while elapsed < maxElapsedTimeMs', () => {
    const policy = new RetryUntilElapsed({ maxElapsedTimeMs: 1000, sleepMsBetweenRetries: 100 });
    expect(policy.nextDelayMs(0, 0)).toBe(100);
    expect(policy.nextDelayMs(500, 999)).toBe(100);
    expect(policy.nextDelayMs(1, 1000)).toBeNull();
  });
});

describe('RetryForever', () => {
  it('never gives up', () => {
    const policy = new RetryForever({ retryIntervalMs: 20 });
    expect(policy.nextDelayMs(0, 0)).toBe(20);
    expect(policy.nextDelayMs(1_000_000, 1e12)).toBe(20);
  });
});

describe('isRetryableError', () => {
  it('retries connection loss and operation timeout; session expiry only when asked', () => {
    expect(isRetryableError(new ConnectionLossError())).toBe(true);
    expect(isRetryableError(new OperationTimeoutError())).toBe(true);
    expect(isRetryableError(new SessionExpiredError())).toBe(false);
    expect(isRetryableError(new SessionExpiredError(), { retrySessionExpired: true })).toBe(true);
    expect(isRetryableError(new NoNodeError())).toBe(false);
    expect(isRetryableError('text')).toBe(false);
  });
});

describe('withRetry', () => {
  it('retries retryable errors with the policy delays and returns the result', async () => {
    const retries: [unknown, number, number][] = [];
    const attempts: number[] = [];
    const losses = [new ConnectionLossError(), new OperationTimeoutError()];
    const result = await withRetry(
      new RetryNTimes({ n: 5, sleepMsBetweenRetries: 3 }),
      async (attempt) => {
        attempts.push(attempt);
        const loss = losses.shift();
        if (loss !== undefined) throw loss;
        return 'done';
      },
      { onRetry: (error, attempt, delayMs) => retries.push([error, attempt, delayMs]) },
    );
    expect(result).toBe('done');
    expect(attempts).toEqual([1, 2, 3]);
    expect(retries.map(([error, attempt, delayMs]) => [(error as Error).name, attempt, delayMs])).toEqual([
      ['ConnectionLossError', 1, 3],
      ['OperationTimeoutError', 2, 3],
    ]);
  });

  it('honours the policy delay (total wait >= delay)', async () => {
    const start = performance.now();
    let calls = 0;
    await withRetry(new RetryOneTime({ sleepMsBetweenRetry: 40 }), async () => {
      if (calls++ === 0) throw new ConnectionLossError();
      return 1;
    });
    expect(performance.now() - start).toBeGreaterThanOrEqual(39);
  });

  it('passes retry counts and elapsed time to the policy', async () => {
    const clock = new ManualClock(1000);
    const seen: [number, number][] = [];
    const policy: RetryPolicy = {
      nextDelayMs(retryCount, elapsedMs) {
        seen.push([retryCount, elapsedMs]);
        return retryCount < 2 ? 0 : null;
      },
    };
    const failure = new ConnectionLossError();
    const outcome = withRetry(
      policy,
      async () => {
        clock.advance(10);
        throw failure;
      },
      { clock },
    );
    await expect(outcome).rejects.toBe(failure);
    expect(seen).toEqual([
      [0, 10],
      [1, 20],
      [2, 30],
    ]);
  });

  it('rethrows the last error unchanged when the policy gives up', async () => {
    const errors = [new ConnectionLossError(), new ConnectionLossError()];
    let index = 0;
    const outcome = withRetry(new RetryOneTime({ sleepMsBetweenRetry: 0 }), async () => {
      throw errors[index++];
    });
    await expect(outcome).rejects.toBe(errors[1]);
    expect(errors[1]).not.toHaveProperty('attemptNumber');
    expect(index).toBe(2);
  });

  it('rethrows non-retryable errors unchanged at once, including non-Error values and TypeErrors', async () => {
    for (const thrown of [new NoNodeError(), 'plain string', new TypeError('bad'), undefined]) {
      let attempts = 0;
      const outcome = withRetry(new RetryForever({ retryIntervalMs: 0 }), async () => {
        attempts++;
        throw thrown;
      });
      await expect(outcome).rejects.toBe(thrown);
      expect(attempts).toBe(1);
    }
  });

  it('uses isRetryable when given', async () => {
    let attempts = 0;
    const custom = new Error('custom');
    const outcome = withRetry(
      new RetryNTimes({ n: 2, sleepMsBetweenRetries: 0 }),
      async () => {
        attempts++;
        throw custom;
      },
      { isRetryable: (error) => error === custom },
    );
    await expect(outcome).rejects.toBe(custom);
    expect(attempts).toBe(3);
  });

  it('aborts immediately with the signal reason during a sleep', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    let attempts = 0;
    const start = performance.now();
    const outcome = withRetry(
      new RetryForever({ retryIntervalMs: 10_000 }),
      async () => {
        attempts++;
        throw new ConnectionLossError();
      },
      { signal: controller.signal, onRetry: () => setTimeout(() => controller.abort(reason), 5) },
    );
    await expect(outcome).rejects.toBe(reason);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(attempts).toBe(1);
  });

  it('rejects with the reason of an already aborted signal without running the operation', async () => {
    const controller = new AbortController();
    controller.abort(new Error('early'));
    let attempts = 0;
    await expect(
      withRetry(
        new RetryForever({ retryIntervalMs: 0 }),
        async () => {
          attempts++;
          return 1;
        },
        { signal: controller.signal },
      ),
    ).rejects.toThrow('early');
    expect(attempts).toBe(0);
  });
});

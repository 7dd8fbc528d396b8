/**
 * Retry policies with Curator's semantics, and {@link withRetry}, which runs an operation
 * under a policy on top of p-retry.
 *
 * A policy is pure: given how many retries were done and how long the operation has run,
 * it returns how long to sleep before the next attempt, or `null` to give up.
 */
import pRetry, { AbortError } from 'p-retry';
import { ConnectionLossError, OperationTimeoutError, SessionExpiredError } from '../protocol/errors';
import { assert } from '../util/assert';
import { type Clock, systemClock } from '../util/clock';
import { delay } from '../util/deferred';
import { type Random, systemRandom } from '../util/random';

/** Decides whether, and after how long, a failed operation is tried again. */
export interface RetryPolicy {
  /**
   * The sleep before the next attempt, or `null` to give up.
   * @param retryCount retries done so far (0 before the first retry)
   * @param elapsedMs time since the first attempt started
   */
  nextDelayMs(retryCount: number, elapsedMs: number): number | null;
}

/** Curator caps exponential retries at 29 so `2^(retryCount+1)` stays a positive int. */
export const exponentialRetriesMax = 29;

function assertNonNegativeInteger(value: number, name: string): void {
  assert(Number.isSafeInteger(value), `${name} must be an integer`);
  assert(value >= 0, `${name} must not be negative`);
}

/**
 * Jittered exponential backoff: before retry `k` (0-based) sleeps `baseSleepMs × m`, with
 * `m` uniform in [1, 2^(k+1) − 1] (Curator draws [0, 2^(k+1)) and lifts 0 to 1), capped by
 * `maxSleepMs`. Gives up after `maxRetries` retries; `maxRetries` above 29 is treated as 29.
 */
export class ExponentialBackoffRetry implements RetryPolicy {
  readonly baseSleepMs: number;
  readonly maxRetries: number;
  readonly maxSleepMs: number;
  private readonly random: Random;

  constructor(options: { baseSleepMs: number; maxRetries: number; maxSleepMs?: number; random?: Random }) {
    assertNonNegativeInteger(options.baseSleepMs, 'baseSleepMs');
    assertNonNegativeInteger(options.maxRetries, 'maxRetries');
    this.baseSleepMs = options.baseSleepMs;
    this.maxRetries = Math.min(options.maxRetries, exponentialRetriesMax);
    this.maxSleepMs = options.maxSleepMs ?? Number.MAX_SAFE_INTEGER;
    assertNonNegativeInteger(this.maxSleepMs, 'maxSleepMs');
    this.random = options.random ?? systemRandom;
  }

  /** See the class doc. */
  nextDelayMs(retryCount: number, _elapsedMs: number): number | null {
    assertNonNegativeInteger(retryCount, 'retryCount');
    if (retryCount >= this.maxRetries) return null;
    const multiplier = Math.max(1, this.random.int(2 ** (retryCount + 1)));
    return Math.min(this.baseSleepMs * multiplier, this.maxSleepMs);
  }
}

/** {@link ExponentialBackoffRetry} with a required sleep cap (Curator's bounded variant). */
export class BoundedExponentialBackoffRetry extends ExponentialBackoffRetry {
  constructor(options: { baseSleepMs: number; maxSleepMs: number; maxRetries: number; random?: Random }) {
    super(options);
  }
}

/** Retries `n` times, sleeping `sleepMsBetweenRetries` each time. */
export class RetryNTimes implements RetryPolicy {
  readonly n: number;
  readonly sleepMsBetweenRetries: number;

  constructor(options: { n: number; sleepMsBetweenRetries: number }) {
    assertNonNegativeInteger(options.n, 'n');
    assertNonNegativeInteger(options.sleepMsBetweenRetries, 'sleepMsBetweenRetries');
    this.n = options.n;
    this.sleepMsBetweenRetries = options.sleepMsBetweenRetries;
  }

  /** A constant sleep while `retryCount < n`. */
  nextDelayMs(retryCount: number, _elapsedMs: number): number | null {
    assertNonNegativeInteger(retryCount, 'retryCount');
    return retryCount < this.n ? this.sleepMsBetweenRetries : null;
  }
}

/** Retries once after `sleepMsBetweenRetry`. */
export class RetryOneTime extends RetryNTimes {
  constructor(options: { sleepMsBetweenRetry: number }) {
    super({ n: 1, sleepMsBetweenRetries: options.sleepMsBetweenRetry });
  }
}

/**
 * Retries with a constant sleep while less than `maxElapsedTimeMs` has passed since the
 * first attempt (Curator checks elapsed time before sleeping, so the last sleep may overrun).
 */
export class RetryUntilElapsed implements RetryPolicy {
  readonly maxElapsedTimeMs: number;
  readonly sleepMsBetweenRetries: number;

  constructor(options: { maxElapsedTimeMs: number; sleepMsBetweenRetries: number }) {
    assertNonNegativeInteger(options.maxElapsedTimeMs, 'maxElapsedTimeMs');
    assertNonNegativeInteger(options.sleepMsBetweenRetries, 'sleepMsBetweenRetries');
    this.maxElapsedTimeMs = options.maxElapsedTimeMs;
    this.sleepMsBetweenRetries = options.sleepMsBetweenRetries;
  }

  /** A constant sleep while `elapsedMs < maxElapsedTimeMs`. */
  nextDelayMs(retryCount: number, elapsedMs: number): number | null {
    assertNonNegativeInteger(retryCount, 'retryCount');
    assert(elapsedMs >= 0, 'elapsedMs must not be negative');
    return elapsedMs < this.maxElapsedTimeMs ? this.sleepMsBetweenRetries : null;
  }
}

/** Never gives up; sleeps `retryIntervalMs` between attempts. */
export class RetryForever implements RetryPolicy {
  readonly retryIntervalMs: number;

  constructor(options: { retryIntervalMs: number }) {
    assertNonNegativeInteger(options.retryIntervalMs, 'retryIntervalMs');
    this.retryIntervalMs = options.retryIntervalMs;
  }

  /** Always `retryIntervalMs`. */
  nextDelayMs(retryCount: number, _elapsedMs: number): number {
    assertNonNegativeInteger(retryCount, 'retryCount');
    return this.retryIntervalMs;
  }
}

/**
 * True for errors worth another attempt: connection loss and operation timeout, and a
 * session expiry only with `retrySessionExpired` (a new session loses ephemerals and watches,
 * so retrying across it must be a conscious choice).
 */
export function isRetryableError(error: unknown, options: { retrySessionExpired?: boolean } = {}): boolean {
  if (error instanceof ConnectionLossError || error instanceof OperationTimeoutError) return true;
  return options.retrySessionExpired === true && error instanceof SessionExpiredError;
}

/** Options of {@link withRetry}. */
export interface WithRetryOptions {
  /** Which errors to retry; default {@link isRetryableError}. Others are rethrown unchanged. */
  isRetryable?: (error: unknown) => boolean;
  /** Aborting rejects at once with `signal.reason`; no further attempt starts. */
  signal?: AbortSignal;
  /** Called before each sleep: the error, the attempt that failed (1-based), the sleep. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Measures elapsed time for the policy; default {@link systemClock}. */
  clock?: Clock;
  /**
   * Ends a sleep early: called after each retryable failure with the failed attempt (1-based)
   * and a signal aborted when the sleep is over; the next attempt starts once the returned
   * promise resolves or the policy's delay has passed, whichever comes first. It should
   * resolve only when waiting longer is pointless (the client uses it for "the connection
   * is back"), never reject, and drop what it holds when the signal aborts. Retry counts and
   * the policy's decisions are unchanged: only the wait before an attempt the policy allowed
   * gets shorter.
   */
  wakeEarly?: (attempt: number, sleepOver: AbortSignal) => Promise<void>;
}

/** Carries a retryable failure through p-retry so p-retry never sees (or mutates) it. */
class RetryableFailure extends Error {
  constructor(readonly original: unknown) {
    super('retryable failure');
  }
}

/** Thrown from onFailedAttempt when the policy gives up. */
class PolicyGaveUp extends Error {
  constructor(readonly original: unknown) {
    super('retry policy gave up');
  }
}

/**
 * Runs `operation` (given the 1-based attempt number) until it succeeds, fails with an error
 * `isRetryable` rejects (rethrown unchanged), or `policy` gives up (the last error, unchanged).
 *
 * Built on p-retry 6: every failure is wrapped in a private class so p-retry's own rules
 * (non-Error values, TypeError, property decoration) never apply to user errors; the policy's
 * sleep is awaited in `onFailedAttempt`. p-retry then adds its own timer, which node-retry
 * floors at 1 ms (`forever` with one cached timeout of 1 ms; `retries: Infinity` would make
 * node-retry build an endless timeout table), so we sleep `delayMs − 1` first and the total
 * wait is `delayMs` (1 ms for a 0 ms policy delay).
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  operation: (attempt: number) => Promise<T>,
  options: WithRetryOptions = {},
): Promise<T> {
  const { signal } = options;
  signal?.throwIfAborted();
  const isRetryable = options.isRetryable ?? ((error: unknown) => isRetryableError(error));
  const clock = options.clock ?? systemClock;
  const startMs = clock.now();
  let rejected: { error: unknown } | undefined;
  const attemptOnce = async (attempt: number): Promise<T> => {
    signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (error) {
      if (signal?.aborted) throw new AbortError('aborted');
      if (!isRetryable(error)) {
        rejected = { error };
        throw new AbortError('not retryable');
      }
      throw new RetryableFailure(error);
    }
  };
  const onFailedAttempt = async (failure: Error & { attemptNumber: number }): Promise<void> => {
    assert(failure instanceof RetryableFailure, 'p-retry passed a failure withRetry did not make');
    const delayMs = policy.nextDelayMs(failure.attemptNumber - 1, clock.now() - startMs);
    if (delayMs === null) throw new PolicyGaveUp(failure.original);
    assert(Number.isFinite(delayMs) && delayMs >= 0, 'a retry policy returned a bad delay');
    options.onRetry?.(failure.original, failure.attemptNumber, delayMs);
    const sleepMs = Math.max(0, delayMs - 1);
    const { wakeEarly } = options;
    if (wakeEarly === undefined) await delay(sleepMs, signal);
    else await sleepUnlessWoken(sleepMs, signal, (over) => wakeEarly(failure.attemptNumber, over));
  };
  try {
    return await pRetry(attemptOnce, {
      retries: 0,
      forever: true,
      minTimeout: 0,
      factor: 1,
      onFailedAttempt,
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    throw unwrapFailure(error, rejected, signal);
  }
}

/**
 * Sleeps `ms`, or less if `wake` resolves first; rejects with `signal.reason` if it aborts.
 * `wake` gets a signal aborted when the sleep ends either way, so it can let go of its waiter.
 */
async function sleepUnlessWoken(
  ms: number,
  signal: AbortSignal | undefined,
  wake: (sleepOver: AbortSignal) => Promise<void>,
): Promise<void> {
  signal?.throwIfAborted();
  const over = new AbortController();
  const onAbort = (): void => over.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // race subscribes to both, so the timer's rejection when `over` aborts is handled.
    await Promise.race([delay(ms, over.signal), wake(over.signal)]);
    signal?.throwIfAborted();
  } finally {
    signal?.removeEventListener('abort', onAbort);
    over.abort();
  }
}

function unwrapFailure(
  error: unknown,
  rejected: { error: unknown } | undefined,
  signal?: AbortSignal,
): unknown {
  if (signal?.aborted) return signal.reason;
  if (rejected !== undefined) return rejected.error;
  if (error instanceof RetryableFailure || error instanceof PolicyGaveUp) return error.original;
  return error;
}

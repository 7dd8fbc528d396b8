/**
 * Small waiting tools the data recipes share: a bounded async channel (the AsyncIterable
 * behind `changes()` / `watch()`), and a wait for a watch event bounded by a deadline and an
 * `AbortSignal`. Recipes use only the public client API, so these live here rather than in
 * the client's internals.
 */
import { AbortError } from '../../src/index';
import { assert } from '../../src/util/assert';

/** Default bound of an {@link AsyncChannel}'s buffer. */
export const channelBufferMaxDefault = 1_024;

/**
 * A push-to-pull queue: producers `push`, one consumer iterates. When `bufferMax` values wait,
 * the oldest is dropped (the newest state always gets through; recipes push whole states,
 * so a dropped one is superseded by a later one). `close()` ends the iteration after the
 * buffered values; `return()` or the consumer's `break` calls `onReturn`.
 */
export class AsyncChannel<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private waiter:
    | { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void }
    | undefined;
  private closed = false;
  private failure: { error: unknown } | undefined;
  /** Values dropped because the buffer was full. */
  droppedCount = 0;

  constructor(
    private readonly onReturn: () => void = () => {},
    private readonly bufferMax = channelBufferMaxDefault,
  ) {
    assert(Number.isSafeInteger(bufferMax) && bufferMax > 0, 'bufferMax must be a positive integer');
  }

  /** Hands `value` to the waiting consumer or buffers it; ignored once closed. */
  push(value: T): void {
    if (this.closed) return;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter.resolve({ value, done: false });
      return;
    }
    if (this.buffer.length >= this.bufferMax) {
      this.buffer.shift();
      this.droppedCount++;
    }
    this.buffer.push(value);
    assert(this.buffer.length <= this.bufferMax, 'the buffer stays within its bound');
  }

  /** Ends the iteration once the buffered values are read. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve({ value: undefined, done: true });
  }

  /** Ends the iteration with `error`: the next read (after the buffered values) rejects once. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.failure = { error };
    const waiter = this.waiter;
    this.waiter = undefined;
    this.closed = true;
    if (waiter !== undefined) {
      this.failure = undefined;
      waiter.reject(error);
    }
  }

  /** The next value, or done once closed and drained (rejects once after {@link fail}). */
  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift() as T, done: false });
    const failure = this.failure;
    if (failure !== undefined) {
      this.failure = undefined;
      return Promise.reject(failure.error);
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    assert(this.waiter === undefined, 'AsyncChannel: next() called again before the last one settled');
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Stops the iteration now (buffered values are discarded) and tells the producer. */
  return(): Promise<IteratorResult<T>> {
    this.buffer.length = 0;
    const wasClosed = this.closed;
    this.close();
    if (!wasClosed) this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

/** Outcome of {@link waitUntil}: the promise settled, the deadline passed. */
export type WaitOutcome = 'settled' | 'timeout';

/**
 * Waits for `promise` (a watch event: it never rejects) until `deadlineMs` (a `Date.now()`
 * value, or `undefined` for no deadline). Rejects with `AbortError` when `signal` aborts.
 */
export async function waitUntil(
  promise: Promise<unknown>,
  deadlineMs: number | undefined,
  signal: AbortSignal | undefined,
): Promise<WaitOutcome> {
  if (signal?.aborted) throw new AbortError({ cause: signal.reason });
  const remainingMs = deadlineMs === undefined ? undefined : deadlineMs - Date.now();
  if (remainingMs !== undefined && remainingMs <= 0) return 'timeout';
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const racers: Promise<WaitOutcome>[] = [promise.then(() => 'settled' as const)];
    if (remainingMs !== undefined) {
      racers.push(new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), remainingMs))));
    }
    if (signal !== undefined) {
      racers.push(
        new Promise((_, reject) => {
          onAbort = () => reject(new AbortError({ cause: signal.reason }));
          signal.addEventListener('abort', onAbort, { once: true });
        }),
      );
    }
    return await Promise.race(racers);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  }
}

/** `Date.now() + timeoutMs`, or `undefined` for no timeout. */
export function deadlineFrom(timeoutMs: number | undefined): number | undefined {
  if (timeoutMs === undefined) return undefined;
  assert(timeoutMs >= 0, 'timeoutMs must not be negative');
  return Date.now() + timeoutMs;
}

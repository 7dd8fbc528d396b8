/**
 * Typed events: a thin typed layer over eventemitter3 for `on()`-style listeners, and
 * {@link eventIterator}, which turns any push source into a bounded `AsyncIterableIterator`.
 */
import { EventEmitter } from 'eventemitter3';
import { assert } from '../util/assert';

/**
 * A map from event name to the listener's argument tuple, e.g. `{ state: [ConnectionState] }`.
 * No index signature is needed (or wanted: it would let a misspelt event name compile).
 */
export type EventMap<Events> = { [K in keyof Events]: unknown[] };

/**
 * An eventemitter3 emitter whose event names and arguments are checked by the compiler.
 * Listener exceptions propagate to the caller of `emit` (eventemitter3 does not catch them),
 * and stop delivery to later listeners; emitters of user-facing events wrap `emit` in try/catch.
 */
export class TypedEventEmitter<Events extends EventMap<Events>> extends EventEmitter<Events> {}

/** The default buffer bound of {@link eventIterator}. */
export const eventBufferMaxDefault = 1024;

/** An async iterator over pushed values that can say how many it dropped. */
export interface EventIterator<T> extends AsyncIterableIterator<T> {
  /** Values dropped because the buffer was full (the oldest go first). */
  readonly droppedCount: number;
}

/** Ends an event source: `close()` ends the iteration, `close(error)` fails it. */
export type EventSourceClose = (...reason: [] | [error: unknown]) => void;

/** Options of {@link eventIterator}. */
export interface EventIteratorOptions {
  /** Ends the iteration (buffered values are discarded; `next()` resolves done). */
  signal?: AbortSignal;
  /** Buffered values kept while the consumer is slow; default {@link eventBufferMaxDefault}. */
  bufferMax?: number;
}

/**
 * Subscribes a push source and iterates its values.
 *
 * `subscribe(push, close)` starts delivery and returns the unsubscribe function; the source
 * calls `close()` when it ends, or `close(error)` to fail. After `close()` the buffered
 * values are still delivered, then the iterator ends (or rejects once with the error).
 * Overflow policy: when `bufferMax` values wait, the OLDEST is dropped and counted in
 * {@link EventIterator.droppedCount}; the newest state always gets through.
 * Abort of `signal` or `return()` unsubscribes and ends at once.
 */
export function eventIterator<T>(
  subscribe: (push: (value: T) => void, close: EventSourceClose) => () => void,
  options: EventIteratorOptions = {},
): EventIterator<T> {
  const bufferMax = options.bufferMax ?? eventBufferMaxDefault;
  assert(Number.isSafeInteger(bufferMax) && bufferMax > 0, 'bufferMax must be a positive integer');
  const buffer: T[] = [];
  let waiter: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | undefined;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let droppedCount = 0;
  let unsubscribe: (() => void) | undefined;

  const finish = (): void => {
    if (ended) return;
    ended = true;
    buffer.length = 0;
    unsubscribe?.();
    options.signal?.removeEventListener('abort', finish);
    const pending = waiter;
    waiter = undefined;
    pending?.resolve({ value: undefined, done: true });
  };
  let closed = false;
  const push = (value: T): void => {
    if (ended || closed) return;
    if (waiter !== undefined) {
      const pending = waiter;
      waiter = undefined;
      pending.resolve({ value, done: false });
      return;
    }
    if (buffer.length >= bufferMax) {
      buffer.shift();
      droppedCount++;
    }
    buffer.push(value);
  };
  // A rest parameter tells close() from close(undefined): a source may fail with anything.
  const close = (...reason: [] | [unknown]): void => {
    if (ended || closed) return;
    closed = true;
    if (reason.length > 0) failure = { error: reason[0] };
    if (waiter === undefined) return;
    const pending = waiter;
    waiter = undefined;
    settleClosed(pending);
  };
  const settleClosed = (pending: NonNullable<typeof waiter>): void => {
    const failed = failure;
    finish();
    if (failed !== undefined) pending.reject(failed.error);
    else pending.resolve({ value: undefined, done: true });
  };

  if (options.signal?.aborted) ended = true;
  else {
    options.signal?.addEventListener('abort', finish, { once: true });
    unsubscribe = subscribe(push, close);
    if (ended) unsubscribe();
  }

  const iterator: EventIterator<T> = {
    get droppedCount() {
      return droppedCount;
    },
    next(): Promise<IteratorResult<T>> {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift() as T, done: false });
      if (ended) return Promise.resolve({ value: undefined, done: true });
      assert(waiter === undefined, 'eventIterator: next() called again before the last one settled');
      return new Promise((resolve, reject) => {
        if (closed) settleClosed({ resolve, reject });
        else waiter = { resolve, reject };
      });
    },
    return(): Promise<IteratorResult<T>> {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/** A promise with its settle functions outside, and an abortable sleep. */

/** A promise that someone else settles. Settling twice is ignored (first one wins). */
export class Deferred<T> {
  /** The promise settled by {@link resolve} or {@link reject}. */
  readonly promise: Promise<T>;
  private settledFlag = false;
  private resolveFunction!: (value: T | PromiseLike<T>) => void;
  private rejectFunction!: (reason: unknown) => void;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolveFunction = resolve;
      this.rejectFunction = reject;
    });
  }

  /** Fulfils the promise (no effect once settled). */
  resolve(value: T | PromiseLike<T>): void {
    if (this.settledFlag) return;
    this.settledFlag = true;
    this.resolveFunction(value);
  }

  /** Rejects the promise (no effect once settled). */
  reject(reason: unknown): void {
    if (this.settledFlag) return;
    this.settledFlag = true;
    this.rejectFunction(reason);
  }

  /** True once resolve or reject was called. */
  get settled(): boolean {
    return this.settledFlag;
  }
}

/**
 * Resolves after `ms` real milliseconds. If `signal` aborts first (or already has), rejects
 * with `signal.reason` and clears the timer.
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

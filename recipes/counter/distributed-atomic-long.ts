/**
 * DistributedAtomicLong: a 64-bit counter updated atomically with optimistic concurrency
 * (Curator's `DistributedAtomicLong`, same 8-byte encoding). Every update reads the value
 * and its version, computes the new value, and writes it with that version (or creates the
 * node if missing); a `BadVersion`/`NodeExists` conflict means another writer won, and the
 * update is tried again after the retry policy's sleep. When the policy gives up the result
 * says `succeeded: false` and nothing was written.
 *
 * Results are `{ succeeded, preValue, postValue }`: the value before and after our write
 * (for a failed attempt, the last value read).
 *
 * Connection states: the counter is a persistent node, so SUSPENDED and LOST lose nothing.
 * An update in flight during SUSPENDED waits for the connection under the client's retry
 * policy. One honest caveat (Curator has it too): if a write is applied but its reply is
 * lost with the connection, the client's retry of that write fails with BadVersion, the
 * update reads again and applies once more, so under connection loss an increment can be
 * applied twice. Use `compareAndSet` (one attempt) where that matters.
 */
import {
  BadVersionError,
  BoundedExponentialBackoffRetry,
  CreateMode,
  NodeExistsError,
  NoNodeError,
  type RetryPolicy,
  type ZooKitClient,
} from '../../src/index';
import { assert } from '../../src/util/assert';
import { addLong, decodeLong, encodeLong } from './count-codec';

/** Outcome of an atomic operation (Curator's `AtomicValue`). */
export interface AtomicValue {
  /** True if the operation was applied. */
  succeeded: boolean;
  /** The value before the operation (the last value read when it failed). */
  preValue: bigint;
  /** The value after the operation (equal to `preValue` when it failed). */
  postValue: bigint;
}

/** Options of {@link DistributedAtomicLong}. */
export interface DistributedAtomicLongOptions {
  /**
   * How often and after what sleep a lost race is tried again (default: bounded jittered
   * exponential backoff from 5 ms, at most 200 ms, 29 retries).
   */
  retryPolicy?: RetryPolicy;
}

/** What an update computes from the current value: the new value, or undefined to stop. */
export type AtomicUpdate = (current: bigint, exists: boolean) => bigint | undefined;

/** A distributed 64-bit counter. */
export class DistributedAtomicLong {
  private readonly retryPolicy: RetryPolicy;

  constructor(
    private readonly client: ZooKitClient,
    readonly path: string,
    options: DistributedAtomicLongOptions = {},
  ) {
    this.retryPolicy =
      options.retryPolicy ??
      new BoundedExponentialBackoffRetry({ baseSleepMs: 5, maxSleepMs: 200, maxRetries: 29 });
  }

  /** The current value (0 when the node does not exist); always succeeds. */
  async get(): Promise<AtomicValue> {
    const { value } = await this.read();
    return { succeeded: true, preValue: value, postValue: value };
  }

  /** Adds 1. */
  increment(): Promise<AtomicValue> {
    return this.add(1n);
  }

  /** Subtracts 1. */
  decrement(): Promise<AtomicValue> {
    return this.add(-1n);
  }

  /** Adds `delta` (wrapping at 64 bits like Java's long). */
  add(delta: bigint): Promise<AtomicValue> {
    return this.update((current) => addLong(current, delta));
  }

  /** Subtracts `delta`. */
  subtract(delta: bigint): Promise<AtomicValue> {
    return this.add(-delta);
  }

  /** Sets `newValue` only if the value is `expectedValue`; one attempt, no retry on mismatch. */
  async compareAndSet(expectedValue: bigint, newValue: bigint): Promise<AtomicValue> {
    const { value, version } = await this.read();
    if (value !== expectedValue) return { succeeded: false, preValue: value, postValue: value };
    const written = await this.write(value, version, newValue);
    return written
      ? { succeeded: true, preValue: value, postValue: newValue }
      : { succeeded: false, preValue: value, postValue: value };
  }

  /** Sets `newValue` with optimistic retries (fails only when the policy gives up). */
  trySet(newValue: bigint): Promise<AtomicValue> {
    return this.update(() => newValue);
  }

  /** Sets `newValue` unconditionally (no version check). */
  async forceSet(newValue: bigint): Promise<void> {
    try {
      await this.client.setData(this.path, encodeLong(newValue));
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
      await this.client
        .create(this.path, encodeLong(newValue), { creatingParentsIfNeeded: true })
        .catch(async (createError: unknown) => {
          if (!(createError instanceof NodeExistsError)) throw createError;
          await this.client.setData(this.path, encodeLong(newValue));
        });
    }
  }

  /** Creates the node with `value` if it does not exist; true if this call created it. */
  async initialize(value: bigint): Promise<boolean> {
    try {
      await this.client.create(this.path, encodeLong(value), {
        mode: CreateMode.PERSISTENT,
        creatingParentsIfNeeded: true,
      });
      return true;
    } catch (error) {
      if (error instanceof NodeExistsError) return false;
      throw error;
    }
  }

  /**
   * Runs `compute` optimistically until a write wins or the retry policy gives up. The
   * loop is bounded by the policy (every built-in policy but RetryForever ends).
   */
  async update(compute: AtomicUpdate): Promise<AtomicValue> {
    const startedMs = Date.now();
    let last = 0n;
    for (let retryCount = 0; ; retryCount++) {
      const { value, version, exists } = await this.read();
      last = value;
      const next = compute(value, exists);
      if (next === undefined) return { succeeded: false, preValue: value, postValue: value };
      if (await this.write(value, exists ? version : undefined, next))
        return { succeeded: true, preValue: value, postValue: next };
      const sleepMs = this.retryPolicy.nextDelayMs(retryCount, Date.now() - startedMs);
      if (sleepMs === null) return { succeeded: false, preValue: last, postValue: last };
      assert(sleepMs >= 0, 'a retry sleep is not negative');
      await new Promise((resolve) => setTimeout(resolve, sleepMs));
    }
  }

  private async read(): Promise<{ value: bigint; version: number; exists: boolean }> {
    try {
      const { data, stat } = await this.client.getData(this.path);
      return { value: decodeLong(this.path, data), version: stat.version, exists: true };
    } catch (error) {
      if (error instanceof NoNodeError) return { value: 0n, version: -1, exists: false };
      throw error;
    }
  }

  /** Writes `next` over the version read (or creates the node); false when another writer won. */
  private async write(_previous: bigint, version: number | undefined, next: bigint): Promise<boolean> {
    try {
      if (version === undefined || version < 0) {
        await this.client.create(this.path, encodeLong(next), { creatingParentsIfNeeded: true });
      } else {
        await this.client.setData(this.path, encodeLong(next), { version });
      }
      return true;
    } catch (error) {
      if (
        error instanceof BadVersionError ||
        error instanceof NodeExistsError ||
        error instanceof NoNodeError
      )
        return false;
      throw error;
    }
  }
}

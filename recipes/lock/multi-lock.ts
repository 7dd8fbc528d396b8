/**
 * `InterProcessMultiLock`: several locks taken as one, all or nothing (Curator's recipe).
 * Locks are acquired in the given order, under one deadline; if any cannot be had, those
 * already held are released in reverse order and `acquire` resolves `false` (or rethrows).
 * Take locks in the same order everywhere to avoid deadlocks.
 *
 * The handle's signal fires when any part's signal fires (see each lock's connection-state
 * notes); its guarded transaction checks every lock node; its fencing token is the first
 * lock's (all of them are in `fencingTokens`).
 */
import type { ZooKitClient } from '../../src/index';
import { type AcquireOptions, CompositeHandle, type OwnershipHandle } from './lock-handle';
import { deadlineAfter } from './lock-internals';
import type { InterProcessLock } from './mutex';

/** Curator's `InterProcessMultiLock`. */
export class InterProcessMultiLock implements InterProcessLock {
  constructor(
    private readonly client: ZooKitClient,
    private readonly locks: readonly InterProcessLock[],
  ) {
    if (locks.length === 0) throw new RangeError('a multi-lock needs at least one lock');
  }

  /** Every lock, or `false` (holding none) when `timeoutMs` passed first. */
  async acquire(options: AcquireOptions = {}): Promise<CompositeHandle | false> {
    const deadline = deadlineAfter(options.timeoutMs);
    const held: OwnershipHandle[] = [];
    try {
      for (const lock of this.locks) {
        const remainingMs = deadline === undefined ? undefined : Math.max(0, deadline - performance.now());
        const handle = await lock.acquire({
          ...(remainingMs === undefined ? {} : { timeoutMs: remainingMs }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
        if (handle === false) {
          await releaseAll(held);
          return false;
        }
        held.push(handle);
      }
    } catch (error) {
      await releaseAll(held);
      throw error;
    }
    return new CompositeHandle(this.client, held);
  }
}

async function releaseAll(held: OwnershipHandle[]): Promise<void> {
  for (const handle of held.reverse()) await handle.release().catch(() => undefined);
}

/**
 * `InterProcessMultiLock`: several locks taken as one, all or nothing (Curator's recipe).
 * Locks are acquired in the given order, under one deadline; if any cannot be had, those
 * already held are released in reverse order and `acquire` resolves `false` (or rethrows).
 * Take locks in the same order everywhere to avoid deadlocks.
 *
 * The handle's signal fires when any part's signal fires (see each lock's connection-state
 * notes); its guarded transaction checks every lock node; its fencing token is the first
 * lock's (all of them are in `fencingTokens`).
 *
 * A part held early may be lost while a later one is awaited (its session ended, so its
 * node is gone, or SUSPENDED under the `standard` policy). Handing out a handle whose
 * signal already fired would only make the caller start over, so `acquire` does that
 * itself: it releases every part and takes them all again, a bounded number of times,
 * within the same deadline.
 */
import type { ZooKitClient } from '../../src/index';
import { type AcquireOptions, CompositeHandle, type OwnershipHandle } from './lock-handle';
import { type Deadline, deadlineAfter, LockAcquireError } from './lock-internals';
import type { InterProcessLock } from './mutex';

/** Times `acquire` starts over after a part it held was lost before it had them all. */
const MULTI_LOCK_ATTEMPTS_MAX = 3;

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
    for (let attempt = 0; attempt < MULTI_LOCK_ATTEMPTS_MAX; attempt++) {
      const held = await this.acquireAll(deadline, options.signal);
      if (held === false) return false;
      if (held.every((handle) => !handle.signal.aborted)) return new CompositeHandle(this.client, held);
      await releaseAll(held); // a part was lost while we waited for another: start over
    }
    throw new LockAcquireError(`a multi-lock part was lost ${MULTI_LOCK_ATTEMPTS_MAX} times while acquiring`);
  }

  /** Every lock in order, or `false` (holding none) at the deadline. */
  private async acquireAll(
    deadline: Deadline,
    signal: AbortSignal | undefined,
  ): Promise<OwnershipHandle[] | false> {
    const held: OwnershipHandle[] = [];
    try {
      for (const lock of this.locks) {
        const remainingMs = deadline === undefined ? undefined : Math.max(0, deadline - performance.now());
        const handle = await lock.acquire({
          ...(remainingMs === undefined ? {} : { timeoutMs: remainingMs }),
          ...(signal === undefined ? {} : { signal }),
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
    return held;
  }
}

async function releaseAll(held: OwnershipHandle[]): Promise<void> {
  for (const handle of [...held].reverse()) await handle.release().catch(() => undefined);
}

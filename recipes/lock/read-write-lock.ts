/**
 * `InterProcessReadWriteLock`: many readers or one writer (Curator's recipe, same layout:
 * readers `_c_<uuid>-__READ__<seq>` and writers `_c_<uuid>-__WRIT__<seq>` side by side under
 * the lock path, ordered by one sequence).
 *
 * - The write lock is a re-entrant mutex over readers and writers alike.
 * - A reader holds when no writer is queued before it; otherwise it watches the first
 *   writer. Writers queued after readers wait for those readers, so writers do not starve.
 * - Downgrade: while this instance holds the write lock, its read lock is granted at once;
 *   release the write lock afterwards and keep reading. Upgrading (read → write) is not
 *   possible: it would wait for our own read node.
 *
 * Connection states: as {@link InterProcessMutex} (handles' signals fire on LOST, and on
 * SUSPENDED under the `standard` policy).
 */
import type { ZooKitClient } from '../../src/index';
import {
  LockNames,
  readLockDecision,
  readWriteSortKey,
  sortChildren,
  writeLockDecision,
} from './lock-decision';
import type { LockDriver } from './lock-internals';
import { type LockOptions, ReentrantLock } from './mutex';

/** Curator's `InterProcessReadWriteLock`. */
export class InterProcessReadWriteLock {
  private readonly writeMutex: ReentrantLock;
  private readonly readMutex: ReentrantLock;

  constructor(client: ZooKitClient, path: string, options: LockOptions = {}) {
    const sort = (children: readonly string[]): string[] => sortChildren(children, readWriteSortKey);
    const writeDriver: LockDriver = {
      lockName: LockNames.write,
      sort,
      decide: writeLockDecision,
      headHandoff: true,
    };
    this.writeMutex = new ReentrantLock(client, path, writeDriver, options);
    const readDriver: LockDriver = {
      lockName: LockNames.read,
      sort,
      decide: (sorted, ours) => readLockDecision(sorted, ours, this.writeMutex.isAcquiredInThisProcess()),
    };
    this.readMutex = new ReentrantLock(client, path, readDriver, options);
  }

  /** The shared side. */
  readLock(): ReentrantLock {
    return this.readMutex;
  }

  /** The exclusive side. */
  writeLock(): ReentrantLock {
    return this.writeMutex;
  }
}

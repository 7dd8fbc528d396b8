/**
 * The decisions of the lock family as pure functions of the children of a lock node: sort
 * them, then say whether our node holds the lock or which single node to watch. No I/O, so
 * they are unit-tested without a server (house rule 19).
 *
 * The rules are Curator 5.4's, so Java and Node participants agree on who holds a lock:
 * - children sort by the text after the last occurrence of the lock name (the sequence
 *   suffix), not by the full name, because a protected name starts with a random UUID;
 * - a participant holds the lock when fewer than `maxLeases` nodes sort before it;
 *   otherwise it watches the node `maxLeases` places before it (its predecessor when
 *   `maxLeases` is 1), and only that node, so a release wakes one waiter (no herd);
 * - a reader holds a read/write lock when no writer sorts before it, and otherwise watches
 *   the first writer.
 */

/** Curator's lock node names. */
export const LockNames = {
  /** `InterProcessMutex` and `LeaderSelector` nodes: `<path>/_c_<uuid>-lock-<seq>`. */
  mutex: 'lock-',
  /** `LeaderLatch` nodes: `<path>/_c_<uuid>-latch-<seq>`. */
  latch: 'latch-',
  /** Read/write lock, read side: `<path>/_c_<uuid>-__READ__<seq>`. */
  read: '__READ__',
  /** Read/write lock, write side: `<path>/_c_<uuid>-__WRIT__<seq>`. */
  write: '__WRIT__',
  /** Semaphore leases: `<path>/leases/_c_<uuid>-lease-<seq>`. */
  lease: 'lease-',
  /** Semaphore child holding the leases. */
  leasesFolder: 'leases',
  /** Semaphore child holding the mutex that serializes lease creation. */
  locksFolder: 'locks',
} as const;

/** The outcome of a lock decision: we hold it, or the one node to watch. */
export type LockDecision = { acquired: true } | { acquired: false; watch: string };

/** Our node is not among the children: it was deleted (session loss, or someone deleted it). */
export class OwnNodeMissingError extends Error {
  override readonly name = 'OwnNodeMissingError';
  constructor(readonly nodeName: string) {
    super(`our lock node ${nodeName} is not among the children (session lost or node deleted)`);
  }
}

/**
 * The sort key of `name`: the text after the last occurrence of `lockName`, or the whole
 * name when it does not contain it (Curator's `standardFixForSorting`).
 */
export function sortKey(name: string, lockName: string): string {
  const index = name.lastIndexOf(lockName);
  return index < 0 ? name : name.slice(index + lockName.length);
}

/** The read/write lock's sort key: the suffix after `__READ__`, then after `__WRIT__`. */
export function readWriteSortKey(name: string): string {
  return sortKey(sortKey(name, LockNames.read), LockNames.write);
}

/** `children` sorted by `key` (a new array; ties keep the input order, as Java's stable sort). */
export function sortChildren(children: readonly string[], key: (name: string) => string): string[] {
  const keyed = children.map((name) => ({ name, key: key(name) }));
  keyed.sort((left, right) => (left.key < right.key ? -1 : left.key > right.key ? 1 : 0));
  return keyed.map((entry) => entry.name);
}

/** `children` sorted by their sequence after `lockName`. */
export function sortLockChildren(children: readonly string[], lockName: string): string[] {
  return sortChildren(children, (name) => sortKey(name, lockName));
}

function indexOfOurNode(sortedChildren: readonly string[], ourNodeName: string): number {
  const index = sortedChildren.indexOf(ourNodeName);
  if (index < 0) throw new OwnNodeMissingError(ourNodeName);
  return index;
}

/**
 * Curator's `StandardLockInternalsDriver.getsTheLock`: acquired when our index is below
 * `maxLeases`, else watch the node `maxLeases` places before ours. Throws
 * {@link OwnNodeMissingError} when our node is not in `sortedChildren`.
 */
export function lockDecision(
  sortedChildren: readonly string[],
  ourNodeName: string,
  maxLeases: number,
): LockDecision {
  if (!Number.isInteger(maxLeases) || maxLeases < 1)
    throw new RangeError(`maxLeases must be a positive integer, got ${maxLeases}`);
  const ourIndex = indexOfOurNode(sortedChildren, ourNodeName);
  if (ourIndex < maxLeases) return { acquired: true };
  const watch = sortedChildren[ourIndex - maxLeases];
  if (watch === undefined) throw new RangeError('predecessor index out of range');
  return { acquired: false, watch };
}

/** The write side of a read/write lock: exclusive, so a mutex over readers and writers alike. */
export function writeLockDecision(sortedChildren: readonly string[], ourNodeName: string): LockDecision {
  return lockDecision(sortedChildren, ourNodeName, 1);
}

/**
 * The read side of a read/write lock: acquired when we hold the write lock ourselves (the
 * write→read downgrade), or when no writer sorts before us; otherwise watch the first writer.
 * `sortedChildren` are sorted with {@link readWriteSortKey}.
 */
export function readLockDecision(
  sortedChildren: readonly string[],
  ourNodeName: string,
  holdsWriteLock: boolean,
): LockDecision {
  if (holdsWriteLock) return { acquired: true };
  const ourIndex = indexOfOurNode(sortedChildren, ourNodeName);
  const firstWriteIndex = sortedChildren.findIndex((name) => name.includes(LockNames.write));
  if (firstWriteIndex < 0 || ourIndex < firstWriteIndex) return { acquired: true };
  const watch = sortedChildren[firstWriteIndex];
  if (watch === undefined) throw new RangeError('writer index out of range');
  return { acquired: false, watch };
}

/** The semaphore's lease check: 'acquired' when at most `maxLeases` leases exist, 'missing' when ours is gone. */
export type LeaseDecision = 'acquired' | 'wait' | 'missing';

/**
 * Curator's `InterProcessSemaphoreV2` rule, taken while holding the semaphore's internal
 * mutex: our lease counts once it is among at most `maxLeases` lease nodes; otherwise wait
 * for the set of leases to change.
 */
export function leaseDecision(
  leases: readonly string[],
  ourNodeName: string,
  maxLeases: number,
): LeaseDecision {
  if (!Number.isInteger(maxLeases) || maxLeases < 1)
    throw new RangeError(`maxLeases must be a positive integer, got ${maxLeases}`);
  if (!leases.includes(ourNodeName)) return 'missing';
  return leases.length <= maxLeases ? 'acquired' : 'wait';
}

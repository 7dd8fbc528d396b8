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

/**
 * Curator's revocation request (`Revoker.attemptRevoke` writes it into a lock node): a data
 * change that says nothing about the node's place in the queue.
 */
export const CURATOR_REVOKE_MESSAGE = '__REVOKE__';

/**
 * True when a `getData` of a lock node shows the head marker (or a grant, which is the same
 * write): its data rewritten unchanged once the node was the head of the queue, so its data
 * version is at least 1 and its bytes are those it was created with. `original` is the data
 * as created, when known (read at data version 0); any other write changes the bytes and is
 * not a marker: Curator's revocation request, or a third party's. With `original` unknown,
 * only the revocation request can be told apart.
 */
export function isHeadMarked(
  dataVersion: number,
  data: Uint8Array | null,
  original?: Uint8Array | null,
): boolean {
  if (dataVersion < 1) return false;
  if (original !== undefined) return sameBytes(data, original);
  return data === null || Buffer.from(data).toString('utf8') !== CURATOR_REVOKE_MESSAGE;
}

/** Node data equality, where no data and empty data are the same. */
export function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  const left = a ?? new Uint8Array(0);
  const right = b ?? new Uint8Array(0);
  return Buffer.from(left.buffer, left.byteOffset, left.byteLength).equals(right);
}

/** What a waiter knows about the node it watches, when that node's watch fires. */
export interface WatchedNodeKnowledge {
  /** The watched node was the head of the sorted children when we last read them. */
  wasHeadAtOurRead: boolean;
  /** A `getData` of the watched node showed the head marker ({@link isHeadMarked}). */
  markedHead: boolean;
  /**
   * A read of our own node showed its data rewritten unchanged ({@link isHeadMarked} against
   * the bytes we created it with): the releasing head granted us the lock, in the transaction
   * that deleted its node. A data-change notification alone does not set this.
   */
  grantedToUs: boolean;
}

/**
 * What a waiter of a one-holder lock does when the node it watches changes:
 * - 'acquire': the node is gone and it was the head at some moment (seen at our last read,
 *   or shown by its marker). A node that was once the head leaves only by release, giving up
 *   or session end, and then its successor is the head, because only nodes with higher
 *   sequences can appear afterwards; at our read nothing sat between it and us. So we hold
 *   the lock without reading the children again.
 * - 'rearm': its data changed (the head marker, or a revocation): the queue did not move;
 *   watch the same node again (that `getData` shows the marker).
 * - 'read': anything else (deleted without proof it was the head, the watch removed):
 *   read the children and decide again.
 */
export function watchedNodeChangeDecision(
  event: 'NodeDeleted' | 'NodeDataChanged' | 'other',
  knowledge: WatchedNodeKnowledge,
): 'acquire' | 'rearm' | 'read' {
  if (event === 'NodeDataChanged') return 'rearm';
  if (event !== 'NodeDeleted') return 'read';
  return knowledge.wasHeadAtOurRead || knowledge.markedHead || knowledge.grantedToUs ? 'acquire' : 'read';
}

/**
 * The node a releasing holder of a mutex grants the lock to: the one sorted right after ours,
 * if it is a lock node. It stays our successor until it leaves: it was listed, so every node
 * created later has a larger sequence and sorts after it, and any node between us would have
 * been listed instead. The grant (its data rewritten unchanged, in the transaction that
 * deletes our node) tells it, and its own watchers, that it is the head: it takes the lock on
 * the notifications alone, without reading the children. Throws {@link OwnNodeMissingError}
 * when our node is not listed.
 */
export function grantSuccessor(
  sortedChildren: readonly string[],
  ourNodeName: string,
  lockName: string,
): string | undefined {
  const next = sortedChildren[indexOfOurNode(sortedChildren, ourNodeName) + 1];
  return next?.includes(lockName) ? next : undefined;
}

/**
 * The grant token of a waiting lock node: a path beside it (`<node>.grant`) that never
 * exists to any reader, because a grant creates and deletes it in its one transaction. The
 * waiter leaves an `exists` watch on it, so the grant reaches it as a NodeCreated event that
 * nothing else produces: Curator's revocation request, or anyone's write to the waiting node,
 * changes only its data. No lock code lists it (it is never there), and its name cannot be a
 * lock node's.
 */
export function grantTokenName(nodeName: string): string {
  return `${nodeName}.grant`;
}

/**
 * Whether a new holder of a one-holder lock must write the head marker into its node.
 * `acquiredBy`: 'read' when the children it just read put it first (then `sortedChildren`
 * and `ourNodeName` are that read), 'handoff' when it took the lock on its predecessor's
 * deletion without reading.
 * - After a read, only a waiter listed after us may have read the children before we were
 *   the head (a node created later reads after our read, sees us first and needs no marker):
 *   mark when our read lists a node after ours. No waiter, no write: an uncontended
 *   acquisition costs nothing extra.
 * - After a handoff we do not know who queued behind us meanwhile: mark.
 */
export function headMarkNeeded(
  acquiredBy: 'read' | 'handoff',
  sortedChildren: readonly string[],
  ourNodeName: string,
): boolean {
  if (acquiredBy === 'handoff') return true;
  const ourIndex = indexOfOurNode(sortedChildren, ourNodeName);
  return ourIndex === 0 && ourIndex + 1 < sortedChildren.length;
}

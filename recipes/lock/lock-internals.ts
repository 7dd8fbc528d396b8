/**
 * The create-and-wait loop every lock of the family shares (Curator's `LockInternals`):
 *
 * 1. create our node, protected and ephemeral-sequential, under the lock path (parents are
 *    containers, so an abandoned lock path is collected by the server);
 * 2. list the children, sort them, ask the pure decision whether we hold the lock;
 * 3. if not, leave a `getData` watch on the one node the decision names and wait for it
 *    (`getData`, not `exists`: if the node is already gone we learn it from NoNode and leave
 *    no watch behind on a path that may never exist again);
 * 4. on timeout, abort or any error, delete our own node (a guaranteed delete) so it never
 *    blocks the queue, then report.
 *
 * If our node disappears while we wait (our session was lost and a new one opened), the
 * loop creates a new node a bounded number of times: the old one can no longer hold.
 */
import {
  AbortError,
  ClosedError,
  CreateMode,
  type NodeData,
  NoNodeError,
  SessionExpiredError,
  type Stat,
  type WatchEvent,
  type ZooKitClient,
} from '../../src/index';
import { assert } from '../../src/util/assert';
import {
  grantSuccessor,
  grantTokenName,
  headMarkNeeded,
  isHeadMarked,
  type LockDecision,
  OwnNodeMissingError,
  type WatchedNodeKnowledge,
  watchedNodeChangeDecision,
} from './lock-decision';
import type { HeldNode } from './lock-handle';

/** How a lock sorts its children and decides. */
export interface LockDriver {
  /** The node name after the protection prefix (`lock-`, `__READ__`, …). */
  readonly lockName: string;
  /** Sorts the lock path's children. */
  sort(children: readonly string[]): string[];
  /** Acquired, or which node to watch; throws `OwnNodeMissingError` when ours is gone. */
  decide(sortedChildren: readonly string[], ourNodeName: string): LockDecision;
  /**
   * True for one-holder locks (the mutex, the write lock): the head handoff. A waiter takes
   * the lock on its watched predecessor's deletion without reading the children again when
   * that predecessor was the head at some moment: at our last read, or as its head marker
   * shows (a new holder rewrites its node's data once, so its data version becomes 1, when a
   * waiter may have read the children before it was the head). Sequence numbers only grow,
   * so nothing can sort before us later: the handoff costs the holder's delete and one
   * notification, no more. See `watchedNodeChangeDecision` and `headMarkNeeded`.
   */
  readonly headHandoff?: boolean;
  /**
   * True for the mutex: a holder that knows its successor releases by granting it the lock
   * (its data rewritten unchanged in the transaction that deletes ours). See `grantSuccessor`.
   */
  readonly grants?: boolean;
}

/** A holder's successor as last looked up: the node to grant and its data to write back unchanged. */
export interface SuccessorNode {
  readonly path: string;
  readonly data: Buffer;
  /** Its data version as read: the grant's setData is checked against it. */
  readonly version: number;
}

/** Our node once we hold the lock, with what we learned of our successor (see {@link LockDriver.grants}). */
export interface AcquiredNode extends HeldNode {
  /** The lookup of our successor, when one was started; resolves `undefined` for none. */
  readonly successor: Promise<SuccessorNode | undefined> | undefined;
}

/** Times a lost node is replaced within one `acquire` before giving up. */
export const NODE_RECREATIONS_MAX = 3;
/** Decision rounds within one `acquire`: each waits for a watch, so this only bounds a livelock. */
export const DECISION_ROUNDS_MAX = 100_000;
/**
 * Re-armed watches on one predecessor, per decision round: its data changes once (the head
 * marker); beyond a few changes (someone else writing it) we read the children instead.
 */
export const WATCH_REARMS_MAX = 4;

/**
 * How long a release waits for a successor lookup still in flight before it deletes without a
 * grant. The lookup is a read or two, far shorter than this; the bound only keeps a release
 * from hanging on a connection that went away meanwhile.
 */
export const GRANT_LOOKUP_WAIT_MS = 100;

/** Our node kept vanishing while we waited (sessions keep expiring). */
export class LockAcquireError extends Error {
  override readonly name = 'LockAcquireError';
}

/** Options of {@link LockInternals}. */
export interface LockInternalsOptions {
  client: ZooKitClient;
  /** The lock path (the parent of the lock nodes). */
  basePath: string;
  driver: LockDriver;
  /** Data stored in our node (Curator stores the host address; default empty). */
  data?: NodeData;
  /**
   * One-holder locks only: write the head marker into our node when a waiter may need it
   * (default true). See {@link LockDriver.headHandoff}.
   */
  headMarker?: boolean;
  /** Instrumentation: called each time we leave a watch on a predecessor, with its Stat as read. */
  onWatchSet?: (watchedPath: string, stat: Stat) => void;
  /** Instrumentation: called each time a watch we left on a predecessor fires. */
  onWatchFired?: (watchedPath: string, event: WatchEvent) => void;
  /** Instrumentation: called when we took the lock on a predecessor's deletion without reading. */
  onHandoffWithoutRead?: () => void;
  /** Instrumentation: called when our head marker was written. */
  onHeadMarked?: (path: string) => void;
  /** Release by grant when the driver allows it (default true). See {@link LockDriver.grants}. */
  grant?: boolean;
  /** Instrumentation: called when a release granted the lock to `successorPath`. */
  onGranted?: (successorPath: string) => void;
}

/** A point in time on the monotonic clock, or none. */
export type Deadline = number | undefined;

/** The deadline `timeoutMs` from now (`undefined` for none). */
export function deadlineAfter(timeoutMs: number | undefined): Deadline {
  if (timeoutMs === undefined) return undefined;
  if (!(timeoutMs >= 0)) throw new RangeError(`timeoutMs must be >= 0, got ${timeoutMs}`);
  return performance.now() + timeoutMs;
}

type WaitOutcome = 'acquired' | 'timeout' | 'missing';

/** What one of our nodes learns while it waits: whether it was granted, and its successor. */
interface NodeWait {
  /** The releasing head granted our node the lock ({@link WatchedNodeKnowledge.grantedToUs}). */
  granted: boolean;
  /** The latest read of our node for a grant (see `watchForGrant`): true when it showed one. */
  grantCheck: Promise<boolean> | undefined;
  /** The lookup of our successor, once started (grants only). */
  successor: Promise<SuccessorNode | undefined> | undefined;
}

/** Creates our node and waits for our turn. One instance serves one lock path. */
export class LockInternals {
  /** Deletions of nodes that creates in flight at an abort made afterwards. */
  private readonly cleanups = new Set<Promise<void>>();

  constructor(private readonly options: LockInternalsOptions) {}

  /** Resolves once every node an aborted acquisition's create made late is deleted. */
  async settled(): Promise<void> {
    while (this.cleanups.size > 0) await Promise.all([...this.cleanups]);
  }

  /** Our node once we hold the lock, or `undefined` at the deadline (our node deleted). */
  async attempt(deadline: Deadline, signal: AbortSignal | undefined): Promise<AcquiredNode | undefined> {
    for (let creation = 0; creation < NODE_RECREATIONS_MAX; creation++) {
      throwIfAborted(signal);
      const node = await this.createNode(signal);
      const wait: NodeWait = { granted: false, grantCheck: undefined, successor: undefined };
      let outcome: WaitOutcome;
      try {
        outcome = await this.waitForTurn(node, wait, deadline, signal);
      } catch (error) {
        this.forgetGrantToken(node.path, wait);
        await this.deleteNode(node.path);
        // The session ended under us: our node went with it; queue again with a new one.
        if (error instanceof SessionExpiredError) continue;
        throw error;
      }
      this.forgetGrantToken(node.path, wait);
      if (outcome === 'acquired') return { ...node, successor: wait.successor };
      await this.deleteNode(node.path);
      if (outcome === 'timeout') return undefined;
    }
    throw new LockAcquireError(
      `${this.options.basePath}: our lock node vanished ${NODE_RECREATIONS_MAX} times`,
    );
  }

  /**
   * Removes the `exists` watch on our grant token when the wait ended without a grant (a grant
   * fired it): the token never exists, so the watch would otherwise stay on the server for
   * the rest of the session, one per acquisition. Not awaited; a failure only leaves it there.
   */
  private forgetGrantToken(nodePath: string, wait: NodeWait): void {
    if (!this.grants() || wait.granted) return;
    this.options.client.removeWatches(grantTokenPath(nodePath), { kind: 'data' }).catch(() => undefined);
  }

  /** Deletes our node: guaranteed (retried in the background after a connection failure). */
  deleteNode(path: string): Promise<void> {
    return deleteOwnNode(this.options.client, path);
  }

  /**
   * Lets go of a node we hold: by granting the lock to our successor when we know it (one
   * transaction: its data rewritten unchanged, checked against the version we read, which
   * marks it as the head for the waiter behind it; its grant token created and deleted, which
   * tells the successor; then our node deleted), else by deleting our node. A grant that fails
   * (the successor left, its data changed, the connection) changes nothing, and the
   * guaranteed delete follows.
   */
  async release(node: AcquiredNode): Promise<void> {
    const successor = node.successor && (await settledWithin(node.successor, GRANT_LOOKUP_WAIT_MS));
    if (successor !== undefined) {
      try {
        await this.options.client
          .transaction()
          .setData(successor.path, successor.data, successor.version)
          .create(grantTokenPath(successor.path))
          .delete(grantTokenPath(successor.path))
          .delete(node.path)
          .commit();
        this.options.onGranted?.(successor.path);
        return;
      } catch {
        // Fall through: a plain delete; the successor then decides as without grants.
      }
    }
    await this.deleteNode(node.path);
  }

  /** The children of the lock path, sorted (empty when the path does not exist). */
  async sortedChildren(): Promise<string[]> {
    try {
      return this.options.driver.sort(await this.options.client.getChildren(this.options.basePath));
    } catch (error) {
      if (error instanceof NoNodeError) return [];
      throw error;
    }
  }

  private createNode(signal: AbortSignal | undefined): Promise<HeldNode> {
    const { client, basePath, driver } = this.options;
    return createProtectedEphemeral(
      client,
      `${basePath}/${driver.lockName}`,
      this.options.data,
      signal,
      (cleanup) => {
        this.cleanups.add(cleanup);
        void cleanup.finally(() => this.cleanups.delete(cleanup));
      },
    );
  }

  private async waitForTurn(
    node: HeldNode,
    wait: NodeWait,
    deadline: Deadline,
    signal: AbortSignal | undefined,
  ): Promise<WaitOutcome> {
    const ourName = nameOf(node.path);
    if (this.grants()) this.watchForGrant(node.path, wait);
    /** A read of the children already under way (see {@link watchPredecessor}). */
    let prefetched: Promise<string[]> | undefined;
    for (let round = 0; round < DECISION_ROUNDS_MAX; round++) {
      throwIfAborted(signal);
      let decision: LockDecision;
      let sorted: string[];
      try {
        sorted = await (prefetched ?? this.sortedChildren());
        decision = this.options.driver.decide(sorted, ourName);
      } catch (error) {
        if (error instanceof OwnNodeMissingError) return 'missing';
        throw error;
      }
      if (decision.acquired) {
        if (this.grants()) wait.successor = this.lookUpSuccessor(Promise.resolve(sorted), ourName);
        return this.acquired(node, () => headMarkNeeded('read', sorted, ourName));
      }
      const exclusive = this.options.driver.headHandoff === true;
      const knowledge: WatchedNodeKnowledge = {
        wasHeadAtOurRead: exclusive && sorted[0] === decision.watch,
        markedHead: false,
        grantedToUs: false,
      };
      const outcome = await this.watchPredecessor(decision.watch, ourName, knowledge, wait, deadline, signal);
      prefetched = outcome.prefetched;
      if (outcome.next === 'timeout') return 'timeout';
      if (outcome.next === 'acquire' && exclusive) {
        this.options.onHandoffWithoutRead?.();
        if (this.grants()) {
          // A successor found while we waited stays ours; none found then: look again now.
          // Started on the next turn, so the caller has its handle before this read is sent.
          const earlier = wait.successor ?? Promise.resolve(undefined);
          wait.successor = earlier
            .then(nextTurn)
            .then((found) => found ?? this.lookUpSuccessor(undefined, ourName));
        }
        // A granted node already carries the marker (its version moved with the grant).
        return this.acquired(node, () => !wait.granted && headMarkNeeded('handoff', sorted, ourName));
      }
    }
    throw new LockAcquireError(`${this.options.basePath}: no decision after ${DECISION_ROUNDS_MAX} rounds`);
  }

  /**
   * Our node is first. It must also be this session's: a node of an expired session would be
   * on its way out and cannot hold anything. For a one-holder lock, writes the head marker
   * when `markNeeded` says a waiter may need it (not awaited: it is off the handoff's path).
   */
  private acquired(node: HeldNode, markNeeded: () => boolean): WaitOutcome {
    if (node.stat.ephemeralOwner !== this.options.client.sessionId) return 'missing';
    const { driver, headMarker } = this.options;
    if (driver.headHandoff === true && headMarker !== false && markNeeded()) this.markHead(node);
    return 'acquired';
  }

  /**
   * Rewrites our node's data unchanged, checked against its version at creation: the data
   * version 1 tells our successor, which watches us with `getData`, that we were the head.
   * A failure changes nothing (the successor then reads the children on our deletion).
   */
  private markHead(node: HeldNode): void {
    const data = this.options.data ?? null;
    this.options.client.setData(node.path, data, { version: node.stat.version }).then(
      () => this.options.onHeadMarked?.(node.path),
      () => undefined,
    );
  }

  /**
   * Waits on the node `watchName` until it is deleted or the wait ends: 'acquire' when the
   * node went and {@link watchedNodeChangeDecision} says we are the head, 'read' when the
   * children must be read again (with `prefetched`, a read already under way). A data change
   * re-arms the watch on the same node (its `getData` shows whether it carries the head
   * marker), a bounded number of times. A node found gone counts as deleted.
   *
   * After a data change we cannot tell the head marker yet, and a holder that releases at
   * once deletes its node before our re-arming `getData` arrives: that `getData` then finds
   * nothing and proves nothing. So, unless the node is already known to have been the head,
   * the children are read alongside the re-arm (sent after it), and that read decides if the
   * node is gone: the handoff then costs no more than without the marker.
   */
  private async watchPredecessor(
    watchName: string,
    ourName: string,
    knowledge: WatchedNodeKnowledge,
    wait: NodeWait,
    deadline: Deadline,
    signal: AbortSignal | undefined,
  ): Promise<{ next: 'acquire' | 'read' | 'timeout'; prefetched?: Promise<string[]> }> {
    const path = `${this.options.basePath}/${watchName}`;
    const exclusive = this.options.driver.headHandoff === true;
    let readAlongside = false;
    /** Its data as created (read at data version 0): a marker rewrites exactly these bytes. */
    let original: Buffer | undefined;
    for (let arming = 0; arming < WATCH_REARMS_MAX; arming++) {
      const reconnected = nextReconnect(this.options.client);
      try {
        const watching = this.watchNode(path);
        const prefetched = readAlongside ? this.sortedChildren() : undefined;
        prefetched?.catch(() => undefined); // awaited only when used
        // The watched node's data changed: it has just become the head (granted or marked), so
        // our turn is next. Find our successor now, while it holds, for our own release.
        if (arming > 0 && this.grants() && wait.successor === undefined)
          wait.successor = this.lookUpSuccessor(prefetched, ourName);
        const watched = await watching;
        if (watched === undefined) {
          knowledge.grantedToUs = await grantedNow(wait, knowledge);
          const next = watchedNodeChangeDecision('NodeDeleted', knowledge) === 'acquire' ? 'acquire' : 'read';
          return next === 'read' && prefetched !== undefined ? { next, prefetched } : { next };
        }
        this.options.onWatchSet?.(path, watched.stat);
        // Only one-holder locks use the marker (a reader's decision does not follow the head).
        if (watched.stat.version === 0) original ??= watched.data;
        if (exclusive && isHeadMarked(watched.stat.version, watched.data, original))
          knowledge.markedHead = true;
        // A reconnect wakes us too: if the session changed meanwhile, the watch may belong to
        // the new session while our node died with the old one, and only a new look tells.
        const woken = Promise.race([watched.fired, reconnected.promise.then(() => 'reconnected' as const)]);
        const outcome = await waitFor(woken, deadline, signal);
        if (outcome === 'timeout') return { next: 'timeout' };
        const event =
          outcome === 'reconnected' || (outcome.type !== 'NodeDeleted' && outcome.type !== 'NodeDataChanged')
            ? 'other'
            : outcome.type;
        // A grant's notification on our node comes before the deletion of the one we watch,
        // and the read that tells it from another write is then already under way.
        if (event === 'NodeDeleted') knowledge.grantedToUs = await grantedNow(wait, knowledge);
        const next = watchedNodeChangeDecision(event, knowledge);
        if (next !== 'rearm') return { next };
        readAlongside = exclusive && !knowledge.wasHeadAtOurRead && !knowledge.markedHead;
      } finally {
        reconnected.dispose();
      }
    }
    return { next: 'read' };
  }

  /** True when this lock releases by grant ({@link LockDriver.grants} and the `grant` option). */
  private grants(): boolean {
    return this.options.driver.grants === true && this.options.grant !== false;
  }

  /**
   * Watches for a grant to our waiting node. The grant's transaction creates and deletes our
   * grant token ({@link grantTokenName}), whose `exists` watch fires NodeCreated before the
   * deletion of the node we watch is notified: we then take the lock on the notifications
   * alone. A data change of our node is not enough: Curator's revocation request, or anyone
   * else's write, changes a waiting node's data too, and taking that for a grant would let us
   * hold the lock when the waiter ahead of us leaves without ever having held it.
   *
   * A grant made before the token's watch was set shows in a read of our node: data version 1
   * or more with the bytes we created it with. The same read follows each data change (it
   * re-arms the watch; a grant from an older zookit sends no token), and a deletion of the node
   * we watch that comes with such a change waits for it (one round trip, as reading the
   * children would be). A grant is final; looks are bounded like the predecessor's re-arms.
   * The token's watch is removed when the wait ends without a grant ({@link forgetGrantToken}).
   */
  private watchForGrant(path: string, wait: NodeWait): void {
    const { client } = this.options;
    client
      .exists(grantTokenPath(path), {
        watch: (event: WatchEvent) => {
          if (event.type === 'NodeCreated') wait.granted = true;
        },
      })
      .catch(() => undefined); // disconnected: the read below and the wait's own reads decide
    const created = nodeDataBytes(this.options.data);
    const look = (remaining: number): void => {
      wait.grantCheck = this.options.client
        .getData(path, {
          watch: (event: WatchEvent) => {
            if (event.type === 'NodeDataChanged' && !wait.granted && remaining > 1) look(remaining - 1);
          },
        })
        .then(
          (read) => {
            if (isHeadMarked(read.stat.version, read.data, created)) wait.granted = true;
            return wait.granted;
          },
          () => false, // gone or disconnected: the wait's own reads decide
        );
    };
    look(WATCH_REARMS_MAX);
  }

  /**
   * Our successor ({@link grantSuccessor}) from `sorted` (a read under way) or a new read of the
   * children, with its data as it is now; `undefined` when there is none or anything fails
   * (we then release without a grant).
   */
  private async lookUpSuccessor(
    sorted: Promise<string[]> | undefined,
    ourName: string,
  ): Promise<SuccessorNode | undefined> {
    const { client, basePath, driver } = this.options;
    try {
      const name = grantSuccessor(await (sorted ?? this.sortedChildren()), ourName, driver.lockName);
      if (name === undefined) return undefined;
      const path = `${basePath}/${name}`;
      const read = await client.getData(path);
      return { path, data: read.data, version: read.stat.version };
    } catch {
      return undefined;
    }
  }

  /**
   * Leaves a one-shot watch on `path`: `fired` is the promise of its event (wrapped, since an
   * async function would flatten a returned promise) with the node's data and Stat as read,
   * or `undefined` if the node is gone.
   */
  private async watchNode(
    path: string,
  ): Promise<{ fired: Promise<WatchEvent>; stat: Stat; data: Buffer } | undefined> {
    let fire: (event: WatchEvent) => void = () => {};
    const fired = new Promise<WatchEvent>((resolve) => {
      fire = resolve;
    });
    let read: { data: Buffer; stat: Stat };
    try {
      read = await this.options.client.getData(path, {
        watch: (event: WatchEvent) => {
          this.options.onWatchFired?.(path, event);
          fire(event);
        },
      });
    } catch (error) {
      if (error instanceof NoNodeError) return undefined;
      throw error;
    }
    return { fired, stat: read.stat, data: read.data };
  }
}

/**
 * Whether our waiting node was granted the lock, after the read of it under way, if any; not
 * waited for when what we know of the deleted node decides already.
 */
async function grantedNow(wait: NodeWait, knowledge: WatchedNodeKnowledge): Promise<boolean> {
  if (wait.granted || wait.grantCheck === undefined) return wait.granted;
  if (knowledge.wasHeadAtOurRead || knowledge.markedHead) return false;
  return wait.grantCheck;
}

/** The grant token path of the lock node at `nodePath` ({@link grantTokenName}). */
function grantTokenPath(nodePath: string): string {
  const slash = nodePath.lastIndexOf('/');
  return `${nodePath.slice(0, slash + 1)}${grantTokenName(nodePath.slice(slash + 1))}`;
}

/** The bytes a node created with `data` holds (no data: empty). */
function nodeDataBytes(data: NodeData | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Resolves on the client's next RECONNECTED or LOST (listening starts now); `dispose()`
 * stops listening. A wait on a watch races this: after a new session the watch may belong
 * to the new session while our node died with the old one, and only a new look tells.
 */
export function nextReconnect(client: ZooKitClient): { promise: Promise<void>; dispose: () => void } {
  let listener: (state: string) => void = () => {};
  const promise = new Promise<void>((resolve) => {
    listener = (state) => {
      if (state === 'RECONNECTED' || state === 'LOST') resolve();
    };
  });
  client.on('stateChanged', listener);
  return { promise, dispose: () => client.off('stateChanged', listener) };
}

/**
 * Creates a protected ephemeral-sequential node at `path` (`<parent>/<name prefix>`), with
 * container parents. `signal` is deliberately not handed to the create: aborting a create in
 * flight cannot stop the server from committing it, and the node would then live, unknown
 * to us, until the session ends, blocking every waiter behind it. Instead the create runs to
 * its end (finding its node by protection after a lost reply) while an abort rejects at
 * once; a node that the create made after the abort is deleted (guaranteed) as it arrives.
 */
export async function createProtectedEphemeral(
  client: ZooKitClient,
  path: string,
  data: NodeData | undefined,
  signal: AbortSignal | undefined,
  onLateCleanup?: (cleanup: Promise<void>) => void,
): Promise<HeldNode> {
  throwIfAborted(signal);
  const creating = client.createWithStat(path, data ?? null, {
    mode: CreateMode.EPHEMERAL_SEQUENTIAL,
    protection: true,
    creatingParentContainersIfNeeded: true,
  });
  let created: Awaited<typeof creating> | 'timeout';
  try {
    created = await waitFor(creating, undefined, signal);
  } catch (error) {
    // Aborted (or failed): whatever the create still makes is ours to delete.
    onLateCleanup?.(
      creating.then(
        (late) => deleteOwnNode(client, late.path),
        () => undefined,
      ),
    );
    throw error;
  }
  assert(created !== 'timeout', 'a wait without a deadline does not time out');
  assert(created.stat.ephemeralOwner !== 0n, 'a lock node is ephemeral');
  return { path: created.path, stat: created.stat };
}

/**
 * Deletes a node of ours, guaranteed: after a connection failure the client keeps deleting
 * it in the background. Gone already, or the client closed (the ephemeral goes with the
 * session), is fine; anything else goes to the client's `error` event.
 */
export async function deleteOwnNode(client: ZooKitClient, path: string): Promise<void> {
  try {
    await client.delete(path, { guaranteed: true });
  } catch (error) {
    if (error instanceof NoNodeError || error instanceof ClosedError) return;
    client.emit('error', error);
  }
}

/** Throws the client's `AbortError` when `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError({ cause: signal.reason });
}

/** Waits for `event`, the deadline, or an abort (which throws). */
export async function waitFor<T>(
  event: Promise<T>,
  deadline: Deadline,
  signal: AbortSignal | undefined,
): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const racers: Promise<T | 'timeout'>[] = [event];
  if (deadline !== undefined) {
    racers.push(
      new Promise((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - performance.now()));
      }),
    );
  }
  if (signal !== undefined) {
    racers.push(
      new Promise((_resolve, reject) => {
        onAbort = () => reject(new AbortError({ cause: signal.reason }));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }),
    );
  }
  try {
    return await Promise.race(racers);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  }
}

/** Resolves with `value` on the next event-loop turn (after the current one's I/O callbacks). */
function nextTurn<T>(value: T): Promise<T> {
  return new Promise((resolve) => setImmediate(() => resolve(value)));
}

/** What `promise` resolves to if it settles within `ms`, else `undefined` (a rejection counts as `undefined`). */
async function settledWithin<T>(promise: Promise<T | undefined>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The node name of a path (the text after the last `/`). */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export type { Stat };

/**
 * `InterProcessMutex`: a re-entrant lock shared by every process using the same path
 * (Curator's recipe of the same name, same node layout: `<path>/_c_<uuid>-lock-<seq>`).
 *
 * Re-entrancy is per instance: while an instance holds the lock, its further `acquire()`
 * calls succeed at once and count; the node is deleted when every handle is released. Two
 * async tasks of one process that must exclude each other use two instances.
 *
 * Connection states: under the `standard` policy SUSPENDED means the lock may be lost (the
 * session can expire while we cannot hear about it), so every handle's `signal` fires; under
 * `session` only LOST fires it. After LOST the node is gone with the session and another
 * process may hold the lock: stop working, release the handle (a no-op delete) and acquire
 * again. An `acquire()` in progress survives SUSPENDED; if the session is lost while it
 * waits, it creates a new node (bounded) or rejects.
 */
import type { NodeData, Stat, WatchEvent, ZooKitClient } from '../../src/index';
import { assert } from '../../src/util/assert';
import { type ConnectionStateErrorPolicy, OwnershipSignal } from '../recipe-state';
import { LockNames, lockDecision, sortLockChildren } from './lock-decision';
import { type AcquireOptions, LockHandle, type OwnershipHandle, watchHeldNode } from './lock-handle';
import { type AcquiredNode, deadlineAfter, type LockDriver, LockInternals } from './lock-internals';

/** Anything `InterProcessMultiLock` can combine. */
export interface InterProcessLock {
  /** A handle, or `false` when `timeoutMs` passed first. */
  acquire(options?: AcquireOptions): Promise<OwnershipHandle | false>;
}

/** Options of the lock recipes. */
export interface LockOptions {
  /** When handles' signals fire (default `standard`: SUSPENDED and LOST). */
  policy?: ConnectionStateErrorPolicy;
  /** Data stored in our lock node (default empty). */
  data?: NodeData;
  /**
   * Write the head marker (default true): a new holder that a waiter may have queued behind
   * before it was the head rewrites its node's data unchanged (one extra write per contended
   * acquisition, not awaited), so that waiter takes the lock on its release without reading
   * the children. Off: such a waiter reads the children once per handoff.
   */
  headMarker?: boolean;
  /** Instrumentation: called each time this lock leaves a watch on a predecessor, with its Stat as read. */
  onWatchSet?: (watchedPath: string, stat: Stat) => void;
  /** Instrumentation: called each time a watch this lock left on a predecessor fires. */
  onWatchFired?: (watchedPath: string, event: WatchEvent) => void;
  /** Instrumentation: called when this lock took a handoff without reading the children. */
  onHandoffWithoutRead?: () => void;
  /** Instrumentation: called when this lock's head marker was written. */
  onHeadMarked?: (path: string) => void;
  /**
   * Release by grant (default true; the mutex only): a holder that knows its successor hands
   * it the lock in the transaction that deletes its node, by rewriting the successor's data
   * unchanged, so the successor takes the lock on the notifications alone (no read). Off: a
   * plain delete.
   */
  grant?: boolean;
  /** Instrumentation: called when a release granted the lock to `successorPath`. */
  onGranted?: (successorPath: string) => void;
}

interface Hold {
  node: AcquiredNode;
  ownership: OwnershipSignal;
  /** Handles not yet released. */
  count: number;
  /** Our node was seen deleted (or its watch ended with the session). */
  nodeGone: boolean;
}

/** The mutex driver: Curator's standard sort and predicate, one holder. */
export const mutexDriver: LockDriver = {
  lockName: LockNames.mutex,
  sort: (children) => sortLockChildren(children, LockNames.mutex),
  decide: (sortedChildren, ourNodeName) => lockDecision(sortedChildren, ourNodeName, 1),
  headHandoff: true,
  grants: true,
};

/** A re-entrant lock with any driver (the mutex, and both sides of the read/write lock). */
export class ReentrantLock implements InterProcessLock {
  private readonly internals: LockInternals;
  private readonly policy: ConnectionStateErrorPolicy;
  private hold: Hold | undefined;
  /** The acquisition in flight; later calls on this instance queue behind it. */
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: ZooKitClient,
    readonly path: string,
    driver: LockDriver,
    options: LockOptions = {},
  ) {
    this.policy = options.policy ?? 'standard';
    this.internals = new LockInternals({
      client,
      basePath: path,
      driver,
      ...(options.data === undefined ? {} : { data: options.data }),
      ...(options.headMarker === undefined ? {} : { headMarker: options.headMarker }),
      ...(options.onWatchSet === undefined ? {} : { onWatchSet: options.onWatchSet }),
      ...(options.onWatchFired === undefined ? {} : { onWatchFired: options.onWatchFired }),
      ...(options.onHandoffWithoutRead === undefined
        ? {}
        : { onHandoffWithoutRead: options.onHandoffWithoutRead }),
      ...(options.onHeadMarked === undefined ? {} : { onHeadMarked: options.onHeadMarked }),
      ...(options.grant === undefined ? {} : { grant: options.grant }),
      ...(options.onGranted === undefined ? {} : { onGranted: options.onGranted }),
    });
  }

  /**
   * Acquires the lock: a handle, or `false` when `timeoutMs` passed first. When this
   * instance already holds it, resolves at once with one more handle (re-entrant).
   */
  acquire(options: AcquireOptions = {}): Promise<LockHandle | false> {
    const deadline = deadlineAfter(options.timeoutMs);
    const run = this.inFlight.then(() => this.acquireInTurn(deadline, options.signal));
    this.inFlight = run.catch(() => undefined);
    return run;
  }

  /** True while this instance holds the lock (a hold whose node is known gone does not count). */
  isAcquiredInThisProcess(): boolean {
    return this.hold !== undefined && !this.isDead(this.hold);
  }

  /**
   * Resolves once no node of an aborted `acquire` is left: an abort rejects at once, while a
   * create already sent still makes its node, which is then deleted; this waits for that.
   */
  settled(): Promise<void> {
    return this.internals.settled();
  }

  /** Every participant's node name, in lock order (the first holds). */
  participantNodes(): Promise<string[]> {
    return this.internals.sortedChildren();
  }

  private async acquireInTurn(
    deadline: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<LockHandle | false> {
    if (this.hold !== undefined && this.isDead(this.hold)) {
      // The node is gone (session lost, or deleted): re-entering would hand out a dead
      // hold. Its handles still release it (a no-op delete); acquire anew.
      this.hold = undefined;
    }
    if (this.hold !== undefined) {
      this.hold.count += 1;
      return this.handleFor(this.hold);
    }
    const node = await this.internals.attempt(deadline, signal);
    if (node === undefined) return false;
    const ownership = new OwnershipSignal(this.client, this.policy, node.path);
    this.hold = { node, ownership, count: 1, nodeGone: false };
    // After the caller has its handle (next turn): the new holder's first moment is its own,
    // not spent encoding and sending this request. A deletion meanwhile is seen all the same.
    const hold = this.hold;
    setImmediate(() => {
      if (!hold.ownership.signal.aborted) this.watchOwnNode(hold);
    });
    return this.handleFor(this.hold);
  }

  private handleFor(hold: Hold): LockHandle {
    return new LockHandle(this.client, hold.node, hold.ownership.signal, async () => {
      assert(hold.count > 0, 'a handle is released at most once');
      hold.count -= 1;
      if (hold.count > 0) return;
      if (this.hold === hold) this.hold = undefined;
      hold.ownership.abort('released');
      await this.internals.release(hold.node);
    });
  }

  /** Fires the hold's signal if our node is deleted behind our back (an operator, or session expiry). */
  private watchOwnNode(hold: Hold): void {
    watchHeldNode(
      this.client,
      hold.node.path,
      () => !hold.ownership.signal.aborted,
      (reason) => {
        hold.nodeGone = true;
        hold.ownership.abort(reason);
      },
    );
  }

  /**
   * True when a hold's node is known to be gone: deleted, or an ephemeral of a session that
   * is no longer ours. Not the signal's reason: under the `standard` policy SUSPENDED fires
   * first and stays the reason even when LOST follows, and a SUSPENDED hold may still live.
   */
  private isDead(hold: Hold): boolean {
    return hold.nodeGone || hold.node.stat.ephemeralOwner !== this.client.sessionId;
  }
}

/** Curator's `InterProcessMutex`: a re-entrant (per instance) lock on `path`. */
export class InterProcessMutex extends ReentrantLock {
  constructor(client: ZooKitClient, path: string, options: LockOptions = {}) {
    super(client, path, mutexDriver, options);
  }
}

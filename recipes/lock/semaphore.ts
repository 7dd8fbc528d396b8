/**
 * `InterProcessSemaphoreV2`: at most `maxLeases` holders at once across processes
 * (Curator's recipe, same layout, so Java and Node share leases):
 * `<path>/locks` holds a mutex that serializes lease creation, and `<path>/leases` holds one
 * protected ephemeral-sequential `lease-` node per lease.
 *
 * To acquire: take the internal mutex, create our lease, then, still holding the mutex,
 * wait until at most `maxLeases` leases exist (a children watch on `leases`), and release
 * the mutex. Only the one process holding the mutex watches the leases, and every other
 * waiter watches its predecessor in the mutex queue: a returned lease wakes one waiter.
 * So at most `maxLeases + 1` lease nodes exist, the extra one the mutex holder's.
 *
 * The internal mutex node and our lease are ephemerals of one session. If that session
 * ends while we wait, both are gone, and the whole attempt starts again from the mutex
 * (Curator's "retry due to missing node"): a new lease made without holding the mutex
 * would break the bound above, and with `maxLeases + 2` leases two waiters can each wait
 * for the other forever once a holder leaves.
 *
 * `InterProcessSemaphoreMutex` is this with one lease: a mutex that is not re-entrant (a
 * second `acquire` on the same instance waits like anyone else).
 *
 * Connection states: as {@link InterProcessMutex}. A lease node dies with its session;
 * after LOST the lease is gone and another process may take it.
 */
import { NoNodeError, SessionExpiredError, type WatchEvent, type ZooKitClient } from '../../src/index';
import { assert } from '../../src/util/assert';
import { type ConnectionStateErrorPolicy, OwnershipSignal } from '../recipe-state';
import { LockNames, leaseDecision } from './lock-decision';
import { type AcquireOptions, type HeldNode, LockHandle, watchHeldNode } from './lock-handle';
import {
  createProtectedEphemeral,
  type Deadline,
  deadlineAfter,
  LockAcquireError,
  LockInternals,
  nextReconnect,
  throwIfAborted,
  waitFor,
} from './lock-internals';
import { type InterProcessLock, type LockOptions, mutexDriver } from './mutex';

/** Times one `acquire` starts again from the internal mutex after its session ended. */
const LEASE_ATTEMPTS_MAX = 3;
/** Lease checks within one `acquire`: each waits for a watch, so this only bounds a livelock. */
const LEASE_ROUNDS_MAX = 100_000;

/** Curator's `InterProcessSemaphoreV2`: `maxLeases` leases shared by every process on `path`. */
export class InterProcessSemaphoreV2 implements InterProcessLock {
  private readonly internalLock: LockInternals;
  private readonly leasesPath: string;
  private readonly policy: ConnectionStateErrorPolicy;

  constructor(
    private readonly client: ZooKitClient,
    readonly path: string,
    readonly maxLeases: number,
    private readonly options: LockOptions = {},
  ) {
    if (!Number.isInteger(maxLeases) || maxLeases < 1)
      throw new RangeError(`maxLeases must be a positive integer, got ${maxLeases}`);
    this.policy = options.policy ?? 'standard';
    this.leasesPath = `${path}/${LockNames.leasesFolder}`;
    this.internalLock = new LockInternals({
      client,
      basePath: `${path}/${LockNames.locksFolder}`,
      driver: mutexDriver,
      ...(options.headMarker === undefined ? {} : { headMarker: options.headMarker }),
      ...(options.onWatchFired === undefined ? {} : { onWatchFired: options.onWatchFired }),
    });
  }

  /** A lease, or `false` when `timeoutMs` passed first. */
  async acquire(options: AcquireOptions = {}): Promise<LockHandle | false> {
    const deadline = deadlineAfter(options.timeoutMs);
    for (let attempt = 0; attempt < LEASE_ATTEMPTS_MAX; attempt++) {
      const outcome = await this.attemptLease(deadline, options.signal);
      if (outcome !== 'sessionEnded') return outcome;
    }
    throw new LockAcquireError(`${this.path}: our session ended ${LEASE_ATTEMPTS_MAX} times while we queued`);
  }

  /**
   * One attempt under the internal mutex: a lease, `false` at the deadline, or
   * 'sessionEnded' when the session that held our mutex node ended (the node is gone, so
   * the caller must queue on the mutex again before making another lease).
   */
  private async attemptLease(
    deadline: Deadline,
    signal: AbortSignal | undefined,
  ): Promise<LockHandle | false | 'sessionEnded'> {
    const lockNode = await this.internalLock.attempt(deadline, signal);
    if (lockNode === undefined) return false;
    let lease: HeldNode | undefined;
    try {
      lease = await this.createLease(signal);
      // A lease of another session than the mutex node's means that session ended between
      // the two: the mutex node is gone, and this lease was made without holding it.
      if (lease.stat.ephemeralOwner !== lockNode.stat.ephemeralOwner) return 'sessionEnded';
      const outcome = await this.waitForLease(lease, deadline, signal);
      if (outcome === 'acquired') {
        const handle = this.handleFor(lease);
        lease = undefined; // the handle owns it now
        return handle;
      }
      return outcome === 'timeout' ? false : 'sessionEnded';
    } catch (error) {
      // A request that waited for a connection failed with the session: as a vanished lease.
      if (error instanceof SessionExpiredError) return 'sessionEnded';
      throw error;
    } finally {
      if (lease !== undefined) await this.internalLock.deleteNode(lease.path);
      await this.internalLock.release(lockNode);
    }
  }

  /** The current lease node names (unordered). */
  async participantNodes(): Promise<string[]> {
    try {
      return await this.client.getChildren(this.leasesPath);
    } catch (error) {
      if (error instanceof NoNodeError) return [];
      throw error;
    }
  }

  private createLease(signal: AbortSignal | undefined): Promise<HeldNode> {
    return createProtectedEphemeral(
      this.client,
      `${this.leasesPath}/${LockNames.lease}`,
      this.options.data,
      signal,
    );
  }

  private async waitForLease(
    lease: HeldNode,
    deadline: Deadline,
    signal: AbortSignal | undefined,
  ): Promise<'acquired' | 'timeout' | 'missing'> {
    const ourName = lease.path.slice(lease.path.lastIndexOf('/') + 1);
    for (let round = 0; round < LEASE_ROUNDS_MAX; round++) {
      throwIfAborted(signal);
      let fire: (event: WatchEvent) => void = () => {};
      const changed = new Promise<WatchEvent>((resolve) => {
        fire = resolve;
      });
      // Like the lock wait, a reconnect wakes us too: after a new session our lease may be
      // gone while the children watch lives on in the new session, and only a new look tells.
      const reconnected = nextReconnect(this.client);
      try {
        const leases = await this.client.getChildren(this.leasesPath, {
          watch: (event: WatchEvent) => fire(event),
        });
        const decision = leaseDecision(leases, ourName, this.maxLeases);
        if (decision === 'acquired')
          return lease.stat.ephemeralOwner === this.client.sessionId ? 'acquired' : 'missing';
        if (decision === 'missing') return 'missing';
        const woken = Promise.race([changed, reconnected.promise]);
        if ((await waitFor(woken, deadline, signal)) === 'timeout') return 'timeout';
      } finally {
        reconnected.dispose();
      }
    }
    throw new Error(`${this.path}: no lease decision after ${LEASE_ROUNDS_MAX} rounds`);
  }

  /**
   * The handle of a lease we hold. Its node is watched: deleted behind our back, the lease no
   * longer counts and another process may take it, so the signal fires (`nodeDeleted`).
   */
  private handleFor(lease: HeldNode): LockHandle {
    const ownership = new OwnershipSignal(this.client, this.policy, lease.path);
    watchHeldNode(
      this.client,
      lease.path,
      () => !ownership.signal.aborted,
      (reason) => ownership.abort(reason),
    );
    return new LockHandle(this.client, lease, ownership.signal, async () => {
      ownership.abort('released');
      await this.internalLock.deleteNode(lease.path);
    });
  }
}

/** Curator's `InterProcessSemaphoreMutex`: a one-lease semaphore, a mutex that is not re-entrant. */
export class InterProcessSemaphoreMutex implements InterProcessLock {
  private readonly semaphore: InterProcessSemaphoreV2;

  constructor(client: ZooKitClient, path: string, options: LockOptions = {}) {
    this.semaphore = new InterProcessSemaphoreV2(client, path, 1, options);
    assert(this.semaphore.maxLeases === 1, 'a semaphore mutex has one lease');
  }

  /** The lock, or `false` when `timeoutMs` passed first. Not re-entrant. */
  acquire(options: AcquireOptions = {}): Promise<LockHandle | false> {
    return this.semaphore.acquire(options);
  }
}

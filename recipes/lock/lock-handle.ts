/**
 * What a holder gets back from `acquire()`: the proof of holding a lock, a lease or
 * leadership, with the three tools that make holding it safe to act on:
 * - `signal`: an `AbortSignal` that fires when the hold may be over (LOST, SUSPENDED under
 *   the `standard` policy, our node deleted, or released). Pass it to the work you do under
 *   the lock and stop when it fires.
 * - `fencingToken`: the lock node's czxid. ZooKeeper assigns zxids in commit order and a new
 *   holder's node is always created after the previous holder's, so tokens strictly
 *   increase across holders: a storage service that remembers the largest token it has
 *   seen can refuse a write from a holder that was paused past its session.
 * - `transaction()`: a client transaction that starts with a `check` of our lock node, so it
 *   commits only while the node, and so the hold, still exists.
 */
import {
  NoNodeError,
  type Stat,
  type Transaction,
  type WatchEvent,
  type ZooKitClient,
} from '../../src/index';
import { assert } from '../../src/util/assert';
import type { LossReason } from '../recipe-state';

/** Options of every `acquire`. */
export interface AcquireOptions {
  /** Give up after this long and resolve `false` (default: wait as long as it takes). */
  timeoutMs?: number;
  /** Abort waiting: `acquire` rejects with the client's `AbortError` and deletes our node. */
  signal?: AbortSignal;
}

/** A held lock, lease or leadership. Release it exactly once; `await using` does. */
export interface OwnershipHandle extends AsyncDisposable {
  /** Our node's path. */
  readonly path: string;
  /** The node's czxid: strictly increasing across successive holders. */
  readonly fencingToken: bigint;
  /** Fires when the hold may be over; its reason is an `OwnershipLostError`. */
  readonly signal: AbortSignal;
  /** True once `release()` was called on this handle. */
  readonly released: boolean;
  /** A transaction that commits only while we still hold (a `check` of our node comes first). */
  transaction(): Transaction;
  /** Adds the `check` of our node(s) to `transaction` and returns it. */
  guard(transaction: Transaction): Transaction;
  /** Lets go. Idempotent per handle. */
  release(): Promise<void>;
}

/** The parts of a hold a {@link LockHandle} reports. */
export interface HeldNode {
  /** Our node's path. */
  path: string;
  /** Our node's Stat at creation (czxid is the fencing token; its owner tells our session). */
  stat: Stat;
}

/** One holder's handle on a node; several handles may share a node (re-entrant acquires). */
export class LockHandle implements OwnershipHandle {
  private releasedFlag = false;

  /** `onRelease` is called once, on the first `release()`. */
  constructor(
    private readonly client: ZooKitClient,
    private readonly node: HeldNode,
    readonly signal: AbortSignal,
    private readonly onRelease: () => Promise<void>,
  ) {
    assert(node.stat.czxid > 0n, 'a created node has a positive czxid');
  }

  get path(): string {
    return this.node.path;
  }

  get fencingToken(): bigint {
    return this.node.stat.czxid;
  }

  get released(): boolean {
    return this.releasedFlag;
  }

  transaction(): Transaction {
    return this.guard(this.client.transaction());
  }

  guard(transaction: Transaction): Transaction {
    // Any version (-1): a holder rewrites its node's data once (the head marker, not
    // awaited), so the version at creation may be stale. The path alone names the hold: a
    // protected name carries a random UUID, so no later node has it.
    return transaction.check(this.node.path, -1);
  }

  async release(): Promise<void> {
    if (this.releasedFlag) return;
    this.releasedFlag = true;
    await this.onRelease();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }
}

/**
 * A handle over several holds (a multi-lock): its signal fires when any of them may be
 * lost, its transaction checks every node, and its fencing token is the first hold's.
 */
export class CompositeHandle implements OwnershipHandle {
  readonly signal: AbortSignal;
  private releasedFlag = false;

  constructor(
    private readonly client: ZooKitClient,
    readonly handles: readonly OwnershipHandle[],
  ) {
    assert(handles.length > 0, 'a composite handle holds at least one hold');
    this.signal = AbortSignal.any(handles.map((handle) => handle.signal));
  }

  get path(): string {
    return this.first().path;
  }

  get fencingToken(): bigint {
    return this.first().fencingToken;
  }

  /** Every hold's fencing token, in lock order. */
  get fencingTokens(): bigint[] {
    return this.handles.map((handle) => handle.fencingToken);
  }

  get released(): boolean {
    return this.releasedFlag;
  }

  transaction(): Transaction {
    return this.guard(this.client.transaction());
  }

  guard(transaction: Transaction): Transaction {
    for (const handle of this.handles) handle.guard(transaction);
    return transaction;
  }

  /** Releases every hold in reverse order; every release is attempted, the first failure is rethrown. */
  async release(): Promise<void> {
    if (this.releasedFlag) return;
    this.releasedFlag = true;
    let failure: unknown;
    for (const handle of [...this.handles].reverse()) {
      try {
        await handle.release();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }

  private first(): OwnershipHandle {
    const first = this.handles[0];
    assert(first !== undefined, 'a composite handle holds at least one hold');
    return first;
  }
}

/** Why a watched held node is gone: deleted, its session ended, or the client closed. */
export type HeldNodeGone = Extract<LossReason, 'nodeDeleted' | 'LOST' | 'closed'>;

/**
 * Watches a held node (our lock node, lease or latch node) until it is gone: `onGone` runs
 * once, with `nodeDeleted` when the node is deleted behind our back (an operator, a cleanup
 * script) or found missing, with `LOST` when the watch ended with the session (the server
 * deleted the ephemeral) and with `closed` when the client closed. A data change (Curator's
 * revocation request) re-arms the watch while `holding()` is true. Other failures (the
 * connection) are left to the connection-state policy. Not awaited by callers.
 */
export function watchHeldNode(
  client: ZooKitClient,
  path: string,
  holding: () => boolean,
  onGone: (reason: HeldNodeGone) => void,
): void {
  client
    .getData(path, {
      watch: (event: WatchEvent) => {
        if (event.type === 'NodeDeleted') onGone('nodeDeleted');
        else if (event.type === 'NotWatching') onGone(event.reason === 'closed' ? 'closed' : 'LOST');
        else if (holding()) watchHeldNode(client, path, holding, onGone);
      },
    })
    .catch((error: unknown) => {
      if (error instanceof NoNodeError) onGone('nodeDeleted');
    });
}

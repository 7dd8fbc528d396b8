/**
 * `LeaderLatch`: among all latches on a path, exactly one is the leader (Curator's recipe,
 * same layout: `<path>/_c_<uuid>-latch-<seq>`, so Java and Node latches elect one leader).
 *
 * Each latch creates a protected ephemeral-sequential node. The node sorting first leads,
 * once the latch has checked that the node is owned by its current session (a node of an
 * earlier session must never make a leader). Every other latch watches only its
 * predecessor (`getData`), so a leader's departure wakes one latch.
 *
 * Connection states:
 * - SUSPENDED: under the `standard` policy leadership is dropped at once (`notLeader`, the
 *   term's signal fires): while disconnected we cannot know whether our session survives.
 *   Under `session` the leader keeps leading until LOST.
 * - RECONNECTED: the latch checks again; with the same session and node still first, it
 *   leads again (a new term, same fencing token). After a new session its node is gone and
 *   it re-enters the election with a new node.
 * - LOST: leadership is dropped; the node died with the session.
 *
 * The leader watches its own node: deleted behind its back, leadership ends at once
 * (`nodeDeleted`) and the latch re-enters with a new node.
 *
 * `isLeader` and `notLeader` fire only on a change. `close()` leaves the election (and fires
 * `notLeader` if leading).
 */
import { EventEmitter } from 'eventemitter3';
import {
  AbortError,
  CreateMode,
  NoNodeError,
  type Stat,
  type WatchEvent,
  type ZooKitClient,
} from '../../src/index';
import { assert } from '../../src/util/assert';
import { LockNames, sortLockChildren } from '../lock/lock-decision';
import { LockHandle, type OwnershipHandle, watchHeldNode } from '../lock/lock-handle';
import { deadlineAfter, waitFor } from '../lock/lock-internals';
import {
  type ConnectionStateErrorPolicy,
  isErrorState,
  OwnershipSignal,
  type RecipeConnectionState,
  RecipeLifecycle,
} from '../recipe-state';
import { latchDecision } from './leader-decision';

/** Events of {@link LeaderLatch}. */
export interface LeaderLatchEvents {
  [key: string]: unknown[];
  /** This latch became the leader. */
  isLeader: [];
  /** This latch stopped being the leader. */
  notLeader: [];
  /** A background check failed; the next connection-state change retries. */
  error: [error: unknown];
  /** The latch closed (wakes `await`). */
  closed: [];
}

/** Options of {@link LeaderLatch}. */
export interface LeaderLatchOptions {
  /** Stored in our node, for `participants()` (default empty). */
  id?: string;
  /** When leadership is dropped (default `standard`: on SUSPENDED and LOST). */
  policy?: ConnectionStateErrorPolicy;
}

/** Options of `await`. */
export interface LatchAwaitOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** One participant of an election. */
export interface Participant {
  id: string;
  nodeName: string;
  isLeader: boolean;
}

type Work = 'none' | 'check' | 'reset';

/** One period of leadership: its signal and the handle given to the leader. */
interface LeaderTerm {
  ownership: OwnershipSignal;
  handle: LockHandle;
}

/** Curator's `LeaderLatch`. */
export class LeaderLatch extends EventEmitter<LeaderLatchEvents> implements AsyncDisposable {
  private readonly lifecycle = new RecipeLifecycle('LeaderLatch');
  private readonly policy: ConnectionStateErrorPolicy;
  private ourNode: { path: string; stat: Stat } | undefined;
  private term: LeaderTerm | undefined;
  private wanted: Work = 'none';
  private working: Promise<void> | undefined;
  private readonly onState = (state: RecipeConnectionState): void => this.handleState(state);

  constructor(
    private readonly client: ZooKitClient,
    readonly path: string,
    private readonly options: LeaderLatchOptions = {},
  ) {
    super();
    this.policy = options.policy ?? 'standard';
  }

  /** Joins the election. Resolves after the first check (errors go to the `error` event). */
  async start(): Promise<void> {
    this.lifecycle.start();
    this.client.on('stateChanged', this.onState);
    this.schedule('reset');
    await this.working;
  }

  /** True while this latch leads. */
  hasLeadership(): boolean {
    return this.term !== undefined;
  }

  /** The current term's handle (signal, fencing token, guarded transaction), while leading. */
  get leadership(): OwnershipHandle | undefined {
    return this.term?.handle;
  }

  /** Our node's path, once created. */
  get ourPath(): string | undefined {
    return this.ourNode?.path;
  }

  /**
   * Waits for leadership: `true` once leader, `false` at `timeoutMs` or when the latch
   * closes. Rejects with `AbortError` when `signal` fires.
   */
  async await(options: LatchAwaitOptions = {}): Promise<boolean> {
    this.lifecycle.requireStarted('await');
    if (this.hasLeadership()) return true;
    const deadline = deadlineAfter(options.timeoutMs);
    let onChange: () => void = () => {};
    const changed = new Promise<void>((resolve) => {
      onChange = resolve;
    });
    this.on('isLeader', onChange);
    this.on('closed', onChange);
    try {
      const outcome = await waitFor(changed, deadline, options.signal);
      return outcome !== 'timeout' && this.hasLeadership();
    } finally {
      this.off('isLeader', onChange);
      this.off('closed', onChange);
    }
  }

  /** Every participant in election order, the first leading. */
  async participants(): Promise<Participant[]> {
    let children: string[];
    try {
      children = sortLockChildren(await this.client.getChildren(this.path), LockNames.latch);
    } catch (error) {
      if (error instanceof NoNodeError) return [];
      throw error;
    }
    const participants: Participant[] = [];
    for (const [index, nodeName] of children.entries()) {
      try {
        const { data } = await this.client.getData(`${this.path}/${nodeName}`);
        participants.push({ id: data.toString('utf8'), nodeName, isLeader: index === 0 });
      } catch (error) {
        if (!(error instanceof NoNodeError)) throw error;
      }
    }
    return participants;
  }

  /** Leaves the election: drops leadership (firing `notLeader` if leading) and deletes our node. */
  async close(): Promise<void> {
    if (!this.lifecycle.close()) return;
    this.client.off('stateChanged', this.onState);
    this.setLeadership(false, 'closed');
    this.emit('closed');
    await this.working?.catch(() => undefined);
    await this.deleteOurNode();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // -------------------------------------------------------------------------------------

  private handleState(state: RecipeConnectionState): void {
    if (!this.lifecycle.started) return;
    if (isErrorState(this.policy, state)) this.setLeadership(false, state === 'LOST' ? 'LOST' : 'SUSPENDED');
    if (state === 'RECONNECTED' || state === 'CONNECTED') this.schedule('check');
  }

  /** Queues work; one runner drains it, so checks never overlap. A reset subsumes a check. */
  private schedule(work: 'check' | 'reset'): void {
    if (!this.lifecycle.started) return;
    if (work === 'reset' || this.wanted === 'none') this.wanted = work;
    this.working ??= this.drain().finally(() => {
      this.working = undefined;
    });
  }

  private async drain(): Promise<void> {
    // Each round answers one event; this bound only stops a livelock from spinning forever.
    for (let round = 0; round < 10_000 && this.wanted !== 'none' && this.lifecycle.started; round++) {
      const work = this.wanted;
      this.wanted = 'none';
      try {
        if (work === 'reset') await this.reset();
        else await this.check();
      } catch (error) {
        // Connection trouble: the next RECONNECTED schedules a check again.
        this.emit('error', error);
      }
    }
  }

  private async reset(): Promise<void> {
    this.setLeadership(false, 'nodeDeleted');
    await this.deleteOurNode();
    const created = await this.client.createWithStat(
      `${this.path}/${LockNames.latch}`,
      this.options.id ?? '',
      {
        mode: CreateMode.EPHEMERAL_SEQUENTIAL,
        protection: true,
        creatingParentContainersIfNeeded: true,
      },
    );
    this.ourNode = { path: created.path, stat: created.stat };
    if (!this.lifecycle.started) {
      await this.deleteOurNode();
      return;
    }
    await this.check();
  }

  private async check(): Promise<void> {
    const node = this.ourNode;
    if (node === undefined) return this.schedule('reset');
    const ourName = node.path.slice(node.path.lastIndexOf('/') + 1);
    const children = await this.client.getChildren(this.path);
    // An ephemeral's owner never changes, so the Stat from our create answers "is it this
    // session's?" as well as a fresh read would, without a round trip on every leadership
    // change: a node of an earlier session has that session's id and means reset.
    const decision = latchDecision(children, ourName, node.stat.ephemeralOwner, this.client.sessionId);
    if (decision.kind === 'reset') return this.schedule('reset');
    if (decision.kind === 'leader') return this.setLeadership(true, 'released');
    this.setLeadership(false, 'nodeDeleted');
    await this.watchPredecessor(`${this.path}/${decision.watch}`);
  }

  private async watchPredecessor(path: string): Promise<void> {
    try {
      await this.client.getData(path, {
        // Any event (deleted, changed, or NotWatching after a session loss) means: look again.
        watch: (_event: WatchEvent) => this.schedule('check'),
      });
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
      this.schedule('check'); // gone before we could watch it: look again
    }
  }

  private setLeadership(
    leader: boolean,
    reason: 'released' | 'SUSPENDED' | 'LOST' | 'closed' | 'nodeDeleted',
  ): void {
    if (leader === this.hasLeadership()) return;
    if (leader) {
      if (!this.lifecycle.started) return; // closed while the check ran
      const node = this.ourNode;
      assert(node !== undefined, 'a leader has a node');
      const ownership = new OwnershipSignal(this.client, this.policy, node.path);
      const handle = new LockHandle(this.client, node, ownership.signal, () => this.close());
      const term = { ownership, handle };
      this.term = term;
      this.watchOurNode(term, node.path);
      this.emit('isLeader');
      return;
    }
    const term = this.term;
    assert(term !== undefined, 'only a leader loses leadership');
    this.term = undefined;
    term.ownership.abort(reason);
    this.emit('notLeader');
  }

  /**
   * While leading, watches our own node: deleted behind our back (an operator, a cleanup
   * script), it no longer holds the election — the latch behind it is taking over on the same
   * deletion — so leadership ends at once (`nodeDeleted`) and the latch re-enters with a new
   * node. Curator's latch does not watch its own node and would lead on beside the new leader.
   * A data change (Curator's revocation request) only re-arms the watch.
   */
  private watchOurNode(term: LeaderTerm, path: string): void {
    watchHeldNode(
      this.client,
      path,
      () => this.term === term,
      (reason) => {
        if (this.term !== term) return;
        this.setLeadership(false, reason);
        this.schedule('check');
      },
    );
  }

  private async deleteOurNode(): Promise<void> {
    const node = this.ourNode;
    this.ourNode = undefined;
    if (node === undefined) return;
    try {
      await this.client.delete(node.path, { guaranteed: true });
    } catch (error) {
      if (error instanceof NoNodeError || error instanceof AbortError) return;
      if (this.listenerCount('error') > 0) this.emit('error', error);
    }
  }
}

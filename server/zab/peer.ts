/**
 * One ZooKeeper server's quorum protocol as a pure, synchronous state machine (etcd-io/raft's
 * `RawNode`): messages and ticks in; through {@link Peer.ready}, log writes and epochs to
 * persist, messages to send and committed txns to apply out. No sockets, files, timers,
 * clock or randomness of its own: time is `tick()`, randomness is `config.random`.
 *
 * Roles (role.ts): LOOKING runs fast leader election (election.ts); the winner becomes
 * LEADING (leader.ts), the others FOLLOWING or OBSERVING (learner.ts). Every role falls
 * back to LOOKING through {@link Peer.becomeLooking}; other transitions are bugs.
 *
 * Commit and apply: `committedZxid` only grows; `Ready.committed` hands out the log entries
 * up to it, in order, exactly once. A txn that no quorum acknowledged is never applied, so
 * a TRUNC never takes back anything a client could have seen.
 */
import { assert } from '../../src/util/assert';
import type { PeerCore } from './core';
import { FastLeaderElection, isEmptyHistory, NO_VOTE } from './election';
import { ProposalDroppedError } from './errors';
import { Leader, type LearnerCounts } from './leader';
import { Learner } from './learner';
import { ZabLog } from './log';
import type { LogEntry, SessionTouch, Snapshot, Vote, ZabMessage } from './messages';
import { allMembers, canLead, isVoter, validateMembership } from './quorum';
import {
  defaultElectionTicks,
  type ForwardedRequest,
  type HardState,
  type PeerConfig,
  type PersistentState,
  type Ready,
} from './ready';
import { assertTransition, Role, roleName } from './role';
import { formatZxid } from './zxid';

/** Queued outputs kept bounded: a runtime that never calls ready() is a bug. */
const queuedMessagesMax = 1_000_000;

/** A ZAB peer. */
export class Peer implements PeerCore {
  readonly log: ZabLog;
  private currentRole: Role = Role.LOOKING;
  private ticks = 0;
  private hard: HardState;
  private hardDirty = false;
  private committed: bigint;
  private applied: bigint;
  private readonly election: FastLeaderElection;
  private leaderState: Leader | undefined;
  private learnerState: Learner | undefined;
  private outbox: ZabMessage[] = [];
  private requests: ForwardedRequest[] = [];
  private sessionTouches: SessionTouch[] = [];
  private syncsReleased: number[] = [];
  private syncsFailed: number[] = [];
  private nextSyncId = 1;
  private inFlight: Ready | undefined;
  private readiesCut = 0;
  /** Readies advanced before their entries were durable, oldest first (advance(ready, false)). */
  private unpersisted: { ready: Ready; leader: Leader | undefined }[] = [];

  constructor(
    readonly config: PeerConfig,
    state: PersistentState,
  ) {
    validateMembership(config.membership);
    assert(allMembers(config.membership).includes(config.id), `server ${config.id} is a member`);
    assert(config.initLimit >= 1 && config.syncLimit >= 1, 'initLimit and syncLimit are at least one tick');
    assert(
      state.hardState.currentEpoch <= state.hardState.acceptedEpoch,
      'currentEpoch never passes acceptedEpoch',
    );
    this.hard = state.hardState;
    this.log = new ZabLog(state.snapshotZxid, state.entries);
    // Only the snapshot is known committed after a restart; the log tail waits for a leader.
    this.committed = state.snapshotZxid;
    this.applied = state.snapshotZxid;
    this.election = new FastLeaderElection({
      self: config.id,
      membership: config.membership,
      ...defaultElectionTicks,
      ...config.election,
    });
    this.startElection();
  }

  // ---- read-only state -------------------------------------------------------------------

  /** The current role. */
  get role(): Role {
    return this.currentRole;
  }
  /** Ticks since start. */
  get tickCount(): number {
    return this.ticks;
  }
  get acceptedEpoch(): number {
    return this.hard.acceptedEpoch;
  }
  get currentEpoch(): number {
    return this.hard.currentEpoch;
  }
  get committedZxid(): bigint {
    return this.committed;
  }
  get appliedZxid(): bigint {
    return this.applied;
  }
  /** Readies cut so far. */
  get readyCount(): number {
    return this.readiesCut;
  }
  /** Forwarded requests waiting for the next Ready. */
  get queuedRequestCount(): number {
    return this.requests.length;
  }
  /** The vote of the last finished election, or the current proposal while LOOKING. */
  get vote(): Vote {
    return this.election.proposal;
  }
  /** The leader this peer follows or observes (itself when leading); undefined while LOOKING. */
  get leader(): number | undefined {
    if (this.leaderState !== undefined) return this.config.id;
    return this.learnerState?.leader;
  }
  /** True when this peer may serve clients: an established leader or an up-to-date learner. */
  get serving(): boolean {
    return this.leaderState?.serving ?? this.learnerState?.serving ?? false;
  }
  /** The leader's phase or the learner's phase, for status output. */
  get phase(): string {
    return this.leaderState?.phase ?? this.learnerState?.phase ?? 'election';
  }
  /** The epoch a leader is establishing or leads. */
  get leaderEpoch(): number | undefined {
    return this.leaderState?.epoch;
  }
  /** A leader's learner counts (`mntr`); undefined unless leading. */
  get learnerCounts(): LearnerCounts | undefined {
    return this.leaderState?.learnerCounts;
  }
  /** Learners a leader considers in broadcast. */
  get syncedLearners(): number[] {
    return this.leaderState?.syncedLearners ?? [];
  }

  // ---- inputs ----------------------------------------------------------------------------

  /** Handles one message addressed to this peer. */
  step(message: ZabMessage): void {
    this.assertNoReadyInFlight();
    assert(message.to === this.config.id, `message for ${message.to} delivered to ${this.config.id}`);
    if (message.from === this.config.id || !allMembers(this.config.membership).includes(message.from)) return;
    if (message.kind === 'notification') {
      this.stepNotification(message);
      return;
    }
    if (this.leaderState !== undefined) this.leaderState.step(message);
    else if (this.learnerState !== undefined) this.learnerState.step(message);
  }

  private stepNotification(message: ZabMessage & { kind: 'notification' }): void {
    if (this.currentRole === Role.LOOKING) {
      const output = this.election.receive(message);
      this.outbox.push(...output.send);
      if (output.decided !== undefined) this.decide(output.decided);
      return;
    }
    // Past the election: tell a LOOKING peer whom we follow, so it can join us.
    if (message.state === Role.LOOKING)
      this.outbox.push(this.election.notification(message.from, this.currentRole));
  }

  /** Advances logical time by one tick. */
  tick(): void {
    this.assertNoReadyInFlight();
    this.ticks++;
    if (this.currentRole === Role.LOOKING) {
      const output = this.election.tick();
      this.outbox.push(...output.send);
      if (output.decided !== undefined) this.decide(output.decided);
    } else if (this.leaderState !== undefined) {
      this.leaderState.tick();
    } else if (this.learnerState !== undefined) {
      this.learnerState.tick();
    }
  }

  /**
   * Proposes a txn (encoded TxnEntry bytes) on the serving leader; returns its zxid. The
   * caller prepared the txn for {@link nextZxid}. Throws {@link ProposalDroppedError}
   * anywhere else.
   */
  propose(data: Buffer): bigint {
    this.assertNoReadyInFlight();
    if (this.leaderState === undefined || !this.leaderState.serving) {
      throw new ProposalDroppedError(`server ${this.config.id} is not a serving leader`);
    }
    const zxid = this.leaderState.propose(data);
    if (zxid === undefined) throw new ProposalDroppedError('the epoch ran out of zxids');
    return zxid;
  }

  /**
   * The zxid the next {@link propose} will get (the runtime's PREP needs it first):
   * `epoch << 32 | counter`, the counter restarting at 1 in each epoch, whatever epoch the
   * last logged txn is of. Undefined unless this peer is a serving leader.
   */
  get nextZxid(): bigint | undefined {
    if (this.leaderState === undefined || !this.leaderState.serving) return undefined;
    const zxid = this.leaderState.nextZxid;
    assert(zxid > this.log.lastZxid, 'the next zxid follows every logged one');
    return zxid;
  }

  /**
   * A client's `sync`: returns an id that a later {@link Ready.syncs} releases once this
   * server has applied every txn the leader had proposed when the sync reached it (a learner
   * forwards it to the leader; the leader answers after those proposals commit). If the
   * leader is lost first, the id comes back in {@link Ready.failedSyncs}. Throws
   * {@link ProposalDroppedError} unless this peer serves.
   */
  sync(): number {
    this.assertNoReadyInFlight();
    const id = this.nextSyncId;
    let accepted = false;
    if (this.leaderState?.serving === true) accepted = this.leaderState.syncLocal(id);
    else if (this.learnerState !== undefined) accepted = this.learnerState.requestSync(id);
    if (!accepted) throw new ProposalDroppedError(`server ${this.config.id} cannot take a sync now`);
    assert(this.serving, 'only a serving peer holds a sync');
    this.nextSyncId = this.nextSyncId >= Number.MAX_SAFE_INTEGER ? 1 : this.nextSyncId + 1;
    return id;
  }

  /** Forwards a write from a learner's client to the leader (REQUEST). */
  forward(data: Buffer): void {
    this.assertNoReadyInFlight();
    if (this.learnerState === undefined || !this.learnerState.forward(data)) {
      throw new ProposalDroppedError(`server ${this.config.id} is not a serving learner`);
    }
  }

  /**
   * The runtime's quorum connection to or from `peer` broke (etcd-io/raft's
   * ReportUnreachable): packets on it may be lost. A learner whose leader that is goes
   * LOOKING at once, as Apache's learner does when its leader socket breaks, instead of
   * waiting syncLimit ticks of silence. A leader keeps the learner's handler: the learner
   * heard of the break too, and a lost packet shows as a gap in its stream anyway.
   */
  reportLinkDown(peer: number): void {
    this.assertNoReadyInFlight();
    if (peer !== this.config.id) this.learnerState?.linkDown(peer);
  }

  /** A learner's client touched its session; the leader hears of it in the next ping. */
  touchSession(touch: SessionTouch): void {
    this.learnerState?.touch(touch);
  }

  /** Forgets log entries up to `zxid` after the runtime durably stored a snapshot there. */
  compact(zxid: bigint): void {
    assert(zxid <= this.applied, `compact ${formatZxid(zxid)} only applied txns`);
    this.log.compact(zxid);
  }

  // ---- Ready -----------------------------------------------------------------------------

  /** True if {@link ready} has work. */
  hasReady(): boolean {
    if (this.inFlight !== undefined) return false;
    return (
      this.log.hasPending ||
      this.hardDirty ||
      this.outbox.length > 0 ||
      this.applied < this.committed ||
      this.requests.length > 0 ||
      this.sessionTouches.length > 0 ||
      this.syncsReleased.length > 0 ||
      this.syncsFailed.length > 0 ||
      this.leaderState?.hasDeferredSyncsDue() === true
    );
  }

  /** Cuts the next batch of work; see ready.ts for the order the runtime must follow. */
  ready(): Ready {
    this.assertNoReadyInFlight();
    assert(this.outbox.length <= queuedMessagesMax, 'the runtime drains Ready');
    // The requests those syncs waited behind were proposed after the last advance (ready.ts d).
    this.leaderState?.queueDeferredSyncs();
    this.leaderState?.readyCut();
    this.readiesCut++;
    const writes = this.log.takePending();
    const committed: LogEntry[] =
      this.applied < this.committed ? this.log.slice(this.applied, this.committed) : [];
    const ready: Ready = {
      role: this.currentRole,
      snapshot: writes.snapshot,
      truncateAfter: writes.truncateAfter,
      entries: writes.entries,
      hardState: this.hardDirty ? this.hard : undefined,
      messages: this.outbox,
      // Not with epochs: LEADERINFO promises a durable acceptedEpoch (learners never do).
      messagesBeforePersist:
        this.leaderState !== undefined &&
        !this.hardDirty &&
        writes.snapshot === undefined &&
        writes.truncateAfter === undefined,
      committed,
      syncs: this.syncsReleased,
      failedSyncs: this.syncsFailed,
      requests: this.requests,
      sessionTouches: this.sessionTouches,
    };
    assert(
      committed.length === 0 || committed.at(-1)?.zxid === this.committed,
      'apply reaches the commit point',
    );
    this.hardDirty = false;
    this.outbox = [];
    this.requests = [];
    this.sessionTouches = [];
    this.syncsReleased = [];
    this.syncsFailed = [];
    if (committed.length > 0) this.applied = this.committed;
    this.inFlight = ready;
    return ready;
  }

  /**
   * Acknowledges that `ready` was persisted, sent and applied. With `persisted` false (a
   * Ready with `messagesBeforePersist` only: a leader's appends), it was sent and applied but
   * its entries are still being fsynced: inputs may flow again at once, and
   * {@link reportPersisted} tells when the fsync is done — until then the leader does not
   * count its own copy of those entries. A Ready advanced with `persisted` true promises that
   * every earlier one is durable too (the runtime waits for appends in flight first).
   */
  advance(ready: Ready, persisted = true): void {
    assert(this.inFlight === ready, 'advance takes the Ready last handed out');
    this.inFlight = undefined;
    if (!persisted) {
      assert(ready.messagesBeforePersist, 'only a leader Ready of appends is persisted after advance');
      assert(ready.hardState === undefined && ready.snapshot === undefined, 'epochs are persisted first');
      this.unpersisted.push({ ready, leader: this.leaderState });
      return;
    }
    this.settlePersisted(this.unpersisted.length);
    if (this.leaderState !== undefined) {
      const lastEntry = ready.entries.at(-1);
      const epochDurable =
        ready.hardState !== undefined && ready.hardState.currentEpoch === this.leaderState.epoch;
      this.leaderState.persisted(lastEntry?.zxid ?? 0n, epochDurable);
    }
  }

  /**
   * The entries of `ready`, advanced with `persisted` false, are durable (fsync done); reports
   * come in Ready order. A report of a Ready already settled (a later Ready was advanced as
   * persisted) is ignored.
   */
  reportPersisted(ready: Ready): void {
    this.assertNoReadyInFlight();
    const index = this.unpersisted.findIndex((pending) => pending.ready === ready);
    if (index >= 0) this.settlePersisted(index + 1);
  }

  /** Zxid through which the log is durable, as far as the Readies advanced tell. */
  get durableZxid(): bigint {
    const first = this.unpersisted.find((pending) => pending.ready.entries.length > 0)?.ready.entries[0];
    return first === undefined ? this.log.lastZxid : this.log.previousZxid(first.zxid);
  }

  /** The first `count` unpersisted Readies are durable: the leader that cut them counts its copy. */
  private settlePersisted(count: number): void {
    const settled = this.unpersisted.slice(0, count);
    this.unpersisted = this.unpersisted.slice(count);
    for (const { ready, leader } of settled) {
      const lastEntry = ready.entries.at(-1);
      // A later Leader takes its durable point from durableZxid when it starts.
      if (lastEntry !== undefined && leader !== undefined && leader === this.leaderState)
        leader.persisted(lastEntry.zxid, false);
    }
  }

  private assertNoReadyInFlight(): void {
    assert(this.inFlight === undefined, 'no input between ready() and advance()');
  }

  // ---- roles -----------------------------------------------------------------------------

  /** LOOKING: abandons the current role and starts an election. */
  becomeLooking(reason: string): void {
    assertTransition(this.currentRole, Role.LOOKING);
    this.event(`${roleName(this.currentRole)} -> LOOKING: ${reason}`);
    // Outstanding client syncs can no longer be answered by this leader: connection loss.
    const failed = this.leaderState?.takeLocalSyncs() ?? this.learnerState?.takeSyncs() ?? [];
    this.syncsFailed.push(...failed);
    this.currentRole = Role.LOOKING;
    this.leaderState = undefined;
    this.learnerState = undefined;
    this.startElection();
  }

  /** LEADING: this peer won the election. */
  becomeLeading(): void {
    assertTransition(this.currentRole, Role.LEADING);
    assert(isVoter(this.config.membership, this.config.id), 'an observer never leads');
    this.currentRole = Role.LEADING;
    this.event(`LOOKING -> LEADING (election epoch ${this.election.logicalClock})`);
    this.leaderState = new Leader(this);
  }

  /** FOLLOWING `leader`. */
  becomeFollowing(leader: number): void {
    assertTransition(this.currentRole, Role.FOLLOWING);
    assert(isVoter(this.config.membership, this.config.id), 'an observer never follows');
    this.currentRole = Role.FOLLOWING;
    this.event(`LOOKING -> FOLLOWING ${leader} (election epoch ${this.election.logicalClock})`);
    this.learnerState = new Learner(this, leader, false, this.newLink());
  }

  /** OBSERVING `leader`. */
  becomeObserving(leader: number): void {
    assertTransition(this.currentRole, Role.OBSERVING);
    assert(!isVoter(this.config.membership, this.config.id), 'only an observer observes');
    this.currentRole = Role.OBSERVING;
    this.event(`LOOKING -> OBSERVING ${leader} (election epoch ${this.election.logicalClock})`);
    this.learnerState = new Learner(this, leader, true, this.newLink());
  }

  private decide(vote: Vote): void {
    assert(this.currentRole === Role.LOOKING, 'only an election decides a role');
    assert(!this.election.isRunning, 'the election ended before the role starts');
    if (vote.leader === this.config.id) this.becomeLeading();
    else if (isVoter(this.config.membership, this.config.id)) this.becomeFollowing(vote.leader);
    else this.becomeObserving(vote.leader);
  }

  private startElection(): void {
    const own: Vote = { leader: this.config.id, zxid: this.log.lastZxid, peerEpoch: this.hard.currentEpoch };
    // A voter of weight 0 (hierarchical quorums) never leads: it proposes nobody, as an observer does.
    const initial = canLead(this.config.membership, this.config.id) ? own : NO_VOTE;
    const output = this.election.start(initial, isEmptyHistory(own));
    this.outbox.push(...output.send);
    if (output.decided !== undefined) this.decide(output.decided);
  }

  private newLink(): number {
    return 1 + this.config.random.int(0x7fff_fffe);
  }

  // ---- PeerCore --------------------------------------------------------------------------

  setAcceptedEpoch(epoch: number): void {
    assert(epoch > this.hard.acceptedEpoch, `accepted epoch ${epoch} grows past ${this.hard.acceptedEpoch}`);
    this.hard = { ...this.hard, acceptedEpoch: epoch };
    this.hardDirty = true;
  }

  setCurrentEpoch(epoch: number): void {
    assert(epoch <= this.hard.acceptedEpoch, 'the current epoch was accepted first');
    assert(
      epoch >= this.hard.currentEpoch,
      `current epoch ${epoch} never goes back from ${this.hard.currentEpoch}`,
    );
    this.hard = { ...this.hard, currentEpoch: epoch };
    this.hardDirty = true;
  }

  commitThrough(zxid: bigint): void {
    assert(zxid <= this.log.lastZxid, `commit ${formatZxid(zxid)} of logged txns only`);
    if (zxid > this.committed) this.committed = zxid;
  }

  installSnapshot(snapshot: Snapshot): void {
    // The leader's snapshot may be older than our own compaction point or even our commit
    // point (its applied state lags ours): we then re-apply the txns after it, in order.
    assert(snapshot.zxid >= 0n, 'snapshot zxids are non-negative');
    this.log.installSnapshot(snapshot);
    this.committed = snapshot.zxid;
    this.applied = snapshot.zxid;
  }

  send(message: ZabMessage): void {
    assert(
      message.from === this.config.id && message.to !== this.config.id,
      'messages go from us to another',
    );
    this.outbox.push(message);
  }

  forwarded(from: number, data: Buffer): void {
    this.requests.push({ from, data });
  }

  syncReleased(id: number): void {
    assert(Number.isSafeInteger(id) && id > 0, `sync id ${id} is one Peer.sync handed out`);
    this.syncsReleased.push(id);
  }

  touched(touches: readonly SessionTouch[]): void {
    this.sessionTouches.push(...touches);
  }

  epochEstablished(epoch: number): void {
    this.election.updateVote(epoch);
  }

  stepDown(reason: string): void {
    this.becomeLooking(reason);
  }

  event(text: string): void {
    this.config.log?.(text);
  }
}

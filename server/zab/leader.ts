/**
 * The leader side of ZAB (Apache's `Leader` + one `LearnerHandler` per learner), as a pure
 * object created when this peer wins an election and dropped when it steps down.
 *
 *   discovery ─quorum of FOLLOWERINFO→ epoch ─quorum of ACKEPOCH→ sync ─quorum of NEWLEADER ACK→ broadcast
 *
 * - discovery: new epoch = max(acceptedEpoch over a quorum incl. ours) + 1, persisted as our
 *   acceptedEpoch before LEADERINFO leaves (Ready order).
 * - epoch: a learner whose (currentEpoch, lastZxid) is ahead of ours proves we should not
 *   lead: step down (Apache does the same).
 * - sync: each learner gets DIFF/TRUNC/SNAP (sync.ts), our entries after that point as
 *   PROPOSALs, and NEWLEADER. Our whole log becomes committed once a quorum (us included,
 *   after persisting currentEpoch) acknowledged NEWLEADER.
 * - broadcast: propose → PROPOSAL to followers → commit in zxid order once a quorum of
 *   voters, including our own fsync, acknowledged → COMMIT to followers, INFORM to
 *   observers. Every tick pings learners; without a quorum heard within syncLimit ticks we
 *   step down, so a minority leader never commits.
 * - sync: a client's sync (a learner's SYNC request, or our own client's) is answered once
 *   the proposals issued before it are committed and a quorum of voters answered a ping
 *   sent after it (see queueSync); a learner gets SYNC after those COMMITs on its stream.
 */
import { assert } from '../../src/util/assert';
import type { PeerCore } from './core';
import { type LogEntry, type QuorumBody, type QuorumMessage, stampQuorumMessage } from './messages';
import { containsQuorum, isVoter, quorumAckedZxid } from './quorum';
import { chooseSync } from './sync';
import { formatZxid, makeZxid, minZxid, ZXID_COUNTER_MAX } from './zxid';

/** Where the leader is in establishing its epoch. */
export type LeaderPhase = 'discovery' | 'epoch' | 'sync' | 'broadcast';

/** Where one learner is in its handshake (the leader's LearnerHandler state). */
type HandlerPhase = 'info' | 'leaderinfo' | 'epoch-acked' | 'newleader' | 'synced' | 'broadcast';

interface LearnerHandler {
  readonly id: number;
  readonly link: number;
  readonly observer: boolean;
  phase: HandlerPhase;
  inSequence: number;
  outSequence: number;
  lastHeardTick: number;
  acceptedEpoch: number;
  peerLastZxid: bigint;
  /** Our last zxid when its sync stream was cut: it holds our log through here. */
  syncedThrough: bigint;
  /** Highest zxid it acknowledged as durable (voters past NEWLEADER). */
  ackedZxid: bigint;
  /** Rounds of the pings sent to it and not answered yet (answers come in order). */
  pingRounds: number[];
  /** The latest ping round it answered: it still followed us after that round began. */
  confirmedRound: number;
}

/** A leader's learners as `mntr` counts them (Apache's zk_learners, zk_synced_*, zk_pending_syncs). */
export interface LearnerCounts {
  /** Learner connections, in any phase. */
  readonly learners: number;
  /** Voting followers in broadcast. */
  readonly syncedFollowers: number;
  /** Observers in broadcast. */
  readonly syncedObservers: number;
  /** Client syncs waiting for their proposals to commit. */
  readonly pendingSyncs: number;
}

/** Retired connection ids remembered per leader, so a late repeat cannot reopen one. */
const retiredLinksMax = 10_000;

/** Syncs waiting for their proposals to commit; more are refused (the client retries). */
export const pendingSyncsMax = 100_000;

/** Unanswered pings per learner; a learner further behind is dropped. */
const pingRoundsOutstandingMax = 10_000;

/**
 * A client sync waiting on the leader (Apache's pendingSyncs): answered once `zxid`, the last
 * proposal issued when it arrived, is committed, and a quorum of voters answered a ping of
 * `round` or later (sent after it arrived). `learner` undefined is a sync of a client of the
 * leader itself (`id` is then the peer's sync id).
 */
interface PendingSync {
  readonly zxid: bigint;
  readonly round: number;
  readonly learner: number | undefined;
  readonly link: number;
  readonly id: number;
}

/** This peer leading one epoch. */
export class Leader {
  phase: LeaderPhase = 'discovery';
  /** The epoch being established (0 until discovery chose it). */
  epoch = 0;
  private phaseStartTick: number;
  private readonly handlers = new Map<number, LearnerHandler>();
  private readonly retiredLinks = new Set<number>();
  private readonly epochAcks = new Set<number>();
  private readonly newLeaderAcks = new Set<number>();
  private selfNewLeaderAcked = false;
  /** Our own log is durable through here (updated after each Ready is persisted). */
  private selfDurableZxid: bigint;
  private nextCounter = 1;
  /** In zxid order: a sync waits for the last proposal at its arrival, which only grows. */
  private pendingSyncs: PendingSync[] = [];
  /** Rounds of pings: each tick's pings are one, and a sync that arrives may start one. */
  private pingRound = 0;
  /** True once a round's pings are queued in the Ready being built (they leave after now). */
  private roundQueued = false;
  /**
   * Learner syncs that arrived behind forwarded requests not proposed yet, oldest first,
   * each with the Ready that hands those requests to the runtime (see onSyncRequest).
   */
  private deferredSyncs: { origin: Omit<PendingSync, 'zxid' | 'round'>; ready: number }[] = [];

  constructor(private readonly core: PeerCore) {
    assert(isVoter(core.config.membership, core.config.id), 'only a voter leads');
    this.phaseStartTick = core.tickCount;
    // Not log.lastZxid: a previous term's appends may still be in flight (Peer.advance).
    this.selfDurableZxid = core.durableZxid;
    this.maybeChooseEpoch();
  }

  /** True once a quorum holds our history: proposals are accepted. */
  get serving(): boolean {
    return this.phase === 'broadcast';
  }

  /** Handles a learner's packet. */
  step(message: QuorumMessage): void {
    if (message.kind === 'followerinfo' || message.kind === 'observerinfo') {
      this.onLearnerInfo(message);
      return;
    }
    const handler = this.handlers.get(message.from);
    if (handler === undefined || handler.link !== message.link) return;
    if (message.sequence < handler.inSequence) return;
    if (message.sequence > handler.inSequence) {
      this.closeHandler(handler, 'stream gap');
      return;
    }
    handler.inSequence++;
    handler.lastHeardTick = this.core.tickCount;
    this.dispatch(handler, message);
  }

  private dispatch(handler: LearnerHandler, message: QuorumMessage): void {
    switch (message.kind) {
      case 'ackepoch':
        this.onAckEpoch(handler, message.currentEpoch, message.lastZxid);
        return;
      case 'ack':
        this.onAck(handler, message.zxid);
        return;
      case 'ping': {
        if (message.touches.length > 0) this.core.touched(message.touches);
        const round = handler.pingRounds.shift();
        if (round !== undefined) handler.confirmedRound = round;
        this.releaseSyncs();
        return;
      }
      case 'request':
        // Only an established leader orders writes; the learner's client retries otherwise.
        if (this.phase === 'broadcast') this.core.forwarded(handler.id, message.data);
        return;
      case 'syncrequest':
        // A learner forwards syncs only while serving, i.e. after our UPTODATE.
        if (handler.phase !== 'broadcast') {
          this.closeHandler(handler, `SYNC request in phase ${handler.phase}`);
          return;
        }
        this.onSyncRequest({ learner: handler.id, link: handler.link, id: 0 });
        return;
      default:
        this.closeHandler(handler, `unexpected ${message.kind}`);
    }
  }

  private onLearnerInfo(message: QuorumMessage & { kind: 'followerinfo' | 'observerinfo' }): void {
    const { membership } = this.core.config;
    const observer = message.kind === 'observerinfo';
    const known = observer ? membership.observers.includes(message.from) : isVoter(membership, message.from);
    if (!known || message.sequence !== 0 || this.retiredLinks.has(message.link)) return;
    const existing = this.handlers.get(message.from);
    if (existing !== undefined) {
      if (existing.link === message.link) return; // a repeat of the first packet
      this.closeHandler(existing, 'reconnected');
    }
    const handler: LearnerHandler = {
      id: message.from,
      link: message.link,
      observer,
      phase: 'info',
      inSequence: 1,
      outSequence: 0,
      lastHeardTick: this.core.tickCount,
      acceptedEpoch: message.acceptedEpoch,
      peerLastZxid: 0n,
      syncedThrough: 0n,
      ackedZxid: 0n,
      pingRounds: [],
      confirmedRound: 0,
    };
    this.handlers.set(handler.id, handler);
    assert(this.handlers.get(handler.id) === handler, 'one live handler per learner');
    if (this.phase === 'discovery') {
      this.maybeChooseEpoch();
    } else if (handler.acceptedEpoch > this.epoch) {
      // It promised a later leader (who never established that epoch) to refuse ours, so it
      // can never join: found by the simulator (seed 1177), where a voter and an observer
      // stayed out forever. Stepping down lets the next discovery pick an epoch it accepts.
      this.core.stepDown(
        `learner ${handler.id} accepted epoch ${handler.acceptedEpoch}, above ours ${this.epoch}`,
      );
    } else {
      this.sendLeaderInfo(handler);
    }
  }

  private maybeChooseEpoch(): void {
    assert(this.phase === 'discovery', 'the epoch is chosen once');
    const connected = [this.core.config.id];
    for (const handler of this.handlers.values()) if (!handler.observer) connected.push(handler.id);
    if (!containsQuorum(this.core.config.membership, connected)) return;
    let highest = this.core.acceptedEpoch;
    for (const handler of this.handlers.values()) highest = Math.max(highest, handler.acceptedEpoch);
    this.epoch = highest + 1;
    assert(this.epoch > this.core.currentEpoch, 'a new epoch exceeds every epoch we held');
    // Persisted before any LEADERINFO leaves: a restarted leader never reuses the epoch.
    this.core.setAcceptedEpoch(this.epoch);
    this.enterPhase('epoch');
    this.epochAcks.add(this.core.config.id);
    this.core.event(`new epoch ${this.epoch} from a quorum of accepted epochs`);
    for (const handler of this.handlers.values()) this.sendLeaderInfo(handler);
    this.maybeStartSync();
  }

  private sendLeaderInfo(handler: LearnerHandler): void {
    assert(handler.phase === 'info' && this.epoch > 0, 'LEADERINFO once per learner, after the epoch');
    handler.phase = 'leaderinfo';
    this.send(handler, { kind: 'leaderinfo', epoch: this.epoch });
  }

  private onAckEpoch(handler: LearnerHandler, currentEpoch: number, lastZxid: bigint): void {
    if (handler.phase !== 'leaderinfo') {
      this.closeHandler(handler, `ACKEPOCH in phase ${handler.phase}`);
      return;
    }
    const ours = this.core.currentEpoch;
    if (currentEpoch > ours || (currentEpoch === ours && lastZxid > this.core.log.lastZxid)) {
      // The election picked us, yet this learner holds a newer history: we must not lead.
      this.core.stepDown(`learner ${handler.id} is ahead (epoch ${currentEpoch}, ${formatZxid(lastZxid)})`);
      return;
    }
    handler.phase = 'epoch-acked';
    handler.peerLastZxid = lastZxid;
    if (this.phase === 'epoch') {
      if (!handler.observer) this.epochAcks.add(handler.id);
      this.maybeStartSync();
    } else {
      this.startSync(handler);
    }
  }

  private maybeStartSync(): void {
    if (this.phase !== 'epoch' || !containsQuorum(this.core.config.membership, this.epochAcks)) return;
    this.enterPhase('sync');
    // Our own NEWLEADER acknowledgement: counted once this epoch is durable (see persisted()).
    this.core.setCurrentEpoch(this.epoch);
    for (const handler of this.handlers.values())
      if (handler.phase === 'epoch-acked') this.startSync(handler);
  }

  private startSync(handler: LearnerHandler): void {
    assert(handler.phase === 'epoch-acked', 'sync follows the epoch acknowledgement');
    const { log } = this.core;
    const plan = chooseSync(log, handler.peerLastZxid);
    let from: bigint;
    if (plan.kind === 'snap') {
      const snapshot = this.core.config.snapshot();
      assert(snapshot.zxid === this.core.appliedZxid, 'the snapshot port returns the applied state');
      this.send(handler, { kind: 'snap', snapshot });
      from = snapshot.zxid;
    } else {
      this.send(
        handler,
        plan.kind === 'diff' ? { kind: 'diff', zxid: plan.zxid } : { kind: 'trunc', zxid: plan.zxid },
      );
      from = plan.zxid;
    }
    this.core.event(
      `sync learner ${handler.id} (last ${formatZxid(handler.peerLastZxid)}): ${plan.kind.toUpperCase()} ${formatZxid(from)}`,
    );
    assert(from <= log.lastZxid, 'the sync point lies within our history');
    for (const entry of log.slice(from, log.lastZxid)) this.send(handler, { kind: 'proposal', entry });
    handler.syncedThrough = log.lastZxid;
    handler.phase = 'newleader';
    this.send(handler, { kind: 'newleader', epoch: this.epoch });
  }

  private onAck(handler: LearnerHandler, zxid: bigint): void {
    if (handler.phase === 'newleader') {
      if (zxid !== makeZxid(this.epoch, 0)) {
        this.closeHandler(handler, `ACK ${formatZxid(zxid)} before NEWLEADER's`);
        return;
      }
      handler.phase = 'synced';
      if (!handler.observer) handler.ackedZxid = handler.syncedThrough;
      if (this.phase === 'sync') {
        if (!handler.observer) this.newLeaderAcks.add(handler.id);
        this.maybeEstablish();
      } else if (this.phase === 'broadcast') {
        this.sendUpToDate(handler);
        this.maybeCommit();
      }
      return;
    }
    if (handler.observer || (handler.phase !== 'synced' && handler.phase !== 'broadcast')) return;
    assert(zxid <= this.core.log.lastZxid, `learner ${handler.id} acknowledges a txn we proposed`);
    if (zxid > handler.ackedZxid) handler.ackedZxid = zxid;
    this.maybeCommit();
  }

  private maybeEstablish(): void {
    if (this.phase !== 'sync' || !this.selfNewLeaderAcked) return;
    const acked = [this.core.config.id, ...this.newLeaderAcks];
    if (!containsQuorum(this.core.config.membership, acked)) return;
    this.enterPhase('broadcast');
    // A quorum holds our whole log under our epoch: all of it is committed now.
    this.core.commitThrough(this.core.log.lastZxid);
    this.core.epochEstablished(this.epoch);
    this.core.event(
      `established epoch ${this.epoch}, committed through ${formatZxid(this.core.committedZxid)}`,
    );
    for (const handler of this.handlers.values()) if (handler.phase === 'synced') this.sendUpToDate(handler);
  }

  private sendUpToDate(handler: LearnerHandler): void {
    assert(
      handler.phase === 'synced' && this.phase === 'broadcast',
      'UPTODATE after NEWLEADER ACK, once established',
    );
    handler.phase = 'broadcast';
    this.send(handler, { kind: 'commit', zxid: this.core.committedZxid });
    this.send(handler, { kind: 'uptodate' });
  }

  /** Proposes a txn; returns its zxid, or undefined if the epoch's counter is exhausted. */
  propose(data: Buffer): bigint | undefined {
    assert(this.phase === 'broadcast', 'only an established leader proposes');
    if (this.nextCounter >= ZXID_COUNTER_MAX) {
      // Apache abdicates so the next leader starts a fresh epoch.
      this.core.stepDown(`zxid counter exhausted in epoch ${this.epoch}`);
      return undefined;
    }
    const entry: LogEntry = { zxid: makeZxid(this.epoch, this.nextCounter++), data };
    this.core.log.append(entry);
    for (const handler of this.handlers.values()) {
      if (!handler.observer && this.holdsStream(handler)) this.send(handler, { kind: 'proposal', entry });
    }
    return entry.zxid;
  }

  /** The zxid the next {@link propose} assigns: the counter restarts at 1 in every epoch. */
  get nextZxid(): bigint {
    assert(this.phase === 'broadcast', 'only an established leader proposes');
    assert(this.nextCounter >= 1 && this.nextCounter <= ZXID_COUNTER_MAX, 'the counter is in range');
    return makeZxid(this.epoch, this.nextCounter);
  }

  /**
   * A client of ours called sync (peer id `id`): it is answered (`core.syncReleased`) once
   * every proposal issued so far is committed. Returns false when too many syncs wait.
   */
  syncLocal(id: number): boolean {
    assert(this.phase === 'broadcast', 'only an established leader answers syncs');
    if (this.pendingSyncs.length >= pendingSyncsMax) return false;
    this.queueSync({ learner: undefined, link: 0, id });
    return true;
  }

  /** Ids of our own clients' syncs still waiting (they fail when we step down). */
  takeLocalSyncs(): number[] {
    const ids = this.pendingSyncs.filter((sync) => sync.learner === undefined).map((sync) => sync.id);
    this.pendingSyncs = [];
    return ids;
  }

  /**
   * A learner's SYNC request. Its connection carries the learner's writes (REQUEST) and syncs
   * in its clients' order, as Apache's one learner channel does; the sync must wait for the
   * proposals of the writes that arrived before it. Those still queued as forwarded requests
   * leave in the next Ready and the runtime proposes them right after its advance (ready.ts,
   * step d), so the sync is queued when the Ready after that is cut. Later syncs wait behind
   * it, so each learner's syncs stay in order.
   */
  private onSyncRequest(origin: Omit<PendingSync, 'zxid' | 'round'>): void {
    if (this.core.queuedRequestCount === 0 && this.deferredSyncs.length === 0) {
      this.queueSync(origin);
      return;
    }
    const ready = this.core.readyCount + 1;
    assert((this.deferredSyncs.at(-1)?.ready ?? 0) <= ready, 'deferred syncs stay in arrival order');
    this.deferredSyncs.push({ origin, ready });
  }

  /** True if a deferred sync's requests were handed out, and so proposed, already. */
  hasDeferredSyncsDue(): boolean {
    const head = this.deferredSyncs[0];
    return head !== undefined && head.ready <= this.core.readyCount;
  }

  /** Queues the deferred syncs whose requests were proposed (called as a Ready is cut). */
  queueDeferredSyncs(): void {
    let due = 0;
    for (const deferred of this.deferredSyncs) {
      if (deferred.ready > this.core.readyCount) break;
      this.queueSync(deferred.origin);
      due++;
    }
    if (due > 0) this.deferredSyncs = this.deferredSyncs.slice(due);
  }

  /**
   * Queues a sync behind the last proposal issued and a ping round that leaves after its
   * arrival. Apache answers on the commit alone and relies on timeouts to keep a deposed
   * leader from answering; the round makes the answer safe without them (etcd-io/raft's
   * ReadIndex): a quorum of voters still followed us after the sync arrived, so no later
   * epoch had been established — and nothing committed by another leader — before it.
   */
  private queueSync(origin: Omit<PendingSync, 'zxid' | 'round'>): void {
    if (!this.roundQueued) this.startPingRound();
    const sync: PendingSync = { ...origin, zxid: this.core.log.lastZxid, round: this.pingRound };
    const last = this.pendingSyncs.at(-1);
    assert(last === undefined || last.zxid <= sync.zxid, 'pending syncs stay in zxid order');
    assert(last === undefined || last.round <= sync.round, 'pending syncs stay in round order');
    if (this.pendingSyncs.length >= pendingSyncsMax) {
      // A learner's client would wait forever: drop the learner, its clients retry elsewhere.
      const handler = sync.learner === undefined ? undefined : this.handlers.get(sync.learner);
      if (handler !== undefined && handler.link === sync.link) this.closeHandler(handler, 'too many syncs');
      return;
    }
    this.pendingSyncs.push(sync);
    this.releaseSyncs(); // a lone voter confirms its own round at once
  }

  /** Answers every pending sync whose proposals are committed and whose round is confirmed. */
  private releaseSyncs(): void {
    if (this.pendingSyncs.length === 0) return;
    assert(this.phase === 'broadcast', 'syncs wait only on an established leader');
    const committed = this.core.committedZxid;
    const confirmed = this.confirmedRound();
    let released = 0;
    for (const sync of this.pendingSyncs) {
      if (sync.zxid > committed || sync.round > confirmed) break;
      // After the COMMITs through `committed`, already queued on every learner's stream.
      this.answerSync(sync);
      released++;
    }
    if (released > 0) this.pendingSyncs = this.pendingSyncs.slice(released);
    const head = this.pendingSyncs[0];
    assert(head === undefined || head.zxid > committed || head.round > confirmed, 'no answerable sync waits');
  }

  /** The latest ping round a quorum of voters (us included) answered. */
  private confirmedRound(): number {
    const rounds = new Map<number, bigint>([[this.core.config.id, BigInt(this.pingRound)]]);
    for (const handler of this.handlers.values()) {
      if (!handler.observer && handler.phase === 'broadcast')
        rounds.set(handler.id, BigInt(handler.confirmedRound));
    }
    const round = Number(quorumAckedZxid(this.core.config.membership, rounds));
    assert(round >= 0 && round <= this.pingRound, 'a confirmed round was started');
    return round;
  }

  /** Pings every learner in broadcast as one new round. */
  private startPingRound(): void {
    assert(this.phase === 'broadcast', 'ping rounds confirm an established leader');
    assert(!this.roundQueued, 'one round per Ready serves every sync that arrives before it');
    this.pingRound++;
    this.roundQueued = true;
    for (const handler of [...this.handlers.values()]) if (handler.phase === 'broadcast') this.ping(handler);
  }

  private ping(handler: LearnerHandler): void {
    if (handler.pingRounds.length >= pingRoundsOutstandingMax) {
      this.closeHandler(handler, 'too many unanswered pings');
      return;
    }
    handler.pingRounds.push(this.pingRound);
    this.send(handler, { kind: 'ping', touches: [] });
  }

  /** The peer cut a Ready: pings queued from now on leave after what arrives from now on. */
  readyCut(): void {
    this.roundQueued = false;
  }

  private answerSync(sync: PendingSync): void {
    if (sync.learner === undefined) {
      this.core.syncReleased(sync.id);
      return;
    }
    // A learner that reconnected since has failed that sync already (new link).
    const handler = this.handlers.get(sync.learner);
    if (handler !== undefined && handler.link === sync.link) this.send(handler, { kind: 'sync' });
  }

  /** A learner whose sync stream was cut receives every later proposal/commit in order. */
  private holdsStream(handler: LearnerHandler): boolean {
    return handler.phase === 'newleader' || handler.phase === 'synced' || handler.phase === 'broadcast';
  }

  /** Called after a Ready was persisted: our own fsync counts as an acknowledgement. */
  persisted(lastDurableZxid: bigint, currentEpochDurable: boolean): void {
    if (lastDurableZxid > this.selfDurableZxid) this.selfDurableZxid = lastDurableZxid;
    if (currentEpochDurable && this.phase === 'sync') this.selfNewLeaderAcked = true;
    this.maybeEstablish();
    this.maybeCommit();
  }

  private maybeCommit(): void {
    if (this.phase !== 'broadcast') return;
    const { membership, id } = this.core.config;
    const acked = new Map<number, bigint>([[id, this.selfDurableZxid]]);
    for (const handler of this.handlers.values()) {
      if (!handler.observer && (handler.phase === 'synced' || handler.phase === 'broadcast')) {
        acked.set(handler.id, handler.ackedZxid);
      }
    }
    const quorumZxid = quorumAckedZxid(membership, acked);
    // The leader's own durable copy is part of every commit. Apache commits on any quorum, but
    // here waiting for the leader's fsync batches commits: committing on followers' ACKs alone
    // sent more, smaller COMMITs and cut ensemble write throughput under load by about a
    // quarter (setData 4×16 per member, 2026-11-22), for a lower latency only when idle.
    const target = minZxid(quorumZxid, this.selfDurableZxid);
    const previous = this.core.committedZxid;
    if (target <= previous) return;
    assert(target <= this.core.log.lastZxid, 'a quorum acknowledged only txns we proposed');
    this.core.commitThrough(target);
    const committed = this.core.log.slice(previous, target);
    for (const handler of this.handlers.values()) {
      if (this.holdsStream(handler)) this.sendCommitted(handler, previous, target, committed);
    }
    this.releaseSyncs();
  }

  private sendCommitted(
    handler: LearnerHandler,
    previous: bigint,
    target: bigint,
    committed: LogEntry[],
  ): void {
    if (!handler.observer) {
      this.send(handler, { kind: 'commit', zxid: target });
      return;
    }
    // Observers hold our log only through their sync point; later txns arrive as INFORM.
    const commitThrough = minZxid(target, handler.syncedThrough);
    if (commitThrough > previous) this.send(handler, { kind: 'commit', zxid: commitThrough });
    for (const entry of committed) {
      if (entry.zxid > handler.syncedThrough) this.send(handler, { kind: 'inform', entry });
    }
  }

  /** Advances time: pings learners, drops silent ones, steps down without a quorum. */
  tick(): void {
    const { initLimit, syncLimit, membership, id } = this.core.config;
    const now = this.core.tickCount;
    if (this.phase !== 'broadcast') {
      if (now - this.phaseStartTick > initLimit)
        this.core.stepDown(`no quorum in phase ${this.phase} within initLimit`);
      return;
    }
    const heard = [id];
    this.pingRound++;
    this.roundQueued = true;
    for (const handler of [...this.handlers.values()]) {
      const limit = handler.phase === 'broadcast' ? syncLimit : initLimit + syncLimit;
      if (now - handler.lastHeardTick > limit) {
        this.closeHandler(handler, `silent for ${limit} ticks`);
        continue;
      }
      if (handler.phase === 'broadcast') {
        heard.push(handler.id);
        this.ping(handler);
      }
    }
    if (!containsQuorum(membership, heard)) {
      this.core.stepDown('lost the quorum of followers');
      return;
    }
    this.releaseSyncs();
  }

  /** Learners in broadcast, for status lines. */
  /** What `mntr` reports of a leader: learners connected, those in broadcast by kind, syncs waiting. */
  get learnerCounts(): LearnerCounts {
    let syncedFollowers = 0;
    let syncedObservers = 0;
    for (const handler of this.handlers.values()) {
      if (handler.phase !== 'broadcast') continue;
      if (handler.observer) syncedObservers++;
      else syncedFollowers++;
    }
    return {
      learners: this.handlers.size,
      syncedFollowers,
      syncedObservers,
      pendingSyncs: this.pendingSyncs.length + this.deferredSyncs.length,
    };
  }

  get syncedLearners(): number[] {
    return [...this.handlers.values()]
      .filter((handler) => handler.phase === 'broadcast')
      .map((handler) => handler.id);
  }

  private closeHandler(handler: LearnerHandler, reason: string): void {
    assert(this.handlers.get(handler.id) === handler, 'closing a live handler');
    this.handlers.delete(handler.id);
    if (this.retiredLinks.size >= retiredLinksMax) this.retiredLinks.clear();
    this.retiredLinks.add(handler.link);
    this.core.event(`dropped learner ${handler.id}: ${reason}`);
  }

  private enterPhase(phase: LeaderPhase): void {
    this.phase = phase;
    this.phaseStartTick = this.core.tickCount;
  }

  private send(handler: LearnerHandler, body: QuorumBody): void {
    const sequence = handler.outSequence++;
    this.core.send(stampQuorumMessage(body, this.core.config.id, handler.id, handler.link, sequence));
  }
}

/**
 * The learner side of ZAB: a follower (votes: ACKs proposals) or an observer (only
 * learns). One object per connection attempt to one leader, created when the election ends
 * and dropped when the peer goes back to LOOKING.
 *
 *   connecting ─LEADERINFO→ epoch ─DIFF/TRUNC/SNAP→ sync ─NEWLEADER→ acked ─UPTODATE→ serving
 *
 * Discovery: FOLLOWERINFO(acceptedEpoch) → LEADERINFO(e) → persist acceptedEpoch = e →
 * ACKEPOCH(currentEpoch, lastZxid). Synchronisation: the sync packet and proposals are held
 * in memory; NEWLEADER applies them to the log at once, then currentEpoch = e, then ACK
 * (one Ready: persisted in that order before the ACK leaves). Broadcast: PROPOSAL →
 * log → ACK (after the fsync: the ACK sits in the same Ready); COMMIT → apply. Client
 * syncs: SYNC request → the leader's SYNC answers the oldest one (after the COMMITs before
 * it), released in the Ready that applies them; all fail when this connection ends.
 * FOLLOWERINFO repeats every `learnerInfoResendTicks` until the leader answers.
 */
import { assert } from '../../src/util/assert';
import type { PeerCore } from './core';
import {
  type DiffMessage,
  type LogEntry,
  type QuorumBody,
  type QuorumMessage,
  type SessionTouch,
  type SnapMessage,
  stampQuorumMessage,
  type TruncMessage,
} from './messages';
import { formatZxid, makeZxid } from './zxid';

/** Where a learner is in its handshake with the leader. */
export type LearnerPhase = 'connecting' | 'epoch' | 'sync' | 'acked' | 'serving';

/** Most distinct sessions a learner reports per ping. */
export const touchedSessionsMax = 100_000;

/** Client syncs a learner keeps outstanding at its leader; more are refused. */
export const outstandingSyncsMax = 100_000;

/**
 * Ticks between repeats of FOLLOWERINFO/OBSERVERINFO while the leader has not answered. The
 * first one may be lost, or reach the leader before it decided to lead (Apache's learner
 * keeps re-connecting); the repeat is the same packet on the same link (sequence 0), which
 * the leader ignores once it has one, so a slow answer is never cut off. Bounded by
 * initLimit: a learner still unanswered then goes LOOKING.
 */
export const learnerInfoResendTicks = 2;

/** One connection of a follower or observer to its leader. */
export class Learner {
  phase: LearnerPhase = 'connecting';
  private outSequence = 0;
  private inSequence = 0;
  private lastHeardTick: number;
  private epoch = -1;
  private infoSentTick: number;
  private readonly touches = new Map<bigint, number>();
  /** Ids of client syncs sent to the leader, oldest first: each SYNC answers the head. */
  private syncs: number[] = [];
  /** The sync stream, held until NEWLEADER. */
  private sync:
    | { start: DiffMessage | TruncMessage | SnapMessage; entries: LogEntry[]; lastZxid: bigint }
    | undefined;

  constructor(
    private readonly core: PeerCore,
    readonly leader: number,
    readonly observer: boolean,
    readonly link: number,
  ) {
    assert(leader !== core.config.id, 'a learner does not follow itself');
    assert(link > 0, 'link ids are positive');
    this.lastHeardTick = core.tickCount;
    this.infoSentTick = core.tickCount;
    this.send(this.learnerInfo());
    assert(this.outSequence === 1, 'the learner info opens the stream');
  }

  private learnerInfo(): QuorumBody {
    return { kind: this.observer ? 'observerinfo' : 'followerinfo', acceptedEpoch: this.core.acceptedEpoch };
  }

  /** True once UPTODATE arrived: the learner serves clients. */
  get serving(): boolean {
    return this.phase === 'serving';
  }

  /** Handles a quorum packet; a broken stream or a protocol violation ends the role. */
  step(message: QuorumMessage): void {
    if (message.from !== this.leader || message.link !== this.link) return;
    if (message.sequence < this.inSequence) return; // a repeat: TCP would not deliver it
    if (message.sequence > this.inSequence) {
      this.core.stepDown(`stream from leader ${this.leader} has a gap`);
      return;
    }
    this.inSequence++;
    assert(this.inSequence === message.sequence + 1, 'the stream advanced by one packet');
    this.lastHeardTick = this.core.tickCount;
    const violation = this.dispatch(message);
    if (violation !== undefined) this.core.stepDown(violation);
  }

  /** Returns a reason to give up, or undefined. */
  private dispatch(message: QuorumMessage): string | undefined {
    switch (message.kind) {
      case 'leaderinfo':
        return this.onLeaderInfo(message.epoch);
      case 'diff':
      case 'trunc':
      case 'snap':
        return this.onSyncStart(message);
      case 'proposal':
        return this.onProposal(message.entry.zxid, message.entry.data);
      case 'inform':
        if (!this.observer || this.phase === 'connecting' || this.phase === 'epoch')
          return 'unexpected INFORM';
        this.appendFromLeader(message.entry.zxid, message.entry.data);
        this.core.commitThrough(message.entry.zxid);
        return undefined;
      case 'commit':
        if (this.phase === 'connecting' || this.phase === 'epoch') return 'COMMIT before sync';
        assert(message.zxid <= this.core.log.lastZxid, `COMMIT ${formatZxid(message.zxid)} of a logged txn`);
        this.core.commitThrough(message.zxid);
        return undefined;
      case 'newleader':
        return this.onNewLeader(message.epoch);
      case 'uptodate':
        if (this.phase !== 'acked') return `UPTODATE in phase ${this.phase}`;
        this.phase = 'serving';
        this.core.epochEstablished(this.epoch);
        this.core.event(`serving under leader ${this.leader} in epoch ${this.epoch}`);
        return undefined;
      case 'ping':
        this.send({ kind: 'ping', touches: this.takeTouches() });
        return undefined;
      case 'sync': {
        if (this.phase !== 'serving') return `SYNC in phase ${this.phase}`;
        const id = this.syncs.shift();
        if (id === undefined) return 'SYNC without an outstanding sync request';
        // The COMMITs the leader sent before it are committed here: Ready applies them first.
        this.core.syncReleased(id);
        return undefined;
      }
      default:
        return `unexpected ${message.kind} from the leader`;
    }
  }

  private onLeaderInfo(epoch: number): string | undefined {
    if (this.phase !== 'connecting') return `LEADERINFO in phase ${this.phase}`;
    if (epoch < this.core.acceptedEpoch)
      return `leader epoch ${epoch} is below accepted ${this.core.acceptedEpoch}`;
    // Persisted (Ready.hardState) before the ACKEPOCH leaves (Ready.messages).
    if (epoch > this.core.acceptedEpoch) this.core.setAcceptedEpoch(epoch);
    this.epoch = epoch;
    this.phase = 'epoch';
    this.send({ kind: 'ackepoch', currentEpoch: this.core.currentEpoch, lastZxid: this.core.log.lastZxid });
    return undefined;
  }

  private onSyncStart(message: QuorumMessage & { kind: 'diff' | 'trunc' | 'snap' }): string | undefined {
    if (this.phase !== 'epoch') return `${message.kind.toUpperCase()} in phase ${this.phase}`;
    const { log } = this.core;
    if (message.kind === 'diff' && message.zxid !== log.lastZxid) {
      return `DIFF from ${formatZxid(message.zxid)} but log ends at ${formatZxid(log.lastZxid)}`;
    }
    const from = message.kind === 'snap' ? message.snapshot.zxid : message.zxid;
    // Held in memory until NEWLEADER (the ZAB paper accepts the new history atomically):
    // a stream that breaks half way must not leave us with a mix of old epoch and new log.
    this.sync = { start: message, entries: [], lastZxid: from };
    this.core.event(`sync ${message.kind.toUpperCase()} ${formatZxid(from)} from leader ${this.leader}`);
    this.phase = 'sync';
    return undefined;
  }

  private onProposal(zxid: bigint, data: Buffer): string | undefined {
    if (this.phase === 'connecting' || this.phase === 'epoch') return 'PROPOSAL before sync';
    if (this.sync !== undefined) {
      assert(zxid > this.sync.lastZxid, `leader sends ${formatZxid(zxid)} in order`);
      this.sync.entries.push({ zxid, data });
      this.sync.lastZxid = zxid;
      return undefined;
    }
    this.appendFromLeader(zxid, data);
    // Once past NEWLEADER each proposal is acknowledged; the ACK leaves after the fsync.
    if (!this.observer) this.send({ kind: 'ack', zxid });
    return undefined;
  }

  private appendFromLeader(zxid: bigint, data: Buffer): void {
    assert(zxid > this.core.log.lastZxid, `leader sends ${formatZxid(zxid)} in order`);
    this.core.log.append({ zxid, data });
  }

  private onNewLeader(epoch: number): string | undefined {
    const sync = this.sync;
    if (this.phase !== 'sync' || sync === undefined) return `NEWLEADER in phase ${this.phase}`;
    if (epoch !== this.epoch) return `NEWLEADER for epoch ${epoch}, accepted ${this.epoch}`;
    const { start } = sync;
    if (start.kind === 'snap') {
      this.core.installSnapshot(start.snapshot);
    } else if (start.kind === 'trunc') {
      // Truncating a committed txn would lose it: the leader's choice must never ask that.
      assert(
        start.zxid >= this.core.committedZxid,
        `TRUNC to ${formatZxid(start.zxid)} keeps every committed txn`,
      );
      this.core.log.truncateAfter(start.zxid);
    }
    for (const entry of sync.entries) this.appendFromLeader(entry.zxid, entry.data);
    this.sync = undefined;
    // Ready order: the synced history is fsynced, then currentEpoch, then this ACK is sent
    // (ZOOKEEPER-4643/-4646/-4685: never claim the epoch or ACK before the history is durable).
    this.core.setCurrentEpoch(epoch);
    this.phase = 'acked';
    this.send({ kind: 'ack', zxid: makeZxid(epoch, 0) });
    return undefined;
  }

  /** The connection with `peer` broke: if it is our leader, our stream with it is broken. */
  linkDown(peer: number): void {
    if (peer === this.leader)
      this.core.stepDown(`connection with leader ${peer} broke in phase ${this.phase}`);
  }

  /** Advances time: repeats an unanswered learner info; gives up on a silent leader. */
  tick(): void {
    const { initLimit, syncLimit } = this.core.config;
    const now = this.core.tickCount;
    const limit = this.phase === 'serving' ? syncLimit : initLimit;
    if (now - this.lastHeardTick > limit) {
      this.core.stepDown(`leader ${this.leader} silent for ${limit} ticks in phase ${this.phase}`);
      return;
    }
    if (this.phase === 'connecting' && now - this.infoSentTick >= learnerInfoResendTicks) {
      this.infoSentTick = now;
      // The same first packet of the same stream again (what a TCP retransmit would be).
      const { id } = this.core.config;
      this.core.send({
        ...this.learnerInfo(),
        from: id,
        to: this.leader,
        link: this.link,
        sequence: 0,
      } as QuorumMessage);
    }
  }

  /** Sends a client's sync to the leader (serving learners only); `id` is the peer's sync id. */
  requestSync(id: number): boolean {
    if (!this.serving || this.syncs.length >= outstandingSyncsMax) return false;
    this.syncs.push(id);
    this.send({ kind: 'syncrequest' });
    assert(this.syncs.at(-1) === id, 'the sync waits last in line');
    return true;
  }

  /** Ids of syncs still waiting for the leader (they fail when this connection ends). */
  takeSyncs(): number[] {
    const ids = this.syncs;
    this.syncs = [];
    return ids;
  }

  /** Forwards a client's write to the leader (serving learners only). */
  forward(data: Buffer): boolean {
    if (!this.serving) return false;
    this.send({ kind: 'request', data });
    return true;
  }

  /** Records that a client kept `sessionId` alive; reported in the next ping reply. */
  touch(touch: SessionTouch): void {
    if (this.touches.size >= touchedSessionsMax && !this.touches.has(touch.sessionId)) return;
    this.touches.set(touch.sessionId, touch.timeoutMs);
  }

  private takeTouches(): SessionTouch[] {
    const touches = [...this.touches].map(([sessionId, timeoutMs]) => ({ sessionId, timeoutMs }));
    this.touches.clear();
    return touches;
  }

  private send(body: QuorumBody): void {
    const sequence = this.outSequence++;
    this.core.send(stampQuorumMessage(body, this.core.config.id, this.leader, this.link, sequence));
  }
}

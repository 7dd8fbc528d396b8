/**
 * Fast leader election (Apache's `FastLeaderElection`), as a pure object: notifications and
 * ticks in, notifications to send and a decision out.
 *
 * - A vote is (leader, its last zxid, its epoch). A new vote beats the current one when its
 *   peerEpoch is higher, else its zxid, else its server id ({@link betterVote}); a
 *   non-voter never wins.
 * - Each election round has a logical clock. A LOOKING notification from a later round
 *   makes us join that round (forget received votes, re-propose); an earlier round is
 *   answered with our own notification so the sender catches up.
 * - The election ends when a quorum of voters in our round agrees with our proposal and no
 *   better vote arrives within `finalizeWaitTicks`; or when a quorum of servers already
 *   FOLLOWING/LEADING agrees on a leader that itself says LEADING (a late joiner).
 * - While undecided, notifications are resent every `notificationIntervalTicks`, doubling up
 *   to `notificationIntervalMaxTicks` (Apache: 200 ms doubling to 60 s).
 * - A leader with the empty history (epoch 0, zxid 0: it has never been part of an
 *   established ensemble) needs every voter that can lead, not a quorum. Apache elects it with a quorum, so
 *   servers added with empty data dirs that outnumber the old ones (or old ones that lost
 *   their disks) can elect one of themselves while the servers holding the data are down or
 *   not yet restarted with the new configuration, and the old history is then truncated away
 *   — a known ZooKeeper weakness. Only a brand-new ensemble has every voter empty, and it
 *   needs all of them up for its first election only.
 */
import { assert } from '../../src/util/assert';
import type { NotificationMessage, Vote } from './messages';
import { allMembers, canLead, containsQuorum, isVoter, type Membership } from './quorum';
import { Role } from './role';

/** Settings of one server's elections. */
export interface ElectionOptions {
  readonly self: number;
  readonly membership: Membership;
  /** Ticks to wait for a better vote once a quorum agrees (Apache's finalizeWait); 0 decides at once. */
  readonly finalizeWaitTicks: number;
  /** First resend interval in ticks. */
  readonly notificationIntervalTicks: number;
  /** Largest resend interval in ticks. */
  readonly notificationIntervalMaxTicks: number;
}

/** What handling one input produced. */
export interface ElectionOutput {
  /** Notifications to send (never to ourselves). */
  readonly send: NotificationMessage[];
  /** The elected vote, once the election ends. */
  decided: Vote | undefined;
}

/** The vote of nobody: what an observer proposes before it hears a voter. */
export const NO_VOTE: Vote = { leader: -1, zxid: -1n, peerEpoch: -1 };

/** Apache's `totalOrderPredicate`: true if `candidate` beats `current` (a non-voter or a voter of weight 0 never does). */
export function betterVote(membership: Membership, candidate: Vote, current: Vote): boolean {
  if (!canLead(membership, candidate.leader)) return false;
  if (candidate.peerEpoch !== current.peerEpoch) return candidate.peerEpoch > current.peerEpoch;
  if (candidate.zxid !== current.zxid) return candidate.zxid > current.zxid;
  return candidate.leader > current.leader;
}

/** True if `vote` names a server with the empty history: no established epoch and no txn. */
export function isEmptyHistory(vote: Vote): boolean {
  return vote.peerEpoch === 0 && vote.zxid === 0n;
}

/** The voters that can lead (all of them but those of weight 0): who must agree on the empty history. */
function leadingVoters(membership: Membership): number[] {
  return membership.voters.filter((id) => canLead(membership, id));
}

/** True if two votes name the same leader with the same history. */
export function sameVote(a: Vote, b: Vote): boolean {
  return a.leader === b.leader && a.zxid === b.zxid && a.peerEpoch === b.peerEpoch;
}

interface OutOfElectionVote {
  readonly vote: Vote;
  readonly state: Role;
}

/** One server's participation in fast leader election. */
export class FastLeaderElection {
  /** The round of elections (Apache's logicalclock); not persisted. */
  logicalClock = 0;
  private proposalVote: Vote = NO_VOTE;
  private readonly received = new Map<number, Vote>();
  private readonly outOfElection = new Map<number, OutOfElectionVote>();
  private decideAtTick: number | undefined;
  private tickCount = 0;
  private ticksSinceSend = 0;
  private intervalTicks: number;
  private running = false;

  constructor(readonly options: ElectionOptions) {
    assert(options.finalizeWaitTicks >= 0, 'finalizeWaitTicks is non-negative');
    assert(
      options.notificationIntervalTicks >= 1 &&
        options.notificationIntervalMaxTicks >= options.notificationIntervalTicks,
      'notification intervals are positive and ordered',
    );
    this.intervalTicks = options.notificationIntervalTicks;
  }

  /** Our current proposal. */
  get proposal(): Vote {
    return this.proposalVote;
  }

  /** True between {@link start} and the decision. */
  get isRunning(): boolean {
    return this.running;
  }

  /**
   * Starts a new round proposing `initial` (ourselves, or {@link NO_VOTE} for an observer or a
   * voter of weight 0). `ownHistoryEmpty` says whether our log and epochs are empty (default:
   * what `initial` says; pass it when `initial` is {@link NO_VOTE}).
   */
  start(initial: Vote, ownHistoryEmpty = isEmptyHistory(initial)): ElectionOutput {
    this.ownHistoryEmpty = ownHistoryEmpty;
    this.logicalClock++;
    this.running = true;
    this.received.clear();
    this.outOfElection.clear();
    this.decideAtTick = undefined;
    this.intervalTicks = this.options.notificationIntervalTicks;
    this.initialVote = initial;
    const output: ElectionOutput = { send: [], decided: undefined };
    this.propose(initial, output);
    this.checkQuorum(output);
    return output;
  }

  private initialVote: Vote = NO_VOTE;
  private ownHistoryEmpty = true;

  /** Handles a notification while we are LOOKING. */
  receive(message: NotificationMessage): ElectionOutput {
    assert(this.running, 'only a running election takes notifications');
    assert(
      message.to === this.options.self && message.from !== this.options.self,
      'addressed to us by another',
    );
    const output: ElectionOutput = { send: [], decided: undefined };
    if (message.state === Role.LOOKING) this.receiveLooking(message, output);
    else this.receiveDecided(message, output);
    return output;
  }

  private receiveLooking(message: NotificationMessage, output: ElectionOutput): void {
    const { membership } = this.options;
    if (message.electionEpoch > this.logicalClock) {
      this.logicalClock = message.electionEpoch;
      this.received.clear();
      this.decideAtTick = undefined;
      const best = betterVote(membership, message.vote, this.initialVote) ? message.vote : this.initialVote;
      this.propose(best, output);
    } else if (message.electionEpoch < this.logicalClock) {
      // The sender is a round behind: tell it where we are, and ignore its vote.
      output.send.push(this.notification(message.from, Role.LOOKING));
      return;
    } else if (betterVote(membership, message.vote, this.proposalVote)) {
      this.propose(message.vote, output);
    }
    if (isVoter(membership, message.from)) this.received.set(message.from, message.vote);
    this.checkQuorum(output);
  }

  private receiveDecided(message: NotificationMessage, output: ElectionOutput): void {
    const { membership } = this.options;
    if (!isVoter(membership, message.from)) return;
    this.outOfElection.set(message.from, { vote: message.vote, state: message.state });
    if (message.electionEpoch === this.logicalClock) {
      this.received.set(message.from, message.vote);
      if (this.agreeing(this.received, message.vote) && this.leaderConfirmed(message)) {
        this.decide(message.vote, output);
        return;
      }
    }
    // Servers already past the election: compare only the leader and its epoch (their zxids
    // and rounds may differ, as Apache's ZOOKEEPER-1732 fix notes).
    const supporters: number[] = [];
    for (const [id, entry] of this.outOfElection) {
      if (entry.vote.leader === message.vote.leader && entry.vote.peerEpoch === message.vote.peerEpoch) {
        supporters.push(id);
      }
    }
    if (this.enoughToFollow(supporters, message.vote) && this.leaderConfirmed(message)) {
      this.logicalClock = message.electionEpoch;
      this.decide(message.vote, output);
    }
  }

  /** The leader must say it leads (or, if it is us, the round must be ours). */
  private leaderConfirmed(message: NotificationMessage): boolean {
    const leader = message.vote.leader;
    if (leader === this.options.self) return this.logicalClock === message.electionEpoch;
    const said = this.outOfElection.get(leader);
    return said !== undefined && said.state === Role.LEADING && said.vote.leader === leader;
  }

  /** Advances time: resends notifications, and ends the finalize wait. */
  tick(): ElectionOutput {
    const output: ElectionOutput = { send: [], decided: undefined };
    if (!this.running) return output;
    this.tickCount++;
    this.ticksSinceSend++;
    if (this.decideAtTick !== undefined && this.tickCount >= this.decideAtTick) {
      this.decideAtTick = undefined;
      if (this.agreeing(this.received, this.proposalVote)) {
        this.decide(this.proposalVote, output);
        return output;
      }
    }
    if (this.ticksSinceSend >= this.intervalTicks) {
      this.broadcast(Role.LOOKING, output);
      this.intervalTicks = Math.min(this.intervalTicks * 2, this.options.notificationIntervalMaxTicks);
    }
    return output;
  }

  /**
   * After the election, records that the elected leader established `peerEpoch`, so the
   * notifications we answer LOOKING peers with agree with the leader's own and a late
   * joiner can count them (Apache's updateElectionVote, ZOOKEEPER-1732).
   */
  updateVote(peerEpoch: number): void {
    assert(!this.running, 'the vote is only updated after the election');
    this.proposalVote = { ...this.proposalVote, peerEpoch };
  }

  /** Our notification to `to`, stating `state` (used to answer LOOKING peers after the decision). */
  notification(to: number, state: Role): NotificationMessage {
    return {
      kind: 'notification',
      from: this.options.self,
      to,
      state,
      vote: this.proposalVote,
      electionEpoch: this.logicalClock,
    };
  }

  private propose(vote: Vote, output: ElectionOutput): void {
    this.proposalVote = vote;
    this.decideAtTick = undefined;
    if (isVoter(this.options.membership, this.options.self)) this.received.set(this.options.self, vote);
    this.broadcast(Role.LOOKING, output);
  }

  private broadcast(state: Role, output: ElectionOutput): void {
    this.ticksSinceSend = 0;
    for (const id of allMembers(this.options.membership)) {
      if (id !== this.options.self) output.send.push(this.notification(id, state));
    }
  }

  private agreeing(votes: ReadonlyMap<number, Vote>, vote: Vote): boolean {
    const agreeing: number[] = [];
    for (const [id, received] of votes) if (sameVote(received, vote)) agreeing.push(id);
    const { membership } = this.options;
    if (isEmptyHistory(vote)) return leadingVoters(membership).every((id) => agreeing.includes(id));
    return containsQuorum(membership, agreeing);
  }

  /**
   * Late joiner: are the servers past the election that follow `vote` enough to follow it
   * too? A quorum; for a leader with the empty history, every other voter, and only if we
   * have nothing it lacks (our own history is empty too).
   */
  private enoughToFollow(supporters: readonly number[], vote: Vote): boolean {
    const { membership, self } = this.options;
    if (!isEmptyHistory(vote)) return containsQuorum(membership, supporters);
    if (isVoter(membership, self) && !this.ownHistoryEmpty) return false;
    return leadingVoters(membership).every((id) => id === self || supporters.includes(id));
  }

  private checkQuorum(output: ElectionOutput): void {
    if (!this.agreeing(this.received, this.proposalVote)) {
      this.decideAtTick = undefined;
      return;
    }
    if (this.options.finalizeWaitTicks === 0) this.decide(this.proposalVote, output);
    else if (this.decideAtTick === undefined)
      this.decideAtTick = this.tickCount + this.options.finalizeWaitTicks;
  }

  private decide(vote: Vote, output: ElectionOutput): void {
    assert(canLead(this.options.membership, vote.leader), `the elected server ${vote.leader} can lead`);
    this.proposalVote = vote;
    this.running = false;
    this.decideAtTick = undefined;
    output.decided = vote;
  }
}

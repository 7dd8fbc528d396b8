/**
 * The narrow port the role objects (leader.ts, learner.ts) use to act on their peer: the
 * log, the epochs, commit, sending on a link, and stepping down. The peer implements it;
 * keeping it small keeps each role readable on its own (etcd-io/raft swaps step/tick
 * functions per role the same way).
 */

import type { ZabLog } from './log';
import type { SessionTouch, Snapshot, ZabMessage } from './messages';
import type { PeerConfig } from './ready';

/** What a role may do to its peer. */
export interface PeerCore {
  readonly config: PeerConfig;
  readonly log: ZabLog;
  /** Ticks since the peer started. */
  readonly tickCount: number;
  readonly acceptedEpoch: number;
  readonly currentEpoch: number;
  readonly committedZxid: bigint;
  /** Highest zxid handed out for application (the runtime's state is exactly there). */
  readonly appliedZxid: bigint;
  /** Zxid through which the log is known durable (appends may be in flight above it). */
  readonly durableZxid: bigint;
  /** Readies cut so far (the next one is number `readyCount + 1`). */
  readonly readyCount: number;
  /** Leader: forwarded requests queued for the next Ready, not yet handed to the runtime. */
  readonly queuedRequestCount: number;
  /** Sets and queues for persistence the accepted epoch. */
  setAcceptedEpoch(epoch: number): void;
  /** Sets and queues for persistence the current epoch. */
  setCurrentEpoch(epoch: number): void;
  /** Marks every logged txn up to `zxid` committed. */
  commitThrough(zxid: bigint): void;
  /** Replaces the log and the applied state with a leader's snapshot. */
  installSnapshot(snapshot: Snapshot): void;
  /** Queues a message (sent after the current Ready's persistence). */
  send(message: ZabMessage): void;
  /** Leader: a request forwarded by a learner, for the runtime to propose. */
  forwarded(from: number, data: Buffer): void;
  /** Leader: sessions touched on a learner. */
  touched(touches: readonly SessionTouch[]): void;
  /** A client's sync (its id from `Peer.sync`) may be answered: everything before it is committed. */
  syncReleased(id: number): void;
  /** The leader's epoch is established: our election vote now names it (election.ts). */
  epochEstablished(epoch: number): void;
  /** Gives up the current role and starts an election. */
  stepDown(reason: string): void;
  /** Reports a protocol event. */
  event(text: string): void;
}

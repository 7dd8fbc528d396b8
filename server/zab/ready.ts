/**
 * The contract between the pure ZAB core and whoever runs it (the server runtime or the
 * simulator), after etcd-io/raft's `Ready`. The runtime loops:
 *
 *   1. `peer.step(message)` for each message received, `peer.tick()` every tick,
 *      `peer.propose(txn)` / `peer.forward(request)` for client writes;
 *   2. if `peer.hasReady()`: `const ready = peer.ready()`, then, strictly in this order:
 *      a. persist: install `snapshot`, then `truncateAfter`, then append `entries`, then
 *         write `hardState` (acceptedEpoch/currentEpoch) — and fsync all of it. Entries go
 *         before the epoch: a follower must never claim a new epoch whose history it has
 *         not made durable (ZOOKEEPER-4643). A Ready that carries a `snapshot` is a whole
 *         new history (a SNAP sync): persist it so that a crash leaves either the old state
 *         or all of the new one (write it aside, then switch with one rename);
 *      b. send `messages` (each to `message.to`; a lost message is allowed, a message sent
 *         before step a finished is not: an ACK promises durability, ZOOKEEPER-4646) —
 *         unless `messagesBeforePersist` is true: then they may leave before or while step a
 *         runs (a leader's PROPOSALs go to the followers while it fsyncs its own copy);
 *      c. apply `committed` to the database, in order (only committed txns are ever
 *         applied, so a truncated txn was never visible); then answer the client syncs in
 *         `syncs` (everything committed before each sync reached the leader is applied now)
 *         and fail those in `failedSyncs` (the leader was lost: connection loss);
 *      d. hand `sessionTouches` to the session tracker (leader only);
 *      e. `peer.advance(ready)`;
 *      f. PREP and propose `requests` (writes forwarded by learners, leader only), in order,
 *         before any other input: a learner's SYNC request that arrived behind them is queued
 *         when the next Ready is cut, so it waits for their proposals to commit.
 *   No step, tick or proposal may happen between `ready()` and `advance()`.
 */
import type { Random } from '../../src/util/random';
import type { LogEntry, SessionTouch, Snapshot, ZabMessage } from './messages';
import type { Membership } from './quorum';
import type { Role } from './role';

/** The epochs a peer must persist (Apache's `acceptedEpoch` and `currentEpoch` files). */
export interface HardState {
  /** The last epoch this peer agreed to (LEADERINFO accepted). */
  readonly acceptedEpoch: number;
  /** The epoch of the last leader whose history this peer holds (NEWLEADER acknowledged). */
  readonly currentEpoch: number;
}

/** What survives a restart: the durable epochs, the newest snapshot's zxid and the log after it. */
export interface PersistentState {
  readonly hardState: HardState;
  /** zxid of the snapshot the runtime restored (0n for none). */
  readonly snapshotZxid: bigint;
  /** Durable log entries after the snapshot, in zxid order. */
  readonly entries: readonly LogEntry[];
}

/** A write a learner forwarded to the leader. */
export interface ForwardedRequest {
  readonly from: number;
  readonly data: Buffer;
}

/** One batch of work for the runtime; see the module comment for the order. */
export interface Ready {
  /** The peer's role when the batch was cut (informational). */
  readonly role: Role;
  /** 1a. Replace the state and the log with this snapshot. */
  readonly snapshot: Snapshot | undefined;
  /** 1a. Then drop every log entry above this zxid. */
  readonly truncateAfter: bigint | undefined;
  /** 1a. Then append these entries. */
  readonly entries: readonly LogEntry[];
  /** 1a. Then write these epochs. */
  readonly hardState: HardState | undefined;
  /** 1b. Messages to send once everything above is durable (see `messagesBeforePersist`). */
  readonly messages: readonly ZabMessage[];
  /**
   * 1b. True if `messages` may be sent before (in parallel with) persisting this Ready: a
   * leader's Ready without epochs to write. Its PROPOSALs then reach followers while it
   * fsyncs (Apache's leader and raft thesis §10.2.1 do the same); this is safe because the
   * leader counts its own copy towards a quorum only at `advance`, after its fsync, and every
   * COMMIT or SYNC answer in it covers txns that were durable here already.
   */
  readonly messagesBeforePersist: boolean;
  /** 1c. Committed txns to apply, in zxid order. */
  readonly committed: readonly LogEntry[];
  /** 1c. After applying: ids (from `Peer.sync`) of client syncs that may now be answered. */
  readonly syncs: readonly number[];
  /** 1c. Ids of client syncs that can never be answered (leader lost): connection loss. */
  readonly failedSyncs: readonly number[];
  /** 1f. Requests forwarded by learners (leader only), proposed right after `advance`. */
  readonly requests: readonly ForwardedRequest[];
  /** 1d. Sessions learners' clients touched (leader only). */
  readonly sessionTouches: readonly SessionTouch[];
}

/** Settings of one peer; every timeout is a tick count. */
export interface PeerConfig {
  /** This server's id (`myid`). */
  readonly id: number;
  readonly membership: Membership;
  /** Ticks a learner has to connect and sync, and the leader to gather a quorum (zoo.cfg initLimit). */
  readonly initLimit: number;
  /** Ticks without hearing the other side before giving up on it (zoo.cfg syncLimit). */
  readonly syncLimit: number;
  /** Election settings; defaults in {@link defaultElectionTicks}. */
  readonly election?: Partial<ElectionTicks>;
  /** Seeded in tests; connection ids come from it. */
  readonly random: Random;
  /**
   * The applied state as a snapshot, for SNAP syncs. Called synchronously (as etcd-io/raft
   * calls `Storage.Snapshot()`); must return the state after exactly the txns this peer
   * handed out in `Ready.committed` so far (or the snapshot it installed).
   */
  readonly snapshot: () => Snapshot;
  /** Receives one line per protocol event (role changes, sync choices); for transcripts and logs. */
  readonly log?: (event: string) => void;
}

/** Election timing in ticks (see election.ts). */
export interface ElectionTicks {
  readonly finalizeWaitTicks: number;
  readonly notificationIntervalTicks: number;
  readonly notificationIntervalMaxTicks: number;
}

/** Default election tick counts (one tick ≈ Apache's tickTime / 2 loop). */
export const defaultElectionTicks: ElectionTicks = {
  finalizeWaitTicks: 1,
  notificationIntervalTicks: 2,
  notificationIntervalMaxTicks: 16,
};

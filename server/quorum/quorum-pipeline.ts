/**
 * The quorum runtime: drives one pure ZAB {@link Peer} with real time, TCP and storage, and
 * is the server's {@link TxnPipeline} in an ensemble.
 *
 * One loop owns the peer (no input may reach it between `ready()` and `advance()`):
 *
 *   1. feed inputs: received messages → `peer.step()`, due ticks → `peer.tick()`; on the
 *      serving leader, queued writes are PREPared (db.prepare, with the pending overlay) and
 *      `peer.propose()`d; on a serving learner, queued writes are `peer.forward()`ed;
 *   2. if the peer has a Ready, in the order ready.ts documents: persist (SNAP: restore the
 *      database and store the snapshot; TRUNC: `log.truncateAfter`; entries: `log.append`,
 *      group-committed; epochs: `state.set`) → send messages → apply committed txns
 *      (db.apply, watch notifications, replies to writes that started here) → queue writes
 *      learners forwarded, refresh sessions their clients touched → `peer.advance()`;
 *   3. repeat until there is nothing to do.
 *
 * Replies: the leader matches a local write by the zxid it proposed; a learner by the
 * (session id, cxid) of the txn it applies. A member that stops serving (leader lost,
 * election) discards PREP's pending overlay, forgets pending replies and closes every client
 * connection: clients reconnect elsewhere and retry, as with Apache.
 */
import { OpCode } from '../../src/protocol/constants';
import { ErrorCode } from '../../src/protocol/errors';
import { Reader } from '../../src/protocol/reader';
import { decodeTxnEntry, encodeTxnEntry } from '../../src/protocol/txn';
import { Writer } from '../../src/protocol/writer';
import { assert } from '../../src/util/assert';
import type { QuorumStatus, ServerMode } from '../admin/four-letter-words';
import { ZooKeeperDatabase } from '../data/database';
import type { RequestContext, WriteRequest } from '../data/prep';
import type { ServerConnection } from '../network/server-connection';
import type { AppliedCallback, TxnPipeline } from '../runtime/txn-pipeline';
import type { ZooKeeperServer } from '../runtime/zookeeper-server';
import type { LogEntry, Snapshot, ZabMessage } from '../zab/messages';
import type { Peer } from '../zab/peer';
import type { ForwardedRequest, Ready } from '../zab/ready';
import { Role, roleName } from '../zab/role';
import { decodeForwarded, encodeForwarded } from './forwarded-request';
import type { PeerMessage } from './peer-codec';
import type { PeerTransport } from './peer-transport';

/** Bounds of the loop's queues. */
export const quorumPipelineLimits = {
  /** Writes waiting for PREP on the leader or for forwarding on a learner. */
  queuedWritesMax: 100_000,
  /** Received messages waiting for the loop. */
  inboxMessagesMax: 1_000_000,
  /** Ticks remembered while the loop is busy (more are dropped: time is coarse anyway). */
  ticksDueMax: 100,
  /** Ready batches handled per loop run before yielding to I/O. */
  roundsPerRunMax: 10_000,
} as const;

type LeaderWork =
  | {
      readonly kind: 'write';
      readonly write: WriteRequest;
      readonly context: RequestContext;
      readonly onApplied: AppliedCallback | undefined;
      readonly origin: ServerConnection | undefined;
    }
  | {
      readonly kind: 'sync-local';
      readonly callback: () => void;
      readonly origin: ServerConnection | undefined;
    };

/** A learner's queue to its leader: writes (REQUEST) and syncs, kept in the client's order. */
type ForwardWork =
  | { readonly kind: 'write'; readonly data: Buffer; readonly origin: ServerConnection | undefined }
  | { readonly kind: 'sync'; readonly callback: () => void; readonly origin: ServerConnection | undefined };

/** A client sync the ZAB core holds (Peer.sync): answered via Ready.syncs, failed via failedSyncs. */
interface SyncWaiter {
  readonly callback: () => void;
  readonly origin: ServerConnection | undefined;
}

/** What the pipeline is built from (see quorum-mode.ts). */
export interface QuorumPipelineParts {
  readonly server: ZooKeeperServer;
  /** The ZAB peer, its snapshot port reading this server's database. */
  readonly peer: Peer;
  readonly transport: PeerTransport;
  /** Real milliseconds per peer tick. */
  readonly peerTickMs: number;
  /** Called on every role, leader or serving change (read-only mode listens here). */
  readonly onRoleChange?: (role: Role) => void;
}

/** The pipeline of an ensemble member. */
export class QuorumPipeline implements TxnPipeline {
  private readonly server: ZooKeeperServer;
  private readonly peer: Peer;
  readonly transport: PeerTransport;
  private readonly peerTickMs: number;
  private readonly onRoleChange: ((role: Role) => void) | undefined;
  private readonly txnWriter = new Writer(4096);
  private inbox: PeerMessage[] = [];
  private ticksDue = 0;
  private leaderWork: LeaderWork[] = [];
  private forwards: ForwardWork[] = [];
  private readonly repliesByZxid = new Map<bigint, AppliedCallback>();
  private readonly repliesByRequest = new Map<string, AppliedCallback>();
  private readonly syncs = new Map<number, SyncWaiter>();
  private readonly heldLearnerInfos = new Map<number, { message: ZabMessage; tick: number }>();
  private compactTo: bigint | undefined;
  private pumping = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private tickTimer: NodeJS.Timeout | undefined;
  /** The leader's background appends, chained in order (see processLeaderReady). */
  private appendsInFlight: Promise<void> = Promise.resolve();
  /** Readies whose background appends are durable, to report to the peer in order. */
  private persistedReadies: Ready[] = [];
  /** Members whose quorum connection broke since the last loop (at most one entry each). */
  private readonly linksDown = new Set<number>();
  private roleKey = '';
  /** When this member last became a serving leader (`zk_leader_uptime`). */
  private leadingSinceMs = 0;
  /** Sizes of the proposals of this term (`Proposal sizes last/min/max`; -1 before the first). */
  private proposalSizes = { last: -1, min: -1, max: -1 };
  private wasServing = false;
  private servedLeader: number | undefined;

  constructor(parts: QuorumPipelineParts) {
    this.server = parts.server;
    this.peer = parts.peer;
    this.transport = parts.transport;
    this.peerTickMs = parts.peerTickMs;
    this.onRoleChange = parts.onRoleChange;
  }

  // ---- TxnPipeline -----------------------------------------------------------------------

  get mode(): ServerMode {
    if (this.peer.role === Role.LEADING) return 'leader';
    if (this.peer.role === Role.OBSERVING) return 'observer';
    return 'follower';
  }

  get serving(): boolean {
    return !this.stopped && this.peer.serving;
  }

  get ownsSessions(): boolean {
    return this.serving && this.peer.role === Role.LEADING;
  }

  /** The peer's role now (for tests and status). */
  get role(): Role {
    return this.peer.role;
  }

  /** The leader this member follows (itself when leading), or undefined while LOOKING. */
  get leader(): number | undefined {
    return this.peer.leader;
  }

  /** The last zxid this member logged. */
  get lastLoggedZxid(): bigint {
    return this.peer.log.lastZxid;
  }

  async start(): Promise<void> {
    await this.transport.start();
    this.tickTimer = setInterval(() => {
      if (this.ticksDue < quorumPipelineLimits.ticksDueMax) this.ticksDue++;
      this.pump();
    }, this.peerTickMs);
    this.tickTimer.unref();
    this.noteRole();
    this.pump();
  }

  submit(
    write: WriteRequest,
    context: RequestContext,
    onApplied?: AppliedCallback,
    origin?: ServerConnection,
  ): void {
    if (this.leaderWork.length + this.forwards.length >= quorumPipelineLimits.queuedWritesMax) {
      origin?.close('too many writes queued');
      return;
    }
    if (this.peer.role === Role.LEADING) {
      this.leaderWork.push({ kind: 'write', write, context, onApplied, origin });
    } else {
      if (!this.serving) {
        origin?.close('server is not serving');
        return;
      }
      if (onApplied !== undefined)
        this.repliesByRequest.set(requestKey(context.sessionId, context.cxid), onApplied);
      const data = encodeForwarded({
        kind: 'write',
        sessionId: context.sessionId,
        cxid: context.cxid,
        authIds: context.authIds,
        write,
      });
      this.forwards.push({ kind: 'write', data, origin });
    }
    this.pump();
  }

  afterPreparedWrites(callback: () => void, origin?: ServerConnection): void {
    // The ZAB core answers syncs (Peer.sync): after the writes queued before it are proposed
    // (leader) or forwarded (learner), so they are among what the sync waits for.
    if (this.peer.role === Role.LEADING) {
      this.leaderWork.push({ kind: 'sync-local', callback, origin });
    } else {
      if (!this.serving) {
        origin?.close('server is not serving');
        return;
      }
      this.forwards.push({ kind: 'sync', callback, origin });
    }
    this.pump();
  }

  touchSession(sessionId: bigint, timeoutMs: number): void {
    if (this.peer.role === Role.FOLLOWING || this.peer.role === Role.OBSERVING)
      this.peer.touchSession({ sessionId, timeoutMs });
  }

  revalidateSession(sessionId: bigint, timeoutMs: number): void {
    if (this.peer.role === Role.LEADING) {
      // Apache's leader takes a session reattached to one of its own clients for itself.
      this.server.sessions.setOwner(sessionId, this.server);
      return;
    }
    if (this.peer.role !== Role.FOLLOWING && this.peer.role !== Role.OBSERVING) return;
    // Queued with the writes: the leader makes us the owner before it sees the client's next
    // write from here, and refuses what the session's old server forwards after that.
    const data = encodeForwarded({ kind: 'revalidate', sessionId, timeoutMs });
    this.forwards.push({ kind: 'write', data, origin: undefined });
    this.pump();
  }

  sessionError(sessionId: bigint): number {
    // Apache's checkSession with this server as the owner. It decides on the leader only
    // (a learner's owners are all itself; the leader checks what learners forward).
    return this.server.sessions.checkSession(sessionId, this.server);
  }

  async close(): Promise<void> {
    this.stop();
    await this.idle;
    await this.appendsInFlight;
    await this.transport.close();
  }

  async abort(): Promise<void> {
    this.stop();
    await this.transport.close();
  }

  private stop(): void {
    this.stopped = true;
    if (this.tickTimer !== undefined) clearInterval(this.tickTimer);
    this.tickTimer = undefined;
  }

  /** A message from a peer (the transport's delivery callback). */
  deliver(message: PeerMessage): void {
    if (this.stopped) return;
    if (this.inbox.length >= quorumPipelineLimits.inboxMessagesMax) return; // loss is allowed
    this.inbox.push(message);
    this.pump();
  }

  /** A quorum connection with `peer` broke (the transport's callback): the peer hears of it. */
  linkDown(peer: number): void {
    if (this.stopped) return;
    this.linksDown.add(peer);
    this.pump();
  }

  /** Forgets logged txns up to `zxid` once a snapshot there is durable. */
  compactThrough(zxid: bigint): void {
    if (this.compactTo === undefined || zxid > this.compactTo) this.compactTo = zxid;
    this.pump();
  }

  // ---- the loop --------------------------------------------------------------------------

  private pump(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    this.idle = this.run().then(
      () => {
        this.pumping = false;
        if (this.hasInput() || this.peer.hasReady()) setImmediate(() => this.pump());
      },
      (error: unknown) => {
        this.pumping = false;
        this.fail(error);
      },
    );
  }

  private hasInput(): boolean {
    return (
      this.inbox.length > 0 ||
      this.persistedReadies.length > 0 ||
      this.linksDown.size > 0 ||
      this.ticksDue > 0 ||
      this.leaderWork.length > 0 ||
      this.forwards.length > 0
    );
  }

  private async run(): Promise<void> {
    for (let round = 0; round < quorumPipelineLimits.roundsPerRunMax; round++) {
      if (this.stopped) return;
      this.feedInputs();
      if (!this.peer.hasReady()) return;
      await this.processReady(this.peer.ready());
      this.noteRole();
    }
  }

  private feedInputs(): void {
    // The leader counts its own copy of these entries from now on (ready.ts, advance).
    for (const ready of this.persistedReadies) this.peer.reportPersisted(ready);
    this.persistedReadies = [];
    const inbox = this.inbox;
    this.inbox = [];
    for (const message of inbox) {
      if (this.holdLearnerInfo(message)) continue;
      this.peer.step(message as ZabMessage);
    }
    // After the messages that arrived before the close (the transport delivers in order).
    for (const peer of this.linksDown) this.peer.reportLinkDown(peer);
    this.linksDown.clear();
    for (; this.ticksDue > 0; this.ticksDue--) this.peer.tick();
    this.releaseLearnerInfos();
    this.noteRole();
    const compactTo = this.compactTo;
    if (compactTo !== undefined && compactTo > this.peer.log.baseZxid && compactTo <= this.peer.appliedZxid) {
      this.peer.compact(compactTo);
      this.compactTo = undefined;
    }
    this.runLeaderWork();
    this.runForwards();
  }

  /**
   * A learner may decide on us before we decide to lead. The core's learner repeats its
   * FOLLOWERINFO/OBSERVERINFO every two ticks until answered (as Apache's learner keeps
   * connecting), so nothing stalls; holding the one that reaches us while LOOKING until we
   * lead only saves that wait on a failover — it is dropped when we follow someone else or
   * it is older than initLimit.
   */
  private holdLearnerInfo(message: PeerMessage): boolean {
    if (message.kind !== 'followerinfo' && message.kind !== 'observerinfo') return false;
    if (this.peer.role !== Role.LOOKING) return false;
    this.heldLearnerInfos.set(message.from, { message, tick: this.peer.tickCount });
    return true;
  }

  private releaseLearnerInfos(): void {
    if (this.heldLearnerInfos.size === 0 || this.peer.role === Role.LOOKING) return;
    const held = [...this.heldLearnerInfos.values()];
    this.heldLearnerInfos.clear();
    if (this.peer.role !== Role.LEADING) return;
    for (const { message, tick } of held) {
      if (this.peer.tickCount - tick <= this.peer.config.initLimit) this.peer.step(message);
    }
  }

  private async processReady(ready: Ready): Promise<void> {
    if (ready.messagesBeforePersist) {
      this.processLeaderReady(ready);
      return;
    }
    // Entries before epochs, appends before a truncation: the leader's appends in flight first.
    await this.appendsInFlight;
    await this.persist(ready);
    if (this.stopped) return; // killed while persisting: a crash sends and applies nothing more
    for (const message of ready.messages) this.transport.send(message);
    this.finishReady(ready, true);
  }

  /**
   * A leader's Ready of appends (ready.ts, messagesBeforePersist): its PROPOSALs leave at once
   * and its entries are group-committed in the background, so ACKs and requests keep being
   * stepped while the fsync runs; `peer.reportPersisted` tells the core when it is done (only
   * then does the leader count its own copy). Its COMMITs cover txns durable already.
   */
  private processLeaderReady(ready: Ready): void {
    for (const message of ready.messages) this.transport.send(message);
    const { log } = this.server.storage;
    const appended = Promise.all(ready.entries.map((entry) => log.append(entry.zxid, entry.data)));
    appended.catch(() => undefined); // observed through the chain below, maybe a little later
    this.appendsInFlight = this.appendsInFlight
      .then(() => appended)
      .then(
        () => {
          if (this.stopped) return;
          this.persistedReadies.push(ready);
          this.pump();
        },
        (error: unknown) => this.fail(error),
      );
    this.finishReady(ready, false);
  }

  /** Apply, settle syncs and sessions, advance, then propose forwarded writes (ready.ts c–f). */
  private finishReady(ready: Ready, persisted: boolean): void {
    for (const entry of ready.committed) this.apply(entry);
    this.settleSyncs(ready);
    const now = Date.now();
    for (const touch of ready.sessionTouches)
      this.server.sessions.touchSession(touch.sessionId, now, touch.timeoutMs);
    this.peer.advance(ready, persisted);
    // Proposed now, before any other input reaches the peer: a learner's sync that arrived
    // behind these writes is queued at the next Ready, after their proposals (ready.ts, d).
    if (ready.requests.length > 0) {
      const timeMs = BigInt(Date.now());
      for (const request of ready.requests) this.acceptForwarded(request, timeMs);
    }
  }

  private async persist(ready: Ready): Promise<void> {
    const { storage } = this.server;
    if (ready.snapshot !== undefined) await this.installSnapshot(ready.snapshot);
    if (ready.truncateAfter !== undefined) await storage.log.truncateAfter(ready.truncateAfter);
    if (ready.entries.length > 0) {
      // One group commit: every append of the batch shares the log's next write and fsync.
      await Promise.all(ready.entries.map((entry) => storage.log.append(entry.zxid, entry.data)));
    }
    if (ready.hardState !== undefined) {
      await storage.state.set({
        acceptedEpoch: BigInt(ready.hardState.acceptedEpoch),
        currentEpoch: BigInt(ready.hardState.currentEpoch),
      });
    }
  }

  private async installSnapshot(snapshot: Snapshot): Promise<void> {
    const { storage, config } = this.server;
    const db = ZooKeeperDatabase.restore<ServerConnection>([snapshot.data], snapshot.zxid, {
      skipAcl: config.skipAcl,
      extendedTypesEnabled: config.extendedTypesEnabled,
    });
    // The snapshot file is written aside and renamed into place; then the log loses what
    // lies above it. Recovery reads the newest snapshot and only the log after it.
    await storage.snapshots.write(snapshot.zxid, [snapshot.data]);
    if (storage.log.lastZxid > snapshot.zxid) await storage.log.truncateAfter(snapshot.zxid);
    this.server.replaceDatabase(db);
    this.server.logger.info(`installed the leader's snapshot at 0x${snapshot.zxid.toString(16)}`);
  }

  private apply(logged: LogEntry): void {
    const entry = decodeTxnEntry(new Reader(logged.data));
    assert(entry.header.zxid === logged.zxid, 'a logged txn carries its own zxid');
    let callback: AppliedCallback | undefined;
    if (this.peer.role === Role.LEADING) {
      callback = this.repliesByZxid.get(logged.zxid);
      this.repliesByZxid.delete(logged.zxid);
    } else {
      const key = requestKey(entry.header.clientId, entry.header.cxid);
      callback = this.repliesByRequest.get(key);
      this.repliesByRequest.delete(key);
    }
    this.server.applyCommitted(entry, callback);
    if (entry.txn.type === OpCode.createSession) {
      // Every member learns the session; only the leader's tracker expires it.
      this.server.sessions.trackSession(entry.header.clientId, entry.txn.body.timeOut, Date.now());
    }
  }

  private acceptForwarded(request: ForwardedRequest, timeMs: bigint): void {
    if (this.peer.role !== Role.LEADING || !this.peer.serving) return; // the learner's client retries
    let forwarded: ReturnType<typeof decodeForwarded>;
    try {
      forwarded = decodeForwarded(request.data);
    } catch (error) {
      this.server.logger.warn(`bad request forwarded by server ${request.from}: ${String(error)}`);
      return;
    }
    if (forwarded.kind === 'sync') {
      // Syncs travel as the core's own SYNC requests, never as opaque REQUEST bytes.
      this.server.logger.warn(`server ${request.from} forwarded a sync as a plain request`);
      return;
    }
    if (forwarded.kind === 'revalidate') {
      const { sessionId, timeoutMs } = forwarded;
      this.server.sessions.revalidate(sessionId, request.from, Date.now(), timeoutMs);
      return;
    }
    const { sessionId, cxid, authIds, write } = forwarded;
    // The owner check (SESSIONMOVED) is made here, in the order the leader proposes: the
    // learner that sent it must be where the session's client is attached now.
    const sessions = this.server.sessions;
    if (write.type === OpCode.createSession) {
      sessions.trackSession(sessionId, write.request.timeOut, Date.now());
      sessions.setOwner(sessionId, request.from);
    }
    const context: RequestContext =
      write.type === OpCode.createSession
        ? { sessionId, cxid, authIds }
        : { sessionId, cxid, authIds, sessionError: sessions.checkSession(sessionId, request.from) };
    this.propose({ kind: 'write', write, context, onApplied: undefined, origin: undefined }, timeMs);
  }

  /** The serving leader PREPs and proposes queued writes, and answers queued syncs. */
  private runLeaderWork(): void {
    if (this.leaderWork.length === 0) return;
    const work = this.leaderWork;
    this.leaderWork = [];
    if (this.peer.role !== Role.LEADING || !this.peer.serving) {
      for (const item of work) item.origin?.close('leader is not serving');
      return;
    }
    const timeMs = BigInt(Date.now());
    for (const item of work) {
      if (item.kind === 'sync-local') this.startSync(item);
      else this.propose(item, timeMs);
    }
  }

  /** Hands a client's sync to the core; Ready.syncs or Ready.failedSyncs settles it. */
  private startSync(waiter: SyncWaiter): void {
    let id: number;
    try {
      id = this.peer.sync();
    } catch (error) {
      this.server.logger.warn(`sync dropped: ${String(error)}`);
      waiter.origin?.close('sync dropped');
      return;
    }
    assert(!this.syncs.has(id), 'sync ids are unique while outstanding');
    this.syncs.set(id, waiter);
  }

  /** After a Ready's txns are applied: answer released syncs, drop the clients of failed ones. */
  private settleSyncs(ready: Ready): void {
    for (const id of ready.syncs) {
      const waiter = this.syncs.get(id);
      this.syncs.delete(id);
      waiter?.callback();
    }
    for (const id of ready.failedSyncs) {
      const waiter = this.syncs.get(id);
      this.syncs.delete(id);
      // The leader was lost: the client sees a connection loss and retries elsewhere.
      waiter?.origin?.close('leader lost during sync');
    }
  }

  private propose(item: LeaderWork & { kind: 'write' }, timeMs: bigint): void {
    const zxid = this.peer.nextZxid;
    assert(zxid !== undefined, 'a serving leader has a next zxid');
    if (item.write.type === OpCode.closeSession)
      this.server.sessions.setSessionClosing(item.context.sessionId);
    // A client of ours, checked when it arrived: check again at PREP, since a learner may
    // have revalidated its session since (forwarded writes are checked as they are proposed).
    if (item.origin !== undefined && item.context.sessionError === ErrorCode.OK)
      item.context.sessionError = this.sessionError(item.context.sessionId);
    const entry = this.server.db.prepare(item.write, item.context, zxid, timeMs);
    this.txnWriter.reset();
    encodeTxnEntry(this.txnWriter, entry);
    let proposed: bigint;
    try {
      const data = this.txnWriter.finish();
      proposed = this.peer.propose(data);
      this.noteProposalSize(data.length);
    } catch (error) {
      // Out of zxids in this epoch: the peer abdicated; the client retries with the next leader.
      this.server.logger.warn(`proposal dropped: ${String(error)}`);
      item.origin?.close('proposal dropped');
      return;
    }
    assert(proposed === zxid, 'the txn was prepared for the zxid it was proposed under');
    if (item.onApplied !== undefined) this.repliesByZxid.set(zxid, item.onApplied);
  }

  private noteProposalSize(bytes: number): void {
    const sizes = this.proposalSizes;
    sizes.last = bytes;
    sizes.min = sizes.min === -1 ? bytes : Math.min(sizes.min, bytes);
    sizes.max = Math.max(sizes.max, bytes);
  }

  quorumStatus(): QuorumStatus {
    const peer = this.peer;
    const quorumSize = peer.config.membership.voters.length;
    const peerState = detailedPeerState(peer.role, peer.phase);
    const counts = peer.learnerCounts;
    if (peer.role !== Role.LEADING || counts === undefined) return { peerState, quorumSize };
    return {
      peerState,
      quorumSize,
      leader: {
        ...counts,
        uptimeMs: peer.serving ? Date.now() - this.leadingSinceMs : 0,
        proposalSizes: { ...this.proposalSizes },
      },
    };
  }

  /** A serving learner hands queued writes and syncs to its leader. */
  private runForwards(): void {
    if (this.forwards.length === 0) return;
    const forwards = this.forwards;
    this.forwards = [];
    const learning = this.peer.role === Role.FOLLOWING || this.peer.role === Role.OBSERVING;
    for (const item of forwards) {
      if (!learning || !this.peer.serving) {
        item.origin?.close('server is not serving');
        continue;
      }
      if (item.kind === 'sync') this.startSync(item);
      else this.peer.forward(item.data);
    }
  }

  /** Reacts to role and leader changes: serving starts, or stops and drops clients. */
  private noteRole(): void {
    const { role, leader, serving } = this.peer;
    const key = `${role}/${leader}/${serving}`;
    if (key === this.roleKey) return;
    this.roleKey = key;
    this.server.logger.info(
      `${roleName(role)}${leader === undefined ? '' : ` (leader ${leader})`}${serving ? ', serving' : ''}`,
    );
    this.onRoleChange?.(role);
    if (this.wasServing && (!serving || leader !== this.servedLeader)) this.loseService();
    if (serving && !this.wasServing) {
      // A new term: every session gets a full timeout from now at its (new) leader.
      this.server.resetSessions();
      this.servedLeader = leader;
      if (role === Role.LEADING) {
        this.leadingSinceMs = Date.now();
        this.proposalSizes = { last: -1, min: -1, max: -1 };
      }
    }
    this.wasServing = serving;
  }

  private loseService(): void {
    this.server.db.discardPending();
    for (const item of this.leaderWork) item.origin?.close('leader changed');
    for (const item of this.forwards) item.origin?.close('leader changed');
    this.leaderWork = [];
    this.forwards = [];
    this.repliesByZxid.clear();
    this.repliesByRequest.clear();
    for (const waiter of this.syncs.values()) waiter.origin?.close('leader changed');
    this.syncs.clear();
    this.servedLeader = undefined;
    // Apache's learner and leader shut their client side down on a role change: clients
    // reconnect to a serving member and retry what was pending.
    for (const connection of [...this.server.connections]) connection.close('server stopped serving');
  }

  private fail(error: unknown): void {
    if (this.stopped) return;
    this.server.logger.error(
      `quorum runtime stopped: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    void this.server.abort();
  }
}

function requestKey(sessionId: bigint, cxid: number): string {
  return `${sessionId}:${cxid}`;
}

/**
 * Apache's detailed peer state (`QuorumPeer.getDetailedPeerState`): the role in lower case,
 * then the ZAB phase unless electing — `leading - broadcast`, `following - synchronization`.
 */
export function detailedPeerState(role: Role, phase: string): string {
  const name = roleName(role).toLowerCase();
  if (role === Role.LOOKING) return name;
  return `${name} - ${zabPhaseName(phase)}`;
}

/** A leader's or learner's phase (leader.ts, learner.ts) as Apache's ZabState names it. */
function zabPhaseName(phase: string): string {
  switch (phase) {
    case 'broadcast':
    case 'serving':
      return 'broadcast';
    case 'sync':
    case 'acked':
      return 'synchronization';
    case 'election':
      return 'election';
    default:
      // leader: discovery, epoch; learner: connecting, epoch
      return 'discovery';
  }
}

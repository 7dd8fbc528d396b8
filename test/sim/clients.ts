/**
 * Simulated ZooKeeper clients and the leader's session expiry, driving the state machine of
 * state-machine.ts through the ensemble and recording what each client saw for the checkers
 * of client-checkers.ts.
 *
 * A client owns a session and is connected to one serving server (ZooKeeper's rules: it
 * connects only to a server that has applied at least the last zxid it saw; the connection
 * ends when the server crashes, stops serving or changes leader, and every pending request's
 * outcome is then unknown). It pipelines up to {@link pipelineMax} requests: writes (set,
 * create/delete of its ephemerals, close) proposed on the leader or forwarded by a learner
 * and acknowledged when its server applies them; plain reads of its server's state; and
 * sync+read (Peer.sync, then the read once released). Replies come in request order, as on
 * one ZooKeeper connection. Clients also crash (their sessions then expire) and close
 * sessions. The leader expires sessions nobody touched for `sessionTimeoutTicks`; learners
 * report touches in their pings.
 *
 * Times are one counter shared by invocations and replies, so the linearizability checker
 * sees the exact real-time order of the simulation.
 */

import type { Peer } from '../../server/zab/peer';
import type { Ready } from '../../server/zab/ready';
import { Role } from '../../server/zab/role';
import type { Random } from '../../src/util/random';
import { InvariantViolation } from './checkers';
import {
  checkEphemerals,
  checkLinearizable,
  checkMonotonicSessions,
  checkSessionFifo,
  type HistoryTxn,
  type ReadRecord,
  type SessionObservation,
  type WriteRecord,
} from './client-checkers';
import type { Cluster } from './cluster';
import {
  decodeSim,
  encodeSim,
  prepareSim,
  type SimRequest,
  type SimState,
  type SimTxn,
  StateTracker,
} from './state-machine';

/** Requests one client keeps in flight. */
export const pipelineMax = 3;

/** Workload settings drawn from the seed. */
export interface WorkloadOptions {
  readonly clients: number;
  readonly keys: number;
  /** Chance per tick that a connected client issues a request. */
  readonly requestProbability: number;
  readonly sessionTimeoutTicks: number;
  /** Chance per tick that a client crashes (stops touching its session). */
  readonly clientCrashProbability: number;
}

type Pending =
  | { readonly kind: 'write'; readonly record: WriteRecord }
  | { readonly kind: 'read'; readonly key: string; readonly invokeAt: number }
  | {
      readonly kind: 'sync-read';
      readonly key: string;
      readonly invokeAt: number;
      readonly syncId: number;
      released: boolean;
    };

interface SimClient {
  readonly index: number;
  session: number | undefined;
  sessionLive: boolean;
  sequence: number;
  server: number | undefined;
  peer: Peer | undefined;
  generation: number;
  connection: number;
  pending: Pending[];
  lastZxidSeen: bigint;
  reconnectAt: number;
  crashedUntil: number;
  ephemerals: string[];
}

interface SessionTracker {
  readonly lastTouch: Map<number, number>;
  readonly expiring: Set<number>;
}

/** The clients of one simulation run. */
export class ClientWorkload {
  readonly writes: WriteRecord[] = [];
  readonly reads: ReadRecord[] = [];
  readonly observations: SessionObservation[] = [];
  /** `session:sequence` → time the first server applied it. */
  readonly firstApplied = new Map<string, number>();
  private readonly states: StateTracker;
  private readonly clients: SimClient[] = [];
  private readonly bySession = new Map<number, SimClient>();
  private readonly generations = new Map<number, number>();
  private readonly trackers = new Map<Peer, SessionTracker>();
  /**
   * The connection each session talks through (Apache's session owner, set when a client
   * reconnects and the server revalidates the session with the leader; here at once).
   */
  private readonly owners = new Map<number, number>();
  /** The connection each issued request came through (`session:sequence`). */
  private readonly requestConnections = new Map<string, number>();
  private clock = 0;
  private sessions = 0;
  private connections = 0;
  private values = 0;
  private now = 0;
  /** False in the liveness phase: no new requests. */
  active = true;
  /** Receives one line per client event (`npm run sim -- --seed N --trace`). */
  trace: ((line: string) => void) | undefined;

  constructor(
    private readonly cluster: Cluster,
    private readonly ids: readonly number[],
    private readonly options: WorkloadOptions,
    private readonly random: Random,
  ) {
    this.states = new StateTracker(
      (id) => cluster.checker.appliedBy(id),
      () => cluster.checker.history,
    );
    for (let index = 0; index < options.clients; index++) {
      this.clients.push({
        index,
        session: undefined,
        sessionLive: false,
        sequence: 0,
        server: undefined,
        peer: undefined,
        generation: 0,
        connection: 0,
        pending: [],
        lastZxidSeen: 0n,
        reconnectAt: 0,
        crashedUntil: 0,
        ephemerals: [],
      });
    }
  }

  /** A server's state (what a read there returns). */
  stateOf(id: number): SimState {
    return this.states.state(id);
  }

  /** Protocol events: a role change ends every client connection to that server. */
  onEvent(id: number, text: string): void {
    if (text.includes('-> LOOKING')) this.generations.set(id, (this.generations.get(id) ?? 0) + 1);
  }

  /** Start of a tick: connection checks, reconnects, client crashes. */
  tick(now: number): void {
    this.now = now;
    for (const client of this.clients) {
      if (now < client.crashedUntil) continue;
      if (client.server !== undefined && !this.connectionAlive(client)) this.disconnect(client);
      if (
        this.active &&
        client.server !== undefined &&
        this.random.next() < this.options.clientCrashProbability
      ) {
        this.disconnect(client);
        // Its session is abandoned, untouched: the leader must expire it.
        this.endSession(client);
        client.crashedUntil = now + 1 + this.random.int(2 * this.options.sessionTimeoutTicks);
        continue;
      }
      if (client.server === undefined && now >= client.reconnectAt) this.connect(client);
    }
  }

  /** Server `id` takes input now (not mid-Ready): clients there touch and issue; the leader expires. */
  act(id: number): void {
    const peer = this.cluster.node(id).peer;
    if (peer === undefined || !peer.serving || this.cluster.busy(id)) return;
    if (peer.role === Role.LEADING) this.expireSessions(id, peer);
    for (const client of this.clients) {
      if (client.server !== id || client.peer !== peer || this.now < client.crashedUntil) continue;
      if (client.session !== undefined) this.touch(peer, client.session);
      if (
        this.active &&
        client.pending.length < pipelineMax &&
        this.random.next() < this.options.requestProbability
      )
        this.issue(client, peer);
    }
  }

  private connectionAlive(client: SimClient): boolean {
    const id = client.server as number;
    const peer = this.cluster.node(id).peer;
    return (
      peer !== undefined &&
      peer === client.peer &&
      peer.serving &&
      (this.generations.get(id) ?? 0) === client.generation
    );
  }

  private connect(client: SimClient): void {
    const candidates = this.ids.filter((id) => {
      const peer = this.cluster.node(id).peer;
      return peer?.serving === true && this.stateOf(id).zxid >= client.lastZxidSeen;
    });
    if (candidates.length === 0) return;
    const id = candidates[this.random.int(candidates.length)] as number;
    client.server = id;
    client.peer = this.cluster.node(id).peer;
    client.generation = this.generations.get(id) ?? 0;
    client.connection = ++this.connections;
    // The server revalidates the session: a closed or expired one is gone for good.
    if (client.session !== undefined && this.stateOf(id).deadSessions.has(client.session))
      this.endSession(client);
    if (client.session !== undefined) this.owners.set(client.session, client.connection);
  }

  private disconnect(client: SimClient): void {
    this.trace?.(`${this.now} s${client.session}: disconnect from ${client.server}`);
    // Every pending request's outcome is unknown (its WriteRecord keeps returnAt Infinity).
    client.pending = [];
    // A session whose creation was not acknowledged is abandoned (if it exists, it expires).
    if (!client.sessionLive) this.endSession(client);
    client.server = undefined;
    client.peer = undefined;
    client.reconnectAt = this.now + 1 + this.random.int(4);
  }

  private endSession(client: SimClient): void {
    if (client.session !== undefined) this.bySession.delete(client.session);
    client.session = undefined;
    client.sessionLive = false;
    client.ephemerals = [];
  }

  private touch(peer: Peer, session: number): void {
    if (peer.role === Role.LEADING) this.trackerOf(peer).lastTouch.set(session, this.now);
    else peer.touchSession({ sessionId: BigInt(session), timeoutMs: this.options.sessionTimeoutTicks });
  }

  private trackerOf(peer: Peer): SessionTracker {
    let tracker = this.trackers.get(peer);
    if (tracker === undefined) {
      tracker = { lastTouch: new Map(), expiring: new Set() };
      this.trackers.set(peer, tracker);
    }
    return tracker;
  }

  /** The serving leader expires sessions nobody touched within the timeout. */
  private expireSessions(id: number, peer: Peer): void {
    const tracker = this.trackerOf(peer);
    const view = this.prepareView(id, peer);
    for (const session of view.liveSessions) {
      // A new leader gives every session a full timeout from now (ZooKeeper does the same).
      const last = tracker.lastTouch.get(session) ?? this.now;
      tracker.lastTouch.set(session, last);
      if (this.now - last <= this.options.sessionTimeoutTicks || tracker.expiring.has(session)) continue;
      tracker.expiring.add(session);
      try {
        peer.propose(encodeSim(prepareSim(view, { type: 'expire', session, sequence: 0 })));
      } catch {
        return; // the epoch ran out of zxids: the next leader expires it
      }
      return; // one per tick: the view changed
    }
  }

  /** The leader's PREP view: applied state plus every logged, not yet applied txn. */
  private prepareView(id: number, peer: Peer): SimState {
    const view = this.stateOf(id).clone();
    for (const entry of peer.log.slice(peer.appliedZxid, peer.log.lastZxid)) view.apply(entry);
    return view;
  }

  /** The leader PREPs a request a learner forwarded (Cluster's `prepare` hook). */
  prepare(leader: number, data: Buffer): Buffer | undefined {
    const peer = this.cluster.node(leader).peer;
    const request = decodeSim(data);
    if (peer === undefined || request === undefined) return data;
    return encodeSim(prepareSim(this.prepareView(leader, peer), request, this.moved(request)));
  }

  private moved(request: SimRequest): boolean {
    const connection = this.requestConnections.get(`${request.session}:${request.sequence}`);
    return connection !== undefined && connection !== this.owners.get(request.session);
  }

  private issue(client: SimClient, peer: Peer): void {
    if (client.session === undefined) {
      if (client.pending.length > 0) return;
      const session = ++this.sessions;
      client.session = session;
      client.sequence = 0;
      this.bySession.set(session, client);
      this.owners.set(session, client.connection);
      this.write(client, peer, { type: 'create-session', session, sequence: ++client.sequence });
      return;
    }
    if (!client.sessionLive) return;
    const session = client.session;
    const key = `k${this.random.int(this.options.keys)}`;
    const roll = this.random.next();
    if (roll < 0.4) {
      const value = `v${++this.values}`;
      this.write(client, peer, { type: 'set', session, sequence: ++client.sequence, key, value });
    } else if (roll < 0.6) {
      this.syncRead(client, peer, key);
    } else if (roll < 0.75) {
      client.pending.push({ kind: 'read', key, invokeAt: ++this.clock });
      this.drain(client);
    } else if (roll < 0.87) {
      const path = `/e${session}.${client.sequence + 1}`;
      client.ephemerals.push(path);
      this.write(client, peer, { type: 'create-ephemeral', session, sequence: ++client.sequence, path });
    } else if (roll < 0.97) {
      const path = client.ephemerals.shift();
      if (path !== undefined)
        this.write(client, peer, { type: 'delete', session, sequence: ++client.sequence, path });
    } else {
      this.write(client, peer, { type: 'close-session', session, sequence: ++client.sequence });
    }
  }

  private write(client: SimClient, peer: Peer, request: SimRequest): void {
    const record: WriteRecord = {
      request,
      connection: client.connection,
      invokeAt: ++this.clock,
      returnAt: Number.POSITIVE_INFINITY,
      result: undefined,
    };
    this.writes.push(record);
    this.requestConnections.set(`${request.session}:${request.sequence}`, client.connection);
    client.pending.push({ kind: 'write', record });
    const id = client.server as number;
    this.trace?.(
      `${this.now} s${request.session}: #${request.sequence} ${request.type} on ${id} conn ${client.connection} role ${peer.role}`,
    );
    try {
      if (peer.role === Role.LEADING)
        peer.propose(encodeSim(prepareSim(this.prepareView(id, peer), request, this.moved(request))));
      else peer.forward(encodeSim(request));
    } catch {
      this.disconnect(client); // ProposalDroppedError: connection loss, outcome unknown
    }
  }

  private syncRead(client: SimClient, peer: Peer, key: string): void {
    const invokeAt = ++this.clock;
    try {
      client.pending.push({ kind: 'sync-read', key, invokeAt, syncId: peer.sync(), released: false });
    } catch {
      this.disconnect(client);
    }
  }

  /** After server `id` persisted, sent and applied a Ready (Cluster's hook). */
  onReadyApplied(id: number, ready: Ready): void {
    const peer = this.cluster.node(id).peer;
    const state = this.stateOf(id);
    checkEphemerals(state, `server ${id}`);
    for (const entry of ready.committed) {
      const txn = decodeSim(entry.data);
      if (txn === undefined) continue;
      const key = `${txn.session}:${txn.sequence}`;
      if (!this.firstApplied.has(key)) this.firstApplied.set(key, ++this.clock);
      this.acknowledge(id, peer, txn, entry.zxid);
    }
    if (peer?.role === Role.LEADING) {
      for (const touch of ready.sessionTouches)
        this.trackerOf(peer).lastTouch.set(Number(touch.sessionId), this.now);
    }
    for (const client of this.clients) {
      if (client.server !== id || client.peer !== peer) continue;
      for (const pending of client.pending) {
        if (pending.kind === 'sync-read' && ready.syncs.includes(pending.syncId)) pending.released = true;
      }
      if (
        client.pending.some(
          (pending) => pending.kind === 'sync-read' && ready.failedSyncs.includes(pending.syncId),
        )
      )
        this.disconnect(client);
      else this.drain(client);
    }
  }

  private acknowledge(id: number, peer: Peer | undefined, txn: SimTxn, zxid: bigint): void {
    this.trace?.(`${this.now} s${txn.session}: #${txn.sequence} applied on ${id} ${txn.result}`);
    const client = this.bySession.get(txn.session);
    if (client === undefined || client.server !== id || client.peer !== peer) return;
    const index = client.pending.findIndex(
      (pending) => pending.kind === 'write' && pending.record.request.sequence === txn.sequence,
    );
    if (index < 0) return;
    // Replies come in request order: everything before it is a read waiting its turn.
    if (client.pending.slice(0, index).some((pending) => pending.kind === 'write')) {
      throw new InvariantViolation(
        `session ${txn.session}: write #${txn.sequence} applied on server ${id} before an earlier write of the connection: FIFO order broken`,
      );
    }
    const pending = client.pending[index] as Pending & { kind: 'write' };
    pending.record.result = txn.result;
    pending.record.returnAt = ++this.clock;
    this.observe(client, zxid, `ack of write #${txn.sequence}`);
    if (txn.result === 'session-expired' || txn.type === 'close-session') this.endSession(client);
    else if (txn.type === 'create-session') client.sessionLive = true;
    client.pending.splice(index, 1);
  }

  /** Completes the reads at the head of a client's queue (replies in request order). */
  private drain(client: SimClient): void {
    const id = client.server;
    if (id === undefined) return;
    for (let head = client.pending[0]; head !== undefined; head = client.pending[0]) {
      if (head.kind === 'write' || (head.kind === 'sync-read' && !head.released)) return;
      client.pending.shift();
      const state = this.stateOf(id);
      const read: ReadRecord = {
        session: client.session ?? 0,
        key: head.key,
        value: state.values.get(head.key)?.value ?? null,
        zxid: state.zxid,
        synced: head.kind === 'sync-read',
        invokeAt: head.invokeAt,
        returnAt: ++this.clock,
      };
      this.reads.push(read);
      this.observe(client, state.zxid, `${read.synced ? 'synced ' : ''}read of ${read.key}`);
    }
  }

  private observe(client: SimClient, zxid: bigint, what: string): void {
    if (client.session === undefined) return;
    this.observations.push({ session: client.session, zxid, at: this.clock, what });
    if (zxid > client.lastZxidSeen) client.lastZxidSeen = zxid;
  }

  /** Runs every client checker over the final, converged history. */
  checkFinal(): void {
    const history: HistoryTxn[] = [];
    for (const entry of this.cluster.checker.history) {
      const txn = decodeSim(entry.data);
      if (txn !== undefined) history.push({ zxid: entry.zxid, txn });
    }
    for (const id of this.ids) checkEphemerals(this.stateOf(id), `server ${id} after healing`);
    checkSessionFifo(history, this.writes);
    checkMonotonicSessions(this.observations);
    checkLinearizable(history, this.writes, this.reads, this.firstApplied);
  }

  /** Counts for the run summary. */
  get summary(): {
    writes: number;
    acknowledged: number;
    syncedReads: number;
    reads: number;
    expired: number;
    ephemeralsReaped: number;
  } {
    let expired = 0;
    let ephemeralsReaped = 0;
    for (const entry of this.cluster.checker.history) {
      const txn = decodeSim(entry.data);
      if (txn === undefined || txn.result !== 'ok') continue;
      if (txn.type === 'expire') expired++;
      if (txn.type === 'expire' || txn.type === 'close-session') ephemeralsReaped += txn.paths?.length ?? 0;
    }
    return {
      writes: this.writes.length,
      acknowledged: this.writes.filter((write) => write.result !== undefined).length,
      syncedReads: this.reads.filter((read) => read.synced).length,
      reads: this.reads.length,
      expired,
      ephemeralsReaped,
    };
  }
}

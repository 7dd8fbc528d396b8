/**
 * An ensemble of pure ZAB peers with simulated disks, shared by the datadriven transcripts
 * (test/zab) and the seeded simulator. It runs each peer's Ready exactly as the contract in
 * server/zab/ready.ts says — persist, send, apply, advance — with an optional fsync latency
 * during which a crash loses a random suffix of the unsynced writes.
 *
 * With `pipelineLeaderAppends`, a leader's Ready with `messagesBeforePersist` runs as the
 * quorum runtime runs it (server/quorum/quorum-pipeline.ts): its messages leave at once, it
 * is applied and `advance(ready, false)`d, and its entries reach the disk after the fsync
 * delay (then `reportPersisted`), while the leader keeps stepping inputs; any other Ready
 * waits for those appends first.
 *
 * The replicated state machine is the list of applied txns; a snapshot is that list.
 */

import type { LogEntry, Snapshot, ZabMessage } from '../../server/zab/messages';
import { Peer } from '../../server/zab/peer';
import type { Membership } from '../../server/zab/quorum';
import type { HardState, PeerConfig, Ready } from '../../server/zab/ready';
import { assert } from '../../src/util/assert';
import { type Random, seededRandom } from '../../src/util/random';
import { HistoryChecker } from './checkers';

/** What a server keeps across crashes. */
export interface SimDisk {
  hardState: HardState;
  snapshot: { zxid: bigint; history: LogEntry[] };
  log: LogEntry[];
}

/** One write of a Ready, in persistence order. */
type DiskWrite =
  | { kind: 'snapshot'; snapshot: Snapshot }
  | { kind: 'truncate'; zxid: bigint }
  | { kind: 'entry'; entry: LogEntry }
  | { kind: 'hard'; hardState: HardState };

/** One server of the simulated ensemble. */
export interface SimNode {
  readonly id: number;
  /** Undefined while crashed. */
  peer: Peer | undefined;
  disk: SimDisk;
  /** A Ready whose fsync has not completed yet. */
  inFlight: { ready: Ready; writes: DiskWrite[]; remainingTicks: number } | undefined;
  /** A leader's appends advanced before their fsync (`advance(ready, false)`), oldest first. */
  appending: { ready: Ready; writes: DiskWrite[]; remainingTicks: number }[];
}

/** Settings of the ensemble. */
export interface ClusterOptions {
  membership: Membership;
  initLimit: number;
  syncLimit: number;
  election?: PeerConfig['election'];
  seed: number;
  /** Compact a server's log once it applied this many txns past its snapshot (0: never). */
  compactAfter: number;
  /**
   * Run a leader's `messagesBeforePersist` Readies as the runtime does: send at once,
   * `advance(ready, false)`, `reportPersisted` after the fsync (default false: the
   * persist-then-send path every Ready also allows).
   */
  pipelineLeaderAppends?: boolean;
  /** Receives each protocol event as `id: text`. */
  onEvent?: (id: number, text: string) => void;
  /** Receives each message a peer sends (the network decides its fate). */
  send: (message: ZabMessage) => void;
  /**
   * Called once a server's Ready is persisted, sent and applied, before `advance` (syncs
   * released there see the state after `ready.committed`).
   */
  onReadyApplied?: (id: number, ready: Ready) => void;
  /**
   * The leader's PREP of a write forwarded by a learner: the txn bytes to propose, or
   * undefined to drop it (default: the request bytes are the txn).
   */
  prepare?: (leader: number, request: Buffer) => Buffer | undefined;
}

/** Encodes a history as snapshot bytes. */
export function encodeHistory(history: readonly LogEntry[]): Buffer {
  return Buffer.from(
    JSON.stringify(history.map((entry) => [entry.zxid.toString(), entry.data.toString('base64')])),
  );
}

/** Decodes {@link encodeHistory}. */
export function decodeHistory(data: Buffer): LogEntry[] {
  const rows = JSON.parse(data.toString()) as Array<[string, string]>;
  return rows.map(([zxid, bytes]) => ({ zxid: BigInt(zxid), data: Buffer.from(bytes, 'base64') }));
}

/** The ensemble. */
export class Cluster {
  readonly nodes = new Map<number, SimNode>();
  readonly checker = new HistoryChecker();
  /** Every txn some server applied: acknowledged to a client as far as the checker knows. */
  readonly acknowledged = new Map<bigint, string>();
  private readonly random: Random;

  constructor(readonly options: ClusterOptions) {
    this.random = seededRandom(options.seed);
    for (const id of [...options.membership.voters, ...options.membership.observers]) {
      const disk: SimDisk = {
        hardState: { acceptedEpoch: 0, currentEpoch: 0 },
        snapshot: { zxid: 0n, history: [] },
        log: [],
      };
      this.nodes.set(id, { id, peer: undefined, disk, inFlight: undefined, appending: [] });
      this.start(id);
    }
  }

  /** The node with this id. */
  node(id: number): SimNode {
    const node = this.nodes.get(id);
    assert(node !== undefined, `server ${id} exists`);
    return node;
  }

  /** Ids of running servers. */
  get liveIds(): number[] {
    return [...this.nodes.values()].filter((node) => node.peer !== undefined).map((node) => node.id);
  }

  /** Starts (or restarts) a server from its disk. */
  start(id: number): void {
    const node = this.node(id);
    assert(node.peer === undefined, `server ${id} is down before it starts`);
    const { disk } = node;
    this.checker.replace(id, disk.snapshot.history);
    const config: PeerConfig = {
      id,
      membership: this.options.membership,
      initLimit: this.options.initLimit,
      syncLimit: this.options.syncLimit,
      random: seededRandom(this.random.int(2 ** 31)),
      snapshot: () => this.snapshotOf(id),
      log: (text) => this.options.onEvent?.(id, text),
      ...(this.options.election === undefined ? {} : { election: this.options.election }),
    };
    const entries = disk.log.filter((entry) => entry.zxid > disk.snapshot.zxid);
    node.peer = new Peer(config, { hardState: disk.hardState, snapshotZxid: disk.snapshot.zxid, entries });
  }

  /**
   * Gives a stopped server an empty disk: a new server added with an empty data dir, or an
   * old one whose disk was lost. It starts again with {@link start}.
   */
  wipe(id: number): void {
    const node = this.node(id);
    assert(node.peer === undefined, `server ${id} is down before its disk is wiped`);
    node.disk = {
      hardState: { acceptedEpoch: 0, currentEpoch: 0 },
      snapshot: { zxid: 0n, history: [] },
      log: [],
    };
    node.inFlight = undefined;
    node.appending = [];
  }

  /** Crashes a server: the unsynced writes of its in-flight Ready survive only as a random prefix. */
  crash(id: number, keepUnsynced: 'none' | 'random' = 'none'): void {
    const node = this.node(id);
    assert(node.peer !== undefined, `server ${id} is up before it crashes`);
    // The leader's appends in flight were issued first: they survive as a prefix of the whole.
    const appendWrites = node.appending.flatMap((append) => append.writes);
    const keptAppends =
      keepUnsynced === 'random' && appendWrites.length > 0 ? this.random.int(appendWrites.length + 1) : 0;
    for (const write of appendWrites.slice(0, keptAppends)) this.write(node, write);
    node.appending = [];
    if (node.inFlight !== undefined && keepUnsynced === 'random' && keptAppends === appendWrites.length) {
      const { writes, ready } = node.inFlight;
      // A SNAP sync is installed atomically (ready.ts); other writes survive as any prefix.
      const kept =
        ready.snapshot !== undefined
          ? this.random.int(2) * writes.length
          : this.random.int(writes.length + 1);
      for (const write of writes.slice(0, kept)) this.write(node, write);
    }
    node.inFlight = undefined;
    node.peer = undefined;
  }

  private snapshotOf(id: number): Snapshot {
    const history = this.checker.appliedBy(id);
    return { zxid: history.at(-1)?.zxid ?? 0n, data: encodeHistory(history) };
  }

  /**
   * Cuts the next Ready of a server, if any. With `fsyncTicks` 0 it completes at once;
   * otherwise {@link tickDisk} completes it later. Returns true if there was one.
   */
  beginReady(id: number, fsyncTicks = 0): boolean {
    const node = this.node(id);
    const peer = node.peer;
    if (peer === undefined || node.inFlight !== undefined || !peer.hasReady()) return false;
    const ready = peer.ready();
    if (ready.messagesBeforePersist && this.options.pipelineLeaderAppends === true) {
      this.beginLeaderAppends(node, peer, ready, fsyncTicks);
      return true;
    }
    const writes: DiskWrite[] = [];
    if (ready.snapshot !== undefined) writes.push({ kind: 'snapshot', snapshot: ready.snapshot });
    if (ready.truncateAfter !== undefined) writes.push({ kind: 'truncate', zxid: ready.truncateAfter });
    for (const entry of ready.entries) writes.push({ kind: 'entry', entry });
    if (ready.hardState !== undefined) writes.push({ kind: 'hard', hardState: ready.hardState });
    node.inFlight = { ready, writes, remainingTicks: writes.length === 0 ? 0 : fsyncTicks };
    // Any other Ready waits for the leader's appends in flight (ready.ts, advance).
    if (node.inFlight.remainingTicks === 0 && node.appending.length === 0) this.finishReady(node);
    return true;
  }

  /**
   * A leader's Ready of appends, run as the quorum runtime runs it: send, apply and
   * `advance(ready, false)` now; the entries reach the disk `fsyncTicks` later.
   */
  private beginLeaderAppends(node: SimNode, peer: Peer, ready: Ready, fsyncTicks: number): void {
    const writes: DiskWrite[] = ready.entries.map((entry) => ({ kind: 'entry', entry }));
    for (const message of ready.messages) this.options.send(message);
    this.applyCommitted(node, ready);
    peer.advance(ready, false);
    node.appending.push({ ready, writes, remainingTicks: writes.length === 0 ? 0 : fsyncTicks });
    this.proposeRequests(node, peer, ready);
    if (fsyncTicks === 0 || writes.length === 0) this.finishAppends(node);
  }

  /** Writes the leader's appends whose fsync is done, in order; reports them to the peer. */
  private finishAppends(node: SimNode): void {
    for (let append = node.appending[0]; append !== undefined; append = node.appending[0]) {
      if (append.remainingTicks > 0) return;
      node.appending.shift();
      for (const write of append.writes) this.write(node, write);
      // With a Ready cut and waiting, its advance(ready, true) settles this one.
      if (node.inFlight === undefined) node.peer?.reportPersisted(append.ready);
    }
  }

  /** Counts down fsyncs in flight; completes those that are done. */
  tickDisk(id: number): void {
    const node = this.node(id);
    for (const append of node.appending) append.remainingTicks--;
    this.finishAppends(node);
    if (node.inFlight === undefined || node.appending.length > 0) return;
    node.inFlight.remainingTicks--;
    if (node.inFlight.remainingTicks <= 0) this.finishReady(node);
  }

  /** True while a server waits for an fsync. */
  busy(id: number): boolean {
    return this.node(id).inFlight !== undefined;
  }

  private finishReady(node: SimNode): void {
    const inFlight = node.inFlight;
    const peer = node.peer;
    assert(inFlight !== undefined && peer !== undefined, 'a running server finishes its Ready');
    // 1. persist (fsync), in the contract's order.
    for (const write of inFlight.writes) this.write(node, write);
    if (inFlight.ready.snapshot !== undefined) {
      this.checker.replace(node.id, decodeHistory(inFlight.ready.snapshot.data));
    }
    // 2. send.
    for (const message of inFlight.ready.messages) this.options.send(message);
    // 3. apply.
    this.applyCommitted(node, inFlight.ready);
    node.inFlight = undefined;
    peer.advance(inFlight.ready);
    this.proposeRequests(node, peer, inFlight.ready);
  }

  private applyCommitted(node: SimNode, ready: Ready): void {
    for (const entry of ready.committed) {
      this.checker.apply(node.id, entry);
      this.acknowledged.set(entry.zxid, entry.data.toString());
    }
    this.options.onReadyApplied?.(node.id, ready);
  }

  /** After advance: writes forwarded by learners (the leader's runtime PREPs and proposes them). */
  private proposeRequests(node: SimNode, peer: Peer, ready: Ready): void {
    for (const request of ready.requests) {
      if (peer.nextZxid === undefined || node.peer !== peer) continue;
      const txn =
        this.options.prepare === undefined ? request.data : this.options.prepare(node.id, request.data);
      if (txn !== undefined) peer.propose(txn);
    }
    this.maybeCompact(node, peer);
  }

  private write(node: SimNode, write: DiskWrite): void {
    const { disk } = node;
    switch (write.kind) {
      case 'snapshot':
        disk.snapshot = { zxid: write.snapshot.zxid, history: decodeHistory(write.snapshot.data) };
        disk.log = [];
        return;
      case 'truncate':
        disk.log = disk.log.filter((entry) => entry.zxid <= write.zxid);
        return;
      case 'entry':
        assert(
          (disk.log.at(-1)?.zxid ?? disk.snapshot.zxid) < write.entry.zxid,
          'the disk log grows in order',
        );
        disk.log.push(write.entry);
        return;
      case 'hard':
        disk.hardState = write.hardState;
        return;
    }
  }

  private maybeCompact(node: SimNode, peer: Peer): void {
    const { compactAfter } = this.options;
    // A snapshot above appends still in flight would put them below it on the disk.
    if (node.appending.length > 0) return;
    const history = this.checker.appliedBy(node.id);
    if (compactAfter <= 0 || history.length - node.disk.snapshot.history.length < compactAfter) return;
    const zxid = peer.appliedZxid;
    assert(history.at(-1)?.zxid === zxid, 'the applied history ends at the applied zxid');
    node.disk.snapshot = { zxid, history: history.slice() };
    node.disk.log = node.disk.log.filter((entry) => entry.zxid > zxid);
    peer.compact(zxid);
  }
}

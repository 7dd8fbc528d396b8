/**
 * The deterministic simulation (TigerBeetle's VOPR): one seed draws the ensemble and its
 * faults ({@link optionsFromSeed}), then drives it tick by tick.
 *
 * - Safety phase: message delay/reorder, loss, duplication, partitions (some one-way),
 *   crashes and restarts (a crash loses a random part of the unsynced writes), pauses,
 *   slow fsyncs, log compaction (so SNAP syncs happen), and clients writing on leaders and
 *   followers. The HistoryChecker asserts after every apply.
 * - Liveness phase: every fault is healed and every server restarted; within
 *   `livenessTicksMax` one leader must serve all servers, commit a final write everywhere,
 *   and every txn any server ever applied must be in the converged history.
 */

import type { ZabMessage } from '../../server/zab/messages';
import { Role } from '../../server/zab/role';
import { type Random, seededRandom } from '../../src/util/random';
import { InvariantViolation } from './checkers';
import { ClientWorkload, type WorkloadOptions } from './clients';
import { Cluster } from './cluster';
import { type NetworkOptions, NetworkSim } from './network-sim';

/** Everything a seed decides. */
export interface SimulationOptions {
  readonly seed: number;
  readonly voters: number;
  readonly observers: number;
  /** Ticks of the safety phase. */
  readonly ticks: number;
  readonly livenessTicksMax: number;
  readonly initLimit: number;
  readonly syncLimit: number;
  readonly network: NetworkOptions;
  readonly crashProbability: number;
  readonly restartTicksMax: number;
  readonly pauseProbability: number;
  readonly pauseTicksMax: number;
  readonly fsyncTicksMax: number;
  readonly writeProbability: number;
  readonly compactAfter: number;
  /**
   * Run leaders' `messagesBeforePersist` Readies as the runtime does (send before the fsync,
   * `advance(ready, false)`, `reportPersisted` later); false: persist, then send.
   */
  readonly pipelineLeaderAppends: boolean;
  /** Report a broken quorum link (`reportLinkDown`) to both ends on partitions and crashes. */
  readonly reportLinksDown: boolean;
  /** Clients (their `requestProbability` is `writeProbability`). */
  readonly workload: WorkloadOptions;
  /** Hierarchical quorums (groups of voter ids, weights), or undefined for majority. */
  readonly hierarchy: { groups: number[][]; weights: Map<number, number> } | undefined;
}

/** Random hierarchical quorums over voters 1..count: 2–4 non-empty groups, weights 0–2 (not all 0). */
function drawHierarchy(random: Random, count: number): { groups: number[][]; weights: Map<number, number> } {
  const groupCount = Math.min(count, 2 + random.int(3));
  const groups: number[][] = Array.from({ length: groupCount }, () => []);
  for (let id = 1; id <= count; id++) {
    const group = groups[id <= groupCount ? id - 1 : random.int(groupCount)];
    if (group === undefined) throw new Error('a group index within the groups');
    group.push(id);
  }
  const weights = new Map<number, number>();
  for (let id = 1; id <= count; id++) weights.set(id, pick(random, [0, 1, 1, 1, 2]));
  if ([...weights.values()].every((weight) => weight === 0)) weights.set(1, 1);
  return { groups, weights };
}

/** What a run produced. */
export interface SimulationResult {
  readonly committed: number;
  readonly acknowledged: number;
  readonly crashes: number;
  readonly elections: number;
  readonly livenessTicks: number;
  /** Client requests: writes issued and acknowledged, reads (synced among them). */
  readonly clientWrites: number;
  readonly clientAcknowledged: number;
  readonly clientReads: number;
  readonly clientSyncedReads: number;
  /** Sessions the leader expired, and ephemerals deleted with closed or expired sessions. */
  readonly sessionsExpired: number;
  readonly ephemeralsReaped: number;
}

function pick<T>(random: Random, values: readonly T[]): T {
  const value = values[random.int(values.length)];
  if (value === undefined) throw new Error('pick from an empty list');
  return value;
}

/** Draws the run's parameters from the seed (swarm testing: each seed tests a different mix). */
export function optionsFromSeed(seed: number, ticks = 1_000): SimulationOptions {
  const random = seededRandom(seed ^ 0x5eed);
  // A tick is ~tickTime/2 (Apache's leader loop); networks are much faster than that, but
  // a slow path of a few ticks is what tests the timeouts.
  const delayTicksMin = random.int(2);
  const writeProbability = pick(random, [0.05, 0.2, 0.6]);
  const voters = pick(random, [3, 3, 5, 5, 7]);
  return {
    seed,
    voters,
    observers: pick(random, [0, 0, 1, 2]),
    ticks,
    livenessTicksMax: 600,
    initLimit: 15,
    syncLimit: 8,
    network: {
      delayTicksMin,
      delayTicksMax: delayTicksMin + random.int(4),
      lossProbability: pick(random, [0, 0.01, 0.05, 0.1]),
      duplicateProbability: pick(random, [0, 0.01, 0.05]),
      partitionProbability: pick(random, [0, 0.005, 0.02]),
      asymmetricProbability: pick(random, [0, 0.3, 0.7]),
      partitionTicksMax: pick(random, [20, 60, 150]),
    },
    crashProbability: pick(random, [0, 0.001, 0.003, 0.01]),
    restartTicksMax: pick(random, [10, 50, 150]),
    pauseProbability: pick(random, [0, 0.002, 0.01]),
    pauseTicksMax: pick(random, [5, 20]),
    fsyncTicksMax: pick(random, [0, 1, 3]),
    writeProbability,
    compactAfter: pick(random, [0, 4, 16]),
    workload: {
      clients: pick(random, [2, 4, 6]),
      keys: pick(random, [1, 2, 4]),
      requestProbability: writeProbability,
      sessionTimeoutTicks: pick(random, [20, 40, 80]),
      clientCrashProbability: pick(random, [0, 0.002, 0.01]),
    },
    // Drawn last, so the draws above (and the seeds already triaged) keep their values.
    pipelineLeaderAppends: random.next() < 0.5,
    reportLinksDown: random.next() < 0.5,
    hierarchy: random.next() < 0.4 ? drawHierarchy(random, voters) : undefined,
  };
}

/** The parameters on one line, printed with the seed. */
export function describeOptions(options: SimulationOptions): string {
  const { network } = options;
  return (
    `SEED=${options.seed} voters=${options.voters} observers=${options.observers} ticks=${options.ticks} ` +
    `delay=${network.delayTicksMin}..${network.delayTicksMax} loss=${network.lossProbability} ` +
    `dup=${network.duplicateProbability} partition=${network.partitionProbability}` +
    `(one-way ${network.asymmetricProbability}, ≤${network.partitionTicksMax}t) crash=${options.crashProbability} ` +
    `restart≤${options.restartTicksMax}t pause=${options.pauseProbability} fsync≤${options.fsyncTicksMax}t ` +
    `writes=${options.writeProbability} compact=${options.compactAfter} clients=${options.workload.clients} ` +
    `keys=${options.workload.keys} sessionTimeout=${options.workload.sessionTimeoutTicks}t ` +
    `clientCrash=${options.workload.clientCrashProbability} pipeline=${options.pipelineLeaderAppends} ` +
    `linkDown=${options.reportLinksDown}` +
    (options.hierarchy === undefined
      ? ''
      : ` groups=${options.hierarchy.groups.map((group) => group.join(':')).join('/')} ` +
        `weights=${[...options.hierarchy.weights.values()].join(',')}`)
  );
}

/** A failed run: the invariant, the tick, and the command that replays it. */
export class SimulationFailure extends Error {
  override readonly name = 'SimulationFailure';
  constructor(
    readonly options: SimulationOptions,
    readonly tick: number,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(
      `${reason}\n  at tick ${tick}; ${describeOptions(options)}\n  replay: npm run sim -- --seed ${options.seed} --ticks ${options.ticks}`,
      { cause },
    );
  }
}

/** Runs one seed; throws {@link SimulationFailure} if a checker fires or liveness fails. */
export function runSimulation(options: SimulationOptions, trace?: (line: string) => void): SimulationResult {
  const simulation = new Simulation(options, trace);
  try {
    return simulation.run();
  } catch (error) {
    throw new SimulationFailure(options, simulation.now, error);
  }
}

class Simulation {
  readonly cluster: Cluster;
  readonly network: NetworkSim;
  readonly workload: ClientWorkload;
  private readonly random: Random;
  private readonly ids: number[];
  private readonly downUntil = new Map<number, number>();
  private readonly pausedUntil = new Map<number, number>();
  /** Broken quorum links each server has yet to hear of (reported when it takes input). */
  private readonly linksDown = new Map<number, Set<number>>();
  private crashes = 0;
  private elections = 0;
  now = 0;

  constructor(
    readonly options: SimulationOptions,
    private readonly trace: ((line: string) => void) | undefined,
  ) {
    this.random = seededRandom(options.seed);
    const voters = Array.from({ length: options.voters }, (_, index) => index + 1);
    const observers = Array.from({ length: options.observers }, (_, index) => options.voters + index + 1);
    this.ids = [...voters, ...observers];
    this.network = new NetworkSim(options.network, seededRandom(this.random.int(2 ** 31)), this.ids);
    this.cluster = new Cluster({
      membership: {
        voters,
        observers,
        ...(options.hierarchy === undefined
          ? {}
          : { groups: options.hierarchy.groups, weights: options.hierarchy.weights }),
      },
      initLimit: options.initLimit,
      syncLimit: options.syncLimit,
      seed: this.random.int(2 ** 31),
      compactAfter: options.compactAfter,
      pipelineLeaderAppends: options.pipelineLeaderAppends,
      onEvent: (id, text) => {
        if (text.includes('-> LEADING')) this.elections++;
        this.workload.onEvent(id, text);
        this.trace?.(`${this.now} ${id}: ${text}`);
      },
      send: (message: ZabMessage) => this.network.send(message),
      onReadyApplied: (id, ready) => this.workload.onReadyApplied(id, ready),
      prepare: (leader, request) => this.workload.prepare(leader, request),
    });
    this.workload = new ClientWorkload(
      this.cluster,
      this.ids,
      options.workload,
      seededRandom(this.random.int(2 ** 31)),
    );
    this.workload.trace = trace;
  }

  run(): SimulationResult {
    for (; this.now < this.options.ticks; ) this.step(true);
    const livenessStart = this.now;
    this.heal();
    const marker = `final-${this.options.seed}`;
    // The leader (and epoch) the final write went to; a client retries it with a new leader.
    let markerTarget = '';
    while (this.now - livenessStart < this.options.livenessTicksMax) {
      this.step(false);
      const leader = this.serviceLeader();
      if (leader === undefined) continue;
      const leaderPeer = this.cluster.node(leader).peer;
      const target = `${leader}@${leaderPeer?.leaderEpoch}`;
      if (markerTarget !== target && leaderPeer !== undefined && !this.cluster.busy(leader)) {
        leaderPeer.propose(Buffer.from(marker));
        markerTarget = target;
      }
      const { checker } = this.cluster;
      const caughtUp = (id: number) => checker.appliedBy(id).length === checker.history.length;
      const sawMarker = (id: number) =>
        checker.appliedBy(id).some((entry) => entry.data.toString() === marker);
      if (this.ids.every((id) => caughtUp(id) && sawMarker(id))) {
        this.checkFinal();
        const clients = this.workload.summary;
        return {
          committed: this.cluster.checker.history.length,
          acknowledged: this.cluster.acknowledged.size,
          crashes: this.crashes,
          elections: this.elections,
          livenessTicks: this.now - livenessStart,
          clientWrites: clients.writes,
          clientAcknowledged: clients.acknowledged,
          clientReads: clients.reads,
          clientSyncedReads: clients.syncedReads,
          sessionsExpired: clients.expired,
          ephemeralsReaped: clients.ephemeralsReaped,
        };
      }
    }
    throw new InvariantViolation(
      `liveness: no converged, serving ensemble within ${this.options.livenessTicksMax} ticks after healing ` +
        `(${this.ids.map((id) => `${id}:${this.cluster.node(id).peer?.phase}`).join(' ')})`,
    );
  }

  /** The leader every server serves under, if there is one. */
  private serviceLeader(): number | undefined {
    const leaders = this.ids.filter((id) => this.cluster.node(id).peer?.role === Role.LEADING);
    if (leaders.length !== 1) return undefined;
    const leader = leaders[0] as number;
    for (const id of this.ids) {
      const peer = this.cluster.node(id).peer;
      if (peer === undefined || !peer.serving || peer.leader !== leader) return undefined;
    }
    return leader;
  }

  private checkFinal(): void {
    const { checker } = this.cluster;
    checker.checkConverged(this.ids);
    const history = new Map(checker.history.map((entry) => [entry.zxid, entry.data.toString()]));
    for (const [zxid, data] of this.cluster.acknowledged) {
      if (history.get(zxid) !== data) throw new InvariantViolation(`acknowledged write ${data} is lost`);
    }
    this.workload.checkFinal();
  }

  private heal(): void {
    this.workload.active = false;
    this.network.heal();
    this.network.configure({
      ...this.options.network,
      delayTicksMin: 1,
      delayTicksMax: 2,
      lossProbability: 0,
      duplicateProbability: 0,
      partitionProbability: 0,
    });
    this.pausedUntil.clear();
    for (const id of this.ids) {
      if (this.cluster.node(id).peer === undefined) this.restart(id);
    }
  }

  private step(faults: boolean): void {
    this.now++;
    for (const [from, to] of this.network.tick()) this.breakLink(from, to);
    if (faults) this.injectFaults();
    this.workload.tick(this.now);
    for (const id of this.ids) this.stepNode(id);
  }

  private injectFaults(): void {
    for (const id of this.ids) {
      const node = this.cluster.node(id);
      if (node.peer === undefined) {
        if (this.now >= (this.downUntil.get(id) ?? 0)) this.restart(id);
        continue;
      }
      if (this.random.next() < this.options.crashProbability) {
        for (const other of this.ids) this.breakLink(id, other);
        this.cluster.crash(id, 'random');
        this.network.dropTo(id);
        this.crashes++;
        this.downUntil.set(id, this.now + 1 + this.random.int(this.options.restartTicksMax));
        this.trace?.(`${this.now} ${id}: crashed`);
      } else if (this.random.next() < this.options.pauseProbability) {
        this.pausedUntil.set(id, this.now + 1 + this.random.int(this.options.pauseTicksMax));
      }
    }
  }

  /**
   * The quorum connection between two servers broke (partition or crash): if one of them is
   * the other's leader, both ends hear of it (`reportLinkDown`) the next time they take input.
   */
  private breakLink(a: number, b: number): void {
    if (!this.options.reportLinksDown || a === b) return;
    const peerA = this.cluster.node(a).peer;
    const peerB = this.cluster.node(b).peer;
    if (peerA === undefined || peerB === undefined) return;
    if (peerA.leader !== b && peerB.leader !== a) return;
    for (const [id, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const pending = this.linksDown.get(id) ?? new Set<number>();
      pending.add(other);
      this.linksDown.set(id, pending);
    }
  }

  private restart(id: number): void {
    this.linksDown.delete(id);
    this.cluster.start(id);
    this.trace?.(`${this.now} ${id}: restarted`);
  }

  private stepNode(id: number): void {
    const node = this.cluster.node(id);
    const peer = node.peer;
    if (peer === undefined || this.now < (this.pausedUntil.get(id) ?? 0)) return;
    this.cluster.tickDisk(id);
    if (this.cluster.busy(id)) return;
    peer.tick();
    for (const message of this.network.takeDue((to) => to === id)) {
      if (this.cluster.node(id).peer === peer && !this.cluster.busy(id)) peer.step(message);
    }
    // After the messages that arrived before the break, as the quorum runtime does.
    const linksDown = this.linksDown.get(id);
    this.linksDown.delete(id);
    for (const other of linksDown ?? []) if (!this.cluster.busy(id)) peer.reportLinkDown(other);
    this.workload.act(id);
    this.drainReady(id);
  }

  private drainReady(id: number): void {
    for (let batch = 0; batch < 16; batch++) {
      const fsyncTicks = this.random.int(this.options.fsyncTicksMax + 1);
      if (!this.cluster.beginReady(id, fsyncTicks) || this.cluster.busy(id)) return;
    }
  }
}

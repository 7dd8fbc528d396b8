/**
 * An in-process ZooKeeper ensemble for tests: N voting members (and optional observers) on
 * 127.0.0.1, each with its own storage (in memory by default, or a temporary data dir),
 * talking ZAB over real loopback TCP — with fault hooks: kill a member abruptly, restart
 * it, partition members, heal.
 *
 * ```ts
 * await using cluster = await TestingCluster.start({ servers: 3 });
 * const client = ZooKit.newClient(cluster.connectString);
 * const leader = await cluster.leader();
 * await cluster.kill(leader);
 * ```
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../../src/util/assert';
import { configFromOptions, type QuorumServerSpec, type ServerConfigOptions } from '../config';
import { startEnsembleMember } from '../quorum/quorum-mode';
import { QuorumPipeline } from '../quorum/quorum-pipeline';
import type { ServerLogger, ZooKeeperServer } from '../runtime/zookeeper-server';
import { MemoryDisk } from '../storage/memory-storage';
import { openMemoryStorage } from '../storage/storage';
import { Role } from '../zab/role';
import { freeLoopbackPorts } from './free-ports';

/** Options of {@link TestingCluster.start}. */
export interface TestingClusterOptions {
  /** Voting members (default 3). */
  servers?: number;
  /** Observers, after the voters in id order (default 0). */
  observers?: number;
  /** tickTime of every member (default 200 ms). */
  tickTimeMs?: number;
  /** initLimit / syncLimit in ticks (default 10 / 5). */
  initLimit?: number;
  syncLimit?: number;
  /** Keep storage in memory, no fsync (default true); false gives each member a temp data dir. */
  inMemory?: boolean;
  /** Snapshot every ~snapCount txns (default Apache's 100 000); small values exercise SNAP syncs. */
  snapCount?: number;
  /**
   * `readonlymode.enabled` on every member (default false): a member that has been LOOKING
   * for max(2 s, tickTime) serves clients that allow read-only servers, until it rejoins a quorum.
   */
  readOnlyMode?: boolean;
  /**
   * Hierarchical quorums (zoo.cfg `group.N`): voter ids per group, e.g. `[[1, 2, 3], [4], [5]]`
   * for three racks; every voter in exactly one group. Default: majority quorums.
   */
  groups?: readonly (readonly number[])[];
  /** Voter weights of hierarchical quorums (zoo.cfg `weight.N`, default 1); needs `groups`. */
  weights?: Readonly<Record<number, number>>;
  /** Any other server setting, applied to every member. */
  serverOptions?: Omit<ServerConfigOptions, 'servers' | 'serverId' | 'clientPort' | 'dataDir'>;
  /** Receives each member's log lines, prefixed with its id. */
  logger?: ServerLogger;
}

/** One member's fixed facts. */
export interface ClusterMember {
  readonly id: number;
  readonly observer: boolean;
  readonly clientPort: number;
  readonly quorumPort: number;
  readonly electionPort: number;
}

interface MemberState extends ClusterMember {
  server: ZooKeeperServer | undefined;
  disk: MemoryDisk;
  readonly dataDir: string | undefined;
}

/** Bounds of the polling waits. */
const POLL_INTERVAL_MS = 20;

/**
 * A zookit ensemble in this process for tests: start it with {@link TestingCluster.start},
 * point clients at {@link TestingCluster.connectString}; `leader()`, `kill(id)`, `restart(id)`,
 * `partition(a, b)` and `heal()` drive it through failures. `await using` closes it.
 */
export class TestingCluster implements AsyncDisposable {
  private readonly members = new Map<number, MemberState>();
  /** Active partitions: member → members it cannot talk to. */
  private readonly blocked = new Map<number, Set<number>>();

  private constructor(
    private readonly options: TestingClusterOptions,
    private readonly specs: readonly QuorumServerSpec[],
  ) {}

  /** Starts every member; resolves once they all listen (use {@link leader} to wait for an election). */
  static async start(options: TestingClusterOptions = {}): Promise<TestingCluster> {
    const voters = options.servers ?? 3;
    const observers = options.observers ?? 0;
    assert(voters >= 1 && observers >= 0, 'a cluster has at least one voter');
    const total = voters + observers;
    const ports = await freeLoopbackPorts(total * 3);
    const specs: QuorumServerSpec[] = [];
    const states: MemberState[] = [];
    const inMemory = options.inMemory ?? true;
    for (let index = 0; index < total; index++) {
      const id = index + 1;
      const observer = index >= voters;
      const [clientPort, quorumPort, electionPort] = ports.slice(index * 3, index * 3 + 3) as [
        number,
        number,
        number,
      ];
      specs.push({
        id,
        host: '127.0.0.1',
        quorumPort,
        electionPort,
        peerType: observer ? 'observer' : 'participant',
        clientHost: undefined,
        clientPort: undefined,
      });
      const dataDir = inMemory ? undefined : await mkdtemp(join(tmpdir(), `zookit-cluster-${id}-`));
      states.push({
        id,
        observer,
        clientPort,
        quorumPort,
        electionPort,
        server: undefined,
        disk: new MemoryDisk(),
        dataDir,
      });
    }
    const cluster = new TestingCluster(options, specs);
    for (const state of states) cluster.members.set(state.id, state);
    try {
      await Promise.all(states.map((state) => cluster.boot(state)));
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  /** Every member's client address: `127.0.0.1:p1,127.0.0.1:p2,…`. */
  get connectString(): string {
    return this.connectStringOf([...this.members.keys()]);
  }

  /** The client addresses of some members, in the order given. */
  connectStringOf(ids: readonly number[]): string {
    return ids.map((id) => `127.0.0.1:${this.member(id).clientPort}`).join(',');
  }

  /** Member ids, voters first. */
  get ids(): number[] {
    return [...this.members.keys()];
  }

  /** A member's ports and kind. */
  member(id: number): ClusterMember {
    const state = this.members.get(id);
    assert(state !== undefined, `server ${id} is a member`);
    return state;
  }

  /** The running server of a member (undefined while killed). */
  instance(id: number): ZooKeeperServer | undefined {
    return this.members.get(id)?.server;
  }

  /** The member's ZAB role now, or undefined while killed. */
  role(id: number): Role | undefined {
    const pipeline = this.pipelineOf(id);
    return pipeline?.role;
  }

  /** True if the member is up and serving read-only clients (see `readOnlyMode`). */
  isReadOnly(id: number): boolean {
    return this.members.get(id)?.server?.readOnly?.active ?? false;
  }

  /** True if the member is up and serving clients. */
  isServing(id: number): boolean {
    return this.pipelineOf(id)?.serving ?? false;
  }

  /** Waits until some member leads and serves; resolves with its id. */
  async leader(timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const id of this.members.keys()) {
        const pipeline = this.pipelineOf(id);
        if (pipeline !== undefined && pipeline.role === Role.LEADING && pipeline.serving) return id;
      }
      await sleep(POLL_INTERVAL_MS);
    }
    throw new Error(`no leader within ${timeoutMs} ms`);
  }

  /** Waits until every listed member (default: all running ones) serves clients. */
  async waitServing(ids: readonly number[] = this.runningIds(), timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ids.every((id) => this.isServing(id))) {
      if (Date.now() >= deadline) {
        const states = ids.map((id) => `${id}:${this.isServing(id) ? 'serving' : 'not serving'}`).join(' ');
        throw new Error(`members not serving within ${timeoutMs} ms (${states})`);
      }
      await sleep(POLL_INTERVAL_MS);
    }
  }

  /** Ids of members that are running. */
  runningIds(): number[] {
    return [...this.members.values()].filter((state) => state.server !== undefined).map((state) => state.id);
  }

  /**
   * Stops a member abruptly, as `kill -9` would look to its peers and clients: sockets close
   * at once, nothing more is sent, logged or applied. Its storage keeps what was durable.
   */
  async kill(id: number): Promise<void> {
    const state = this.members.get(id);
    assert(state !== undefined, `server ${id} is a member`);
    const server = state.server;
    state.server = undefined;
    if (server !== undefined) await server.abort();
  }

  /** Starts a member again (killing it first if it runs) on the same ports and storage. */
  async restart(id: number): Promise<void> {
    await this.kill(id);
    const state = this.members.get(id);
    assert(state !== undefined, `server ${id} is a member`);
    await this.boot(state);
  }

  /**
   * Stops a member and empties its storage, as if it lost its disk or were a new server added
   * with an empty data dir; {@link restart} starts it again.
   */
  async wipe(id: number): Promise<void> {
    await this.kill(id);
    const state = this.members.get(id);
    assert(state !== undefined, `server ${id} is a member`);
    state.disk = new MemoryDisk();
    if (state.dataDir !== undefined) {
      await rm(state.dataDir, { recursive: true, force: true });
      await mkdir(state.dataDir);
    }
  }

  /** Cuts every link between the two groups (both directions) until {@link heal}. */
  partition(groupA: readonly number[], groupB: readonly number[]): void {
    for (const a of groupA) {
      for (const b of groupB) {
        if (a === b) continue;
        this.blockedOf(a).add(b);
        this.blockedOf(b).add(a);
      }
    }
    for (const id of this.members.keys()) this.applyPartition(id);
  }

  /**
   * Holds every message other members send to `id` for `delayMs` (0 ends it); order is kept.
   * A slow link: the member learns of proposals and commits late, but stays in the ensemble.
   */
  delayMessagesTo(id: number, delayMs: number): void {
    for (const other of this.members.keys())
      if (other !== id) this.pipelineOf(other)?.transport.delay(id, delayMs);
  }

  /** Ends every partition. */
  heal(): void {
    this.blocked.clear();
    for (const id of this.members.keys()) this.pipelineOf(id)?.transport.heal();
  }

  /** Stops every member and deletes temporary data dirs. */
  async close(): Promise<void> {
    await Promise.all([...this.members.values()].map((state) => this.kill(state.id)));
    for (const state of this.members.values()) {
      if (state.dataDir !== undefined) await rm(state.dataDir, { recursive: true, force: true });
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---------------------------------------------------------------------------------------

  private async boot(state: MemberState): Promise<void> {
    const { options } = this;
    const config = configFromOptions({
      fourLetterWordWhitelist: '*',
      containerCheckIntervalMs: 1000,
      ...options.serverOptions,
      tickTimeMs: options.tickTimeMs ?? 200,
      initLimitTicks: options.initLimit ?? 10,
      syncLimitTicks: options.syncLimit ?? 5,
      ...(options.snapCount !== undefined ? { snapCount: options.snapCount } : {}),
      ...(options.readOnlyMode !== undefined ? { readOnlyModeEnabled: options.readOnlyMode } : {}),
      ...(options.groups !== undefined
        ? { quorumGroups: new Map(options.groups.map((ids, index) => [index + 1, [...ids]] as const)) }
        : {}),
      ...(options.weights !== undefined
        ? {
            quorumWeights: new Map(
              Object.entries(options.weights).map(([id, w]) => [Number(id), w] as const),
            ),
          }
        : {}),
      servers: this.specs,
      serverId: state.id,
      clientPort: state.clientPort,
      clientPortAddress: '127.0.0.1',
      dataDir: state.dataDir,
    });
    const storage =
      state.dataDir === undefined
        ? await openMemoryStorage({ disk: state.disk, snapCount: config.snapCount })
        : undefined;
    const logger = prefixed(options.logger, state.id);
    state.server = await startEnsembleMember({
      config,
      ...(storage !== undefined ? { storage } : {}),
      ...(logger !== undefined ? { logger } : {}),
    });
    this.applyPartition(state.id);
  }

  private pipelineOf(id: number): QuorumPipeline | undefined {
    const pipeline = this.members.get(id)?.server?.pipeline;
    return pipeline instanceof QuorumPipeline ? pipeline : undefined;
  }

  private blockedOf(id: number): Set<number> {
    let set = this.blocked.get(id);
    if (set === undefined) {
      set = new Set();
      this.blocked.set(id, set);
    }
    return set;
  }

  private applyPartition(id: number): void {
    const transport = this.pipelineOf(id)?.transport;
    if (transport === undefined) return;
    transport.heal();
    transport.partition(this.blocked.get(id) ?? []);
  }
}

function prefixed(logger: ServerLogger | undefined, id: number): ServerLogger | undefined {
  if (logger === undefined) return undefined;
  return {
    info: (message) => logger.info(`[${id}] ${message}`),
    warn: (message) => logger.warn(`[${id}] ${message}`),
    error: (message) => logger.error(`[${id}] ${message}`),
  };
}

/** `count` distinct free loopback ports (held open together so none repeats). */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Running the server as an ensemble member: {@link quorumMode} recovers what a ZAB peer
 * restarts from and builds the {@link QuorumPipeline} (peer + TCP transport) of a
 * {@link ZooKeeperServer}; {@link startEnsembleMember} does both from a zoo.cfg with
 * `server.N` lines.
 *
 * Recovery differs from standalone: only the snapshot is known committed, so the database
 * starts from it and the logged txns after it go to the peer, which applies them once a
 * leader commits them (a txn no quorum acknowledged is never visible).
 */
import { Reader } from '../../src/protocol/reader';
import { decodeTxnEntry } from '../../src/protocol/txn';
import { assert } from '../../src/util/assert';
import { type Random, systemRandom } from '../../src/util/random';
import type { ServerConfig } from '../config';
import type { ZooKeeperDatabase } from '../data/database';
import type { ServerConnection } from '../network/server-connection';
import { ReadOnlyService } from '../runtime/read-only-service';
import type { ServerRuntimeMode } from '../runtime/txn-pipeline';
import { databaseFromSnapshot, type ServerLogger, ZooKeeperServer } from '../runtime/zookeeper-server';
import type { Storage } from '../storage/types';
import type { LogEntry } from '../zab/messages';
import { Peer } from '../zab/peer';
import type { PersistentState } from '../zab/ready';
import { PeerTransport } from './peer-transport';
import { QuorumPipeline } from './quorum-pipeline';
import { ReadOnlyModeSwitch, readOnlyStartDelayMs } from './read-only-mode';

/** Options of {@link quorumMode}. */
export interface QuorumModeOptions {
  /** Connection ids and election jitter; default Math.random. */
  readonly random?: Random;
  /** Length of one peer tick; default: tickTime split into steps of about 100 ms. */
  readonly peerTickMs?: number;
  /** Receives the protocol's events (role changes, sync choices). */
  readonly onEvent?: (line: string) => void;
  /**
   * How long the member stays LOOKING before it serves read-only clients, when
   * `readonlymode.enabled` (default Apache's max(2000 ms, tickTime)).
   */
  readonly readOnlyStartDelayMs?: number;
}

/** Peer ticks are about this long, so elections do not wait whole tickTimes. */
const PEER_TICK_TARGET_MS = 100;

/** How many peer ticks make one tickTime (≥ 1), and how long one is. */
export function peerTicking(tickTimeMs: number): { ticksPerTickTime: number; peerTickMs: number } {
  assert(tickTimeMs > 0, 'tickTime is positive');
  const ticksPerTickTime = Math.max(1, Math.round(tickTimeMs / PEER_TICK_TARGET_MS));
  return { ticksPerTickTime, peerTickMs: tickTimeMs / ticksPerTickTime };
}

/** The runtime mode of an ensemble member configured by `config.servers` and `config.serverId`. */
export function quorumMode(options: QuorumModeOptions = {}): ServerRuntimeMode {
  let persistent: PersistentState | undefined;
  return {
    async recover(storage, config) {
      const recovered = await recoverPeerState(storage, config);
      persistent = recovered.persistent;
      return recovered.db;
    },
    createPipeline(server) {
      assert(persistent !== undefined, 'recover() runs before createPipeline()');
      return buildPipeline(server, persistent, options);
    },
  };
}

function buildPipeline(
  server: ZooKeeperServer,
  persistent: PersistentState,
  options: QuorumModeOptions,
): QuorumPipeline {
  const { config } = server;
  const id = config.serverId;
  const voters = config.servers.filter((spec) => spec.peerType === 'participant').map((spec) => spec.id);
  const observers = config.servers.filter((spec) => spec.peerType === 'observer').map((spec) => spec.id);
  const ticking = peerTicking(config.tickTimeMs);
  const ticksPerTickTime =
    options.peerTickMs === undefined
      ? ticking.ticksPerTickTime
      : Math.max(1, Math.round(config.tickTimeMs / options.peerTickMs));
  const peerTickMs = options.peerTickMs ?? ticking.peerTickMs;
  const peer = new Peer(
    {
      id,
      membership: {
        voters,
        observers,
        ...(config.quorumGroups === undefined ? {} : { groups: [...config.quorumGroups.values()] }),
        ...(config.quorumWeights === undefined ? {} : { weights: config.quorumWeights }),
      },
      initLimit: config.initLimitTicks * ticksPerTickTime,
      syncLimit: config.syncLimitTicks * ticksPerTickTime,
      random: options.random ?? systemRandom,
      snapshot: () => {
        const { zxid, chunks } = server.db.snapshot();
        return { zxid, data: Buffer.concat([...chunks]) };
      },
      log: (event) => {
        options.onEvent?.(`server ${id}: ${event}`);
        server.logger.info(`zab: ${event}`);
      },
    },
    persistent,
  );
  let pipeline: QuorumPipeline | undefined;
  const transport = new PeerTransport({
    self: id,
    members: config.servers.map((spec) => ({
      id: spec.id,
      host: spec.host,
      quorumPort: spec.quorumPort,
      electionPort: spec.electionPort,
    })),
    deliver: (message) => pipeline?.deliver(message),
    linkDown: (peer) => pipeline?.linkDown(peer),
    log: (line) => server.logger.warn(line),
  });
  const readOnlySwitch = readOnlyModeSwitch(server, options);
  pipeline = new QuorumPipeline({
    server,
    peer,
    transport,
    peerTickMs,
    ...(readOnlySwitch !== undefined ? { onRoleChange: (role) => readOnlySwitch.roleChanged(role) } : {}),
  });
  const built = pipeline;
  // Once a background snapshot is durable, the peer's in-memory log may forget what it covers
  // (a learner further behind then gets SNAP, as with Apache's committed-log window).
  server.storage.setSnapshotSource(() => {
    const snapshot = server.db.snapshot();
    // Storage marks the snapshot as being written right after this source returns.
    void Promise.resolve()
      .then(() => server.storage.snapshotIdle())
      .then(async () => {
        if ((await server.storage.snapshots.list()).includes(snapshot.zxid))
          built.compactThrough(snapshot.zxid);
      });
    return snapshot;
  });
  return built;
}

/** The read-only switch of a member with `readonlymode.enabled` (installs the server's service). */
function readOnlyModeSwitch(
  server: ZooKeeperServer,
  options: QuorumModeOptions,
): ReadOnlyModeSwitch | undefined {
  if (!server.config.readOnlyModeEnabled) return undefined;
  const service = new ReadOnlyService(server);
  server.readOnly = service;
  return new ReadOnlyModeSwitch(
    service,
    options.readOnlyStartDelayMs ?? readOnlyStartDelayMs(server.config.tickTimeMs),
  );
}

/** The database at the newest snapshot, and the peer's durable epochs and log after it. */
async function recoverPeerState(
  storage: Storage,
  config: ServerConfig,
): Promise<{ db: ZooKeeperDatabase<ServerConnection>; persistent: PersistentState }> {
  const recovery = await storage.recover();
  const db = await databaseFromSnapshot(recovery, config);
  const snapshotZxid = db.lastProcessedZxid;
  const entries: LogEntry[] = [];
  for await (const logged of recovery.txns) {
    if (logged.zxid <= snapshotZxid) continue;
    // Decoded once here so that a corrupt entry stops the start, not a later apply.
    const entry = decodeTxnEntry(new Reader(logged.entry));
    assert(entry.header.zxid === logged.zxid, 'a logged entry carries its own zxid');
    entries.push({ zxid: logged.zxid, data: logged.entry });
  }
  const acceptedEpoch = Number(storage.state.get('acceptedEpoch') ?? 0n);
  const currentEpoch = Number(storage.state.get('currentEpoch') ?? 0n);
  return { db, persistent: { hardState: { acceptedEpoch, currentEpoch }, snapshotZxid, entries } };
}

/** Options of {@link startEnsembleMember}. */
export interface EnsembleMemberOptions extends QuorumModeOptions {
  readonly config: ServerConfig;
  /** Storage instead of opening `config.dataDir` (TestingCluster's in-memory members). */
  readonly storage?: Storage;
  readonly logger?: ServerLogger;
}

/** Starts one ensemble member: recovers, opens the client port, joins the ensemble. */
export async function startEnsembleMember(options: EnsembleMemberOptions): Promise<ZooKeeperServer> {
  const { config, storage, logger, ...modeOptions } = options;
  assert(
    config.servers.some((spec) => spec.id === config.serverId),
    `server.${config.serverId} is configured`,
  );
  return ZooKeeperServer.start({
    config,
    mode: quorumMode(modeOptions),
    ...(storage !== undefined ? { storage } : {}),
    ...(logger !== undefined ? { logger } : {}),
  });
}

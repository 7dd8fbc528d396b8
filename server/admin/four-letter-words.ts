/**
 * Four-letter words: the plain-text admin commands a client sends as the first 4 bytes of a
 * connection instead of a ConnectRequest. Output formats are Apache ZooKeeper 3.8's, byte for
 * byte (checked against a running 3.8.0). The runtime implements {@link ServerIntrospection};
 * everything here is a pure function of it.
 */
import { assert } from '../../src/util/assert';
import { javaDateUtc, javaDouble, javaLongHex } from './java-format';
import type { ConnectionStatsSnapshot, ServerStats } from './server-stats';

/** Every four-letter word zookit answers, in Apache's registration order. */
export const allFourLetterWords = [
  'conf',
  'cons',
  'crst',
  'dirs',
  'dump',
  'envi',
  'ruok',
  'srst',
  'srvr',
  'stat',
  'wchc',
  'wchp',
  'wchs',
  'mntr',
  'isro',
] as const;
/** One of {@link allFourLetterWords}. */
export type FourLetterWord = (typeof allFourLetterWords)[number];

/** Printed by most words while the server is not serving (`AbstractFourLetterCommand.ZK_NOT_SERVING`). */
export const notServingMessage = 'This ZooKeeper instance is not currently serving requests';

/** The server state `srvr`/`mntr` print as `Mode:` / `zk_server_state`. */
export type ServerMode = 'standalone' | 'leader' | 'follower' | 'observer' | 'read-only';

/** One client connection as `stat`/`cons`/`dump` show it. */
export interface ConnectionSnapshot {
  /** Remote IP as text (`127.0.0.1`); printed as Java's `/127.0.0.1:port`. */
  readonly remoteHost: string;
  readonly remotePort: number;
  /** NIO interest ops: 1 = read, 4 = write, 0 = neither (printed in hex). */
  readonly interestOps: number;
  /** Requests received on this connection and not yet answered. */
  readonly outstandingRequests: number;
  /** 0n before the handshake completes. */
  readonly sessionId: bigint;
  readonly sessionTimeoutMs: number;
  /** Wall-clock epoch ms when the connection was accepted (`est=`). */
  readonly establishedMs: number;
  readonly stats: ConnectionStatsSnapshot;
}

/** One tick bucket of an expiry queue, for `dump`. `expiryTimeMs` is wall-clock epoch ms. */
export interface ExpiryBucket<Member> {
  readonly expiryTimeMs: number;
  readonly members: readonly Member[];
}

/** `wchs`: counts over the data-watch table. */
export interface WatchSummary {
  readonly connections: number;
  readonly paths: number;
  readonly totalWatches: number;
}

/** Extra values `mntr` prints beyond `srvr`'s. */
export interface MonitorValues {
  readonly ephemeralsCount: number;
  readonly globalSessions: number;
  readonly localSessions: number;
  readonly watchCount: number;
  /** Sum of path lengths and data sizes (Apache's `approximateDataSize`). */
  readonly approximateDataSizeBytes: number;
  readonly uptimeMs: number;
  /** Open and maximum file descriptors of the process (Apache prints them on Unix); absent elsewhere. */
  readonly fileDescriptors?: { readonly open: number; readonly max: number };
}

/** Sizes in bytes of the last, smallest and largest proposal (-1 before the first), as Apache's BufferStats. */
export interface ProposalSizes {
  readonly last: number;
  readonly min: number;
  readonly max: number;
}

/** An ensemble member's quorum facts for `mntr` and `srvr` (absent on a standalone server). */
export interface QuorumStatus {
  /** Apache's detailed peer state: `leading - broadcast`, `following - synchronization`, `looking`, … */
  readonly peerState: string;
  /** Voting members of the ensemble. */
  readonly quorumSize: number;
  /** Present on the leader only. */
  readonly leader?: {
    readonly learners: number;
    readonly syncedFollowers: number;
    readonly syncedObservers: number;
    readonly pendingSyncs: number;
    /** Since this member started leading its current epoch. */
    readonly uptimeMs: number;
    readonly proposalSizes: ProposalSizes;
  };
}

/**
 * What the running server exposes to the four-letter words. Implemented by the runtime;
 * every method is a cheap read except the two resets.
 */
export interface ServerIntrospection {
  /** False while starting or shutting down: most words then print {@link notServingMessage}. */
  isRunning(): boolean;
  /** Full version line, e.g. `3.8.0-zookit-0.1.0, built on 2025-01-01 00:00 UTC`. */
  version(): string;
  mode(): ServerMode;
  /** True when serving as a read-only server (`isro` → `ro`). */
  isReadOnly(): boolean;
  serverStats(): ServerStats;
  lastProcessedZxid(): bigint;
  nodeCount(): number;
  /** Requests in the pipeline, all connections. */
  outstandingRequests(): number;
  /** Open client connections, including the one asking. */
  aliveConnectionCount(): number;
  connections(): readonly ConnectionSnapshot[];
  watchSummary(): WatchSummary;
  /** `wchc`: session id → watched paths (data-watch table), in table order. */
  watchesBySession(): ReadonlyMap<bigint, readonly string[]>;
  /** `wchp`: path → watching session ids. */
  watchesByPath(): ReadonlyMap<string, readonly bigint[]>;
  /** Session id → its ephemeral node paths. */
  ephemeralsBySession(): ReadonlyMap<bigint, readonly string[]>;
  /** The session tracker's buckets, oldest first, empty buckets included (see SessionTracker). */
  sessionExpiryBuckets(): readonly ExpiryBucket<bigint>[];
  /**
   * Every global session with its timeout (ms). A follower or observer `dump`s this table
   * (its leader owns expiry, so it has no buckets); absent = print the buckets.
   */
  sessionTimeouts?(): ReadonlyMap<bigint, number>;
  /** Idle-connection expiry buckets; members are connections. */
  connectionExpiryBuckets(): readonly ExpiryBucket<ConnectionSnapshot>[];
  /** `envi` pairs, in print order. */
  environment(): readonly (readonly [string, string])[];
  /** The `conf` text (see `renderConf` in server/config). */
  confText(): string;
  monitorValues(): MonitorValues;
  /** Quorum facts of an ensemble member; undefined on a standalone server. */
  quorumStatus(): QuorumStatus | undefined;
  /** `dirs`: bytes under the snapshot and log directories. */
  directorySizes(): { readonly dataDirBytes: number; readonly logDirBytes: number };
  /** `srst`: server latency and packet counters to zero. */
  resetServerStats(): void;
  /** `crst`: every connection's statistics to their initial values. */
  resetConnectionStats(): void;
}

/** True when `word` is a four-letter word zookit knows. */
export function isFourLetterWord(word: string): word is FourLetterWord {
  return (allFourLetterWords as readonly string[]).includes(word);
}

/**
 * The word spelled by the first 4 bytes of a connection read as a big-endian int32 (the
 * would-be frame length), or undefined when it is not a known word.
 */
export function fourLetterWordFromLength(length: number): FourLetterWord | undefined {
  assert(Number.isInteger(length), 'length must be an integer');
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(length | 0);
  const word = bytes.toString('latin1');
  return isFourLetterWord(word) ? word : undefined;
}

/** `Latency…` through `Mode:` lines (Apache's `ServerStats.toString`). */
function formatServerStats(server: ServerIntrospection): string {
  const stats = server.serverStats();
  const latency = stats.latency;
  return (
    `Latency min/avg/max: ${latency.min}/${javaDouble(latency.avg)}/${latency.max}\n` +
    `Received: ${stats.packetsReceived}\n` +
    `Sent: ${stats.packetsSent}\n` +
    `Connections: ${server.aliveConnectionCount()}\n` +
    `Outstanding: ${server.outstandingRequests()}\n` +
    `Zxid: 0x${javaLongHex(server.lastProcessedZxid())}\n` +
    `Mode: ${server.mode()}\n`
  );
}

/** One connection as `ServerCnxn.dumpConnectionInfo` prints it, without a newline. */
export function formatConnection(connection: ConnectionSnapshot, brief: boolean): string {
  const stats = connection.stats;
  const interest = connection.interestOps === 0 ? '0' : connection.interestOps.toString(16);
  let text = ` /${connection.remoteHost}:${connection.remotePort}[${interest}](queued=${connection.outstandingRequests},recved=${stats.packetsReceived},sent=${stats.packetsSent}`;
  if (!brief && connection.sessionId !== 0n) {
    text += `,sid=0x${javaLongHex(connection.sessionId)},lop=${stats.lastOperation},est=${connection.establishedMs},to=${connection.sessionTimeoutMs}`;
    if (stats.lastCxid >= 0) text += `,lcxid=0x${stats.lastCxid.toString(16)}`;
    text += `,lzxid=0x${javaLongHex(stats.lastZxid)},lresp=${stats.lastResponseTimeMs},llat=${stats.lastLatencyMs}`;
    text += `,minlat=${stats.minLatencyMs},avglat=${stats.avgLatencyMs},maxlat=${stats.maxLatencyMs}`;
  }
  return `${text})`;
}

/** `srvr` (brief = true) and `stat` (with the client list). */
export function formatServerStatus(server: ServerIntrospection, withClients: boolean): string {
  if (!server.isRunning()) return `${notServingMessage}\n`;
  let text = `Zookeeper version: ${server.version()}\n`;
  if (server.isReadOnly()) text += 'READ-ONLY mode; serving only read-only clients\n';
  if (withClients) {
    text += 'Clients:\n';
    for (const connection of server.connections()) text += `${formatConnection(connection, true)}\n`;
    text += '\n';
  }
  text += `${formatServerStats(server)}Node count: ${server.nodeCount()}\n`;
  const sizes = server.quorumStatus()?.leader?.proposalSizes;
  if (sizes !== undefined) text += `Proposal sizes last/min/max: ${sizes.last}/${sizes.min}/${sizes.max}\n`;
  return text;
}

/** `cons`: every connection in full, then a blank line. */
export function formatConnections(server: ServerIntrospection): string {
  if (!server.isRunning()) return `${notServingMessage}\n`;
  const lines = server.connections().map((connection) => `${formatConnection(connection, false)}\n`);
  return `${lines.join('')}\n`;
}

/** `mntr`: `zk_<key>\t<value>` lines; integers plain, doubles in Java's form. */
export function formatMonitor(server: ServerIntrospection): string {
  if (!server.isRunning()) return `${notServingMessage}\n`;
  const stats = server.serverStats();
  const values = server.monitorValues();
  const rows: [string, string][] = [
    ['version', server.version()],
    ['server_state', server.mode()],
    ['ephemerals_count', String(values.ephemeralsCount)],
    ['num_alive_connections', String(server.aliveConnectionCount())],
    ['avg_latency', javaDouble(stats.latency.avg)],
    ['outstanding_requests', String(server.outstandingRequests())],
    ['znode_count', String(server.nodeCount())],
    ['global_sessions', String(values.globalSessions)],
    ['packets_sent', String(stats.packetsSent)],
    ['packets_received', String(stats.packetsReceived)],
    ['watch_count', String(values.watchCount)],
    ['min_latency', String(stats.latency.min)],
    ['approximate_data_size', String(values.approximateDataSizeBytes)],
    ['local_sessions', String(values.localSessions)],
    ['uptime', String(values.uptimeMs)],
    ['max_latency', String(stats.latency.max)],
  ];
  if (values.fileDescriptors !== undefined) {
    rows.push(['open_file_descriptor_count', String(values.fileDescriptors.open)]);
    rows.push(['max_file_descriptor_count', String(values.fileDescriptors.max)]);
  }
  const quorum = server.quorumStatus();
  if (quorum !== undefined) {
    rows.splice(2, 0, ['peer_state', quorum.peerState]);
    rows.push(['quorum_size', String(quorum.quorumSize)]);
    const leader = quorum.leader;
    if (leader !== undefined) {
      rows.push(
        ['learners', String(leader.learners)],
        ['synced_followers', String(leader.syncedFollowers)],
        // Followers that do not vote exist only during a reconfiguration, which zookit does not run.
        ['synced_non_voting_followers', '0'],
        ['synced_observers', String(leader.syncedObservers)],
        ['pending_syncs', String(leader.pendingSyncs)],
        ['leader_uptime', String(leader.uptimeMs)],
        ['last_proposal_size', String(leader.proposalSizes.last)],
        ['min_proposal_size', String(leader.proposalSizes.min)],
        ['max_proposal_size', String(leader.proposalSizes.max)],
      );
    }
  }
  return rows.map(([key, value]) => `zk_${key}\t${value}\n`).join('');
}

/** `envi`. */
export function formatEnvironment(server: ServerIntrospection): string {
  const lines = server.environment().map(([key, value]) => `${key}=${value}\n`);
  return `Environment:\n${lines.join('')}`;
}

/** `wchs`: `<c> connections watching <p> paths` / `Total watches:<n>`. */
export function formatWatchSummary(server: ServerIntrospection): string {
  if (!server.isRunning()) return `${notServingMessage}\n`;
  const summary = server.watchSummary();
  return `${summary.connections} connections watching ${summary.paths} paths\nTotal watches:${summary.totalWatches}\n`;
}

/** `wchc` (by session) and `wchp` (by path), each followed by a blank line. */
export function formatWatches(server: ServerIntrospection, byPath: boolean): string {
  if (!server.isRunning()) return `${notServingMessage}\n`;
  let text = '';
  if (byPath) {
    for (const [path, sessions] of server.watchesByPath()) {
      text += `${path}\n${sessions.map((id) => `\t0x${javaLongHex(id)}\n`).join('')}`;
    }
  } else {
    for (const [sessionId, paths] of server.watchesBySession()) {
      text += `0x${javaLongHex(sessionId)}\n${paths.map((path) => `\t${path}\n`).join('')}`;
    }
  }
  return `${text}\n`;
}

/** Apache's `ExpiryQueue.dump`: `Sets (<buckets>)/(<members>):` then each bucket. */
function formatExpiryQueue<Member>(
  buckets: readonly ExpiryBucket<Member>[],
  member: (m: Member) => string,
): string {
  const memberCount = buckets.reduce((sum, bucket) => sum + bucket.members.length, 0);
  let text = `Sets (${buckets.length})/(${memberCount}):\n`;
  const sorted = [...buckets].sort((a, b) => a.expiryTimeMs - b.expiryTimeMs);
  for (const bucket of sorted) {
    text += `${bucket.members.length} expire at ${javaDateUtc(bucket.expiryTimeMs)}:\n`;
    for (const item of bucket.members) text += `\t${member(item)}\n`;
  }
  return text;
}

/** `dump`: session buckets, ephemerals per session, connection buckets. */
export function formatDump(server: ServerIntrospection): string {
  if (!server.isRunning()) return `${notServingMessage}\n`;
  let text = 'SessionTracker dump:\n';
  const mode = server.mode();
  const learnerSessions = mode === 'follower' || mode === 'observer' ? server.sessionTimeouts?.() : undefined;
  if (learnerSessions !== undefined) {
    // A learner prints its copy of the global sessions, by id, as Apache's learner tracker does.
    text += `Global Sessions(${learnerSessions.size}):\n`;
    const ids = [...learnerSessions.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const id of ids) text += `0x${javaLongHex(id)}\t${learnerSessions.get(id)}ms\n`;
  } else {
    text += `Session ${formatExpiryQueue(server.sessionExpiryBuckets(), (id) => `0x${javaLongHex(id)}`)}`;
  }
  const ephemerals = server.ephemeralsBySession();
  text += `ephemeral nodes dump:\nSessions with Ephemerals (${ephemerals.size}):\n`;
  for (const [sessionId, paths] of ephemerals) {
    text += `0x${javaLongHex(sessionId)}:\n${paths.map((path) => `\t${path}\n`).join('')}`;
  }
  text += 'Connections dump:\nConnections ';
  text += formatExpiryQueue(
    server.connectionExpiryBuckets(),
    (connection) =>
      `ip: /${connection.remoteHost}:${connection.remotePort} sessionId: 0x${javaLongHex(connection.sessionId)}`,
  );
  return text;
}

/** `dirs`. */
export function formatDirectories(server: ServerIntrospection): string {
  if (!server.isRunning()) return `${notServingMessage}\n`;
  const sizes = server.directorySizes();
  return `datadir_size: ${sizes.dataDirBytes}\nlogdir_size: ${sizes.logDirBytes}\n`;
}

/** The refusal Apache prints for a known word that is not whitelisted. */
export function notWhitelistedMessage(word: string): string {
  return `${word} is not executed because it is not in the whitelist.\n`;
}

function runWord(word: FourLetterWord, server: ServerIntrospection): string {
  switch (word) {
    case 'ruok':
      return 'imok';
    case 'isro':
      return server.isRunning() ? (server.isReadOnly() ? 'ro' : 'rw') : 'null';
    case 'srvr':
      return formatServerStatus(server, false);
    case 'stat':
      return formatServerStatus(server, true);
    case 'mntr':
      return formatMonitor(server);
    case 'conf':
      return server.isRunning() ? server.confText() : `${notServingMessage}\n`;
    case 'cons':
      return formatConnections(server);
    case 'envi':
      return formatEnvironment(server);
    case 'wchs':
      return formatWatchSummary(server);
    case 'wchc':
      return formatWatches(server, false);
    case 'wchp':
      return formatWatches(server, true);
    case 'dump':
      return formatDump(server);
    case 'dirs':
      return formatDirectories(server);
    case 'crst':
      if (!server.isRunning()) return `${notServingMessage}\n`;
      server.resetConnectionStats();
      return 'Connection stats reset.\n';
    case 'srst':
      if (!server.isRunning()) return `${notServingMessage}\n`;
      server.resetServerStats();
      return 'Server stats reset.\n';
  }
}

/**
 * Answers a four-letter word: the text to write before closing the connection, or undefined
 * when `word` is not a four-letter word (the bytes are then a frame length). A known word
 * missing from `whitelist` gets Apache's refusal line instead of running.
 */
export function runFourLetterWord(
  word: string,
  server: ServerIntrospection,
  whitelist: ReadonlySet<string>,
): string | undefined {
  if (!isFourLetterWord(word)) return undefined;
  if (!whitelist.has(word)) return notWhitelistedMessage(word);
  return runWord(word, server);
}

/**
 * The running server as the four-letter words see it: implements the admin layer's
 * `ServerIntrospection` over the live database, sessions and connections.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { processEnvironment } from '../admin/environment';
import {
  type ConnectionSnapshot,
  type ExpiryBucket,
  type MonitorValues,
  type QuorumStatus,
  runFourLetterWord,
  type ServerIntrospection,
  type ServerMode,
  type WatchSummary,
} from '../admin/four-letter-words';
import type { ServerStats } from '../admin/server-stats';
import { renderConf } from '../config';
import type { ServerConnection } from '../network/server-connection';
import type { ZooKeeperServer } from './zookeeper-server';

/** The version the server reports: the protocol it speaks, then zookit's own. */
export const SERVER_VERSION = '3.9.0-zookit-0.1.0, built on 2026-11-22 00:00 UTC';

export class FourLetterWords implements ServerIntrospection {
  constructor(private readonly server: ZooKeeperServer) {}

  /** Text answering `word`, or `undefined` when it is not a four-letter word. */
  answer(connection: ServerConnection, word: string): string | undefined {
    void connection;
    // Apache counts the four-letter word's own packet.
    this.server.stats.incrementPacketsReceived();
    return runFourLetterWord(word, this, this.server.config.fourLetterWordWhitelist);
  }

  isRunning(): boolean {
    // An ensemble member that is electing or syncing is "not currently serving requests",
    // unless it serves read-only clients meanwhile.
    return this.server.isRunning && (this.server.pipeline.serving || this.isReadOnly());
  }

  version(): string {
    return SERVER_VERSION;
  }

  mode(): ServerMode {
    return this.isReadOnly() ? 'read-only' : this.server.pipeline.mode;
  }

  isReadOnly(): boolean {
    return this.server.readOnly?.active === true;
  }

  serverStats(): ServerStats {
    return this.server.stats;
  }

  lastProcessedZxid(): bigint {
    return this.server.db.lastProcessedZxid;
  }

  nodeCount(): number {
    // Apache's node map holds the root under both "" and "/", and reports that size.
    return this.server.db.tree.nodeCount + 1;
  }

  outstandingRequests(): number {
    return this.server.outstandingRequests;
  }

  aliveConnectionCount(): number {
    return this.server.connections.size;
  }

  connections(): readonly ConnectionSnapshot[] {
    return [...this.server.connections].map((connection) => this.snapshotOf(connection));
  }

  private snapshotOf(connection: ServerConnection): ConnectionSnapshot {
    return {
      remoteHost: connection.remoteAddress,
      remotePort: connection.remotePort,
      interestOps: connection.interestOps,
      outstandingRequests: this.server.orders.get(connection)?.pending ?? 0,
      sessionId: connection.sessionId,
      sessionTimeoutMs: connection.sessionTimeoutMs,
      establishedMs: connection.establishedAtMs,
      stats: connection.stats.snapshot(),
    };
  }

  watchSummary(): WatchSummary {
    const summary = this.server.db.watches.summary();
    return { connections: summary.connections, paths: summary.paths, totalWatches: summary.watches };
  }

  watchesBySession(): ReadonlyMap<bigint, readonly string[]> {
    return new Map(
      this.server.db.watches.pathsByConnection().map(({ sessionId, paths }) => [sessionId, paths]),
    );
  }

  watchesByPath(): ReadonlyMap<string, readonly bigint[]> {
    return new Map(
      this.server.db.watches.connectionsByPath().map(({ path, sessionIds }) => [path, sessionIds]),
    );
  }

  ephemeralsBySession(): ReadonlyMap<bigint, readonly string[]> {
    const result = new Map<bigint, string[]>();
    for (const [sessionId, paths] of this.server.db.tree.ephemeralSessions())
      result.set(sessionId, [...paths]);
    return result;
  }

  sessionTimeouts(): ReadonlyMap<bigint, number> {
    return this.server.sessions.sessionTimeouts();
  }

  sessionExpiryBuckets(): readonly ExpiryBucket<bigint>[] {
    return this.server.sessions
      .expiryBuckets()
      .map((bucket) => ({ expiryTimeMs: bucket.expiryTimeMs, members: bucket.sessionIds }));
  }

  connectionExpiryBuckets(): readonly ExpiryBucket<ConnectionSnapshot>[] {
    return [];
  }

  environment(): readonly (readonly [string, string])[] {
    return processEnvironment(SERVER_VERSION);
  }

  confText(): string {
    const sizes = this.directorySizes();
    return renderConf(this.server.config, {
      clientPort: this.server.port,
      dataDirBytes: sizes.dataDirBytes,
      dataLogDirBytes: sizes.logDirBytes,
    });
  }

  monitorValues(): MonitorValues {
    const tree = this.server.db.tree;
    let ephemerals = 0;
    for (const paths of tree.ephemeralSessions().values()) ephemerals += paths.size;
    return {
      ephemeralsCount: ephemerals,
      globalSessions: this.server.sessions.size,
      localSessions: 0,
      watchCount: this.server.db.watches.summary().watches,
      approximateDataSizeBytes: tree.approximateDataSize,
      uptimeMs: Date.now() - this.server.startedAtMs,
      ...fileDescriptors(),
    };
  }

  quorumStatus(): QuorumStatus | undefined {
    return this.server.pipeline.quorumStatus?.();
  }

  directorySizes(): { readonly dataDirBytes: number; readonly logDirBytes: number } {
    const { dataDir, dataLogDir } = this.server.config;
    const dataDirBytes = dataDir === undefined ? 0 : directoryBytes(dataDir);
    return {
      dataDirBytes,
      logDirBytes: dataLogDir === undefined ? dataDirBytes : directoryBytes(dataLogDir),
    };
  }

  resetServerStats(): void {
    this.server.stats.reset();
  }

  resetConnectionStats(): void {
    for (const connection of this.server.connections) connection.stats.reset();
  }
}

/** Open file descriptors and their soft limit, from /proc (Linux); nothing elsewhere. */
function fileDescriptors(): { fileDescriptors?: { open: number; max: number } } {
  try {
    const open = readdirSync('/proc/self/fd').length;
    const limit = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'latin1'))?.[1];
    return limit === undefined ? {} : { fileDescriptors: { open, max: Number(limit) } };
  } catch {
    return {};
  }
}

/** Bytes of the regular files directly in `directory` (0 if it cannot be read). */
function directoryBytes(directory: string): number {
  try {
    let total = 0;
    for (const name of readdirSync(directory)) {
      const stat = statSync(join(directory, name), { throwIfNoEntry: false });
      if (stat?.isFile()) total += stat.size;
    }
    return total;
  } catch {
    return 0;
  }
}

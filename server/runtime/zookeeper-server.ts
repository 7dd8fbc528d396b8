/**
 * The standalone server: binds the pure database (server/data), durable storage
 * (server/storage), the session tracker and the client port together along the spine of
 * design.md:
 *
 *   request → PREP (TxnEntry) → LOG (group-committed fsync) → APPLY (zxid order) → events, then reply
 *
 * Reads are answered from the applied tree, in order with the connection's own writes
 * (see ReplyOrder). Nothing here decides ZooKeeper semantics; it sequences I/O.
 */

import { sessionPassword } from '../../src/protocol/auth';
import { OpCode } from '../../src/protocol/constants';
import { Reader } from '../../src/protocol/reader';
import type { ConnectRequest } from '../../src/protocol/records';
import { decodeTxnEntry, type TxnEntry } from '../../src/protocol/txn';
import { assert } from '../../src/util/assert';
import { ServerStats } from '../admin/server-stats';
import type { ServerConfig } from '../config';
import { type Applied, ZooKeeperDatabase } from '../data/database';
import type { RequestContext, WriteRequest } from '../data/prep';
import { ClientListener } from '../network/client-listener';
import type { ServerConnection, ServerConnectionHandler } from '../network/server-connection';
import { SessionTracker } from '../session/session-tracker';
import { logWithoutSyncFile } from '../storage/disk';
import { openMemoryStorage, openStorage } from '../storage/storage';
import type { Recovery, Storage } from '../storage/types';
import { FourLetterWords } from './four-letter-word-host';
import { connectResponseFrame, expiredConnectResponse, notificationFrame } from './frames';
import type { ReadOnlyService } from './read-only-service';
import { InFlightCount, ReplyOrder } from './reply-order';
import { type ReplyDropRule, RequestHandler } from './request-handler';
import {
  type AppliedCallback,
  type ServerRuntimeMode,
  StandalonePipeline,
  type TxnPipeline,
} from './txn-pipeline';

/** Where the server reports what operators should see. */
export interface ServerLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Quiet by default in tests; the CLI passes a console logger. */
export const silentLogger: ServerLogger = { info() {}, warn() {}, error() {} };

export interface ZooKeeperServerOptions {
  config: ServerConfig;
  /** Storage to use instead of opening `config.dataDir` (TestingServer's in-memory mode). */
  storage?: Storage;
  logger?: ServerLogger;
  /** Standalone (default) or an ensemble member (server/quorum's `quorumMode`). */
  mode?: ServerRuntimeMode;
}

/** Limits of the runtime that zoo.cfg does not name. */
export const runtimeLimits = {
  /** Requests one connection may have in flight before the server stops reading it. */
  connectionRequestsMax: 5_000,
  /** Unsent bytes at which a connection stops being read, and at which it is dropped. */
  outputBytesPause: 4 * 1024 * 1024,
  outputBytesMax: 64 * 1024 * 1024,
  sessionlessTimeoutMs: 10_000,
} as const;

/** Standalone: recover snapshot + whole log, then the local-log pipeline. */
export const standaloneMode: ServerRuntimeMode = {
  recover: (storage, config) => recoverDatabase(storage, config),
  createPipeline: (server) => new StandalonePipeline(server),
};

export class ZooKeeperServer {
  readonly stats = new ServerStats();
  private sessionTracker: SessionTracker;
  private database: ZooKeeperDatabase<ServerConnection>;
  /** How writes become applied txns (standalone or quorum). */
  readonly pipeline: TxnPipeline;
  /** The connection currently carrying each session. */
  readonly connectionsBySession = new Map<bigint, ServerConnection>();
  readonly orders = new Map<ServerConnection, ReplyOrder>();
  /** Requests received and not yet answered over every connection (kept by the {@link ReplyOrder}s). */
  private readonly inFlight = new InFlightCount();
  /**
   * The read-only service of an ensemble member configured with `readonlymode.enabled` (set
   * by server/quorum's mode; undefined otherwise). While active it owns handshakes and
   * refuses state-changing requests.
   */
  readOnly: ReadOnlyService | undefined;
  readonly logger: ServerLogger;
  private listener: ClientListener | undefined;
  private readonly handler: RequestHandler;
  private readonly fourLetterWords: FourLetterWords;
  /** Syncs waiting until a zxid is applied: [zxid, callback]. */
  private syncWaiters: Array<[bigint, () => void]> = [];
  private timers: NodeJS.Timeout[] = [];
  private running = false;
  private failure: unknown;
  readonly startedAtMs = Date.now();

  private constructor(
    readonly config: ServerConfig,
    readonly storage: Storage,
    db: ZooKeeperDatabase<ServerConnection>,
    logger: ServerLogger,
    mode: ServerRuntimeMode,
  ) {
    this.logger = logger;
    this.database = db;
    this.sessionTracker = this.newSessionTracker();
    this.handler = new RequestHandler(this);
    this.fourLetterWords = new FourLetterWords(this);
    // Background snapshots read the live database; a pipeline may wrap this source.
    storage.setSnapshotSource(() => this.db.snapshot());
    this.pipeline = mode.createPipeline(this);
  }

  /** The session table (the leader's is authoritative in an ensemble). */
  get sessions(): SessionTracker {
    return this.sessionTracker;
  }

  /** The in-memory database. */
  get db(): ZooKeeperDatabase<ServerConnection> {
    return this.database;
  }

  /**
   * A fresh tracker holding every session of the database, each with a full timeout from
   * now (Apache re-arms recovered sessions the same way; a new leader does too).
   */
  resetSessions(): void {
    this.sessionTracker = this.newSessionTracker();
  }

  private newSessionTracker(): SessionTracker {
    const now = Date.now();
    const tracker = new SessionTracker({
      tickTimeMs: this.config.tickTimeMs,
      serverId: this.config.serverId === 0 ? 1 : this.config.serverId,
      nowMs: now,
      minSessionTimeoutMs: this.config.minSessionTimeoutMs,
      maxSessionTimeoutMs: this.config.maxSessionTimeoutMs,
    });
    for (const [sessionId, timeoutMs] of this.database.sessions)
      tracker.trackSession(sessionId, timeoutMs, now);
    return tracker;
  }

  /**
   * Replaces the database with one restored from a leader's snapshot (a SNAP sync). Only while
   * not serving: no connection holds watches in the old one.
   */
  replaceDatabase(db: ZooKeeperDatabase<ServerConnection>): void {
    assert(!this.pipeline.serving, 'the database is replaced only while not serving clients');
    this.database = db;
    this.syncWaiters = [];
    this.resetSessions();
  }

  /** A request or ping on `sessionId`: refreshes it here and, on a learner, at the leader. */
  touchSession(sessionId: bigint): void {
    this.sessionTracker.touchSession(sessionId, Date.now());
    const timeoutMs = this.sessionTracker.sessionTimeoutMs(sessionId);
    if (timeoutMs !== undefined) this.pipeline.touchSession(sessionId, timeoutMs);
  }

  /** Opens storage, recovers the snapshot and log, and starts serving on the client port. */
  static async start(options: ZooKeeperServerOptions): Promise<ZooKeeperServer> {
    const { config } = options;
    const logger = options.logger ?? silentLogger;
    const mode = options.mode ?? standaloneMode;
    const storage = options.storage ?? (await openConfiguredStorage(config, logger));
    let db: ZooKeeperDatabase<ServerConnection>;
    try {
      db = await mode.recover(storage, config);
    } catch (error) {
      await storage.close();
      throw error;
    }
    const server = new ZooKeeperServer(config, storage, db, logger, mode);
    try {
      await server.listen();
      await server.pipeline.start();
    } catch (error) {
      await server.abort();
      throw error;
    }
    return server;
  }

  /** The bound client port. */
  get port(): number {
    assert(this.listener !== undefined, 'the server is listening');
    return this.listener.port;
  }

  get host(): string {
    return this.config.clientPortAddress ?? '0.0.0.0';
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Open client connections. */
  get connections(): ReadonlySet<ServerConnection> {
    return this.listener?.all ?? new Set();
  }

  /** Requests received and not yet answered, all connections. */
  get outstandingRequests(): number {
    return this.inFlight.value;
  }

  /**
   * True while more requests are in flight than `globalOutstandingLimit` allows. As in Apache, a connection with
   * requests of its own in flight then stops being read until they are answered (one without any keeps being read,
   * so no connection waits on others forever).
   */
  get overOutstandingLimit(): boolean {
    return this.inFlight.value > this.config.globalOutstandingLimit;
  }

  private async listen(): Promise<void> {
    const handler: ServerConnectionHandler = {
      connect: (connection, request) => this.onConnect(connection, request),
      request: (connection, header, body) => this.handler.handle(connection, header, body),
      fourLetterWord: (connection, word) => this.fourLetterWords.answer(connection, word),
      closed: (connection) => this.onConnectionClosed(connection),
    };
    this.listener = new ClientListener(
      {
        host: this.config.clientPortAddress ?? '0.0.0.0',
        port: this.config.clientPort,
        listenBacklog: this.config.clientPortListenBacklog,
        connectionsPerAddressMax: this.config.maxClientConnections,
        frameBytesMax: this.config.juteMaxBufferBytes,
        outputBytesPause: runtimeLimits.outputBytesPause,
        outputBytesMax: runtimeLimits.outputBytesMax,
        sessionlessTimeoutMs: runtimeLimits.sessionlessTimeoutMs,
      },
      handler,
    );
    await this.listener.listen();
    this.running = true;
    this.timers.push(setInterval(() => this.expireSessions(), this.config.tickTimeMs));
    this.timers.push(setInterval(() => this.reapContainers(), this.config.containerCheckIntervalMs));
    for (const timer of this.timers) timer.unref();
    this.logger.info(
      `serving on ${this.host}:${this.port} (zxid 0x${this.db.lastProcessedZxid.toString(16)})`,
    );
  }

  /** Stops serving: closes connections, waits for in-flight writes, closes storage. */
  async close(): Promise<void> {
    if (!this.running && this.listener === undefined) return;
    this.running = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    const listener = this.listener;
    this.listener = undefined;
    if (listener !== undefined) await listener.close();
    await this.pipeline.close();
    try {
      await this.storage.log.flush();
    } catch {
      // A failed log was reported when it failed; closing goes on.
    }
    await this.storage.close();
  }

  /**
   * Stops at once, as a crash would as far as peers and clients can tell: client and peer
   * sockets close, nothing more is sent, logged or applied; storage is released.
   */
  async abort(): Promise<void> {
    this.running = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    const listener = this.listener;
    this.listener = undefined;
    await this.pipeline.abort();
    if (listener !== undefined) await listener.close();
    await this.storage.close().catch(() => undefined);
  }

  // ---------------------------------------------------------------------------------------
  // Writes: PREP → LOG → APPLY

  /**
   * Prepares `write`, logs its txn and applies it once durable. `onApplied` runs after the
   * watch notifications of the txn have been queued on their connections.
   */
  submit(
    write: WriteRequest,
    context: RequestContext,
    onApplied?: AppliedCallback,
    origin?: ServerConnection,
  ): void {
    assert(this.failure === undefined, 'no writes after a storage failure');
    this.pipeline.submit(write, context, onApplied, origin);
  }

  /** Fault-hook rules: the next write matching one commits but loses its reply. */
  get dropReplies(): ReplyDropRule[] {
    return this.handler.dropRules;
  }

  /** True once a storage failure stopped writes. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /**
   * APPLY one committed (durable) txn: the tree, watch notifications, session bookkeeping,
   * then `onApplied` (the write's reply), then snapshots and syncs waiting for it.
   */
  applyCommitted(entry: TxnEntry, onApplied?: AppliedCallback): Applied<ServerConnection> {
    const applied = this.db.apply(entry);
    for (const delivery of applied.deliveries) {
      delivery.watcher.send(notificationFrame(delivery.zxid, delivery.event));
    }
    if (entry.txn.type === OpCode.closeSession) this.sessionClosed(entry.header.clientId);
    onApplied?.(applied, entry);
    this.storage.txnApplied(entry.header.zxid);
    this.releaseSyncs();
    return applied;
  }

  /** Runs `callback` once every write prepared so far (by the leader, in an ensemble) is applied here. */
  afterPreparedWrites(callback: () => void, origin?: ServerConnection): void {
    this.pipeline.afterPreparedWrites(callback, origin);
  }

  /** Runs `callback` once the txn `zxid` (and all before it) is applied here. */
  waitForApplied(zxid: bigint, callback: () => void): void {
    if (this.db.lastProcessedZxid >= zxid) {
      callback();
      return;
    }
    this.syncWaiters.push([zxid, callback]);
  }

  private releaseSyncs(): void {
    if (this.syncWaiters.length === 0) return;
    const applied = this.db.lastProcessedZxid;
    const ready = this.syncWaiters.filter(([zxid]) => zxid <= applied);
    if (ready.length === 0) return;
    this.syncWaiters = this.syncWaiters.filter(([zxid]) => zxid > applied);
    for (const [, callback] of ready) callback();
  }

  /** The log failed: its durable state is unknown, so the server stops. */
  storageFailed(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    // The log's durable state is unknown: acknowledging anything more could lose it.
    this.logger.error(
      `transaction log failed, shutting down: ${error instanceof Error ? error.message : error}`,
    );
    void this.close();
  }

  // ---------------------------------------------------------------------------------------
  // Sessions

  private onConnect(connection: ServerConnection, request: ConnectRequest): void {
    if (this.running && this.readOnly?.active === true) {
      this.readOnly.connect(connection, request);
      return;
    }
    if (!this.running || !this.pipeline.serving) {
      // Apache closes clients of a server that is not serving (LOOKING, syncing).
      connection.close('server not running');
      return;
    }
    if (request.lastZxidSeen > this.db.lastProcessedZxid) {
      // The client has seen a newer state than ours: it must try another server.
      connection.close(`client zxid 0x${request.lastZxidSeen.toString(16)} is ahead of the server`);
      return;
    }
    const readOnly = request.readOnly === undefined ? undefined : false;
    if (request.sessionId === 0n) {
      this.createSession(connection, request, readOnly);
      return;
    }
    // Apache closes the session's current connection before it checks the password, so a
    // reconnect with a wrong password still takes the old connection down.
    const previous = this.connectionsBySession.get(request.sessionId);
    if (previous !== undefined && previous !== connection)
      previous.close('session reconnecting from a new connection');
    const session = this.sessions.getSession(request.sessionId);
    const passwordOk = sessionPassword(request.sessionId).equals(request.passwd);
    if (session === undefined || session.closing || !passwordOk) {
      connection.sendAndClose(expiredConnectResponse(request.readOnly), 'session expired or unknown');
      return;
    }
    // Apache negotiates the timeout again on every reconnect and the session's expiry follows
    // the new value from then on; the ConnectResponse carries it.
    const timeoutMs = this.sessions.negotiateTimeout(request.timeOut);
    if (timeoutMs === session.timeoutMs) {
      this.sessions.touchSession(request.sessionId, Date.now());
    } else {
      this.sessions.removeSession(request.sessionId);
      this.sessions.trackSession(request.sessionId, timeoutMs, Date.now());
      this.sessions.setOwner(request.sessionId, this);
    }
    // Apache's REVALIDATE: the session's owner becomes this server (a learner tells its
    // leader ahead of any request the client sends from now on), and the leader's expiry
    // follows the new timeout.
    this.pipeline.revalidateSession(request.sessionId, timeoutMs);
    this.attach(connection, request.sessionId, timeoutMs, readOnly);
  }

  private createSession(
    connection: ServerConnection,
    request: ConnectRequest,
    readOnly: boolean | undefined,
  ): void {
    const timeoutMs = this.sessions.negotiateTimeout(request.timeOut);
    const sessionId = this.sessions.createSession(timeoutMs, Date.now());
    this.sessions.setOwner(sessionId, this);
    const context: RequestContext = { sessionId, cxid: 0, authIds: connection.authIds };
    this.submit(
      { type: OpCode.createSession, request: { timeOut: timeoutMs } },
      context,
      () => {
        if (connection.isClosed) return;
        this.attach(connection, sessionId, timeoutMs, readOnly);
      },
      connection,
    );
  }

  /** Completes a handshake: `connection` carries `sessionId` from now on (its ConnectResponse is sent). */
  attach(
    connection: ServerConnection,
    sessionId: bigint,
    timeoutMs: number,
    readOnly: boolean | undefined,
  ): void {
    const previous = this.connectionsBySession.get(sessionId);
    if (previous !== undefined && previous !== connection)
      previous.close('session moved to a new connection');
    this.connectionsBySession.set(sessionId, connection);
    this.orders.set(
      connection,
      new ReplyOrder(connection, runtimeLimits.connectionRequestsMax, this.inFlight),
    );
    const response = connectResponseFrame({
      protocolVersion: 0,
      timeOut: timeoutMs,
      sessionId,
      passwd: sessionPassword(sessionId),
      readOnly,
    });
    connection.established(response, sessionId, timeoutMs);
  }

  private onConnectionClosed(connection: ServerConnection): void {
    this.orders.get(connection)?.clear();
    this.orders.delete(connection);
    this.db.closeConnection(connection);
    if (this.connectionsBySession.get(connection.sessionId) === connection) {
      this.connectionsBySession.delete(connection.sessionId);
    }
  }

  /** Ends a session now, as its expiry would: a closeSession txn deletes its ephemerals. */
  expireSession(sessionId: bigint): boolean {
    if (!this.pipeline.ownsSessions) return false;
    const session = this.sessions.getSession(sessionId);
    if (session === undefined || session.closing) return false;
    this.sessions.setSessionClosing(sessionId);
    this.submit({ type: OpCode.closeSession }, { sessionId, cxid: 0, authIds: [] });
    return true;
  }

  private expireSessions(): void {
    if (!this.running || this.failed || !this.pipeline.ownsSessions) return;
    for (const session of this.sessions.expireDue(Date.now())) {
      this.logger.info(`session 0x${session.sessionId.toString(16)} expired`);
      this.submit({ type: OpCode.closeSession }, { sessionId: session.sessionId, cxid: 0, authIds: [] });
    }
  }

  private sessionClosed(sessionId: bigint): void {
    this.sessions.removeSession(sessionId);
    const connection = this.connectionsBySession.get(sessionId);
    if (connection === undefined) return;
    this.connectionsBySession.delete(sessionId);
    // The closing client's own reply must leave first: close once its queue has drained.
    setImmediate(() => connection.close('session closed', true));
  }

  private reapContainers(): void {
    if (!this.running || this.failed || !this.pipeline.ownsSessions) return;
    const paths = this.db.reapCandidates(BigInt(Date.now()), {
      maxNeverUsedIntervalMs: 0,
      limit: Math.max(
        1,
        Math.floor((this.config.containerMaxPerMinute * this.config.containerCheckIntervalMs) / 60_000),
      ),
    });
    for (const path of paths) {
      this.submit(
        { type: OpCode.deleteContainer, request: { path } },
        { sessionId: 0n, cxid: 0, authIds: [] },
      );
    }
  }
}

async function openConfiguredStorage(config: ServerConfig, logger: ServerLogger): Promise<Storage> {
  const policy = {
    snapCount: config.snapCount,
    autopurge: {
      snapRetainCount: config.autopurgeSnapRetainCount,
      purgeIntervalHours: config.autopurgeIntervalHours,
    },
    logger: { warn: (message: string) => logger.warn(message) },
  };
  if (config.dataDir === undefined) return openMemoryStorage(policy);
  if (!config.forceSync)
    logger.warn('forceSync=no: the txn log is not fsynced; a machine crash can lose acknowledged writes');
  return openStorage({
    ...policy,
    ...(config.forceSync ? {} : { syncFile: logWithoutSyncFile }),
    dataDir: config.dataDir,
    ...(config.dataLogDir !== undefined ? { dataLogDir: config.dataLogDir } : {}),
  });
}

/** The database at the recovered snapshot (an empty one when there is none). */
export async function databaseFromSnapshot(
  recovery: Recovery,
  config: ServerConfig,
): Promise<ZooKeeperDatabase<ServerConnection>> {
  const options = { skipAcl: config.skipAcl, extendedTypesEnabled: config.extendedTypesEnabled };
  if (recovery.snapshot === undefined) return new ZooKeeperDatabase<ServerConnection>(options);
  const chunks: Buffer[] = [];
  for await (const chunk of recovery.snapshot.chunks) chunks.push(chunk);
  return ZooKeeperDatabase.restore<ServerConnection>(chunks, recovery.snapshot.zxid, options);
}

/** Loads the newest snapshot, then replays every logged txn after it. */
async function recoverDatabase(
  storage: Storage,
  config: ServerConfig,
): Promise<ZooKeeperDatabase<ServerConnection>> {
  const recovery = await storage.recover();
  const db = await databaseFromSnapshot(recovery, config);
  for await (const logged of recovery.txns) {
    const entry = decodeTxnEntry(new Reader(logged.entry));
    assert(entry.header.zxid === logged.zxid, 'a logged entry carries its own zxid');
    if (entry.header.zxid <= db.lastProcessedZxid) continue;
    db.apply(entry);
  }
  return db;
}

/**
 * The write half of the spine behind one interface, so the same server runs standalone or
 * as an ensemble member:
 *
 * - {@link StandalonePipeline}: PREP → local log (group commit) → APPLY, in zxid order.
 * - the quorum pipeline (server/quorum): the leader PREPs and proposes; a learner forwards
 *   to the leader; every member APPLYs what ZAB commits.
 *
 * A pipeline also says whether clients may be served now, whether this server runs session
 * expiry (the standalone server and an ensemble's leader do), and how a session check reads.
 */
import { encodeTxnEntry, type TxnEntry } from '../../src/protocol/txn';
import { Writer } from '../../src/protocol/writer';
import type { QuorumStatus, ServerMode } from '../admin/four-letter-words';
import type { ServerConfig } from '../config';
import type { Applied, ZooKeeperDatabase } from '../data/database';
import type { RequestContext, WriteRequest } from '../data/prep';
import type { ServerConnection } from '../network/server-connection';
import type { Storage } from '../storage/types';
import type { ZooKeeperServer } from './zookeeper-server';

/** Runs once a write's txn is applied (its watch notifications are already queued). */
export type AppliedCallback = (applied: Applied<ServerConnection>, entry: TxnEntry) => void;

/** How writes become applied txns on this server. */
export interface TxnPipeline {
  /** What `srvr`/`mntr` print as the mode. */
  readonly mode: ServerMode;
  /** True when client connections may be accepted and served. */
  readonly serving: boolean;
  /** True when this server expires sessions and reaps containers. */
  readonly ownsSessions: boolean;
  /** Starts background work (peer transport, ticks); the client port is already open. */
  start(): Promise<void>;
  /**
   * PREP, log and apply `write` (or hand it to the leader). `onApplied` runs after the txn is
   * applied here; if the write cannot go through (leadership lost), `origin` is closed instead
   * so its client retries.
   */
  submit(
    write: WriteRequest,
    context: RequestContext,
    onApplied?: AppliedCallback,
    origin?: ServerConnection,
  ): void;
  /** Runs `callback` once this server has applied every write the (leading) server had prepared. */
  afterPreparedWrites(callback: () => void, origin?: ServerConnection): void;
  /** A client request or ping kept `sessionId` alive (a learner tells its leader). */
  touchSession(sessionId: bigint, timeoutMs: number): void;
  /**
   * A client reattached `sessionId` here (a reconnect; `timeoutMs` negotiated again): this
   * server becomes the session's owner (Apache's revalidation), so requests that still come
   * through its old server are refused with SESSIONMOVED.
   */
  revalidateSession(sessionId: bigint, timeoutMs: number): void;
  /** The session check for a write (0, UNKNOWNSESSION, SESSIONEXPIRED, SESSIONMOVED). */
  sessionError(sessionId: bigint): number;
  /** Quorum facts for `mntr`/`srvr`; a standalone pipeline has none. */
  quorumStatus?(): QuorumStatus | undefined;
  /** Stops background work after in-flight writes settle. */
  close(): Promise<void>;
  /** Stops at once: nothing more is sent, logged or applied. */
  abort(): Promise<void>;
}

/** How a server recovers its state and which pipeline it runs. */
export interface ServerRuntimeMode {
  /** Loads what the pipeline starts from (standalone: snapshot + the whole log replayed). */
  recover(storage: Storage, config: ServerConfig): Promise<ZooKeeperDatabase<ServerConnection>>;
  /** The pipeline of a server built on the recovered database. */
  createPipeline(server: ZooKeeperServer): TxnPipeline;
}

/** Standalone: zxids counted locally, every txn durable in the local log before it applies. */
export class StandalonePipeline implements TxnPipeline {
  readonly mode: ServerMode = 'standalone';
  readonly ownsSessions = true;
  private readonly txnWriter = new Writer(4096);
  private lastPreparedZxid: bigint;

  constructor(private readonly server: ZooKeeperServer) {
    this.lastPreparedZxid = server.db.lastProcessedZxid;
  }

  get serving(): boolean {
    return this.server.isRunning;
  }

  async start(): Promise<void> {}

  submit(write: WriteRequest, context: RequestContext, onApplied?: AppliedCallback): void {
    const { server } = this;
    this.lastPreparedZxid += 1n;
    const zxid = this.lastPreparedZxid;
    const entry = server.db.prepare(write, context, zxid, BigInt(Date.now()));
    this.txnWriter.reset();
    encodeTxnEntry(this.txnWriter, entry);
    // The log copies the bytes before returning; the callback form costs one closure per
    // write where a promise cost a promise, its resolvers and two reactions.
    server.storage.log.appendThen(zxid, this.txnWriter.view(), (error) => {
      if (error === undefined) server.applyCommitted(entry, onApplied);
      else server.storageFailed(error);
    });
  }

  afterPreparedWrites(callback: () => void): void {
    this.server.waitForApplied(this.lastPreparedZxid, callback);
  }

  touchSession(): void {}

  /** The owner is the server itself (one token); the session's old connection was closed. */
  revalidateSession(): void {}

  sessionError(sessionId: bigint): number {
    return this.server.sessions.checkSession(sessionId, this.server);
  }

  async close(): Promise<void> {}

  async abort(): Promise<void> {}
}

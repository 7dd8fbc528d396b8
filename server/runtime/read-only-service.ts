/**
 * Read-only service: what an ensemble member configured with `readonlymode.enabled` does
 * while it has lost its quorum (Apache's `ReadOnlyZooKeeperServer`). The quorum side
 * (server/quorum/read-only-mode.ts) decides when it is on; this file decides what clients get:
 *
 * - Only clients whose ConnectRequest says `readOnly = true` are served; any other client
 *   (including a legacy one that omitted the byte) is disconnected without a response, as
 *   Apache does ("Refusing session request for not-read-only client").
 * - Sessions are local to this server: a new session gets an id from a tracker of its own and
 *   no transaction (nothing is logged, the zxid does not move), and it ends when it times out
 *   here. A client asking to resume any other session (a global one the quorum knows) is
 *   disconnected without a response, as Apache 3.8's read-only server refuses global
 *   sessions; the client then tries its next server.
 * - Reads are answered from the tree as it was when the quorum was lost; every state-changing
 *   request — create*, delete*, setData, setACL, multi, check, reconfig, and sync — is answered
 *   NOTREADONLY (-119) with the last applied zxid. closeSession ends the local session.
 * - When the member rejoins a quorum the service stops and drops every read-only connection,
 *   so clients reconnect and find a read-write server.
 */
import { sessionPassword } from '../../src/protocol/auth';
import { OpCode } from '../../src/protocol/constants';
import { ErrorCode } from '../../src/protocol/errors';
import type { ConnectRequest } from '../../src/protocol/records';
import { assert } from '../../src/util/assert';
import type { ServerConnection } from '../network/server-connection';
import { SessionTracker } from '../session/session-tracker';
import { expiredConnectResponse } from './frames';
import type { ZooKeeperServer } from './zookeeper-server';

/** Opcodes a read-only server answers with NOTREADONLY (Apache's `ReadOnlyRequestProcessor`). */
export const readOnlyRefusedOps: ReadonlySet<number> = new Set<number>([
  OpCode.sync,
  OpCode.create,
  OpCode.create2,
  OpCode.createTTL,
  OpCode.createContainer,
  OpCode.delete,
  OpCode.deleteContainer,
  OpCode.setData,
  OpCode.reconfig,
  OpCode.setACL,
  OpCode.multi,
  OpCode.check,
]);

/** The read-only service of one server; off until {@link ReadOnlyService.start}. */
export class ReadOnlyService {
  private sessions: SessionTracker | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly server: ZooKeeperServer) {}

  /** True while this server serves read-only clients. */
  get active(): boolean {
    return this.sessions !== undefined;
  }

  /** Local sessions open now (0 while off). */
  get localSessionCount(): number {
    return this.sessions?.size ?? 0;
  }

  /** Starts serving read-only clients (the member has been LOOKING long enough). */
  start(): void {
    if (this.active || !this.server.isRunning) return;
    const { config } = this.server;
    const now = Date.now();
    this.sessions = new SessionTracker({
      tickTimeMs: config.tickTimeMs,
      // Apache's read-only server numbers its sessions from its myid, as a learner does.
      serverId: config.serverId,
      nowMs: now,
      minSessionTimeoutMs: config.minSessionTimeoutMs,
      maxSessionTimeoutMs: config.maxSessionTimeoutMs,
    });
    this.expiryTimer = setInterval(() => this.expireSessions(), config.tickTimeMs);
    this.expiryTimer.unref();
    // Connections accepted before (none are served while LOOKING) would not be read-only ones.
    for (const connection of [...this.server.connections]) connection.close('read-only server starting');
    this.server.logger.info('read-only server started');
  }

  /** Stops serving read-only clients and drops them, so they look for a read-write server. */
  stop(reason: string): void {
    if (!this.active) return;
    this.sessions = undefined;
    if (this.expiryTimer !== undefined) clearInterval(this.expiryTimer);
    this.expiryTimer = undefined;
    for (const connection of [...this.server.connections])
      connection.close(`read-only server stopped: ${reason}`);
    this.server.logger.info(`read-only server stopped: ${reason}`);
  }

  /** The handshake of a client while read-only. */
  connect(connection: ServerConnection, request: ConnectRequest): void {
    const sessions = this.sessions;
    assert(sessions !== undefined, 'read-only handshakes happen only while read-only');
    if (request.readOnly !== true) {
      connection.close('refusing session request for a not-read-only client');
      return;
    }
    const { db } = this.server;
    if (request.lastZxidSeen > db.lastProcessedZxid) {
      connection.close(`client zxid 0x${request.lastZxidSeen.toString(16)} is ahead of the server`);
      return;
    }
    const now = Date.now();
    if (request.sessionId === 0n) {
      const timeoutMs = sessions.negotiateTimeout(request.timeOut);
      const sessionId = sessions.createSession(timeoutMs, now);
      this.server.attach(connection, sessionId, timeoutMs, true);
      return;
    }
    const session = sessions.getSession(request.sessionId);
    if (session === undefined) {
      // Not one of ours: a global session (or one we no longer know). Serving it here would
      // let it live on a minority; the client must find the quorum or start a new session.
      connection.close('refusing to resume a global session in read-only mode');
      return;
    }
    const previous = this.server.connectionsBySession.get(request.sessionId);
    if (previous !== undefined && previous !== connection)
      previous.close('session reconnecting from a new connection');
    if (session.closing || !sessionPassword(request.sessionId).equals(request.passwd)) {
      connection.sendAndClose(expiredConnectResponse(true), 'local session expired or wrong password');
      return;
    }
    const timeoutMs = sessions.negotiateTimeout(request.timeOut);
    sessions.touchSession(request.sessionId, now, timeoutMs);
    this.server.attach(connection, request.sessionId, timeoutMs, true);
  }

  /**
   * Called for every request while read-only: keeps the local session alive and returns the
   * error the request gets instead of running (NOTREADONLY), 0 for closeSession (answered
   * here, see {@link closeSession}), or undefined to run it normally (a read).
   */
  refusal(connection: ServerConnection, type: number): number | undefined {
    const sessions = this.sessions;
    if (sessions === undefined) return undefined;
    sessions.touchSession(connection.sessionId, Date.now());
    if (type === OpCode.closeSession) return ErrorCode.OK;
    return readOnlyRefusedOps.has(type) ? ErrorCode.NOTREADONLY : undefined;
  }

  /** Ends the local session of `connection` after its closeSession reply has been queued. */
  closeSession(connection: ServerConnection): void {
    this.sessions?.removeSession(connection.sessionId);
    setImmediate(() => connection.close('session closed', true));
  }

  /** Local sessions whose client stayed silent past the timeout end here, with their connection. */
  private expireSessions(): void {
    const sessions = this.sessions;
    if (sessions === undefined) return;
    if (!this.server.isRunning) {
      this.stop('server stopped');
      return;
    }
    for (const session of sessions.expireDue(Date.now())) {
      sessions.removeSession(session.sessionId);
      this.server.connectionsBySession.get(session.sessionId)?.close('local session expired');
      this.server.logger.info(`read-only session 0x${session.sessionId.toString(16)} expired`);
    }
  }
}

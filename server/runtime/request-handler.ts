/**
 * Dispatch of client requests by opcode: reads are answered from the applied tree in the
 * connection's FIFO order, writes go down the PREP → LOG → APPLY spine, and session-level
 * packets (ping, auth, setWatches) are handled here. Every reply shape is Apache's.
 */
import { digestId } from '../../src/protocol/auth';
import { AddWatchMode, OpCode, opName, Xid } from '../../src/protocol/constants';
import type { Id } from '../../src/protocol/data';
import { ErrorCode, ZooKeeperError } from '../../src/protocol/errors';
import {
  decodeMultiRequest,
  encodeMultiResponse,
  isReadOnlyMulti,
  type MultiOp,
} from '../../src/protocol/multi';
import type { Reader } from '../../src/protocol/reader';
import {
  type AuthPacket,
  type CheckWatchesRequest,
  decodeAddWatchRequest,
  decodeAuthPacket,
  decodeCheckWatchesRequest,
  decodeCreateRequest,
  decodeCreateTTLRequest,
  decodeDeleteContainerRequest,
  decodeDeleteRequest,
  decodeGetAllChildrenNumberRequest,
  decodeGetEphemeralsRequest,
  decodeGetSASLRequest,
  decodeReconfigRequest,
  decodeSetACLRequest,
  decodeSetDataRequest,
  decodeSetWatches,
  decodeSetWatches2,
  encodeCreate2Response,
  encodeCreateResponse,
  encodeErrorResponse,
  encodeExistsResponse,
  encodeGetACLResponse,
  encodeGetAllChildrenNumberResponse,
  encodeGetChildren2Response,
  encodeGetChildrenResponse,
  encodeGetDataResponse,
  encodeGetEphemeralsResponse,
  encodeSetDataResponse,
  encodeSetSASLResponse,
  encodeSyncResponse,
  encodeWhoAmIResponse,
  type RequestHeader,
  requestCodecFor,
} from '../../src/protocol/records';
import type { Writer } from '../../src/protocol/writer';
import { lastOperationName } from '../admin/server-stats';
import { AuthScheme, digestAuthIds } from '../data/acl';
import type { Applied } from '../data/database';
import type { RequestContext, WriteRequest } from '../data/prep';
import type { ReadReply } from '../data/reads';
import type { ServerConnection } from '../network/server-connection';
import { notificationFrame, replyFrame } from './frames';
import type { ReplyOrder } from './reply-order';
import type { ZooKeeperServer } from './zookeeper-server';

/** A test hook: drop the reply of the next write that matches, after it commits. */
export interface ReplyDropRule {
  op?: number;
  path?: string;
}

type ReadAnswer = () => Buffer | undefined;

/** Who asked for a read, and when: what its deferred reply needs. */
interface ReadRequest {
  readonly connection: ServerConnection;
  readonly xid: number;
  readonly type: number;
  readonly startedMs: number;
}

export class RequestHandler {
  /** Rules consumed by the next matching write (TestingServer's fault hook). */
  readonly dropRules: ReplyDropRule[] = [];

  constructor(private readonly server: ZooKeeperServer) {}

  handle(connection: ServerConnection, header: RequestHeader, body: Reader): void {
    const order = this.server.orders.get(connection);
    if (order === undefined) return;
    this.server.stats.incrementPacketsReceived();
    if (header.type !== OpCode.closeSession) this.server.touchSession(connection.sessionId);
    const started = Date.now();
    try {
      this.dispatch(connection, order, header, body, started);
    } catch (error) {
      // Undecodable body: the peer is broken; only its connection pays.
      connection.close(
        `bad ${opName(header.type)} request: ${error instanceof Error ? error.message : error}`,
      );
    }
    if (order.full || (order.pending > 0 && this.server.overOutstandingLimit)) connection.pauseRequests(true);
  }

  private dispatch(
    connection: ServerConnection,
    order: ReplyOrder,
    header: RequestHeader,
    body: Reader,
    startedMs: number,
  ): void {
    const { xid, type } = header;
    const refusal = this.server.readOnly?.refusal(connection, type);
    if (refusal !== undefined) {
      // A read-only server: writes and syncs get NOTREADONLY; closeSession ends a local session.
      order.read(() => this.reply(connection, xid, refusal, startedMs, type));
      if (type === OpCode.closeSession) this.server.readOnly?.closeSession(connection);
      return;
    }
    switch (type) {
      case OpCode.ping:
        order.read(() => this.reply(connection, Xid.ping, 0, startedMs, type));
        return;
      case OpCode.auth:
        this.auth(connection, order, xid, decodeAuthPacket(body));
        return;
      case OpCode.setWatches:
      case OpCode.setWatches2:
        this.setWatches(
          connection,
          order,
          xid,
          type === OpCode.setWatches ? decodeSetWatches(body) : decodeSetWatches2(body),
          startedMs,
        );
        return;
      case OpCode.sync: {
        const { path } = decodeRequest(OpCode.sync, body);
        const ticket = order.write();
        this.server.afterPreparedWrites(() => {
          // Built when its turn comes, after the connection's earlier writes applied, so the
          // header zxid covers them as Apache's does (the core releases a learner's sync only
          // after the writes forwarded before it; building late keeps that true here too).
          order.complete(ticket, () =>
            this.reply(connection, xid, 0, startedMs, type, (w) => encodeSyncResponse(w, { path })),
          );
          this.resumeIfDrained(connection, order);
        }, connection);
        return;
      }
      case OpCode.closeSession:
        this.write(connection, order, xid, { type: OpCode.closeSession }, startedMs);
        return;
      case OpCode.sasl:
        // No SASL server here: Apache answers OK, zxid 0, a null token, and carries on.
        decodeGetSASLRequest(body);
        order.read(() => replyFrame(xid, 0n, 0, (w) => encodeSetSASLResponse(w, { token: null })));
        return;
      default:
        break;
    }
    const read = this.readAnswer(connection, header, body, startedMs);
    if (read !== undefined) {
      order.read(read);
      return;
    }
    const write = decodeWrite(type, body);
    if (write === undefined) {
      // check (13) outside a multi, notification (0) and unknown opcodes: Apache answers
      // UNIMPLEMENTED with zxid -1 (the unset zxid of a request that never reached PREP)
      // and closes the connection (check is the fixed behaviour after 3.8.0).
      order.read(() => this.replyAt(connection, xid, -1n, ErrorCode.UNIMPLEMENTED, startedMs, type));
      connection.close(`unsupported opcode ${type}`, true);
      return;
    }
    this.write(connection, order, xid, write, startedMs);
  }

  /** The answer of a read op, or `undefined` when `type` is not a read. */
  private readAnswer(
    connection: ServerConnection,
    header: RequestHeader,
    body: Reader,
    startedMs: number,
  ): ReadAnswer | undefined {
    const { xid, type } = header;
    const reads = this.server.db.reads;
    // readReply is a method, not a helper closure made here: every request (writes too) passes this way, and a
    // named closure costs a defineProperty per call when run through tsx/esbuild's keepNames (~2 % of create CPU).
    const request: ReadRequest = { connection, xid, type, startedMs };
    switch (type) {
      case OpCode.exists: {
        const { path, watch } = decodeRequest(OpCode.exists, body);
        return this.readReply(request, () => reads.exists(path, watch, connection), encodeExistsResponse);
      }
      case OpCode.getData: {
        const { path, watch } = decodeRequest(OpCode.getData, body);
        return this.readReply(request, () => reads.getData(path, watch, connection), encodeGetDataResponse);
      }
      case OpCode.getChildren: {
        const { path, watch } = decodeRequest(OpCode.getChildren, body);
        return this.readReply(
          request,
          () => reads.getChildren(path, watch, connection),
          encodeGetChildrenResponse,
        );
      }
      case OpCode.getChildren2: {
        const { path, watch } = decodeRequest(OpCode.getChildren2, body);
        return this.readReply(
          request,
          () => reads.getChildren2(path, watch, connection),
          encodeGetChildren2Response,
        );
      }
      case OpCode.getACL: {
        const { path } = decodeRequest(OpCode.getACL, body);
        return this.readReply(request, () => reads.getAcl(path, connection), encodeGetACLResponse);
      }
      case OpCode.getAllChildrenNumber: {
        const { path } = decodeGetAllChildrenNumberRequest(body);
        return this.readReply(
          request,
          () => reads.getAllChildrenNumber(path, connection),
          encodeGetAllChildrenNumberResponse,
        );
      }
      case OpCode.getEphemerals: {
        const { prefixPath } = decodeGetEphemeralsRequest(body);
        return this.readReply(
          request,
          () => reads.getEphemerals(prefixPath, connection),
          encodeGetEphemeralsResponse,
        );
      }
      case OpCode.multiRead: {
        const { ops } = decodeMultiRequest(body);
        if (!isReadOnlyMulti({ ops }))
          return () => this.reply(connection, xid, ErrorCode.MARSHALLINGERROR, startedMs, type);
        return () =>
          this.reply(connection, xid, 0, startedMs, type, (w) =>
            encodeMultiResponse(w, { results: reads.multiRead(ops, connection) }),
          );
      }
      case OpCode.checkWatches:
      case OpCode.removeWatches:
        return this.watchCheck(connection, header, decodeCheckWatchesRequest(body), startedMs);
      case OpCode.addWatch: {
        const { path, mode } = decodeAddWatchRequest(body);
        return () => {
          if (mode !== AddWatchMode.PERSISTENT && mode !== AddWatchMode.PERSISTENT_RECURSIVE) {
            return this.reply(connection, xid, ErrorCode.MARSHALLINGERROR, startedMs, type);
          }
          this.server.db.watches.addPersistentWatch(path, connection, mode);
          return this.reply(connection, xid, 0, startedMs, type, (w) => encodeErrorResponse(w, { err: 0 }));
        };
      }
      case OpCode.whoAmI:
        return () =>
          this.reply(connection, xid, 0, startedMs, type, (w) =>
            encodeWhoAmIResponse(w, { clientInfo: connection.authIds.map(clientInfo) }),
          );
      default:
        return undefined;
    }
  }

  /** A deferred read: runs `run` when the read's turn comes and encodes its response (or its error). */
  private readReply<T>(
    { connection, xid, type, startedMs }: ReadRequest,
    run: () => ReadReply<T>,
    encode: (writer: Writer, value: T) => void,
  ): ReadAnswer {
    return () => {
      const result = run();
      return 'response' in result
        ? this.reply(connection, xid, 0, startedMs, type, (w) => encode(w, result.response))
        : this.reply(connection, xid, result.err, startedMs, type);
    };
  }

  private watchCheck(
    connection: ServerConnection,
    header: RequestHeader,
    request: CheckWatchesRequest,
    startedMs: number,
  ): ReadAnswer {
    const watches = this.server.db.watches;
    return () => {
      let err: number;
      try {
        const found =
          header.type === OpCode.checkWatches
            ? watches.containsWatch(request.path, request.type, connection)
            : watches.removeWatch(request.path, request.type, connection);
        err = found ? 0 : ErrorCode.NOWATCHER;
      } catch (error) {
        // An unknown watcher type: Apache answers MARSHALLINGERROR and keeps the connection.
        if (!(error instanceof ZooKeeperError)) throw error;
        err = error.code;
      }
      return this.reply(connection, header.xid, err, startedMs, header.type);
    };
  }

  private write(
    connection: ServerConnection,
    order: ReplyOrder,
    xid: number,
    write: WriteRequest,
    startedMs: number,
  ): void {
    const ticket = order.write();
    const context: RequestContext = {
      sessionId: connection.sessionId,
      cxid: xid,
      authIds: connection.authIds,
      sessionError: this.server.pipeline.sessionError(connection.sessionId),
    };
    if (write.type === OpCode.closeSession) this.server.sessions.setSessionClosing(connection.sessionId);
    this.server.submit(
      write,
      context,
      (applied) => {
        if (this.consumeDropRule(write, applied)) {
          order.complete(ticket, undefined);
          connection.close('reply dropped by a test fault hook');
          return;
        }
        if (sessionMoved(applied)) {
          // Apache: a connection-level error, no reply. The client has moved to another
          // server; if it still reads here, it sees a connection loss.
          order.complete(ticket, undefined);
          connection.close('session moved to another server');
          return;
        }
        const reply = this.writeReply(connection, xid, write.type, applied, startedMs);
        order.complete(ticket, reply);
        this.resumeIfDrained(connection, order);
      },
      connection,
    );
  }

  private writeReply(
    connection: ServerConnection,
    xid: number,
    type: number,
    applied: Applied<ServerConnection>,
    startedMs: number,
  ): Buffer {
    const { result } = applied;
    const zxid = result.header.zxid;
    if (type === OpCode.multi && result.multiResults !== undefined) {
      const results = result.multiResults;
      return this.replyAt(connection, xid, zxid, 0, startedMs, type, (w) =>
        encodeMultiResponse(w, { results }),
      );
    }
    if (result.err !== 0) return this.replyAt(connection, xid, zxid, result.err, startedMs, type);
    const path = result.path ?? '';
    const stat = result.stat;
    switch (type) {
      case OpCode.create:
        return this.replyAt(connection, xid, zxid, 0, startedMs, type, (w) =>
          encodeCreateResponse(w, { path }),
        );
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL:
        return this.replyAt(connection, xid, zxid, 0, startedMs, type, (w) =>
          encodeCreate2Response(w, { path, stat: stat ?? missingStat() }),
        );
      case OpCode.setData:
      case OpCode.setACL:
        return this.replyAt(connection, xid, zxid, 0, startedMs, type, (w) =>
          encodeSetDataResponse(w, { stat: stat ?? missingStat() }),
        );
      default:
        return this.replyAt(connection, xid, zxid, 0, startedMs, type);
    }
  }

  private resumeIfDrained(connection: ServerConnection, order: ReplyOrder): void {
    if (order.pending * 2 >= order.pendingMax) return;
    if (order.pending > 0 && this.server.overOutstandingLimit) return;
    connection.pauseRequests(false);
  }

  /** Auth replies echo the request's xid (clients send -4) with zxid 0, as Apache does. */
  private auth(connection: ServerConnection, order: ReplyOrder, xid: number, packet: AuthPacket): void {
    if (packet.scheme === AuthScheme.digest) {
      const ids = digestAuthIds(packet.auth.toString('utf8'), digestId, this.server.config.superDigest);
      for (const id of ids) addId(connection.authIds, id);
      order.read(() => replyFrame(xid, 0n, 0));
      return;
    }
    if (packet.scheme === AuthScheme.ip) {
      order.read(() => replyFrame(xid, 0n, 0));
      return;
    }
    order.read(() => replyFrame(xid, 0n, ErrorCode.AUTHFAILED));
    connection.close(`authentication failed for scheme '${packet.scheme}'`, true);
  }

  private setWatches(
    connection: ServerConnection,
    order: ReplyOrder,
    xid: number,
    lists: Parameters<ZooKeeperServer['db']['setWatches']>[0],
    startedMs: number,
  ): void {
    order.read(() => {
      for (const delivery of this.server.db.setWatches(lists, connection)) {
        delivery.watcher.send(notificationFrame(delivery.zxid, delivery.event));
      }
      return this.reply(connection, xid, 0, startedMs, OpCode.setWatches);
    });
  }

  private consumeDropRule(write: WriteRequest, applied: Applied<ServerConnection>): boolean {
    const index = this.dropRules.findIndex(
      (rule) =>
        (rule.op === undefined || rule.op === write.type) &&
        (rule.path === undefined || (applied.result.path ?? '').startsWith(rule.path)),
    );
    if (index === -1) return false;
    this.dropRules.splice(index, 1);
    return true;
  }

  private reply(
    connection: ServerConnection,
    xid: number,
    err: number,
    startedMs: number,
    type: number,
    encodeBody?: (writer: Writer) => void,
  ): Buffer {
    return this.replyAt(connection, xid, this.server.db.lastProcessedZxid, err, startedMs, type, encodeBody);
  }

  private replyAt(
    connection: ServerConnection,
    xid: number,
    zxid: bigint,
    err: number,
    startedMs: number,
    type: number,
    encodeBody?: (writer: Writer) => void,
  ): Buffer {
    const now = Date.now();
    this.server.stats.incrementPacketsSent();
    this.server.stats.recordRequestLatency(startedMs, now);
    connection.stats.recordResponse(xid, zxid, lastOperationName(type), startedMs, now);
    return replyFrame(xid, zxid, err, encodeBody);
  }
}

function decodeRequest<
  K extends
    | typeof OpCode.exists
    | typeof OpCode.getData
    | typeof OpCode.getChildren
    | typeof OpCode.getChildren2
    | typeof OpCode.getACL
    | typeof OpCode.sync,
>(type: K, body: Reader): { path: string; watch: boolean } {
  const codec = requestCodecFor(type);
  if (codec === undefined) throw new Error(`no codec for ${opName(type)}`);
  const value = codec.decode(body) as { path: string; watch?: boolean };
  return { path: value.path, watch: value.watch ?? false };
}

/** The write request of a write opcode, or `undefined` for an unsupported op. */
function decodeWrite(type: number, body: Reader): WriteRequest | undefined {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      return { type, request: decodeCreateRequest(body) };
    case OpCode.createTTL:
      return { type, request: decodeCreateTTLRequest(body) };
    case OpCode.delete:
      return { type, request: decodeDeleteRequest(body) };
    case OpCode.setData:
      return { type, request: decodeSetDataRequest(body) };
    case OpCode.setACL:
      return { type, request: decodeSetACLRequest(body) };
    case OpCode.multi: {
      const { ops } = decodeMultiRequest(body);
      return { type, request: { ops: ops as readonly MultiOp[] } };
    }
    case OpCode.reconfig:
      // Decoded only to reject a malformed body; standalone PREP answers RECONFIGDISABLED.
      decodeReconfigRequest(body);
      return { type };
    case OpCode.deleteContainer:
      return { type, request: decodeDeleteContainerRequest(body), fromClient: true };
    default:
      return undefined;
  }
}

/** whoAmI's entry for one auth id: digest → the user name; ip → the address; super → ''. */
function clientInfo(id: Id): { authScheme: string; user: string } {
  if (id.scheme === AuthScheme.digest) return { authScheme: id.scheme, user: id.id.split(':')[0] ?? '' };
  if (id.scheme === AuthScheme.super) return { authScheme: id.scheme, user: '' };
  return { authScheme: id.scheme, user: id.id };
}

function addId(ids: Id[], id: Id): void {
  if (!ids.some((existing) => existing.scheme === id.scheme && existing.id === id.id)) ids.push(id);
}

function missingStat(): never {
  throw new Error('an applied create2/setData/setACL carries its Stat');
}

/** The leader refused the write because its session is owned elsewhere now (SESSIONMOVED). */
function sessionMoved(applied: Applied<ServerConnection>): boolean {
  const { result } = applied;
  if (result.err === ErrorCode.SESSIONMOVED) return true;
  return (
    result.multiResults?.some((op) => op.type === OpCode.error && op.err === ErrorCode.SESSIONMOVED) ?? false
  );
}

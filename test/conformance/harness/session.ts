/**
 * A scenario's session: typed calls over a {@link RawSession} that record every reply
 * (error code, reply zxid, normalised body) and every notification in arrival order, so a
 * notification that precedes a reply is recorded before it.
 */
import { OpCode, Xid } from '../../../src/protocol/constants';
import type { Acl } from '../../../src/protocol/data';
import { decodeMultiResponse, type MultiOp } from '../../../src/protocol/multi';
import type { Reader } from '../../../src/protocol/reader';
import {
  type CreateRequest,
  decodeCreate2Response,
  decodeCreateResponse,
  decodeErrorResponse,
  decodeExistsResponse,
  decodeGetACLResponse,
  decodeGetAllChildrenNumberResponse,
  decodeGetChildren2Response,
  decodeGetChildrenResponse,
  decodeGetDataResponse,
  decodeGetEphemeralsResponse,
  decodeSetDataResponse,
  decodeSyncResponse,
  decodeWatcherEvent,
  decodeWhoAmIResponse,
  type RequestBodies,
  type RequestOpCode,
  type SetWatches2,
} from '../../../src/protocol/records';
import type { RawReply, RawSession } from '../../support/raw-session';
import { acls, data, type Normaliser } from './normalise';

/** One recorded line of a scenario. */
export type RecordEntry = Record<string, unknown>;

/** The outcome of one call: the error code, the raw reply zxid and the decoded body. */
export interface CallResult<T> {
  err: number;
  zxid: bigint;
  value: T | undefined;
}

/** Where sessions write their records. */
export interface RecordSink {
  push(entry: RecordEntry): void;
  readonly target: 'apache' | 'zookit' | 'ensemble' | 'none';
  readonly normaliser: Normaliser;
}

/** One request of {@link ConformanceSession.pipeline}. */
export interface PipelinedRequest {
  type: RequestOpCode;
  body: RequestBodies[RequestOpCode];
  label: string;
}

/** Options of {@link ConformanceSession.create}. */
export interface CreateOptions {
  data?: Buffer | string | null;
  acl?: readonly Acl[];
  flags?: number;
  /** create (1, default), create2 (15), createContainer (19) or createTTL (21). */
  op?: 1 | 15 | 19 | 21;
  ttl?: bigint;
}

const OPEN: readonly Acl[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

function toBuffer(value: Buffer | string | null | undefined): Buffer | null {
  if (value === undefined) return Buffer.alloc(0);
  if (value === null) return null;
  return typeof value === 'string' ? Buffer.from(value) : value;
}

/** A recorded session: every method records its outcome under the session's name. */
export class ConformanceSession {
  /** The highest reply zxid seen (for SetWatches' relativeZxid). */
  lastZxid = 0n;

  constructor(
    readonly name: string,
    readonly channel: RawSession,
    private readonly sink: RecordSink,
    readonly sessionId: bigint,
    readonly password: Buffer,
    readonly timeOut: number,
  ) {}

  private get n(): Normaliser {
    return this.sink.normaliser;
  }

  /** Sends `type` and reads frames until its reply, recording notifications on the way. */
  async request<T>(
    type: number,
    send: () => number,
    decode: ((reader: Reader) => T) | undefined,
    label: string,
    present: (value: T) => unknown = (value) => value,
  ): Promise<CallResult<T>> {
    const xid = send();
    const reply = await this.awaitReply(xid, type === OpCode.ping ? Xid.ping : xid);
    let value: T | undefined;
    if (reply.header.err === 0 && decode !== undefined) {
      value = decode(reply.reader);
      reply.reader.expectEnd(label);
    }
    if (reply.header.zxid > this.lastZxid) this.lastZxid = reply.header.zxid;
    const entry: RecordEntry = {
      s: this.name,
      op: label,
      err: reply.header.err,
      zxid: this.n.zxid(reply.header.zxid),
    };
    if (value !== undefined) entry.result = present(value);
    else if (reply.body.length > 0) entry.bodyBytes = reply.body.length;
    this.sink.push(entry);
    return { err: reply.header.err, zxid: reply.header.zxid, value };
  }

  private async awaitReply(xid: number, expectedXid: number): Promise<RawReply> {
    for (let frames = 0; frames < 1_000; frames++) {
      const reply = await this.channel.nextReply();
      if (reply.header.xid === Xid.notification) {
        this.recordEvent(reply);
        continue;
      }
      if (reply.header.xid === expectedXid || reply.header.xid === xid) return reply;
      throw new Error(`${this.name}: expected the reply to xid ${xid}, got ${reply.header.xid}`);
    }
    throw new Error(`${this.name}: no reply to xid ${xid} within 1000 frames`);
  }

  private recordEvent(reply: RawReply): void {
    const event = decodeWatcherEvent(reply.reader);
    reply.reader.expectEnd('WatcherEvent');
    // The notification zxid is not compared: 3.8.0 sends -1, later releases the txn zxid.
    this.sink.push({ s: this.name, event: event.type, state: event.state, path: event.path });
  }

  private call<K extends RequestOpCode, T>(
    type: K,
    body: RequestBodies[K],
    decode: ((reader: Reader) => T) | undefined,
    label: string,
    present?: (value: T) => unknown,
  ): Promise<CallResult<T>> {
    return this.request(type, () => this.channel.send(type, body), decode, label, present);
  }

  create(path: string, options: CreateOptions = {}): Promise<CallResult<{ path: string; stat?: unknown }>> {
    const op = options.op ?? OpCode.create;
    const request: CreateRequest = {
      path,
      data: toBuffer(options.data),
      acl: [...(options.acl ?? OPEN)],
      flags: options.flags ?? 0,
    };
    const label = `create${op === OpCode.create ? '' : `/${op}`} ${path}`;
    if (op === OpCode.create) return this.call(op, request, decodeCreateResponse, label);
    const present = (value: { path: string; stat: import('../../../src/protocol/data').Stat }) => ({
      path: value.path,
      stat: this.n.stat(value.stat),
    });
    if (op === OpCode.createTTL)
      return this.call(op, { ...request, ttl: options.ttl ?? -1n }, decodeCreate2Response, label, present);
    return this.call(op, request, decodeCreate2Response, label, present);
  }

  delete(path: string, version = -1): Promise<CallResult<never>> {
    return this.call(OpCode.delete, { path, version }, undefined, `delete ${path}`);
  }

  exists(path: string, watch = false) {
    return this.call(OpCode.exists, { path, watch }, decodeExistsResponse, `exists ${path}`, (v) =>
      this.n.stat(v.stat),
    );
  }

  getData(path: string, watch = false) {
    return this.call(OpCode.getData, { path, watch }, decodeGetDataResponse, `getData ${path}`, (v) => ({
      data: data(v.data),
      stat: this.n.stat(v.stat),
    }));
  }

  setData(path: string, value: Buffer | string | null, version = -1) {
    return this.call(
      OpCode.setData,
      { path, data: toBuffer(value), version },
      decodeSetDataResponse,
      `setData ${path}`,
      (v) => this.n.stat(v.stat),
    );
  }

  getAcl(path: string) {
    return this.call(OpCode.getACL, { path }, decodeGetACLResponse, `getACL ${path}`, (v) => ({
      acl: acls(v.acl),
      stat: this.n.stat(v.stat),
    }));
  }

  setAcl(path: string, acl: readonly Acl[], version = -1) {
    return this.call(
      OpCode.setACL,
      { path, acl: [...acl], version },
      decodeSetDataResponse,
      `setACL ${path}`,
      (v) => this.n.stat(v.stat),
    );
  }

  getChildren(path: string, watch = false) {
    return this.call(
      OpCode.getChildren,
      { path, watch },
      decodeGetChildrenResponse,
      `getChildren ${path}`,
      (v) => [...v.children].sort(),
    );
  }

  getChildren2(path: string, watch = false) {
    return this.call(
      OpCode.getChildren2,
      { path, watch },
      decodeGetChildren2Response,
      `getChildren2 ${path}`,
      (v) => ({ children: [...v.children].sort(), stat: this.n.stat(v.stat) }),
    );
  }

  sync(path: string) {
    return this.call(OpCode.sync, { path }, decodeSyncResponse, `sync ${path}`);
  }

  multi(ops: MultiOp[]) {
    return this.call(OpCode.multi, { ops }, decodeMultiResponse, 'multi', (v) =>
      this.n.multiResults(v.results).map((result, index) => this.create2InMulti(ops[index], result)),
    );
  }

  /**
   * Documented difference: Apache 3.8.0 answers a create2 inside a multi with a plain
   * CreateResult (type 1, no Stat); ZOOKEEPER-4026 (master) answers type 15 with the Stat,
   * as zookit does. Both are recorded as `create2` + path; zookit's Stat is checked here.
   */
  private create2InMulti(op: MultiOp | undefined, result: unknown): unknown {
    if (op?.type !== OpCode.create2) return result;
    const created = result as { type: number; path?: string; stat?: { czxid: unknown } };
    if (created.type === -1) return result;
    const expectedType = this.sink.target === 'apache' ? OpCode.create : OpCode.create2;
    if (created.type !== expectedType || (expectedType === OpCode.create2 && created.stat === undefined))
      throw new Error(`${this.sink.target}: create2 in multi answered ${JSON.stringify(result)}`);
    return { type: 'create2', path: created.path };
  }

  multiRead(ops: MultiOp[]) {
    return this.call(OpCode.multiRead, { ops }, decodeMultiResponse, 'multiRead', (v) =>
      this.n.multiResults(v.results),
    );
  }

  addWatch(path: string, mode: number) {
    return this.call(OpCode.addWatch, { path, mode }, decodeErrorResponse, `addWatch ${path} ${mode}`);
  }

  removeWatches(path: string, type: number) {
    return this.call(OpCode.removeWatches, { path, type }, undefined, `removeWatches ${path} ${type}`);
  }

  checkWatches(path: string, type: number) {
    return this.call(OpCode.checkWatches, { path, type }, undefined, `checkWatches ${path} ${type}`);
  }

  setWatches(lists: Omit<SetWatches2, 'persistentWatches' | 'persistentRecursiveWatches'>) {
    return this.call(OpCode.setWatches, lists, undefined, 'setWatches');
  }

  setWatches2(lists: SetWatches2) {
    return this.call(OpCode.setWatches2, lists, undefined, 'setWatches2');
  }

  getEphemerals(prefixPath: string) {
    return this.call(
      OpCode.getEphemerals,
      { prefixPath },
      decodeGetEphemeralsResponse,
      `getEphemerals ${prefixPath}`,
      (v) => [...v.ephemerals].sort(),
    );
  }

  getAllChildrenNumber(path: string) {
    return this.call(
      OpCode.getAllChildrenNumber,
      { path },
      decodeGetAllChildrenNumberResponse,
      `getAllChildrenNumber ${path}`,
      (v) => v.totalNumber,
    );
  }

  whoAmI() {
    return this.request(
      OpCode.whoAmI,
      () => this.channel.sendEmpty(OpCode.whoAmI),
      decodeWhoAmIResponse,
      'whoAmI',
      (v) => v.clientInfo.map((info) => `${info.authScheme}:${info.user}`).sort(),
    );
  }

  /** Sends an auth packet (xid -4 is the server's reply xid). */
  async auth(scheme: string, auth: string): Promise<number> {
    const xid = this.channel.send(OpCode.auth, { type: 0, scheme, auth: Buffer.from(auth) });
    const reply = await this.awaitReply(xid, Xid.auth);
    this.sink.push({
      s: this.name,
      op: `auth ${scheme}`,
      err: reply.header.err,
      zxid: this.n.zxid(reply.header.zxid),
      xidEchoed: reply.header.xid === xid,
    });
    return reply.header.err;
  }

  /** A ping round trip that returns (not records) the notifications that arrived before it. */
  async drainEvents(): Promise<{ type: number; path: string }[]> {
    const events: { type: number; path: string }[] = [];
    const xid = this.channel.sendEmpty(OpCode.ping);
    for (let frames = 0; frames < 1_000; frames++) {
      const reply = await this.channel.nextReply();
      if (reply.header.xid !== Xid.notification) {
        if (reply.header.xid !== Xid.ping && reply.header.xid !== xid)
          throw new Error(`${this.name}: expected the ping reply, got xid ${reply.header.xid}`);
        return events;
      }
      const event = decodeWatcherEvent(reply.reader);
      events.push({ type: event.type, path: event.path });
    }
    throw new Error(`${this.name}: no ping reply within 1000 frames`);
  }

  /** A ping round trip: records every notification that arrived before it. */
  async flush(): Promise<void> {
    const xid = this.channel.sendEmpty(OpCode.ping);
    await this.awaitReply(xid, Xid.ping);
  }

  /** closeSession, recorded; then waits for the server to close the socket. */
  async close(): Promise<void> {
    await this.request(
      OpCode.closeSession,
      () => this.channel.sendEmpty(OpCode.closeSession),
      undefined,
      'close',
    );
    await this.channel.whenClosed();
  }

  /** Records whether the server closed the connection (waits up to `timeoutMs`). */
  async recordClosed(timeoutMs = 2_000): Promise<void> {
    const closed = await this.channel.whenClosed(timeoutMs).then(
      () => true,
      () => false,
    );
    this.sink.push({ s: this.name, closed });
  }

  /**
   * Sends every request before reading any reply (pipelining), then records the replies in
   * order: error code, reply zxid, and the body's length.
   */
  async pipeline(requests: readonly PipelinedRequest[]): Promise<void> {
    const xids = requests.map((request) => this.channel.send(request.type, request.body as never));
    for (const [index, xid] of xids.entries()) {
      const reply = await this.awaitReply(xid, xid);
      this.sink.push({
        s: this.name,
        op: `pipelined ${requests[index]?.label ?? ''}`,
        err: reply.header.err,
        zxid: this.n.zxid(reply.header.zxid),
        bodyBytes: reply.body.length,
      });
    }
  }

  /** Sends a raw request and records its outcome (no body decoding). */
  raw<K extends RequestOpCode>(type: K, body: RequestBodies[K], label = `op${type}`) {
    return this.call(type, body, undefined, label);
  }
}

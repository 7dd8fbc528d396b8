/**
 * What a follower or observer forwards to its leader in a REQUEST packet (opaque bytes to the
 * ZAB core): a client's write with who sent it — session id, cxid, the connection's auth ids
 * —, a `sync`, or a `revalidate` (a client reattached its session here: Apache's REVALIDATE).
 * zookit's own layout:
 *
 *   int kind; kind=write:      long sessionId, int cxid, vector<Id> authIds, int type, body
 *             kind=sync:       nothing more (the ZAB core matches SYNC answers in order)
 *             kind=revalidate: long sessionId, int timeOut
 *
 * A revalidate travels in the same REQUEST stream as the learner's writes, so the leader
 * makes this learner the session's owner before it sees any write the client sent after
 * reconnecting, and refuses (SESSIONMOVED) what the old learner forwards later.
 *
 * The body is the request record for `type` (src/protocol's request codecs); createSession
 * carries its `int timeOut`, closeSession and reconfig none, a client's deleteContainer a
 * trailing `bool fromClient`.
 */
import { OpCode } from '../../src/protocol/constants';
import { decodeId, encodeId, type Id } from '../../src/protocol/data';
import { ProtocolError } from '../../src/protocol/errors';
import { Reader } from '../../src/protocol/reader';
import { requestCodecFor } from '../../src/protocol/records';
import { Writer } from '../../src/protocol/writer';
import type { WriteRequest } from '../data/prep';

/** A forwarded client write. */
export interface ForwardedWrite {
  readonly kind: 'write';
  readonly sessionId: bigint;
  readonly cxid: number;
  readonly authIds: readonly Id[];
  readonly write: WriteRequest;
}

/** A forwarded sync: the core's SYNC request (peer-codec.ts puts it in a REQUEST packet). */
export interface ForwardedSync {
  readonly kind: 'sync';
}

/** A client reattached its session to the learner, with the timeout it negotiated there. */
export interface ForwardedRevalidate {
  readonly kind: 'revalidate';
  readonly sessionId: bigint;
  readonly timeoutMs: number;
}

/** Anything a learner forwards. */
export type Forwarded = ForwardedWrite | ForwardedSync | ForwardedRevalidate;

const KIND_WRITE = 1;
const KIND_SYNC = 2;
const KIND_REVALIDATE = 3;
/** Smallest encoded Id (two empty strings). */
const ID_BYTES_MIN = 8;

/** Encodes a forwarded request. */
export function encodeForwarded(value: Forwarded): Buffer {
  const writer = new Writer(256);
  if (value.kind === 'sync') {
    writer.int(KIND_SYNC);
    return writer.finish();
  }
  if (value.kind === 'revalidate') {
    writer.int(KIND_REVALIDATE).long(value.sessionId).int(value.timeoutMs);
    return writer.finish();
  }
  writer.int(KIND_WRITE).long(value.sessionId).int(value.cxid).vector(value.authIds, encodeId);
  encodeWriteRequest(writer, value.write);
  return writer.finish();
}

/** Decodes a forwarded request; malformed bytes are a ProtocolError. */
export function decodeForwarded(bytes: Buffer): Forwarded {
  const reader = new Reader(bytes);
  const kind = reader.int();
  if (kind === KIND_SYNC) {
    reader.expectEnd('forwarded sync');
    return { kind: 'sync' };
  }
  if (kind === KIND_REVALIDATE) {
    const sessionId = reader.long();
    const timeoutMs = reader.int();
    reader.expectEnd('forwarded revalidate');
    return { kind: 'revalidate', sessionId, timeoutMs };
  }
  if (kind !== KIND_WRITE) throw new ProtocolError('unknown-type', `forwarded request kind ${kind}`);
  const sessionId = reader.long();
  const cxid = reader.int();
  const count = reader.count(ID_BYTES_MIN, 'auth ids');
  const authIds: Id[] = [];
  for (let index = 0; index < count; index++) authIds.push(decodeId(reader));
  const write = decodeWriteRequest(reader);
  reader.expectEnd('forwarded write');
  return { kind: 'write', sessionId, cxid, authIds, write };
}

/** True if REQUEST bytes are a forwarded sync (exactly the sync kind, nothing after it). */
export function isForwardedSync(bytes: Buffer): boolean {
  return bytes.length === 4 && bytes.readInt32BE(0) === KIND_SYNC;
}

function encodeWriteRequest(writer: Writer, write: WriteRequest): void {
  writer.int(write.type);
  switch (write.type) {
    case OpCode.createSession:
      writer.int(write.request.timeOut);
      return;
    case OpCode.closeSession:
    case OpCode.reconfig:
      return;
    default: {
      const codec = requestCodecFor(write.type);
      if (codec === undefined)
        throw new ProtocolError('unknown-type', `no request codec for op ${write.type}`);
      codec.encode(writer, write.request as never);
      if (write.type === OpCode.deleteContainer) writer.bool(write.fromClient === true);
    }
  }
}

function decodeWriteRequest(reader: Reader): WriteRequest {
  const type = reader.int();
  switch (type) {
    case OpCode.createSession:
      return { type, request: { timeOut: reader.int() } };
    case OpCode.closeSession:
    case OpCode.reconfig:
      return { type };
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
    case OpCode.delete:
    case OpCode.setData:
    case OpCode.setACL:
    case OpCode.check:
    case OpCode.multi: {
      const codec = requestCodecFor(type);
      if (codec === undefined) throw new ProtocolError('unknown-type', `no request codec for op ${type}`);
      return { type, request: codec.decode(reader) } as WriteRequest;
    }
    case OpCode.deleteContainer: {
      const codec = requestCodecFor(type);
      if (codec === undefined) throw new ProtocolError('unknown-type', 'no deleteContainer codec');
      const request = codec.decode(reader) as { path: string };
      return { type, request, fromClient: reader.bool() };
    }
    default:
      throw new ProtocolError('unknown-type', `op ${type} is not a write`);
  }
}

/**
 * The multi (14) and multiRead (22) records: a sequence of `MultiHeader` + op record,
 * closed by the terminator header `{type -1, done true, err -1}` (protocol.md §10).
 * Also the per-opcode codec tables (`requestCodecs`/`responseCodecs`, which need the multi
 * codecs) and the frame writers, so client and server dispatch by opcode from one place.
 */
import { assert } from '../util/assert';
import { OpCode } from './constants';
import { decodeStat, encodeStat, type Stat } from './data';
import { ProtocolError } from './errors';
import type { Reader } from './reader';
import {
  type AddWatchRequest,
  type AuthPacket,
  type CheckVersionRequest,
  type CheckWatchesRequest,
  type ConnectRequest,
  type ConnectResponse,
  type Create2Response,
  type CreateRequest,
  type CreateResponse,
  type CreateTTLRequest,
  type DeleteContainerRequest,
  type DeleteRequest,
  decodeAddWatchRequest,
  decodeAuthPacket,
  decodeCheckVersionRequest,
  decodeCheckWatchesRequest,
  decodeCreate2Response,
  decodeCreateRequest,
  decodeCreateResponse,
  decodeCreateTTLRequest,
  decodeDeleteContainerRequest,
  decodeDeleteRequest,
  decodeErrorResponse,
  decodeExistsRequest,
  decodeExistsResponse,
  decodeGetACLRequest,
  decodeGetACLResponse,
  decodeGetAllChildrenNumberRequest,
  decodeGetAllChildrenNumberResponse,
  decodeGetChildren2Request,
  decodeGetChildren2Response,
  decodeGetChildrenRequest,
  decodeGetChildrenResponse,
  decodeGetDataRequest,
  decodeGetDataResponse,
  decodeGetEphemeralsRequest,
  decodeGetEphemeralsResponse,
  decodeGetSASLRequest,
  decodeReconfigRequest,
  decodeRemoveWatchesRequest,
  decodeSetACLRequest,
  decodeSetACLResponse,
  decodeSetDataRequest,
  decodeSetDataResponse,
  decodeSetSASLResponse,
  decodeSetWatches,
  decodeSetWatches2,
  decodeSyncRequest,
  decodeSyncResponse,
  decodeWatcherEvent,
  decodeWhoAmIResponse,
  type ErrorResponse,
  type ExistsRequest,
  type ExistsResponse,
  encodeAddWatchRequest,
  encodeAuthPacket,
  encodeCheckVersionRequest,
  encodeCheckWatchesRequest,
  encodeConnectRequest,
  encodeConnectResponse,
  encodeCreate2Response,
  encodeCreateRequest,
  encodeCreateResponse,
  encodeCreateTTLRequest,
  encodeDeleteContainerRequest,
  encodeDeleteRequest,
  encodeErrorResponse,
  encodeExistsRequest,
  encodeExistsResponse,
  encodeGetACLRequest,
  encodeGetACLResponse,
  encodeGetAllChildrenNumberRequest,
  encodeGetAllChildrenNumberResponse,
  encodeGetChildren2Request,
  encodeGetChildren2Response,
  encodeGetChildrenRequest,
  encodeGetChildrenResponse,
  encodeGetDataRequest,
  encodeGetDataResponse,
  encodeGetEphemeralsRequest,
  encodeGetEphemeralsResponse,
  encodeGetSASLRequest,
  encodeReconfigRequest,
  encodeRemoveWatchesRequest,
  encodeReplyHeader,
  encodeRequestHeader,
  encodeSetACLRequest,
  encodeSetACLResponse,
  encodeSetDataRequest,
  encodeSetDataResponse,
  encodeSetSASLResponse,
  encodeSetWatches,
  encodeSetWatches2,
  encodeSyncRequest,
  encodeSyncResponse,
  encodeWatcherEvent,
  encodeWhoAmIResponse,
  type GetACLRequest,
  type GetACLResponse,
  type GetAllChildrenNumberRequest,
  type GetAllChildrenNumberResponse,
  type GetChildren2Request,
  type GetChildren2Response,
  type GetChildrenRequest,
  type GetChildrenResponse,
  type GetDataRequest,
  type GetDataResponse,
  type GetEphemeralsRequest,
  type GetEphemeralsResponse,
  type GetSASLRequest,
  REPLY_HEADER_BYTES,
  REQUEST_HEADER_BYTES,
  type ReconfigRequest,
  type RemoveWatchesRequest,
  type ReplyHeader,
  type RequestHeader,
  type SetACLRequest,
  type SetACLResponse,
  type SetDataRequest,
  type SetDataResponse,
  type SetSASLResponse,
  type SetWatches,
  type SetWatches2,
  type SyncRequest,
  type SyncResponse,
  type WatcherEvent,
  type WhoAmIResponse,
} from './records';
import type { Writer } from './writer';

/** Precedes each op or result of a multi, and terminates the sequence (`done`). */
export interface MultiHeader {
  type: number;
  done: boolean;
  err: number;
}
/** Encoded size of a MultiHeader. */
export const MULTI_HEADER_BYTES = 9;
/** Encodes a MultiHeader. */
export function encodeMultiHeader(writer: Writer, value: MultiHeader): void {
  writer.int(value.type).bool(value.done).int(value.err);
}
/** Decodes a MultiHeader. */
export function decodeMultiHeader(reader: Reader): MultiHeader {
  return { type: reader.int(), done: reader.bool(), err: reader.int() };
}

const TERMINATOR: MultiHeader = { type: -1, done: true, err: -1 };

/** One op of a multi request, tagged by its opcode. */
export type MultiOp =
  | {
      type: typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer;
      request: CreateRequest;
    }
  | { type: typeof OpCode.createTTL; request: CreateTTLRequest }
  | { type: typeof OpCode.delete; request: DeleteRequest }
  | { type: typeof OpCode.setData; request: SetDataRequest }
  | { type: typeof OpCode.check; request: CheckVersionRequest }
  | { type: typeof OpCode.getData; request: GetDataRequest }
  | { type: typeof OpCode.getChildren; request: GetChildrenRequest };

/** A multi or multiRead request (`MultiOperationRecord`). */
export interface MultiRequest {
  ops: MultiOp[];
}

function encodeMultiOp(writer: Writer, op: MultiOp): void {
  encodeMultiHeader(writer, { type: op.type, done: false, err: -1 });
  switch (op.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      encodeCreateRequest(writer, op.request);
      return;
    case OpCode.createTTL:
      encodeCreateTTLRequest(writer, op.request);
      return;
    case OpCode.delete:
      encodeDeleteRequest(writer, op.request);
      return;
    case OpCode.setData:
      encodeSetDataRequest(writer, op.request);
      return;
    case OpCode.check:
      encodeCheckVersionRequest(writer, op.request);
      return;
    case OpCode.getData:
      encodeGetDataRequest(writer, op.request);
      return;
    case OpCode.getChildren:
      encodeGetChildrenRequest(writer, op.request);
      return;
  }
}

function decodeMultiOp(type: number, reader: Reader): MultiOp {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      return { type, request: decodeCreateRequest(reader) };
    case OpCode.createTTL:
      return { type, request: decodeCreateTTLRequest(reader) };
    case OpCode.delete:
      return { type, request: decodeDeleteRequest(reader) };
    case OpCode.setData:
      return { type, request: decodeSetDataRequest(reader) };
    case OpCode.check:
      return { type, request: decodeCheckVersionRequest(reader) };
    case OpCode.getData:
      return { type, request: decodeGetDataRequest(reader) };
    case OpCode.getChildren:
      return { type, request: decodeGetChildrenRequest(reader) };
    default:
      throw new ProtocolError('unknown-type', `invalid multi op type ${type}`);
  }
}

/** Encodes a MultiRequest: each op behind `{type, false, -1}`, then the terminator. */
export function encodeMultiRequest(writer: Writer, value: MultiRequest): void {
  for (const op of value.ops) encodeMultiOp(writer, op);
  encodeMultiHeader(writer, TERMINATOR);
}

/**
 * Decodes a MultiRequest up to its terminator (a header with `done` set). An op type outside
 * the multi op set is a ProtocolError `unknown-type`.
 */
export function decodeMultiRequest(reader: Reader): MultiRequest {
  const ops: MultiOp[] = [];
  // Every op consumes at least its header, so this bound is never reached by valid input.
  const headersMax = Math.floor(reader.remaining / MULTI_HEADER_BYTES);
  for (let index = 0; index <= headersMax; index++) {
    const header = decodeMultiHeader(reader);
    if (header.done) return { ops };
    ops.push(decodeMultiOp(header.type, reader));
  }
  throw new ProtocolError('truncated', 'multi request without a terminator');
}

/** One result of a multi response, tagged by its result type. */
export type MultiResult =
  | { type: typeof OpCode.create; path: string }
  | { type: typeof OpCode.create2; path: string; stat: Stat }
  | { type: typeof OpCode.delete }
  | { type: typeof OpCode.check }
  | { type: typeof OpCode.setData; stat: Stat }
  | { type: typeof OpCode.getData; data: Buffer | null; stat: Stat }
  | { type: typeof OpCode.getChildren; children: string[] }
  | { type: typeof OpCode.error; err: number };

/** A multi or multiRead response. */
export interface MultiResponse {
  results: MultiResult[];
}

function encodeMultiResult(writer: Writer, result: MultiResult): void {
  // The code of an error result appears twice: in the header and in its ErrorResponse body.
  const err = result.type === OpCode.error ? result.err : 0;
  encodeMultiHeader(writer, { type: result.type, done: false, err });
  switch (result.type) {
    case OpCode.create:
      writer.string(result.path);
      return;
    case OpCode.create2:
      writer.string(result.path);
      encodeStat(writer, result.stat);
      return;
    case OpCode.delete:
    case OpCode.check:
      return;
    case OpCode.setData:
      encodeStat(writer, result.stat);
      return;
    case OpCode.getData:
      writer.buffer(result.data);
      encodeStat(writer, result.stat);
      return;
    case OpCode.getChildren:
      writer.strings(result.children);
      return;
    case OpCode.error:
      writer.int(result.err);
      return;
  }
}

function decodeMultiResult(type: number, reader: Reader): MultiResult {
  switch (type) {
    case OpCode.create:
      return { type, path: reader.string() };
    case OpCode.create2:
      return { type, path: reader.string(), stat: decodeStat(reader) };
    case OpCode.delete:
    case OpCode.check:
      return { type };
    case OpCode.setData:
      return { type, stat: decodeStat(reader) };
    case OpCode.getData:
      return { type, data: reader.buffer(), stat: decodeStat(reader) };
    case OpCode.getChildren:
      return { type, children: reader.strings() };
    case OpCode.error:
      return { type, err: reader.int() };
    default:
      throw new ProtocolError('unknown-type', `invalid multi result type ${type}`);
  }
}

/** Encodes a MultiResponse: each result behind `{type, false, err}`, then the terminator. */
export function encodeMultiResponse(writer: Writer, value: MultiResponse): void {
  for (const result of value.results) encodeMultiResult(writer, result);
  encodeMultiHeader(writer, TERMINATOR);
}

/**
 * Decodes a MultiResponse up to its terminator. An error result's code is taken from its
 * body, as Apache's client does; an unknown result type is a ProtocolError `unknown-type`.
 */
export function decodeMultiResponse(reader: Reader): MultiResponse {
  const results: MultiResult[] = [];
  const headersMax = Math.floor(reader.remaining / MULTI_HEADER_BYTES);
  for (let index = 0; index <= headersMax; index++) {
    const header = decodeMultiHeader(reader);
    if (header.done) return { results };
    results.push(decodeMultiResult(header.type, reader));
  }
  throw new ProtocolError('truncated', 'multi response without a terminator');
}

/** True if every op of `request` is a read (getData/getChildren): a multiRead, not a multi. */
export function isReadOnlyMulti(request: MultiRequest): boolean {
  assert(Array.isArray(request.ops), 'multi request has an op list');
  return request.ops.every((op) => op.type === OpCode.getData || op.type === OpCode.getChildren);
}

// ---------------------------------------------------------------------------------------
// Per-opcode dispatch tables

/** An encoder/decoder pair for one record type. */
export interface Codec<T> {
  encode(writer: Writer, value: T): void;
  decode(reader: Reader): T;
}

/** Request body record by opcode, for every op that sends a body. */
export interface RequestBodies {
  [OpCode.create]: CreateRequest;
  [OpCode.delete]: DeleteRequest;
  [OpCode.exists]: ExistsRequest;
  [OpCode.getData]: GetDataRequest;
  [OpCode.setData]: SetDataRequest;
  [OpCode.getACL]: GetACLRequest;
  [OpCode.setACL]: SetACLRequest;
  [OpCode.getChildren]: GetChildrenRequest;
  [OpCode.sync]: SyncRequest;
  [OpCode.getChildren2]: GetChildren2Request;
  [OpCode.check]: CheckVersionRequest;
  [OpCode.multi]: MultiRequest;
  [OpCode.create2]: CreateRequest;
  [OpCode.reconfig]: ReconfigRequest;
  [OpCode.checkWatches]: CheckWatchesRequest;
  [OpCode.removeWatches]: RemoveWatchesRequest;
  [OpCode.createContainer]: CreateRequest;
  [OpCode.deleteContainer]: DeleteContainerRequest;
  [OpCode.createTTL]: CreateTTLRequest;
  [OpCode.multiRead]: MultiRequest;
  [OpCode.auth]: AuthPacket;
  [OpCode.setWatches]: SetWatches;
  [OpCode.sasl]: GetSASLRequest;
  [OpCode.getEphemerals]: GetEphemeralsRequest;
  [OpCode.getAllChildrenNumber]: GetAllChildrenNumberRequest;
  [OpCode.setWatches2]: SetWatches2;
  [OpCode.addWatch]: AddWatchRequest;
}
/** Opcodes whose requests carry a body (ping, whoAmI and closeSession carry none). */
export type RequestOpCode = keyof RequestBodies;

/**
 * Success-response body record by opcode, for every op whose success reply has a body.
 * `notification` (0) maps to the WatcherEvent that follows a xid -1 header.
 */
export interface ResponseBodies {
  [OpCode.notification]: WatcherEvent;
  [OpCode.create]: CreateResponse;
  [OpCode.exists]: ExistsResponse;
  [OpCode.getData]: GetDataResponse;
  [OpCode.setData]: SetDataResponse;
  [OpCode.getACL]: GetACLResponse;
  [OpCode.setACL]: SetACLResponse;
  [OpCode.getChildren]: GetChildrenResponse;
  [OpCode.sync]: SyncResponse;
  [OpCode.getChildren2]: GetChildren2Response;
  [OpCode.multi]: MultiResponse;
  [OpCode.create2]: Create2Response;
  [OpCode.reconfig]: GetDataResponse;
  [OpCode.createContainer]: Create2Response;
  [OpCode.createTTL]: Create2Response;
  [OpCode.multiRead]: MultiResponse;
  [OpCode.sasl]: SetSASLResponse;
  [OpCode.getEphemerals]: GetEphemeralsResponse;
  [OpCode.getAllChildrenNumber]: GetAllChildrenNumberResponse;
  [OpCode.addWatch]: ErrorResponse;
  [OpCode.whoAmI]: WhoAmIResponse;
}
/** Opcodes whose success replies carry a body. */
export type ResponseOpCode = keyof ResponseBodies;

function codec<T>(encode: (writer: Writer, value: T) => void, decode: (reader: Reader) => T): Codec<T> {
  return { encode, decode };
}

const multiRequestCodec: Codec<MultiRequest> = codec(encodeMultiRequest, decodeMultiRequest);
const multiResponseCodec: Codec<MultiResponse> = codec(encodeMultiResponse, decodeMultiResponse);

/** Request codecs by opcode. Look up an untrusted opcode with {@link requestCodecFor}. */
export const requestCodecs: { readonly [K in RequestOpCode]: Codec<RequestBodies[K]> } = {
  [OpCode.create]: codec(encodeCreateRequest, decodeCreateRequest),
  [OpCode.delete]: codec(encodeDeleteRequest, decodeDeleteRequest),
  [OpCode.exists]: codec(encodeExistsRequest, decodeExistsRequest),
  [OpCode.getData]: codec(encodeGetDataRequest, decodeGetDataRequest),
  [OpCode.setData]: codec(encodeSetDataRequest, decodeSetDataRequest),
  [OpCode.getACL]: codec(encodeGetACLRequest, decodeGetACLRequest),
  [OpCode.setACL]: codec(encodeSetACLRequest, decodeSetACLRequest),
  [OpCode.getChildren]: codec(encodeGetChildrenRequest, decodeGetChildrenRequest),
  [OpCode.sync]: codec(encodeSyncRequest, decodeSyncRequest),
  [OpCode.getChildren2]: codec(encodeGetChildren2Request, decodeGetChildren2Request),
  [OpCode.check]: codec(encodeCheckVersionRequest, decodeCheckVersionRequest),
  [OpCode.multi]: multiRequestCodec,
  [OpCode.create2]: codec(encodeCreateRequest, decodeCreateRequest),
  [OpCode.reconfig]: codec(encodeReconfigRequest, decodeReconfigRequest),
  [OpCode.checkWatches]: codec(encodeCheckWatchesRequest, decodeCheckWatchesRequest),
  [OpCode.removeWatches]: codec(encodeRemoveWatchesRequest, decodeRemoveWatchesRequest),
  [OpCode.createContainer]: codec(encodeCreateRequest, decodeCreateRequest),
  [OpCode.deleteContainer]: codec(encodeDeleteContainerRequest, decodeDeleteContainerRequest),
  [OpCode.createTTL]: codec(encodeCreateTTLRequest, decodeCreateTTLRequest),
  [OpCode.multiRead]: multiRequestCodec,
  [OpCode.auth]: codec(encodeAuthPacket, decodeAuthPacket),
  [OpCode.setWatches]: codec(encodeSetWatches, decodeSetWatches),
  [OpCode.sasl]: codec(encodeGetSASLRequest, decodeGetSASLRequest),
  [OpCode.getEphemerals]: codec(encodeGetEphemeralsRequest, decodeGetEphemeralsRequest),
  [OpCode.getAllChildrenNumber]: codec(encodeGetAllChildrenNumberRequest, decodeGetAllChildrenNumberRequest),
  [OpCode.setWatches2]: codec(encodeSetWatches2, decodeSetWatches2),
  [OpCode.addWatch]: codec(encodeAddWatchRequest, decodeAddWatchRequest),
};

/** Success-response codecs by opcode. Look up an untrusted opcode with {@link responseCodecFor}. */
export const responseCodecs: { readonly [K in ResponseOpCode]: Codec<ResponseBodies[K]> } = {
  [OpCode.notification]: codec(encodeWatcherEvent, decodeWatcherEvent),
  [OpCode.create]: codec(encodeCreateResponse, decodeCreateResponse),
  [OpCode.exists]: codec(encodeExistsResponse, decodeExistsResponse),
  [OpCode.getData]: codec(encodeGetDataResponse, decodeGetDataResponse),
  [OpCode.setData]: codec(encodeSetDataResponse, decodeSetDataResponse),
  [OpCode.getACL]: codec(encodeGetACLResponse, decodeGetACLResponse),
  [OpCode.setACL]: codec(encodeSetACLResponse, decodeSetACLResponse),
  [OpCode.getChildren]: codec(encodeGetChildrenResponse, decodeGetChildrenResponse),
  [OpCode.sync]: codec(encodeSyncResponse, decodeSyncResponse),
  [OpCode.getChildren2]: codec(encodeGetChildren2Response, decodeGetChildren2Response),
  [OpCode.multi]: multiResponseCodec,
  [OpCode.create2]: codec(encodeCreate2Response, decodeCreate2Response),
  [OpCode.reconfig]: codec(encodeGetDataResponse, decodeGetDataResponse),
  [OpCode.createContainer]: codec(encodeCreate2Response, decodeCreate2Response),
  [OpCode.createTTL]: codec(encodeCreate2Response, decodeCreate2Response),
  [OpCode.multiRead]: multiResponseCodec,
  [OpCode.sasl]: codec(encodeSetSASLResponse, decodeSetSASLResponse),
  [OpCode.getEphemerals]: codec(encodeGetEphemeralsResponse, decodeGetEphemeralsResponse),
  [OpCode.getAllChildrenNumber]: codec(
    encodeGetAllChildrenNumberResponse,
    decodeGetAllChildrenNumberResponse,
  ),
  [OpCode.addWatch]: codec(encodeErrorResponse, decodeErrorResponse),
  [OpCode.whoAmI]: codec(encodeWhoAmIResponse, decodeWhoAmIResponse),
};

/** True if requests of opcode `type` carry a body record. */
export function isRequestOpCode(type: number): type is RequestOpCode {
  return Object.hasOwn(requestCodecs, type);
}
/** True if success replies to opcode `type` carry a body record. */
export function isResponseOpCode(type: number): type is ResponseOpCode {
  return Object.hasOwn(responseCodecs, type);
}

/** The request codec of an untrusted opcode, or `undefined` when that op sends no body (or is unknown). */
export function requestCodecFor(type: number): Codec<RequestBodies[RequestOpCode]> | undefined {
  return isRequestOpCode(type) ? (requestCodecs[type] as Codec<RequestBodies[RequestOpCode]>) : undefined;
}
/** The response codec of an untrusted opcode, or `undefined` when its success reply has no body. */
export function responseCodecFor(type: number): Codec<ResponseBodies[ResponseOpCode]> | undefined {
  return isResponseOpCode(type) ? (responseCodecs[type] as Codec<ResponseBodies[ResponseOpCode]>) : undefined;
}

// ---------------------------------------------------------------------------------------
// Frame writers

/** Writes `int32 length` + RequestHeader + optional body into `writer`; returns `writer`. */
export function writeRequestFrame(
  writer: Writer,
  header: RequestHeader,
  encodeBody?: (writer: Writer) => void,
): Writer {
  const start = writer.length;
  writer.beginFrame();
  encodeRequestHeader(writer, header);
  if (encodeBody !== undefined) encodeBody(writer);
  writer.endFrame();
  assert(writer.length >= start + 4 + REQUEST_HEADER_BYTES, 'request frame holds its header');
  return writer;
}

/** Writes `int32 length` + ReplyHeader + optional body into `writer`; returns `writer`. */
export function writeReplyFrame(
  writer: Writer,
  header: ReplyHeader,
  encodeBody?: (writer: Writer) => void,
): Writer {
  const start = writer.length;
  writer.beginFrame();
  encodeReplyHeader(writer, header);
  if (encodeBody !== undefined) encodeBody(writer);
  writer.endFrame();
  assert(writer.length >= start + 4 + REPLY_HEADER_BYTES, 'reply frame holds its header');
  return writer;
}

/** Writes a typed request frame: header `{xid, type}` + the body record of `type`. */
export function writeRequest<K extends RequestOpCode>(
  writer: Writer,
  xid: number,
  type: K,
  body: RequestBodies[K],
): Writer {
  const bodyCodec = requestCodecs[type] as Codec<RequestBodies[K]>;
  return writeRequestFrame(writer, { xid, type }, (inner) => bodyCodec.encode(inner, body));
}

/** Writes the framed ConnectRequest (no header). */
export function writeConnectRequestFrame(writer: Writer, request: ConnectRequest): Writer {
  writer.beginFrame();
  encodeConnectRequest(writer, request);
  return writer.endFrame();
}

/** Writes the framed ConnectResponse (no header). */
export function writeConnectResponseFrame(writer: Writer, response: ConnectResponse): Writer {
  writer.beginFrame();
  encodeConnectResponse(writer, response);
  return writer.endFrame();
}

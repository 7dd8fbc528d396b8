/**
 * The multi (14) and multiRead (22) records: a sequence of `MultiHeader` + op record,
 * closed by the terminator header `{type -1, done true, err -1}` (protocol.md §10).
 */
import { assert } from '../util/assert';
import { OpCode } from './constants';
import { decodeStat, encodeStat, type Stat } from './data';
import { ProtocolError } from './errors';
import type { Reader } from './reader';
import {
  type CheckVersionRequest,
  type CreateRequest,
  type CreateTTLRequest,
  type DeleteRequest,
  decodeCheckVersionRequest,
  decodeCreateRequest,
  decodeCreateTTLRequest,
  decodeDeleteRequest,
  decodeGetChildrenRequest,
  decodeGetDataRequest,
  decodeSetDataRequest,
  encodeCheckVersionRequest,
  encodeCreateRequest,
  encodeCreateTTLRequest,
  encodeDeleteRequest,
  encodeGetChildrenRequest,
  encodeGetDataRequest,
  encodeSetDataRequest,
  type GetChildrenRequest,
  type GetDataRequest,
  type SetDataRequest,
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

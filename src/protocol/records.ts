/**
 * Every jute record of the ZooKeeper client protocol (3.9), both directions: the connect
 * handshake, request/reply headers and each operation's request and response. Field names
 * and order are Apache's `zookeeper.jute`. The multi records live in `./multi`; the per-opcode
 * codec tables (`requestCodecs`/`responseCodecs`) and the frame writers end this file.
 *
 * Decoders return `buffer` fields as views into the message (no copy) and throw only
 * {@link ProtocolError} for malformed bytes.
 */
import { assert } from '../util/assert';
import { OpCode } from './constants';
import { ACL_BYTES_MIN, type Acl, decodeAcl, decodeStat, encodeAcl, encodeStat, type Stat } from './data';
import {
  decodeMultiRequest,
  decodeMultiResponse,
  encodeMultiRequest,
  encodeMultiResponse,
  type MultiRequest,
  type MultiResponse,
} from './multi';
import type { Reader } from './reader';
import type { Writer } from './writer';

/** The node `getConfig` reads: a getData on this path (`ZooDefs.CONFIG_NODE`). */
export const CONFIG_NODE_PATH = '/zookeeper/config';

// ---------------------------------------------------------------------------------------
// Handshake and headers

/** First client message of a connection, sent without a RequestHeader. */
export interface ConnectRequest {
  protocolVersion: number;
  lastZxidSeen: bigint;
  /** Requested session timeout, ms. */
  timeOut: number;
  /** 0 asks for a new session. */
  sessionId: bigint;
  passwd: Buffer;
  /** `undefined`: a legacy peer that omitted the byte (and must get none back). */
  readOnly: boolean | undefined;
}

/** Encodes a ConnectRequest; the readOnly byte is omitted when `readOnly` is undefined. */
export function encodeConnectRequest(writer: Writer, value: ConnectRequest): void {
  writer.int(value.protocolVersion).long(value.lastZxidSeen).int(value.timeOut).long(value.sessionId);
  writer.buffer(value.passwd);
  if (value.readOnly !== undefined) writer.bool(value.readOnly);
}

/** Decodes a ConnectRequest that fills the rest of `reader`; readOnly is read iff a byte remains. */
export function decodeConnectRequest(reader: Reader): ConnectRequest {
  const protocolVersion = reader.int();
  const lastZxidSeen = reader.long();
  const timeOut = reader.int();
  const sessionId = reader.long();
  const passwd = reader.buffer() ?? Buffer.alloc(0);
  const readOnly = reader.remaining > 0 ? reader.bool() : undefined;
  return { protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly };
}

/** The server's answer to a ConnectRequest, sent without a ReplyHeader. */
export interface ConnectResponse {
  protocolVersion: number;
  /** Negotiated session timeout, ms; 0 means the session expired. */
  timeOut: number;
  sessionId: bigint;
  passwd: Buffer;
  /** `undefined`: omitted (legacy peer). */
  readOnly: boolean | undefined;
}

/** Encodes a ConnectResponse; the readOnly byte is omitted when `readOnly` is undefined. */
export function encodeConnectResponse(writer: Writer, value: ConnectResponse): void {
  writer.int(value.protocolVersion).int(value.timeOut).long(value.sessionId).buffer(value.passwd);
  if (value.readOnly !== undefined) writer.bool(value.readOnly);
}

/** Decodes a ConnectResponse that fills the rest of `reader`; readOnly is read iff a byte remains. */
export function decodeConnectResponse(reader: Reader): ConnectResponse {
  const protocolVersion = reader.int();
  const timeOut = reader.int();
  const sessionId = reader.long();
  const passwd = reader.buffer() ?? Buffer.alloc(0);
  const readOnly = reader.remaining > 0 ? reader.bool() : undefined;
  return { protocolVersion, timeOut, sessionId, passwd, readOnly };
}

/** Precedes every client request after the handshake. */
export interface RequestHeader {
  xid: number;
  /** An {@link OpCode}. */
  type: number;
}
/** Encoded size of a RequestHeader. */
export const REQUEST_HEADER_BYTES = 8;
/** Encodes a RequestHeader. */
export function encodeRequestHeader(writer: Writer, value: RequestHeader): void {
  writer.int(value.xid).int(value.type);
}
/** Decodes a RequestHeader. */
export function decodeRequestHeader(reader: Reader): RequestHeader {
  return { xid: reader.int(), type: reader.int() };
}

/** Precedes every server reply and notification after the handshake. */
export interface ReplyHeader {
  xid: number;
  zxid: bigint;
  /** An error code; the body is present only when 0. */
  err: number;
}
/** Encoded size of a ReplyHeader. */
export const REPLY_HEADER_BYTES = 16;
/** Encodes a ReplyHeader. */
export function encodeReplyHeader(writer: Writer, value: ReplyHeader): void {
  writer.int(value.xid).long(value.zxid).int(value.err);
}
/** Decodes a ReplyHeader. */
export function decodeReplyHeader(reader: Reader): ReplyHeader {
  return { xid: reader.int(), zxid: reader.long(), err: reader.int() };
}

// ---------------------------------------------------------------------------------------
// Records with one path field

/** `{ ustring path }`: the shape of several requests and responses. */
interface PathOnly {
  path: string;
}
function encodePathOnly(writer: Writer, value: PathOnly): void {
  writer.string(value.path);
}
function decodePathOnly(reader: Reader): PathOnly {
  return { path: reader.string() };
}

/** getACL request. */
export type GetACLRequest = PathOnly;
/** Encodes a GetACLRequest. */
export const encodeGetACLRequest: (writer: Writer, value: GetACLRequest) => void = encodePathOnly;
/** Decodes a GetACLRequest. */
export const decodeGetACLRequest: (reader: Reader) => GetACLRequest = decodePathOnly;
/** sync request. */
export type SyncRequest = PathOnly;
/** Encodes a SyncRequest. */
export const encodeSyncRequest: (writer: Writer, value: SyncRequest) => void = encodePathOnly;
/** Decodes a SyncRequest. */
export const decodeSyncRequest: (reader: Reader) => SyncRequest = decodePathOnly;
/** sync response. */
export type SyncResponse = PathOnly;
/** Encodes a SyncResponse. */
export const encodeSyncResponse: (writer: Writer, value: SyncResponse) => void = encodePathOnly;
/** Decodes a SyncResponse. */
export const decodeSyncResponse: (reader: Reader) => SyncResponse = decodePathOnly;
/** create response (op 1). */
export type CreateResponse = PathOnly;
/** Encodes a CreateResponse. */
export const encodeCreateResponse: (writer: Writer, value: CreateResponse) => void = encodePathOnly;
/** Decodes a CreateResponse. */
export const decodeCreateResponse: (reader: Reader) => CreateResponse = decodePathOnly;
/** getAllChildrenNumber request. */
export type GetAllChildrenNumberRequest = PathOnly;
/** Encodes a GetAllChildrenNumberRequest. */
export const encodeGetAllChildrenNumberRequest: (writer: Writer, value: GetAllChildrenNumberRequest) => void =
  encodePathOnly;
/** Decodes a GetAllChildrenNumberRequest. */
export const decodeGetAllChildrenNumberRequest: (reader: Reader) => GetAllChildrenNumberRequest =
  decodePathOnly;
/** deleteContainer request (server-internal, from the container manager). */
export type DeleteContainerRequest = PathOnly;
/** Encodes a DeleteContainerRequest. */
export const encodeDeleteContainerRequest: (writer: Writer, value: DeleteContainerRequest) => void =
  encodePathOnly;
/** Decodes a DeleteContainerRequest. */
export const decodeDeleteContainerRequest: (reader: Reader) => DeleteContainerRequest = decodePathOnly;

// ---------------------------------------------------------------------------------------
// Records with a path and a watch flag

/** `{ ustring path; boolean watch }`. */
interface PathWatch {
  path: string;
  watch: boolean;
}
function encodePathWatch(writer: Writer, value: PathWatch): void {
  writer.string(value.path).bool(value.watch);
}
function decodePathWatch(reader: Reader): PathWatch {
  return { path: reader.string(), watch: reader.bool() };
}

/** exists request. */
export type ExistsRequest = PathWatch;
/** Encodes an ExistsRequest. */
export const encodeExistsRequest: (writer: Writer, value: ExistsRequest) => void = encodePathWatch;
/** Decodes an ExistsRequest. */
export const decodeExistsRequest: (reader: Reader) => ExistsRequest = decodePathWatch;
/** getData request. */
export type GetDataRequest = PathWatch;
/** Encodes a GetDataRequest. */
export const encodeGetDataRequest: (writer: Writer, value: GetDataRequest) => void = encodePathWatch;
/** Decodes a GetDataRequest. */
export const decodeGetDataRequest: (reader: Reader) => GetDataRequest = decodePathWatch;
/** getChildren request. */
export type GetChildrenRequest = PathWatch;
/** Encodes a GetChildrenRequest. */
export const encodeGetChildrenRequest: (writer: Writer, value: GetChildrenRequest) => void = encodePathWatch;
/** Decodes a GetChildrenRequest. */
export const decodeGetChildrenRequest: (reader: Reader) => GetChildrenRequest = decodePathWatch;
/** getChildren2 request. */
export type GetChildren2Request = PathWatch;
/** Encodes a GetChildren2Request. */
export const encodeGetChildren2Request: (writer: Writer, value: GetChildren2Request) => void =
  encodePathWatch;
/** Decodes a GetChildren2Request. */
export const decodeGetChildren2Request: (reader: Reader) => GetChildren2Request = decodePathWatch;

// ---------------------------------------------------------------------------------------
// Records with a path and an int (version, watcher type, mode)

/** delete request; version -1 matches any. */
export interface DeleteRequest {
  path: string;
  version: number;
}
/** Encodes a DeleteRequest. */
export function encodeDeleteRequest(writer: Writer, value: DeleteRequest): void {
  writer.string(value.path).int(value.version);
}
/** Decodes a DeleteRequest. */
export function decodeDeleteRequest(reader: Reader): DeleteRequest {
  return { path: reader.string(), version: reader.int() };
}

/** check request (only valid inside a multi). */
export type CheckVersionRequest = DeleteRequest;
/** Encodes a CheckVersionRequest. */
export const encodeCheckVersionRequest: (writer: Writer, value: CheckVersionRequest) => void =
  encodeDeleteRequest;
/** Decodes a CheckVersionRequest. */
export const decodeCheckVersionRequest: (reader: Reader) => CheckVersionRequest = decodeDeleteRequest;

/** checkWatches/removeWatches request; `type` is a {@link WatcherType}. */
export interface CheckWatchesRequest {
  path: string;
  type: number;
}
/** Encodes a CheckWatchesRequest. */
export function encodeCheckWatchesRequest(writer: Writer, value: CheckWatchesRequest): void {
  writer.string(value.path).int(value.type);
}
/** Decodes a CheckWatchesRequest. */
export function decodeCheckWatchesRequest(reader: Reader): CheckWatchesRequest {
  return { path: reader.string(), type: reader.int() };
}
/** removeWatches request; same layout as {@link CheckWatchesRequest}. */
export type RemoveWatchesRequest = CheckWatchesRequest;
/** Encodes a RemoveWatchesRequest. */
export const encodeRemoveWatchesRequest: (writer: Writer, value: RemoveWatchesRequest) => void =
  encodeCheckWatchesRequest;
/** Decodes a RemoveWatchesRequest. */
export const decodeRemoveWatchesRequest: (reader: Reader) => RemoveWatchesRequest = decodeCheckWatchesRequest;

/** addWatch request; `mode` is an {@link AddWatchMode}. */
export interface AddWatchRequest {
  path: string;
  mode: number;
}
/** Encodes an AddWatchRequest. */
export function encodeAddWatchRequest(writer: Writer, value: AddWatchRequest): void {
  writer.string(value.path).int(value.mode);
}
/** Decodes an AddWatchRequest. */
export function decodeAddWatchRequest(reader: Reader): AddWatchRequest {
  return { path: reader.string(), mode: reader.int() };
}

// ---------------------------------------------------------------------------------------
// Writes

/** create/create2/createContainer request; `flags` is a {@link CreateMode}. */
export interface CreateRequest {
  path: string;
  data: Buffer | null;
  acl: Acl[];
  flags: number;
}
/** Encodes a CreateRequest. */
export function encodeCreateRequest(writer: Writer, value: CreateRequest): void {
  writer.string(value.path).buffer(value.data).vector(value.acl, encodeAcl).int(value.flags);
}
/** Decodes a CreateRequest. */
export function decodeCreateRequest(reader: Reader): CreateRequest {
  return {
    path: reader.string(),
    data: reader.buffer(),
    acl: reader.vector(ACL_BYTES_MIN, decodeAcl),
    flags: reader.int(),
  };
}

/** createTTL request; `ttl` in ms. */
export interface CreateTTLRequest extends CreateRequest {
  ttl: bigint;
}
/** Encodes a CreateTTLRequest. */
export function encodeCreateTTLRequest(writer: Writer, value: CreateTTLRequest): void {
  encodeCreateRequest(writer, value);
  writer.long(value.ttl);
}
/** Decodes a CreateTTLRequest. */
export function decodeCreateTTLRequest(reader: Reader): CreateTTLRequest {
  const request = decodeCreateRequest(reader);
  return { ...request, ttl: reader.long() };
}

/** create2/createContainer/createTTL response. */
export interface Create2Response {
  path: string;
  stat: Stat;
}
/** Encodes a Create2Response. */
export function encodeCreate2Response(writer: Writer, value: Create2Response): void {
  writer.string(value.path);
  encodeStat(writer, value.stat);
}
/** Decodes a Create2Response. */
export function decodeCreate2Response(reader: Reader): Create2Response {
  return { path: reader.string(), stat: decodeStat(reader) };
}

/** setData request; version -1 matches any. */
export interface SetDataRequest {
  path: string;
  data: Buffer | null;
  version: number;
}
/** Encodes a SetDataRequest. */
export function encodeSetDataRequest(writer: Writer, value: SetDataRequest): void {
  writer.string(value.path).buffer(value.data).int(value.version);
}
/** Decodes a SetDataRequest. */
export function decodeSetDataRequest(reader: Reader): SetDataRequest {
  return { path: reader.string(), data: reader.buffer(), version: reader.int() };
}

/** setACL request; version is matched against aversion. */
export interface SetACLRequest {
  path: string;
  acl: Acl[];
  version: number;
}
/** Encodes a SetACLRequest. */
export function encodeSetACLRequest(writer: Writer, value: SetACLRequest): void {
  writer.string(value.path).vector(value.acl, encodeAcl).int(value.version);
}
/** Decodes a SetACLRequest. */
export function decodeSetACLRequest(reader: Reader): SetACLRequest {
  return { path: reader.string(), acl: reader.vector(ACL_BYTES_MIN, decodeAcl), version: reader.int() };
}

/** reconfig request; null strings mean "not given". */
export interface ReconfigRequest {
  joiningServers: string | null;
  leavingServers: string | null;
  newMembers: string | null;
  /** Expected config version, -1 for any. */
  curConfigId: bigint;
}
/** Encodes a ReconfigRequest. */
export function encodeReconfigRequest(writer: Writer, value: ReconfigRequest): void {
  writer.string(value.joiningServers).string(value.leavingServers).string(value.newMembers);
  writer.long(value.curConfigId);
}
/** Decodes a ReconfigRequest. */
export function decodeReconfigRequest(reader: Reader): ReconfigRequest {
  return {
    joiningServers: reader.stringOrNull(),
    leavingServers: reader.stringOrNull(),
    newMembers: reader.stringOrNull(),
    curConfigId: reader.long(),
  };
}

// ---------------------------------------------------------------------------------------
// Responses carrying a Stat

/** `{ Stat stat }`. */
interface StatOnly {
  stat: Stat;
}
function encodeStatOnly(writer: Writer, value: StatOnly): void {
  encodeStat(writer, value.stat);
}
function decodeStatOnly(reader: Reader): StatOnly {
  return { stat: decodeStat(reader) };
}
/** exists response (a missing node is err NONODE, no body). */
export type ExistsResponse = StatOnly;
/** Encodes an ExistsResponse. */
export const encodeExistsResponse: (writer: Writer, value: ExistsResponse) => void = encodeStatOnly;
/** Decodes an ExistsResponse. */
export const decodeExistsResponse: (reader: Reader) => ExistsResponse = decodeStatOnly;
/** setData response. */
export type SetDataResponse = StatOnly;
/** Encodes a SetDataResponse. */
export const encodeSetDataResponse: (writer: Writer, value: SetDataResponse) => void = encodeStatOnly;
/** Decodes a SetDataResponse. */
export const decodeSetDataResponse: (reader: Reader) => SetDataResponse = decodeStatOnly;
/** setACL response. */
export type SetACLResponse = StatOnly;
/** Encodes a SetACLResponse. */
export const encodeSetACLResponse: (writer: Writer, value: SetACLResponse) => void = encodeStatOnly;
/** Decodes a SetACLResponse. */
export const decodeSetACLResponse: (reader: Reader) => SetACLResponse = decodeStatOnly;

/** getData response (also reconfig's response, with the config bytes). */
export interface GetDataResponse {
  data: Buffer | null;
  stat: Stat;
}
/** Encodes a GetDataResponse. */
export function encodeGetDataResponse(writer: Writer, value: GetDataResponse): void {
  writer.buffer(value.data);
  encodeStat(writer, value.stat);
}
/** Decodes a GetDataResponse. */
export function decodeGetDataResponse(reader: Reader): GetDataResponse {
  return { data: reader.buffer(), stat: decodeStat(reader) };
}

/** getACL response. */
export interface GetACLResponse {
  acl: Acl[];
  stat: Stat;
}
/** Encodes a GetACLResponse. */
export function encodeGetACLResponse(writer: Writer, value: GetACLResponse): void {
  writer.vector(value.acl, encodeAcl);
  encodeStat(writer, value.stat);
}
/** Decodes a GetACLResponse. */
export function decodeGetACLResponse(reader: Reader): GetACLResponse {
  return { acl: reader.vector(ACL_BYTES_MIN, decodeAcl), stat: decodeStat(reader) };
}

/** getChildren response (children in no particular order). */
export interface GetChildrenResponse {
  children: string[];
}
/** Encodes a GetChildrenResponse. */
export function encodeGetChildrenResponse(writer: Writer, value: GetChildrenResponse): void {
  writer.strings(value.children);
}
/** Decodes a GetChildrenResponse. */
export function decodeGetChildrenResponse(reader: Reader): GetChildrenResponse {
  return { children: reader.strings() };
}

/** getChildren2 response. */
export interface GetChildren2Response {
  children: string[];
  stat: Stat;
}
/** Encodes a GetChildren2Response. */
export function encodeGetChildren2Response(writer: Writer, value: GetChildren2Response): void {
  writer.strings(value.children);
  encodeStat(writer, value.stat);
}
/** Decodes a GetChildren2Response. */
export function decodeGetChildren2Response(reader: Reader): GetChildren2Response {
  return { children: reader.strings(), stat: decodeStat(reader) };
}

// ---------------------------------------------------------------------------------------
// Session-level records: auth, watches, events, misc

/** auth request (xid -4); `type` is always 0. */
export interface AuthPacket {
  type: number;
  scheme: string;
  auth: Buffer;
}
/** Encodes an AuthPacket. */
export function encodeAuthPacket(writer: Writer, value: AuthPacket): void {
  writer.int(value.type).string(value.scheme).buffer(value.auth);
}
/** Decodes an AuthPacket (a null auth buffer reads as empty). */
export function decodeAuthPacket(reader: Reader): AuthPacket {
  return { type: reader.int(), scheme: reader.string(), auth: reader.buffer() ?? Buffer.alloc(0) };
}

/** setWatches request: watches to restore after a reconnect. */
export interface SetWatches {
  /** The client's last seen zxid. */
  relativeZxid: bigint;
  dataWatches: string[];
  existWatches: string[];
  childWatches: string[];
}
/** Encodes a SetWatches. */
export function encodeSetWatches(writer: Writer, value: SetWatches): void {
  writer.long(value.relativeZxid).strings(value.dataWatches).strings(value.existWatches);
  writer.strings(value.childWatches);
}
/** Decodes a SetWatches. */
export function decodeSetWatches(reader: Reader): SetWatches {
  return {
    relativeZxid: reader.long(),
    dataWatches: reader.strings(),
    existWatches: reader.strings(),
    childWatches: reader.strings(),
  };
}

/** setWatches2 request: SetWatches plus persistent watches. */
export interface SetWatches2 extends SetWatches {
  persistentWatches: string[];
  persistentRecursiveWatches: string[];
}
/** Encodes a SetWatches2. */
export function encodeSetWatches2(writer: Writer, value: SetWatches2): void {
  encodeSetWatches(writer, value);
  writer.strings(value.persistentWatches).strings(value.persistentRecursiveWatches);
}
/** Decodes a SetWatches2. */
export function decodeSetWatches2(reader: Reader): SetWatches2 {
  const base = decodeSetWatches(reader);
  return { ...base, persistentWatches: reader.strings(), persistentRecursiveWatches: reader.strings() };
}

/** A watch notification (xid -1); `type` is an {@link EventType}, `state` a {@link KeeperState}. */
export interface WatcherEvent {
  type: number;
  state: number;
  path: string;
}
/** Encodes a WatcherEvent. */
export function encodeWatcherEvent(writer: Writer, value: WatcherEvent): void {
  writer.int(value.type).int(value.state).string(value.path);
}
/** Decodes a WatcherEvent. */
export function decodeWatcherEvent(reader: Reader): WatcherEvent {
  return { type: reader.int(), state: reader.int(), path: reader.string() };
}

/** `{ int err }`: addWatch's response and a multi error result's body. */
export interface ErrorResponse {
  err: number;
}
/** Encodes an ErrorResponse. */
export function encodeErrorResponse(writer: Writer, value: ErrorResponse): void {
  writer.int(value.err);
}
/** Decodes an ErrorResponse. */
export function decodeErrorResponse(reader: Reader): ErrorResponse {
  return { err: reader.int() };
}

/** getEphemerals request; an empty or `/` prefix means all of the session's ephemerals. */
export interface GetEphemeralsRequest {
  prefixPath: string;
}
/** Encodes a GetEphemeralsRequest. */
export function encodeGetEphemeralsRequest(writer: Writer, value: GetEphemeralsRequest): void {
  writer.string(value.prefixPath);
}
/** Decodes a GetEphemeralsRequest. */
export function decodeGetEphemeralsRequest(reader: Reader): GetEphemeralsRequest {
  return { prefixPath: reader.string() };
}

/** getEphemerals response. */
export interface GetEphemeralsResponse {
  ephemerals: string[];
}
/** Encodes a GetEphemeralsResponse. */
export function encodeGetEphemeralsResponse(writer: Writer, value: GetEphemeralsResponse): void {
  writer.strings(value.ephemerals);
}
/** Decodes a GetEphemeralsResponse. */
export function decodeGetEphemeralsResponse(reader: Reader): GetEphemeralsResponse {
  return { ephemerals: reader.strings() };
}

/** getAllChildrenNumber response: the count of all descendants. */
export interface GetAllChildrenNumberResponse {
  totalNumber: number;
}
/** Encodes a GetAllChildrenNumberResponse. */
export function encodeGetAllChildrenNumberResponse(
  writer: Writer,
  value: GetAllChildrenNumberResponse,
): void {
  writer.int(value.totalNumber);
}
/** Decodes a GetAllChildrenNumberResponse. */
export function decodeGetAllChildrenNumberResponse(reader: Reader): GetAllChildrenNumberResponse {
  return { totalNumber: reader.int() };
}

/** One authenticated identity of a connection, as whoAmI reports it. */
export interface ClientInfo {
  authScheme: string;
  user: string;
}
/** Smallest encoding of a ClientInfo: two empty strings. */
const CLIENT_INFO_BYTES_MIN = 8;
/** Encodes a ClientInfo. */
export function encodeClientInfo(writer: Writer, value: ClientInfo): void {
  writer.string(value.authScheme).string(value.user);
}
/** Decodes a ClientInfo. */
export function decodeClientInfo(reader: Reader): ClientInfo {
  return { authScheme: reader.string(), user: reader.string() };
}

/** whoAmI response. */
export interface WhoAmIResponse {
  clientInfo: ClientInfo[];
}
/** Encodes a WhoAmIResponse. */
export function encodeWhoAmIResponse(writer: Writer, value: WhoAmIResponse): void {
  writer.vector(value.clientInfo, encodeClientInfo);
}
/** Decodes a WhoAmIResponse. */
export function decodeWhoAmIResponse(reader: Reader): WhoAmIResponse {
  return { clientInfo: reader.vector(CLIENT_INFO_BYTES_MIN, decodeClientInfo) };
}

/** sasl request: a SASL token from the client. */
export interface GetSASLRequest {
  token: Buffer | null;
}
/** Encodes a GetSASLRequest. */
export function encodeGetSASLRequest(writer: Writer, value: GetSASLRequest): void {
  writer.buffer(value.token);
}
/** Decodes a GetSASLRequest. */
export function decodeGetSASLRequest(reader: Reader): GetSASLRequest {
  return { token: reader.buffer() };
}
/** sasl response: the server's SASL token. */
export type SetSASLResponse = GetSASLRequest;
/** Encodes a SetSASLResponse. */
export const encodeSetSASLResponse: (writer: Writer, value: SetSASLResponse) => void = encodeGetSASLRequest;
/** Decodes a SetSASLResponse. */
export const decodeSetSASLResponse: (reader: Reader) => SetSASLResponse = decodeGetSASLRequest;

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

// The multi codecs are wrapped in arrows: `./multi` imports this module, so its functions are
// looked up at call time, never while the two modules are still initialising.
const multiRequestCodec: Codec<MultiRequest> = codec(
  (writer, value) => encodeMultiRequest(writer, value),
  (reader) => decodeMultiRequest(reader),
);
const multiResponseCodec: Codec<MultiResponse> = codec(
  (writer, value) => encodeMultiResponse(writer, value),
  (reader) => decodeMultiResponse(reader),
);

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

/**
 * Transaction records: what a write becomes once the leader has validated it. The layout
 * is Apache's jute (`org.apache.zookeeper.txn`), so the same bytes serve proposals between
 * peers and Apache's txn log format (`TxnHeader` + body + optional `TxnDigest`).
 */
import { assert } from '../util/assert';
import { OpCode } from './constants';
import { ACL_BYTES_MIN, type Acl, decodeAcl, encodeAcl } from './data';
import { ProtocolError } from './errors';
import { decodeWith, type Reader } from './reader';
import { encodeWith, type Writer } from './writer';

/** Precedes every txn: who asked, which zxid it got and the leader's clock. */
export interface TxnHeader {
  /** Session id of the client that sent the request. */
  clientId: bigint;
  /** The client's xid of the request. */
  cxid: number;
  zxid: bigint;
  /** Leader wall-clock time, ms since the epoch. */
  time: bigint;
  /** The txn's {@link OpCode}. */
  type: number;
}
/** Encoded size of a TxnHeader. */
export const TXN_HEADER_BYTES = 32;
/** Encodes a TxnHeader. */
export function encodeTxnHeader(writer: Writer, value: TxnHeader): void {
  writer.long(value.clientId).int(value.cxid).long(value.zxid).long(value.time).int(value.type);
}
/** Decodes a TxnHeader. */
export function decodeTxnHeader(reader: Reader): TxnHeader {
  return {
    clientId: reader.long(),
    cxid: reader.int(),
    zxid: reader.long(),
    time: reader.long(),
    type: reader.int(),
  };
}

/** Digest of the data tree after a txn, appended to log entries and proposals. */
export interface TxnDigest {
  version: number;
  treeDigest: bigint;
}
/** Encoded size of a TxnDigest. */
export const TXN_DIGEST_BYTES = 12;
/** Encodes a TxnDigest. */
export function encodeTxnDigest(writer: Writer, value: TxnDigest): void {
  writer.int(value.version).long(value.treeDigest);
}
/** Decodes a TxnDigest. */
export function decodeTxnDigest(reader: Reader): TxnDigest {
  return { version: reader.int(), treeDigest: reader.long() };
}

/** create/create2 txn; the owner of an ephemeral is the header's clientId. */
export interface CreateTxn {
  path: string;
  data: Buffer | null;
  acl: Acl[];
  ephemeral: boolean;
  /** The parent's new stored cversion. */
  parentCVersion: number;
}
/** Encodes a CreateTxn. */
export function encodeCreateTxn(writer: Writer, value: CreateTxn): void {
  writer.string(value.path).buffer(value.data).vector(value.acl, encodeAcl);
  writer.bool(value.ephemeral).int(value.parentCVersion);
}
/** Decodes a CreateTxn. */
export function decodeCreateTxn(reader: Reader): CreateTxn {
  return {
    path: reader.string(),
    data: reader.buffer(),
    acl: reader.vector(ACL_BYTES_MIN, decodeAcl),
    ephemeral: reader.bool(),
    parentCVersion: reader.int(),
  };
}

/** createContainer txn. */
export interface CreateContainerTxn {
  path: string;
  data: Buffer | null;
  acl: Acl[];
  parentCVersion: number;
}
/** Encodes a CreateContainerTxn. */
export function encodeCreateContainerTxn(writer: Writer, value: CreateContainerTxn): void {
  writer.string(value.path).buffer(value.data).vector(value.acl, encodeAcl).int(value.parentCVersion);
}
/** Decodes a CreateContainerTxn. */
export function decodeCreateContainerTxn(reader: Reader): CreateContainerTxn {
  return {
    path: reader.string(),
    data: reader.buffer(),
    acl: reader.vector(ACL_BYTES_MIN, decodeAcl),
    parentCVersion: reader.int(),
  };
}

/** createTTL txn; `ttl` in ms. */
export interface CreateTTLTxn extends CreateContainerTxn {
  ttl: bigint;
}
/** Encodes a CreateTTLTxn. */
export function encodeCreateTTLTxn(writer: Writer, value: CreateTTLTxn): void {
  encodeCreateContainerTxn(writer, value);
  writer.long(value.ttl);
}
/** Decodes a CreateTTLTxn. */
export function decodeCreateTTLTxn(reader: Reader): CreateTTLTxn {
  const base = decodeCreateContainerTxn(reader);
  return { ...base, ttl: reader.long() };
}

/** delete/deleteContainer txn. */
export interface DeleteTxn {
  path: string;
}
/** Encodes a DeleteTxn. */
export function encodeDeleteTxn(writer: Writer, value: DeleteTxn): void {
  writer.string(value.path);
}
/** Decodes a DeleteTxn. */
export function decodeDeleteTxn(reader: Reader): DeleteTxn {
  return { path: reader.string() };
}

/** setData/reconfig txn; `version` is the node's new data version. */
export interface SetDataTxn {
  path: string;
  data: Buffer | null;
  version: number;
}
/** Encodes a SetDataTxn. */
export function encodeSetDataTxn(writer: Writer, value: SetDataTxn): void {
  writer.string(value.path).buffer(value.data).int(value.version);
}
/** Decodes a SetDataTxn. */
export function decodeSetDataTxn(reader: Reader): SetDataTxn {
  return { path: reader.string(), data: reader.buffer(), version: reader.int() };
}

/** check txn (inside a multi only). */
export interface CheckVersionTxn {
  path: string;
  version: number;
}
/** Encodes a CheckVersionTxn. */
export function encodeCheckVersionTxn(writer: Writer, value: CheckVersionTxn): void {
  writer.string(value.path).int(value.version);
}
/** Decodes a CheckVersionTxn. */
export function decodeCheckVersionTxn(reader: Reader): CheckVersionTxn {
  return { path: reader.string(), version: reader.int() };
}

/** setACL txn; `version` is the node's new aversion. */
export interface SetACLTxn {
  path: string;
  acl: Acl[];
  version: number;
}
/** Encodes a SetACLTxn. */
export function encodeSetACLTxn(writer: Writer, value: SetACLTxn): void {
  writer.string(value.path).vector(value.acl, encodeAcl).int(value.version);
}
/** Decodes a SetACLTxn. */
export function decodeSetACLTxn(reader: Reader): SetACLTxn {
  return { path: reader.string(), acl: reader.vector(ACL_BYTES_MIN, decodeAcl), version: reader.int() };
}

/** createSession txn; the session id is the header's clientId. */
export interface CreateSessionTxn {
  /** Negotiated session timeout, ms. */
  timeOut: number;
}
/** Encodes a CreateSessionTxn. */
export function encodeCreateSessionTxn(writer: Writer, value: CreateSessionTxn): void {
  writer.int(value.timeOut);
}
/** Decodes a CreateSessionTxn. */
export function decodeCreateSessionTxn(reader: Reader): CreateSessionTxn {
  return { timeOut: reader.int() };
}

/** closeSession txn: the session's ephemerals to delete. */
export interface CloseSessionTxn {
  paths2Delete: string[];
}
/** Encodes a CloseSessionTxn. */
export function encodeCloseSessionTxn(writer: Writer, value: CloseSessionTxn): void {
  writer.strings(value.paths2Delete);
}
/** Decodes a CloseSessionTxn. */
export function decodeCloseSessionTxn(reader: Reader): CloseSessionTxn {
  return { paths2Delete: reader.strings() };
}

/** error txn: a write that failed still takes a zxid. */
export interface ErrorTxn {
  err: number;
}
/** Encodes an ErrorTxn. */
export function encodeErrorTxn(writer: Writer, value: ErrorTxn): void {
  writer.int(value.err);
}
/** Decodes an ErrorTxn. */
export function decodeErrorTxn(reader: Reader): ErrorTxn {
  return { err: reader.int() };
}

/** One inner txn of a multi, as Apache stores it: its type and its body record's bytes. */
export interface MultiTxnEntry {
  type: number;
  data: Buffer;
}
/** Smallest encoding of a MultiTxnEntry: type + buffer length. */
const MULTI_TXN_ENTRY_BYTES_MIN = 8;

/** multi txn: the inner txns, each serialised on its own. */
export interface MultiTxn {
  txns: MultiTxnEntry[];
}
/** Encodes a MultiTxn. */
export function encodeMultiTxn(writer: Writer, value: MultiTxn): void {
  writer.vector(value.txns, (inner, entry) => inner.int(entry.type).buffer(entry.data));
}
/** Decodes a MultiTxn (inner bodies stay bytes: see {@link txnsFromMultiTxn}). */
export function decodeMultiTxn(reader: Reader): MultiTxn {
  const txns = reader.vector(MULTI_TXN_ENTRY_BYTES_MIN, (inner) => ({
    type: inner.int(),
    data: inner.buffer() ?? Buffer.alloc(0),
  }));
  return { txns };
}

/** A txn body tagged by its header type. */
export type Txn =
  | { type: typeof OpCode.create | typeof OpCode.create2; body: CreateTxn }
  | { type: typeof OpCode.createContainer; body: CreateContainerTxn }
  | { type: typeof OpCode.createTTL; body: CreateTTLTxn }
  | { type: typeof OpCode.delete | typeof OpCode.deleteContainer; body: DeleteTxn }
  | { type: typeof OpCode.setData | typeof OpCode.reconfig; body: SetDataTxn }
  | { type: typeof OpCode.check; body: CheckVersionTxn }
  | { type: typeof OpCode.setACL; body: SetACLTxn }
  | { type: typeof OpCode.createSession; body: CreateSessionTxn }
  | { type: typeof OpCode.closeSession; body: CloseSessionTxn }
  | { type: typeof OpCode.error; body: ErrorTxn }
  | { type: typeof OpCode.multi; body: MultiTxn };

/** Txn types, as the header's `type`. */
export type TxnType = Txn['type'];

/** Encodes a txn's body (its type goes in the TxnHeader or the MultiTxn entry). */
export function encodeTxn(writer: Writer, txn: Txn): void {
  switch (txn.type) {
    case OpCode.create:
    case OpCode.create2:
      encodeCreateTxn(writer, txn.body);
      return;
    case OpCode.createContainer:
      encodeCreateContainerTxn(writer, txn.body);
      return;
    case OpCode.createTTL:
      encodeCreateTTLTxn(writer, txn.body);
      return;
    case OpCode.delete:
    case OpCode.deleteContainer:
      encodeDeleteTxn(writer, txn.body);
      return;
    case OpCode.setData:
    case OpCode.reconfig:
      encodeSetDataTxn(writer, txn.body);
      return;
    case OpCode.check:
      encodeCheckVersionTxn(writer, txn.body);
      return;
    case OpCode.setACL:
      encodeSetACLTxn(writer, txn.body);
      return;
    case OpCode.createSession:
      encodeCreateSessionTxn(writer, txn.body);
      return;
    case OpCode.closeSession:
      encodeCloseSessionTxn(writer, txn.body);
      return;
    case OpCode.error:
      encodeErrorTxn(writer, txn.body);
      return;
    case OpCode.multi:
      encodeMultiTxn(writer, txn.body);
      return;
  }
}

/** Decodes the body of a txn of header type `type`; an unknown type is ProtocolError `unknown-type`. */
export function decodeTxn(type: number, reader: Reader): Txn {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
      return { type, body: decodeCreateTxn(reader) };
    case OpCode.createContainer:
      return { type, body: decodeCreateContainerTxn(reader) };
    case OpCode.createTTL:
      return { type, body: decodeCreateTTLTxn(reader) };
    case OpCode.delete:
    case OpCode.deleteContainer:
      return { type, body: decodeDeleteTxn(reader) };
    case OpCode.setData:
    case OpCode.reconfig:
      return { type, body: decodeSetDataTxn(reader) };
    case OpCode.check:
      return { type, body: decodeCheckVersionTxn(reader) };
    case OpCode.setACL:
      return { type, body: decodeSetACLTxn(reader) };
    case OpCode.createSession:
      return { type, body: decodeCreateSessionTxn(reader) };
    case OpCode.closeSession:
      return { type, body: decodeCloseSessionTxn(reader) };
    case OpCode.error:
      return { type, body: decodeErrorTxn(reader) };
    case OpCode.multi:
      return { type, body: decodeMultiTxn(reader) };
    default:
      throw new ProtocolError('unknown-type', `unknown txn type ${type}`);
  }
}

/** A txn with its header: one txn-log entry's payload, or a proposal's data. */
export interface TxnEntry {
  header: TxnHeader;
  txn: Txn;
  /** Present when the writer appended the tree digest (Apache's default). */
  digest?: TxnDigest;
}

/** Encodes header, body and (if present) digest, Apache's layout. */
export function encodeTxnEntry(writer: Writer, value: TxnEntry): void {
  assert(value.header.type === value.txn.type, 'txn header type matches its body');
  encodeTxnHeader(writer, value.header);
  encodeTxn(writer, value.txn);
  if (value.digest !== undefined) encodeTxnDigest(writer, value.digest);
}

/**
 * Decodes a TxnEntry that fills the rest of `reader`: header, body of the header's type,
 * then a TxnDigest if bytes remain.
 */
export function decodeTxnEntry(reader: Reader): TxnEntry {
  const header = decodeTxnHeader(reader);
  const txn = decodeTxn(header.type, reader);
  if (reader.remaining === 0) return { header, txn };
  return { header, txn, digest: decodeTxnDigest(reader) };
}

/** Serialises inner txns the way Apache builds a MultiTxn: each body as its own record. */
export function multiTxnFromTxns(txns: readonly Txn[]): MultiTxn {
  return {
    txns: txns.map((txn) => {
      assert(txn.type !== OpCode.multi, 'multi txns do not nest');
      return { type: txn.type, data: encodeWith(txn, encodeTxn) };
    }),
  };
}

/** Decodes a MultiTxn's inner txns; each body must fill its bytes exactly. */
export function txnsFromMultiTxn(multi: MultiTxn): Txn[] {
  return multi.txns.map((entry) => {
    if (entry.type === OpCode.multi) throw new ProtocolError('bad-value', 'nested multi txn');
    return decodeWith(entry.data, (reader) => decodeTxn(entry.type, reader), 'multi inner txn');
  });
}

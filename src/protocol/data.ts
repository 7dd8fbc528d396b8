import { int32At, uint32At } from './bytes';
import { Perms } from './constants';
import { longFromHalves, type Reader } from './reader';
import type { Writer } from './writer';

/** A node's metadata, as the server reports it (`Stat`, 68 bytes on the wire). */
export interface Stat {
  /** zxid of the txn that created the node. */
  czxid: bigint;
  /** zxid of the txn that last changed the node's data. */
  mzxid: bigint;
  /** Creation time, ms since the epoch (the leader's clock). */
  ctime: bigint;
  /** Time of the last data change, ms since the epoch. */
  mtime: bigint;
  /** Data version: incremented by every setData. */
  version: number;
  /** Child version: incremented by every child create and delete. */
  cversion: number;
  /** ACL version: incremented by every setACL. */
  aversion: number;
  /** Session id of an ephemeral node's owner, else 0. */
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  /** zxid of the txn that last changed the node's children. */
  pzxid: bigint;
}

/** The encoded size of a Stat: 6 longs and 5 ints. */
export const STAT_BYTES = 68;

/** Writes a Stat in the wire order. */
export function encodeStat(writer: Writer, stat: Stat): void {
  writer
    .long(stat.czxid)
    .long(stat.mzxid)
    .long(stat.ctime)
    .long(stat.mtime)
    .int(stat.version)
    .int(stat.cversion)
    .int(stat.aversion)
    .long(stat.ephemeralOwner)
    .int(stat.dataLength)
    .int(stat.numChildren)
    .long(stat.pzxid);
}

/** Stat's long fields, numbered by position: czxid, mzxid, ctime, mtime, ephemeralOwner, pzxid. */
const STAT_LONG_COUNT = 6;
/** The halves and value of the last long decoded at each position (bigints are immutable, so sharing is invisible). */
const lastHigh = new Int32Array(STAT_LONG_COUNT);
const lastLow = new Uint32Array(STAT_LONG_COUNT);
const lastValue: bigint[] = new Array<bigint>(STAT_LONG_COUNT).fill(0n);

/**
 * The long at `at` of `bytes`, reusing the bigint of the last Stat's field in the same
 * position when the bytes are the same: a node read again, or a node whose creation
 * fields stay put while its data changes, then costs no BigInt allocation for them.
 */
function statLong(bytes: Buffer, at: number, position: number): bigint {
  const high = int32At(bytes, at);
  const low = uint32At(bytes, at + 4);
  if (high === lastHigh[position] && low === lastLow[position]) return lastValue[position] as bigint;
  const value = longFromHalves(high, low);
  lastHigh[position] = high;
  lastLow[position] = low;
  lastValue[position] = value;
  return value;
}

/**
 * Decodes a Stat in place: one bounds check for its 68 bytes, and its six longs through
 * {@link statLong}. Most replies carry a Stat, and BigInt allocation was its largest cost.
 */
export function decodeStat(reader: Reader): Stat {
  const at = reader.claim(STAT_BYTES, 'Stat');
  const bytes = reader.source;
  return {
    czxid: statLong(bytes, at, 0),
    mzxid: statLong(bytes, at + 8, 1),
    ctime: statLong(bytes, at + 16, 2),
    mtime: statLong(bytes, at + 24, 3),
    version: int32At(bytes, at + 32),
    cversion: int32At(bytes, at + 36),
    aversion: int32At(bytes, at + 40),
    ephemeralOwner: statLong(bytes, at + 44, 4),
    dataLength: int32At(bytes, at + 52),
    numChildren: int32At(bytes, at + 56),
    pzxid: statLong(bytes, at + 60, 5),
  };
}

/** An all-zero Stat (root and `/zookeeper` report this, apart from cversion/numChildren). */
export function emptyStat(): Stat {
  return {
    czxid: 0n,
    mzxid: 0n,
    ctime: 0n,
    mtime: 0n,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: 0n,
    dataLength: 0,
    numChildren: 0,
    pzxid: 0n,
  };
}

/** An identity: an auth scheme and an id in it (`world:anyone`, `digest:user:hash`, `ip:10.0.0.0/8`). */
export interface Id {
  scheme: string;
  id: string;
}

/** One ACL entry: permission bits granted to an identity. */
export interface Acl {
  perms: number;
  id: Id;
}

/** Writes an identity: scheme, then id. */
export function encodeId(writer: Writer, id: Id): void {
  writer.string(id.scheme).string(id.id);
}

/** Reads an identity. */
export function decodeId(reader: Reader): Id {
  return { scheme: reader.string(), id: reader.string() };
}

/** Writes one ACL entry: permission bits, then the identity. */
export function encodeAcl(writer: Writer, acl: Acl): void {
  writer.int(acl.perms);
  encodeId(writer, acl.id);
}

/** Reads one ACL entry. */
export function decodeAcl(reader: Reader): Acl {
  return { perms: reader.int(), id: decodeId(reader) };
}

/** Smallest encoding of one ACL: perms + two empty strings. */
export const ACL_BYTES_MIN = 12;

/** Well-known identities and ACLs (`ZooDefs.Ids`). */
export const Ids = {
  ANYONE_ID_UNSAFE: { scheme: 'world', id: 'anyone' } as Id,
  AUTH_IDS: { scheme: 'auth', id: '' } as Id,
  OPEN_ACL_UNSAFE: [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }] as readonly Acl[],
  CREATOR_ALL_ACL: [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }] as readonly Acl[],
  READ_ACL_UNSAFE: [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }] as readonly Acl[],
} as const;

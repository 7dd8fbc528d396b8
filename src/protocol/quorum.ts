/**
 * Peer-to-peer messages of a ZooKeeper ensemble, byte-compatible with Apache's: the ZAB
 * `QuorumPacket` (learner ↔ leader, written on the stream with no length prefix), its
 * small payloads, and fast leader election's connection header and Notification
 * (protocol.md §13). Values checked against Apache's `Leader`, `QuorumCnxManager` and
 * `FastLeaderElection`.
 */
import { assert } from '../util/assert';
import { decodeId, encodeId, type Id } from './data';
import { ProtocolError } from './errors';
import type { Reader } from './reader';
import type { Writer } from './writer';

/** QuorumPacket types (Apache's `Leader` constants). */
export const QuorumPacketType = {
  REQUEST: 1,
  PROPOSAL: 2,
  ACK: 3,
  COMMIT: 4,
  PING: 5,
  REVALIDATE: 6,
  SYNC: 7,
  INFORM: 8,
  COMMITANDACTIVATE: 9,
  NEWLEADER: 10,
  FOLLOWERINFO: 11,
  UPTODATE: 12,
  DIFF: 13,
  TRUNC: 14,
  SNAP: 15,
  OBSERVERINFO: 16,
  LEADERINFO: 17,
  ACKEPOCH: 18,
  INFORMANDACTIVATE: 19,
} as const;
export type QuorumPacketType = (typeof QuorumPacketType)[keyof typeof QuorumPacketType];

/** Protocol version a learner sends in LearnerInfo and a leader in LEADERINFO (`0x10000`). */
export const QUORUM_PROTOCOL_VERSION = 0x10000;

/** One ZAB message between a learner and its leader. */
export interface QuorumPacket {
  /** A {@link QuorumPacketType}. */
  type: number;
  zxid: bigint;
  data: Buffer | null;
  /** The client's identities, on REQUEST packets; empty otherwise. */
  authinfo: Id[];
}

/** Smallest encoding of an Id: two empty strings. */
const ID_BYTES_MIN = 8;
/** Smallest encoding of a QuorumPacket: type, zxid, data length, authinfo count. */
export const QUORUM_PACKET_BYTES_MIN = 20;

/** Encodes a QuorumPacket (no length prefix: Apache writes it straight onto the stream). */
export function encodeQuorumPacket(writer: Writer, value: QuorumPacket): void {
  writer.int(value.type).long(value.zxid).buffer(value.data).vector(value.authinfo, encodeId);
}

/** Decodes a QuorumPacket. */
export function decodeQuorumPacket(reader: Reader): QuorumPacket {
  return {
    type: reader.int(),
    zxid: reader.long(),
    data: reader.buffer(),
    authinfo: reader.vector(ID_BYTES_MIN, decodeId),
  };
}

/**
 * The length of the QuorumPacket at the start of `bytes`, or `undefined` if it is not all
 * there yet: the stream reader's way to cut packets without a length prefix. A declared
 * data length above `dataBytesMax` (or negative other than -1) is a ProtocolError, so a
 * bad peer cannot make the reader wait for gigabytes.
 */
export function measureQuorumPacket(bytes: Buffer, dataBytesMax: number): number | undefined {
  assert(dataBytesMax >= 0, 'dataBytesMax is non-negative');
  if (bytes.length < 16) return undefined;
  const dataLength = bytes.readInt32BE(12);
  if (dataLength < -1 || dataLength > dataBytesMax) {
    throw new ProtocolError(
      'bad-length',
      `quorum packet data length ${dataLength} outside -1..${dataBytesMax}`,
    );
  }
  let offset = 16 + Math.max(dataLength, 0);
  if (bytes.length < offset + 4) return undefined;
  const idCount = bytes.readInt32BE(offset);
  offset += 4;
  if (idCount === -1 || idCount === 0) return offset;
  if (idCount < 0 || idCount * ID_BYTES_MIN > dataBytesMax) {
    throw new ProtocolError('bad-length', `quorum packet authinfo count ${idCount}`);
  }
  // Each Id is two length-prefixed strings.
  for (let field = 0; field < idCount * 2; field++) {
    if (bytes.length < offset + 4) return undefined;
    const stringLength = bytes.readInt32BE(offset);
    if (stringLength < -1 || stringLength > dataBytesMax) {
      throw new ProtocolError('bad-length', `quorum packet authinfo string length ${stringLength}`);
    }
    offset += 4 + Math.max(stringLength, 0);
  }
  return bytes.length < offset ? undefined : offset;
}

/** FOLLOWERINFO/OBSERVERINFO payload: who the learner is. */
export interface LearnerInfo {
  serverid: bigint;
  /** {@link QUORUM_PROTOCOL_VERSION}. */
  protocolVersion: number;
  /** Version of the learner's last committed config, -1 for none. */
  configVersion: bigint;
}
/** Encodes a LearnerInfo. */
export function encodeLearnerInfo(writer: Writer, value: LearnerInfo): void {
  writer.long(value.serverid).int(value.protocolVersion).long(value.configVersion);
}
/** Decodes a LearnerInfo. */
export function decodeLearnerInfo(reader: Reader): LearnerInfo {
  return { serverid: reader.long(), protocolVersion: reader.int(), configVersion: reader.long() };
}

/** LEADERINFO payload: `int protocolVersion`. */
export function encodeLeaderInfoData(protocolVersion: number = QUORUM_PROTOCOL_VERSION): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(protocolVersion, 0);
  return bytes;
}
/** Reads a LEADERINFO payload's protocol version. */
export function decodeLeaderInfoData(data: Buffer | null): number {
  return readWholeInt(data, 'LEADERINFO');
}

/** ACKEPOCH payload: the learner's current epoch, or -1 if it had already accepted the new one. */
export function encodeAckEpochData(currentEpoch: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(currentEpoch, 0);
  return bytes;
}
/** Reads an ACKEPOCH payload's epoch. */
export function decodeAckEpochData(data: Buffer | null): number {
  return readWholeInt(data, 'ACKEPOCH');
}

function readWholeInt(data: Buffer | null, what: string): number {
  if (data === null || data.length < 4) throw new ProtocolError('truncated', `${what} data needs 4 bytes`);
  return data.readInt32BE(0);
}

// ---------------------------------------------------------------------------------------
// Fast leader election

/** Largest election message body (`QuorumCnxManager.PACKETMAXSIZE`, 512 KiB). */
export const ELECTION_MESSAGE_BYTES_MAX = 512 * 1024;
/** Largest address list in an election connection header (`QuorumCnxManager.maxBuffer`). */
export const ELECTION_ADDRESS_BYTES_MAX = 2048;
/** Election connection header versions (`QuorumCnxManager.PROTOCOL_VERSION_V1/V2`). */
export const ElectionProtocolVersion = {
  /** One `host:port` address. */
  V1: -65536n,
  /** `|`-separated address list (multi-address peers). */
  V2: -65535n,
} as const;

/** What a peer sends first on an election connection. */
export interface ElectionConnectHeader {
  /** A negative {@link ElectionProtocolVersion}, or `undefined` for a legacy header (sid alone). */
  protocolVersion: bigint | undefined;
  sid: bigint;
  /** The sender's election address(es) as text (`host:port`, V2: `|`-separated); '' when legacy. */
  addresses: string;
}

/** Encodes an election connection header; a legacy header is the sid alone. */
export function encodeElectionConnectHeader(writer: Writer, value: ElectionConnectHeader): void {
  if (value.protocolVersion === undefined) {
    assert(value.sid >= 0n, 'a legacy header is a non-negative sid');
    writer.long(value.sid);
    return;
  }
  assert(value.protocolVersion < 0n, 'protocol versions are negative');
  const addresses = Buffer.from(value.addresses, 'utf8');
  assert(addresses.length > 0 && addresses.length <= ELECTION_ADDRESS_BYTES_MAX, 'address list fits');
  writer.long(value.protocolVersion).long(value.sid).buffer(addresses);
}

/** Decodes an election connection header; the address list is limited to 2048 bytes as in Apache. */
export function decodeElectionConnectHeader(reader: Reader): ElectionConnectHeader {
  const first = reader.long();
  if (first >= 0n) return { protocolVersion: undefined, sid: first, addresses: '' };
  const sid = reader.long();
  // `int length` + bytes is a jute buffer; the reader bounds it by the bytes present.
  const addresses = reader.buffer();
  if (addresses === null || addresses.length === 0 || addresses.length > ELECTION_ADDRESS_BYTES_MAX) {
    throw new ProtocolError('bad-length', `election header address length ${addresses?.length ?? -1}`);
  }
  return { protocolVersion: first, sid, addresses: addresses.toString('utf8') };
}

/** Peer states in a Notification (`QuorumPeer.ServerState` ordinals). */
export const ServerState = {
  LOOKING: 0,
  FOLLOWING: 1,
  LEADING: 2,
  OBSERVING: 3,
} as const;
export type ServerState = (typeof ServerState)[keyof typeof ServerState];

/** Notification version that carries a config (`Notification.CURRENTVERSION`). */
export const NOTIFICATION_VERSION = 2;
/** Notification size without the config bytes. */
export const NOTIFICATION_BYTES_MIN = 44;

/** A fast-leader-election vote, as `FastLeaderElection.buildMsg` lays it out. */
export interface Notification {
  /** The sender's {@link ServerState}. */
  state: number;
  /** The sid the sender votes for. */
  leader: bigint;
  /** The voted leader's last zxid. */
  zxid: bigint;
  /** The sender's logical clock. */
  electionEpoch: bigint;
  /** The voted leader's epoch. */
  peerEpoch: bigint;
  /** 2 for current peers; 0/1 when decoded from a legacy message. */
  version: number;
  /** QuorumVerifier text (`server.N=…\nversion=<hex>`); empty when absent. */
  config: Buffer;
}

/**
 * Encodes a Notification body (the election frame's length prefix is the caller's). Version
 * 2 and above carry `int configLength` + config (44 bytes + config); version ≤ 1 is the
 * 40-byte form without config.
 */
export function encodeNotification(writer: Writer, value: Notification): void {
  writer.int(value.state).long(value.leader).long(value.zxid).long(value.electionEpoch);
  writer.long(value.peerEpoch).int(value.version);
  if (value.version > 1) writer.buffer(value.config);
  else assert(value.config.length === 0, 'only version 2+ notifications carry a config');
}

/**
 * Decodes a Notification body filling the rest of `reader`. Accepts Apache's legacy forms:
 * 28 bytes (no peerEpoch: it is the zxid's epoch; version 0) and version ≤ 1 (40 bytes, no
 * config).
 */
export function decodeNotification(reader: Reader): Notification {
  const size = reader.remaining;
  if (size < 28) throw new ProtocolError('truncated', `notification of ${size} bytes`);
  const state = reader.int();
  const leader = reader.long();
  const zxid = reader.long();
  const electionEpoch = reader.long();
  if (size === 28) {
    return {
      state,
      leader,
      zxid,
      electionEpoch,
      peerEpoch: zxid >> 32n,
      version: 0,
      config: Buffer.alloc(0),
    };
  }
  const peerEpoch = reader.long();
  const version = reader.int();
  if (version <= 1)
    return { state, leader, zxid, electionEpoch, peerEpoch, version, config: Buffer.alloc(0) };
  // `int configLength` + bytes is a jute buffer; Apache rejects a negative length too.
  const config = reader.buffer();
  if (config === null) throw new ProtocolError('bad-length', 'notification config length -1');
  return { state, leader, zxid, electionEpoch, peerEpoch, version, config };
}

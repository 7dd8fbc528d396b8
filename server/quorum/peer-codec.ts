/**
 * zookit's own encoding of the messages ensemble members exchange: the pure core's
 * {@link ZabMessage} union plus the runtime's SYNC answer, written with src/protocol's
 * Writer/Reader. Mixed Apache/zookit ensembles are not a goal, so this is not Apache's
 * `QuorumPacket` layout; the tags reuse Apache's packet type numbers where one exists.
 *
 * Layout of every message: `int tag, int from, int to`, then for a notification
 * `int state, int leader, long zxid, long peerEpoch, long electionEpoch`; for a quorum packet
 * `int link, long sequence` and the kind's fields (epochs are written as longs: they are
 * unsigned 32-bit values); for a sync answer `int token, long zxid`.
 */
import { ProtocolError } from '../../src/protocol/errors';
import { QuorumPacketType } from '../../src/protocol/quorum';
import type { Reader } from '../../src/protocol/reader';
import type { Writer } from '../../src/protocol/writer';
import { assert } from '../../src/util/assert';
import type { LogEntry, QuorumMessage, SessionTouch, ZabMessage } from '../zab/messages';
import { Role } from '../zab/role';

/**
 * The leader's answer to a learner's forwarded `sync`: every txn the leader had proposed when
 * it handled the sync is at or below `zxid` (Apache's SYNC packet back to the learner).
 */
export interface SyncReplyMessage {
  readonly kind: 'sync-reply';
  readonly from: number;
  readonly to: number;
  /** The learner's number for the waiting sync. */
  readonly token: number;
  readonly zxid: bigint;
}

/** Everything one member sends another. */
export type PeerMessage = ZabMessage | SyncReplyMessage;

/** Tags: Apache's packet types for quorum packets, then zookit's own above 100. */
export const PeerMessageTag = {
  followerinfo: QuorumPacketType.FOLLOWERINFO,
  observerinfo: QuorumPacketType.OBSERVERINFO,
  leaderinfo: QuorumPacketType.LEADERINFO,
  ackepoch: QuorumPacketType.ACKEPOCH,
  diff: QuorumPacketType.DIFF,
  trunc: QuorumPacketType.TRUNC,
  snap: QuorumPacketType.SNAP,
  proposal: QuorumPacketType.PROPOSAL,
  commit: QuorumPacketType.COMMIT,
  inform: QuorumPacketType.INFORM,
  newleader: QuorumPacketType.NEWLEADER,
  uptodate: QuorumPacketType.UPTODATE,
  ack: QuorumPacketType.ACK,
  ping: QuorumPacketType.PING,
  request: QuorumPacketType.REQUEST,
  'sync-reply': QuorumPacketType.SYNC,
  notification: 100,
} as const satisfies Record<PeerMessage['kind'], number>;

const kindByTag = new Map<number, PeerMessage['kind']>(
  Object.entries(PeerMessageTag).map(([kind, tag]) => [tag, kind as PeerMessage['kind']]),
);

/** Bytes of one SessionTouch on the wire (long id + int timeout): bounds the vector count. */
const SESSION_TOUCH_BYTES = 12;

/** Encodes one message (no length prefix: the transport frames it). */
export function encodePeerMessage(writer: Writer, message: PeerMessage): void {
  writer.int(PeerMessageTag[message.kind]).int(message.from).int(message.to);
  if (message.kind === 'notification') {
    writer
      .int(message.state)
      .int(message.vote.leader)
      .long(message.vote.zxid)
      .long(BigInt(message.vote.peerEpoch))
      .long(BigInt(message.electionEpoch));
    return;
  }
  if (message.kind === 'sync-reply') {
    writer.int(message.token).long(message.zxid);
    return;
  }
  writer.int(message.link).long(BigInt(message.sequence));
  encodeQuorumFields(writer, message);
}

function encodeQuorumFields(writer: Writer, message: QuorumMessage): void {
  switch (message.kind) {
    case 'followerinfo':
    case 'observerinfo':
      writer.long(BigInt(message.acceptedEpoch));
      return;
    case 'leaderinfo':
    case 'newleader':
      writer.long(BigInt(message.epoch));
      return;
    case 'ackepoch':
      writer.long(BigInt(message.currentEpoch)).long(message.lastZxid);
      return;
    case 'diff':
    case 'trunc':
    case 'commit':
    case 'ack':
      writer.long(message.zxid);
      return;
    case 'snap':
      writer.long(message.snapshot.zxid).buffer(message.snapshot.data);
      return;
    case 'proposal':
    case 'inform':
      writer.long(message.entry.zxid).buffer(message.entry.data);
      return;
    case 'uptodate':
      return;
    case 'ping':
      writer.int(message.touches.length);
      for (const touch of message.touches) writer.long(touch.sessionId).int(touch.timeoutMs);
      return;
    case 'request':
      writer.buffer(message.data);
  }
}

/** Decodes one message; malformed bytes are a {@link ProtocolError}. */
export function decodePeerMessage(reader: Reader): PeerMessage {
  const tag = reader.int();
  const kind = kindByTag.get(tag);
  if (kind === undefined) throw new ProtocolError('unknown-type', `unknown peer message tag ${tag}`);
  const from = reader.int();
  const to = reader.int();
  if (kind === 'notification') {
    const state = reader.int();
    if (!Object.values(Role).includes(state as Role))
      throw new ProtocolError('unknown-type', `unknown peer state ${state}`);
    const leader = reader.int();
    const zxid = reader.long();
    const peerEpoch = epochNumber(reader.long());
    const electionEpoch = epochNumber(reader.long());
    return { kind, from, to, state: state as Role, vote: { leader, zxid, peerEpoch }, electionEpoch };
  }
  if (kind === 'sync-reply') return { kind, from, to, token: reader.int(), zxid: reader.long() };
  const link = reader.int();
  const sequence = Number(reader.long());
  const fields = decodeQuorumFields(kind, reader);
  return { kind, from, to, link, sequence, ...fields } as QuorumMessage;
}

function decodeQuorumFields(kind: QuorumMessage['kind'], reader: Reader): Record<string, unknown> {
  switch (kind) {
    case 'followerinfo':
    case 'observerinfo':
      return { acceptedEpoch: epochNumber(reader.long()) };
    case 'leaderinfo':
    case 'newleader':
      return { epoch: epochNumber(reader.long()) };
    case 'ackepoch':
      return { currentEpoch: epochNumber(reader.long()), lastZxid: reader.long() };
    case 'diff':
    case 'trunc':
    case 'commit':
    case 'ack':
      return { zxid: reader.long() };
    case 'snap':
      return { snapshot: decodeLogEntry(reader) };
    case 'proposal':
    case 'inform':
      return { entry: decodeLogEntry(reader) };
    case 'uptodate':
      return {};
    case 'ping': {
      const count = reader.count(SESSION_TOUCH_BYTES, 'session touches');
      const touches: SessionTouch[] = [];
      for (let index = 0; index < count; index++)
        touches.push({ sessionId: reader.long(), timeoutMs: reader.int() });
      return { touches };
    }
    case 'request':
      return { data: requiredBuffer(reader) };
  }
}

function decodeLogEntry(reader: Reader): LogEntry {
  const zxid = reader.long();
  return { zxid, data: requiredBuffer(reader) };
}

function requiredBuffer(reader: Reader): Buffer {
  const data = reader.buffer();
  if (data === null) throw new ProtocolError('bad-value', 'a peer message carried a null buffer');
  return data;
}

function epochNumber(value: bigint): number {
  if (value < -1n || value > 0xffff_ffffn)
    throw new ProtocolError('bad-value', `epoch ${value} out of range`);
  const epoch = Number(value);
  assert(Number.isSafeInteger(epoch), 'an epoch fits a safe integer');
  return epoch;
}

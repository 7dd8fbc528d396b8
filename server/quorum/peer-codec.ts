/**
 * zookit's own encoding of the messages ensemble members exchange: the pure core's
 * {@link ZabMessage} union, written with src/protocol's Writer/Reader. Mixed Apache/zookit
 * ensembles are not a goal, so this is not Apache's `QuorumPacket` layout; the tags are
 * Apache's packet type numbers where one exists. As in Apache, a learner forwards a client's
 * sync as a REQUEST (its body the forwarded-request encoding of a sync, forwarded-request.ts)
 * and the leader answers with SYNC (type 7).
 *
 * Layout of every message: `int tag, int from, int to`, then for a notification
 * `int state, int leader, long zxid, long peerEpoch, long electionEpoch`; for a quorum packet
 * `int link, long sequence` and the kind's fields (epochs are written as longs: they are
 * unsigned 32-bit values).
 */
import { ProtocolError } from '../../src/protocol/errors';
import { QuorumPacketType } from '../../src/protocol/quorum';
import type { Reader } from '../../src/protocol/reader';
import type { Writer } from '../../src/protocol/writer';
import { assert } from '../../src/util/assert';
import type { LogEntry, QuorumMessage, SessionTouch, ZabMessage } from '../zab/messages';
import { Role } from '../zab/role';
import { encodeForwarded, isForwardedSync } from './forwarded-request';

/** Everything one member sends another. */
export type PeerMessage = ZabMessage;

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
  sync: QuorumPacketType.SYNC,
  notification: 100,
} as const satisfies Record<Exclude<PeerMessage['kind'], 'syncrequest'>, number>;

type TaggedKind = keyof typeof PeerMessageTag;

const kindByTag = new Map<number, TaggedKind>(
  Object.entries(PeerMessageTag).map(([kind, tag]) => [tag, kind as TaggedKind]),
);

/** The REQUEST body of a forwarded sync (Apache forwards a sync like any request). */
const forwardedSyncBody = encodeForwarded({ kind: 'sync' });

/** Bytes of one SessionTouch on the wire (long id + int timeout): bounds the vector count. */
const SESSION_TOUCH_BYTES = 12;

/** Encodes one message (no length prefix: the transport frames it). */
export function encodePeerMessage(writer: Writer, message: PeerMessage): void {
  const tag = message.kind === 'syncrequest' ? PeerMessageTag.request : PeerMessageTag[message.kind];
  writer.int(tag).int(message.from).int(message.to);
  if (message.kind === 'notification') {
    writer
      .int(message.state)
      .int(message.vote.leader)
      .long(message.vote.zxid)
      .long(BigInt(message.vote.peerEpoch))
      .long(BigInt(message.electionEpoch));
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
    case 'sync':
      return;
    case 'syncrequest':
      writer.buffer(forwardedSyncBody);
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
  const link = reader.int();
  const sequence = Number(reader.long());
  const fields = decodeQuorumFields(kind, reader);
  if (kind === 'request' && isForwardedSync(fields.data as Buffer))
    return { kind: 'syncrequest', from, to, link, sequence };
  return { kind, from, to, link, sequence, ...fields } as QuorumMessage;
}

function decodeQuorumFields(
  kind: Exclude<QuorumMessage['kind'], 'syncrequest'>,
  reader: Reader,
): Record<string, unknown> {
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
    case 'sync':
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

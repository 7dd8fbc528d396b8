/**
 * The encodings members exchange: every ZabMessage kind (SYNC and the forwarded sync request
 * included) round-trips through the peer codec, forwarded writes and syncs through theirs, and malformed bytes are
 * ProtocolErrors (never crashes).
 */
import { describe, expect, it } from 'vitest';
import { decodeForwarded, encodeForwarded, type Forwarded } from '../../../server/quorum/forwarded-request';
import { decodePeerMessage, encodePeerMessage, type PeerMessage } from '../../../server/quorum/peer-codec';
import { Role } from '../../../server/zab/role';
import { CreateMode, OpCode } from '../../../src/protocol/constants';
import { Ids } from '../../../src/protocol/data';
import { ProtocolError } from '../../../src/protocol/errors';
import { Reader } from '../../../src/protocol/reader';
import { Writer } from '../../../src/protocol/writer';

const link = { from: 1, to: 2, link: 77, sequence: 5 };
const samples: PeerMessage[] = [
  {
    kind: 'notification',
    from: 1,
    to: 3,
    state: Role.LOOKING,
    vote: { leader: 3, zxid: 0x2_0000_0007n, peerEpoch: 2 },
    electionEpoch: 9,
  },
  {
    kind: 'notification',
    from: 4,
    to: 1,
    state: Role.OBSERVING,
    vote: { leader: -1, zxid: -1n, peerEpoch: -1 },
    electionEpoch: 0,
  },
  { ...link, kind: 'followerinfo', acceptedEpoch: 0xffff_fffe },
  { ...link, kind: 'observerinfo', acceptedEpoch: 3 },
  { ...link, kind: 'leaderinfo', epoch: 4 },
  { ...link, kind: 'ackepoch', currentEpoch: 3, lastZxid: 0x3_0000_0010n },
  { ...link, kind: 'diff', zxid: 0x3_0000_0010n },
  { ...link, kind: 'trunc', zxid: 0x3_0000_0001n },
  { ...link, kind: 'snap', snapshot: { zxid: 0x3_0000_0002n, data: Buffer.from('tree bytes') } },
  { ...link, kind: 'proposal', entry: { zxid: 0x4_0000_0001n, data: Buffer.from([1, 2, 3]) } },
  { ...link, kind: 'commit', zxid: 0x4_0000_0001n },
  { ...link, kind: 'inform', entry: { zxid: 0x4_0000_0002n, data: Buffer.alloc(0) } },
  { ...link, kind: 'newleader', epoch: 4 },
  { ...link, kind: 'uptodate' },
  { ...link, kind: 'ack', zxid: 0x4_0000_0000n },
  {
    ...link,
    kind: 'ping',
    touches: [
      { sessionId: -0x7f00_0000_0000_0001n, timeoutMs: 4000 },
      { sessionId: 5n, timeoutMs: 1 },
    ],
  },
  { ...link, kind: 'request', data: Buffer.from('forwarded') },
  { ...link, kind: 'syncrequest' },
  { ...link, kind: 'sync' },
];

function roundTrip(message: PeerMessage): PeerMessage {
  const writer = new Writer();
  encodePeerMessage(writer, message);
  const reader = new Reader(writer.finish());
  const decoded = decodePeerMessage(reader);
  expect(reader.remaining).toBe(0);
  return decoded;
}

describe('peer codec', () => {
  it.each(samples.map((message) => [message.kind, message] as const))('round-trips %s', (_kind, message) => {
    expect(roundTrip(message)).toEqual(message);
  });

  it('speaks Apache packet types for sync: the request rides a REQUEST (1), the answer is SYNC (7)', () => {
    for (const [kind, tag] of [
      ['syncrequest', 1],
      ['sync', 7],
    ] as const) {
      const writer = new Writer();
      encodePeerMessage(writer, { ...link, kind });
      expect(writer.finish().readInt32BE(0)).toBe(tag);
    }
  });

  it('rejects an unknown tag and truncated bytes with ProtocolError', () => {
    const writer = new Writer();
    writer.int(99).int(1).int(2);
    expect(() => decodePeerMessage(new Reader(writer.finish()))).toThrow(ProtocolError);
    const full = new Writer();
    encodePeerMessage(full, samples[9] as PeerMessage);
    const bytes = full.finish();
    for (let length = 0; length < bytes.length; length++) {
      expect(() => decodePeerMessage(new Reader(bytes.subarray(0, length)))).toThrow(ProtocolError);
    }
  });
});

describe('forwarded requests', () => {
  const forwarded: Forwarded[] = [
    { kind: 'sync' },
    {
      kind: 'write',
      sessionId: 0x0100_0000_0000_0001n,
      cxid: 7,
      authIds: [
        { scheme: 'ip', id: '127.0.0.1' },
        { scheme: 'digest', id: 'user:abc=' },
      ],
      write: {
        type: OpCode.create,
        request: {
          path: '/a',
          data: Buffer.from('x'),
          acl: [...Ids.OPEN_ACL_UNSAFE],
          flags: CreateMode.EPHEMERAL,
        },
      },
    },
    {
      kind: 'write',
      sessionId: 5n,
      cxid: 0,
      authIds: [],
      write: { type: OpCode.createSession, request: { timeOut: 4000 } },
    },
    { kind: 'write', sessionId: 5n, cxid: 9, authIds: [], write: { type: OpCode.closeSession } },
    {
      kind: 'write',
      sessionId: 5n,
      cxid: 10,
      authIds: [],
      write: { type: OpCode.setData, request: { path: '/a', data: null, version: -1 } },
    },
    {
      kind: 'write',
      sessionId: 5n,
      cxid: 11,
      authIds: [],
      write: { type: OpCode.delete, request: { path: '/a', version: 3 } },
    },
    {
      kind: 'write',
      sessionId: 5n,
      cxid: 12,
      authIds: [],
      write: { type: OpCode.deleteContainer, request: { path: '/c' }, fromClient: true },
    },
    {
      kind: 'write',
      sessionId: 5n,
      cxid: 13,
      authIds: [],
      write: {
        type: OpCode.multi,
        request: {
          ops: [
            { type: OpCode.check, request: { path: '/a', version: 1 } },
            { type: OpCode.delete, request: { path: '/a', version: -1 } },
          ],
        },
      },
    },
  ];
  it.each(forwarded.map((value) => [value.kind === 'write' ? value.write.type : 'sync', value] as const))(
    'round-trips %s',
    (_name, value) => {
      expect(decodeForwarded(encodeForwarded(value))).toEqual(value);
    },
  );

  it('rejects a read opcode and trailing bytes', () => {
    const writer = new Writer();
    writer.int(1).long(1n).int(1).int(0).int(OpCode.getData);
    expect(() => decodeForwarded(writer.finish())).toThrow(ProtocolError);
    const bytes = Buffer.concat([encodeForwarded({ kind: 'sync' }), Buffer.from([0])]);
    expect(() => decodeForwarded(bytes)).toThrow(ProtocolError);
  });
});

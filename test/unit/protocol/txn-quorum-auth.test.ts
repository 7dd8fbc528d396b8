import { describe, expect, it } from 'vitest';
import { digestId, javaRandomBytes, sessionPassword } from '../../../src/protocol/auth';
import { OpCode } from '../../../src/protocol/constants';
import { Ids } from '../../../src/protocol/data';
import { ProtocolError } from '../../../src/protocol/errors';
import * as quorum from '../../../src/protocol/quorum';
import { decodeWith, Reader } from '../../../src/protocol/reader';
import * as txn from '../../../src/protocol/txn';
import { encodeWith } from '../../../src/protocol/writer';
import { acl, txnValues } from './samples';

function hex(value: string): Buffer {
  return Buffer.from(value, 'hex');
}

describe('txn', () => {
  it('decodes every txn type by header type', () => {
    for (const value of txnValues) {
      const bytes = encodeWith(value, txn.encodeTxn);
      const reader = new Reader(bytes);
      expect(txn.decodeTxn(value.type, reader)).toStrictEqual(value);
      expect(reader.remaining).toBe(0);
    }
  });

  it('rejects an unknown txn type with ProtocolError unknown-type', () => {
    expect(() => txn.decodeTxn(OpCode.getData, new Reader(Buffer.alloc(8)))).toThrow(ProtocolError);
    expect(() => txn.decodeTxn(99, new Reader(Buffer.alloc(8)))).toThrow(/unknown txn type 99/);
  });

  it('converts Txn[] to a MultiTxn whose inner bytes are the body records, and back', () => {
    const inner = txnValues.filter((value) => value.type !== OpCode.multi);
    const multi = txn.multiTxnFromTxns(inner);
    expect(multi.txns.map((entry) => entry.type)).toStrictEqual(inner.map((value) => value.type));
    expect(multi.txns[0]!.data.equals(encodeWith(inner[0]!.body as txn.CreateTxn, txn.encodeCreateTxn))).toBe(
      true,
    );
    expect(txn.txnsFromMultiTxn(multi)).toStrictEqual(inner);
  });

  it('rejects inner bytes that do not fill exactly one body, and nested multis', () => {
    const trailing = { txns: [{ type: OpCode.error, data: hex('fffffffe00') }] };
    expect(() => txn.txnsFromMultiTxn(trailing)).toThrow(ProtocolError);
    const nested = { txns: [{ type: OpCode.multi, data: hex('00000000') }] };
    expect(() => txn.txnsFromMultiTxn(nested)).toThrow(ProtocolError);
  });

  it('matches the bytes of an Apache txn-log entry: TxnHeader + MultiTxn + TxnDigest', () => {
    const expected =
      '00000000000012340000000700000002000000030000018bcfe568000000000e00000003000000010000002b000000022f6d0000000164000000010000001f00000005776f726c6400000006616e796f6e6501000000020000000d0000000a000000022f6d00000001ffffffff00000004fffffffe000000020000000000000063';
    const inner: txn.Txn[] = [
      {
        type: OpCode.create,
        body: {
          path: '/m',
          data: Buffer.from('d'),
          acl: [...Ids.OPEN_ACL_UNSAFE],
          ephemeral: true,
          parentCVersion: 2,
        },
      },
      { type: OpCode.check, body: { path: '/m', version: 1 } },
      { type: OpCode.error, body: { err: -2 } },
    ];
    const entry: txn.TxnEntry = {
      header: { clientId: 0x1234n, cxid: 7, zxid: 0x200000003n, time: 1700000000000n, type: OpCode.multi },
      txn: { type: OpCode.multi, body: txn.multiTxnFromTxns(inner) },
      digest: { version: 2, treeDigest: 99n },
    };
    expect(encodeWith(entry, txn.encodeTxnEntry).toString('hex')).toBe(expected);
    const decoded = decodeWith(hex(expected), txn.decodeTxnEntry, 'entry');
    expect(decoded).toStrictEqual(entry);
    expect(txn.txnsFromMultiTxn(decoded.txn.body as txn.MultiTxn)).toStrictEqual(inner);
  });

  it('matches Apache bytes for CreateTTLTxn and CloseSessionTxn', () => {
    const ttl = { path: '/t', data: null, acl, parentCVersion: 4, ttl: 1000n };
    expect(encodeWith(ttl, txn.encodeCreateTTLTxn).toString('hex')).toBe(
      '000000022f74ffffffff000000020000001f00000005776f726c6400000006616e796f6e65000000010000000664696765737400000003753a680000000400000000000003e8',
    );
    expect(encodeWith({ paths2Delete: ['/e1', '/e2'] }, txn.encodeCloseSessionTxn).toString('hex')).toBe(
      '00000002000000032f6531000000032f6532',
    );
  });

  it('omits the digest key when the entry has none', () => {
    const entry: txn.TxnEntry = {
      header: { clientId: 1n, cxid: 1, zxid: 1n, time: 1n, type: OpCode.delete },
      txn: { type: OpCode.delete, body: { path: '/a' } },
    };
    const decoded = decodeWith(encodeWith(entry, txn.encodeTxnEntry), txn.decodeTxnEntry, 'entry');
    expect('digest' in decoded).toBe(false);
    expect(encodeWith(entry, txn.encodeTxnEntry).length).toBe(txn.TXN_HEADER_BYTES + 6);
  });
});

describe('quorum', () => {
  it('has Apache Leader packet type numbers', () => {
    expect(quorum.QuorumPacketType).toStrictEqual({
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
    });
  });

  it('matches Apache bytes for QuorumPacket and LearnerInfo', () => {
    const packet = {
      type: 1,
      zxid: -1n,
      data: Buffer.from([9, 8]),
      authinfo: [{ scheme: 'ip', id: '127.0.0.1' }],
    };
    expect(encodeWith(packet, quorum.encodeQuorumPacket).toString('hex')).toBe(
      '00000001ffffffffffffffff00000002090800000001000000026970000000093132372e302e302e31',
    );
    // Apache writes a null authinfo as count -1; it reads back as no ids.
    const nullAuth = decodeWith(
      hex('000000050000000100000000ffffffffffffffff'),
      quorum.decodeQuorumPacket,
      'qp',
    );
    expect(nullAuth).toStrictEqual({ type: 5, zxid: 0x100000000n, data: null, authinfo: [] });
    const info = { serverid: 3n, protocolVersion: quorum.QUORUM_PROTOCOL_VERSION, configVersion: -1n };
    expect(encodeWith(info, quorum.encodeLearnerInfo).toString('hex')).toBe(
      '000000000000000300010000ffffffffffffffff',
    );
  });

  it('measures a packet on a stream only once all of it is there', () => {
    const packet = {
      type: 2,
      zxid: 7n,
      data: Buffer.alloc(30, 1),
      authinfo: [{ scheme: 'ip', id: '127.0.0.1' }],
    };
    const bytes = encodeWith(packet, quorum.encodeQuorumPacket);
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(quorum.measureQuorumPacket(bytes.subarray(0, cut), 1000)).toBeUndefined();
    }
    expect(quorum.measureQuorumPacket(bytes, 1000)).toBe(bytes.length);
    const twoPackets = Buffer.concat([bytes, bytes]);
    expect(quorum.measureQuorumPacket(twoPackets, 1000)).toBe(bytes.length);
    expect(() => quorum.measureQuorumPacket(bytes, 10)).toThrow(ProtocolError);
    const nullAuth = hex('000000050000000100000000ffffffffffffffff');
    expect(quorum.measureQuorumPacket(nullAuth, 10)).toBe(20);
  });

  it('builds LEADERINFO and ACKEPOCH payloads', () => {
    expect(quorum.encodeLeaderInfoData().toString('hex')).toBe('00010000');
    expect(quorum.decodeLeaderInfoData(hex('00010000'))).toBe(0x10000);
    expect(quorum.decodeAckEpochData(quorum.encodeAckEpochData(-1))).toBe(-1);
    expect(() => quorum.decodeAckEpochData(null)).toThrow(ProtocolError);
    expect(() => quorum.decodeAckEpochData(hex('0001'))).toThrow(ProtocolError);
  });

  it('matches FastLeaderElection.buildMsg bytes (44 + config, and the 40-byte form)', () => {
    const current = {
      state: quorum.ServerState.LOOKING,
      leader: 2n,
      zxid: 0x100000004n,
      electionEpoch: 3n,
      peerEpoch: 1n,
      version: quorum.NOTIFICATION_VERSION,
      config: Buffer.from('server.1=h:1:2\nversion=0'),
    };
    expect(encodeWith(current, quorum.encodeNotification).toString('hex')).toBe(
      '00000000000000000000000200000001000000040000000000000003000000000000000100000002000000187365727665722e313d683a313a320a76657273696f6e3d30',
    );
    const legacy40 = hex('00000002000000000000000100000000000000050000000000000006000000000000000700000001');
    expect(decodeWith(legacy40, quorum.decodeNotification, 'n')).toStrictEqual({
      state: 2,
      leader: 1n,
      zxid: 5n,
      electionEpoch: 6n,
      peerEpoch: 7n,
      version: 1,
      config: Buffer.alloc(0),
    });
  });

  it('reads the 28-byte legacy notification with peerEpoch taken from the zxid', () => {
    const legacy28 = legacy28Notification();
    const decoded = decodeWith(legacy28, quorum.decodeNotification, 'n');
    expect(decoded.peerEpoch).toBe(5n);
    expect(decoded.version).toBe(0);
    expect(() => decodeWith(legacy28.subarray(0, 27), quorum.decodeNotification, 'n')).toThrow(ProtocolError);
  });

  it('rejects a notification config length of -1 or past the end', () => {
    const head = hex('00000000000000000000000200000001000000040000000000000003000000000000000100000002');
    expect(() => decodeWith(Buffer.concat([head, hex('ffffffff')]), quorum.decodeNotification, 'n')).toThrow(
      ProtocolError,
    );
    expect(() =>
      decodeWith(Buffer.concat([head, hex('7fffffff00')]), quorum.decodeNotification, 'n'),
    ).toThrow(ProtocolError);
  });

  it('rejects an election header address list over 2048 bytes or empty', () => {
    const header = (length: number) => {
      const bytes = Buffer.alloc(20 + Math.max(length, 0));
      bytes.writeBigInt64BE(-65536n, 0);
      bytes.writeBigInt64BE(1n, 8);
      bytes.writeInt32BE(length, 16);
      return bytes;
    };
    expect(decodeWith(header(2048), quorum.decodeElectionConnectHeader, 'h').addresses.length).toBe(2048);
    expect(() => decodeWith(header(2049), quorum.decodeElectionConnectHeader, 'h')).toThrow(ProtocolError);
    expect(() => decodeWith(header(0), quorum.decodeElectionConnectHeader, 'h')).toThrow(ProtocolError);
  });
});

function legacy28Notification(): Buffer {
  // state 2, leader 1, zxid 0x500000001, electionEpoch 6.
  return hex('00000002000000000000000100000005000000010000000000000006');
}

describe('auth', () => {
  it('derives digest ids as Apache does', () => {
    expect(digestId('super:secret')).toBe('super:lK75jTNcA+U9vtVEw5vB51mj/w4=');
    // Only the first ':' splits the user from the password.
    expect(digestId('al:ice:pw')).toBe('al:U3xjDXoL1y7C5TStdiGTQtLB3XM=');
  });

  it('derives session passwords byte for byte as java.util.Random does', () => {
    // From `new Random(id ^ 0xB3415C00L).nextBytes(new byte[16])` on a real JVM.
    const expected: [bigint, string][] = [
      [0n, 'f22acd4a97e69d6d20a49bb638eadb38'],
      [1n, '054cc74a37327db215e702e20c73f005'],
      [0x0100000000000000n, 'f22acd4a97e69d6d20a49bb638eadb38'],
      [0x01000185e1b2c3d4n, '4f95cffa3801f7aafbd5c3b5d35a9290'],
      [-1n, '20f62cb5648dc2d771471c8a2486a9ee'],
      [-0x8000000000000000n, 'f22acd4a97e69d6d20a49bb638eadb38'],
      [0x7fffffffffffffffn, '20f62cb5648dc2d771471c8a2486a9ee'],
      [0xb3415c00n, '60b420bb3851d9d47acb933dbe70399b'],
    ];
    for (const [sessionId, bytes] of expected) {
      expect(sessionPassword(sessionId).toString('hex'), `session ${sessionId}`).toBe(bytes);
    }
  });

  it('emits a partial last int low byte first', () => {
    expect(javaRandomBytes(42n, 7).toString('hex')).toBe('359d41baf78afe');
    expect(javaRandomBytes(42n, 0).length).toBe(0);
  });
});

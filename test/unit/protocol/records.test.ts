import { describe, expect, it } from 'vitest';
import { Ids, OpCode, Xid } from '../../../src/protocol';
import { ProtocolError } from '../../../src/protocol/errors';
import { FrameDecoder } from '../../../src/protocol/framing';
import * as multi from '../../../src/protocol/multi';
import { decodeWith, Reader } from '../../../src/protocol/reader';
import * as records from '../../../src/protocol/records';
import { encodeWith, Writer } from '../../../src/protocol/writer';
import { acl, recordSamples, stat } from './samples';

/** Encodes `value`, decodes it back, and checks the decoder consumed exactly every byte. */
function roundTrip(
  encode: (writer: Writer, value: never) => void,
  decode: (reader: Reader) => unknown,
  value: unknown,
) {
  const bytes = encodeWith(value as never, encode);
  const reader = new Reader(bytes);
  const decoded = decode(reader);
  expect(reader.remaining).toBe(0);
  return { bytes, decoded };
}

function hex(value: string): Buffer {
  return Buffer.from(value, 'hex');
}

describe('records: round trip', () => {
  for (const sample of recordSamples) {
    it(`${sample.name} decodes to what was encoded, consuming every byte`, () => {
      expect(sample.values.length).toBeGreaterThan(0);
      for (const value of sample.values) {
        const { bytes, decoded } = roundTrip(sample.encode, sample.decode, value);
        expect(decoded).toStrictEqual(value);
        // Re-encoding the decoded value gives the same bytes.
        expect(encodeWith(decoded as never, sample.encode).equals(bytes)).toBe(true);
      }
    });
  }

  it('keeps a null buffer distinct from an empty one', () => {
    const nullData = encodeWith({ path: '/a', data: null, version: 0 }, records.encodeSetDataRequest);
    const emptyData = encodeWith(
      { path: '/a', data: Buffer.alloc(0), version: 0 },
      records.encodeSetDataRequest,
    );
    expect(nullData.subarray(6, 10).toString('hex')).toBe('ffffffff');
    expect(emptyData.subarray(6, 10).toString('hex')).toBe('00000000');
    expect(decodeWith(nullData, records.decodeSetDataRequest, 'x').data).toBeNull();
    expect(decodeWith(emptyData, records.decodeSetDataRequest, 'x').data).toStrictEqual(Buffer.alloc(0));
  });

  it('reads a null string vector as empty', () => {
    const bytes = hex('ffffffff');
    expect(decodeWith(bytes, records.decodeGetChildrenResponse, 'x')).toStrictEqual({ children: [] });
  });
});

describe('records: connect handshake', () => {
  const request: records.ConnectRequest = {
    protocolVersion: 0,
    lastZxidSeen: 0x100000005n,
    timeOut: 30000,
    sessionId: 0x1234n,
    passwd: Buffer.alloc(16),
    readOnly: true,
  };

  it('is 45 bytes with the readOnly byte and 44 without', () => {
    expect(encodeWith(request, records.encodeConnectRequest).length).toBe(45);
    expect(encodeWith({ ...request, readOnly: undefined }, records.encodeConnectRequest).length).toBe(44);
    const response = {
      protocolVersion: 0,
      timeOut: 1,
      sessionId: 1n,
      passwd: Buffer.alloc(16),
      readOnly: false,
    };
    expect(encodeWith(response, records.encodeConnectResponse).length).toBe(37);
    expect(encodeWith({ ...response, readOnly: undefined }, records.encodeConnectResponse).length).toBe(36);
  });

  it('decodes a legacy request without readOnly as undefined', () => {
    const legacy = encodeWith({ ...request, readOnly: undefined }, records.encodeConnectRequest);
    const decoded = decodeWith(legacy, records.decodeConnectRequest, 'connect');
    expect(decoded.readOnly).toBeUndefined();
    expect('readOnly' in decoded).toBe(true);
  });

  it('treats any non-zero readOnly byte as true', () => {
    const bytes = encodeWith({ ...request, readOnly: false }, records.encodeConnectRequest);
    bytes[44] = 0x7f;
    expect(decodeWith(bytes, records.decodeConnectRequest, 'connect').readOnly).toBe(true);
  });
});

describe('records: bytes match Apache ZooKeeper 3.8 jute', () => {
  // Produced by serialising the same values with Apache's own record classes.
  const golden: [string, (writer: Writer, value: never) => void, unknown, string][] = [
    [
      'ConnectRequest',
      records.encodeConnectRequest,
      {
        protocolVersion: 0,
        lastZxidSeen: 0x100000005n,
        timeOut: 30000,
        sessionId: 0x1234n,
        passwd: Buffer.alloc(16),
        readOnly: true,
      },
      '000000000000000100000005000075300000000000001234000000100000000000000000000000000000000001',
    ],
    [
      'ConnectResponse',
      records.encodeConnectResponse,
      {
        protocolVersion: 0,
        timeOut: 4000,
        sessionId: 0x1234n,
        passwd: Buffer.from([1, 2, 3]),
        readOnly: false,
      },
      '0000000000000fa000000000000012340000000301020300',
    ],
    [
      'CreateRequest',
      records.encodeCreateRequest,
      { path: '/a', data: Buffer.from('hi'), acl, flags: 3 },
      '000000022f61000000026869000000020000001f00000005776f726c6400000006616e796f6e65000000010000000664696765737400000003753a6800000003',
    ],
    [
      'CreateRequest (null data)',
      records.encodeCreateRequest,
      { path: '/a', data: null, acl, flags: 0 },
      '000000022f61ffffffff000000020000001f00000005776f726c6400000006616e796f6e65000000010000000664696765737400000003753a6800000000',
    ],
    [
      'CreateTTLRequest',
      records.encodeCreateTTLRequest,
      { path: '/t', data: Buffer.alloc(0), acl, flags: 5, ttl: 1000n },
      '000000022f7400000000000000020000001f00000005776f726c6400000006616e796f6e65000000010000000664696765737400000003753a680000000500000000000003e8',
    ],
    [
      'GetChildren2Response',
      records.encodeGetChildren2Response,
      { children: ['x', 'y'], stat },
      '000000020000000178000000017900000000000000010000000000000002000000000000000300000000000000040000000500000006000000070000000000000008000000090000000a000000000000000b',
    ],
    [
      'SetWatches2',
      records.encodeSetWatches2,
      {
        relativeZxid: 9n,
        dataWatches: ['/d'],
        existWatches: ['/e'],
        childWatches: ['/c'],
        persistentWatches: ['/p'],
        persistentRecursiveWatches: ['/r'],
      },
      '000000000000000900000001000000022f6400000001000000022f6500000001000000022f6300000001000000022f7000000001000000022f72',
    ],
    [
      'ReconfigRequest',
      records.encodeReconfigRequest,
      { joiningServers: 'server.1=a:1:2', leavingServers: null, newMembers: null, curConfigId: -1n },
      '0000000e7365727665722e313d613a313a32ffffffffffffffffffffffffffffffff',
    ],
    [
      'WhoAmIResponse',
      records.encodeWhoAmIResponse,
      {
        clientInfo: [
          { authScheme: 'ip', user: '127.0.0.1' },
          { authScheme: 'digest', user: 'u' },
        ],
      },
      '00000002000000026970000000093132372e302e302e31000000066469676573740000000175',
    ],
    [
      'WatcherEvent',
      records.encodeWatcherEvent,
      { type: 3, state: 3, path: '/w' },
      '0000000300000003000000022f77',
    ],
    [
      'MultiRequest (multiRead)',
      multi.encodeMultiRequest,
      {
        ops: [
          { type: OpCode.getData, request: { path: '/g', watch: false } },
          { type: OpCode.getChildren, request: { path: '/h', watch: false } },
        ],
      },
      '0000000400ffffffff000000022f67000000000800ffffffff000000022f6800ffffffff01ffffffff',
    ],
    [
      'MultiRequest',
      multi.encodeMultiRequest,
      {
        ops: [
          {
            type: OpCode.create,
            request: { path: '/m', data: Buffer.from('d'), acl: [...Ids.OPEN_ACL_UNSAFE], flags: 3 },
          },
          {
            type: OpCode.createTTL,
            request: { path: '/m2', data: null, acl: [...Ids.OPEN_ACL_UNSAFE], flags: 5, ttl: 500n },
          },
          {
            type: OpCode.createContainer,
            request: { path: '/c', data: Buffer.alloc(0), acl: [...Ids.OPEN_ACL_UNSAFE], flags: 4 },
          },
          { type: OpCode.delete, request: { path: '/m', version: 3 } },
          { type: OpCode.setData, request: { path: '/m', data: Buffer.from('x'), version: -1 } },
          { type: OpCode.check, request: { path: '/m', version: 7 } },
        ],
      },
      '0000000100ffffffff000000022f6d0000000164000000010000001f00000005776f726c6400000006616e796f6e65000000030000001500ffffffff000000032f6d32ffffffff000000010000001f00000005776f726c6400000006616e796f6e650000000500000000000001f40000001300ffffffff000000022f6300000000000000010000001f00000005776f726c6400000006616e796f6e65000000040000000200ffffffff000000022f6d000000030000000500ffffffff000000022f6d0000000178ffffffff0000000d00ffffffff000000022f6d00000007ffffffff01ffffffff',
    ],
    [
      'MultiResponse',
      multi.encodeMultiResponse,
      {
        results: [
          { type: OpCode.create, path: '/m0000000001' },
          { type: OpCode.create2, path: '/m2', stat },
          { type: OpCode.delete },
          { type: OpCode.setData, stat },
          { type: OpCode.check },
          { type: OpCode.getData, data: Buffer.from('v'), stat },
          { type: OpCode.getChildren, children: ['k'] },
          { type: OpCode.error, err: -101 },
        ],
      },
      '0000000100000000000000000c2f6d303030303030303030310000000f0000000000000000032f6d3200000000000000010000000000000002000000000000000300000000000000040000000500000006000000070000000000000008000000090000000a000000000000000b00000002000000000000000005000000000000000000000000010000000000000002000000000000000300000000000000040000000500000006000000070000000000000008000000090000000a000000000000000b0000000d0000000000000000040000000000000000017600000000000000010000000000000002000000000000000300000000000000040000000500000006000000070000000000000008000000090000000a000000000000000b00000008000000000000000001000000016bffffffff00ffffff9bffffff9bffffffff01ffffffff',
    ],
  ];
  for (const [name, encode, value, expected] of golden) {
    it(name, () => {
      expect(encodeWith(value as never, encode).toString('hex')).toBe(expected);
    });
  }
});

describe('records: multi', () => {
  it('rejects an unknown op type with ProtocolError unknown-type', () => {
    const bytes = hex('0000000200ffffffff000000022f61ffffffff0000006300ffffffff');
    // op 2 (delete /a, version -1) then op type 99.
    const error = captureError(() => decodeWith(bytes, multi.decodeMultiRequest, 'multi'));
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).kind).toBe('unknown-type');
  });

  it('rejects an unknown result type with ProtocolError unknown-type', () => {
    const bytes = hex('0000000700000000000000000000');
    const error = captureError(() => decodeWith(bytes, multi.decodeMultiResponse, 'multi'));
    expect((error as ProtocolError).kind).toBe('unknown-type');
  });

  it('fails on a multi without a terminator', () => {
    const bytes = encodeWith({ path: '/a', version: 1 }, records.encodeDeleteRequest);
    const withHeader = Buffer.concat([hex('0000000200ffffffff'), bytes]);
    expect(() => decodeWith(withHeader, multi.decodeMultiRequest, 'multi')).toThrow(ProtocolError);
  });

  it('tells a read multi from a write multi', () => {
    expect(
      multi.isReadOnlyMulti({ ops: [{ type: OpCode.getData, request: { path: '/a', watch: false } }] }),
    ).toBe(true);
    expect(
      multi.isReadOnlyMulti({ ops: [{ type: OpCode.check, request: { path: '/a', version: 1 } }] }),
    ).toBe(false);
  });
});

describe('records: codec tables', () => {
  const bodyless: number[] = [OpCode.ping, OpCode.whoAmI, OpCode.closeSession, OpCode.notification];
  it('has a request codec for every opcode except ping, whoAmI, closeSession, notification and the txn-only types', () => {
    const txnOnly: number[] = [OpCode.createSession, OpCode.error];
    for (const code of Object.values(OpCode)) {
      const expected = !bodyless.includes(code) && !txnOnly.includes(code);
      expect(records.isRequestOpCode(code), `opcode ${code}`).toBe(expected);
      expect(records.requestCodecFor(code) !== undefined).toBe(expected);
    }
    expect(records.requestCodecFor(10)).toBeUndefined();
    expect(records.requestCodecFor(-999)).toBeUndefined();
  });

  it('maps the create family to the right response records', () => {
    expect(records.responseCodecs[OpCode.create].decode).toBe(records.decodeCreateResponse);
    expect(records.responseCodecs[OpCode.create2].decode).toBe(records.decodeCreate2Response);
    expect(records.responseCodecs[OpCode.createContainer].decode).toBe(records.decodeCreate2Response);
    expect(records.responseCodecs[OpCode.createTTL].decode).toBe(records.decodeCreate2Response);
    expect(records.responseCodecs[OpCode.reconfig].decode).toBe(records.decodeGetDataResponse);
    expect(records.responseCodecFor(OpCode.delete)).toBeUndefined();
    expect(records.responseCodecFor(OpCode.setWatches)).toBeUndefined();
    expect(records.responseCodecFor(OpCode.addWatch)?.decode(new Reader(hex('00000000')))).toStrictEqual({
      err: 0,
    });
  });

  it('round-trips a multi through the table (the arrow-wrapped entry)', () => {
    const value = {
      ops: [{ type: OpCode.delete, request: { path: '/a', version: 1 } }],
    } as multi.MultiRequest;
    const codec = records.requestCodecs[OpCode.multiRead];
    expect(decodeWith(encodeWith(value, codec.encode), codec.decode, 'multi')).toStrictEqual(value);
    const response = { results: [{ type: OpCode.error, err: -2 }] } as multi.MultiResponse;
    const responseCodec = records.responseCodecs[OpCode.multi];
    expect(
      decodeWith(encodeWith(response, responseCodec.encode), responseCodec.decode, 'multi'),
    ).toStrictEqual(response);
  });
});

describe('records: frame writers', () => {
  it('writes a request frame that FrameDecoder and the header decoder read back', () => {
    const writer = new Writer(4);
    records.writeRequest(writer, 7, OpCode.getData, { path: '/x', watch: true });
    records.writeRequestFrame(writer, { xid: Xid.ping, type: OpCode.ping });
    const bytes = writer.finish();
    expect(bytes.toString('hex')).toBe('0000000f0000000700000004000000022f780100000008fffffffe0000000b');
    const decoder = new FrameDecoder();
    decoder.push(bytes);
    const first = new Reader(decoder.next()!);
    expect(records.decodeRequestHeader(first)).toStrictEqual({ xid: 7, type: OpCode.getData });
    expect(records.decodeGetDataRequest(first)).toStrictEqual({ path: '/x', watch: true });
    expect(first.remaining).toBe(0);
    expect(decodeWith(decoder.next()!, records.decodeRequestHeader, 'ping')).toStrictEqual({
      xid: -2,
      type: 11,
    });
    expect(decoder.next()).toBeUndefined();
  });

  it('writes reply frames with and without a body', () => {
    const writer = new Writer();
    records.writeReplyFrame(writer, { xid: -1, zxid: 5n, err: 0 }, (inner) =>
      records.encodeWatcherEvent(inner, { type: 1, state: 3, path: '/a' }),
    );
    records.writeReplyFrame(writer, { xid: 3, zxid: 5n, err: -101 });
    const bytes = writer.finish();
    expect(bytes.readInt32BE(0)).toBe(16 + 14);
    expect(bytes.readInt32BE(4 + 30)).toBe(16);
    expect(bytes.length).toBe(4 + 30 + 4 + 16);
  });

  it('writes connect frames without a header', () => {
    const writer = new Writer();
    records.writeConnectRequestFrame(writer, {
      protocolVersion: 0,
      lastZxidSeen: 0n,
      timeOut: 30000,
      sessionId: 0n,
      passwd: Buffer.alloc(16),
      readOnly: false,
    });
    records.writeConnectResponseFrame(writer, {
      protocolVersion: 0,
      timeOut: 30000,
      sessionId: 1n,
      passwd: Buffer.alloc(16),
      readOnly: undefined,
    });
    const bytes = writer.finish();
    expect(bytes.readInt32BE(0)).toBe(45);
    expect(bytes.readInt32BE(49)).toBe(36);
    expect(bytes.length).toBe(49 + 40);
  });
});

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

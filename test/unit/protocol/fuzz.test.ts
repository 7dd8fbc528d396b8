import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpCode } from '../../../src/protocol/constants';
import { ProtocolError } from '../../../src/protocol/errors';
import { FrameDecoder } from '../../../src/protocol/framing';
import * as quorum from '../../../src/protocol/quorum';
import { decodeWith, Reader } from '../../../src/protocol/reader';
import * as records from '../../../src/protocol/records';
import * as txn from '../../../src/protocol/txn';
import { encodeWith } from '../../../src/protocol/writer';
import { recordSamples } from './samples';

const RUNS_PER_DECODER = 2000;
const SEED = 20240517;

/** Values that stress length fields when written over an int. */
const nastyInts = [0x7fffffff, -1, -2, 0x80000000 | 0, 0x10000, 0];

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'overwrite-int'; at: number; value: number }
  | { kind: 'insert-int'; at: number; value: number }
  | { kind: 'append'; bytes: Uint8Array };

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('overwrite-int' as const),
    at: fc.nat(),
    value: fc.constantFrom(...nastyInts),
  }),
  fc.record({ kind: fc.constant('insert-int' as const), at: fc.nat(), value: fc.constantFrom(...nastyInts) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ maxLength: 8 }) }),
);

function mutate(original: Buffer, mutations: Mutation[]): Buffer {
  let bytes = Buffer.from(original);
  for (const mutation of mutations) {
    const at = bytes.length === 0 ? 0 : ((mutation as { at?: number }).at ?? 0);
    const position = bytes.length === 0 ? 0 : at % bytes.length;
    switch (mutation.kind) {
      case 'flip':
        if (bytes.length > 0) bytes[position] = (bytes[position] ?? 0) ^ (1 << mutation.bit);
        break;
      case 'truncate':
        bytes = bytes.subarray(0, position);
        break;
      case 'overwrite-int':
        if (bytes.length >= 4) bytes.writeInt32BE(mutation.value, Math.min(position, bytes.length - 4));
        break;
      case 'insert-int': {
        const int = Buffer.alloc(4);
        int.writeInt32BE(mutation.value, 0);
        bytes = Buffer.concat([bytes.subarray(0, position), int, bytes.subarray(position)]);
        break;
      }
      case 'append':
        bytes = Buffer.concat([bytes, mutation.bytes]);
        break;
    }
  }
  return bytes;
}

/** Runs `decode`; anything thrown other than a ProtocolError fails the property. */
function decodesOrProtocolError(decode: (bytes: Buffer) => unknown, bytes: Buffer): boolean {
  try {
    decode(bytes);
    return true;
  } catch (error) {
    if (error instanceof ProtocolError) return true;
    throw error;
  }
}

function inputs(validEncodings: Buffer[]): fc.Arbitrary<Buffer> {
  const random = fc.uint8Array({ maxLength: 200 }).map((array) => Buffer.from(array));
  if (validEncodings.length === 0) return random;
  const mutated = fc
    .tuple(fc.constantFrom(...validEncodings), fc.array(mutationArbitrary, { minLength: 1, maxLength: 4 }))
    .map(([original, mutations]) => mutate(original, mutations));
  return fc.oneof({ arbitrary: random, weight: 1 }, { arbitrary: mutated, weight: 3 });
}

function fuzz(decode: (bytes: Buffer) => unknown, validEncodings: Buffer[]): void {
  fc.assert(
    fc.property(inputs(validEncodings), (bytes) => decodesOrProtocolError(decode, bytes)),
    { numRuns: RUNS_PER_DECODER, seed: SEED },
  );
}

describe('fuzz: every decoder yields a value or a ProtocolError', () => {
  for (const sample of recordSamples) {
    it(sample.name, () => {
      const valid = sample.values.map((value) => encodeWith(value as never, sample.encode));
      fuzz((bytes) => decodeWith(bytes, sample.decode, sample.name), valid);
    });
  }

  it('request codecs by opcode, behind a request header', () => {
    const valid = [
      encodeWith({ xid: 1, type: OpCode.create }, records.encodeRequestHeader),
      encodeWith({ xid: 1, type: OpCode.multi }, records.encodeRequestHeader),
    ];
    fuzz((bytes) => {
      const reader = new Reader(bytes);
      const header = records.decodeRequestHeader(reader);
      const codec = records.requestCodecFor(header.type);
      if (codec !== undefined) codec.decode(reader);
      reader.expectEnd('request');
    }, valid);
  });

  it('response codecs by opcode', () => {
    fuzz((bytes) => {
      const reader = new Reader(bytes);
      const type = reader.int();
      records.responseCodecFor(type)?.decode(reader);
    }, []);
  });

  it('decodeTxn for every txn type, and MultiTxn inner txns', () => {
    const types = [...new Set(Object.values(OpCode))];
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.uint8Array({ maxLength: 120 }), (type, array) =>
        decodesOrProtocolError(
          (bytes) => decodeWith(bytes, (reader) => txn.decodeTxn(type, reader), 'txn'),
          Buffer.from(array),
        ),
      ),
      { numRuns: RUNS_PER_DECODER, seed: SEED },
    );
    const multiSample = recordSamples.find((sample) => sample.name === 'MultiTxn')!;
    const valid = multiSample.values.map((value) => encodeWith(value as never, multiSample.encode));
    fuzz((bytes) => txn.txnsFromMultiTxn(decodeWith(bytes, txn.decodeMultiTxn, 'multi txn')), valid);
  });

  it('measureQuorumPacket never reports more bytes than it was given', () => {
    const packetSample = recordSamples.find((sample) => sample.name === 'QuorumPacket')!;
    const valid = packetSample.values.map((value) => encodeWith(value as never, packetSample.encode));
    fuzz((bytes) => {
      const length = quorum.measureQuorumPacket(bytes, 1 << 20);
      expect(
        length === undefined || (length >= quorum.QUORUM_PACKET_BYTES_MIN && length <= bytes.length),
      ).toBe(true);
      if (length !== undefined) decodeWith(bytes.subarray(0, length), quorum.decodeQuorumPacket, 'packet');
    }, valid);
  });

  it('FrameDecoder fed random chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (chunks) =>
        decodesOrProtocolError(() => {
          const decoder = new FrameDecoder({ frameBytesMax: 64 });
          for (const chunk of chunks) {
            decoder.push(Buffer.from(chunk));
            for (
              let frame = decoder.next(), count = 0;
              frame !== undefined && count < 1000;
              frame = decoder.next(), count++
            ) {
              expect(frame.length).toBeLessThanOrEqual(64);
            }
          }
        }, Buffer.alloc(0)),
      ),
      { numRuns: RUNS_PER_DECODER, seed: SEED },
    );
  });
});

describe('fuzz: huge declared lengths fail fast', () => {
  const huge = Buffer.from('7fffffff0000', 'hex');
  const cases: [string, (bytes: Buffer) => unknown][] = [
    ['buffer', (bytes) => decodeWith(bytes, records.decodeGetSASLRequest, 'sasl')],
    ['string', (bytes) => decodeWith(bytes, records.decodeSyncRequest, 'sync')],
    ['string vector', (bytes) => decodeWith(bytes, records.decodeGetChildrenResponse, 'children')],
    ['ACL vector', (bytes) => decodeWith(bytes, records.decodeGetACLResponse, 'acl')],
    ['ClientInfo vector', (bytes) => decodeWith(bytes, records.decodeWhoAmIResponse, 'whoami')],
    ['MultiTxn vector', (bytes) => decodeWith(bytes, txn.decodeMultiTxn, 'multi txn')],
    ['CloseSessionTxn vector', (bytes) => decodeWith(bytes, txn.decodeCloseSessionTxn, 'close')],
  ];
  for (const [name, decode] of cases) {
    it(`${name} length 0x7fffffff in a 6-byte message is a bad-length ProtocolError`, () => {
      const started = performance.now();
      let caught: unknown;
      try {
        decode(huge);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ProtocolError);
      expect((caught as ProtocolError).kind).toBe('bad-length');
      expect(performance.now() - started).toBeLessThan(50);
    });
  }

  it('a quorum packet declaring 0x7fffffff data bytes is refused before waiting for them', () => {
    const header = Buffer.from('00000002000000000000000a7fffffff', 'hex');
    expect(() => quorum.measureQuorumPacket(header, 1 << 20)).toThrow(ProtocolError);
  });
});

import { describe, expect, it } from 'vitest';
import {
  CreateMode,
  isCreateMode,
  isEphemeral,
  isSequential,
  isTtl,
  OpCode,
  opName,
} from '../../../src/protocol/constants';
import {
  BadVersionError,
  ErrorCode,
  errorCodeName,
  fromCode,
  isErrorCode,
  NodeExistsError,
  NoNodeError,
  ProtocolError,
  SessionExpiredError,
  ThrottledOpError,
  ZooKeeperError,
} from '../../../src/protocol/errors';
import * as protocol from '../../../src/protocol/index';
import { decodeWith, Reader } from '../../../src/protocol/reader';
import { Writer } from '../../../src/protocol/writer';

describe('errors', () => {
  it('fromCode gives the code subclass, which is a ZooKeeperError and an Error', () => {
    const error = fromCode(ErrorCode.NONODE, { path: '/a', op: 'getData' });
    expect(error).toBeInstanceOf(NoNodeError);
    expect(error).toBeInstanceOf(ZooKeeperError);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(NodeExistsError);
    expect(error.code).toBe(-101);
    expect(error.codeName).toBe('NONODE');
    expect(error.path).toBe('/a');
    expect(error.op).toBe('getData');
    expect(error.name).toBe('NoNodeError');
    expect(error.message).toBe('NONODE: No node (getData /a)');
  });

  it('has a distinct subclass for every non-OK code', () => {
    const classes = new Set<unknown>();
    for (const [name, code] of Object.entries(ErrorCode)) {
      if (code === ErrorCode.OK) continue;
      const error = fromCode(code);
      expect(error.constructor).not.toBe(ZooKeeperError);
      expect(error.codeName).toBe(name);
      classes.add(error.constructor);
    }
    expect(classes.size).toBe(Object.keys(ErrorCode).length - 1);
    expect(fromCode(-103)).toBeInstanceOf(BadVersionError);
    expect(fromCode(-112)).toBeInstanceOf(SessionExpiredError);
    expect(fromCode(-127)).toBeInstanceOf(ThrottledOpError);
  });

  it('gives the base class for an unknown code', () => {
    const error = fromCode(-999);
    expect(error.constructor).toBe(ZooKeeperError);
    expect(error.code).toBe(-999);
    expect(error.codeName).toBe('UNKNOWN(-999)');
    expect(isErrorCode(-999)).toBe(false);
    expect(isErrorCode(-101)).toBe(true);
    expect(errorCodeName(-110)).toBe('NODEEXISTS');
  });

  it('keeps the cause', () => {
    const cause = new Error('socket');
    expect(fromCode(ErrorCode.CONNECTIONLOSS, { cause }).cause).toBe(cause);
  });

  it('ProtocolError carries its kind', () => {
    const error = new ProtocolError('bad-length', 'x');
    expect(error.kind).toBe('bad-length');
    expect(error.name).toBe('ProtocolError');
    expect(error).not.toBeInstanceOf(ZooKeeperError);
  });
});

describe('constants', () => {
  it('names opcodes and create modes', () => {
    expect(opName(OpCode.getChildren2)).toBe('getChildren2');
    expect(opName(55)).toBe('op55');
    expect(isCreateMode(6)).toBe(true);
    expect(isCreateMode(7)).toBe(false);
    expect(isCreateMode(1.5)).toBe(false);
    expect(isSequential(CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL)).toBe(true);
    expect(isSequential(CreateMode.CONTAINER)).toBe(false);
    expect(isEphemeral(CreateMode.EPHEMERAL_SEQUENTIAL)).toBe(true);
    expect(isTtl(CreateMode.PERSISTENT_WITH_TTL)).toBe(true);
  });
});

describe('Writer', () => {
  it('grows from one byte and keeps everything written', () => {
    const writer = new Writer(1);
    const expected: number[] = [];
    for (let index = 0; index < 1000; index++) {
      writer.int(index);
      expected.push(index);
    }
    writer.string('é'.repeat(300));
    const bytes = writer.finish();
    expect(bytes.length).toBe(4000 + 4 + 600);
    for (let index = 0; index < 1000; index++) expect(bytes.readInt32BE(index * 4)).toBe(expected[index]);
    expect(bytes.readInt32BE(4000)).toBe(600);
    expect(bytes.subarray(4004).toString('utf8')).toBe('é'.repeat(300));
  });

  it('encodes a surrogate pair as 4-byte UTF-8 (what Java decodes back to the same string)', () => {
    const writer = new Writer(1).string('😀');
    expect(writer.finish().toString('hex')).toBe('00000004f09f9880');
  });

  it('writes nulls as -1 and primitives big-endian', () => {
    const bytes = new Writer()
      .buffer(null)
      .string(null)
      .strings(null)
      .vector(null, () => undefined)
      .long(-2n)
      .bool(true)
      .bool(false)
      .byte(-1)
      .finish();
    expect(bytes.toString('hex')).toBe('fffffffffffffffffffffffffffffffffffffffffffffffe0100ff');
  });

  it('writes longs big-endian across the whole int64 range and refuses values outside it', () => {
    const values = [0n, 1n, -1n, 0x0102030405060708n, -0x0102030405060708n, (1n << 63n) - 1n, -(1n << 63n)];
    const writer = new Writer(1);
    for (const value of values) writer.long(value);
    const bytes = writer.finish();
    expect(bytes.subarray(24, 32).toString('hex')).toBe('0102030405060708');
    expect(values.map((_, index) => bytes.readBigInt64BE(index * 8))).toEqual(values);
    expect(() => new Writer().long(1n << 63n)).toThrow(RangeError);
    expect(() => new Writer().long(-(1n << 63n) - 1n)).toThrow(RangeError);
  });

  it('reuses its buffer after reset; finish copies, view does not', () => {
    const writer = new Writer(16);
    writer.int(1);
    const copy = writer.finish();
    const view = writer.view();
    writer.reset().int(2);
    expect(copy.readInt32BE(0)).toBe(1);
    expect(view.readInt32BE(0)).toBe(2);
    expect(writer.length).toBe(4);
  });

  it('fills frame lengths and refuses nested or unterminated frames', () => {
    const writer = new Writer(2);
    writer.beginFrame().int(5).string('ab').endFrame();
    expect(writer.view().readInt32BE(0)).toBe(10);
    writer.beginFrame();
    expect(() => writer.beginFrame()).toThrow(/do not nest/);
    expect(() => writer.finish()).toThrow(/unterminated/);
  });
});

describe('Reader', () => {
  it('reads any non-zero byte as true and a null string as empty', () => {
    const reader = new Reader(Buffer.from('02ffffffffffffffff', 'hex'));
    expect(reader.bool()).toBe(true);
    expect(reader.stringOrNull()).toBeNull();
    expect(reader.string()).toBe('');
  });

  it('rejects trailing bytes and truncation', () => {
    expect(() => decodeWith(Buffer.alloc(5), (reader) => reader.int(), 'int')).toThrow(/1 unexpected bytes/);
    expect(() => decodeWith(Buffer.alloc(3), (reader) => reader.int(), 'int')).toThrow(ProtocolError);
  });

  it('rejects a vector count the remaining bytes cannot hold', () => {
    const bytes = Buffer.from('0000000300000000', 'hex');
    expect(() => decodeWith(bytes, (reader) => reader.strings(), 'strings')).toThrow(/count 3 exceeds/);
  });
});

describe('barrel', () => {
  it('re-exports every protocol module', () => {
    for (const name of [
      'OpCode',
      'fromCode',
      'Reader',
      'Writer',
      'FrameDecoder',
      'validatePath',
      'encodeStat',
      'encodeCreateRequest',
      'requestCodecs',
      'writeRequestFrame',
      'encodeMultiRequest',
      'encodeTxnEntry',
      'encodeQuorumPacket',
      'encodeNotification',
      'sessionPassword',
      'digestId',
    ]) {
      expect(protocol, name).toHaveProperty(name);
    }
  });
});

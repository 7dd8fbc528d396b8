import { describe, expect, it } from 'vitest';
import {
  addLong,
  CounterFormatError,
  decodeCount,
  decodeLong,
  encodeCount,
  encodeLong,
} from '../../../../recipes/counter/count-codec';

describe('counter codec', () => {
  it('a shared count is 4 big-endian bytes (Curator SharedCount)', () => {
    expect(encodeCount(258).toString('hex')).toBe('00000102');
    expect(encodeCount(-1).toString('hex')).toBe('ffffffff');
    expect(decodeCount('/c', Buffer.from('00000102', 'hex'))).toBe(258);
  });

  it('a count of the wrong size is a CounterFormatError', () => {
    expect(() => decodeCount('/c', Buffer.from('0102', 'hex'))).toThrow(CounterFormatError);
  });

  it('a count outside 32 bits is a bug', () => {
    expect(() => encodeCount(2 ** 31)).toThrow(/32-bit/);
  });

  it('an atomic long is 8 big-endian bytes (Curator DistributedAtomicLong); empty is 0', () => {
    expect(encodeLong(1n).toString('hex')).toBe('0000000000000001');
    expect(encodeLong(-2n).toString('hex')).toBe('fffffffffffffffe');
    expect(decodeLong('/l', Buffer.from('0000000100000000', 'hex'))).toBe(4294967296n);
    expect(decodeLong('/l', Buffer.alloc(0))).toBe(0n);
    expect(() => decodeLong('/l', Buffer.alloc(4))).toThrow(CounterFormatError);
  });

  it('adds with 64-bit wrap-around like Java', () => {
    expect(addLong(2n ** 63n - 1n, 1n)).toBe(-(2n ** 63n));
    expect(addLong(5n, -7n)).toBe(-2n);
  });
});

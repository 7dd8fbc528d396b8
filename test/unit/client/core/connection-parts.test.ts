import { describe, expect, it } from 'vitest';
import { flushDecision, nextXid, RequestQueue, XID_MAX } from '../../../../src/client/connection';

describe('xids', () => {
  it('increment and wrap from Integer.MAX_VALUE back to 1', () => {
    expect(nextXid(1)).toBe(2);
    expect(nextXid(XID_MAX - 1)).toBe(XID_MAX);
    expect(nextXid(XID_MAX)).toBe(1);
    expect(XID_MAX).toBe(2147483647);
  });

  it('reject values outside 1..MAX (a bug, not input)', () => {
    expect(() => nextXid(0)).toThrow('xids are positive int32');
    expect(() => nextXid(-2)).toThrow('xids are positive int32');
  });
});

describe('RequestQueue', () => {
  it('is FIFO across compactions', () => {
    const queue = new RequestQueue<number>();
    for (let value = 0; value < 5000; value++) queue.push(value);
    for (let value = 0; value < 3000; value++) expect(queue.shift()).toBe(value);
    expect(queue.size).toBe(2000);
    queue.push(5000);
    expect(queue.peek()).toBe(3000);
    expect(queue.drain()).toEqual(Array.from({ length: 2001 }, (_, index) => 3000 + index));
    expect(queue.size).toBe(0);
    expect(queue.shift()).toBeUndefined();
  });
});

describe('flushDecision', () => {
  it('writes at once while fewer than the minimum await replies, defers from the minimum on', () => {
    expect(flushDecision(0, 32)).toBe('write');
    expect(flushDecision(31, 32)).toBe('write');
    expect(flushDecision(32, 32)).toBe('defer');
    expect(flushDecision(500, 32)).toBe('defer');
    expect(flushDecision(0, 1)).toBe('write');
    expect(flushDecision(1, 1)).toBe('defer');
  });

  it('rejects impossible inputs (a bug, not input)', () => {
    expect(() => flushDecision(-1, 32)).toThrow('awaited replies are counted from zero');
    expect(() => flushDecision(0, 0)).toThrow('the deferral minimum is positive');
  });
});

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

  it('rewinds when emptied and stays FIFO (one in flight, then a burst)', () => {
    const queue = new RequestQueue<number>();
    for (let value = 0; value < 10; value++) {
      queue.push(value);
      expect(queue.size).toBe(1);
      expect(queue.shift()).toBe(value);
      expect(queue.size).toBe(0);
      expect(queue.peek()).toBeUndefined();
    }
    for (let value = 0; value < 3; value++) queue.push(value);
    expect(queue.shift()).toBe(0);
    queue.push(3);
    expect(queue.drain()).toEqual([1, 2, 3]);
    expect(queue.shift()).toBeUndefined();
  });
});

describe('flushDecision', () => {
  it('never defers a shallow pipeline', () => {
    expect(flushDecision(0, 1, 32)).toBe('write');
    expect(flushDecision(31, 1, 32)).toBe('write');
    expect(flushDecision(0, 1, 1)).toBe('write');
  });

  it('defers a deep one while the server has more queued than would be written', () => {
    expect(flushDecision(32, 1, 32)).toBe('defer');
    expect(flushDecision(200, 56, 32)).toBe('defer');
    expect(flushDecision(129, 127, 32)).toBe('defer');
    expect(flushDecision(128, 128, 32)).toBe('write');
    expect(flushDecision(100, 156, 32)).toBe('write');
  });

  it('rejects impossible inputs (a bug, not input)', () => {
    expect(() => flushDecision(-1, 0, 32)).toThrow('requests are counted from zero');
    expect(() => flushDecision(0, -1, 32)).toThrow('requests are counted from zero');
    expect(() => flushDecision(0, 0, 0)).toThrow('the deferral minimum is positive');
  });
});

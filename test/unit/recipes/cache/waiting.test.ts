import { describe, expect, it } from 'vitest';
import { isUnsupportedWatch } from '../../../../recipes/cache/curator-cache';
import { AsyncChannel, deadlineFrom, waitUntil } from '../../../../recipes/cache/waiting';
import { AbortError } from '../../../../src/errors';
import {
  ConnectionLossError,
  SessionExpiredError,
  UnimplementedError,
} from '../../../../src/protocol/errors';

describe('AsyncChannel', () => {
  it('delivers pushed values in order, then ends after close', async () => {
    const channel = new AsyncChannel<number>();
    channel.push(1);
    channel.push(2);
    channel.close();
    channel.push(3);
    const seen: number[] = [];
    for await (const value of channel) seen.push(value);
    expect(seen).toEqual([1, 2]);
  });

  it('hands a value to a waiting reader', async () => {
    const channel = new AsyncChannel<string>();
    const next = channel.next();
    channel.push('x');
    expect(await next).toEqual({ value: 'x', done: false });
  });

  it('drops the oldest value when full and counts it', async () => {
    const channel = new AsyncChannel<number>(() => {}, 2);
    channel.push(1);
    channel.push(2);
    channel.push(3);
    expect(channel.droppedCount).toBe(1);
    expect((await channel.next()).value).toBe(2);
    expect((await channel.next()).value).toBe(3);
  });

  it('return() tells the producer once and ends the iteration', async () => {
    let returned = 0;
    const channel = new AsyncChannel<number>(() => returned++);
    channel.push(1);
    await channel.return();
    await channel.return();
    expect(returned).toBe(1);
    expect(await channel.next()).toEqual({ value: undefined, done: true });
  });

  it('fail() rejects a waiting reader once, then the channel is done', async () => {
    const channel = new AsyncChannel<number>();
    const next = channel.next();
    channel.fail(new Error('boom'));
    await expect(next).rejects.toThrow('boom');
    expect(await channel.next()).toEqual({ value: undefined, done: true });
  });

  it('fail() after buffered values delivers them first', async () => {
    const channel = new AsyncChannel<number>();
    channel.push(7);
    channel.fail(new Error('late'));
    expect((await channel.next()).value).toBe(7);
    await expect(channel.next()).rejects.toThrow('late');
  });
});

describe('waitUntil', () => {
  it('settles with the promise', async () => {
    expect(await waitUntil(Promise.resolve('event'), deadlineFrom(1_000), undefined)).toBe('settled');
  });

  it('times out at the deadline', async () => {
    const started = Date.now();
    expect(await waitUntil(new Promise(() => {}), deadlineFrom(30), undefined)).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('rejects with AbortError when the signal aborts', async () => {
    const controller = new AbortController();
    const waiting = waitUntil(new Promise(() => {}), undefined, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
  });
});

describe('isUnsupportedWatch', () => {
  it('UNIMPLEMENTED means no persistent watches; connection problems do not', () => {
    expect(isUnsupportedWatch(new UnimplementedError())).toBe(true);
    expect(isUnsupportedWatch(new ConnectionLossError())).toBe(false);
    expect(isUnsupportedWatch(new SessionExpiredError())).toBe(false);
    expect(isUnsupportedWatch(new Error('other'))).toBe(false);
  });
});

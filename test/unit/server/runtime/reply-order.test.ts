import { describe, expect, it } from 'vitest';
import { ReplyOrder } from '../../../../server/runtime/reply-order';

function recorder() {
  const sent: string[] = [];
  return { sent, sink: { send: (frame: Buffer) => sent.push(frame.toString()) } };
}

describe('ReplyOrder', () => {
  it('answers a read at once when nothing is pending', () => {
    const { sent, sink } = recorder();
    const order = new ReplyOrder(sink, 10);
    order.read(() => Buffer.from('r1'));
    expect(sent).toEqual(['r1']);
    expect(order.pending).toBe(0);
  });

  it('holds reads behind a pending write and runs them after it applies', () => {
    const { sent, sink } = recorder();
    const order = new ReplyOrder(sink, 10);
    let state = 'old';
    const write = order.write();
    order.read(() => Buffer.from(`read:${state}`));
    expect(sent).toEqual([]);
    state = 'new';
    order.complete(write, Buffer.from('w1'));
    expect(sent).toEqual(['w1', 'read:new']);
  });

  it('sends writes completed out of order in request order', () => {
    const { sent, sink } = recorder();
    const order = new ReplyOrder(sink, 10);
    const first = order.write();
    const second = order.write();
    order.complete(second, Buffer.from('w2'));
    expect(sent).toEqual([]);
    order.complete(first, Buffer.from('w1'));
    expect(sent).toEqual(['w1', 'w2']);
    expect(order.pending).toBe(0);
  });

  it('skips entries without a reply and reports fullness', () => {
    const { sent, sink } = recorder();
    const order = new ReplyOrder(sink, 2);
    const write = order.write();
    order.read(() => undefined);
    expect(order.full).toBe(true);
    order.complete(write, undefined);
    expect(sent).toEqual([]);
    expect(order.full).toBe(false);
  });

  it('refuses to complete a write twice', () => {
    const { sink } = recorder();
    const order = new ReplyOrder(sink, 2);
    const write = order.write();
    order.complete(write, undefined);
    expect(() => order.complete(write, undefined)).toThrow(/once/);
  });
});

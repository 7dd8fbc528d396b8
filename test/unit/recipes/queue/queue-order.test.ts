import { describe, expect, it } from 'vitest';
import {
  orderItems,
  QUEUE_ITEM_PREFIX,
  SIMPLE_QUEUE_ITEM_PREFIX,
} from '../../../../recipes/queue/queue-order';

describe('queue order', () => {
  it('orders items by sequence, across a width change that name order gets wrong', () => {
    const children = ['queue-0000000100', 'queue-0000000099', 'queue-0000000101', 'queue--000000005'];
    expect(orderItems(children, QUEUE_ITEM_PREFIX)).toEqual([
      'queue--000000005',
      'queue-0000000099',
      'queue-0000000100',
      'queue-0000000101',
    ]);
  });

  it('ignores children that are not items of this queue', () => {
    expect(
      orderItems(['qn-0000000002', 'queue-0000000001', 'lock', 'qn-0000000001'], SIMPLE_QUEUE_ITEM_PREFIX),
    ).toEqual(['qn-0000000001', 'qn-0000000002']);
  });

  it('an empty queue is an empty list', () => {
    expect(orderItems([], QUEUE_ITEM_PREFIX)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  barrierMembers,
  decideEnter,
  decideLeave,
  READY_NODE,
} from '../../../../recipes/barrier/barrier-decisions';

describe('double barrier: enter', () => {
  it('passes once ready exists, whatever the count', () => {
    expect(decideEnter(true, 1, 3)).toBe('entered');
  });
  it('the member that sees memberQty members creates ready', () => {
    expect(decideEnter(false, 3, 3)).toBe('createReady');
    expect(decideEnter(false, 4, 3)).toBe('createReady');
  });
  it('fewer members wait', () => {
    expect(decideEnter(false, 2, 3)).toBe('wait');
  });
  it('members exclude ready and are sorted', () => {
    expect(barrierMembers(['c', READY_NODE, 'a', 'b'])).toEqual(['a', 'b', 'c']);
  });
});

describe('double barrier: leave', () => {
  it('no members left: done', () => {
    expect(decideLeave([], 'b', true)).toEqual({ action: 'done' });
    expect(decideLeave([], 'b', false)).toEqual({ action: 'done' });
  });
  it('only ours left: delete it and finish', () => {
    expect(decideLeave(['b'], 'b', false)).toEqual({ action: 'deleteOursAndDone' });
  });
  it('the lowest waits for the highest without deleting', () => {
    expect(decideLeave(['a', 'b', 'c'], 'a', false)).toEqual({
      action: 'wait',
      node: 'c',
      deleteOurs: false,
    });
  });
  it('any other member deletes its node and waits for the lowest', () => {
    expect(decideLeave(['a', 'b', 'c'], 'b', false)).toEqual({ action: 'wait', node: 'a', deleteOurs: true });
    expect(decideLeave(['a', 'b', 'c'], 'c', false)).toEqual({ action: 'wait', node: 'a', deleteOurs: true });
  });
  it('after deleting ours, wait for the lowest remaining', () => {
    expect(decideLeave(['a', 'c'], 'b', true)).toEqual({ action: 'wait', node: 'a', deleteOurs: false });
  });
  it('our node gone without us deleting it means our session was lost', () => {
    expect(decideLeave(['a', 'c'], 'b', false)).toEqual({ action: 'lost' });
  });
  it('a deleted node listed again is a bug', () => {
    expect(() => decideLeave(['a', 'b'], 'b', true)).toThrow(/not listed again/);
  });
});

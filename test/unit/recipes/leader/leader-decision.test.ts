import { describe, expect, it } from 'vitest';
import { latchDecision } from '../../../../recipes/leader/leader-decision';

const ours = '_c_bbbbbbbb-0000-0000-0000-000000000000-latch-0000000002';
const first = '_c_zzzzzzzz-0000-0000-0000-000000000000-latch-0000000001';
const third = '_c_aaaaaaaa-0000-0000-0000-000000000000-latch-0000000003';

describe('recipes: leader latch decision', () => {
  it('first by sequence and owned by our session: leader', () => {
    expect(latchDecision([third, ours], ours, 7n, 7n)).toEqual({ kind: 'leader' });
  });

  it('not first: follower watching exactly its predecessor (by sequence, not by name)', () => {
    expect(latchDecision([third, ours, first], ours, 7n, 7n)).toEqual({ kind: 'follower', watch: first });
    expect(latchDecision([third, ours, first], third, 7n, 7n)).toEqual({ kind: 'follower', watch: ours });
  });

  it('first but owned by another (older) session: reset, never leader', () => {
    expect(latchDecision([ours], ours, 6n, 7n)).toEqual({ kind: 'reset', why: 'notOurSession' });
    expect(latchDecision([ours], ours, undefined, 7n)).toEqual({ kind: 'reset', why: 'notOurSession' });
    expect(latchDecision([ours], ours, 0n, 0n)).toEqual({ kind: 'reset', why: 'notOurSession' });
  });

  it('our node gone: reset', () => {
    expect(latchDecision([first, third], ours, 7n, 7n)).toEqual({ kind: 'reset', why: 'missing' });
  });
});

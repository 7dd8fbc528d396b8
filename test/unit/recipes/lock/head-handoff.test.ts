import { describe, expect, it } from 'vitest';
import {
  CURATOR_REVOKE_MESSAGE,
  grantSuccessor,
  headMarkNeeded,
  isHeadMarked,
  OwnNodeMissingError,
  watchedNodeChangeDecision,
} from '../../../../recipes/lock/lock-decision';

const node = (sequence: number): string =>
  `_c_aaaaaaaa-0000-0000-0000-00000000000${sequence % 10}-lock-${String(sequence).padStart(10, '0')}`;

describe('recipes: lock decisions: the head marker', () => {
  it('is a data version of at least 1, except Curator’s revocation message', () => {
    expect(isHeadMarked(0, Buffer.alloc(0))).toBe(false);
    expect(isHeadMarked(0, Buffer.from('10.0.0.1'))).toBe(false);
    expect(isHeadMarked(1, Buffer.alloc(0))).toBe(true);
    expect(isHeadMarked(1, Buffer.from('participant-7'))).toBe(true);
    expect(isHeadMarked(3, null)).toBe(true);
    expect(isHeadMarked(1, Buffer.from(CURATOR_REVOKE_MESSAGE))).toBe(false);
    expect(isHeadMarked(2, Buffer.from(CURATOR_REVOKE_MESSAGE))).toBe(false);
  });

  it('with the data as created known, is only that data rewritten: any other write is not a marker or grant', () => {
    const created = Buffer.from('10.0.0.1');
    expect(isHeadMarked(1, Buffer.from('10.0.0.1'), created)).toBe(true);
    expect(isHeadMarked(0, Buffer.from('10.0.0.1'), created)).toBe(false);
    expect(isHeadMarked(1, Buffer.from('someone else'), created)).toBe(false);
    expect(isHeadMarked(1, Buffer.from(CURATOR_REVOKE_MESSAGE), created)).toBe(false);
    // No data and empty data are the same bytes.
    expect(isHeadMarked(1, null, Buffer.alloc(0))).toBe(true);
    expect(isHeadMarked(1, Buffer.alloc(0), null)).toBe(true);
    expect(isHeadMarked(1, Buffer.from('x'), null)).toBe(false);
  });

  it('is written after a read only when a waiter is listed after us', () => {
    const alone = [node(4)];
    expect(headMarkNeeded('read', alone, node(4))).toBe(false);
    const queued = [node(4), node(5), node(9)];
    expect(headMarkNeeded('read', queued, node(4))).toBe(true);
    // Not the head (a semaphore slot or a reader): never marks.
    expect(headMarkNeeded('read', queued, node(5))).toBe(false);
    expect(() => headMarkNeeded('read', queued, node(6))).toThrow(OwnNodeMissingError);
  });

  it('is always written after a handoff without a read (who queued meanwhile is unknown)', () => {
    expect(headMarkNeeded('handoff', [node(1), node(2)], node(2))).toBe(true);
    expect(headMarkNeeded('handoff', [], node(2))).toBe(true);
  });
});

describe('recipes: lock decisions: a waiter’s watched node changes', () => {
  const neither = { wasHeadAtOurRead: false, markedHead: false, grantedToUs: false };
  const headAtRead = { wasHeadAtOurRead: true, markedHead: false, grantedToUs: false };
  const marked = { wasHeadAtOurRead: false, markedHead: true, grantedToUs: false };
  const granted = { wasHeadAtOurRead: false, markedHead: false, grantedToUs: true };

  it('acquires without a read on the deletion of a node known to have been the head', () => {
    expect(watchedNodeChangeDecision('NodeDeleted', headAtRead)).toBe('acquire');
    expect(watchedNodeChangeDecision('NodeDeleted', marked)).toBe('acquire');
    expect(
      watchedNodeChangeDecision('NodeDeleted', {
        wasHeadAtOurRead: true,
        markedHead: true,
        grantedToUs: false,
      }),
    ).toBe('acquire');
  });

  it('acquires without a read on the deletion of its predecessor when its own node was granted', () => {
    expect(watchedNodeChangeDecision('NodeDeleted', granted)).toBe('acquire');
    // A grant proves nothing until the predecessor is gone, and a lost watch proves nothing.
    expect(watchedNodeChangeDecision('NodeDataChanged', granted)).toBe('rearm');
    expect(watchedNodeChangeDecision('other', granted)).toBe('read');
  });

  it('reads the children on the deletion of a node not known to have been the head (it may have given up)', () => {
    expect(watchedNodeChangeDecision('NodeDeleted', neither)).toBe('read');
  });

  it('re-arms on a data change: the queue did not move', () => {
    expect(watchedNodeChangeDecision('NodeDataChanged', neither)).toBe('rearm');
    expect(watchedNodeChangeDecision('NodeDataChanged', marked)).toBe('rearm');
  });

  it('reads the children on anything else (watch removed, reconnected), whatever it knew', () => {
    expect(watchedNodeChangeDecision('other', headAtRead)).toBe('read');
    expect(watchedNodeChangeDecision('other', marked)).toBe('read');
  });
});

describe('recipes: lock decisions: whom a releasing holder grants the lock', () => {
  it('is the lock node sorted right after ours', () => {
    const queue = [node(4), node(5), node(9)];
    expect(grantSuccessor(queue, node(4), 'lock-')).toBe(node(5));
    expect(grantSuccessor(queue, node(5), 'lock-')).toBe(node(9));
  });

  it('is nobody when we are last, or when the next child is not a lock node', () => {
    expect(grantSuccessor([node(4)], node(4), 'lock-')).toBeUndefined();
    expect(grantSuccessor([node(4), node(9)], node(9), 'lock-')).toBeUndefined();
    expect(grantSuccessor([node(4), 'leases'], node(4), 'lock-')).toBeUndefined();
  });

  it('throws when our node is not listed (it is gone: nothing to grant)', () => {
    expect(() => grantSuccessor([node(4), node(5)], node(6), 'lock-')).toThrow(OwnNodeMissingError);
  });
});

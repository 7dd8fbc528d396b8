/**
 * The simulation's client checkers on hand-built histories: each must pass a correct history
 * and fail the broken one next to it (a stale read after a completed write, a lost ack, a
 * FIFO swap, a surviving ephemeral, a session going back in time), and the linearizability
 * search must fail loudly when a history exceeds its budget.
 */
import { describe, expect, it } from 'vitest';
import { InvariantViolation } from './checkers';
import {
  checkEphemerals,
  checkLinearizable,
  checkMonotonicSessions,
  checkSessionFifo,
  type HistoryTxn,
  type WriteRecord,
} from './client-checkers';
import {
  checkOperations,
  checkPartitioned,
  LinearizabilityBudgetExceeded,
  type Operation,
  type RegisterInput,
  type RegisterOutput,
  registerModel,
} from './linearizability';
import { encodeSim, prepareSim, type SimRequest, SimState, type SimTxn } from './state-machine';

type RegisterOperation = Operation<RegisterInput, RegisterOutput>;
const never = Number.POSITIVE_INFINITY;

function write(value: string, invokeAt: number, returnAt: number, key = 'k'): RegisterOperation {
  return { input: { kind: 'write', key, value }, output: null, invokeAt, returnAt };
}
function read(value: string | null, invokeAt: number, returnAt: number, key = 'k'): RegisterOperation {
  return { input: { kind: 'read', key }, output: value, invokeAt, returnAt };
}
function check(operations: RegisterOperation[]): boolean {
  return checkOperations(registerModel, operations).ok;
}

describe('linearizability checker (register, Wing & Gong search)', () => {
  it('accepts a sequential history and reads of concurrent writes in either order', () => {
    expect(check([write('a', 1, 2), read('a', 3, 4), write('b', 5, 6), read('b', 7, 8)])).toBe(true);
    // b overlaps both reads: the first may miss it, the second may see it.
    expect(check([write('a', 1, 2), write('b', 3, 10), read('a', 4, 5), read('b', 6, 7)])).toBe(true);
    expect(check([read(null, 1, 2), write('a', 3, 4)])).toBe(true);
  });

  it('fails a stale read after a completed write', () => {
    expect(check([write('a', 1, 2), write('b', 3, 4), read('a', 5, 6)])).toBe(false);
    const result = checkOperations(registerModel, [write('a', 1, 2), read(null, 3, 4)]);
    expect(result).toEqual({
      ok: false,
      reason: expect.stringContaining('read(k) → null [3, 4] cannot be placed'),
    });
  });

  it('fails reads that go back while a write is in flight (after seeing it, a read must keep it)', () => {
    expect(check([write('a', 1, 10), read('a', 2, 3), read(null, 4, 5)])).toBe(false);
    expect(check([write('a', 1, 10), read(null, 2, 3), read('a', 4, 5)])).toBe(true);
  });

  it('treats a lost reply as took-effect-or-not, never as taking effect twice', () => {
    expect(check([write('a', 1, never), read(null, 2, 3)])).toBe(true);
    expect(check([write('a', 1, never), read('a', 2, 3)])).toBe(true);
    expect(check([write('a', 1, never), read('a', 2, 3), read(null, 4, 5)])).toBe(false);
    // A lost write seen, then overwritten, cannot reappear.
    expect(check([write('a', 1, never), read('a', 2, 3), write('b', 4, 5), read('a', 6, 7)])).toBe(false);
  });

  it('checks keys independently', () => {
    const operations = [write('a', 1, 2, 'x'), read(null, 3, 4, 'y'), read('a', 5, 6, 'x')];
    expect(checkPartitioned(registerModel, operations, (input) => input.key).ok).toBe(true);
    const broken = [...operations, read(null, 7, 8, 'x')];
    expect(checkPartitioned(registerModel, broken, (input) => input.key)).toEqual({
      ok: false,
      reason: expect.stringMatching(/^key x: not linearizable/),
    });
  });

  it('fails loudly, never passes, when a history exceeds the budget', () => {
    // Many overlapping writes and a read of a value nobody wrote: the search must explore.
    const operations: RegisterOperation[] = [];
    for (let index = 0; index < 10; index++) operations.push(write(`w${index}`, index, 100));
    operations.push(read('nobody', 50, 60));
    expect(() =>
      checkOperations(registerModel, operations, { searchStepsMax: 100, operationsMax: 100 }),
    ).toThrow(LinearizabilityBudgetExceeded);
    expect(() =>
      checkOperations(registerModel, operations, { searchStepsMax: 1_000_000, operationsMax: 10 }),
    ).toThrow(LinearizabilityBudgetExceeded);
    // With room to search, the answer is a definite failure.
    expect(checkOperations(registerModel, operations).ok).toBe(false);
  });
});

function txn(zxid: bigint, request: SimRequest, result: SimTxn['result'] = 'ok'): HistoryTxn {
  return { zxid, txn: { ...request, result } };
}
function record(
  request: SimRequest,
  connection: number,
  acknowledged: SimTxn['result'] | undefined,
): WriteRecord {
  return {
    request,
    connection,
    invokeAt: request.sequence,
    returnAt: request.sequence + 100,
    result: acknowledged,
  };
}
const set1: SimRequest = { type: 'set', session: 7, sequence: 1, key: 'k', value: 'a' };
const set2: SimRequest = { type: 'set', session: 7, sequence: 2, key: 'k', value: 'b' };

describe('per-session FIFO checker', () => {
  it('accepts writes applied in issue order', () => {
    checkSessionFifo([txn(1n, set1), txn(2n, set2)], [record(set1, 1, 'ok'), record(set2, 1, 'ok')]);
  });

  it('fails a FIFO swap', () => {
    expect(() => checkSessionFifo([txn(1n, set2), txn(2n, set1)], [])).toThrow(/FIFO order broken/);
  });

  it('fails a lost ack: an acknowledged write missing from the history', () => {
    expect(() => checkSessionFifo([txn(2n, set2)], [record(set1, 1, 'ok')])).toThrow(
      /acknowledged write was lost/,
    );
    expect(() => checkSessionFifo([txn(1n, set1, 'session-expired')], [record(set1, 1, 'ok')])).toThrow(
      /acknowledged write was lost/,
    );
  });

  it('fails a gap on one connection, but not across a reconnect', () => {
    expect(() =>
      checkSessionFifo([txn(2n, set2)], [record(set1, 1, undefined), record(set2, 1, 'ok')]),
    ).toThrow(/a gap in FIFO order/);
    checkSessionFifo([txn(2n, set2)], [record(set1, 1, undefined), record(set2, 2, 'ok')]);
  });

  it('ignores a request refused because its session moved to another connection', () => {
    checkSessionFifo([txn(1n, set2), txn(2n, set1, 'session-moved')], [record(set2, 2, 'ok')]);
  });
});

function stateAfter(txns: HistoryTxn[]): SimState {
  const state = new SimState();
  for (const item of txns) state.apply({ zxid: item.zxid, data: encodeSim(item.txn) });
  return state;
}
const create: SimRequest = { type: 'create-session', session: 3, sequence: 1 };
const ephemeral: SimRequest = { type: 'create-ephemeral', session: 3, sequence: 2, path: '/e' };
const close: SimRequest = { type: 'close-session', session: 3, sequence: 3 };

describe('ephemerals die with their sessions', () => {
  it('accepts a close PREPared against the current view', () => {
    const before = stateAfter([txn(1n, create), txn(2n, ephemeral)]);
    const prepared = prepareSim(before, close);
    expect(prepared.paths).toEqual(['/e']);
    const state = stateAfter([txn(1n, create), txn(2n, ephemeral), { zxid: 3n, txn: prepared }]);
    checkEphemerals(state, 'server 1');
    expect(state.ephemerals.size).toBe(0);
  });

  it('fails a surviving ephemeral (a close PREPared against a stale view)', () => {
    const stale = prepareSim(stateAfter([txn(1n, create)]), close);
    const state = stateAfter([txn(1n, create), txn(2n, ephemeral), { zxid: 3n, txn: stale }]);
    expect(() => checkEphemerals(state, 'server 1')).toThrow(/ephemeral \/e of session 3 survives/);
  });

  it('fails an ephemeral created after its session died', () => {
    const late: SimRequest = { ...ephemeral, sequence: 4 };
    const state = stateAfter([
      txn(1n, create),
      { zxid: 2n, txn: { ...close, result: 'ok', paths: [] } },
      txn(3n, late),
    ]);
    expect(() => checkEphemerals(state, 'server 2')).toThrow(/created at 0\.3, after its session died/);
    expect(prepareSim(stateAfter([txn(1n, create), txn(2n, close)]), late).result).toBe('session-expired');
  });
});

describe('sessions never go back in time', () => {
  it('fails a read older than what the session saw before', () => {
    checkMonotonicSessions([
      { session: 1, zxid: 5n, at: 1, what: 'ack' },
      { session: 2, zxid: 3n, at: 2, what: 'read' },
      { session: 1, zxid: 5n, at: 3, what: 'read' },
    ]);
    expect(() =>
      checkMonotonicSessions([
        { session: 1, zxid: 5n, at: 1, what: 'ack' },
        { session: 1, zxid: 4n, at: 2, what: 'read' },
      ]),
    ).toThrow(InvariantViolation);
  });
});

describe('client linearizability over the simulated history', () => {
  const history = [txn(1n, create), txn(2n, { ...set1, session: 3, sequence: 2 })];
  const lost: WriteRecord = {
    request: { ...set1, session: 3, sequence: 2 },
    connection: 1,
    invokeAt: 10,
    returnAt: never,
    result: undefined,
  };
  const syncedRead = (value: string | null, invokeAt: number, returnAt: number) => ({
    session: 4,
    key: 'k',
    value,
    zxid: 2n,
    synced: true,
    invokeAt,
    returnAt,
  });

  it('bounds a lost write by its first apply: a synced read after it must see it', () => {
    const firstApplied = new Map([['3:2', 20]]);
    checkLinearizable(history, [lost], [syncedRead('a', 15, 25)], firstApplied);
    checkLinearizable(history, [lost], [syncedRead(null, 12, 18)], firstApplied);
    expect(() => checkLinearizable(history, [lost], [syncedRead(null, 30, 40)], firstApplied)).toThrow(
      /not linearizable/,
    );
  });

  it('leaves plain reads out (they are only sequentially consistent)', () => {
    const plain = { ...syncedRead(null, 30, 40), synced: false };
    checkLinearizable(history, [lost], [plain], new Map([['3:2', 20]]));
  });
});

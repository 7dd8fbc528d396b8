import { describe, expect, it } from 'vitest';
import { decideConflict } from '../../../../recipes/naming/name-registry';
import {
  parseSequenceId,
  SequenceParseError,
  sortBySequence,
  stripProtection,
  toIdType,
} from '../../../../recipes/naming/sequence-id';

describe('sequence ids', () => {
  it('parses the 10-digit suffix of a name or a path', () => {
    expect(parseSequenceId('id-0000000042')).toBe(42n);
    expect(parseSequenceId('/ids/id-0000000007')).toBe(7n);
    expect(parseSequenceId('/ids/_c_0f8fad5b-d9cb-469f-a165-70867728950e-id-2147483647')).toBe(2147483647n);
  });

  it('parses the negative form after the counter wraps', () => {
    expect(parseSequenceId('id--2147483648')).toBe(-2147483648n);
    expect(parseSequenceId('id--000000005')).toBe(-5n);
    expect(() => parseSequenceId('id_2147483648')).toThrow(SequenceParseError);
  });

  it('a name without a suffix is a SequenceParseError', () => {
    expect(() => parseSequenceId('id-12')).toThrow(SequenceParseError);
    expect(() => parseSequenceId('/ids/plainname00')).toThrow(SequenceParseError);
  });

  it('converts to number or keeps bigint', () => {
    expect(toIdType(12n, 'number')).toBe(12);
    expect(toIdType(12n, 'bigint')).toBe(12n);
  });

  it('sorts by sequence, not by name, and drops other children', () => {
    const names = [
      '_c_0f8fad5b-d9cb-469f-a165-70867728950e-queue-0000000003',
      'queue-0000000010',
      'queue-0000000002',
      'lock',
      'other-0000000001',
    ];
    expect(sortBySequence(names, 'queue-').map((entry) => entry.name)).toEqual([
      'queue-0000000002',
      '_c_0f8fad5b-d9cb-469f-a165-70867728950e-queue-0000000003',
      'queue-0000000010',
    ]);
    expect(sortBySequence(names).map((entry) => entry.sequence)).toEqual([1n, 2n, 3n, 10n]);
  });

  it('strips the protection prefix only', () => {
    expect(stripProtection('_c_0f8fad5b-d9cb-469f-a165-70867728950e-id-0000000001')).toBe('id-0000000001');
    expect(stripProtection('id-0000000001')).toBe('id-0000000001');
  });
});

describe('name conflicts', () => {
  it('our session and our owner: already ours', () => {
    expect(decideConflict('svc-a', 5n, 'svc-a', 5n)).toBe('alreadyOurs');
  });
  it('same owner from another (older) session: take over', () => {
    expect(decideConflict('svc-a', 4n, 'svc-a', 5n)).toBe('takeOver');
  });
  it('another owner: taken, whatever the session', () => {
    expect(decideConflict('svc-b', 4n, 'svc-a', 5n)).toBe('taken');
    expect(decideConflict('svc-b', 5n, 'svc-a', 5n)).toBe('taken');
  });
});

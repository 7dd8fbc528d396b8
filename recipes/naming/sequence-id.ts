/**
 * Pure parsing of the ids {@link SequentialIdGenerator} hands out: the 10-digit sequence
 * suffix ZooKeeper appends to a sequential node's name (the parent's counter formatted as
 * Java's `%010d`), read as a bigint or a number.
 */
import { assert } from '../../src/util/assert';

/** How ids are returned. */
export type IdType = 'bigint' | 'number';
/** An id of type `K`. */
export type IdOf<K extends IdType> = K extends 'bigint' ? bigint : number;

/** A sequential node's name did not end in a sequence suffix. */
export class SequenceParseError extends Error {
  override readonly name = 'SequenceParseError';
  constructor(readonly nodeName: string) {
    super(`'${nodeName}' does not end in a 10-digit sequence suffix`);
  }
}

const SUFFIX_LENGTH = 10;
const SUFFIX_PATTERN = /^(-\d{9}|\d{10})$/;
const INT_MAX = 2n ** 31n - 1n;
const INT_MIN = -(2n ** 31n);

/**
 * The sequence at the end of `name` (a node name or a full path) as a bigint. Throws
 * {@link SequenceParseError} when the suffix is missing. The counter is a signed 32-bit
 * int on the server, so it is negative after 2^31 − 1 creates under one parent.
 */
export function parseSequenceId(name: string): bigint {
  const last = name.slice(name.lastIndexOf('/') + 1);
  if (last.length < SUFFIX_LENGTH) throw new SequenceParseError(last);
  const suffix = last.slice(-SUFFIX_LENGTH);
  if (!SUFFIX_PATTERN.test(suffix)) throw new SequenceParseError(last);
  let id = BigInt(suffix);
  // `%010d` of a negative number below -999999999 has 11 characters (`-2147483648`): ten
  // digits above the int range preceded by `-` can only be that.
  if (id > INT_MAX && last.charAt(last.length - SUFFIX_LENGTH - 1) === '-') id = -id;
  if (id > INT_MAX || id < INT_MIN) throw new SequenceParseError(last);
  return id;
}

/** `id` as the requested type. */
export function toIdType<K extends IdType>(id: bigint, type: K): IdOf<K> {
  if (type === 'bigint') return id as IdOf<K>;
  const value = Number(id);
  assert(Number.isSafeInteger(value), 'a 32-bit sequence is a safe integer');
  return value as IdOf<K>;
}

/** Sorts node names by their sequence suffix (names without one are dropped). Pure. */
export function sortBySequence(names: readonly string[], prefix = ''): { name: string; sequence: bigint }[] {
  const entries: { name: string; sequence: bigint }[] = [];
  for (const name of names) {
    if (prefix !== '' && !stripProtection(name).startsWith(prefix)) continue;
    try {
      entries.push({ name, sequence: parseSequenceId(name) });
    } catch (error) {
      if (!(error instanceof SequenceParseError)) throw error;
    }
  }
  entries.sort((left, right) =>
    left.sequence < right.sequence ? -1 : left.sequence > right.sequence ? 1 : 0,
  );
  return entries;
}

const PROTECTED_PATTERN = /^_c_[0-9a-f-]{36}-/;

/** A node name without Curator's `_c_<uuid>-` protection prefix. */
export function stripProtection(name: string): string {
  return name.replace(PROTECTED_PATTERN, '');
}

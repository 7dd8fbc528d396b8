/**
 * Randomness as a port. Production code takes a {@link Random} so tests and simulations can
 * pass {@link seededRandom} and replay the same choices.
 */
import { assert } from './assert';

/** A source of uniform random numbers. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, maxExclusive); `maxExclusive` is a positive safe integer. */
  int(maxExclusive: number): number;
}

function intFrom(next: () => number, maxExclusive: number): number {
  assert(Number.isSafeInteger(maxExclusive), 'Random.int bound must be a safe integer');
  assert(maxExclusive > 0, 'Random.int bound must be positive');
  return Math.floor(next() * maxExclusive);
}

/** `Math.random`, for production. */
export const systemRandom: Random = {
  next: () => Math.random(),
  int: (maxExclusive) => intFrom(Math.random, maxExclusive),
};

/**
 * A deterministic PRNG (mulberry32: 32-bit state, period 2^32). The same seed always gives
 * the same sequence; good for tests and simulations, not for secrets.
 */
export function seededRandom(seed: number): Random {
  assert(Number.isFinite(seed), 'seed must be a finite number');
  let state = Math.trunc(seed) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { next, int: (maxExclusive) => intFrom(next, maxExclusive) };
}

/** A shuffled copy of `items` (Fisher–Yates); the input is not changed. */
export function shuffle<T>(items: readonly T[], random: Random): T[] {
  const result = items.slice();
  for (let index = result.length - 1; index > 0; index--) {
    const other = random.int(index + 1);
    const held = result[index] as T;
    result[index] = result[other] as T;
    result[other] = held;
  }
  return result;
}

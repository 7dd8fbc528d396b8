/**
 * Always-on assertions. A failed assertion is a bug in zookit, never an operating
 * condition: bad input from a peer or a user gets a typed error instead.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

/** Throws {@link AssertionError} with `why` unless `condition` holds. */
export function assert(condition: unknown, why: string): asserts condition {
  if (!condition) throw new AssertionError(why);
}

/** Marks a branch that the type system proves unreachable. */
export function unreachable(value: never, why = 'unreachable'): never {
  throw new AssertionError(`${why}: ${String(value)}`);
}

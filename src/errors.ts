/**
 * Client-side errors. Server codes are the {@link ZooKeeperError} hierarchy of
 * `src/protocol/errors` (re-exported by the package); these classes are conditions the client
 * itself raises.
 */
import type { ZooKeeperError } from './protocol/errors';
import type { OperationError } from './types';

/** The client was closed: the operation did not run, or its outcome is unknown. */
export class ClosedError extends Error {
  override readonly name = 'ClosedError';
  constructor(message = 'the client is closed', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** No connection was established within `connectionTimeoutMs`. */
export class ConnectionTimeoutError extends Error {
  override readonly name = 'ConnectionTimeoutError';
  constructor(
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`no connection to ZooKeeper within ${timeoutMs} ms`, options);
  }
}

/** The caller's `AbortSignal` fired; `cause` is the signal's reason. */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  constructor(options?: { cause?: unknown }) {
    super('the operation was aborted', options);
  }
}

/**
 * A transaction (multi) failed and nothing was applied by the attempt that reported it.
 * `errors` has one entry per op, in order: `ok` for ops before the failing one, then the
 * failing op's error, then `RuntimeInconsistencyError` for the ops after it (the server's
 * report).
 *
 * Retries make one case ambiguous. A multi is not idempotent: when an attempt's reply is
 * lost (connection loss) the client retries it, and if the lost attempt had committed, the
 * retry fails on the state the first attempt left behind (its create finds `NodeExists`, its
 * version check finds `BadVersion`). Such an error has {@link mayHaveBeenApplied} `true`:
 * the transaction may have been applied once, by an attempt whose reply never came. Check
 * the state (read the nodes the transaction wrote) before treating it as a failure, or make
 * the transaction recognisable (a unique node it creates, a version it checks).
 */
export class TransactionError extends Error {
  override readonly name = 'TransactionError';
  /** Index of the first failed op. */
  readonly failedIndex: number;
  /** The first failed op's error (also `cause`). */
  readonly error: ZooKeeperError;
  /**
   * `true` when an earlier attempt of this commit ended in a connection loss, so its
   * outcome is unknown and it may have committed: this failure may be the trace of that
   * commit rather than a conflict with another client. `false` when this was the first
   * attempt (nothing was applied).
   */
  readonly mayHaveBeenApplied: boolean;

  constructor(
    readonly errors: readonly OperationError[],
    failedIndex: number,
    error: ZooKeeperError,
    options: { mayHaveBeenApplied?: boolean } = {},
  ) {
    const applied = options.mayHaveBeenApplied === true;
    const note = applied ? ' (after a lost reply: an earlier attempt may have been applied)' : '';
    super(`transaction failed at op ${failedIndex}: ${error.message}${note}`, { cause: error });
    this.failedIndex = failedIndex;
    this.error = error;
    this.mayHaveBeenApplied = applied;
  }
}

/**
 * The server refused a credential (`authInfo` at connect, or `addAuth`): it answers
 * AUTHFAILED (an `AuthFailedError`, the `cause`) and closes the connection. Every server of
 * the ensemble would refuse it again, so the client gives up instead of reconnecting:
 * - the state becomes LOST (the client will not use that session again; the server expires
 *   it after its timeout, as no closeSession can be sent for it), then the client closes;
 * - the client emits this error as an `error` event; `addAuth` rejects with it;
 * - operations under way (in flight, waiting for a connection, or between retries) reject
 *   with it; operations started later reject with `ClosedError` whose `cause` it is.
 * Note that `start()` resolves at the handshake, before the server has judged `authInfo`:
 * watch the `error` event, or call an operation, to learn of a refusal.
 */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
  constructor(
    /** The scheme of the refused credential. */
    readonly scheme: string,
    options?: { cause?: unknown },
  ) {
    super(`authentication failed for scheme ${scheme}`, options);
  }
}

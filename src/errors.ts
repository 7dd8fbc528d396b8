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
 * A transaction (multi) failed and nothing was applied. `errors` has one entry per op, in
 * order: `ok` for ops before the failing one, then the failing op's error, then
 * `RuntimeInconsistencyError` for the ops after it (the server's report).
 */
export class TransactionError extends Error {
  override readonly name = 'TransactionError';
  /** Index of the first failed op. */
  readonly failedIndex: number;
  /** The first failed op's error (also `cause`). */
  readonly error: ZooKeeperError;

  constructor(
    readonly errors: readonly OperationError[],
    failedIndex: number,
    error: ZooKeeperError,
  ) {
    super(`transaction failed at op ${failedIndex}: ${error.message}`, { cause: error });
    this.failedIndex = failedIndex;
    this.error = error;
  }
}

/** The server refused the client's credentials; the client closes itself. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
  constructor(
    readonly scheme: string,
    options?: { cause?: unknown },
  ) {
    super(`authentication failed for scheme ${scheme}`, options);
  }
}

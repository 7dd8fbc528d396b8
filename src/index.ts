/**
 * zookit: ZooKeeper for TypeScript. This entry point is the client API; the wire tables,
 * the error hierarchy and the path rules are part of it.
 *
 * ```ts
 * import { ZooKit, CreateMode, ConnectionState, ExponentialBackoffRetry } from 'zookit';
 * const client = ZooKit.newClient('127.0.0.1:2181/app', { sessionTimeoutMs: 30_000 });
 * await client.start();
 * ```
 */

// The client.
export { type ClientEvents, ZooKit, ZooKitClient } from './client/client';
export { type HostAddress, InvalidConnectStringError, parseConnectString } from './client/connect-string';
export { ConnectionState, isConnectedState } from './client/connection-state';
export { type EventIterator, eventIterator } from './client/events';
export {
  isProtectedName,
  PROTECTED_MARKER,
  protectedPath,
  protectedPrefix,
  stripProtectedPrefix,
} from './client/protection';
export {
  BoundedExponentialBackoffRetry,
  ExponentialBackoffRetry,
  isRetryableError,
  RetryForever,
  RetryNTimes,
  RetryOneTime,
  type RetryPolicy,
  RetryUntilElapsed,
  withRetry,
} from './client/retry-policy';
export {
  type ReadOp,
  type ReadResult,
  ReadTransaction,
  Transaction,
  type TransactionCreateOptions,
} from './client/transaction';
export { clientDefaults } from './defaults';
export {
  AbortError,
  AuthenticationError,
  ClosedError,
  ConnectionTimeoutError,
  TransactionError,
} from './errors';
export * from './protocol/constants';
export * from './protocol/data';
export * from './protocol/errors';
export {
  InvalidPathError,
  isValidPath,
  joinPath,
  nodeName,
  parentPath,
  parseSequence,
  pathProblem,
  sequenceSuffix,
  validatePath,
} from './protocol/paths';
export type * from './types';

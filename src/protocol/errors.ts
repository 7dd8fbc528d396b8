/**
 * One error hierarchy for the whole toolkit. {@link ZooKeeperError} carries Apache
 * ZooKeeper's numeric code (`KeeperException.Code`), the path and the operation; there is
 * one subclass per code, made from one table. Malformed bytes are a {@link ProtocolError}.
 */

/** Every error code of `KeeperException.Code`, by name. */
export const ErrorCode = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const;
/** A ZooKeeper error code (`KeeperException.Code`): 0 for OK, negative for errors. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
/** The name of an error code, as `ErrorCode`'s keys spell it (`NONODE`, `BADVERSION`, …). */
export type ErrorCodeName = keyof typeof ErrorCode;

/** The table the subclasses are made from: code → class name and message. */
const errorTable = [
  [ErrorCode.SYSTEMERROR, 'SystemError', 'System error'],
  [ErrorCode.RUNTIMEINCONSISTENCY, 'RuntimeInconsistencyError', 'Runtime inconsistency'],
  [ErrorCode.DATAINCONSISTENCY, 'DataInconsistencyError', 'Data inconsistency'],
  [ErrorCode.CONNECTIONLOSS, 'ConnectionLossError', 'Connection loss'],
  [ErrorCode.MARSHALLINGERROR, 'MarshallingError', 'Error while marshalling or unmarshalling data'],
  [ErrorCode.UNIMPLEMENTED, 'UnimplementedError', 'Unimplemented'],
  [ErrorCode.OPERATIONTIMEOUT, 'OperationTimeoutError', 'Operation timeout'],
  [ErrorCode.BADARGUMENTS, 'BadArgumentsError', 'Bad arguments'],
  [ErrorCode.UNKNOWNSESSION, 'UnknownSessionError', 'Unknown session'],
  [ErrorCode.NEWCONFIGNOQUORUM, 'NewConfigNoQuorumError', 'No quorum of new config is connected'],
  [ErrorCode.RECONFIGINPROGRESS, 'ReconfigInProgressError', 'Another reconfiguration is in progress'],
  [ErrorCode.APIERROR, 'ApiError', 'API error'],
  [ErrorCode.NONODE, 'NoNodeError', 'No node'],
  [ErrorCode.NOAUTH, 'NoAuthError', 'Not authenticated'],
  [ErrorCode.BADVERSION, 'BadVersionError', 'Bad version'],
  [
    ErrorCode.NOCHILDRENFOREPHEMERALS,
    'NoChildrenForEphemeralsError',
    'Ephemeral nodes may not have children',
  ],
  [ErrorCode.NODEEXISTS, 'NodeExistsError', 'Node exists'],
  [ErrorCode.NOTEMPTY, 'NotEmptyError', 'Directory not empty'],
  [ErrorCode.SESSIONEXPIRED, 'SessionExpiredError', 'Session expired'],
  [ErrorCode.INVALIDCALLBACK, 'InvalidCallbackError', 'Invalid callback'],
  [ErrorCode.INVALIDACL, 'InvalidAclError', 'Invalid ACL'],
  [ErrorCode.AUTHFAILED, 'AuthFailedError', 'Authentication failed'],
  [ErrorCode.SESSIONMOVED, 'SessionMovedError', 'Session moved'],
  [ErrorCode.NOTREADONLY, 'NotReadOnlyError', 'Not a read-only call'],
  [ErrorCode.EPHEMERALONLOCALSESSION, 'EphemeralOnLocalSessionError', 'Ephemeral node on local session'],
  [ErrorCode.NOWATCHER, 'NoWatcherError', 'No such watcher'],
  [ErrorCode.REQUESTTIMEOUT, 'RequestTimeoutError', 'Request timeout'],
  [ErrorCode.RECONFIGDISABLED, 'ReconfigDisabledError', 'Reconfig is disabled'],
  [
    ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH,
    'SessionClosedRequireSaslAuthError',
    'Session closed because client failed to authenticate',
  ],
  [ErrorCode.QUOTAEXCEEDED, 'QuotaExceededError', 'Quota has exceeded'],
  [ErrorCode.THROTTLEDOP, 'ThrottledOpError', 'Op throttled due to high load'],
] as const;

const codeNames = new Map<number, ErrorCodeName>(
  Object.entries(ErrorCode).map(([name, code]) => [code, name as ErrorCodeName]),
);

/** The code's name (`NONODE`), or `UNKNOWN(<n>)`. */
export function errorCodeName(code: number): string {
  return codeNames.get(code) ?? `UNKNOWN(${code})`;
}
/** True if `code` is one of Apache ZooKeeper's codes. */
export function isErrorCode(code: number): code is ErrorCode {
  return codeNames.has(code);
}

/** Where an error happened, for messages and for programs. */
export interface ZooKeeperErrorOptions {
  path?: string | undefined;
  /** The operation's name, e.g. `create` or `multi`. */
  op?: string | undefined;
  cause?: unknown;
}

/** A ZooKeeper error: a code from `KeeperException.Code`, and where it happened. */
export class ZooKeeperError extends Error {
  override name = 'ZooKeeperError';
  readonly code: number;
  readonly path: string | undefined;
  readonly op: string | undefined;

  constructor(code: number, message?: string, options: ZooKeeperErrorOptions = {}) {
    const where = [options.op, options.path].filter((part) => part !== undefined).join(' ');
    const text = message ?? defaultMessage(code);
    super(where ? `${errorCodeName(code)}: ${text} (${where})` : `${errorCodeName(code)}: ${text}`, {
      cause: options.cause,
    });
    this.code = code;
    this.path = options.path;
    this.op = options.op;
  }

  /** The code's name, e.g. `NONODE`. */
  get codeName(): string {
    return errorCodeName(this.code);
  }
}

function defaultMessage(code: number): string {
  return messages.get(code) ?? 'Unknown error';
}
const messages = new Map<number, string>(errorTable.map(([code, , message]) => [code, message]));

type CodeClass = new (message?: string, options?: ZooKeeperErrorOptions) => ZooKeeperError;
const classes = new Map<number, CodeClass>();

function defineErrorClass(code: number, name: string): CodeClass {
  const cls = class extends ZooKeeperError {
    constructor(message?: string, options?: ZooKeeperErrorOptions) {
      super(code, message, options);
      this.name = name;
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  classes.set(code, cls);
  return cls;
}

function classFor(code: ErrorCode): CodeClass {
  const entry = errorTable.find(([c]) => c === code);
  if (entry === undefined) throw new Error(`no error class for code ${code}`);
  return defineErrorClass(entry[0], entry[1]);
}

/** The server failed in a way it does not describe further (code -1). */
export const SystemError = classFor(ErrorCode.SYSTEMERROR);
export type SystemError = InstanceType<typeof SystemError>;
/** The server found its own state inconsistent while handling the request (-2). */
export const RuntimeInconsistencyError = classFor(ErrorCode.RUNTIMEINCONSISTENCY);
export type RuntimeInconsistencyError = InstanceType<typeof RuntimeInconsistencyError>;
/** The server found stored data inconsistent (-3). */
export const DataInconsistencyError = classFor(ErrorCode.DATAINCONSISTENCY);
export type DataInconsistencyError = InstanceType<typeof DataInconsistencyError>;
/** The connection went away before the reply arrived: the request may or may not have been applied (-4). Retried by the retry policy. */
export const ConnectionLossError = classFor(ErrorCode.CONNECTIONLOSS);
export type ConnectionLossError = InstanceType<typeof ConnectionLossError>;
/** A request or reply could not be encoded or decoded, or the server does not know a field value it was sent (-5). */
export const MarshallingError = classFor(ErrorCode.MARSHALLINGERROR);
export type MarshallingError = InstanceType<typeof MarshallingError>;
/** The server does not implement this operation (-6). */
export const UnimplementedError = classFor(ErrorCode.UNIMPLEMENTED);
export type UnimplementedError = InstanceType<typeof UnimplementedError>;
/** The operation did not complete in time (-7). Retried by the retry policy. */
export const OperationTimeoutError = classFor(ErrorCode.OPERATIONTIMEOUT);
export type OperationTimeoutError = InstanceType<typeof OperationTimeoutError>;
/** The server refused the request's arguments: an invalid path, mode, TTL or watch type (-8). */
export const BadArgumentsError = classFor(ErrorCode.BADARGUMENTS);
export type BadArgumentsError = InstanceType<typeof BadArgumentsError>;
/** The session is not known to the server (-12). */
export const UnknownSessionError = classFor(ErrorCode.UNKNOWNSESSION);
export type UnknownSessionError = InstanceType<typeof UnknownSessionError>;
/** A dynamic reconfiguration would leave no quorum (-13). */
export const NewConfigNoQuorumError = classFor(ErrorCode.NEWCONFIGNOQUORUM);
export type NewConfigNoQuorumError = InstanceType<typeof NewConfigNoQuorumError>;
/** Another dynamic reconfiguration is under way (-14). */
export const ReconfigInProgressError = classFor(ErrorCode.RECONFIGINPROGRESS);
export type ReconfigInProgressError = InstanceType<typeof ReconfigInProgressError>;
/** The base of API errors (-100); not sent on its own. */
export const ApiError = classFor(ErrorCode.APIERROR);
export type ApiError = InstanceType<typeof ApiError>;
/** The node does not exist (-101). */
export const NoNodeError = classFor(ErrorCode.NONODE);
export type NoNodeError = InstanceType<typeof NoNodeError>;
/** The session lacks the permission the operation needs on the node (-102). */
export const NoAuthError = classFor(ErrorCode.NOAUTH);
export type NoAuthError = InstanceType<typeof NoAuthError>;
/** The node's version differs from the expected one (-103): a compare-and-set lost. */
export const BadVersionError = classFor(ErrorCode.BADVERSION);
export type BadVersionError = InstanceType<typeof BadVersionError>;
/** Ephemeral nodes cannot have children (-108). */
export const NoChildrenForEphemeralsError = classFor(ErrorCode.NOCHILDRENFOREPHEMERALS);
export type NoChildrenForEphemeralsError = InstanceType<typeof NoChildrenForEphemeralsError>;
/** A node already exists at the path (-110). */
export const NodeExistsError = classFor(ErrorCode.NODEEXISTS);
export type NodeExistsError = InstanceType<typeof NodeExistsError>;
/** The node has children and cannot be deleted (-111). */
export const NotEmptyError = classFor(ErrorCode.NOTEMPTY);
export type NotEmptyError = InstanceType<typeof NotEmptyError>;
/** The session expired: its ephemerals are gone and its watches with them (-112). The client then starts a new session (Curator's LOST). */
export const SessionExpiredError = classFor(ErrorCode.SESSIONEXPIRED);
export type SessionExpiredError = InstanceType<typeof SessionExpiredError>;
/** An invalid callback was given (-113). */
export const InvalidCallbackError = classFor(ErrorCode.INVALIDCALLBACK);
export type InvalidCallbackError = InstanceType<typeof InvalidCallbackError>;
/** The ACL is invalid: empty, or with an unknown scheme or malformed id (-114). */
export const InvalidAclError = classFor(ErrorCode.INVALIDACL);
export type InvalidAclError = InstanceType<typeof InvalidAclError>;
/** Authentication failed: the session is closed by the server (-115). */
export const AuthFailedError = classFor(ErrorCode.AUTHFAILED);
export type AuthFailedError = InstanceType<typeof AuthFailedError>;
/** The session moved to another server of the ensemble (-118). */
export const SessionMovedError = classFor(ErrorCode.SESSIONMOVED);
export type SessionMovedError = InstanceType<typeof SessionMovedError>;
/** A write was sent to a server in read-only mode (-119). */
export const NotReadOnlyError = classFor(ErrorCode.NOTREADONLY);
export type NotReadOnlyError = InstanceType<typeof NotReadOnlyError>;
/** Ephemeral nodes cannot be created by a local session (-120). */
export const EphemeralOnLocalSessionError = classFor(ErrorCode.EPHEMERALONLOCALSESSION);
export type EphemeralOnLocalSessionError = InstanceType<typeof EphemeralOnLocalSessionError>;
/** No watch of the given kind exists on the path for this session (-121). */
export const NoWatcherError = classFor(ErrorCode.NOWATCHER);
export type NoWatcherError = InstanceType<typeof NoWatcherError>;
/** The request timed out on the client (-122). */
export const RequestTimeoutError = classFor(ErrorCode.REQUESTTIMEOUT);
export type RequestTimeoutError = InstanceType<typeof RequestTimeoutError>;
/** Dynamic reconfiguration is disabled on the server (-123). */
export const ReconfigDisabledError = classFor(ErrorCode.RECONFIGDISABLED);
export type ReconfigDisabledError = InstanceType<typeof ReconfigDisabledError>;
/** The server requires SASL authentication and closed the session (-124). */
export const SessionClosedRequireSaslAuthError = classFor(ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH);
export type SessionClosedRequireSaslAuthError = InstanceType<typeof SessionClosedRequireSaslAuthError>;
/** A hard quota on the subtree would be exceeded (-125). */
export const QuotaExceededError = classFor(ErrorCode.QUOTAEXCEEDED);
export type QuotaExceededError = InstanceType<typeof QuotaExceededError>;
/** The server throttled the operation under load (-127); try again later. */
export const ThrottledOpError = classFor(ErrorCode.THROTTLEDOP);
export type ThrottledOpError = InstanceType<typeof ThrottledOpError>;

/**
 * The error for a code received from a peer: an instance of the code's subclass, or a
 * plain {@link ZooKeeperError} for a code zookit does not know.
 */
export function fromCode(code: number, options: ZooKeeperErrorOptions = {}): ZooKeeperError {
  const cls = classes.get(code);
  return cls === undefined ? new ZooKeeperError(code, undefined, options) : new cls(undefined, options);
}

/** Kinds of malformed input a decoder can meet. */
export type ProtocolErrorKind =
  | 'truncated'
  | 'bad-length'
  | 'frame-too-large'
  | 'trailing-bytes'
  | 'bad-value'
  | 'unknown-type';

/**
 * Bytes from a peer that are not a valid ZooKeeper message. Never thrown for a bug in
 * zookit (that is an `AssertionError`); the connection that sent them is closed.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly kind: ProtocolErrorKind,
    message: string,
  ) {
    super(message);
  }
}

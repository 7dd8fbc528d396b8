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
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
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

export const SystemError = classFor(ErrorCode.SYSTEMERROR);
export type SystemError = InstanceType<typeof SystemError>;
export const RuntimeInconsistencyError = classFor(ErrorCode.RUNTIMEINCONSISTENCY);
export type RuntimeInconsistencyError = InstanceType<typeof RuntimeInconsistencyError>;
export const DataInconsistencyError = classFor(ErrorCode.DATAINCONSISTENCY);
export type DataInconsistencyError = InstanceType<typeof DataInconsistencyError>;
export const ConnectionLossError = classFor(ErrorCode.CONNECTIONLOSS);
export type ConnectionLossError = InstanceType<typeof ConnectionLossError>;
export const MarshallingError = classFor(ErrorCode.MARSHALLINGERROR);
export type MarshallingError = InstanceType<typeof MarshallingError>;
export const UnimplementedError = classFor(ErrorCode.UNIMPLEMENTED);
export type UnimplementedError = InstanceType<typeof UnimplementedError>;
export const OperationTimeoutError = classFor(ErrorCode.OPERATIONTIMEOUT);
export type OperationTimeoutError = InstanceType<typeof OperationTimeoutError>;
export const BadArgumentsError = classFor(ErrorCode.BADARGUMENTS);
export type BadArgumentsError = InstanceType<typeof BadArgumentsError>;
export const UnknownSessionError = classFor(ErrorCode.UNKNOWNSESSION);
export type UnknownSessionError = InstanceType<typeof UnknownSessionError>;
export const NewConfigNoQuorumError = classFor(ErrorCode.NEWCONFIGNOQUORUM);
export type NewConfigNoQuorumError = InstanceType<typeof NewConfigNoQuorumError>;
export const ReconfigInProgressError = classFor(ErrorCode.RECONFIGINPROGRESS);
export type ReconfigInProgressError = InstanceType<typeof ReconfigInProgressError>;
export const ApiError = classFor(ErrorCode.APIERROR);
export type ApiError = InstanceType<typeof ApiError>;
export const NoNodeError = classFor(ErrorCode.NONODE);
export type NoNodeError = InstanceType<typeof NoNodeError>;
export const NoAuthError = classFor(ErrorCode.NOAUTH);
export type NoAuthError = InstanceType<typeof NoAuthError>;
export const BadVersionError = classFor(ErrorCode.BADVERSION);
export type BadVersionError = InstanceType<typeof BadVersionError>;
export const NoChildrenForEphemeralsError = classFor(ErrorCode.NOCHILDRENFOREPHEMERALS);
export type NoChildrenForEphemeralsError = InstanceType<typeof NoChildrenForEphemeralsError>;
export const NodeExistsError = classFor(ErrorCode.NODEEXISTS);
export type NodeExistsError = InstanceType<typeof NodeExistsError>;
export const NotEmptyError = classFor(ErrorCode.NOTEMPTY);
export type NotEmptyError = InstanceType<typeof NotEmptyError>;
export const SessionExpiredError = classFor(ErrorCode.SESSIONEXPIRED);
export type SessionExpiredError = InstanceType<typeof SessionExpiredError>;
export const InvalidCallbackError = classFor(ErrorCode.INVALIDCALLBACK);
export type InvalidCallbackError = InstanceType<typeof InvalidCallbackError>;
export const InvalidAclError = classFor(ErrorCode.INVALIDACL);
export type InvalidAclError = InstanceType<typeof InvalidAclError>;
export const AuthFailedError = classFor(ErrorCode.AUTHFAILED);
export type AuthFailedError = InstanceType<typeof AuthFailedError>;
export const SessionMovedError = classFor(ErrorCode.SESSIONMOVED);
export type SessionMovedError = InstanceType<typeof SessionMovedError>;
export const NotReadOnlyError = classFor(ErrorCode.NOTREADONLY);
export type NotReadOnlyError = InstanceType<typeof NotReadOnlyError>;
export const EphemeralOnLocalSessionError = classFor(ErrorCode.EPHEMERALONLOCALSESSION);
export type EphemeralOnLocalSessionError = InstanceType<typeof EphemeralOnLocalSessionError>;
export const NoWatcherError = classFor(ErrorCode.NOWATCHER);
export type NoWatcherError = InstanceType<typeof NoWatcherError>;
export const RequestTimeoutError = classFor(ErrorCode.REQUESTTIMEOUT);
export type RequestTimeoutError = InstanceType<typeof RequestTimeoutError>;
export const ReconfigDisabledError = classFor(ErrorCode.RECONFIGDISABLED);
export type ReconfigDisabledError = InstanceType<typeof ReconfigDisabledError>;
export const SessionClosedRequireSaslAuthError = classFor(ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH);
export type SessionClosedRequireSaslAuthError = InstanceType<typeof SessionClosedRequireSaslAuthError>;
export const QuotaExceededError = classFor(ErrorCode.QUOTAEXCEEDED);
export type QuotaExceededError = InstanceType<typeof QuotaExceededError>;
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

/**
 * The client's public types: options, operation results, watch events. Wire records live in
 * `src/protocol`; these are the shapes an application sees.
 */
import type { RetryPolicy } from './client/retry-policy';
import type { CreateMode } from './protocol/constants';
import type { Acl, Stat } from './protocol/data';
import type { ZooKeeperError } from './protocol/errors';

/** Node data accepted by every write: bytes, or a string (encoded as UTF-8). */
export type NodeData = Uint8Array | Buffer | string;

/** One credential sent to every server the client connects to (an `auth` packet). */
export interface AuthInfo {
  /** Auth scheme, e.g. `digest`. */
  scheme: string;
  /** Credential bytes, e.g. `user:secret` for `digest`. */
  auth: Uint8Array | Buffer | string;
}

/** Options of {@link ZooKit.newClient}. Every field has a default in `defaults.ts`. */
export interface ClientOptions {
  /** Session timeout asked of the server, in ms; the server clamps it to 2..20 ticks. */
  sessionTimeoutMs?: number;
  /** How long `start()` and operations wait for a connection before failing, in ms. */
  connectionTimeoutMs?: number;
  /** Retry policy of every operation (retried on connection loss and operation timeout). */
  retryPolicy?: RetryPolicy;
  /** Also retry operations that failed with `SessionExpiredError` (default false). */
  retrySessionExpired?: boolean;
  /** Credentials sent after every connect. */
  authInfo?: readonly AuthInfo[];
  /** Accept read-only servers (state `READ_ONLY`). */
  canBeReadOnly?: boolean;
  /** Largest frame accepted from the server, in bytes (default `jute.maxbuffer`). */
  frameBytesMax?: number;
  /** Default ACL of created nodes (default world:anyone ALL). */
  defaultAcl?: readonly Acl[];
}

/** Options of `create`. */
export interface CreateOptions {
  /** Node kind (default PERSISTENT). */
  mode?: CreateMode;
  /** Create missing parents as persistent nodes. */
  creatingParentsIfNeeded?: boolean;
  /** Create missing parents as containers (implies `creatingParentsIfNeeded`). */
  creatingParentContainersIfNeeded?: boolean;
  /**
   * Curator's protected create: the node name gets a `_c_<uuid>-` prefix so a create whose
   * reply was lost is found on retry instead of duplicated. An ephemeral found under another
   * session (an earlier session of this client) is deleted and created again.
   *
   * Without protection, a create whose reply is lost after it committed is retried like any
   * operation after a connection loss, and the retry cannot tell: a plain create rejects
   * with `NodeExistsError` (the node is there, with the data written); a sequential create
   * succeeds a second time, leaving an orphan first node (an ephemeral one lives as long as
   * the session); with no retries left the create rejects with `ConnectionLossError`
   * although it committed. Use protection for sequential and ephemeral nodes.
   */
  protection?: boolean;
  /** Time to live of a TTL node, in ms (modes PERSISTENT_WITH_TTL / PERSISTENT_SEQUENTIAL_WITH_TTL). */
  ttlMs?: number;
  /** ACL of the node (default: the client's `defaultAcl`). */
  acl?: readonly Acl[];
  /** Abort waiting and retrying. */
  signal?: AbortSignal;
}

/** A created node: its path (client view, chroot stripped) and its Stat. */
export interface CreateResult {
  path: string;
  stat: Stat;
}

/** Called with a one-shot watch's event. */
export type WatchCallback = (event: WatchEvent) => void;

/** `watch` of a read: `true` returns a promise of the event, a function is called with it. */
export type WatchOption = boolean | WatchCallback;

/** Options of the reads (`getData`, `exists`, `getChildren`). */
export interface ReadOptions<W extends WatchOption = WatchOption> {
  /** Leave a one-shot watch on the node (see {@link WatchOption}). */
  watch?: W;
  /** Abort waiting and retrying. */
  signal?: AbortSignal;
}

/** Options of `getChildren`. */
export interface GetChildrenOptions<W extends WatchOption = WatchOption> extends ReadOptions<W> {
  /** Also return the parent's Stat (`getChildren2`). */
  withStat?: boolean;
}

/** Result of `getData`. */
export interface DataResult {
  /** The node's bytes (empty for a node with null data). */
  data: Buffer;
  stat: Stat;
}

/** Result of `getChildren` with `withStat`. */
export interface ChildrenResult {
  children: string[];
  stat: Stat;
}

/** A read made with `watch: true`: the result and the promise of the watch's one event. */
export interface Watched {
  /** Resolves once, with the event that fired the watch (or `NotWatching`). Never rejects. */
  watchEvent: Promise<WatchEvent>;
}

/** Options of `setData`. */
export interface SetDataOptions {
  /** Expected data version; -1 (default) means any. */
  version?: number;
  signal?: AbortSignal;
}

/** Options of `delete`. */
export interface DeleteOptions {
  /** Expected data version; -1 (default) means any. */
  version?: number;
  /** Delete the whole subtree first. */
  deletingChildrenIfNeeded?: boolean;
  /**
   * Curator's guaranteed delete: after a connection loss or operation timeout (once the
   * retry policy gave up) the call rejects but a background task keeps trying, every
   * `clientLimits.guaranteedDeleteIntervalMs`, until the delete succeeds, the node is gone,
   * or the client closes. A retry that finds the node gone after a lost reply resolves the
   * call. A non-retryable failure of the background task is emitted as an `error` event.
   */
  guaranteed?: boolean;
  signal?: AbortSignal;
}

/** Options of a persistent watch (`client.watch`). */
export interface PersistentWatchOptions {
  /** Watch the node and every descendant (`PERSISTENT_RECURSIVE`). */
  recursive?: boolean;
  /** Events buffered for a slow reader before the oldest are dropped. */
  bufferMax?: number;
}

/** Event types the server sends for a node change. */
export type NodeEventType = 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged';

/**
 * A watch event, a union on `type`:
 * - a node change, with the zxid of the transaction (-1 for events synthesized on reconnect);
 * - `DataWatchRemoved` / `ChildWatchRemoved` / `PersistentWatchRemoved`: the watch was removed
 *   by `removeWatches` or `close()`;
 * - `NotWatching`: the watch is gone without a change: its session expired (a new session does
 *   not carry one-shot watches) or the client closed. This is Java's `None` event with state
 *   `Expired`/`Closed`.
 */
export type WatchEvent =
  | { type: NodeEventType; path: string; zxid: bigint }
  | { type: 'DataWatchRemoved' | 'ChildWatchRemoved' | 'PersistentWatchRemoved'; path: string }
  | { type: 'NotWatching'; path: string; reason: 'sessionExpired' | 'closed' };

/** A persistent watch: its events as an async iterable, until `close()`. */
export interface PersistentWatch extends AsyncIterable<WatchEvent> {
  readonly path: string;
  readonly recursive: boolean;
  /** Resolves once the server has the watch (the first `addWatch` reply). */
  readonly ready: Promise<void>;
  /**
   * Stops the watch: removes it locally (no event is delivered after), ends the iteration,
   * and, when no other persistent watch of this client is on the path, removes it on the
   * server with `removeWatches` of type persistent / persistentRecursive. Servers before
   * 3.9 (Apache 3.8) answer those types with MARSHALLINGERROR; the client then falls back
   * to type `any` when the session has no one-shot watch on the path. When it has one, `any`
   * would remove that too, so the server keeps the persistent watch until the session ends
   * and the client ignores its events. Never rejects: a server that cannot be told now is
   * not told later either, and the watch is not re-added on reconnect.
   */
  close(): Promise<void>;
}

/** Kinds of watch `removeWatches`/`checkWatches` address. */
export type WatcherKind = 'children' | 'data' | 'any' | 'persistent' | 'persistentRecursive';

/** Options of `removeWatches`. */
export interface RemoveWatchesOptions {
  /** Which watches (default `any`). */
  kind?: WatcherKind;
  /** Remove locally even when the server cannot be reached (default false). */
  local?: boolean;
}

/** One result of a committed transaction, a union on `type`. */
export type OperationResult =
  | { type: 'create'; path: string; stat: Stat | undefined }
  | { type: 'delete' }
  | { type: 'setData'; stat: Stat }
  | { type: 'check' };

/** One op's outcome in a failed transaction: `ok` for ops before the failure, else the error. */
export type OperationError = { type: 'ok' } | { type: 'error'; error: ZooKeeperError };

/** `whoAmI` entry: an identity the connection holds. */
export interface ClientInfo {
  authScheme: string;
  user: string;
}

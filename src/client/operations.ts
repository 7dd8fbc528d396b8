/**
 * Pieces of the client's operations that need no session: data conversion, the opcode a
 * create uses, reply decoders that apply the chroot, and the tree walks behind
 * `creatingParentsIfNeeded` and `deletingChildrenIfNeeded`.
 */
import { clientLimits } from '../defaults';
import { AbortError, ClosedError } from '../errors';
import { CreateMode, isTtl, Limits, OpCode } from '../protocol/constants';
import { type Acl, decodeStat, type Stat } from '../protocol/data';
import { BadArgumentsError, NodeExistsError, NoNodeError, NotEmptyError } from '../protocol/errors';
import { joinPath, parentPath } from '../protocol/paths';
import type { Reader } from '../protocol/reader';
import * as records from '../protocol/records';
import {
  type CreateRequest,
  type CreateTTLRequest,
  decodeCreate2Response,
  decodeCreateResponse,
  encodeCreateRequest,
  encodeCreateTTLRequest,
} from '../protocol/records';
import type { CreateOptions, DataResult, NodeData, ReadOptions, WatchCallback, WatchEvent } from '../types';
import { assert } from '../util/assert';
import { type BodyDecoder, type BodyEncoder, ClientRequest, type RequestRetrier } from './connection';
import { ConnectionState, isConnectedState } from './connection-state';
import { type RetryPolicy, withRetry } from './retry-policy';
import type { Session } from './session';
import type { WatchTable } from './watch-manager';

const EMPTY = Buffer.alloc(0);

/** Node data as the wire wants it: bytes without copying where possible; `null` stays null. */
export function toData(data: NodeData | null | undefined): Buffer | null {
  if (data === null || data === undefined) return null;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Data from a reply as the application gets it: a copy (the frame is reused), never null. */
export function fromData(data: Buffer | null): Buffer {
  return data === null || data.length === 0 ? EMPTY : Buffer.from(data);
}

/** Encodes the body of a createTTL (built by {@link createRequestFor}, so it has its ttl). */
const encodeTtlBody: BodyEncoder<CreateRequest> = (writer, body) =>
  encodeCreateTTLRequest(writer, body as CreateTTLRequest);

/** The request a create sends: opcode, body and encoder, from its mode and options. */
export function createRequestFor(
  serverPath: string,
  data: Buffer | null,
  acl: CreateRequest['acl'],
  mode: CreateMode,
  ttlMs: number | undefined,
  withStat: boolean,
): { type: number; body: CreateRequest; encode: BodyEncoder<CreateRequest> } {
  if (isTtl(mode)) {
    if (ttlMs === undefined || !Number.isInteger(ttlMs) || ttlMs <= 0 || ttlMs > Limits.ttlMsMax) {
      throw new BadArgumentsError(`a TTL node needs ttlMs in 1..${Limits.ttlMsMax}`, {
        op: 'create',
        path: serverPath,
      });
    }
    const body: CreateTTLRequest = { path: serverPath, data, acl, flags: mode, ttl: BigInt(ttlMs) };
    return { type: OpCode.createTTL, body, encode: encodeTtlBody };
  }
  if (ttlMs !== undefined) {
    throw new BadArgumentsError('ttlMs needs a TTL mode', { op: 'create', path: serverPath });
  }
  const body: CreateRequest = { path: serverPath, data, acl, flags: mode };
  const encode = encodeCreateRequest;
  if (mode === CreateMode.CONTAINER) return { type: OpCode.createContainer, body, encode };
  return { type: withStat ? OpCode.create2 : OpCode.create, body, encode };
}

/** Reads a create reply of any create opcode as `{ path, stat }` (stat undefined for op 1). */
export function decodeAnyCreate(type: number): (reader: Reader) => { path: string; stat: Stat | undefined } {
  if (type === OpCode.create) {
    return (reader) => ({ path: decodeCreateResponse(reader).path, stat: undefined });
  }
  return decodeCreate2Response;
}

/** What the tree walks need from the client (application paths). */
export interface TreePort {
  createParent(path: string, container: boolean): Promise<void>;
  getChildren(path: string): Promise<string[]>;
  deleteNode(path: string, version: number): Promise<void>;
}

/** Creates every missing ancestor of `path` (persistent or container), top down. */
export async function ensureParents(port: TreePort, path: string, containers: boolean): Promise<void> {
  const ancestors: string[] = [];
  for (let parent = parentPath(path); parent !== '/' && parent !== ''; parent = parentPath(parent)) {
    ancestors.push(parent);
    assert(ancestors.length <= clientLimits.treeDepthMax, 'path depth is bounded');
  }
  for (const ancestor of ancestors.reverse()) {
    try {
      await port.createParent(ancestor, containers);
    } catch (error) {
      if (!(error instanceof NodeExistsError)) throw error;
    }
  }
}

/**
 * Deletes the subtree under `path` (not `path` itself), depth first. Nodes that vanish
 * meanwhile are fine; a node that gains children meanwhile is retried a bounded number of times.
 */
export async function deleteChildren(port: TreePort, path: string, depth = 0): Promise<void> {
  assert(depth <= clientLimits.treeDepthMax, 'tree depth is bounded');
  let children: string[];
  try {
    children = await port.getChildren(path);
  } catch (error) {
    if (error instanceof NoNodeError) return;
    throw error;
  }
  for (const child of children) {
    const childPath = joinPath(path, child);
    await deleteChildren(port, childPath, depth + 1);
    await deleteIgnoringMissing(port, childPath, depth);
  }
}

async function deleteIgnoringMissing(port: TreePort, path: string, depth: number): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      return await port.deleteNode(path, -1);
    } catch (error) {
      if (error instanceof NoNodeError) return;
      if (!(error instanceof NotEmptyError)) throw error;
      await deleteChildren(port, path, depth + 1);
    }
  }
  await port.deleteNode(path, -1);
}

/**
 * Requests a read-only server answers (Apache's read-only server refuses only writes, sync
 * and reconfig): a retry of one may go as soon as the session is READ_ONLY.
 */
const readOpcodes: ReadonlySet<number> = new Set<number>([
  OpCode.exists,
  OpCode.getData,
  OpCode.getACL,
  OpCode.getChildren,
  OpCode.getChildren2,
  OpCode.getEphemerals,
  OpCode.getAllChildrenNumber,
  OpCode.multiRead,
  OpCode.whoAmI,
]);

/**
 * Counts the connections a session opens, so a retry can start as soon as one opened after
 * its attempt began instead of sleeping out the policy's whole delay. Read-write connections
 * are counted apart: a write is refused by a read-only server, so only reads wake on READ_ONLY.
 */
export class ReconnectSignal {
  private opened = 0;
  private openedReadWrite = 0;
  private readonly waiters = new Set<{ reads: boolean; wake: () => void }>();

  constructor(private readonly session: Session) {
    session.onStateChange((state) => this.onState(state));
  }

  /** A mark to compare later connections with (take it when an attempt starts). */
  mark(reads: boolean): number {
    return reads ? this.opened : this.openedReadWrite;
  }

  /**
   * Resolves when a connection that serves `reads` (or writes) is up and opened after
   * `mark`: at once if one already is, else on the next one. Never rejects; forgets its
   * waiter when `over` aborts.
   */
  after(mark: number, reads: boolean, over: AbortSignal): Promise<void> {
    if (this.mark(reads) > mark && this.usable(this.session.state, reads)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter = { reads, wake: resolve };
      this.waiters.add(waiter);
      over.addEventListener('abort', () => this.waiters.delete(waiter), { once: true });
    });
  }

  private usable(state: ConnectionState | undefined, reads: boolean): boolean {
    if (!this.session.connected) return false;
    if (state === ConnectionState.CONNECTED || state === ConnectionState.RECONNECTED) return true;
    return reads && state === ConnectionState.READ_ONLY;
  }

  private onState(state: ConnectionState): void {
    if (!isConnectedState(state)) return;
    this.opened++;
    if (state !== ConnectionState.READ_ONLY) this.openedReadWrite++;
    for (const waiter of [...this.waiters]) {
      if (!this.usable(state, waiter.reads)) continue;
      this.waiters.delete(waiter);
      waiter.wake();
    }
  }
}

/** Runs requests for the client: retries, chroot, watch registration, and the tree walks' ports. */
export class OperationRunner implements RequestRetrier {
  private readonly reconnects: ReconnectSignal;

  constructor(
    private readonly session: Session,
    private readonly retryPolicy: RetryPolicy,
    readonly isRetryable: (error: unknown) => boolean,
    private readonly defaultAcl: readonly Acl[],
  ) {
    this.reconnects = new ReconnectSignal(session);
  }

  createOnce(
    path: string,
    data: Buffer | null,
    options: CreateOptions,
    mode: CreateMode,
    withStat: boolean,
  ): Promise<{ path: string; stat: Stat | undefined }> {
    const acl = [...(options.acl ?? this.defaultAcl)];
    const request = createRequestFor(
      this.session.toServerPath(path),
      data,
      acl,
      mode,
      options.ttlMs,
      withStat,
    );
    const decode = decodeAnyCreate(request.type);
    return this.call(request.type, path, request.body, request.encode, (reader) => {
      const created = decode(reader);
      return { path: this.session.toClientPath(created.path), stat: created.stat };
    });
  }

  deleteOnce(path: string, version: number): Promise<void> {
    return this.call(
      OpCode.delete,
      path,
      { path: this.session.toServerPath(path), version },
      records.encodeDeleteRequest,
      undefined,
    );
  }

  /** Sends one request (no retries); its promise. */
  call<T, B>(...args: Parameters<typeof this.request<T, B>>): Promise<T> {
    return this.session.submit(this.request<T, B>(...args));
  }

  /** A request (not yet sent) of this client's session; for {@link retryingRequest}. */
  request<T, B>(
    type: number,
    path: string | undefined,
    body: B,
    encode: BodyEncoder<B> | undefined,
    decode: BodyDecoder<T>,
    onReply?: (err: number, value: T | undefined) => void,
  ): ClientRequest<T> {
    return new ClientRequest<T, B>(type, path, body, encode, decode, onReply) as unknown as ClientRequest<T>;
  }

  /**
   * Runs an operation of one request per attempt under the retry policy: `build(attempt)`
   * makes the attempt's request (0-based). The hot path of the plain operations: the first
   * request's own promise is returned, and retry machinery appears only after a failure
   * (see {@link ClientRequest.retryWith}).
   */
  retryingRequest<T>(build: (attempt: number) => ClientRequest<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(new AbortError({ cause: signal.reason }));
    let request: ClientRequest<T>;
    try {
      request = build(0);
    } catch (error) {
      return Promise.reject(error);
    }
    request.retryWith(readOpcodes.has(request.type) ? this.readRetrier : this, build, signal);
    return this.session.submit(request);
  }

  /** See {@link RequestRetrier.retryFailed}: the retries after a failed first write request. */
  retryFailed<T>(
    error: unknown,
    build: (attempt: number) => ClientRequest<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    return this.retryFailedRequest(error, build, signal, false);
  }

  /** {@link retryFailed} for a read, which may be retried on a read-only connection. */
  private readonly readRetrier: RequestRetrier = {
    retryFailed: (error, build, signal) => this.retryFailedRequest(error, build, signal, true),
  };

  /**
   * The retries after a failed first request. Called as the request fails, before any
   * reconnect could happen, so the reconnect mark is taken now.
   */
  private retryFailedRequest<T>(
    error: unknown,
    build: (attempt: number) => ClientRequest<T>,
    signal: AbortSignal | undefined,
    reads: boolean,
  ): Promise<T> {
    const mark = this.reconnects.mark(reads);
    const operation = (attempt: number): Promise<T> => this.session.submit(build(attempt));
    return this.retryAfter(error, operation, signal, { reads, mark });
  }

  /** Registers `watcher` on `path` when the read succeeds (or, for exists, when the node is missing). */
  registerOn(
    path: string,
    watcher: WatchCallback | undefined,
    onSuccess: WatchTable,
    onNoNode: WatchTable | undefined,
  ): ((err: number) => void) | undefined {
    if (watcher === undefined) return undefined;
    return (err) => {
      if (err === 0) this.session.watches.add(onSuccess, path, watcher);
      else if (err === NO_NODE && onNoNode !== undefined) this.session.watches.add(onNoNode, path, watcher);
    };
  }

  /**
   * Runs `operation` (0-based attempt) with the retry policy. The first attempt runs
   * directly; p-retry's machinery is entered only after a retryable failure, which is then
   * handed to `withRetry` as its first attempt so the policy sees the right counts.
   * Hot path: not an async function, so a first attempt that succeeds costs one `then`.
   */
  retrying<T>(
    operation: (attempt: number) => Promise<T>,
    signal?: AbortSignal,
    options: { reads?: boolean } = {},
  ): Promise<T> {
    if (signal?.aborted) return Promise.reject(new AbortError({ cause: signal.reason }));
    const reads = options.reads === true;
    const mark = this.reconnects.mark(reads);
    let first: Promise<T>;
    try {
      first = operation(0);
    } catch (error) {
      return Promise.reject(error);
    }
    return first.then(undefined, (error: unknown) =>
      this.retryAfter(error, operation, signal, { reads, mark }),
    );
  }

  /**
   * The retries after a failed first attempt. Each sleep ends early when a connection opened
   * after the attempt that failed began (see {@link ReconnectSignal}): a loss that the client
   * repaired in milliseconds is retried in milliseconds. While no connection comes the
   * policy's delay still spaces the attempts, and a flapping server gets at most one retry
   * per connection it accepts, within the policy's count.
   */
  private async retryAfter<T>(
    error: unknown,
    operation: (attempt: number) => Promise<T>,
    signal: AbortSignal | undefined,
    first: { reads: boolean; mark: number },
  ): Promise<T> {
    if (!this.isRetryable(error)) throw error;
    // A session that closed itself (auth failure) explains a connection loss better.
    if (this.session.closed) throw this.explainFailure(error);
    const { reads } = first;
    let mark = first.mark;
    const attemptAfterFirst = (attempt: number): Promise<T> => {
      if (attempt === 1) return Promise.reject(error);
      mark = this.reconnects.mark(reads);
      return operation(attempt - 1);
    };
    try {
      return await withRetry(this.retryPolicy, attemptAfterFirst, {
        isRetryable: this.isRetryable,
        wakeEarly: (_attempt, over) => this.reconnects.after(mark, reads, over),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (final) {
      if (signal?.aborted) throw new AbortError({ cause: signal.reason });
      throw this.explainFailure(final);
    }
  }

  /**
   * An operation that was under way when the session closed itself (auth failure) rejects
   * with that cause rather than with the connection loss or `ClosedError` it ran into.
   */
  private explainFailure(error: unknown): unknown {
    const fatal = this.session.fatalError;
    if (fatal === undefined) return error;
    if (this.isRetryable(error)) return fatal;
    if (error instanceof ClosedError && error.cause === fatal) return fatal;
    return error;
  }

  lookupPort() {
    const session = this.session;
    return {
      /** Read when the found node's owner is compared (Curator's order): a session that ended
       * during the lookup must not make an ephemeral of the old one pass as ours. */
      get sessionId(): bigint {
        return session.sessionId;
      },
      getChildren: (path: string) =>
        this.call(
          OpCode.getChildren,
          path,
          { path: this.session.toServerPath(path), watch: false },
          records.encodeGetChildrenRequest,
          readChildren,
        ),
      exists: async (path: string) => {
        try {
          return await this.call(
            OpCode.exists,
            path,
            { path: this.session.toServerPath(path), watch: false },
            records.encodeExistsRequest,
            readStat,
          );
        } catch (error) {
          if (error instanceof NoNodeError) return null;
          throw error;
        }
      },
      delete: (path: string) => this.deleteOnce(path, -1),
    };
  }

  treePort() {
    return {
      createParent: async (path: string, container: boolean) => {
        const mode = container ? CreateMode.CONTAINER : CreateMode.PERSISTENT;
        await this.createOnce(path, null, {}, mode, container);
      },
      getChildren: (path: string) =>
        this.call(
          OpCode.getChildren,
          path,
          { path: this.session.toServerPath(path), watch: false },
          records.encodeGetChildrenRequest,
          readChildren,
        ),
      deleteNode: (path: string, version: number) => this.deleteOnce(path, version),
    };
  }
}

const NO_NODE = -101;

/** A GetDataResponse as the application gets it, read without an intermediate record. */
export function readData(reader: Reader): DataResult {
  const data = fromData(reader.buffer());
  return { data, stat: decodeStat(reader) };
}
/** The Stat of an exists, setData or setACL reply. */
export function readStat(reader: Reader): Stat {
  return decodeStat(reader);
}
/** The children of a getChildren reply. */
export function readChildren(reader: Reader): string[] {
  return records.decodeGetChildrenResponse(reader).children;
}

/** The common case, shared: reads without a watch allocate nothing for it. */
const NO_WATCH = Object.freeze({ watcher: undefined, watched: undefined });

/** A read's watch option as a callback, plus the promise returned for `watch: true`. */
export function watchTarget(watch: ReadOptions['watch']): {
  watcher: WatchCallback | undefined;
  watched: Promise<WatchEvent> | undefined;
} {
  if (typeof watch === 'function') return { watcher: watch, watched: undefined };
  if (watch !== true) return NO_WATCH;
  let watcher: WatchCallback = () => {};
  const watched = new Promise<WatchEvent>((resolve) => {
    watcher = resolve;
  });
  return { watcher, watched };
}

/**
 * The public client: Curator's operations over a {@link Session}, each through the client's
 * retry policy, with chroot, watches, protection and transactions.
 *
 * ```ts
 * const client = ZooKit.newClient('127.0.0.1:2181/app', { sessionTimeoutMs: 30_000 });
 * await client.start();
 * await client.create('/a/b', 'hello', { creatingParentsIfNeeded: true });
 * const { data, stat } = await client.getData('/a/b');
 * await client.close();
 * ```
 */
import { clientDefaults, clientLimits } from '../defaults';
import { ClosedError, TransactionError } from '../errors';
import { CreateMode, isEphemeral, isSequential, OpCode } from '../protocol/constants';
import { type Acl, Ids, type Stat } from '../protocol/data';
import { MarshallingError, NoNodeError } from '../protocol/errors';
import { decodeMultiResponse, encodeMultiRequest, type MultiRequest } from '../protocol/multi';
import { parentPath, validatePath } from '../protocol/paths';
import * as records from '../protocol/records';
import type {
  AuthInfo,
  ChildrenResult,
  ClientInfo,
  ClientOptions,
  CreateOptions,
  CreateResult,
  DataResult,
  DeleteOptions,
  GetChildrenOptions,
  NodeData,
  OperationResult,
  PersistentWatch,
  PersistentWatchOptions,
  ReadOptions,
  RemoveWatchesOptions,
  SetDataOptions,
  WatchCallback,
  Watched,
  WatcherKind,
} from '../types';
import { delay } from '../util/deferred';
import { parseConnectString } from './connect-string';
import type { ClientRequest } from './connection';
import type { ConnectionState } from './connection-state';
import { eventIterator, TypedEventEmitter } from './events';
import {
  deleteChildren,
  ensureParents,
  OperationRunner,
  readChildren,
  readData,
  readStat,
  toData,
  watchTarget,
} from './operations';
import { findProtectedNode, newProtectionId, protectedPath, protectedPrefix } from './protection';
import { ExponentialBackoffRetry, isRetryableError, type RetryPolicy } from './retry-policy';
import { Session } from './session';
import {
  type ReadOp,
  type ReadResult,
  ReadTransaction,
  Transaction,
  type TransactionOp,
  toMultiOps,
  toMultiReadOps,
  toOperationResults,
  toReadResults,
} from './transaction';
import { openPersistentWatch, type WatchTable, watcherTypeOf } from './watch-manager';

/** Rounds of making parents again when one vanished before the create under it (a reaped container). */
const PARENT_RACE_ROUNDS_MAX = 5;

/** Events of {@link ZooKitClient}. */
export interface ClientEvents {
  /** The connection state changed. */
  stateChanged: [state: ConnectionState, previous: ConnectionState | undefined];
  /** A watcher or listener threw, or a background task (guaranteed delete) failed. */
  error: [error: unknown];
}

type ResolvedOptions = Required<Omit<ClientOptions, 'retryPolicy' | 'authInfo' | 'defaultAcl'>> & {
  retryPolicy: RetryPolicy;
  defaultAcl: readonly Acl[];
};

/** A ZooKeeper client owning one session at a time (Curator's `CuratorFramework`). */
export class ZooKitClient extends TypedEventEmitter<ClientEvents> {
  /** The options in force, defaults filled in. */
  readonly options: Readonly<ResolvedOptions>;
  private readonly session: Session;
  private readonly ops: OperationRunner;
  private readonly isRetryable: (error: unknown) => boolean;
  private readonly backgroundTasks = new Set<Promise<void>>();
  private closePromise: Promise<void> | undefined;
  /** Aborted when the client has closed: ends `states()` iterations. */
  private readonly closedController = new AbortController();

  /** Use {@link ZooKit.newClient}. */
  constructor(connectString: string, options: ClientOptions = {}) {
    super();
    const { hosts, chroot } = parseConnectString(connectString);
    this.options = resolveOptions(options);
    this.isRetryable = (error) =>
      isRetryableError(error, { retrySessionExpired: this.options.retrySessionExpired });
    this.session = new Session({
      hosts,
      chroot,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      connectionTimeoutMs: this.options.connectionTimeoutMs,
      canBeReadOnly: this.options.canBeReadOnly,
      authInfo: options.authInfo ?? [],
      frameBytesMax: this.options.frameBytesMax,
      onStateChange: (state, previous) => this.emitSafely('stateChanged', state, previous),
      onFatal: (error) => {
        this.emitSafely('error', error);
        void this.close();
      },
      onWatcherError: (error) => this.emitSafely('error', error),
    });
    this.ops = new OperationRunner(
      this.session,
      this.options.retryPolicy,
      this.isRetryable,
      this.options.defaultAcl,
    );
  }

  private emitSafely<K extends 'stateChanged' | 'error'>(event: K, ...args: ClientEvents[K]): void {
    try {
      (this.emit as (event: string, ...values: unknown[]) => boolean)(event, ...args);
    } catch (error) {
      if (event !== 'error') this.emitSafely('error', error);
    }
  }

  /**
   * Connects. Resolves on the first connection; rejects with `ConnectionTimeoutError` after
   * `connectionTimeoutMs`, while the client goes on trying (call again to wait again).
   */
  start(): Promise<void> {
    return this.session.waitConnected(this.options.connectionTimeoutMs);
  }

  /** The connection state (`undefined` before the first connection). */
  get state(): ConnectionState | undefined {
    return this.session.state;
  }

  /** The session id; 0n before the first connection and while a new session is being opened. */
  get sessionId(): bigint {
    return this.session.sessionId;
  }

  /** The session password (for tools that resume or expire a session). */
  get sessionPassword(): Buffer {
    return Buffer.from(this.session.sessionPassword);
  }

  /** The session timeout the server granted, in ms (0 before the first connection). */
  get sessionTimeoutMs(): number {
    return this.session.sessionTimeoutMs;
  }

  /** The chroot of the connect string (`''` for none). */
  get chroot(): string {
    return this.session.chroot;
  }

  /** True once connected and until the connection drops. */
  get connected(): boolean {
    return this.session.connected;
  }

  /**
   * True once `close()` was called (or the client closed itself after an auth failure); every
   * operation then rejects with `ClosedError`. `state` keeps the last connection state.
   */
  get closed(): boolean {
    return this.session.closed;
  }

  /** The connection states as an async iterable (from now on), until the client closes or `signal` aborts. */
  states(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<ConnectionState> {
    const signal =
      options.signal === undefined
        ? this.closedController.signal
        : AbortSignal.any([this.closedController.signal, options.signal]);
    return eventIterator<ConnectionState>(
      (push) => {
        this.on('stateChanged', push);
        return () => this.off('stateChanged', push);
      },
      { signal },
    );
  }

  /** Runs `operation` under the client's retry policy (for your own sequences of operations). */
  retry<T>(operation: (attempt: number) => Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
    return this.ops.retrying((attempt) => operation(attempt + 1), options.signal);
  }

  // -------------------------------------------------------------------------------------
  // Creates

  /** Creates a node; returns its path (with the sequence suffix for sequential modes). */
  async create(path: string, data: NodeData | null = null, options: CreateOptions = {}): Promise<string> {
    return (await this.createNode(path, data, options, false)).path;
  }

  /** Creates a node; returns its path and Stat (`create2`). */
  createWithStat(
    path: string,
    data: NodeData | null = null,
    options: CreateOptions = {},
  ): Promise<CreateResult> {
    return this.createNode(path, data, options, true) as Promise<CreateResult>;
  }

  private async createNode(
    path: string,
    data: NodeData | null,
    options: CreateOptions,
    withStat: boolean,
  ): Promise<{ path: string; stat: Stat | undefined }> {
    const mode = options.mode ?? CreateMode.PERSISTENT;
    validatePath(path, isSequential(mode));
    const bytes = toData(data);
    const protectionId = options.protection === true ? newProtectionId() : undefined;
    const target = protectionId === undefined ? path : protectedPath(path, protectionId);
    return this.ops.retrying(async (attempt) => {
      if (protectionId !== undefined && attempt > 0) {
        const found = await findProtectedNode(
          this.ops.lookupPort(),
          parentPath(target),
          protectedPrefix(protectionId),
          isEphemeral(mode),
        );
        if (found !== undefined) return found;
      }
      const parents =
        options.creatingParentsIfNeeded === true || options.creatingParentContainersIfNeeded === true;
      // A container parent can be reaped by the server (empty, and it had a child once) between
      // its creation (or our finding it) and the create under it: make the parents again, a
      // bounded number of times.
      for (let round = 0; ; round++) {
        try {
          if (round > 0)
            await ensureParents(
              this.ops.treePort(),
              target,
              options.creatingParentContainersIfNeeded === true,
            );
          return await this.ops.createOnce(target, bytes, options, mode, withStat);
        } catch (error) {
          if (!(error instanceof NoNodeError) || !parents || round >= PARENT_RACE_ROUNDS_MAX) throw error;
        }
      }
    }, options.signal);
  }

  // -------------------------------------------------------------------------------------
  // Reads

  /** A node's data and Stat. `watch: true` adds `watchEvent`, the promise of the next change. */
  getData(path: string, options: ReadOptions & { watch: true }): Promise<DataResult & Watched>;
  getData(path: string, options?: ReadOptions<false | WatchCallback>): Promise<DataResult>;
  getData(path: string, options: ReadOptions = {}): Promise<DataResult | (DataResult & Watched)> {
    try {
      validatePath(path);
    } catch (error) {
      return Promise.reject(error);
    }
    const { watcher, watched } = watchTarget(options.watch);
    const result = this.ops.retryingRequest(() => {
      const serverPath = this.session.toServerPath(path);
      const onReply = this.ops.registerOn(path, watcher, 'data', undefined);
      return this.ops.request(
        OpCode.getData,
        path,
        { path: serverPath, watch: watcher !== undefined },
        records.encodeGetDataRequest,
        readData,
        onReply,
      );
    }, options.signal);
    // Hot path: a plain read hands back the request's own promise chain.
    if (watched === undefined) return result;
    return result.then((value) => ({ ...value, watchEvent: watched }));
  }

  /** A node's Stat, or `null` when it does not exist. A watch is left either way. */
  exists(path: string, options: ReadOptions & { watch: true }): Promise<{ stat: Stat | null } & Watched>;
  exists(path: string, options?: ReadOptions<false | WatchCallback>): Promise<Stat | null>;
  async exists(
    path: string,
    options: ReadOptions = {},
  ): Promise<Stat | null | ({ stat: Stat | null } & Watched)> {
    validatePath(path);
    const { watcher, watched } = watchTarget(options.watch);
    const stat = await this.ops.retrying(
      async () => {
        const serverPath = this.session.toServerPath(path);
        const onReply = this.ops.registerOn(path, watcher, 'data', 'exist');
        try {
          return await this.ops.call(
            OpCode.exists,
            path,
            { path: serverPath, watch: watcher !== undefined },
            records.encodeExistsRequest,
            readStat,
            onReply,
          );
        } catch (error) {
          if (error instanceof NoNodeError) return null;
          throw error;
        }
      },
      options.signal,
      { reads: true }, // a read: its retry may go as soon as a read-only server answers
    );
    return watched === undefined ? stat : { stat, watchEvent: watched };
  }

  /** A node's children (names, unordered); `withStat` adds the node's Stat. */
  getChildren(path: string, options: GetChildrenOptions & { watch: true }): Promise<ChildrenResult & Watched>;
  getChildren(
    path: string,
    options: GetChildrenOptions<false | WatchCallback> & { withStat: true },
  ): Promise<ChildrenResult>;
  getChildren(path: string, options?: GetChildrenOptions<false | WatchCallback>): Promise<string[]>;
  async getChildren(
    path: string,
    options: GetChildrenOptions = {},
  ): Promise<string[] | ChildrenResult | (ChildrenResult & Watched)> {
    validatePath(path);
    const { watcher, watched } = watchTarget(options.watch);
    const withStat = options.withStat === true || watched !== undefined;
    type Children = string[] | ChildrenResult;
    const result = await this.ops.retryingRequest((): ClientRequest<Children> => {
      const body = { path: this.session.toServerPath(path), watch: watcher !== undefined };
      const onReply = this.ops.registerOn(path, watcher, 'child', undefined);
      if (withStat) {
        return this.ops.request<Children, typeof body>(
          OpCode.getChildren2,
          path,
          body,
          records.encodeGetChildren2Request,
          records.decodeGetChildren2Response,
          onReply,
        );
      }
      return this.ops.request<Children, typeof body>(
        OpCode.getChildren,
        path,
        body,
        records.encodeGetChildrenRequest,
        readChildren,
        onReply,
      );
    }, options.signal);
    if (watched !== undefined) return { ...(result as ChildrenResult), watchEvent: watched };
    return result;
  }

  /** The node's ACL and Stat. */
  getACL(path: string, options: { signal?: AbortSignal } = {}): Promise<{ acl: Acl[]; stat: Stat }> {
    validatePath(path);
    return this.ops.retrying(
      () =>
        this.ops.call(
          OpCode.getACL,
          path,
          { path: this.session.toServerPath(path) },
          records.encodeGetACLRequest,
          records.decodeGetACLResponse,
        ),
      options.signal,
      { reads: true },
    );
  }

  /** Number of all descendants of `path` (not only children). */
  getAllChildrenNumber(path: string, options: { signal?: AbortSignal } = {}): Promise<number> {
    validatePath(path);
    return this.ops.retrying(
      () =>
        this.ops.call(
          OpCode.getAllChildrenNumber,
          path,
          { path: this.session.toServerPath(path) },
          records.encodeGetAllChildrenNumberRequest,
          (reader) => records.decodeGetAllChildrenNumberResponse(reader).totalNumber,
        ),
      options.signal,
      { reads: true },
    );
  }

  /** This session's ephemeral nodes whose path starts with `prefixPath` (default all), chroot stripped. */
  getEphemerals(prefixPath = '/', options: { signal?: AbortSignal } = {}): Promise<string[]> {
    validatePath(prefixPath);
    return this.ops.retrying(
      () =>
        this.ops.call(
          OpCode.getEphemerals,
          prefixPath,
          { prefixPath: this.session.toServerPath(prefixPath) },
          records.encodeGetEphemeralsRequest,
          (reader) =>
            records
              .decodeGetEphemeralsResponse(reader)
              .ephemerals.map((path) => this.session.toClientPath(path)),
        ),
      options.signal,
      { reads: true },
    );
  }

  /** The identities this connection holds (`whoAmI`). */
  whoAmI(options: { signal?: AbortSignal } = {}): Promise<ClientInfo[]> {
    return this.ops.retrying(
      () =>
        this.ops.call(
          OpCode.whoAmI,
          undefined,
          undefined,
          undefined,
          (reader) => records.decodeWhoAmIResponse(reader).clientInfo,
        ),
      options.signal,
      { reads: true },
    );
  }

  /**
   * Dynamic reconfiguration (opcode 16, Apache ZooKeeper 3.5+ with `reconfigEnabled=true`,
   * as a super user or with `skipACL`): add servers (`joining`: specs such as
   * `server.4=host:2888:3888;2181`), remove them (`leaving`: ids), or replace the membership
   * (`members`); `fromConfig` (the `mzxid` of a config read with `getConfig`) makes it
   * conditional on the config not having moved on (`BadVersionError` otherwise). Resolves with
   * the new config (as `getConfig` reads it). Not retried after a connection loss: a lost reply leaves the outcome unknown, so read the
   * config before trying again. zookit's server answers `ReconfigDisabledError`.
   */
  reconfig(
    change:
      | { joining?: readonly string[]; leaving?: readonly (string | number)[]; fromConfig?: bigint }
      | { members: readonly string[]; fromConfig?: bigint },
  ): Promise<DataResult> {
    const list = (items: readonly (string | number)[] | undefined): string | null =>
      items === undefined || items.length === 0 ? null : items.map(String).join(',');
    const whole = 'members' in change;
    const request: records.ReconfigRequest = {
      joiningServers: whole ? null : list(change.joining),
      leavingServers: whole ? null : list(change.leaving),
      newMembers: whole ? list(change.members) : null,
      curConfigId: change.fromConfig ?? -1n,
    };
    if (request.joiningServers === null && request.leavingServers === null && request.newMembers === null)
      return Promise.reject(new RangeError('reconfig needs joining, leaving or members'));
    return this.ops.call(OpCode.reconfig, undefined, request, records.encodeReconfigRequest, readData);
  }

  /** The ensemble's dynamic configuration (`/zookeeper/config`, read outside the chroot). */
  getConfig(options: ReadOptions<false | WatchCallback> = {}): Promise<DataResult> {
    const watcher = typeof options.watch === 'function' ? options.watch : undefined;
    return this.ops.retrying(() => {
      const onReply =
        watcher === undefined
          ? undefined
          : (err: number) => {
              if (err === 0) this.session.watches.add('data', records.CONFIG_NODE_PATH, watcher);
            };
      const body = { path: records.CONFIG_NODE_PATH, watch: watcher !== undefined };
      return this.ops.call(
        OpCode.getData,
        records.CONFIG_NODE_PATH,
        body,
        records.encodeGetDataRequest,
        readData,
        onReply,
      );
    }, options.signal);
  }

  // -------------------------------------------------------------------------------------
  // Writes

  /** Sets a node's data (`version` -1, the default, matches any); returns the new Stat. */
  setData(path: string, data: NodeData | null, options: SetDataOptions = {}): Promise<Stat> {
    validatePath(path);
    const bytes = toData(data);
    const version = options.version ?? -1;
    return this.ops.retryingRequest(
      () =>
        this.ops.request(
          OpCode.setData,
          path,
          { path: this.session.toServerPath(path), data: bytes, version },
          records.encodeSetDataRequest,
          readStat,
        ),
      options.signal,
    );
  }

  /** Sets a node's ACL (`version` is the ACL version, -1 for any); returns the new Stat. */
  setACL(path: string, acl: readonly Acl[], options: SetDataOptions = {}): Promise<Stat> {
    validatePath(path);
    const version = options.version ?? -1;
    return this.ops.retrying(
      () =>
        this.ops.call(
          OpCode.setACL,
          path,
          { path: this.session.toServerPath(path), acl: [...acl], version },
          records.encodeSetACLRequest,
          readStat,
        ),
      options.signal,
    );
  }

  /**
   * Deletes a node. `deletingChildrenIfNeeded` deletes its subtree first.
   *
   * `guaranteed` (Curator's guaranteed delete) is for nodes that must not outlive their use,
   * such as a lock node:
   * - when the call fails with a retryable error (connection loss or operation timeout,
   *   after the retry policy gave up) it still rejects with that error, and a background
   *   task goes on trying every `clientLimits.guaranteedDeleteIntervalMs` until the delete
   *   succeeds, the node is found gone (`NoNode`), or the client closes (it does not outlive
   *   `close()`, which waits for it to stop). A non-retryable failure (`BadVersion`,
   *   `NotEmpty`…) ends it with an `error` event.
   * - when a retry finds `NoNode` after an attempt whose reply was lost, the call resolves:
   *   the node is gone, most likely by that attempt. Without `guaranteed` that retry rejects
   *   with `NoNodeError`, as in Curator: the client cannot tell who deleted it.
   */
  async delete(path: string, options: DeleteOptions = {}): Promise<void> {
    validatePath(path);
    const version = options.version ?? -1;
    const guaranteed = options.guaranteed === true;
    let outcomeUnknown = false;
    const once = async (): Promise<void> => {
      try {
        if (options.deletingChildrenIfNeeded === true) await deleteChildren(this.ops.treePort(), path);
        await this.ops.deleteOnce(path, version);
      } catch (error) {
        if (guaranteed && outcomeUnknown && error instanceof NoNodeError) return;
        if (this.isRetryable(error)) outcomeUnknown = true;
        throw error;
      }
    };
    try {
      await this.ops.retrying(once, options.signal);
    } catch (error) {
      if (guaranteed && this.isRetryable(error)) this.guaranteeDelete(once);
      throw error;
    }
  }

  /** The background part of a guaranteed delete; bounded by the client's life. */
  private guaranteeDelete(once: () => Promise<void>): void {
    const stopped = this.closedController.signal;
    const task = (async () => {
      while (!this.session.closed && !stopped.aborted) {
        try {
          await delay(clientLimits.guaranteedDeleteIntervalMs, stopped);
          await once();
          return;
        } catch (error) {
          if (error instanceof NoNodeError || stopped.aborted || this.session.closed) return;
          if (!this.isRetryable(error)) return this.emitSafely('error', error);
        }
      }
    })();
    this.backgroundTasks.add(task);
    void task.finally(() => this.backgroundTasks.delete(task));
  }

  /** Waits until the server this client talks to has caught up with the leader. */
  async sync(path: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    validatePath(path);
    await this.ops.retrying(
      () =>
        this.ops.call(
          OpCode.sync,
          path,
          { path: this.session.toServerPath(path) },
          records.encodeSyncRequest,
          undefined,
        ),
      options.signal,
    );
  }

  /** Starts a transaction (multi). */
  transaction(): Transaction {
    return new Transaction({ commitTransaction: (ops) => this.commitTransaction(ops) });
  }

  /**
   * Starts a multiRead (ZooKeeper 3.6+): getData and getChildren ops answered together from
   * one state of the tree, each succeeding or failing on its own.
   *
   * ```ts
   * const [config, members] = await client.multiRead().getData('/config').getChildren('/members').commit();
   * ```
   */
  multiRead(): ReadTransaction {
    return new ReadTransaction({ commitReads: (ops) => this.commitReads(ops) });
  }

  private commitReads(ops: readonly ReadOp[]): Promise<ReadResult[]> {
    const request: MultiRequest = { ops: toMultiReadOps(ops, (path) => this.session.toServerPath(path)) };
    return this.ops.retrying(
      async () => {
        const response = await this.ops.call(
          OpCode.multiRead,
          undefined,
          request,
          encodeMultiRequest,
          decodeMultiResponse,
        );
        return toReadResults(ops, response.results);
      },
      undefined,
      { reads: true },
    );
  }

  private commitTransaction(ops: readonly TransactionOp[]): Promise<OperationResult[]> {
    const encoding = {
      toServerPath: (path: string) => this.session.toServerPath(path),
      toData,
      defaultAcl: this.options.defaultAcl,
    };
    const request: MultiRequest = { ops: toMultiOps(ops, encoding) };
    // Set once an attempt's outcome is unknown: a later TransactionError may be its trace.
    let outcomeUnknown = false;
    return this.ops.retrying(async () => {
      try {
        const response = await this.ops.call(
          OpCode.multi,
          undefined,
          request,
          encodeMultiRequest,
          decodeMultiResponse,
        );
        return toOperationResults(ops, response.results, (path) => this.session.toClientPath(path));
      } catch (error) {
        if (error instanceof TransactionError && outcomeUnknown) {
          throw new TransactionError(error.errors, error.failedIndex, error.error, {
            mayHaveBeenApplied: true,
          });
        }
        if (this.isRetryable(error)) outcomeUnknown = true;
        throw error;
      }
    });
  }

  /** Adds a credential to this session and every later connection. */
  addAuth(scheme: string, auth: AuthInfo['auth']): Promise<void> {
    return this.session.addAuth({ scheme, auth });
  }

  // -------------------------------------------------------------------------------------
  // Watches

  /** A persistent watch on `path` (`addWatch`): events until `close()`, surviving reconnects and new sessions. */
  watch(path: string, options: PersistentWatchOptions = {}): PersistentWatch {
    validatePath(path);
    return openPersistentWatch(this.watchPort(), path, options);
  }

  /**
   * Removes every watch of `kind` (default `any`) on `path`, on the server and locally; the
   * removed watchers get a `*WatchRemoved` event. Rejects with `NoWatcherError` if none.
   */
  async removeWatches(path: string, options: RemoveWatchesOptions = {}): Promise<void> {
    validatePath(path);
    const kind = options.kind ?? 'any';
    try {
      await this.sendWatchCommand(OpCode.removeWatches, path, kind);
    } catch (error) {
      if (options.local !== true || error instanceof NoNodeError) throw error;
    }
    this.session.watches.removeKind(path, kind);
  }

  /** Rejects with `NoWatcherError` unless the server holds a watch of `kind` on `path` for this session. */
  async checkWatches(path: string, kind: WatcherKind = 'any'): Promise<void> {
    validatePath(path);
    await this.sendWatchCommand(OpCode.checkWatches, path, kind);
  }

  private sendWatchCommand(type: number, path: string, kind: WatcherKind): Promise<void> {
    return this.ops.retrying(() =>
      this.ops.call(
        type,
        path,
        { path: this.session.toServerPath(path), type: watcherTypeOf(kind) },
        records.encodeRemoveWatchesRequest,
        undefined,
      ),
    );
  }

  /**
   * Removes this session's persistent watch on `path` from the server. Servers before 3.9
   * know no persistent watcher types (MARSHALLINGERROR); there `any` removes it, but also
   * the session's one-shot watches on the path, so it is used only when none is left.
   */
  private async removePersistentWatch(path: string, recursive: boolean): Promise<void> {
    try {
      await this.sendWatchCommand(
        OpCode.removeWatches,
        path,
        recursive ? 'persistentRecursive' : 'persistent',
      );
    } catch (error) {
      if (!(error instanceof MarshallingError) || this.session.watches.hasKind(path, 'any')) throw error;
      await this.sendWatchCommand(OpCode.removeWatches, path, 'any');
    }
  }

  /** The narrow view persistent watches need. */
  private watchPort() {
    return {
      add: (table: WatchTable, path: string, watcher: WatchCallback) =>
        this.session.watches.add(table, path, watcher),
      remove: (table: WatchTable, path: string, watcher: WatchCallback) =>
        this.session.watches.remove(table, path, watcher),
      count: (table: WatchTable, path: string) => this.session.watches.count(table, path),
      addWatch: async (path: string, mode: number, onReply: (err: number) => void): Promise<void> => {
        const body = { path: this.session.toServerPath(path), mode };
        await this.ops.retrying(() =>
          this.ops.call(OpCode.addWatch, path, body, records.encodeAddWatchRequest, undefined, onReply),
        );
      },
      removeWatch: (path: string, recursive: boolean) => this.removePersistentWatch(path, recursive),
      closed: () => this.session.closed,
    };
  }

  // -------------------------------------------------------------------------------------
  // Lifecycle

  /** Closes the session (its ephemerals go) and the connection; pending operations fail with `ClosedError`. Idempotent. */
  close(): Promise<void> {
    this.closePromise ??= (async () => {
      await this.session.close();
      this.closedController.abort(new ClosedError());
      await Promise.allSettled([...this.backgroundTasks]);
    })();
    return this.closePromise;
  }

  /** `await using client = ZooKit.newClient(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // -------------------------------------------------------------------------------------
  // Plumbing
}

function resolveOptions(options: ClientOptions): ResolvedOptions {
  return {
    sessionTimeoutMs: options.sessionTimeoutMs ?? clientDefaults.sessionTimeoutMs,
    connectionTimeoutMs: options.connectionTimeoutMs ?? clientDefaults.connectionTimeoutMs,
    retryPolicy:
      options.retryPolicy ??
      new ExponentialBackoffRetry({
        baseSleepMs: clientDefaults.retryBaseSleepMs,
        maxRetries: clientDefaults.retryMaxRetries,
      }),
    retrySessionExpired: options.retrySessionExpired ?? clientDefaults.retrySessionExpired,
    canBeReadOnly: options.canBeReadOnly ?? clientDefaults.canBeReadOnly,
    frameBytesMax: options.frameBytesMax ?? clientDefaults.frameBytesMax,
    defaultAcl: options.defaultAcl ?? Ids.OPEN_ACL_UNSAFE,
  };
}

/** Curator's factory: `ZooKit.newClient(connectString, options)`. */
export const ZooKit = {
  /** A new, not yet started, client for `connectString` (`host:port,...[/chroot]`). */
  newClient(connectString: string, options: ClientOptions = {}): ZooKitClient {
    return new ZooKitClient(connectString, options);
  },
} as const;

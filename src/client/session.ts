/**
 * The session: it owns at most one {@link Connection} at a time and keeps the ZooKeeper
 * session alive across them.
 *
 * - A single-flight connect loop walks the shuffled host list (backing off after each full
 *   pass) until a server accepts the session; a connect attempt is bounded by
 *   `sessionTimeoutMs / hosts`, as in Apache's client.
 * - After the handshake it primes the connection in order: auth packets, SetWatches batches
 *   from the last zxid seen, then the requests that waited for a connection.
 * - A connection that dies leaves the session SUSPENDED; the {@link Heartbeat} pings it and
 *   drops it when silent for two thirds of the timeout.
 * - The server answering `timeOut <= 0`, or SUSPENDED outlasting the session timeout, ends
 *   the session (LOST): waiting requests fail with `SessionExpiredError`, one-shot watchers
 *   get `NotWatching`, and the loop opens a new session (Curator's behaviour). Ephemerals are
 *   never re-created here.
 * - Read-only servers (`canBeReadOnly`): as Apache's client, a session that has never been
 *   on a read-write server is not resumed (each handshake asks for a new session, so one
 *   made on a read-only server is never carried to the quorum, which never knew it); while
 *   connected read-only a {@link ReadWriteSearch} probes the other hosts and the session moves
 *   to the first read-write one (READ_ONLY → SUSPENDED → CONNECTED/RECONNECTED, as Curator
 *   reports Apache's client).
 */
import { clientLimits } from '../defaults';
import { AuthenticationError, ClosedError, ConnectionTimeoutError } from '../errors';
import { Limits, OpCode } from '../protocol/constants';
import { ConnectionLossError, fromCode, SessionExpiredError } from '../protocol/errors';
import { prependChroot, stripChroot } from '../protocol/paths';
import {
  type ConnectResponse,
  encodeSetWatches,
  encodeSetWatches2,
  type SetWatches2,
  type WatcherEvent,
} from '../protocol/records';
import type { AuthInfo } from '../types';
import { assert } from '../util/assert';
import { type Clock, systemClock, type TimerHandle } from '../util/clock';
import { Deferred } from '../util/deferred';
import { type Random, systemRandom } from '../util/random';
import { type HostAddress, HostProvider } from './connect-string';
import { ClientRequest, Connection, newXidCounter, RequestQueue } from './connection';
import { type ConnectionState, ConnectionStateTracker } from './connection-state';
import { Heartbeat } from './heartbeat';
import { ReadWriteSearch } from './read-write-search';
import { planSetWatches, WatchManager } from './watch-manager';

/** Options of {@link Session}. */
export interface SessionOptions {
  hosts: readonly HostAddress[];
  /** `''` for none. */
  chroot: string;
  sessionTimeoutMs: number;
  connectionTimeoutMs: number;
  canBeReadOnly: boolean;
  authInfo: readonly AuthInfo[];
  frameBytesMax: number;
  clock?: Clock;
  random?: Random;
  /** Every connection state change. */
  onStateChange: (state: ConnectionState, previous: ConnectionState | undefined) => void;
  /** An error the session cannot recover from (auth failure): the client must close. */
  onFatal: (error: Error) => void;
  /** A watcher threw. */
  onWatcherError: (error: unknown) => void;
}

type AttemptOutcome = 'connected' | 'failed' | 'expired';

const ZERO_PASSWORD = Buffer.alloc(Limits.passwordBytes);
const ignore = (): void => {};

function toBuffer(value: Uint8Array | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
}

/** Keeps one ZooKeeper session alive over a series of connections. */
export class Session {
  /** The watch registry (application paths). */
  readonly watches: WatchManager;
  readonly chroot: string;
  private readonly options: SessionOptions;
  private readonly clock: Clock;
  private readonly hosts: HostProvider;
  private readonly tracker: ConnectionStateTracker;
  private readonly waiting = new RequestQueue<ClientRequest>();
  private readonly authInfo: AuthInfo[];
  private readonly connectedWaiters = new Set<Deferred<void>>();
  private connection: Connection | undefined;
  private heartbeat: Heartbeat | undefined;
  private id = 0n;
  private password: Buffer = ZERO_PASSWORD;
  private negotiatedTimeoutMs = 0;
  private lastZxidSeen = 0n;
  /** Xids continue across this client's connections (Apache's client does the same). */
  private readonly xids = newXidCounter();
  private primed = false;
  private loop: Promise<void> | undefined;
  private sweepTimer: TimerHandle | undefined;
  private backoffTimer: { handle: TimerHandle; wake: () => void } | undefined;
  private closing = false;
  /** Why the session closed itself (auth failure), if it did. */
  private fatal: Error | undefined;
  /** Counts ended sessions: a handshake answering an attempt of an older one is stale. */
  private sessionGeneration = 0;
  /** Apache's seenRwServerBefore: only then is the session id sent on a reconnect. */
  private seenReadWrite = false;
  private readWriteSearch: ReadWriteSearch | undefined;
  /** A read-write server the search found: the next connect attempt goes there. */
  private readWriteHost: HostAddress | undefined;

  constructor(options: SessionOptions) {
    assert(options.sessionTimeoutMs > 0, 'session timeout must be positive');
    assert(options.connectionTimeoutMs > 0, 'connection timeout must be positive');
    this.options = options;
    this.chroot = options.chroot;
    this.clock = options.clock ?? systemClock;
    this.hosts = new HostProvider(options.hosts, options.random ?? systemRandom);
    this.authInfo = [...options.authInfo];
    this.watches = new WatchManager({ onWatcherError: options.onWatcherError });
    this.tracker = new ConnectionStateTracker({
      clock: this.clock,
      sessionTimeoutMs: options.sessionTimeoutMs,
      onLossInjected: () => this.endSession(),
      onListenerError: options.onWatcherError,
    });
    this.tracker.onChange(options.onStateChange);
  }

  /** The session id (0 before the first connection and between sessions). */
  get sessionId(): bigint {
    return this.id;
  }

  /** The session password (16 bytes once connected). */
  get sessionPassword(): Buffer {
    return this.password;
  }

  /** The timeout the server granted, in ms (0 before the first connection). */
  get sessionTimeoutMs(): number {
    return this.negotiatedTimeoutMs;
  }

  /** The highest zxid seen in a reply. */
  get lastZxid(): bigint {
    return this.lastZxidSeen;
  }

  /** The connection state, `undefined` before the first connection. */
  get state(): ConnectionState | undefined {
    return this.tracker.state;
  }

  /**
   * Calls `listener` on every later connection state change (after the state is set and,
   * for a connected state, after the connection is ready for requests); returns the unsubscribe.
   */
  onStateChange(
    listener: (state: ConnectionState, previous: ConnectionState | undefined) => void,
  ): () => void {
    return this.tracker.onChange(listener);
  }

  /** True when requests go straight to a server. */
  get connected(): boolean {
    return this.primed;
  }

  get closed(): boolean {
    return this.closing;
  }

  /** The error that closed the session by itself (an {@link AuthenticationError}), if any. */
  get fatalError(): Error | undefined {
    return this.fatal;
  }

  /** The error for a request made after the session closed. */
  private closedError(): ClosedError {
    if (this.fatal === undefined) return new ClosedError();
    return new ClosedError(`the client closed itself: ${this.fatal.message}`, { cause: this.fatal });
  }

  /** Maps an application path to the server's (chroot). */
  toServerPath(path: string): string {
    return prependChroot(this.chroot, path);
  }

  /** Maps a server path to the application's (chroot). */
  toClientPath(path: string): string {
    return stripChroot(this.chroot, path);
  }

  /** Starts connecting (if not already) and waits up to `timeoutMs` for a connection. */
  waitConnected(timeoutMs: number): Promise<void> {
    if (this.closing) return Promise.reject(this.fatal ?? this.closedError());
    this.ensureLoop();
    if (this.primed) return Promise.resolve();
    const waiter = new Deferred<void>();
    this.connectedWaiters.add(waiter);
    const timer = this.clock.setTimeout(
      () => waiter.reject(new ConnectionTimeoutError(timeoutMs)),
      timeoutMs,
    );
    return waiter.promise.finally(() => {
      this.clock.clearTimeout(timer);
      this.connectedWaiters.delete(waiter);
    });
  }

  /**
   * Sends `request` now if connected, else queues it until a connection comes (failing with
   * a connection loss after `connectionTimeoutMs`). Returns the request's promise.
   */
  submit<T, B>(request: ClientRequest<T, B>): Promise<T> {
    if (this.closing) {
      request.fail(this.closedError());
      return request.promise;
    }
    const connection = this.connection;
    if (this.primed && connection !== undefined) {
      connection.send(request);
      return request.promise;
    }
    if (this.waiting.size >= clientLimits.queuedRequestsMax) {
      request.fail(request.connectionLoss('too many requests waiting for a connection'));
      return request.promise;
    }
    request.queuedAtMs = this.clock.now();
    this.waiting.push(request as unknown as ClientRequest);
    this.armSweep();
    this.ensureLoop();
    return request.promise;
  }

  /**
   * Adds a credential for this and every later connection; waits for its reply if connected.
   * A refused credential closes the session: see {@link AuthenticationError}.
   */
  async addAuth(info: AuthInfo): Promise<void> {
    if (this.closing) throw this.closedError();
    this.authInfo.push(info);
    const connection = this.connection;
    if (!this.primed || connection === undefined) return;
    const waiter = new ClientRequest<undefined>(OpCode.auth, undefined, undefined, undefined, undefined);
    connection.sendAuth({ type: 0, scheme: info.scheme, auth: toBuffer(info.auth) }, waiter);
    try {
      await waiter.promise;
    } catch (error) {
      throw this.fatal ?? error;
    }
  }

  /** Sends closeSession (when connected), then drops everything. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.backoffTimer?.wake();
    const connection = this.connection;
    if (this.primed && connection !== undefined) {
      const request = new ClientRequest<undefined>(
        OpCode.closeSession,
        undefined,
        undefined,
        undefined,
        undefined,
      );
      connection.send(request);
      await this.boundedWait(request.promise, Math.min(2_000, this.negotiatedTimeoutMs));
    }
    this.connection?.close(new ClosedError());
    this.teardown(new ClosedError());
  }

  /** Stops timers and fails everything that waited, with `error`. */
  private teardown(error: Error): void {
    this.stopConnectionTimers();
    this.tracker.close();
    if (this.sweepTimer !== undefined) this.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const request of this.waiting.drain()) request.fail(error);
    for (const waiter of this.connectedWaiters) waiter.reject(error);
    this.watches.notWatching('closed');
  }

  private boundedWait(promise: Promise<unknown>, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = this.clock.setTimeout(resolve, timeoutMs);
      promise.then(ignore, ignore).finally(() => {
        this.clock.clearTimeout(timer);
        resolve();
      });
    });
  }

  private ensureLoop(): void {
    if (this.loop !== undefined || this.closing || this.primed) return;
    this.loop = this.runLoop().finally(() => {
      this.loop = undefined;
      // A connection may have died between the handshake and this line.
      if (!this.primed && !this.closing) this.ensureLoop();
    });
  }

  private async runLoop(): Promise<void> {
    let fullPasses = 0;
    // Bounded by the client's life: close() ends it.
    while (!this.closing && !this.primed) {
      const found = this.readWriteHost;
      this.readWriteHost = undefined;
      const outcome = await this.attempt(found ?? this.hosts.next());
      if (outcome === 'connected' || this.closing) return;
      if (outcome === 'expired') continue; // the next attempt opens a new session at once
      if (this.hosts.cycleCompleted) await this.sleep(this.backoffMs(fullPasses++));
    }
  }

  private backoffMs(fullPasses: number): number {
    const capped = Math.min(
      clientLimits.reconnectBackoffMaxMs,
      clientLimits.reconnectBackoffBaseMs * 2 ** fullPasses,
    );
    return Math.floor(capped / 2 + (this.options.random ?? systemRandom).next() * (capped / 2));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        this.clock.clearTimeout(handle);
        this.backoffTimer = undefined;
        resolve();
      };
      const handle = this.clock.setTimeout(wake, ms);
      this.backoffTimer = { handle, wake };
    });
  }

  /** One connect attempt to `host`: resolves when the handshake succeeds or the attempt fails. */
  private attempt(host: HostAddress): Promise<AttemptOutcome> {
    const timeoutMs = connectAttemptTimeoutMs(this.options.sessionTimeoutMs, this.hosts.size);
    // What the attempt asks for: a handshake is judged against these, not against the
    // session state when it answers (the session may have been declared LOST meanwhile).
    // A session only ever seen by read-only servers is not resumed (Apache's rule).
    const resumeId = this.seenReadWrite ? this.id : 0n;
    const attemptOf = { sessionId: resumeId, generation: this.sessionGeneration };
    return new Promise<AttemptOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: AttemptOutcome): void => {
        if (settled) return;
        settled = true;
        this.clock.clearTimeout(timer);
        resolve(outcome);
      };
      const connection: Connection = new Connection({
        host: host.host,
        port: host.port,
        frameBytesMax: this.options.frameBytesMax,
        xids: this.xids,
        connectRequest: {
          protocolVersion: 0,
          lastZxidSeen: this.lastZxidSeen,
          timeOut: this.options.sessionTimeoutMs,
          sessionId: resumeId,
          passwd: resumeId === 0n ? ZERO_PASSWORD : this.password,
          readOnly: this.options.canBeReadOnly,
        },
        listener: {
          handshake: (response) => {
            const verdict = this.onHandshake(connection, response, attemptOf);
            if (verdict.outcome === 'connected' && response.readOnly === true) this.searchReadWrite(host);
            // Settle first: closing first would report the attempt as merely 'failed'.
            finish(verdict.outcome);
            if (verdict.close !== undefined) connection.close(verdict.close);
          },
          notification: (event, zxid) => this.onNotification(event, zxid),
          zxidSeen: (zxid) => {
            if (zxid > this.lastZxidSeen) this.lastZxidSeen = zxid;
          },
          authFailed: (err, scheme) => this.onAuthFailed(connection, err, scheme),
          activity: () => {
            if (connection === this.connection) this.heartbeat?.activity();
          },
          sent: () => {
            if (connection === this.connection) this.heartbeat?.sent();
          },
          closed: () => {
            if (!settled) finish('failed');
            else this.onConnectionClosed(connection);
          },
        },
      });
      this.connection = connection;
      const timer = this.clock.setTimeout(
        () => connection.close(new Error('connect attempt timed out')),
        timeoutMs,
      );
    });
  }

  private onHandshake(
    connection: Connection,
    response: ConnectResponse,
    attemptOf: { sessionId: bigint; generation: number },
  ): { outcome: AttemptOutcome; close?: Error } {
    if (this.closing) return { outcome: 'failed', close: new ClosedError() };
    if (attemptOf.generation !== this.sessionGeneration) {
      // The attempt asked to resume a session declared LOST while it was under way.
      if (response.timeOut > 0 && response.sessionId === attemptOf.sessionId) {
        this.closeStaleSession(connection, response.timeOut);
        return { outcome: 'expired' };
      }
      return {
        outcome: 'expired',
        close: new SessionExpiredError('a stale connect attempt', { op: 'connect' }),
      };
    }
    if (response.readOnly === true && !this.options.canBeReadOnly) {
      return {
        outcome: 'failed',
        close: new Error('a read-only server answered a client that does not allow one'),
      };
    }
    if (response.timeOut <= 0) {
      this.endSession();
      return { outcome: 'expired', close: new SessionExpiredError(undefined, { op: 'connect' }) };
    }
    const newSession = response.sessionId !== this.id;
    if (response.readOnly !== true) this.seenReadWrite = true;
    this.id = response.sessionId;
    this.password = Buffer.from(response.passwd);
    this.negotiatedTimeoutMs = response.timeOut;
    this.tracker.sessionTimeoutMs = response.timeOut;
    this.heartbeat = new Heartbeat({
      clock: this.clock,
      sessionTimeoutMs: response.timeOut,
      sendPing: () => connection.ping(),
      onStale: () =>
        connection.close(new Error('connection stale: nothing received for 2/3 of the session timeout')),
    });
    this.heartbeat.start();
    this.prime(connection);
    this.primed = true;
    this.hosts.onConnected();
    this.tracker.connected({ readOnly: response.readOnly === true, newSession });
    for (const waiter of this.connectedWaiters) waiter.resolve();
    return { outcome: 'connected' };
  }

  /**
   * The stale-session race: an attempt that asked to resume session S was accepted, but S
   * was declared LOST while the attempt was under way (SUSPENDED outlasted the timeout on
   * this side before the server expired it). LOST is final: the application has been told
   * its ephemerals and watches are gone and may already act on it (another client takes
   * over a lock), so S is not resumed. This connection sends closeSession for S, so the
   * server deletes S's ephemerals now instead of after its timeout, then closes; nothing
   * else is sent on it, and the connect loop goes on to open a new session.
   */
  private closeStaleSession(connection: Connection, timeoutMs: number): void {
    const request = new ClientRequest<undefined>(
      OpCode.closeSession,
      undefined,
      undefined,
      undefined,
      undefined,
    );
    const reason = new SessionExpiredError('closed a session already declared LOST', { op: 'connect' });
    const timer = this.clock.setTimeout(() => connection.close(reason), Math.min(2_000, timeoutMs));
    request.promise.then(ignore, ignore).finally(() => {
      this.clock.clearTimeout(timer);
      connection.close(reason);
    });
    connection.send(request);
    connection.flush();
  }

  /** Auth, then SetWatches from the last zxid seen, then the waiting requests, in one write. */
  private prime(connection: Connection): void {
    for (const info of this.authInfo) {
      const waiter = new ClientRequest<undefined>(OpCode.auth, undefined, undefined, undefined, undefined);
      waiter.promise.catch(ignore);
      connection.sendAuth({ type: 0, scheme: info.scheme, auth: toBuffer(info.auth) }, waiter);
    }
    const batches = planSetWatches(
      this.watches.snapshot(),
      this.lastZxidSeen,
      Limits.setWatchesBytesMax,
      (path) => this.toServerPath(path),
    );
    for (const batch of batches) {
      const encode = batch.type === OpCode.setWatches ? encodeSetWatches : encodeSetWatches2;
      const request = new ClientRequest<undefined, SetWatches2>(
        batch.type,
        undefined,
        batch.record,
        encode,
        undefined,
      );
      request.promise.catch(ignore);
      connection.send(request);
    }
    for (let request = this.waiting.shift(); request !== undefined; request = this.waiting.shift()) {
      request.queuedAtMs = -1;
      connection.send(request);
    }
    connection.flush();
  }

  private onNotification(event: WatcherEvent, zxid: bigint): void {
    this.watches.dispatch(event.type, this.toClientPath(event.path), zxid);
  }

  /**
   * The server refused a credential (it answers AUTHFAILED and closes the connection). The
   * same credential would be refused on every server, so the session closes itself instead
   * of reconnecting: state LOST (this client will not use the session again; the server
   * expires it after its timeout, since no closeSession can be sent), requests in flight and
   * waiting fail with the {@link AuthenticationError}, later ones with a `ClosedError`
   * whose cause it is, and the client is told through `onFatal`.
   */
  private onAuthFailed(connection: Connection, err: number, scheme: string): void {
    if (this.closing) return;
    const error = new AuthenticationError(scheme, { cause: fromCode(err, { op: 'auth' }) });
    this.fatal = error;
    this.closing = true;
    this.backoffTimer?.wake();
    connection.close(error);
    this.primed = false;
    this.tracker.expired();
    this.teardown(error);
    this.options.onFatal(error);
  }

  /** Connected read-only: probe the other hosts until one is read-write, then move there. */
  private searchReadWrite(current: HostAddress): void {
    this.readWriteSearch?.stop();
    const connection = this.connection;
    const search = new ReadWriteSearch({
      hosts: this.options.hosts,
      current,
      clock: this.clock,
      onFound: (host) => {
        if (this.readWriteSearch !== search || this.closing) return;
        this.readWriteHost = host;
        connection?.close(new Error(`found a read-write server at ${host.host}:${host.port}`));
      },
    });
    this.readWriteSearch = search;
    search.start();
  }

  private onConnectionClosed(connection: Connection): void {
    if (connection !== this.connection) return;
    this.readWriteSearch?.stop();
    this.readWriteSearch = undefined;
    this.connection = undefined;
    this.primed = false;
    this.stopConnectionTimers();
    if (this.closing) return;
    this.tracker.disconnected();
    this.ensureLoop();
  }

  private stopConnectionTimers(): void {
    this.readWriteSearch?.stop();
    this.readWriteSearch = undefined;
    this.heartbeat?.stop();
    this.heartbeat = undefined;
  }

  /**
   * The session is over (expired on the server, or suspended past its timeout): forget its
   * id so the next handshake opens a new one, fail what waited for it, tell one-shot watchers.
   */
  private endSession(): void {
    this.sessionGeneration++;
    this.seenReadWrite = false;
    this.id = 0n;
    this.password = ZERO_PASSWORD;
    for (const request of this.waiting.drain()) {
      request.fail(new SessionExpiredError(undefined, { op: undefined, path: request.path }));
    }
    this.watches.notWatching('sessionExpired');
    this.tracker.expired();
  }

  private armSweep(): void {
    if (this.sweepTimer !== undefined) return;
    const oldest = this.waiting.peek();
    if (oldest === undefined) return;
    const dueMs = oldest.queuedAtMs + this.options.connectionTimeoutMs - this.clock.now();
    this.sweepTimer = this.clock.setTimeout(() => this.sweep(), Math.max(0, dueMs));
  }

  /** Fails requests that waited longer than the connection timeout (oldest first). */
  private sweep(): void {
    this.sweepTimer = undefined;
    const now = this.clock.now();
    for (let request = this.waiting.peek(); request !== undefined; request = this.waiting.peek()) {
      if (now - request.queuedAtMs < this.options.connectionTimeoutMs) break;
      this.waiting.shift();
      request.fail(
        new ConnectionLossError(`no connection within ${this.options.connectionTimeoutMs} ms`, {
          path: request.path,
        }),
      );
    }
    this.armSweep();
  }
}

/**
 * How long one connect attempt may take, TCP connect and handshake together: the session
 * timeout shared by the hosts (Apache's client), but at most a third of it (and never below
 * 2 s when the session allows that long), so a server that accepts the TCP connection and
 * never answers the ConnectRequest costs a fraction of the session's life, not all of it.
 * Seen with Apache 3.8 restarting under load: a connection made after its port was bound but
 * before it served got no answer and no close; waiting the whole 18 s session timeout on it
 * expired the session although the server was ready a second later.
 */
export function connectAttemptTimeoutMs(sessionTimeoutMs: number, hostCount: number): number {
  const shared = Math.max(1, Math.floor(sessionTimeoutMs / Math.max(1, hostCount)));
  return Math.min(shared, Math.max(Math.floor(sessionTimeoutMs / 3), 2_000));
}

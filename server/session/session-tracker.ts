/**
 * Session tracking as Apache's `SessionTrackerImpl` + `ExpiryQueue` do it: sessions sit in
 * buckets one tick wide; a touch moves a session to the bucket of the first tick boundary
 * strictly after `now + timeout`; the expirer empties whole buckets once their time has
 * passed. So a session expires between `timeout` and `timeout + tickTime` after its last
 * touch. Pure: time is passed in (milliseconds of one monotonic clock of the caller's choice).
 */
import { CONTAINER_EPHEMERAL_OWNER } from '../../src/protocol/constants';
import { ErrorCode } from '../../src/protocol/errors';
import { assert } from '../../src/util/assert';

/**
 * A tracked session. `owner` identifies where its client is attached, as Apache's tracker
 * does: a fixed token of the server for its own clients, or (on an ensemble's leader) the
 * learner whose client holds it. A request arriving through any other owner is SESSIONMOVED:
 * its client has since moved, and a write still in flight from the old place must not apply
 * after the ones it sent from the new place.
 */
export interface TrackedSession {
  readonly sessionId: bigint;
  readonly timeoutMs: number;
  /** Set when expiry or closeSession began: requests on it answer SESSIONEXPIRED. */
  readonly closing: boolean;
  readonly owner: unknown;
}

interface MutableSession {
  readonly sessionId: bigint;
  readonly timeoutMs: number;
  closing: boolean;
  owner: unknown;
  /** The bucket (tick boundary) this session expires at. */
  expiryTimeMs: number;
}

/** One expiry bucket: sessions due at `expiryTimeMs`. May be empty (as in Apache's dump). */
export interface SessionBucket {
  readonly expiryTimeMs: number;
  readonly sessionIds: readonly bigint[];
}

/** Options for {@link SessionTracker}. */
export interface SessionTrackerOptions {
  readonly tickTimeMs: number;
  /**
   * Top byte of every session id. Apache's standalone server uses 1; an ensemble member its
   * myid. Only the low 8 bits count (Java's `id << 56`).
   */
  readonly serverId: number;
  /**
   * Clock reading at construction. Also seeds session ids: pass wall-clock ms (`Date.now()`)
   * there so that ids stay unique across restarts.
   */
  readonly nowMs: number;
  /** Wall-clock ms for the id seed when `nowMs` comes from a monotonic clock. Defaults to nowMs. */
  readonly idSeedMs?: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
}

/** `(t / tick + 1) × tick`: the first tick boundary strictly after `timeMs`. */
export function roundToNextTick(timeMs: number, tickTimeMs: number): number {
  assert(Number.isInteger(tickTimeMs) && tickTimeMs > 0, 'tickTimeMs must be a positive integer');
  assert(Number.isFinite(timeMs), 'timeMs must be finite');
  return (Math.floor(timeMs / tickTimeMs) + 1) * tickTimeMs;
}

/**
 * Apache's `initializeNextSessionId`: `((nowMs << 24) >>> 8) | (serverId << 56)` in 64-bit
 * arithmetic: bits 63–56 server id, 55–16 the low 40 bits of the clock, 15–0 a counter from 0.
 * The container marker `Long.MIN_VALUE` is never returned.
 */
export function initializeNextSessionId(serverId: number, nowMs: number): bigint {
  assert(Number.isSafeInteger(serverId) && serverId >= 0, 'serverId must be a non-negative integer');
  assert(Number.isSafeInteger(nowMs) && nowMs >= 0, 'nowMs must be a non-negative integer');
  const timeBits = BigInt.asUintN(64, BigInt(nowMs) << 24n) >> 8n;
  const idBits = BigInt.asIntN(64, BigInt(serverId) << 56n);
  let next = BigInt.asIntN(64, timeBits | idBits);
  if (next === CONTAINER_EPHEMERAL_OWNER) next += 1n;
  return next;
}

/** Result of {@link SessionTracker.checkSession}: OK or the error code the request gets. */
export type SessionCheck =
  | typeof ErrorCode.OK
  | typeof ErrorCode.UNKNOWNSESSION
  | typeof ErrorCode.SESSIONEXPIRED
  | typeof ErrorCode.SESSIONMOVED;

/** Sessions, their timeouts, owners and tick-bucket expiry. */
export class SessionTracker {
  readonly tickTimeMs: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  private readonly sessions = new Map<bigint, MutableSession>();
  /** Bucket time → sessions in it. Emptied buckets stay until expired, as in Apache. */
  private readonly buckets = new Map<number, Set<bigint>>();
  private nextExpirationTimeMs: number;
  private nextSessionId: bigint;

  constructor(options: SessionTrackerOptions) {
    assert(options.minSessionTimeoutMs <= options.maxSessionTimeoutMs, 'min session timeout exceeds max');
    this.tickTimeMs = options.tickTimeMs;
    this.minSessionTimeoutMs = options.minSessionTimeoutMs;
    this.maxSessionTimeoutMs = options.maxSessionTimeoutMs;
    this.nextExpirationTimeMs = roundToNextTick(options.nowMs, options.tickTimeMs);
    this.nextSessionId = initializeNextSessionId(options.serverId, options.idSeedMs ?? options.nowMs);
  }

  /** The timeout a client gets: its request clamped into [min, max] session timeout. */
  negotiateTimeout(requestedMs: number): number {
    assert(Number.isInteger(requestedMs), 'requested timeout must be an integer');
    return Math.min(Math.max(requestedMs, this.minSessionTimeoutMs), this.maxSessionTimeoutMs);
  }

  /** Allocates the next session id (+1 per session, 64-bit wrap) and tracks it. */
  createSession(timeoutMs: number, nowMs: number): bigint {
    let sessionId = this.nextSessionId;
    if (sessionId === CONTAINER_EPHEMERAL_OWNER) sessionId += 1n; // never hand out the container marker
    this.nextSessionId = BigInt.asIntN(64, sessionId + 1n);
    const added = this.trackSession(sessionId, timeoutMs, nowMs);
    assert(added, 'a freshly allocated session id was already tracked');
    return sessionId;
  }

  /**
   * Tracks a session created elsewhere (snapshot/log replay, the leader). Returns false if it
   * was already tracked (its timeout is kept; its expiry is refreshed).
   */
  trackSession(sessionId: bigint, timeoutMs: number, nowMs: number): boolean {
    assert(Number.isInteger(timeoutMs) && timeoutMs >= 0, 'timeout must be a non-negative integer');
    const existing = this.sessions.get(sessionId);
    if (existing !== undefined) {
      this.updateExpiry(existing, existing.timeoutMs, nowMs);
      return false;
    }
    const session: MutableSession = {
      sessionId,
      timeoutMs,
      closing: false,
      owner: undefined,
      expiryTimeMs: 0,
    };
    this.sessions.set(sessionId, session);
    this.updateExpiry(session, timeoutMs, nowMs);
    return true;
  }

  /**
   * Refreshes a session's expiry on any request or ping. False for an unknown or closing
   * session (the caller then treats the request as expired). `timeoutMs` is the timeout a
   * learner reports with its touch (its connection's negotiated one, new after a reconnect
   * asked for another): as Apache's leader, the expiry follows the touch's timeout.
   */
  touchSession(sessionId: bigint, nowMs: number, timeoutMs?: number): boolean {
    const session = this.sessions.get(sessionId);
    if (session === undefined || session.closing) return false;
    this.updateExpiry(session, timeoutMs ?? session.timeoutMs, nowMs);
    return true;
  }

  private updateExpiry(session: MutableSession, timeoutMs: number, nowMs: number): void {
    const expiryTimeMs = roundToNextTick(nowMs + timeoutMs, this.tickTimeMs);
    if (expiryTimeMs === session.expiryTimeMs && this.buckets.get(expiryTimeMs)?.has(session.sessionId))
      return;
    let bucket = this.buckets.get(expiryTimeMs);
    if (bucket === undefined) {
      bucket = new Set();
      this.buckets.set(expiryTimeMs, bucket);
    }
    bucket.add(session.sessionId);
    if (session.expiryTimeMs !== expiryTimeMs)
      this.buckets.get(session.expiryTimeMs)?.delete(session.sessionId);
    session.expiryTimeMs = expiryTimeMs;
  }

  /** Marks a session closing (closeSession received, or expiry began). Unknown ids are ignored. */
  setSessionClosing(sessionId: bigint): void {
    const session = this.sessions.get(sessionId);
    if (session !== undefined) session.closing = true;
  }

  /** Forgets a session (its closeSession txn was applied). */
  removeSession(sessionId: bigint): void {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return;
    this.sessions.delete(sessionId);
    this.buckets.get(session.expiryTimeMs)?.delete(sessionId);
  }

  /**
   * Apache's `checkSession`: UNKNOWNSESSION for an unknown id, SESSIONEXPIRED for a closing
   * one, SESSIONMOVED when another owner holds it; the first owner to check claims it.
   */
  checkSession(sessionId: bigint, owner: unknown): SessionCheck {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return ErrorCode.UNKNOWNSESSION;
    if (session.closing) return ErrorCode.SESSIONEXPIRED;
    if (session.owner === undefined) session.owner = owner;
    else if (session.owner !== owner) return ErrorCode.SESSIONMOVED;
    return ErrorCode.OK;
  }

  /**
   * A client reconnected through `owner` (Apache's REVALIDATE on the leader): the session is
   * refreshed with the reconnect's timeout and bound to `owner`, so requests still coming
   * through the old owner are SESSIONMOVED from now on. False if unknown or closing.
   */
  revalidate(sessionId: bigint, owner: unknown, nowMs: number, timeoutMs: number): boolean {
    if (this.setOwner(sessionId, owner) !== ErrorCode.OK) return false;
    return this.touchSession(sessionId, nowMs, timeoutMs);
  }

  /** Rebinds a session to a new owner (a reconnect). SESSIONEXPIRED if unknown or closing. */
  setOwner(sessionId: bigint, owner: unknown): typeof ErrorCode.OK | typeof ErrorCode.SESSIONEXPIRED {
    const session = this.sessions.get(sessionId);
    if (session === undefined || session.closing) return ErrorCode.SESSIONEXPIRED;
    session.owner = owner;
    return ErrorCode.OK;
  }

  /** Milliseconds until the next bucket is due, 0 if it already is (Apache's `getWaitTime`). */
  waitTimeMs(nowMs: number): number {
    return nowMs < this.nextExpirationTimeMs ? this.nextExpirationTimeMs - nowMs : 0;
  }

  /**
   * Empties every bucket whose time is ≤ `nowMs`, marks those sessions closing, and returns
   * them; the caller submits a closeSession for each and calls {@link removeSession} once it
   * is applied. Work is bounded by the number of buckets, however far the clock jumped.
   */
  expireDue(nowMs: number): TrackedSession[] {
    if (nowMs < this.nextExpirationTimeMs) return [];
    const dueTimes = [...this.buckets.keys()].filter((time) => time <= nowMs).sort((a, b) => a - b);
    const expired: TrackedSession[] = [];
    for (const time of dueTimes) {
      for (const sessionId of this.buckets.get(time) ?? []) {
        const session = this.sessions.get(sessionId);
        assert(session !== undefined, 'a bucket held a session the tracker no longer has');
        assert(session.expiryTimeMs === time, 'a session sat in a bucket other than its own');
        session.closing = true;
        expired.push({ ...session });
      }
      this.buckets.delete(time);
    }
    this.nextExpirationTimeMs = roundToNextTick(nowMs, this.tickTimeMs);
    return expired;
  }

  /** The session, or undefined. */
  getSession(sessionId: bigint): TrackedSession | undefined {
    const session = this.sessions.get(sessionId);
    return session === undefined ? undefined : { ...session };
  }

  /** Negotiated timeout of a tracked session, or undefined. */
  sessionTimeoutMs(sessionId: bigint): number | undefined {
    return this.sessions.get(sessionId)?.timeoutMs;
  }

  /** Every session id with its timeout (what a snapshot stores), in creation order. */
  sessionTimeouts(): Map<bigint, number> {
    return new Map([...this.sessions.values()].map((session) => [session.sessionId, session.timeoutMs]));
  }

  /** Number of tracked sessions, closing ones included. */
  get size(): number {
    return this.sessions.size;
  }

  /** Buckets oldest first, empty ones included (what `dump` prints). Times are in the caller's clock. */
  expiryBuckets(): SessionBucket[] {
    return [...this.buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([expiryTimeMs, ids]) => ({ expiryTimeMs, sessionIds: [...ids] }));
  }
}

/**
 * Curator's connection states, derived from session facts the connection layer reports.
 *
 * - CONNECTED: the first read-write connection ever; later ones are RECONNECTED (also for a
 *   brand-new session after LOST, which is how recipes learn to rebuild their state).
 * - SUSPENDED: the connection dropped; the session may still be alive.
 * - LOST: the session expired, or SUSPENDED lasted the session timeout (LOST is injected
 *   once per suspension, because the server has certainly expired the session by then).
 * - READ_ONLY: connected to a read-only server. It does not count as the first connection,
 *   so a later read-write connection is still CONNECTED if none came before.
 * Identical consecutive states are not repeated; a throwing listener does not stop delivery.
 */
import { assert } from '../util/assert';
import type { Clock, TimerHandle } from '../util/clock';

/** Curator's connection states. */
export const ConnectionState = {
  CONNECTED: 'CONNECTED',
  SUSPENDED: 'SUSPENDED',
  RECONNECTED: 'RECONNECTED',
  LOST: 'LOST',
  READ_ONLY: 'READ_ONLY',
} as const;
/** One of {@link ConnectionState}. */
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** True for states where requests can be sent. */
export function isConnectedState(state: ConnectionState | undefined): boolean {
  return (
    state === ConnectionState.CONNECTED ||
    state === ConnectionState.RECONNECTED ||
    state === ConnectionState.READ_ONLY
  );
}

/** Receives each state change. */
export type ConnectionStateListener = (state: ConnectionState, previous: ConnectionState | undefined) => void;

/** Options of {@link ConnectionStateTracker}. */
export interface ConnectionStateTrackerOptions {
  clock: Clock;
  /** The requested session timeout; replace it with the negotiated one when known. */
  sessionTimeoutMs: number;
  /** Called when LOST is injected (SUSPENDED outlasted the session timeout), before listeners. */
  onLossInjected?: () => void;
  /** Called with a listener's exception (delivery continues); default: ignored. */
  onListenerError?: (error: unknown) => void;
}

/** Turns `connected` / `disconnected` / `expired` facts into deduped {@link ConnectionState}s. */
export class ConnectionStateTracker {
  private current: ConnectionState | undefined;
  private everConnected = false;
  private suspendedSinceMs: number | undefined;
  private lossTimer: TimerHandle | undefined;
  private timeoutMs: number;
  private readonly listeners = new Set<ConnectionStateListener>();
  private readonly clock: Clock;
  private readonly options: ConnectionStateTrackerOptions;

  constructor(options: ConnectionStateTrackerOptions) {
    assert(options.sessionTimeoutMs > 0, 'sessionTimeoutMs must be positive');
    this.clock = options.clock;
    this.timeoutMs = options.sessionTimeoutMs;
    this.options = options;
  }

  /** The latest state, `undefined` before the first connection. */
  get state(): ConnectionState | undefined {
    return this.current;
  }

  /** The session timeout LOST injection uses. */
  get sessionTimeoutMs(): number {
    return this.timeoutMs;
  }

  /** Sets the negotiated timeout; a running suspension is re-timed from its start. */
  set sessionTimeoutMs(timeoutMs: number) {
    assert(timeoutMs > 0, 'sessionTimeoutMs must be positive');
    this.timeoutMs = timeoutMs;
    if (this.suspendedSinceMs !== undefined) this.armLossTimer();
  }

  /** Adds a listener; returns a function that removes it. */
  onChange(listener: ConnectionStateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A session is established (new or resumed), on a read-only server or not. */
  connected(facts: { readOnly: boolean; newSession: boolean }): void {
    this.endSuspension();
    if (facts.readOnly) {
      this.setState(ConnectionState.READ_ONLY);
      return;
    }
    const first = !this.everConnected;
    this.everConnected = true;
    this.setState(first ? ConnectionState.CONNECTED : ConnectionState.RECONNECTED);
  }

  /** The connection dropped; the session may live. Ignored before any connection and once LOST. */
  disconnected(): void {
    if (this.current === undefined || this.current === ConnectionState.LOST) return;
    if (this.current === ConnectionState.SUSPENDED) return;
    this.suspendedSinceMs = this.clock.now();
    this.armLossTimer();
    this.setState(ConnectionState.SUSPENDED);
  }

  /** The server said the session expired (or the client closed it for good). */
  expired(): void {
    this.endSuspension();
    this.setState(ConnectionState.LOST);
  }

  /** Cancels the LOST timer; the tracker emits nothing more on its own. */
  close(): void {
    this.endSuspension();
  }

  private armLossTimer(): void {
    const since = this.suspendedSinceMs;
    assert(since !== undefined, 'loss timer armed only while suspended');
    if (this.lossTimer !== undefined) this.clock.clearTimeout(this.lossTimer);
    const remainingMs = Math.max(0, since + this.timeoutMs - this.clock.now());
    this.lossTimer = this.clock.setTimeout(() => this.injectLoss(), remainingMs);
  }

  private injectLoss(): void {
    this.lossTimer = undefined;
    assert(this.current === ConnectionState.SUSPENDED, 'LOST is injected only from SUSPENDED');
    this.suspendedSinceMs = undefined;
    this.options.onLossInjected?.();
    // The hook may have reported expired() already; setState dedupes.
    this.setState(ConnectionState.LOST);
  }

  private endSuspension(): void {
    if (this.lossTimer !== undefined) this.clock.clearTimeout(this.lossTimer);
    this.lossTimer = undefined;
    this.suspendedSinceMs = undefined;
  }

  private setState(next: ConnectionState): void {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    for (const listener of [...this.listeners]) {
      try {
        listener(next, previous);
      } catch (error) {
        this.options.onListenerError?.(error);
      }
    }
  }
}

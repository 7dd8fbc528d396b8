/**
 * Keeps a session alive and notices a dead connection. Apache's client pings when it has
 * sent nothing for a third of the negotiated timeout and gives the connection up when it has
 * received nothing for two thirds, leaving a third to reconnect before the server expires
 * the session. Pure: time comes from the injected {@link Clock}.
 */
import { assert } from '../util/assert';
import type { Clock, TimerHandle } from '../util/clock';

/** Options of {@link Heartbeat}. */
export interface HeartbeatOptions {
  clock: Clock;
  /** The negotiated session timeout. */
  sessionTimeoutMs: number;
  /** Sends a ping; the heartbeat counts it as a write. */
  sendPing: () => void;
  /** The connection has been silent too long; called once, then the heartbeat stops. */
  onStale: () => void;
}

/** Ping at timeout/3 of send idleness, stale at 2·timeout/3 of receive silence. */
export class Heartbeat {
  private readonly options: HeartbeatOptions;
  private timeoutMs: number;
  private lastSentMs = 0;
  private lastReceivedMs = 0;
  private timer: TimerHandle | undefined;
  private running = false;

  constructor(options: HeartbeatOptions) {
    assert(options.sessionTimeoutMs > 0, 'sessionTimeoutMs must be positive');
    this.options = options;
    this.timeoutMs = options.sessionTimeoutMs;
  }

  /** Send idleness that triggers a ping. */
  get pingIntervalMs(): number {
    return Math.max(1, Math.floor(this.timeoutMs / 3));
  }

  /** Receive silence that makes the connection stale. */
  get staleAfterMs(): number {
    return Math.max(1, Math.floor((this.timeoutMs * 2) / 3));
  }

  /** True between {@link start} and {@link stop} (or staleness). */
  get started(): boolean {
    return this.running;
  }

  /** Changes the timeout (e.g. once negotiated); takes effect now. */
  set sessionTimeoutMs(timeoutMs: number) {
    assert(timeoutMs > 0, 'sessionTimeoutMs must be positive');
    this.timeoutMs = timeoutMs;
    if (this.running) this.schedule();
  }

  /** Starts watching; both idleness clocks start now. */
  start(): void {
    assert(!this.running, 'Heartbeat started twice');
    const now = this.options.clock.now();
    this.lastSentMs = now;
    this.lastReceivedMs = now;
    this.running = true;
    this.schedule();
  }

  /** Call on every frame received. */
  activity(): void {
    this.lastReceivedMs = this.options.clock.now();
  }

  /** Call on every frame written. */
  sent(): void {
    this.lastSentMs = this.options.clock.now();
  }

  /** Stops all timers; safe to call twice. */
  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    const now = this.options.clock.now();
    const pingDueMs = this.lastSentMs + this.pingIntervalMs;
    const staleDueMs = this.lastReceivedMs + this.staleAfterMs;
    const waitMs = Math.max(0, Math.min(pingDueMs, staleDueMs) - now);
    this.timer = this.options.clock.setTimeout(() => this.check(), waitMs);
  }

  private check(): void {
    this.timer = undefined;
    if (!this.running) return;
    const now = this.options.clock.now();
    if (now - this.lastReceivedMs >= this.staleAfterMs) {
      this.stop();
      this.options.onStale();
      return;
    }
    if (now - this.lastSentMs >= this.pingIntervalMs) {
      this.lastSentMs = now;
      this.options.sendPing();
    }
    if (this.running) this.schedule();
  }
}

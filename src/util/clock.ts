/**
 * Time as a port. Client state machines (heartbeat, connection state) take a {@link Clock}
 * so unit tests can drive them with {@link ManualClock} instead of sleeping.
 */
import { assert } from './assert';

/** An opaque timer handle; only the clock that made it can clear it. */
export type TimerHandle = unknown;

/** Monotonic milliseconds and one-shot timers. */
export interface Clock {
  /** Milliseconds on a monotonic scale; only differences are meaningful. */
  now(): number;
  /** Calls `callback` once, after at least `delayMs`. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer; clearing a fired or cleared timer does nothing. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `performance.now()` and Node's timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface ManualTimer {
  readonly id: number;
  readonly dueMs: number;
  readonly callback: () => void;
}

/** Timers fired in one {@link ManualClock.advance}; a runaway reschedule loop is a bug. */
const manualTimersPerAdvanceMax = 100_000;

/**
 * A clock that moves only when told. `advance(ms)` fires every timer that falls due within
 * the window in due order (ties in creation order), with `now()` set to each timer's due
 * time while it runs, so timers scheduled by callbacks also fire if they fall in the window.
 */
export class ManualClock implements Clock {
  private currentMs: number;
  private nextId = 1;
  private readonly timers = new Map<number, ManualTimer>();

  /** Starts at `startMs` (default 0). */
  constructor(startMs = 0) {
    this.currentMs = startMs;
  }

  /** The current manual time. */
  now(): number {
    return this.currentMs;
  }

  /** Schedules `callback` at `now() + delayMs` (negative delays count as 0). */
  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    assert(Number.isFinite(delayMs), 'ManualClock delay must be finite');
    const timer: ManualTimer = { id: this.nextId++, dueMs: this.currentMs + Math.max(0, delayMs), callback };
    this.timers.set(timer.id, timer);
    return { manualTimerId: timer.id };
  }

  /** Cancels a timer made by this clock. */
  clearTimeout(handle: TimerHandle): void {
    if (typeof handle !== 'object' || handle === null || !('manualTimerId' in handle)) return;
    const id = handle.manualTimerId;
    if (typeof id === 'number') this.timers.delete(id);
  }

  /** How many timers are scheduled and not yet fired. */
  get pendingTimerCount(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    assert(Number.isFinite(ms) && ms >= 0, 'ManualClock.advance needs a finite, non-negative ms');
    const targetMs = this.currentMs + ms;
    for (let fired = 0; ; fired++) {
      assert(fired < manualTimersPerAdvanceMax, 'ManualClock: too many timers in one advance');
      const next = this.earliestDue(targetMs);
      if (next === undefined) break;
      this.timers.delete(next.id);
      this.currentMs = next.dueMs;
      next.callback();
    }
    this.currentMs = targetMs;
  }

  private earliestDue(limitMs: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.dueMs > limitMs) continue;
      if (best === undefined || timer.dueMs < best.dueMs) best = timer;
    }
    return best;
  }
}

import { describe, expect, it } from 'vitest';
import {
  ConnectionState,
  ConnectionStateTracker,
  isConnectedState,
} from '../../../../src/client/connection-state';
import { ManualClock } from '../../../../src/util/clock';

function setup(sessionTimeoutMs = 1000) {
  const clock = new ManualClock();
  const events: string[] = [];
  let injected = 0;
  const tracker = new ConnectionStateTracker({
    clock,
    sessionTimeoutMs,
    onLossInjected: () => injected++,
  });
  tracker.onChange((state, previous) => events.push(`${previous ?? 'none'}->${state}`));
  return { clock, events, tracker, injectedCount: () => injected };
}

describe('ConnectionStateTracker', () => {
  it('starts undefined and ignores a disconnect before any connection', () => {
    const { tracker, events } = setup();
    expect(tracker.state).toBeUndefined();
    tracker.disconnected();
    expect(events).toEqual([]);
  });

  it('CONNECTED once, then SUSPENDED and RECONNECTED for the same session', () => {
    const { tracker, events } = setup();
    tracker.connected({ readOnly: false, newSession: true });
    tracker.disconnected();
    tracker.connected({ readOnly: false, newSession: false });
    tracker.disconnected();
    tracker.connected({ readOnly: false, newSession: false });
    expect(events).toEqual([
      'none->CONNECTED',
      'CONNECTED->SUSPENDED',
      'SUSPENDED->RECONNECTED',
      'RECONNECTED->SUSPENDED',
      'SUSPENDED->RECONNECTED',
    ]);
    expect(tracker.state).toBe(ConnectionState.RECONNECTED);
  });

  it('dedupes identical consecutive states', () => {
    const { tracker, events } = setup();
    tracker.connected({ readOnly: false, newSession: true });
    tracker.disconnected();
    tracker.disconnected();
    tracker.expired();
    tracker.expired();
    tracker.disconnected(); // ignored once LOST
    expect(events).toEqual(['none->CONNECTED', 'CONNECTED->SUSPENDED', 'SUSPENDED->LOST']);
  });

  it('LOST on expiry, then RECONNECTED for the new session', () => {
    const { tracker, events } = setup();
    tracker.connected({ readOnly: false, newSession: true });
    tracker.disconnected();
    tracker.expired();
    tracker.connected({ readOnly: false, newSession: true });
    expect(events.slice(-2)).toEqual(['SUSPENDED->LOST', 'LOST->RECONNECTED']);
  });

  it('injects LOST once when SUSPENDED lasts the session timeout', () => {
    const { tracker, events, clock, injectedCount } = setup(1000);
    tracker.connected({ readOnly: false, newSession: true });
    clock.advance(50);
    tracker.disconnected();
    clock.advance(999);
    expect(tracker.state).toBe(ConnectionState.SUSPENDED);
    expect(injectedCount()).toBe(0);
    clock.advance(1);
    expect(tracker.state).toBe(ConnectionState.LOST);
    expect(injectedCount()).toBe(1);
    clock.advance(10_000);
    expect(injectedCount()).toBe(1);
    expect(events).toEqual(['none->CONNECTED', 'CONNECTED->SUSPENDED', 'SUSPENDED->LOST']);
    expect(clock.pendingTimerCount).toBe(0);
  });

  it('a reconnect before the timeout cancels the injection, and a new suspension restarts it', () => {
    const { tracker, clock, injectedCount } = setup(1000);
    tracker.connected({ readOnly: false, newSession: true });
    tracker.disconnected();
    clock.advance(900);
    tracker.connected({ readOnly: false, newSession: false });
    clock.advance(5000);
    expect(injectedCount()).toBe(0);
    tracker.disconnected();
    clock.advance(999);
    expect(tracker.state).toBe(ConnectionState.SUSPENDED);
    clock.advance(1);
    expect(tracker.state).toBe(ConnectionState.LOST);
  });

  it('re-times a running suspension when the negotiated timeout arrives', () => {
    const { tracker, clock } = setup(10_000);
    tracker.connected({ readOnly: false, newSession: true });
    tracker.disconnected();
    clock.advance(3000);
    tracker.sessionTimeoutMs = 4000;
    expect(tracker.sessionTimeoutMs).toBe(4000);
    clock.advance(999);
    expect(tracker.state).toBe(ConnectionState.SUSPENDED);
    clock.advance(1);
    expect(tracker.state).toBe(ConnectionState.LOST);
  });

  it('an expiry reported by the injection hook yields a single LOST', () => {
    const clock = new ManualClock();
    const events: string[] = [];
    const tracker: ConnectionStateTracker = new ConnectionStateTracker({
      clock,
      sessionTimeoutMs: 100,
      onLossInjected: () => tracker.expired(),
    });
    tracker.onChange((state) => events.push(state));
    tracker.connected({ readOnly: false, newSession: true });
    tracker.disconnected();
    clock.advance(100);
    expect(events).toEqual(['CONNECTED', 'SUSPENDED', 'LOST']);
  });

  it('READ_ONLY does not use up CONNECTED', () => {
    const { tracker, events } = setup();
    tracker.connected({ readOnly: true, newSession: true });
    tracker.connected({ readOnly: false, newSession: false });
    tracker.disconnected();
    tracker.connected({ readOnly: true, newSession: false });
    tracker.connected({ readOnly: false, newSession: false });
    expect(events).toEqual([
      'none->READ_ONLY',
      'READ_ONLY->CONNECTED',
      'CONNECTED->SUSPENDED',
      'SUSPENDED->READ_ONLY',
      'READ_ONLY->RECONNECTED',
    ]);
  });

  it('keeps delivering when a listener throws, and reports the error', () => {
    const errors: unknown[] = [];
    const tracker = new ConnectionStateTracker({
      clock: new ManualClock(),
      sessionTimeoutMs: 100,
      onListenerError: (error) => errors.push(error),
    });
    const seen: string[] = [];
    const boom = new Error('listener');
    tracker.onChange(() => {
      throw boom;
    });
    const remove = tracker.onChange((state) => seen.push(state));
    tracker.connected({ readOnly: false, newSession: true });
    remove();
    tracker.disconnected();
    expect(seen).toEqual(['CONNECTED']);
    expect(errors).toEqual([boom, boom]);
  });

  it('close() cancels a pending injection', () => {
    const { tracker, clock, injectedCount } = setup(100);
    tracker.connected({ readOnly: false, newSession: true });
    tracker.disconnected();
    tracker.close();
    clock.advance(1000);
    expect(injectedCount()).toBe(0);
    expect(tracker.state).toBe(ConnectionState.SUSPENDED);
  });

  it('isConnectedState', () => {
    expect(
      ['CONNECTED', 'RECONNECTED', 'READ_ONLY', 'SUSPENDED', 'LOST'].map((s) =>
        isConnectedState(s as ConnectionState),
      ),
    ).toEqual([true, true, true, false, false]);
    expect(isConnectedState(undefined)).toBe(false);
  });
});

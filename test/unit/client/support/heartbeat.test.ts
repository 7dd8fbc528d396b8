import { describe, expect, it } from 'vitest';
import { Heartbeat } from '../../../../src/client/heartbeat';
import { ManualClock } from '../../../../src/util/clock';

function setup(sessionTimeoutMs = 3000) {
  const clock = new ManualClock();
  const log: string[] = [];
  const heartbeat = new Heartbeat({
    clock,
    sessionTimeoutMs,
    sendPing: () => log.push(`ping@${clock.now()}`),
    onStale: () => log.push(`stale@${clock.now()}`),
  });
  return { clock, log, heartbeat };
}

describe('Heartbeat', () => {
  it('derives a third and two thirds of the timeout', () => {
    const { heartbeat } = setup(30_000);
    expect(heartbeat.pingIntervalMs).toBe(10_000);
    expect(heartbeat.staleAfterMs).toBe(20_000);
  });

  it('pings after a third of send idleness while replies keep coming', () => {
    const { clock, log, heartbeat } = setup(3000);
    heartbeat.start();
    for (let step = 0; step < 6; step++) {
      clock.advance(500);
      heartbeat.activity();
    }
    expect(log).toEqual(['ping@1000', 'ping@2000', 'ping@3000']);
    heartbeat.stop();
  });

  it('a write postpones the ping', () => {
    const { clock, log, heartbeat } = setup(3000);
    heartbeat.start();
    clock.advance(900);
    heartbeat.sent();
    heartbeat.activity();
    clock.advance(999);
    expect(log).toEqual([]);
    clock.advance(1);
    expect(log).toEqual(['ping@1900']);
  });

  it('goes stale once after two thirds of receive silence, then stops', () => {
    const { clock, log, heartbeat } = setup(3000);
    heartbeat.start();
    clock.advance(10_000);
    expect(log).toEqual(['ping@1000', 'stale@2000']);
    expect(heartbeat.started).toBe(false);
    expect(clock.pendingTimerCount).toBe(0);
  });

  it('activity postpones staleness', () => {
    const { clock, log, heartbeat } = setup(3000);
    heartbeat.start();
    clock.advance(1500);
    heartbeat.activity();
    clock.advance(1999);
    expect(log.filter((entry) => entry.startsWith('stale'))).toEqual([]);
    clock.advance(1);
    expect(log.at(-1)).toBe('stale@3500');
  });

  it('stop() cancels everything and start() twice is a bug', () => {
    const { clock, log, heartbeat } = setup(3000);
    heartbeat.start();
    expect(() => heartbeat.start()).toThrow(/twice/);
    heartbeat.stop();
    heartbeat.stop();
    clock.advance(10_000);
    expect(log).toEqual([]);
    expect(clock.pendingTimerCount).toBe(0);
  });

  it('a new timeout takes effect at once', () => {
    const { clock, log, heartbeat } = setup(30_000);
    heartbeat.start();
    heartbeat.sessionTimeoutMs = 3000;
    clock.advance(1000);
    expect(log).toEqual(['ping@1000']);
  });
});

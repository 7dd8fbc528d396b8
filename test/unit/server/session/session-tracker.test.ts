import { describe, expect, it } from 'vitest';
import {
  initializeNextSessionId,
  roundToNextTick,
  SessionTracker,
} from '../../../../server/session/session-tracker';
import { ErrorCode } from '../../../../src/protocol/errors';

function tracker(nowMs = 0, serverId = 1): SessionTracker {
  return new SessionTracker({
    tickTimeMs: 2000,
    serverId,
    nowMs,
    minSessionTimeoutMs: 4000,
    maxSessionTimeoutMs: 40000,
  });
}

describe('session ids', () => {
  it('matches an id Apache 3.8 handed out (server 1, clock 0xa32e7 ms)', () => {
    expect(initializeNextSessionId(1, 0xa32e7)).toBe(0x100000a32e70000n);
  });

  it('keeps only the low 40 bits of the clock and puts the server id in the top byte', () => {
    const nowMs = 0x1_2345_6789_abn; // 41 bits: bit 40 is dropped
    expect(initializeNextSessionId(5, Number(nowMs))).toBe(0x05_23456789_ab_0000n);
  });

  it('is a signed 64-bit value when the server id has its top bit set', () => {
    expect(initializeNextSessionId(0xff, 1)).toBe(BigInt.asIntN(64, 0xff00000000010000n));
    expect(initializeNextSessionId(0xff, 1)).toBeLessThan(0n);
  });

  it('never returns the container marker Long.MIN_VALUE', () => {
    expect(initializeNextSessionId(0x80, 0)).toBe(-0x8000000000000000n + 1n);
  });

  it('counts up by one per session from the initial id', () => {
    const sessions = tracker(0, 1);
    const seeded = new SessionTracker({
      tickTimeMs: 2000,
      serverId: 1,
      nowMs: 10,
      idSeedMs: 0xa32e7,
      minSessionTimeoutMs: 4000,
      maxSessionTimeoutMs: 40000,
    });
    expect(seeded.createSession(10000, 10)).toBe(0x100000a32e70000n);
    expect(seeded.createSession(10000, 10)).toBe(0x100000a32e70001n);
    expect(sessions.createSession(4000, 0)).toBe(0x0100000000000000n);
  });
});

describe('timeout negotiation', () => {
  it('clamps the requested timeout into [min, max]', () => {
    const sessions = tracker();
    expect(sessions.negotiateTimeout(1000)).toBe(4000);
    expect(sessions.negotiateTimeout(10000)).toBe(10000);
    expect(sessions.negotiateTimeout(100000)).toBe(40000);
  });
});

describe('tick buckets', () => {
  it('rounds up to the first tick boundary strictly after the time', () => {
    expect(roundToNextTick(0, 2000)).toBe(2000);
    expect(roundToNextTick(1999, 2000)).toBe(2000);
    expect(roundToNextTick(2000, 2000)).toBe(4000);
    expect(roundToNextTick(12345, 2000)).toBe(14000);
  });

  it('puts a new session in the bucket after now + timeout', () => {
    const sessions = tracker(0);
    const id = sessions.createSession(10000, 500);
    expect(sessions.expiryBuckets()).toEqual([{ expiryTimeMs: 12000, sessionIds: [id] }]);
  });

  it('moves a touched session to a later bucket and leaves the old bucket empty', () => {
    const sessions = tracker(0);
    const id = sessions.createSession(10000, 500);
    expect(sessions.touchSession(id, 2500)).toBe(true);
    expect(sessions.expiryBuckets()).toEqual([
      { expiryTimeMs: 12000, sessionIds: [] },
      { expiryTimeMs: 14000, sessionIds: [id] },
    ]);
  });

  it('expires nothing before the bucket time and the whole bucket at it', () => {
    const sessions = tracker(0);
    const first = sessions.createSession(10000, 100);
    const second = sessions.createSession(10000, 1900);
    expect(sessions.waitTimeMs(100)).toBe(1900);
    expect(sessions.expireDue(11999)).toEqual([]);
    const expired = sessions.expireDue(12000);
    expect(expired.map((session) => session.sessionId)).toEqual([first, second]);
    expect(expired.every((session) => session.closing)).toBe(true);
    expect(sessions.expiryBuckets()).toEqual([]);
    expect(sessions.waitTimeMs(12000)).toBe(2000);
  });

  it('expires a session between timeout and timeout + tick after its last touch', () => {
    for (const touchMs of [0, 1, 1999, 2000, 3333]) {
      const sessions = tracker(0);
      const id = sessions.createSession(6000, touchMs);
      const due = roundToNextTick(touchMs + 6000, 2000);
      expect(due - touchMs).toBeGreaterThan(6000);
      expect(due - touchMs).toBeLessThanOrEqual(8000);
      expect(sessions.expireDue(due - 1)).toEqual([]);
      expect(sessions.expireDue(due).map((session) => session.sessionId)).toEqual([id]);
    }
  });

  it('catches up on every due bucket after a long pause, oldest first', () => {
    const sessions = tracker(0);
    const early = sessions.createSession(4000, 0);
    const late = sessions.createSession(20000, 0);
    const expired = sessions.expireDue(1_000_000);
    expect(expired.map((session) => session.sessionId)).toEqual([early, late]);
    expect(sessions.waitTimeMs(1_000_000)).toBe(2000);
  });
});

describe('session checks', () => {
  it('answers UNKNOWNSESSION, SESSIONEXPIRED for closing, SESSIONMOVED for another owner', () => {
    const sessions = tracker(0);
    const id = sessions.createSession(10000, 0);
    const ownerA = { name: 'a' };
    const ownerB = { name: 'b' };
    expect(sessions.checkSession(123n, ownerA)).toBe(ErrorCode.UNKNOWNSESSION);
    expect(sessions.checkSession(id, ownerA)).toBe(ErrorCode.OK);
    expect(sessions.checkSession(id, ownerB)).toBe(ErrorCode.SESSIONMOVED);
    expect(sessions.setOwner(id, ownerB)).toBe(ErrorCode.OK);
    expect(sessions.checkSession(id, ownerB)).toBe(ErrorCode.OK);
    sessions.setSessionClosing(id);
    expect(sessions.checkSession(id, ownerB)).toBe(ErrorCode.SESSIONEXPIRED);
    expect(sessions.setOwner(id, ownerA)).toBe(ErrorCode.SESSIONEXPIRED);
    expect(sessions.touchSession(id, 1000)).toBe(false);
  });

  it('forgets a removed session and its bucket entry', () => {
    const sessions = tracker(0);
    const id = sessions.createSession(10000, 0);
    sessions.removeSession(id);
    expect(sessions.size).toBe(0);
    expect(sessions.touchSession(id, 10)).toBe(false);
    expect(sessions.expireDue(100000)).toEqual([]);
  });

  it('tracks replayed sessions without reallocating ids', () => {
    const sessions = tracker(0);
    expect(sessions.trackSession(0x42n, 8000, 0)).toBe(true);
    expect(sessions.trackSession(0x42n, 9000, 0)).toBe(false);
    expect(sessions.sessionTimeoutMs(0x42n)).toBe(8000);
    expect([...sessions.sessionTimeouts()]).toEqual([[0x42n, 8000]]);
  });
});

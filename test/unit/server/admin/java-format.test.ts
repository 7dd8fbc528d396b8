import { describe, expect, it } from 'vitest';
import { javaDateUtc, javaDouble, javaLongHex, roundHalfUp4 } from '../../../../server/admin/java-format';
import {
  ConnectionStats,
  LatencyStats,
  lastOperationName,
  ServerStats,
} from '../../../../server/admin/server-stats';
import { OpCode } from '../../../../src/protocol/constants';

describe('java formats', () => {
  it('Long.toHexString prints the unsigned 64-bit pattern', () => {
    expect(javaLongHex(0n)).toBe('0');
    expect(javaLongHex(0x1000000004n)).toBe('1000000004');
    expect(javaLongHex(-1n)).toBe('ffffffffffffffff');
    expect(javaLongHex(-0x8000000000000000n)).toBe('8000000000000000');
  });

  it('Double.toString', () => {
    expect(javaDouble(0)).toBe('0.0');
    expect(javaDouble(6)).toBe('6.0');
    expect(javaDouble(6.2857)).toBe('6.2857');
    expect(javaDouble(0.001)).toBe('0.001');
    expect(javaDouble(0.0001)).toBe('1.0E-4');
    expect(javaDouble(12345678.5)).toBe('1.23456785E7');
    expect(javaDouble(1e7)).toBe('1.0E7');
  });

  it('rounds half-up on the exact binary value, like BigDecimal.setScale(4, HALF_UP)', () => {
    expect(roundHalfUp4(44 / 7)).toBe(6.2857);
    expect(roundHalfUp4(1 / 3)).toBe(0.3333);
    expect(roundHalfUp4(2 / 3)).toBe(0.6667);
    expect(roundHalfUp4(1 / 32)).toBe(0.0313); // exactly 0.03125: the tie rounds up
    expect(roundHalfUp4(1.00005)).toBe(1.0001); // 1.00005 is stored a little above the tie
    expect(roundHalfUp4(0.00015)).toBe(0.0001); // 0.00015 is stored a little below the tie
    expect(roundHalfUp4(42)).toBe(42);
  });

  it('Date.toString in UTC', () => {
    expect(javaDateUtc(Date.UTC(2026, 10, 22, 4, 21, 30))).toBe('Sun Nov 22 04:21:30 UTC 2026');
    expect(javaDateUtc(Date.UTC(2024, 0, 5, 0, 0, 9))).toBe('Fri Jan 05 00:00:09 UTC 2024');
  });
});

describe('LatencyStats', () => {
  it('reports zeros when empty and min/avg/max after data', () => {
    const latency = new LatencyStats();
    expect([latency.min, latency.avg, latency.max, latency.count]).toEqual([0, 0, 0, 0]);
    for (const value of [2, 10, 14, 3, 5, 6, 4]) latency.add(value);
    latency.add(-5); // a clock step backwards is ignored
    expect([latency.min, latency.avg, latency.max, latency.count, latency.total]).toEqual([
      2, 6.2857, 14, 7, 44,
    ]);
    latency.resetMax();
    expect(latency.max).toBe(2);
    latency.reset();
    expect([latency.min, latency.avg, latency.max, latency.count]).toEqual([0, 0, 0, 0]);
  });
});

describe('ServerStats', () => {
  it('counts packets and latency and resets all of it', () => {
    const stats = new ServerStats();
    stats.incrementPacketsReceived();
    stats.incrementPacketsReceived();
    stats.incrementPacketsSent();
    stats.recordRequestLatency(100, 107);
    expect([stats.packetsReceived, stats.packetsSent, stats.latency.max]).toEqual([2, 1, 7]);
    stats.reset();
    expect([stats.packetsReceived, stats.packetsSent, stats.latency.count]).toEqual([0, 0, 0]);
  });
});

describe('ConnectionStats', () => {
  it('keeps the last non-negative cxid, integer mean latency', () => {
    const stats = new ConnectionStats();
    stats.recordResponse(4, 10n, 'SETD', 0, 3);
    stats.recordResponse(-2, 10n, 'PING', 10, 11);
    expect(stats.snapshot()).toEqual({
      packetsReceived: 0,
      packetsSent: 0,
      lastOperation: 'PING',
      lastCxid: 4,
      lastZxid: 10n,
      lastResponseTimeMs: 11,
      lastLatencyMs: 1,
      minLatencyMs: 1,
      avgLatencyMs: 2,
      maxLatencyMs: 3,
    });
  });

  it('names operations as Apache does', () => {
    expect(lastOperationName(OpCode.getChildren2)).toBe('GETC');
    expect(lastOperationName(OpCode.createTTL)).toBe('CREA');
    expect(lastOperationName(OpCode.ping)).toBe('PING');
    expect(lastOperationName(OpCode.auth)).toBe('NA');
  });
});

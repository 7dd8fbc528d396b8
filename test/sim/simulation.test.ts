/**
 * Deterministic simulation of the ZAB ensemble (VOPR style), run as part of the test
 * suite: a few hundred seeds, each drawing its own ensemble (3, 5 or 7 voters, with or
 * without observers) and faults. A failure message carries the replay command
 * (`npm run sim -- --seed N --ticks T`).
 */
import { describe, expect, it } from 'vitest';
import { describeOptions, optionsFromSeed, runSimulation } from './simulator';

/** Seeds run by the suite; `npm run sim -- --seeds N` runs more. */
const seedCount = 200;
const longSeedCount = 20;

describe('ensemble: simulation', () => {
  it(`keeps one committed history, client guarantees (FIFO, ephemerals, linearizable sync+read) and converges (${seedCount} seeds × 1000 ticks)`, () => {
    let committed = 0;
    let acknowledged = 0;
    let syncedReads = 0;
    let expired = 0;
    let reaped = 0;
    for (let seed = 1; seed <= seedCount; seed++) {
      const result = runSimulation(optionsFromSeed(seed, 1_000));
      expect(result.livenessTicks).toBeLessThanOrEqual(optionsFromSeed(seed).livenessTicksMax);
      committed += result.committed;
      acknowledged += result.clientAcknowledged;
      syncedReads += result.clientSyncedReads;
      expired += result.sessionsExpired;
      reaped += result.ephemeralsReaped;
    }
    // Faults must not starve the ensemble, and the client checkers must have material:
    // most seeds commit plenty of writes, acknowledge client writes and answer syncs.
    expect(committed).toBeGreaterThan(seedCount * 20);
    expect(acknowledged).toBeGreaterThan(seedCount * 20);
    expect(syncedReads).toBeGreaterThan(seedCount * 5);
    expect(expired).toBeGreaterThan(seedCount * 4);
    expect(reaped).toBeGreaterThan(seedCount * 4);
  }, 60_000);

  it(`survives long runs (${longSeedCount} seeds × 5000 ticks)`, () => {
    for (let seed = 10_001; seed <= 10_000 + longSeedCount; seed++)
      runSimulation(optionsFromSeed(seed, 5_000));
  }, 60_000);

  it('replays the seeds that found bugs', () => {
    // 1177: a learner that accepted a later epoch than the established one could never join
    // (liveness after healing); the leader now steps down for it (docs/zab.md).
    for (const seed of [1177]) runSimulation(optionsFromSeed(seed, 1_000));
  });

  it('a failure names the invariant and prints the one command that replays the seed', () => {
    // An impossible liveness bound makes seed 7 fail at the end of its 50 safety ticks.
    const options = { ...optionsFromSeed(7, 50), livenessTicksMax: 1 };
    expect(() => runSimulation(options)).toThrow(
      /InvariantViolation: liveness: [^\n]*\n {2}at tick 51; SEED=7 [^\n]*\n {2}replay: npm run sim -- --seed 7 --ticks 50$/,
    );
  });

  it('is deterministic: one seed replays the same run', () => {
    const options = optionsFromSeed(42);
    expect(describeOptions(options)).toMatch(/^SEED=42 voters=\d observers=\d ticks=1000 .* clients=\d /);
    const lines: string[] = [];
    const first = runSimulation(options, (line) => lines.push(line));
    const again: string[] = [];
    const second = runSimulation(options, (line) => again.push(line));
    expect(second).toEqual(first);
    expect(again).toEqual(lines);
    expect(lines.length).toBeGreaterThan(10);
  });
});

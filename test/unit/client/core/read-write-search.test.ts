/**
 * The client's background search for a read-write server while connected read-only: probe
 * times (100 ms, doubling, capped at 60 s), which hosts are asked and in what order, and
 * that the search reports the first `rw` host once and stays quiet after `stop()`.
 */
import { describe, expect, it } from 'vitest';
import type { HostAddress } from '../../../../src/client/connect-string';
import { ReadWriteSearch, readWriteSearchLimits } from '../../../../src/client/read-write-search';
import { ManualClock } from '../../../../src/util/clock';

const a: HostAddress = { host: '127.0.0.1', port: 1 };
const b: HostAddress = { host: '127.0.0.1', port: 2 };
const c: HostAddress = { host: '127.0.0.1', port: 3 };

/** Lets the probes' promises settle. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await Promise.resolve();
}

function recordingSearch(hosts: HostAddress[], current: HostAddress, answers: (host: HostAddress) => string) {
  const clock = new ManualClock();
  const delays: number[] = [];
  const schedule = clock.setTimeout.bind(clock);
  clock.setTimeout = (callback, delayMs) => {
    delays.push(delayMs);
    return schedule(callback, delayMs);
  };
  const probes: { atMs: number; port: number }[] = [];
  const found: number[] = [];
  const search = new ReadWriteSearch({
    hosts,
    current,
    clock,
    onFound: (host) => found.push(host.port),
    probe: async (host) => {
      probes.push({ atMs: clock.now(), port: host.port });
      return answers(host);
    },
  });
  return { clock, delays, probes, found, search };
}

describe('client: read-write search', () => {
  it('probes the other hosts in turn after 100, 200, 400… ms, capped at 60 s', async () => {
    const { clock, delays, probes, found, search } = recordingSearch([a, b, c], b, () => 'ro');
    search.start();
    let elapsedMs = 0;
    for (const stepMs of [100, 200, 400, 800]) {
      elapsedMs += stepMs;
      clock.advance(stepMs);
      await settle();
    }
    expect(probes).toEqual([
      { atMs: 100, port: 1 },
      { atMs: 300, port: 3 },
      { atMs: 700, port: 1 },
      { atMs: 1_500, port: 3 },
    ]);
    expect(elapsedMs).toBe(1_500);
    // Keep going until the cap: the waits double up to 60 s and stay there.
    for (let step = 0; step < 12; step++) {
      clock.advance(readWriteSearchLimits.delayMaxMs);
      await settle();
    }
    expect(delays.slice(0, 4)).toEqual([100, 200, 400, 800]);
    expect(delays.slice(10)).toEqual(delays.slice(10).map(() => readWriteSearchLimits.delayMaxMs));
    expect(delays[9]).toBe(51_200);
    expect(found).toEqual([]);
    search.stop();
  });

  it('reports the first host that answers rw, once, and probes no more', async () => {
    const { clock, probes, found, search } = recordingSearch([a, b, c], a, (host) =>
      host.port === 3 ? 'rw' : 'ro',
    );
    search.start();
    for (let step = 0; step < 10; step++) {
      clock.advance(1_000);
      await settle();
    }
    expect(probes.map((probe) => probe.port)).toEqual([2, 3]);
    expect(found).toEqual([3]);
  });

  it('with one host, probes that host; stop() ends the search', async () => {
    const { clock, probes, found, search } = recordingSearch([a], a, () => 'ro');
    search.start();
    clock.advance(100);
    await settle();
    search.stop();
    clock.advance(100_000);
    await settle();
    expect(probes).toEqual([{ atMs: 100, port: 1 }]);
    expect(found).toEqual([]);
  });
});

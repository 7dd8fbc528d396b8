/**
 * The lock handoff alone, with its breakdown, for working on it:
 *
 *   tsx test/bench/recipes-handoff.ts [--handoffs N] [--repeat N] [--contenders N] [--hold-ms N]
 *                                     [--one-process] [--marker on|off|both]
 *
 * Starts zookit's server and Apache ZooKeeper, then per server and repetition measures the
 * write and read round trips and the handoff among the contenders (separate processes, or
 * all in this one with `--one-process`), and prints one table row per run. `--marker both`
 * runs each repetition with the mutex's head marker on and off, back to back (default on). Every process
 * it starts is stopped by PID at the end, on error and on SIGINT.
 */
import type { LatencyHistogram } from './histogram';
import { installCleanup } from './processes';
import {
  type ContenderPlacement,
  type HandoffFigures,
  measureHandoffs,
  median,
  roundTripsUs,
} from './recipes-contention';
import { formatLatency, formatRatio, formatSignedLatency, markdownTable } from './report';
import { type BenchServer, startApache, startZookit } from './servers';

/** The row of a handoff run: p50s of the handoff and its parts, and the goal ratio. */
function handoffRow(
  label: string,
  trips: { writeUs: number; readUs: number },
  figures: HandoffFigures,
): string[] {
  const p50 = (histogram: LatencyHistogram): string => formatLatency(histogram.percentileUs(0.5));
  return [
    label,
    `${formatLatency(trips.writeUs)} / ${formatLatency(trips.readUs)}`,
    `${p50(figures.handoff)} / ${formatLatency(figures.handoff.percentileUs(0.99))}`,
    formatRatio(figures.handoff.percentileUs(0.5) / (trips.writeUs + trips.readUs)),
    p50(figures.deleteRoundTrip),
    p50(figures.notification),
    p50(figures.decision),
    formatSignedLatency(median(figures.beyondDeleteUs)),
    `${figures.count} (${figures.withoutRead} without a read; ${figures.withoutWatch} without a watch; ${figures.notQueued} unqueued left out)`,
  ];
}

/** Headers of {@link handoffRow}. */
const HANDOFF_HEADERS = [
  'run',
  'write / read RTT p50',
  'handoff p50 / p99',
  'p50 ÷ (write + read)',
  'holder release RTT p50',
  'release → waiter event p50',
  'event → acquired p50',
  'handoff − delete RTT, median',
  'handoffs',
] as const;

function flag(args: string[], name: string, fallback: number, min = 1): number {
  const index = args.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isInteger(value) || value < min || value > 10_000)
    throw new Error(`${name} expects ${min}..10000`);
  return value;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const handoffs = flag(args, '--handoffs', 200);
  const repeat = flag(args, '--repeat', 3);
  const contenders = flag(args, '--contenders', 10);
  const holdMs = flag(args, '--hold-ms', 0, 0);
  const placement: ContenderPlacement = args.includes('--one-process') ? 'oneProcess' : 'processes';
  const markerIndex = args.indexOf('--marker');
  const marker = markerIndex < 0 ? 'on' : args[markerIndex + 1];
  if (marker !== 'on' && marker !== 'off' && marker !== 'both')
    throw new Error('--marker expects on|off|both');
  const markerSettings = marker === 'both' ? [true, false] : [marker === 'on'];
  const servers: BenchServer[] = [];
  installCleanup(async () => {
    await Promise.allSettled(servers.map((server) => server.stop()));
  });
  try {
    servers.push(await startZookit());
    servers.push(await startApache());
    const rows: string[][] = [];
    for (let run = 0; run < repeat; run++) {
      for (const server of servers) {
        for (const headMarker of markerSettings) {
          const root = `/zkbench-handoff-${Date.now()}-${run}`;
          const trips = await roundTripsUs(server.port, `${root}/rtt`, 200);
          const figures = await measureHandoffs(
            server.port,
            `${root}/lock`,
            { contenders, handoffs, holdMs, headMarker },
            placement,
          );
          const label = `${server.name} #${run + 1} marker ${headMarker ? 'on' : 'off'}`;
          const row = handoffRow(label, trips, figures);
          process.stderr.write(`${row.join(' | ')}\n`);
          rows.push(row);
        }
      }
    }
    console.log(
      `\n${contenders} contenders (${placement}), hold ${holdMs} ms, ${handoffs} handoffs per run\n`,
    );
    console.log(markdownTable(HANDOFF_HEADERS, rows));
  } finally {
    await Promise.allSettled(servers.map((server) => server.stop()));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * Issue 5's benchmark, against zookit's server and Apache ZooKeeper: lock acquire→release
 * handoff latency with 2 and 10 contending clients (InterProcessMutex), leader failover time
 * after the leader's session ends (LeaderLatch, 5 participants), and propagation from one
 * write to all of 50 subscribers (NodeCache, one client each). The yardstick is the same
 * server's write and read round trips through the client.
 *
 * Lock contenders run as separate processes, like the services the goal is about (see
 * recipes-contention.ts: timestamps on the monotonic clock Linux shares between processes,
 * holds put in order by fencing token, warm-up holds left out). The latch and cache clients
 * run in this process (the servers are separate processes).
 */
import { LeaderLatch, NodeCache } from '../../recipes/index';
import { ZooKit, type ZooKitClient } from '../../src/index';
import { LatencyHistogram } from './histogram';
import { type HandoffFigures, measureHandoffs, median, roundTripsUs } from './recipes-contention';
import { formatLatency, formatRatio, formatSignedLatency, markdownTable, verdict } from './report';
import type { BenchServer } from './servers';

/** Bound on any single wait (an acquire, a failover, a propagation). */
const STEP_TIMEOUT_MS = 15_000;
const SESSION_TIMEOUT_MS = 10_000;

/** How many samples each measurement takes. */
interface RecipeCounts {
  handoffs: number;
  failovers: number;
  propagations: number;
  roundTrips: number;
}

async function newClients(port: number, count: number): Promise<ZooKitClient[]> {
  const clients = Array.from({ length: count }, () =>
    ZooKit.newClient(`127.0.0.1:${port}`, {
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      connectionTimeoutMs: STEP_TIMEOUT_MS,
    }),
  );
  await Promise.all(clients.map((client) => client.start()));
  return clients;
}

async function closeAll(clients: readonly ZooKitClient[]): Promise<void> {
  const closing = Promise.allSettled(clients.map((client) => client.close()));
  await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, STEP_TIMEOUT_MS))]);
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Failover = another latch's `isLeader` − the leader's client starting close() (closeSession). */
async function leaderFailovers(port: number, path: string, rounds: number): Promise<LatencyHistogram> {
  const participants: { client: ZooKitClient; latch: LeaderLatch }[] = [];
  const join = async (): Promise<void> => {
    const [client] = await newClients(port, 1);
    if (client === undefined) throw new Error('no client');
    const latch = new LeaderLatch(client, path);
    participants.push({ client, latch });
    await latch.start();
  };
  const histogram = new LatencyHistogram();
  try {
    for (let index = 0; index < 5; index++) await join();
    for (let round = 0; round < rounds; round++) {
      await withTimeout(waitForLeader(participants.map((entry) => entry.latch)), 'electing a leader');
      const leaderIndex = participants.findIndex((entry) => entry.latch.hasLeadership());
      const [leader] = participants.splice(leaderIndex, 1);
      if (leader === undefined) throw new Error('no leader');
      const next = waitForLeader(participants.map((entry) => entry.latch));
      const endedMs = performance.now();
      await leader.client.close();
      await withTimeout(next, 'failover');
      histogram.record((performance.now() - endedMs) * 1_000);
      await join();
    }
  } finally {
    await closeAll(participants.map((entry) => entry.client));
  }
  return histogram;
}

function waitForLeader(latches: readonly LeaderLatch[]): Promise<void> {
  if (latches.some((latch) => latch.hasLeadership())) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      for (const latch of latches) latch.off('isLeader', done);
      resolve();
    };
    for (const latch of latches) latch.on('isLeader', done);
  });
}

/** Propagation = the last of 50 caches seeing a value − the writer starting setData. */
async function cachePropagation(port: number, path: string, rounds: number): Promise<LatencyHistogram> {
  const [writer] = await newClients(port, 1);
  if (writer === undefined) throw new Error('no writer');
  await writer.create(path, Buffer.from('start'), { creatingParentsIfNeeded: true }).catch(() => undefined);
  const clients = await newClients(port, 50);
  const caches = clients.map((client) => new NodeCache(client, path));
  const histogram = new LatencyHistogram();
  try {
    await Promise.all(caches.map((cache) => cache.start()));
    for (let round = 0; round < rounds; round++) {
      const value = `round-${round}`;
      const seen = Promise.all(
        caches.map(
          (cache) =>
            new Promise<void>((resolve) => {
              const onChanged = (_old: unknown, newData: { data: Buffer } | undefined): void => {
                if (newData?.data.toString() !== value) return;
                cache.off('changed', onChanged);
                resolve();
              };
              cache.on('changed', onChanged);
            }),
        ),
      );
      const writtenMs = performance.now();
      await writer.setData(path, Buffer.from(value));
      await withTimeout(seen, 'propagation to 50 caches');
      histogram.record((performance.now() - writtenMs) * 1_000);
    }
  } finally {
    await Promise.allSettled(caches.map((cache) => cache.close()));
    await closeAll([writer, ...clients]);
  }
  return histogram;
}

/** One server's recipe figures. */
interface RecipeFigures {
  server: string;
  writeUs: number;
  readUs: number;
  handoff2: HandoffFigures;
  handoff10: HandoffFigures;
  failover: LatencyHistogram;
  propagation: LatencyHistogram;
}

async function measureServer(
  server: BenchServer,
  counts: RecipeCounts,
  log: (line: string) => void,
): Promise<RecipeFigures> {
  const root = `/zkbench-recipes-${Date.now()}`;
  const trips = await roundTripsUs(server.port, `${root}/rtt`, counts.roundTrips);
  const handoffs = (contenders: number): Promise<HandoffFigures> =>
    measureHandoffs(
      server.port,
      `${root}/lock${contenders}`,
      { contenders, handoffs: counts.handoffs, holdMs: 0 },
      'processes',
    );
  const handoff2 = await handoffs(2);
  const handoff10 = await handoffs(10);
  log(`  ${server.name}: lock handoffs done`);
  const failover = await leaderFailovers(server.port, `${root}/leader`, counts.failovers);
  log(`  ${server.name}: failovers done`);
  const propagation = await cachePropagation(server.port, `${root}/cache`, counts.propagations);
  log(`  ${server.name}: cache propagation done`);
  return { server: server.name, ...trips, handoff2, handoff10, failover, propagation };
}

function recipesTable(figures: readonly RecipeFigures[]): string {
  const p50 = (histogram: LatencyHistogram): string => formatLatency(histogram.percentileUs(0.5));
  const p50p99 = (histogram: LatencyHistogram): string =>
    `${p50(histogram)} / ${formatLatency(histogram.percentileUs(0.99))}`;
  const rows = figures.map((entry) => {
    // The goal: one write round trip plus one notification. The write is the holder's own
    // release (a grant or a delete), measured in the same handoff under the same load; what
    // the handoff takes beyond it must be no more than a notification, which costs at most a
    // (quiet) read round trip.
    const beyondUs = median(entry.handoff10.beyondDeleteUs);
    const ratio = entry.handoff10.handoff.percentileUs(0.5) / (entry.writeUs + entry.readUs);
    return [
      entry.server,
      `${formatLatency(entry.writeUs)} / ${formatLatency(entry.readUs)}`,
      p50p99(entry.handoff2.handoff),
      p50p99(entry.handoff10.handoff),
      `${formatSignedLatency(beyondUs)} ${verdict(beyondUs <= entry.readUs)}`,
      formatRatio(ratio),
      `${p50(entry.handoff10.deleteRoundTrip)} / ${p50(entry.handoff10.notification)} / ${p50(entry.handoff10.decision)} (${entry.handoff10.withoutRead} of ${entry.handoff10.count} without a read)`,
      p50p99(entry.failover),
      p50p99(entry.propagation),
    ];
  });
  const headers = [
    'server',
    'write / read RTT p50',
    'lock handoff, 2 processes p50 / p99',
    'lock handoff, 10 processes p50 / p99',
    'handoff(10) beyond the holder’s release RTT, median (≤ read RTT: one notification)',
    'handoff(10) p50 ÷ quiet (write + read RTT)',
    'handoff(10) parts p50: holder release RTT / release → waiter event / event → acquired (handoffs without a read)',
    'leader failover p50 / p99',
    'write → all 50 caches p50 / p99',
  ];
  return markdownTable(headers, rows);
}

/** The recipe suite on already started servers. */
export async function runRecipesBench(
  servers: readonly BenchServer[],
  quick: boolean,
  log: (line: string) => void,
): Promise<void> {
  const counts: RecipeCounts = quick
    ? { handoffs: 20, failovers: 3, propagations: 5, roundTrips: 50 }
    : { handoffs: 200, failovers: 10, propagations: 30, roundTrips: 300 };
  log(
    `recipes benchmark: ${counts.handoffs} handoffs, ${counts.failovers} failovers, ${counts.propagations} propagations per server`,
  );
  const figures: RecipeFigures[] = [];
  for (const server of servers) figures.push(await measureServer(server, counts, log));
  console.log('\n## Recipes (zookit client; each lock contender its own process)\n');
  console.log(recipesTable(figures));
}

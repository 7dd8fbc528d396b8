/**
 * Distributed cron: three workers share one schedule and exactly one of them, the leader,
 * runs each tick. When the leader stops, another worker takes over within moments.
 *
 *   npx tsx docs/examples/cron-leader.ts [connectString]   (default 127.0.0.1:2181)
 *
 * Runs for a few seconds, stops the first leader half-way, prints who ran each tick, then
 * cleans up and exits (code 0 when exactly one worker ran every tick).
 */
import { randomUUID } from 'node:crypto';
import { ZooKit, type ZooKitClient } from 'zookit';
import { LeaderLatch } from 'zookit/recipes';

const connectString = process.argv[2] ?? '127.0.0.1:2181';
const root = `/zookit-examples/cron-${randomUUID().slice(0, 8)}`;
const TICK_MS = 250;
const TICKS = 16;
setTimeout(() => {
  console.error('cron example: timed out');
  process.exit(1);
}, 60_000).unref();

interface Worker {
  name: string;
  client: ZooKitClient;
  latch: LeaderLatch;
}

async function startWorker(name: string): Promise<Worker> {
  const client = ZooKit.newClient(connectString, { sessionTimeoutMs: 6_000 });
  await client.start();
  const latch = new LeaderLatch(client, `${root}/leader`, { id: name });
  latch.on('isLeader', () => console.log(`${name}: I am the leader now`));
  latch.on('notLeader', () => console.log(`${name}: no longer the leader`));
  await latch.start();
  return { name, client, latch };
}

async function main(): Promise<void> {
  const workers = await Promise.all(['worker-a', 'worker-b', 'worker-c'].map(startWorker));
  const running = new Set(workers);
  let firstLeader: Worker | undefined;
  let badTicks = 0;
  for (let tick = 0; tick < TICKS; tick++) {
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    // Each worker's scheduler fires; only the leader runs the job.
    const runners = [...running].filter((worker) => worker.latch.hasLeadership());
    const names = runners.map((worker) => worker.name);
    console.log(`tick ${tick}: job run by ${names.join(', ') || 'nobody (election in progress)'}`);
    if (runners.length > 1) badTicks++;
    firstLeader ??= runners[0];
    if (tick === TICKS / 2 && firstLeader !== undefined) {
      console.log(`stopping ${firstLeader.name}`);
      running.delete(firstLeader);
      await firstLeader.latch.close();
      await firstLeader.client.close();
    }
  }
  const survivor = [...running][0];
  if (survivor !== undefined)
    await survivor.client.delete(root, { deletingChildrenIfNeeded: true }).catch(() => undefined);
  for (const worker of running) {
    await worker.latch.close();
    await worker.client.close();
  }
  if (badTicks > 0) throw new Error(`${badTicks} ticks ran on more than one worker`);
  console.log('cron example: done, one runner per tick');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

/**
 * Distributed cron: three workers share one schedule and exactly one of them, the leader,
 * runs the job. Each run records itself with a transaction guarded by the leadership, so a
 * worker that has lost leadership (paused, partitioned, session expired) cannot record a
 * run. When the leader stops, another worker takes over within moments.
 *
 *   npx tsx docs/examples/cron-leader.ts [connectString]   (default 127.0.0.1:2181)
 *
 * Runs for a few seconds, stops the first leader half-way, prints who ran each run, then
 * cleans up and exits (code 0 when no two runs overlapped and a second worker took over).
 */
import { randomUUID } from 'node:crypto';
import { CreateMode, ZooKit, type ZooKitClient } from 'zookit';
import { LeaderScheduledJob } from 'zookit/recipes';

const connectString = process.argv[2] ?? '127.0.0.1:2181';
const root = `/zookit-examples/cron-${randomUUID().slice(0, 8)}`;
const INTERVAL_MS = 200;
const RUN_MS = 50;
const HALF_TIME_MS = 2_000;
setTimeout(() => {
  console.error('cron example: timed out');
  process.exit(1);
}, 60_000).unref();

interface Worker {
  name: string;
  client: ZooKitClient;
  cron: LeaderScheduledJob;
}

let running = 0;
let overlaps = 0;

async function startWorker(name: string): Promise<Worker> {
  const client = ZooKit.newClient(connectString, { sessionTimeoutMs: 6_000 });
  await client.start();
  await client.create(`${root}/runs`, null, { creatingParentsIfNeeded: true }).catch(() => undefined);
  const cron = new LeaderScheduledJob(client, `${root}/leader`, {
    intervalMs: INTERVAL_MS,
    job: async (signal, leadership) => {
      running += 1;
      if (running > 1) overlaps += 1;
      try {
        // The job's work; stop early if leadership may be lost.
        await new Promise((resolve) => setTimeout(resolve, RUN_MS));
        if (signal.aborted) return;
        // Record the run only while still the leader: the transaction checks our node.
        await leadership
          .transaction()
          .create(`${root}/runs/run-`, name, { mode: CreateMode.PERSISTENT_SEQUENTIAL })
          .commit();
        console.log(`${name}: ran the job (fencing token ${leadership.fencingToken})`);
      } finally {
        running -= 1;
      }
    },
    onError: (error) => console.error(`${name}: run failed`, error),
  });
  cron.start();
  return { name, client, cron };
}

/** Who recorded each run, in commit order. */
async function runLog(client: ZooKitClient): Promise<string[]> {
  const names = (await client.getChildren(`${root}/runs`)).sort();
  return Promise.all(
    names.map(async (name) => (await client.getData(`${root}/runs/${name}`)).data.toString()),
  );
}

async function main(): Promise<void> {
  const workers = await Promise.all(['worker-a', 'worker-b', 'worker-c'].map(startWorker));
  await new Promise((resolve) => setTimeout(resolve, HALF_TIME_MS));
  const leader = workers.find((worker) => worker.cron.isLeader());
  if (leader === undefined) throw new Error('no leader after the first half');
  console.log(`stopping ${leader.name}`);
  await leader.cron.close();
  await leader.client.close();
  const survivors = workers.filter((worker) => worker !== leader);
  await new Promise((resolve) => setTimeout(resolve, HALF_TIME_MS));
  const [reader] = survivors;
  if (reader === undefined) throw new Error('no survivor');
  for (const worker of survivors) await worker.cron.close();
  const log = await runLog(reader.client);
  console.log(`runs in commit order: ${log.join(' ')}`);
  await reader.client.delete(root, { deletingChildrenIfNeeded: true }).catch(() => undefined);
  for (const worker of survivors) await worker.client.close();
  const takeover = log.findIndex((name) => name !== leader.name);
  if (overlaps > 0) throw new Error(`${overlaps} runs overlapped another`);
  if (takeover <= 0) throw new Error('the first leader did not run first, or nobody took over');
  if (log.slice(takeover).includes(leader.name)) throw new Error('the stopped leader ran after it stopped');
  console.log(
    `cron example: done, one runner at a time (${log.length} runs, taken over by ${log[takeover]})`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

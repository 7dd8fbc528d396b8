/**
 * Config centre: one publisher writes versions of a JSON config with compare-and-set; three
 * services subscribe, see each change (old → new) and end on the same final value.
 *
 *   npx tsx docs/examples/config-centre.ts [connectString]   (default 127.0.0.1:2181)
 *
 * Publishes five versions, waits until every subscriber has the last one, cleans up and
 * exits (code 0 when all converged).
 */
import { randomUUID } from 'node:crypto';
import { BadVersionError, ZooKit, type ZooKitClient } from 'zookit';
import { ConfigSubscription } from 'zookit/recipes';

const connectString = process.argv[2] ?? '127.0.0.1:2181';
const root = `/zookit-examples/config-${randomUUID().slice(0, 8)}`;
const path = `${root}/database`;
setTimeout(() => {
  console.error('config example: timed out');
  process.exit(1);
}, 60_000).unref();

interface DatabaseConfig {
  url: string;
  poolSize: number;
}

async function connect(): Promise<ZooKitClient> {
  const client = ZooKit.newClient(connectString, { sessionTimeoutMs: 6_000 });
  await client.start();
  return client;
}

async function main(): Promise<void> {
  const clients: ZooKitClient[] = [];
  const subscribers: ConfigSubscription<DatabaseConfig>[] = [];
  for (const service of ['orders', 'billing', 'search']) {
    const client = await connect();
    clients.push(client);
    const subscription = await ConfigSubscription.open<DatabaseConfig>(client, path);
    subscription.on('change', ({ type, oldValue, newValue, version }) =>
      console.log(
        `${service}: ${type}, poolSize ${oldValue?.poolSize ?? '-'} -> ${newValue?.poolSize ?? '-'} (version ${version})`,
      ),
    );
    subscribers.push(subscription);
  }

  const admin = await connect();
  clients.push(admin);
  const publisher = await ConfigSubscription.open<DatabaseConfig>(admin, path);
  await publisher.publish({ url: 'postgres://db:5432/app', poolSize: 10 });
  for (let poolSize = 20; poolSize <= 50; poolSize += 10) {
    // Compare-and-set: only write over the version we last saw.
    const expectedVersion = (await admin.getData(path)).stat.version;
    await publisher.publish({ url: 'postgres://db:5432/app', poolSize }, { expectedVersion });
  }
  const stale = await publisher
    .publish({ url: 'x', poolSize: 0 }, { expectedVersion: 0 })
    .catch((error: unknown) => error);
  console.log(`a write over a stale version is refused: ${stale instanceof BadVersionError}`);

  const deadline = Date.now() + 10_000;
  while (!subscribers.every((subscriber) => subscriber.current?.poolSize === 50)) {
    if (Date.now() > deadline) throw new Error('subscribers did not converge');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  console.log(
    `every subscriber has poolSize 50 at version ${subscribers.map((subscriber) => subscriber.version).join('/')}`,
  );
  if (!(stale instanceof BadVersionError)) throw new Error('the stale write was not refused');

  for (const subscription of [...subscribers, publisher]) await subscription.close();
  await admin.delete(root, { deletingChildrenIfNeeded: true });
  for (const client of clients) await client.close();
  console.log('config example: done, all subscribers converged');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

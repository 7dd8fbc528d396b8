/**
 * Microservice registration and discovery: two instances of `billing` register themselves
 * (ephemeral JSON nodes under /services/billing); a gateway lists them and watches the list,
 * and sees an instance disappear when it shuts down.
 *
 *   npx tsx docs/examples/service-discovery.ts [connectString]   (default 127.0.0.1:2181)
 *
 * Registers, watches, stops one instance, waits for the gateway to notice, cleans up and
 * exits (code 0 when the gateway saw 2 then 1 instances).
 */
import { randomUUID } from 'node:crypto';
import { ZooKit, type ZooKitClient } from 'zookit';
import { ServiceRegistry } from 'zookit/recipes';

const connectString = process.argv[2] ?? '127.0.0.1:2181';
const basePath = `/zookit-examples/services-${randomUUID().slice(0, 8)}`;
setTimeout(() => {
  console.error('discovery example: timed out');
  process.exit(1);
}, 60_000).unref();

async function connect(): Promise<ZooKitClient> {
  const client = ZooKit.newClient(connectString, { sessionTimeoutMs: 6_000 });
  await client.start();
  return client;
}

async function main(): Promise<void> {
  // Two service processes (here: two clients) register one instance each.
  const instanceClients = [await connect(), await connect()];
  const registries = instanceClients.map((client) => new ServiceRegistry(client, { basePath }));
  await registries[0]?.register({
    name: 'billing',
    id: 'billing-1',
    address: '127.0.0.1',
    port: 8081,
    payload: { version: '1.4.0' },
  });
  await registries[1]?.register({
    name: 'billing',
    id: 'billing-2',
    address: '127.0.0.1',
    port: 8082,
    payload: { version: '1.4.0' },
  });

  // The gateway discovers them and follows changes.
  const gatewayClient = await connect();
  const gateway = new ServiceRegistry(gatewayClient, { basePath });
  const now = await gateway.instances('billing');
  console.log(
    `gateway lists: ${now.map((instance) => `${instance.id}@${instance.address}:${instance.port}`).join(', ')}`,
  );

  const sizes: number[] = [];
  const controller = new AbortController();
  let stopped = false;
  for await (const list of gateway.watch('billing', { signal: controller.signal })) {
    sizes.push(list.length);
    console.log(`gateway sees ${list.length} instance(s): ${list.map((instance) => instance.id).join(', ')}`);
    if (list.length === 2 && !stopped) {
      stopped = true;
      console.log('billing-2 shuts down');
      await registries[1]?.close();
      await instanceClients[1]?.close();
    }
    if (stopped && list.length === 1) break;
  }
  controller.abort();
  if (sizes[0] !== 2 || sizes.at(-1) !== 1) throw new Error(`unexpected instance counts ${sizes.join(',')}`);

  await registries[0]?.close();
  await gateway.close();
  await gatewayClient.delete(basePath, { deletingChildrenIfNeeded: true }).catch(() => undefined);
  await instanceClients[0]?.close();
  await gatewayClient.close();
  console.log('discovery example: done, gateway saw 2 then 1 instances');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

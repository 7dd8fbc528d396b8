/**
 * A container parent reaped between its creation and the create under it. The server deletes
 * an empty container that once had a child (Apache's rule); a create with
 * `creatingParentContainersIfNeeded` that made (or found) the parents can then meet NONODE
 * when its own create arrives. CI saw it once: a lock contender process died on
 * `NONODE (createContainer /recipes-test/…)` because another test emptied `/recipes-test`.
 * Here the bundled server reaps every 2 ms while one client keeps emptying a chain of
 * containers and creating under it again; every create must succeed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestingServer } from '../../../server/testing/testing-server';
import { ZooKit, type ZooKitClient } from '../../../src/client/client';
import { CreateMode } from '../../../src/protocol/constants';

let server: TestingServer;
let client: ZooKitClient;
beforeAll(async () => {
  server = await TestingServer.start({ inMemory: true, containerCheckIntervalMs: 2 });
  client = ZooKit.newClient(server.connectString, { sessionTimeoutMs: 10_000 });
  await client.start();
});
afterAll(async () => {
  await client?.close();
  await server?.close();
});

it('creates under container parents that the server keeps reaping', async () => {
  const deadline = Date.now() + 15_000;
  let created = 0;
  for (let round = 0; round < 400 && Date.now() < deadline; round++) {
    const leaf = await client.create('/race/a/b/leaf', null, {
      creatingParentContainersIfNeeded: true,
      mode: CreateMode.EPHEMERAL,
    });
    expect(leaf).toBe('/race/a/b/leaf');
    created++;
    await client.delete(leaf);
    // Give the reaper a moment now and then, so some rounds find the chain half gone. (The
    // client without its parent-race rounds failed this test within a few hundred ms.)
    if (round % 3 === 0) await new Promise((resolve) => setTimeout(resolve, round % 2));
  }
  expect(created).toBeGreaterThan(50);
});

/**
 * An ensemble under crashes: the leader killed under write load (every acknowledged write
 * survives, a new leader serves within the election time, the client keeps its session), a
 * killed follower catching up by DIFF, and a far-behind one by SNAP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestingCluster } from '../../../server/testing/testing-cluster';
import type { ZooKitClient } from '../../../src/client/client';
import { clientOn, eventually, others } from './support';

/** Records log lines so tests can see which sync a leader chose. */
function recordingLogger(lines: string[]) {
  const record = (line: string): void => {
    lines.push(line);
  };
  return { info: record, warn: record, error: record };
}

async function readEverywhere(
  cluster: TestingCluster,
  ids: readonly number[],
  paths: readonly string[],
  clients: ZooKitClient[],
): Promise<void> {
  for (const id of ids) {
    const { client } = await clientOn(cluster, [id]);
    clients.push(client);
    await client.sync('/');
    const children = new Set(await client.getChildren('/load'));
    const missing = paths.filter((path) => !children.has(path.slice('/load/'.length)));
    expect({ server: id, missing }).toEqual({ server: id, missing: [] });
  }
}

describe.each([
  { storage: 'memory', inMemory: true },
  { storage: 'data dirs', inMemory: false },
])('ensemble: recovery (N=3, $storage)', ({ inMemory }) => {
  let cluster: TestingCluster | undefined;
  const clients: ZooKitClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await cluster?.close();
    cluster = undefined;
  });

  it('leader killed under write load: acknowledged writes survive, a new leader serves, the session carries on', async () => {
    cluster = await TestingCluster.start({
      servers: 3,
      inMemory,
      serverOptions: { maxSessionTimeoutMs: 20_000 },
    });
    const leader = await cluster.leader();
    await cluster.waitServing();
    // The client prefers a follower first, so the failover test is about the ensemble, not a reconnect to a dead host.
    const order = [...others(cluster, leader), leader];
    const { client, states } = await clientOn(cluster, order, { sessionTimeoutMs: 10_000 });
    clients.push(client);
    const sessionId = client.sessionId;
    await client.create('/load');
    const acknowledged: string[] = [];
    let failures = 0;
    let stop = false;
    const writer = (async () => {
      for (let index = 0; index < 5_000 && !stop; index++) {
        const path = `/load/n-${String(index).padStart(5, '0')}`;
        try {
          await client.create(path, String(index));
          acknowledged.push(path);
        } catch {
          failures++;
        }
      }
    })();
    await eventually(() => acknowledged.length >= 100, 10_000, '100 acknowledged writes');
    const killedAt = Date.now();
    const before = acknowledged.length;
    await cluster.kill(leader);
    const newLeader = await cluster.leader(10_000);
    const electedMs = Date.now() - killedAt;
    expect(newLeader).not.toBe(leader);
    // syncLimit (5 ticks × 200 ms) to notice, then an election of a few ticks.
    expect(electedMs).toBeLessThan(5_000);
    await eventually(() => acknowledged.length >= before + 100, 15_000, '100 more writes after the failover');
    stop = true;
    await writer;
    expect(client.sessionId).toBe(sessionId);
    expect(states).toContain('SUSPENDED');
    expect(states.at(-1)).toBe('RECONNECTED');
    expect(failures).toBeLessThan(50);
    await readEverywhere(cluster, others(cluster, leader), acknowledged, clients);
    // The old leader comes back as a follower and has every acknowledged write too.
    await cluster.restart(leader);
    await cluster.waitServing();
    await readEverywhere(cluster, [leader], acknowledged, clients);
  }, 60_000);

  it('a killed follower restarts and catches up by DIFF', async () => {
    const lines: string[] = [];
    cluster = await TestingCluster.start({ servers: 3, inMemory, logger: recordingLogger(lines) });
    const leader = await cluster.leader();
    await cluster.waitServing();
    const follower = others(cluster, leader)[0] as number;
    const { client } = await clientOn(cluster, [leader]);
    clients.push(client);
    await client.create('/load');
    const paths: string[] = [];
    for (let index = 0; index < 10; index++) paths.push(await client.create(`/load/before-${index}`));
    await cluster.kill(follower);
    for (let index = 0; index < 20; index++) paths.push(await client.create(`/load/while-down-${index}`));
    lines.length = 0;
    await cluster.restart(follower);
    await cluster.waitServing();
    expect(lines.filter((line) => line.includes(`sync learner ${follower} `))).toEqual([
      expect.stringMatching(/: DIFF /),
    ]);
    await readEverywhere(cluster, [follower], paths, clients);
  }, 60_000);

  it('a far-behind follower catches up by SNAP once the leader compacted its log', async () => {
    const lines: string[] = [];
    cluster = await TestingCluster.start({
      servers: 3,
      inMemory,
      snapCount: 10,
      logger: recordingLogger(lines),
    });
    const leader = await cluster.leader();
    await cluster.waitServing();
    const follower = others(cluster, leader)[0] as number;
    const { client } = await clientOn(cluster, [leader]);
    clients.push(client);
    await client.create('/load');
    await cluster.kill(follower);
    const paths: string[] = [];
    for (let index = 0; index < 100; index++) paths.push(await client.create(`/load/n-${index}`));
    // Background snapshots (every ~10 txns) let the leader forget the txns they cover.
    await new Promise((resolve) => setTimeout(resolve, 300));
    lines.length = 0;
    await cluster.restart(follower);
    await cluster.waitServing();
    expect(lines.filter((line) => line.includes(`sync learner ${follower} `))).toEqual([
      expect.stringMatching(/: SNAP /),
    ]);
    expect(lines.some((line) => line.startsWith(`[${follower}] installed the leader's snapshot`))).toBe(true);
    await readEverywhere(cluster, [follower], paths, clients);
    // The follower's snapshot is durable: after another restart it comes back with everything.
    await cluster.restart(follower);
    await cluster.waitServing();
    await readEverywhere(cluster, [follower], paths, clients);
  }, 60_000);
});

/**
 * Partitions, sessions and observers: a minority cannot commit while the majority does;
 * ephemerals die with their session through the leader's expiry (follower pings keep a
 * session alive); an observer serves reads and never votes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../../server/testing/fault-proxy';
import { TestingCluster } from '../../../server/testing/testing-cluster';
import { Role } from '../../../server/zab/role';
import { ZooKit, type ZooKitClient } from '../../../src/client/client';
import { CreateMode } from '../../../src/protocol/constants';
import { clientOn, eventually, others } from './support';

describe('ensemble: partitions, sessions, observers', () => {
  let cluster: TestingCluster | undefined;
  const clients: ZooKitClient[] = [];
  const proxies: FaultProxy[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
    await cluster?.close();
    cluster = undefined;
  });

  it('a leader cut off in a minority cannot commit; the majority elects another and commits', async () => {
    cluster = await TestingCluster.start({ servers: 3 });
    const leader = await cluster.leader();
    await cluster.waitServing();
    const majority = others(cluster, leader);
    const { client: minorityClient } = await clientOn(cluster, [leader], { sessionTimeoutMs: 10_000 });
    clients.push(minorityClient);
    await minorityClient.create('/before', 'x');
    cluster.partition([leader], majority);
    let minorityOutcome = 'pending';
    minorityClient.create('/minority', 'lost').then(
      () => {
        minorityOutcome = 'acknowledged';
      },
      () => {
        minorityOutcome = 'failed';
      },
    );
    // The isolated leader hears no quorum within syncLimit and steps down; the majority elects.
    await eventually(() => cluster?.role(leader) === Role.LOOKING, 5_000, 'the isolated leader steps down');
    const newLeader = await cluster.leader(10_000);
    expect(majority).toContain(newLeader);
    const { client: majorityClient } = await clientOn(cluster, majority);
    clients.push(majorityClient);
    expect(await majorityClient.create('/majority', 'kept')).toBe('/majority');
    expect(minorityOutcome).not.toBe('acknowledged');
    // Stop the minority client before healing so that it cannot retry its create elsewhere.
    await minorityClient.close();
    cluster.heal();
    await cluster.waitServing();
    for (const id of cluster.ids) {
      const { client } = await clientOn(cluster, [id]);
      clients.push(client);
      await client.sync('/');
      expect({ id, children: (await client.getChildren('/')).sort() }).toEqual({
        id,
        children: ['before', 'majority', 'zookeeper'],
      });
    }
  }, 60_000);

  it('a session kept alive through a follower lives; when its client vanishes the leader expires it and its ephemerals die everywhere', async () => {
    cluster = await TestingCluster.start({ servers: 3 });
    const leader = await cluster.leader();
    await cluster.waitServing();
    const follower = others(cluster, leader)[0] as number;
    const proxy = await FaultProxy.start({
      target: { host: '127.0.0.1', port: cluster.member(follower).clientPort },
    });
    proxies.push(proxy);
    const vanishing = ZooKit.newClient(proxy.connectString, {
      sessionTimeoutMs: 1_000,
      connectionTimeoutMs: 5_000,
    });
    clients.push(vanishing);
    await vanishing.start();
    const sessionId = vanishing.sessionId;
    await vanishing.create('/owned', null, { mode: CreateMode.EPHEMERAL });
    // Three session timeouts: only the follower's ping reports keep it alive at the leader.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const { client: onLeader } = await clientOn(cluster, [leader]);
    clients.push(onLeader);
    expect((await onLeader.exists('/owned'))?.ephemeralOwner).toBe(sessionId);
    expect(cluster.instance(leader)?.sessions.getSession(sessionId)?.timeoutMs).toBe(1_000);
    proxy.refuse(true);
    proxy.cut();
    for (const id of cluster.ids) {
      const { client: reader } = await clientOn(cluster, [id]);
      clients.push(reader);
      const deadline = Date.now() + 5_000;
      let stat = await reader.exists('/owned');
      while (stat !== null && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        stat = await reader.exists('/owned');
      }
      expect({ id, exists: stat !== null }).toEqual({ id, exists: false });
    }
  }, 60_000);

  it('an observer serves reads of committed writes and never votes', async () => {
    cluster = await TestingCluster.start({ servers: 3, observers: 1 });
    const leader = await cluster.leader();
    await cluster.waitServing();
    expect(cluster.role(4)).toBe(Role.OBSERVING);
    expect(cluster.instance(4)?.pipeline.mode).toBe('observer');
    const { client: observerClient } = await clientOn(cluster, [4]);
    clients.push(observerClient);
    // A write through the observer is forwarded; its reply comes once the observer applied it.
    expect(await observerClient.create('/seen', 'by-observer')).toBe('/seen');
    const { client: leaderClient } = await clientOn(cluster, [leader]);
    clients.push(leaderClient);
    await leaderClient.create('/from-leader', 'x');
    await observerClient.sync('/');
    expect((await observerClient.getData('/from-leader')).data?.toString()).toBe('x');
    // Two voters down: one voter and the observer are no quorum, so nobody leads.
    const [first, second] = others(cluster, leader).filter((id) => id !== 4);
    await cluster.kill(first as number);
    await cluster.kill(leader);
    await expect(cluster.leader(3_000)).rejects.toThrow(/no leader/);
    expect(cluster.role(second as number)).toBe(Role.LOOKING);
    expect(cluster.role(4)).toBe(Role.LOOKING);
  }, 60_000);
});

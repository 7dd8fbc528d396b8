import { afterEach, describe, expect, it } from 'vitest';
import { TestingCluster } from '../../../server/testing/testing-cluster';
import { Role } from '../../../server/zab/role';
import type { ZooKitClient } from '../../../src/client/client';
import { clientOn, others } from './support';

describe('ensemble: election and replication (N=3)', () => {
  let cluster: TestingCluster | undefined;
  const clients: ZooKitClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await cluster?.close();
    cluster = undefined;
  });

  it('elects exactly one leader; the others follow it and serve', async () => {
    cluster = await TestingCluster.start({ servers: 3 });
    const leader = await cluster.leader();
    await cluster.waitServing();
    expect(cluster.role(leader)).toBe(Role.LEADING);
    for (const id of others(cluster, leader)) expect(cluster.role(id)).toBe(Role.FOLLOWING);
    for (const id of cluster.ids)
      expect(cluster.instance(id)?.pipeline.mode).toBe(id === leader ? 'leader' : 'follower');
  }, 30_000);

  for (const inMemory of [true, false])
    it(`servers with empty storage that form a quorum wait for one holding the data (${inMemory ? 'memory' : 'data dirs'})`, async () => {
      cluster = await TestingCluster.start({ servers: 3, inMemory });
      await cluster.leader();
      await cluster.waitServing();
      const { client: writer } = await clientOn(cluster, [1]);
      clients.push(writer);
      await writer.create('/kept', 'before the disks were lost');
      await writer.sync('/kept');
      await writer.close();
      for (const id of cluster.ids) await cluster.kill(id);
      await cluster.wipe(1);
      await cluster.wipe(2);
      await cluster.restart(1);
      await cluster.restart(2);
      // 1 and 2 are a quorum with nothing on disk: they must not elect one of themselves.
      await new Promise((resolve) => setTimeout(resolve, 3_000)); // 15 ticks, 1.5 × initLimit
      expect([cluster.role(1), cluster.role(2)]).toEqual([Role.LOOKING, Role.LOOKING]);
      await cluster.restart(3);
      expect(await cluster.leader()).toBe(3);
      await cluster.waitServing();
      for (const id of [1, 2]) {
        const { client } = await clientOn(cluster, [id]);
        clients.push(client);
        expect((await client.getData('/kept')).data.toString()).toBe('before the disks were lost');
      }
    }, 40_000);

  it('hierarchical quorums: the ensemble survives the loss of a whole group (rack) that holds most of its servers', async () => {
    // Rack A holds 1, 2, 3; racks B and C one server each. Under majority quorums losing rack A
    // (3 of 5) stops the ensemble; with groups, B and C are two of three groups: a quorum.
    cluster = await TestingCluster.start({ servers: 5, groups: [[1, 2, 3], [4], [5]] });
    await cluster.leader();
    await cluster.waitServing();
    const { client: writer } = await clientOn(cluster, [4, 5]);
    clients.push(writer);
    await writer.create('/racks', 'before');
    for (const id of [1, 2, 3]) await cluster.kill(id);
    const leader = await cluster.leader(20_000);
    expect([4, 5]).toContain(leader);
    await cluster.waitServing([4, 5], 20_000);
    await writer.setData('/racks', 'after rack A went down');
    const { client: reader } = await clientOn(cluster, [leader === 4 ? 5 : 4]);
    clients.push(reader);
    await reader.sync('/racks');
    expect((await reader.getData('/racks')).data.toString()).toBe('after rack A went down');
  }, 60_000);

  it('hierarchical quorums: a server of weight 0 never leads, and still serves', async () => {
    // Server 3 would win the first election on its id; with weight 0 it cannot lead.
    cluster = await TestingCluster.start({ servers: 3, groups: [[1, 2, 3]], weights: { 3: 0 } });
    expect(await cluster.leader()).toBe(2);
    await cluster.waitServing();
    expect(cluster.role(3)).toBe(Role.FOLLOWING);
    const { client } = await clientOn(cluster, [3]);
    clients.push(client);
    await client.create('/weightless', 'x');
    expect((await client.getData('/weightless')).data.toString()).toBe('x');
  }, 30_000);

  it('a write through a follower is readable on every member after sync', async () => {
    cluster = await TestingCluster.start({ servers: 3 });
    const leader = await cluster.leader();
    await cluster.waitServing();
    const follower = others(cluster, leader)[0] as number;
    const { client: writer } = await clientOn(cluster, [follower]);
    clients.push(writer);
    expect(await writer.create('/via-follower', 'hello')).toBe('/via-follower');
    const stat = await writer.setData('/via-follower', 'again');
    expect(stat.version).toBe(1);
    for (const id of cluster.ids) {
      const { client } = await clientOn(cluster, [id]);
      clients.push(client);
      await client.sync('/via-follower');
      const { data, stat: read } = await client.getData('/via-follower');
      expect(data?.toString()).toBe('again');
      expect(read.mzxid).toBe(stat.mzxid);
      expect(read.version).toBe(1);
    }
  }, 30_000);

  it('sync on a follower: a read after it sees every write the leader acknowledged before it', async () => {
    cluster = await TestingCluster.start({ servers: 3 });
    const leader = await cluster.leader();
    await cluster.waitServing();
    const follower = others(cluster, leader)[0] as number;
    const { client: writer } = await clientOn(cluster, [leader]);
    const { client: reader } = await clientOn(cluster, [follower]);
    clients.push(writer, reader);
    await writer.create('/counter', '0');
    // The follower hears of every proposal and commit 150 ms late; the other follower makes the quorum.
    cluster.delayMessagesTo(follower, 150);
    const stale: number[] = [];
    for (let value = 1; value <= 20; value++) {
      await writer.setData('/counter', String(value));
      // The leader acknowledged; the follower's COMMIT is still in flight: sync waits for it.
      await reader.sync('/counter');
      const { data } = await reader.getData('/counter');
      if (data?.toString() !== String(value)) stale.push(value);
    }
    expect(stale).toEqual([]);
    // Without the sync the same read is stale: the delayed commit has not arrived yet.
    await writer.setData('/counter', 'latest');
    expect((await reader.getData('/counter')).data?.toString()).toBe('20');
  }, 60_000);
});

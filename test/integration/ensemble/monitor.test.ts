/**
 * `mntr` and `srvr` on ensemble members, zookit's against Apache 3.8's: the quorum keys that
 * monitoring tools read (zk_peer_state, zk_quorum_size and, on the leader, zk_learners,
 * zk_synced_followers, zk_pending_syncs, the proposal sizes) with the same names and the
 * same values for the same shape of ensemble, and `srvr`'s proposal-size line on a leader.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestingCluster } from '../../../server/testing/testing-cluster';
import { ZooKit } from '../../../src/client/client';
import { describeApache, startApacheEnsemble } from '../../support/apache';
import type { ApacheEnsemble } from '../../support/apache-ensemble';
import { fourLetterWord } from '../../support/network';
import { others } from './support';

/** `mntr` as key → value. */
function monitor(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) values.set(line.slice(0, tab), line.slice(tab + 1));
  }
  return values;
}

/** The quorum keys compared value for value (sizes and uptimes differ by implementation). */
const LEADER_VALUES = [
  'zk_server_state',
  'zk_peer_state',
  'zk_quorum_size',
  'zk_learners',
  'zk_synced_followers',
  'zk_synced_non_voting_followers',
  'zk_synced_observers',
  'zk_pending_syncs',
] as const;
const FOLLOWER_VALUES = ['zk_server_state', 'zk_peer_state', 'zk_quorum_size'] as const;

/** Creates one node through a member, so the leader has proposed at least once. */
async function writeOnce(connectString: string): Promise<void> {
  const client = ZooKit.newClient(connectString, { sessionTimeoutMs: 10_000 });
  try {
    await client.start();
    await client.create('/monitored', 'value');
  } finally {
    await client.close();
  }
}

describeApache('ensemble four-letter words: zookit and Apache ZooKeeper, 3 voters', () => {
  let cluster: TestingCluster | undefined;
  let apache: ApacheEnsemble | undefined;
  const ports = { zookit: { leader: 0, follower: 0 }, apache: { leader: 0, follower: 0 } };

  beforeAll(async () => {
    [cluster, apache] = await Promise.all([TestingCluster.start({ servers: 3 }), startApacheEnsemble()]);
    const zookitLeader = await cluster.leader();
    await cluster.waitServing();
    const apacheLeader = await apache.waitForQuorum();
    ports.zookit.leader = cluster.member(zookitLeader).clientPort;
    ports.zookit.follower = cluster.member(others(cluster, zookitLeader)[0] as number).clientPort;
    ports.apache.leader = apache.server(apacheLeader).port;
    ports.apache.follower = (
      apache.servers.find((server) => server.id !== apacheLeader) as { port: number }
    ).port;
    await writeOnce(cluster.connectString);
    await writeOnce(apache.connectString);
  }, 120_000);

  afterAll(async () => {
    await cluster?.close();
    await apache?.stop();
  });

  it('the leader reports the same learners, synced followers and pending syncs, under the same keys', async () => {
    const zookit = monitor(await fourLetterWord(ports.zookit.leader, 'mntr'));
    const reference = monitor(await fourLetterWord(ports.apache.leader, 'mntr'));
    for (const key of zookit.keys()) expect(reference.has(key), `${key} is an Apache key`).toBe(true);
    for (const key of LEADER_VALUES) expect([key, zookit.get(key)]).toEqual([key, reference.get(key)]);
    expect(zookit.get('zk_peer_state')).toBe('leading - broadcast');
    expect(zookit.get('zk_synced_followers')).toBe('2');
    for (const mntr of [zookit, reference]) {
      expect(Number(mntr.get('zk_last_proposal_size'))).toBeGreaterThan(0);
      expect(Number(mntr.get('zk_min_proposal_size'))).toBeGreaterThan(0);
      expect(Number(mntr.get('zk_max_proposal_size'))).toBeGreaterThanOrEqual(
        Number(mntr.get('zk_min_proposal_size')),
      );
      expect(Number(mntr.get('zk_leader_uptime'))).toBeGreaterThan(0);
      expect(Number(mntr.get('zk_open_file_descriptor_count'))).toBeGreaterThan(0);
    }
  });

  it('a follower reports its peer state and the quorum size, and no leader keys', async () => {
    const zookit = monitor(await fourLetterWord(ports.zookit.follower, 'mntr'));
    const reference = monitor(await fourLetterWord(ports.apache.follower, 'mntr'));
    for (const key of zookit.keys()) expect(reference.has(key), `${key} is an Apache key`).toBe(true);
    for (const key of FOLLOWER_VALUES) expect([key, zookit.get(key)]).toEqual([key, reference.get(key)]);
    expect(zookit.get('zk_peer_state')).toBe('following - broadcast');
    for (const mntr of [zookit, reference]) expect(mntr.has('zk_learners')).toBe(false);
  });

  it('srvr on the leader ends with the proposal sizes, on a follower it does not', async () => {
    const line = /^Proposal sizes last\/min\/max: \d+\/\d+\/\d+$/m;
    expect(await fourLetterWord(ports.zookit.leader, 'srvr')).toMatch(line);
    expect(await fourLetterWord(ports.apache.leader, 'srvr')).toMatch(line);
    expect(await fourLetterWord(ports.zookit.follower, 'srvr')).not.toContain('Proposal sizes');
    expect(await fourLetterWord(ports.apache.follower, 'srvr')).not.toContain('Proposal sizes');
  });
});

describe('ensemble four-letter words: an observer', () => {
  let cluster: TestingCluster | undefined;

  afterAll(async () => {
    await cluster?.close();
  });

  it('the leader counts the observer apart from the followers; the observer says it observes', async () => {
    cluster = await TestingCluster.start({ servers: 3, observers: 1 });
    const leader = await cluster.leader();
    await cluster.waitServing();
    const observer = cluster.ids.find((id) => cluster?.member(id).observer === true) as number;
    const atLeader = monitor(await fourLetterWord(cluster.member(leader).clientPort, 'mntr'));
    expect(atLeader.get('zk_learners')).toBe('3');
    expect(atLeader.get('zk_synced_followers')).toBe('2');
    expect(atLeader.get('zk_synced_observers')).toBe('1');
    expect(atLeader.get('zk_quorum_size')).toBe('3');
    const atObserver = monitor(await fourLetterWord(cluster.member(observer).clientPort, 'mntr'));
    expect(atObserver.get('zk_server_state')).toBe('observer');
    expect(atObserver.get('zk_peer_state')).toBe('observing - broadcast');
  }, 60_000);
});

/**
 * The harness checks itself against real Apache ZooKeeper: a standalone server starts,
 * serves, restarts on the same port with a new JVM, and leaves nothing behind; an ensemble
 * elects a leader, survives the leader's crash and takes the old leader back.
 */
import { existsSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import {
  type ApacheEnsemble,
  type ApacheZooKeeper,
  describeApache,
  startApacheEnsemble,
  startApacheZooKeeper,
} from './apache';
import { trackedPids } from './child-processes';
import { canConnect, fourLetterWord, serverMode } from './network';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describeApache('apache harness: standalone', () => {
  let server: ApacheZooKeeper | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('starts, restarts with a new JVM on the same port, and stops without leftovers', async () => {
    server = await startApacheZooKeeper({
      tickTime: 500,
      minSessionTimeout: 1_000,
      maxSessionTimeout: 8_000,
    });
    expect(server.connectString).toBe(`127.0.0.1:${server.port}`);
    expect(await fourLetterWord(server.port, 'ruok')).toBe('imok');
    const configuration = await fourLetterWord(server.port, 'conf');
    expect(configuration).toMatch(/^tickTime=500$/m);
    expect(configuration).toMatch(/^minSessionTimeout=1000$/m);
    expect(configuration).toMatch(/^maxSessionTimeout=8000$/m);
    const firstPid = server.pid;
    if (server.backend === 'debian') expect(trackedPids()).toContain(firstPid);

    await server.restart();
    expect(serverMode(await fourLetterWord(server.port, 'srvr'))).toBe('standalone');
    if (server.backend === 'debian') {
      expect(server.pid).not.toBe(firstPid);
      expect(isAlive(firstPid)).toBe(false);
    }

    const lastPid = server.pid;
    await server.stop();
    expect(await canConnect(server.port)).toBe(false);
    if (server.backend === 'debian') {
      expect(isAlive(lastPid)).toBe(false);
      expect(existsSync(server.dataDir)).toBe(false);
      expect(trackedPids()).not.toContain(lastPid);
    }
  });
});

describeApache('apache harness: ensemble (N=3)', () => {
  let ensemble: ApacheEnsemble | undefined;
  afterAll(async () => {
    await ensemble?.stop();
  });

  it('elects a leader, re-elects after the leader crashes, and takes the old leader back', async () => {
    ensemble = await startApacheEnsemble({ servers: 3, tickTime: 500 });
    expect(ensemble.servers.map((server) => server.id)).toEqual([1, 2, 3]);
    expect(ensemble.connectString.split(',')).toHaveLength(3);
    const leader = await ensemble.leaderId();
    expect(leader).toBeDefined();
    const modes = await Promise.all(ensemble.servers.map((server) => server.mode()));
    expect(modes.filter((mode) => mode === 'leader')).toHaveLength(1);
    expect(modes.filter((mode) => mode === 'follower')).toHaveLength(2);

    const crashed = leader ?? 0;
    await ensemble.kill(crashed);
    expect(ensemble.server(crashed).running).toBe(false);
    const successor = await ensemble.waitForQuorum();
    expect(successor).not.toBe(crashed);

    await ensemble.restart(crashed);
    expect(await ensemble.server(crashed).mode()).toBe('follower');
  }, 120_000);
});

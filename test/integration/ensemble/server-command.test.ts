/**
 * `zookit server --config zoo.cfg` with Apache's `server.N=host:quorumPort:electionPort` lines
 * and `dataDir/myid`: three child processes form an ensemble; the leader is `kill -9`ed and a
 * client on the three-host connect string carries on with its data.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZooKit, type ZooKitClient } from '../../../src/client/client';
import { startZookitProcess, type ZookitProcess } from '../../interop/support/zookit-process';
import { fourLetterWord, freePorts, serverMode, waitUntil } from '../../support/network';

describe('zookit server: ensemble from zoo.cfg', () => {
  const root = mkdtempSync(join(tmpdir(), 'zookit-ensemble-cli-'));
  const processes: ZookitProcess[] = [];
  const clients: ZooKitClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    for (const child of processes) if (child.running) await child.kill();
    rmSync(root, { recursive: true, force: true });
  });

  it('three members elect a leader, survive its kill -9, and keep every acknowledged write', async () => {
    const ports = await freePorts(9);
    const clientPorts = [ports[0], ports[1], ports[2]] as number[];
    const serverLines = [1, 2, 3]
      .map((id) => `server.${id}=127.0.0.1:${ports[2 + id * 2 - 1]}:${ports[2 + id * 2]}`)
      .join('\n');
    const members = new Map<number, ZookitProcess>();
    await Promise.all(
      [1, 2, 3].map(async (id) => {
        const dataDir = join(root, `data-${id}`);
        mkdirSync(dataDir, { recursive: true });
        writeFileSync(join(dataDir, 'myid'), `${id}\n`);
        const configPath = join(root, `zoo-${id}.cfg`);
        writeFileSync(
          configPath,
          `tickTime=200\ninitLimit=10\nsyncLimit=5\ndataDir=${dataDir}\nclientPort=${clientPorts[id - 1]}\n` +
            `clientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\nmaxSessionTimeout=20000\n${serverLines}\n`,
        );
        const child = await startZookitProcess({
          args: ['--config', configPath],
          logFile: join(root, `server-${id}.log`),
        });
        processes.push(child);
        members.set(id, child);
      }),
    );
    const modes = async (): Promise<Map<number, string | undefined>> => {
      const result = new Map<number, string | undefined>();
      for (const id of members.keys()) {
        const child = members.get(id);
        if (child === undefined || !child.running) continue;
        result.set(
          id,
          serverMode(await fourLetterWord(clientPorts[id - 1] as number, 'srvr').catch(() => '')),
        );
      }
      return result;
    };
    const leaderOf = async (): Promise<number | undefined> => {
      for (const [id, mode] of await modes()) if (mode === 'leader') return id;
      return undefined;
    };
    await waitUntil(
      async () =>
        (await leaderOf()) !== undefined && [...(await modes()).values()].every((mode) => mode !== undefined),
      {
        timeoutMs: 15_000,
        describeFailure: () => 'no leader with two serving followers',
      },
    );
    const leader = (await leaderOf()) as number;
    expect([...(await modes()).values()].sort()).toEqual(['follower', 'follower', 'leader']);
    const client = ZooKit.newClient(clientPorts.map((port) => `127.0.0.1:${port}`).join(','), {
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 10_000,
    });
    clients.push(client);
    await client.start();
    const sessionId = client.sessionId;
    const acknowledged: string[] = [];
    for (let index = 0; index < 20; index++)
      acknowledged.push(await client.create(`/cli-${index}`, String(index)));
    await (members.get(leader) as ZookitProcess).kill();
    await waitUntil(
      async () => {
        const next = await leaderOf();
        return next !== undefined && next !== leader;
      },
      { timeoutMs: 10_000, describeFailure: () => 'no new leader after the kill' },
    );
    for (let index = 20; index < 40; index++)
      acknowledged.push(await client.create(`/cli-${index}`, String(index)));
    expect(client.sessionId).toBe(sessionId);
    await client.sync('/');
    const children = new Set(await client.getChildren('/'));
    expect(acknowledged.filter((path) => !children.has(path.slice(1)))).toEqual([]);
  }, 60_000);
});

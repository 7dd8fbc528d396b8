/**
 * Dynamic reconfiguration from the client (opcode 16): against a 3-member Apache ZooKeeper
 * 3.8 ensemble started with `reconfigEnabled=true` and a super user, remove a member, refuse a
 * stale `fromConfig`, and add the member back; against servers without it (zookit's, Apache
 * standalone by default), a typed ReconfigDisabledError.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestingServer } from '../../../server/testing/testing-server';
import { ZooKit, type ZooKitClient } from '../../../src/client/client';
import { BadVersionError, ReconfigDisabledError } from '../../../src/protocol/errors';
import {
  type ApacheEnsemble,
  describeApache,
  startApacheEnsemble,
  superDigestFor,
} from '../../support/apache';

const clients: ZooKitClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function started(connectString: string): Promise<ZooKitClient> {
  const client = ZooKit.newClient(connectString, { sessionTimeoutMs: 10_000, connectionTimeoutMs: 15_000 });
  clients.push(client);
  await client.start();
  return client;
}

/** The `server.N` ids of a config text. */
function memberIds(config: Buffer): number[] {
  return [...config.toString().matchAll(/^server\.(\d+)=/gm)].map((match) => Number(match[1])).sort();
}

describe('reconfig on a server without dynamic reconfiguration', () => {
  it("zookit's server answers ReconfigDisabledError; a change without servers is a RangeError", async () => {
    const server = await TestingServer.start({ inMemory: true });
    try {
      const client = await started(server.connectString);
      await expect(client.reconfig({ leaving: [3] })).rejects.toBeInstanceOf(ReconfigDisabledError);
      await expect(client.reconfig({ joining: [] })).rejects.toBeInstanceOf(RangeError);
      expect((await client.getData('/zookeeper')).stat.numChildren).toBeGreaterThan(0); // still usable
    } finally {
      await server.close();
    }
  });
});

describeApache('reconfig: Apache ZooKeeper 3.8 ensemble with reconfigEnabled=true', () => {
  let ensemble: ApacheEnsemble | undefined;
  afterEach(async () => {
    await ensemble?.stop();
    ensemble = undefined;
  });

  it('removes a member, refuses a stale fromConfig, adds the member back', async () => {
    ensemble = await startApacheEnsemble({
      tickTime: 200,
      superDigest: superDigestFor('secret'),
      properties: { reconfigEnabled: 'true' },
      clientPortsInServerLines: true,
    });
    const leader = await ensemble.waitForQuorum();
    // Remove a follower; the client talks to the two members that stay.
    const victim = ensemble.servers.find((server) => server.id !== leader)?.id as number;
    const staying = ensemble.servers.filter((server) => server.id !== victim);
    const client = await started(staying.map((server) => server.connectString).join(','));
    await client.addAuth('digest', 'super:secret');
    const before = await client.getConfig();
    expect(memberIds(before.data)).toEqual([1, 2, 3]);
    const line = before.data
      .toString()
      .split('\n')
      .find((text) => text.startsWith(`server.${victim}=`));
    expect(line).toBeDefined();

    const removed = await client.reconfig({ leaving: [victim] });
    const remaining = staying.map((server) => server.id).sort();
    expect(memberIds(removed.data)).toEqual(remaining);
    expect(memberIds((await client.getConfig()).data)).toEqual(remaining);
    const stale = client.reconfig({ joining: [line as string], fromConfig: before.stat.mzxid });
    await expect(stale).rejects.toBeInstanceOf(BadVersionError);

    const added = await client.reconfig({ joining: [line as string], fromConfig: removed.stat.mzxid });
    expect(memberIds(added.data)).toEqual([1, 2, 3]);
  }, 90_000);
});

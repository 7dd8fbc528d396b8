/**
 * Apache's zkCli (Debian's package, unchanged) runs one script against Apache ZooKeeper 3.8
 * and against `zookit server`; the normalised outputs (command output in order, watch
 * notifications as a set) must be equal, and a few lines are pinned.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeApache } from '../support/apache';
import { type InteropServers, startInteropServers } from './support/servers';
import { runZkCli, type ZkCliOutput } from './zkcli/zkcli';

/** Every line is one zkCli command; the ephemerals are deleted before `quit` so that no
 * notification races the end of the session. */
const SCRIPT = [
  'create /zkcli hello',
  'create /zkcli/p data',
  'create /zkcli/p again',
  'create /zkcli/none/x x',
  'create -s /zkcli/s- a',
  'create -s /zkcli/s- b',
  'create -e /zkcli/e eph',
  'create /zkcli/e/c x',
  'create -e -s /zkcli/es- x',
  'create -c /zkcli/container x',
  'create -t 60000 /zkcli/ttl x',
  'get /zkcli/p',
  'get -s /zkcli/p',
  'set /zkcli/p world',
  'set -v 0 /zkcli/p late',
  'stat /zkcli/p',
  'stat /zkcli/e',
  'ls /zkcli',
  'ls -s /zkcli',
  'ls -R /zkcli',
  'getAllChildrenNumber /zkcli',
  'getEphemerals /zkcli',
  'get -w /zkcli/p',
  'set /zkcli/p watched',
  'ls -w /zkcli',
  'create /zkcli/w x',
  'stat -w /zkcli/later',
  'create /zkcli/later x',
  'addWatch -m PERSISTENT_RECURSIVE /zkcli/w',
  'create /zkcli/w/r x',
  'set /zkcli/w/r y',
  'delete /zkcli/w/r',
  'removewatches /zkcli/w -a',
  'addauth digest alice:secret',
  'create /zkcli/acl secret',
  'setAcl /zkcli/acl auth:alice:secret:cdrwa',
  'getAcl /zkcli/acl',
  'get /zkcli/acl',
  'setAcl -v 5 /zkcli/acl world:anyone:r',
  'whoami',
  'sync /zkcli',
  'delete /zkcli',
  'get /zkcli/missing',
  'stat /zkcli/missing',
  'ls /zkcli/missing',
  'delete -v 5 /zkcli/p',
  'delete /zkcli/p',
  'deleteall /zkcli/s-0000000001',
  'delete /zkcli/e',
  'delete /zkcli/es-0000000004',
  'ls /zkcli',
  'get -s /zkcli',
];

describeApache('interop: zkCli against zookit and Apache ZooKeeper', () => {
  let servers: InteropServers;
  let apache: ZkCliOutput;
  let zookit: ZkCliOutput;

  beforeAll(async () => {
    servers = await startInteropServers();
    [apache, zookit] = await Promise.all([
      runZkCli(servers.apache.port, SCRIPT),
      runZkCli(servers.zookit.port, SCRIPT),
    ]);
  }, 120_000);

  afterAll(async () => {
    await servers?.stop();
  });

  it('prints the same command output for both servers', () => {
    expect(zookit.lines).toEqual(apache.lines);
  });

  it('delivers the same watch notifications', () => {
    expect(zookit.events).toEqual(apache.events);
  });

  it('pins a few lines', () => {
    const { lines, events } = zookit;
    for (const expected of [
      'Created /zkcli/p',
      'Node already exists: /zkcli/p',
      'Created /zkcli/s-0000000001',
      'Created /zkcli/s-0000000002',
      'Ephemerals cannot have children: /zkcli/e/c',
      'Created /zkcli/es-0000000004',
      'version No is not valid : /zkcli/p',
      'ephemeralOwner = <session>',
      'Node not empty: /zkcli',
      'Node does not exist: /zkcli/missing',
      'digest: alice',
      'Sync is OK',
      '[acl, container, later, s-0000000002, ttl, w]',
      'cversion = 14',
      'Auth scheme: User',
      'ip: 127.0.0.1',
    ]) {
      expect(lines).toContain(expected);
    }
    expect(events).toContain('WatchedEvent state:SyncConnected type:NodeDataChanged path:/zkcli/p');
    expect(events).toContain('WatchedEvent state:SyncConnected type:NodeCreated path:/zkcli/later');
    expect(events).toContain('WatchedEvent state:SyncConnected type:NodeCreated path:/zkcli/w/r');
    expect(events).toContain('WatchedEvent state:SyncConnected type:NodeDeleted path:/zkcli/w/r');
  });
});

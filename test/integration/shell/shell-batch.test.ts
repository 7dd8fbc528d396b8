import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestingServer } from '../../../server/testing/testing-server';
import { ZooKit, type ZooKitClient } from '../../../src/index';
import { maskStat, runCli } from './fixtures/run-cli';

let server: TestingServer;
let client: ZooKitClient;
let scratch: string;

beforeAll(async () => {
  server = await TestingServer.start({ inMemory: true, extendedTypesEnabled: true });
  client = ZooKit.newClient(server.connectString);
  await client.start();
  scratch = await mkdtemp(join(tmpdir(), 'zookit-shell-'));
});

afterAll(async () => {
  await client?.close();
  await server?.close();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('zookit shell --cmd', () => {
  it('runs ; separated commands with zkCli output', async () => {
    const result = await runCli([
      'shell',
      server.connectString,
      '--cmd',
      'create /cmd hello; create /cmd/child; ls /cmd; get /cmd; set /cmd world; get -s /cmd; getAllChildrenNumber /cmd',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(maskStat(result.stdout)).toBe(
      [
        'Created /cmd',
        'Created /cmd/child',
        '[child]',
        'hello',
        'world',
        'cZxid = 0x?',
        'ctime = ?',
        'mZxid = 0x?',
        'mtime = ?',
        'pZxid = 0x?',
        'cversion = 1',
        'dataVersion = 1',
        'aclVersion = 0',
        'ephemeralOwner = 0x?',
        'dataLength = 5',
        'numChildren = 1',
        '1',
        '',
      ].join('\n'),
    );
    expect((await client.getData('/cmd')).data.toString()).toBe('world');
  });

  it('prints errors on stderr with the code name and exits 1, going on after a failure', async () => {
    const result = await runCli([
      'shell',
      server.connectString,
      '--cmd',
      'get /missing',
      '--cmd',
      'create /after-error',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('Node does not exist: /missing (NONODE)\n');
    expect(result.stdout).toBe('Created /after-error\n');
  });

  it('reports bad versions, non-empty deletes, unknown commands and usage', async () => {
    await client.create('/full', 'x');
    await client.create('/full/kid');
    const result = await runCli([
      'shell',
      server.connectString,
      '--cmd',
      'set -v 7 /full y; delete /full; bogus; get; create -c -e /bad',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')).toEqual([
      'version No is not valid : /full (BADVERSION)',
      'Node not empty: /full (NOTEMPTY)',
      'Command not found: bogus',
      "Type 'help' for the list of commands.",
      'missing arguments',
      'get [-s] [-w] path',
      '-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.',
      '',
    ]);
  });

  it('creates sequential, ephemeral, container and TTL nodes and ACLs', async () => {
    const result = await runCli([
      'shell',
      server.connectString,
      '--cmd',
      [
        'create /modes',
        'create -s /modes/seq- a',
        'create -e /modes/eph',
        'getEphemerals /modes',
        'create -c /modes/box',
        'create -t 60000 /modes/ttl',
        'create /modes/ro data world:anyone:r',
        'getAcl /modes/ro',
        'setAcl /modes/eph world:anyone:rw',
        'getAcl /modes/eph',
        'stat /modes/box',
      ].join('; '),
    ]);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 9)).toEqual([
      'Created /modes',
      'Created /modes/seq-0000000000',
      'Created /modes/eph',
      '[/modes/eph]',
      'Created /modes/box',
      'Created /modes/ttl',
      'Created /modes/ro',
      "'world,'anyone",
      ': r',
    ]);
    expect(lines.slice(9, 11)).toEqual(["'world,'anyone", ': rw']);
    // Apache 3.8 (and the bundled server) report 0x0 for a container's owner, not its internal marker.
    expect(lines.slice(16, 22)).toEqual([
      'cversion = 0',
      'dataVersion = 0',
      'aclVersion = 0',
      'ephemeralOwner = 0x0',
      'dataLength = 0',
      'numChildren = 0',
    ]);
    // The shell's session closed: its ephemeral is gone.
    expect(await client.exists('/modes/eph')).toBeNull();
    expect((await client.getChildren('/modes')).sort()).toEqual(['box', 'ro', 'seq-0000000000', 'ttl']);
  });

  it('ls -R lists the subtree breadth first; deleteall removes it', async () => {
    const result = await runCli([
      'shell',
      server.connectString,
      '--cmd',
      'create /tree; create /tree/b; create /tree/a; create /tree/a/x; ls -R /tree; deleteall /tree; stat /tree',
    ]);
    expect(result.stdout.split('\n').slice(4)).toEqual(['/tree', '/tree/a', '/tree/b', '/tree/a/x', '']);
    expect(result.stderr).toBe('Node does not exist: /tree (NONODE)\n');
  });

  it('history, redo, whoami, addauth and sync', async () => {
    const result = await runCli([
      'shell',
      server.connectString,
      '--cmd',
      'create /h; ls /h; history; redo 1; whoami; addauth digest alice:secret; whoami; sync /h',
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      [
        'Created /h',
        '[]',
        '0 - create /h',
        '1 - ls /h',
        '2 - history',
        '[]',
        'Auth scheme: User',
        'ip: 127.0.0.1',
        'Auth scheme: User',
        'ip: 127.0.0.1',
        'digest: alice',
        'Sync is OK',
        '',
      ].join('\n'),
    );
  });

  it('prints watch events as they arrive (-w and addWatch), and removewatches', async () => {
    const result = await runCli([
      'shell',
      server.connectString,
      '--cmd',
      'create /w; get -w /w; set /w a; addWatch -m PERSISTENT /w; set /w b; removewatches /w',
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      [
        'Created /w',
        '',
        '',
        'WATCHER::',
        '',
        'WatchedEvent state:SyncConnected type:NodeDataChanged path:/w',
        '',
        'WATCHER::',
        '',
        'WatchedEvent state:SyncConnected type:NodeDataChanged path:/w',
        '',
        'WATCHER::',
        '',
        'WatchedEvent state:SyncConnected type:PersistentWatchRemoved path:/w',
        '',
      ].join('\n'),
    );
  });

  it('quit stops the script; close makes later commands fail with Not connected', async () => {
    const quit = await runCli(['shell', server.connectString, '--cmd', 'create /q1; quit; create /q2']);
    expect(quit.stdout).toBe('Created /q1\n');
    expect(await client.exists('/q2')).toBeNull();
    const closed = await runCli(['shell', server.connectString, '--cmd', 'close; ls /']);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toBe('Not connected\n');
  });

  it('fails with exit 1 when the server cannot be reached', async () => {
    const result = await runCli(['shell', '127.0.0.1:1', '--timeout', '500', '--cmd', 'ls /']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^Cannot connect to 127\.0\.0\.1:1: no connection to ZooKeeper within 500 ms/,
    );
  });
});

describe('zookit shell from a pipe or a file', () => {
  const script = [
    '# a comment',
    'create /piped one',
    '',
    'get /piped',
    'ls /piped',
    'stat /nothing-here',
  ].join('\n');

  it('reads commands from stdin', async () => {
    const result = await runCli(['shell', server.connectString], { input: `${script}\n` });
    expect(result.stdout).toBe('Created /piped\none\n[]\n');
    expect(result.stderr).toBe('Node does not exist: /nothing-here (NONODE)\n');
    expect(result.code).toBe(1);
  });

  it('reads commands from --file', async () => {
    const file = join(scratch, 'script.txt');
    writeFileSync(file, 'create /filed two\nget /filed\n');
    const result = await runCli(['shell', server.connectString, '--file', file]);
    expect(result).toEqual({ code: 0, stdout: 'Created /filed\ntwo\n', stderr: '' });
  });
});

describe('zookit status', () => {
  it('prints the bundled server in a table with every word answered', async () => {
    const result = await runCli(['status', server.connectString]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]?.trim()).toBe(server.connectString);
    expect(lines[1]).toMatch(/^mode\s+standalone$/);
    expect(lines).toContainEqual(expect.stringMatching(/^srvr\s+ok$/));
    expect(lines).toContainEqual(expect.stringMatching(/^mntr\s+ok$/));
    expect(lines).toContainEqual(expect.stringMatching(/^cons\s+ok$/));
    expect(lines).toContain(`connections on ${server.connectString}:`);
  });

  it('reports a refused word, not a crash', async () => {
    const strict = await TestingServer.start({ inMemory: true, fourLetterWordWhitelist: 'srvr' });
    try {
      const result = await runCli(['status', strict.connectString]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^mntr\s+refused \(not in 4lw\.commands\.whitelist\)$/m);
      expect(result.stdout).toMatch(/^cons\s+refused \(not in 4lw\.commands\.whitelist\)$/m);
      expect(result.stdout).toMatch(/^mode\s+standalone$/m);
    } finally {
      await strict.close();
    }
  });

  it('reports an unreachable server and exits 1', async () => {
    const result = await runCli(['status', '127.0.0.1:1']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^mode\s+unreachable \(ECONNREFUSED\)$/m);
  });
});

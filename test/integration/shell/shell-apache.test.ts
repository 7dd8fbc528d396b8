/**
 * The shell against Apache ZooKeeper 3.8, side by side with Apache's own `zkCli.sh`: the same
 * script, the same server state, the same output (zookit adds the error code name, and prints
 * `Created` on stdout where zkCli uses stderr). Also `zookit status` against Apache.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Perms, ZooKit, type ZooKitClient } from '../../../src/index';
import { type ApacheZooKeeper, describeApache, startApacheZooKeeper } from '../../support/apache';
import { runCli } from './fixtures/run-cli';

const zkCli = '/usr/share/zookeeper/bin/zkCli.sh';

/** Runs zkCli.sh with `script` piped in; resolves with its stdout and stderr. */
function runZkCli(connectString: string, script: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(zkCli, ['-server', connectString], {
      env: { ...process.env, TZ: 'UTC', JVMFLAGS: '-Duser.timezone=UTC' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('zkCli.sh did not finish in 60 s'));
    }, 60_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    });
    child.stdin.end(`${script}\nquit\n`);
  });
}

/** zkCli's stdout without its banner, connection and close events. */
function zkCliOutput(stdout: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.indexOf('WatchedEvent state:SyncConnected type:None path:null');
  const body = lines.slice(start + 1);
  const closing = body.lastIndexOf('WATCHER::');
  return (closing === -1 ? body : body.slice(0, closing - 1)).filter((line) => line !== '');
}

/** zkCli's stderr without JVM and logging noise. */
function zkCliErrors(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line !== '' && !/^(SLF4J|log4j|\s+at |\S+Exception|Caused by)/.test(line));
}

const script = [
  'ls /cmp',
  'ls -s /cmp',
  'get /cmp',
  'get -s /cmp/a',
  'stat /cmp/ro',
  'getAcl /cmp/ro',
  'getAcl -s /cmp',
  'getAllChildrenNumber /cmp',
  'ls -R /cmp',
  'whoami',
  'get /cmp/none',
  'set -v 99 /cmp x',
  'delete /cmp',
  'set /cmp/ro y',
  'create /cmp/a',
].join('\n');

describeApache('zookit shell and zkCli.sh against Apache ZooKeeper', () => {
  let apache: ApacheZooKeeper;
  let client: ZooKitClient;

  beforeAll(async () => {
    apache = await startApacheZooKeeper();
    client = ZooKit.newClient(apache.connectString);
    await client.start();
    await client.create('/cmp', 'parent data');
    await client.create('/cmp/a', 'alpha');
    await client.create('/cmp/a/deep', null);
    await client.create('/cmp/ro', 'read only', {
      acl: [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }],
    });
  });

  afterAll(async () => {
    await client?.close();
    await apache?.stop();
  });

  it('prints what zkCli prints for the same script', async () => {
    expect(existsSync(zkCli)).toBe(true);
    const theirs = await runZkCli(apache.connectString, script);
    const ours = await runCli(['shell', apache.connectString], { input: `${script}\n` });
    const expectedOutput = zkCliOutput(theirs.stdout);
    // Sanity: zkCli really ran the script (ls, then a 21-line stat follows).
    expect(expectedOutput[0]).toBe('[a, ro]');
    expect(ours.stdout.split('\n').filter((line) => line !== '')).toEqual(expectedOutput);
    const ourErrors = ours.stderr
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.replace(/ \([A-Z]+\)$/, ''));
    expect(ourErrors).toEqual(zkCliErrors(theirs.stderr));
    expect(ourErrors).toEqual([
      'Node does not exist: /cmp/none',
      'version No is not valid : /cmp',
      'Node not empty: /cmp',
      'Insufficient permission : /cmp/ro',
      'Node already exists: /cmp/a',
    ]);
    expect(ours.code).toBe(1);
  }, 90_000);

  it('zookit status reads Apache: srvr and mntr answered, cons refused by the default whitelist', async () => {
    const result = await runCli(['status', apache.connectString]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^mode\s+standalone$/m);
    expect(result.stdout).toMatch(/^version\s+3\.8\.\d/m);
    expect(result.stdout).toMatch(/^srvr\s+ok$/m);
    expect(result.stdout).toMatch(/^znodes\s+\d+$/m);
  });
});

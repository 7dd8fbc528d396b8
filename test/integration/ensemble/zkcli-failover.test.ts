/**
 * Apache's own client against a zookit ensemble: Debian's `zkCli.sh`, connected with the
 * three-host connect string, writes, sees the leader killed, and carries on in the same
 * session (its reconnect lands on a member that serves).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { TestingCluster } from '../../../server/testing/testing-cluster';
import { isContinuousIntegration } from '../../support/backend';

const ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh';
/** Runs when zkCli is installed; under CI a missing zkCli fails (as a missing Apache does); else a loud skip. */
function describeZkCli(title: string, body: () => void): void {
  if (existsSync(ZKCLI)) {
    describe(title, body);
  } else if (isContinuousIntegration(process.env)) {
    describe(title, () => {
      it('needs zkCli.sh (CI is set, so a missing install fails)', () => {
        throw new Error(`${ZKCLI} is required under CI (Debian package zookeeper)`);
      });
    });
  } else {
    console.warn(`\n*** SKIPPING '${title}': ${ZKCLI} is not installed ***\n`);
    describe.skip(title, body);
  }
}

/** zkCli reading commands from our pipe; `output()` is everything it printed so far. */
function startZkCli(connectString: string): { child: ChildProcessWithoutNullStreams; output: () => string } {
  const child = spawn('sh', ['-c', `exec "${ZKCLI}" -timeout 10000 -server ${connectString} 2>&1`], {
    env: { ...process.env, CLIENT_JVMFLAGS: '-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1' },
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { child, output: () => Buffer.concat(chunks).toString('utf8') };
}

async function waitFor(output: () => string, pattern: RegExp, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pattern.test(output())) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describeZkCli('ensemble: Apache zkCli carries on across a leader kill', () => {
  let cluster: TestingCluster | undefined;
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    child = undefined;
    await cluster?.close();
    cluster = undefined;
  });

  it('creates before and after the kill, reads both, one session throughout (no Expired)', async () => {
    cluster = await TestingCluster.start({ servers: 3, serverOptions: { maxSessionTimeoutMs: 20_000 } });
    const leader = await cluster.leader();
    await cluster.waitServing();
    const zkcli = startZkCli(cluster.connectString);
    child = zkcli.child;
    zkcli.child.stdin.write('create /zkcli-a one\n');
    expect(await waitFor(zkcli.output, /Created \/zkcli-a/, 30_000)).toBe(true);
    await cluster.kill(leader);
    await cluster.leader(10_000);
    // A command that meets the reconnect fails with ConnectionLoss; zkCli goes on reading.
    let created = false;
    for (let attempt = 0; attempt < 10 && !created; attempt++) {
      zkcli.child.stdin.write('create /zkcli-b two\n');
      created = await waitFor(zkcli.output, /Created \/zkcli-b|Node already exists: \/zkcli-b/, 3_000);
    }
    expect(created).toBe(true);
    zkcli.child.stdin.write('get /zkcli-a\nget /zkcli-b\n');
    expect(await waitFor(zkcli.output, /^one\r?$[\s\S]*^two\r?$/m, 10_000)).toBe(true);
    // Java's client reports Expired if its session did not survive; SyncConnected after
    // Disconnected is the same session resumed.
    const states = [...zkcli.output().matchAll(/WatchedEvent state:(\w+) type:None/g)].map(
      (match) => match[1],
    );
    expect(states[0]).toBe('SyncConnected');
    expect(states).toContain('Disconnected');
    expect(states.at(-1)).toBe('SyncConnected');
    expect(states).not.toContain('Expired');
    zkcli.child.stdin.end('quit\n');
  }, 90_000);
});

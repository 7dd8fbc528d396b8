import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { LockNames, sortLockChildren } from '../../../recipes/index';
import type { ZooKitClient } from '../../../src/index';
import { missingCuratorJars, startCuratorPeer } from '../../interop/curator/curator-peer';
import type { TrackedProcess } from '../../support/child-processes';
import {
  eventually,
  namespace,
  type RecipeServer,
  recipeBackends,
  startClient,
  startWorker,
} from './fixtures/recipe-harness';

// Interop is about Apache ZooKeeper and Curator side by side: the Apache backend only.
const apache = recipeBackends.find((backend) => backend.name === 'apache');
if (apache === undefined) throw new Error('the Apache backend is missing');

apache.describe('recipes: Curator 5.4 interop (apache)', () => {
  let server: RecipeServer;
  let directory: string;
  const clients: ZooKitClient[] = [];
  const processes: TrackedProcess[] = [];

  beforeAll(async () => {
    const missing = missingCuratorJars();
    if (missing.length > 0)
      throw new Error(
        `Curator jars missing: ${missing.join(', ')} (apt-get install libcurator-recipes-java)`,
      );
    server = await apache.start();
  });
  afterEach(async () => {
    for (const child of processes.splice(0)) await child.stop(5_000);
    await Promise.allSettled(clients.splice(0).map((client) => client.close()));
    rmSync(directory, { recursive: true, force: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('InterProcessMutex: two Java and two Node processes on one path, one holder at a time', async () => {
    directory = mkdtempSync(join(tmpdir(), 'zookit-interop-'));
    const logFile = join(directory, 'critical.log');
    const counterFile = join(directory, 'counter');
    writeFileSync(logFile, '');
    writeFileSync(counterFile, '0');
    const path = namespace('interop-mutex');
    const iterations = 15;
    for (const id of ['java-0', 'java-1']) {
      processes.push(
        await startCuratorPeer({
          connectString: server.connectString,
          mode: 'mutex',
          path,
          logFile,
          id,
          iterations,
          outputFile: join(directory, `${id}.out`),
        }),
      );
    }
    for (const id of ['node-0', 'node-1']) {
      processes.push(
        await startWorker(
          'counter-worker.ts',
          [server.connectString, path, counterFile, logFile, String(iterations), id],
          join(directory, `${id}.out`),
        ),
      );
    }
    const codes = await Promise.all(processes.map((child) => child.exited));
    expect(codes, processes.map((child) => child.logTail()).join('\n---\n')).toEqual([0, 0, 0, 0]);
    const sections = criticalSections(readFileSync(logFile, 'utf8'));
    expect(sections).toHaveLength(4 * iterations);
    const byRuntime = new Set(sections.map((id) => id.split('-')[0]));
    expect(byRuntime).toEqual(new Set(['java', 'node']));
    // Both runtimes really contended: the holder changed between runtimes at least once.
    const switches = sections.filter(
      (id, index) => index > 0 && id.split('-')[0] !== sections[index - 1]?.split('-')[0],
    );
    expect(switches.length).toBeGreaterThan(0);
    expect(Number(readFileSync(counterFile, 'utf8'))).toBe(2 * iterations);
  }, 120_000);

  it('LeaderLatch: a Java latch and two Node latches elect one leader, and leadership passes both ways', async () => {
    directory = mkdtempSync(join(tmpdir(), 'zookit-interop-'));
    const logFile = join(directory, 'leaders.log');
    writeFileSync(logFile, '');
    const path = namespace('interop-latch');
    const observer = await startClient(server, clients);
    const leaderLines = (): string[] =>
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('leader '))
        .map((line) => line.split(' ')[1] ?? '');
    const ticksOf = (id: string): number =>
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith(`tick ${id} `)).length;

    const javaLatch = await startCuratorPeer({
      connectString: server.connectString,
      mode: 'latch',
      path,
      logFile,
      id: 'java-0',
      outputFile: join(directory, 'java-0.out'),
    });
    processes.push(javaLatch);
    await eventually(() => leaderLines().length === 1, 30_000, 'the Java latch leads');
    expect(leaderLines()).toEqual(['java-0']);
    for (const id of ['node-0', 'node-1']) {
      processes.push(
        await startWorker(
          'latch-worker.ts',
          [server.connectString, path, logFile, id],
          join(directory, `${id}.out`),
        ),
      );
    }
    await eventually(
      async () => (await observer.getChildren(path)).length === 3,
      20_000,
      'three participants',
    );
    const names = sortLockChildren(await observer.getChildren(path), LockNames.latch);
    for (const name of names) expect(name).toMatch(/^_c_[0-9a-f-]{36}-latch-\d{10}$/);
    await eventually(() => ticksOf('java-0') >= 5, 5_000, 'the Java leader ticking');
    expect(leaderLines()).toEqual(['java-0']); // the Node latches see the Java leader and wait

    await javaLatch.stop(10_000); // SIGTERM: Curator closes its latch
    await eventually(() => leaderLines().length === 2, 15_000, 'a Node latch takes over');
    const nodeLeader = leaderLines()[1] ?? '';
    expect(nodeLeader.startsWith('node-')).toBe(true);
    await eventually(() => ticksOf(nodeLeader) >= 3, 5_000, 'the Node leader ticking');

    const javaFollower = await startCuratorPeer({
      connectString: server.connectString,
      mode: 'latch',
      path,
      logFile,
      id: 'java-1',
      outputFile: join(directory, 'java-1.out'),
    });
    processes.push(javaFollower);
    await eventually(
      async () => (await observer.getChildren(path)).length === 3,
      20_000,
      'the second Java latch joined',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(leaderLines()).toEqual(['java-0', nodeLeader]); // the Java latch waits behind the Node leader

    const ticks = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('tick '))
      .map((line) => line.split(' ')[1]);
    expect([...new Set(ticks)]).toEqual(['java-0', nodeLeader]);
    const lastJavaTick = ticks.lastIndexOf('java-0');
    const firstNodeTick = ticks.indexOf(nodeLeader);
    expect(lastJavaTick).toBeLessThan(firstNodeTick);
  }, 120_000);
});

/** The holder ids of the critical sections in log order; throws if two overlap. */
function criticalSections(log: string): string[] {
  const sections: string[] = [];
  let inside: string | undefined;
  for (const line of log.trim().split('\n')) {
    const [kind, id] = line.split(' ');
    if (kind === 'enter') {
      if (inside !== undefined) throw new Error(`${id} entered while ${inside} was inside`);
      inside = id;
      sections.push(id ?? '');
    } else if (kind === 'exit') {
      if (inside !== id) throw new Error(`${id} exited while ${inside} was inside`);
      inside = undefined;
    }
  }
  return sections;
}

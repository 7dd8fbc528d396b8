/**
 * Multi-process proofs of the semaphore and the config subscription (issue 5): separate Node
 * processes, each with its own client and session, against both backends.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { NoNodeError, type ZooKitClient } from '../../../src/index';
import type { TrackedProcess } from '../../support/child-processes';
import {
  eventually,
  namespace,
  type RecipeServer,
  recipeBackends,
  startClient,
  startWorker,
} from './fixtures/recipe-harness';

for (const backend of recipeBackends) {
  backend.describe(`recipes: multi-process semaphore and config (${backend.name})`, () => {
    let server: RecipeServer;
    let directory: string;
    const clients: ZooKitClient[] = [];
    const processes: TrackedProcess[] = [];

    beforeAll(async () => {
      server = await backend.start();
    });
    afterEach(async () => {
      for (const child of processes.splice(0)) await child.stop(2_000);
      await Promise.allSettled(clients.splice(0).map((client) => client.close()));
      if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('InterProcessSemaphoreV2 with N=2 leases and 4 processes: never more than 2 holders, and 2 at once happens', async () => {
      directory = mkdtempSync(join(tmpdir(), 'zookit-semaphore-'));
      const logFile = join(directory, 'leases.log');
      writeFileSync(logFile, '');
      const path = namespace('semaphore-processes');
      const workers = 4;
      const iterations = 8;
      for (let worker = 0; worker < workers; worker++) {
        processes.push(
          await startWorker(
            'semaphore-worker.ts',
            [server.connectString, path, '2', logFile, String(iterations), `p${worker}`],
            join(directory, `worker-${worker}.out`),
          ),
        );
      }
      const codes = await Promise.all(processes.map((child) => child.exited));
      expect(codes, processes.map((child) => child.logTail()).join('\n')).toEqual([0, 0, 0, 0]);
      const replay = replayHolders(readFileSync(logFile, 'utf8'));
      expect(replay.enters).toBe(workers * iterations);
      expect(replay.maxHolders).toBe(2); // never 3, and the semaphore does admit two at once
      // No lease or lock node is left (the parents are containers: the server may reap them).
      const client = await startClient(server, clients);
      expect(await childrenOrNone(client, `${path}/leases`)).toEqual([]);
      expect(await childrenOrNone(client, `${path}/locks`)).toEqual([]);
    }, 120_000);

    it('config: 3 subscriber processes converge on the last value a publisher process wrote', async () => {
      directory = mkdtempSync(join(tmpdir(), 'zookit-config-'));
      const logFile = join(directory, 'config.log');
      writeFileSync(logFile, '');
      const path = namespace('config-processes');
      const lastRevision = 40;
      const subscribers = ['s0', 's1', 's2'];
      const configArgs = (role: string, id: string): string[] => [
        role,
        server.connectString,
        path,
        logFile,
        id,
        String(lastRevision),
      ];
      for (const id of subscribers) {
        processes.push(
          await startWorker('config-worker.ts', configArgs('subscribe', id), join(directory, `${id}.out`)),
        );
      }
      const lines = (): string[] => readFileSync(logFile, 'utf8').trim().split('\n');
      await eventually(
        () => lines().filter((line) => line.startsWith('ready ')).length === subscribers.length,
        30_000,
        'every subscriber ready',
      );
      const publisher = await startWorker(
        'config-worker.ts',
        configArgs('publish', 'pub'),
        join(directory, 'pub.out'),
      );
      processes.push(publisher);
      const codes = await Promise.all(processes.map((child) => child.exited));
      expect(codes, processes.map((child) => child.logTail()).join('\n')).toEqual([0, 0, 0, 0]);
      for (const id of subscribers) {
        const seen = lines()
          .filter((line) => line.startsWith(`seen ${id} `))
          .map((line) => Number(line.split(' ')[2]));
        expect(seen.at(-1), `${id} saw ${seen.join(',')}`).toBe(lastRevision);
        // Each subscriber sees revisions only ever increase (it may skip some).
        for (let index = 1; index < seen.length; index++)
          expect(seen[index]!).toBeGreaterThan(seen[index - 1]!);
      }
      const client = await startClient(server, clients);
      const { data, stat } = await client.getData(path);
      expect(JSON.parse(data.toString('utf8'))).toEqual({ revision: lastRevision, writer: 'pub' });
      expect(stat.version).toBe(lastRevision);
    }, 120_000);
  });
}

/** The children of `path`; none when it does not exist. */
async function childrenOrNone(client: ZooKitClient, path: string): Promise<string[]> {
  try {
    return await client.getChildren(path);
  } catch (error) {
    if (error instanceof NoNodeError) return [];
    throw error;
  }
}

/**
 * Replays `enter|exit <id> <ns>` lines in time order; throws on an exit without its enter.
 * File order is not time order: two holders at once each take their timestamp and then
 * append, so their lines can land either way round. Each enter is stamped after acquire
 * resolved and each exit before the release began, so every [enter, exit] lies inside a
 * real hold: an overlap of stamped intervals is a real overlap, never an artefact (an enter
 * and an exit with equal stamps count the enter first, the stricter reading).
 */
function replayHolders(log: string): { enters: number; maxHolders: number } {
  const inside = new Set<string>();
  let enters = 0;
  let maxHolders = 0;
  const events = log
    .trim()
    .split('\n')
    .map((line) => {
      const [kind, id, nsText] = line.split(' ');
      return { kind, id, ns: BigInt(nsText ?? '0') };
    })
    .sort((a, b) =>
      a.ns === b.ns ? (a.kind === 'enter' ? -1 : 1) - (b.kind === 'enter' ? -1 : 1) : a.ns < b.ns ? -1 : 1,
    );
  for (const { kind, id } of events) {
    if (kind === 'enter') {
      if (inside.has(id ?? '')) throw new Error(`${id} entered twice`);
      inside.add(id ?? '');
      enters += 1;
      maxHolders = Math.max(maxHolders, inside.size);
    } else if (!inside.delete(id ?? '')) {
      throw new Error(`${id} exited without entering`);
    }
  }
  if (inside.size !== 0) throw new Error(`still inside at the end: ${[...inside].join(',')}`);
  return { enters, maxHolders };
}

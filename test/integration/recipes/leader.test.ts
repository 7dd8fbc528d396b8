import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import {
  LeaderLatch,
  LeaderScheduledJob,
  LeaderSelector,
  type OwnershipLostError,
} from '../../../recipes/index';
import { FaultProxy } from '../../../server/testing/fault-proxy';
import { ZooKit } from '../../../src/index';
import type { TrackedProcess } from '../../support/child-processes';
import {
  eventually,
  namespace,
  recipeBackends,
  startClient,
  startWorker,
  TEST_SESSION_TIMEOUT_MS,
  useRecipeSuite,
} from './fixtures/recipe-harness';

for (const backend of recipeBackends) {
  backend.describe(`recipes: leader election (${backend.name})`, () => {
    const suite = useRecipeSuite(backend);
    const { clients } = suite;
    const processes: TrackedProcess[] = [];
    const closables: { close(): Promise<void> }[] = [];

    afterEach(async () => {
      await Promise.allSettled(closables.splice(0).map((closable) => closable.close()));
      for (const child of processes.splice(0)) await child.stop(2_000);
    });

    it('LeaderLatch: one leader among three, Curator layout, events only on change, hand-over on close', async () => {
      const path = namespace('latch-basic');
      const events: string[] = [];
      const latches: LeaderLatch[] = [];
      for (let index = 0; index < 3; index++) {
        const latch = new LeaderLatch(await startClient(suite.server, clients), path, {
          id: `node-${index}`,
        });
        latch.on('isLeader', () => events.push(`isLeader ${index}`));
        latch.on('notLeader', () => events.push(`notLeader ${index}`));
        closables.push(latch);
        latches.push(latch);
        await latch.start();
      }
      expect(await latches[0]?.await({ timeoutMs: 5_000 })).toBe(true);
      expect(latches.map((latch) => latch.hasLeadership())).toEqual([true, false, false]);
      expect(events).toEqual(['isLeader 0']);
      const children = await clients[0]!.getChildren(path);
      for (const name of children) expect(name).toMatch(/^_c_[0-9a-f-]{36}-latch-\d{10}$/);
      const participants = await latches[1]!.participants();
      expect(participants.map((participant) => [participant.id, participant.isLeader])).toEqual([
        ['node-0', true],
        ['node-1', false],
        ['node-2', false],
      ]);
      const firstToken = latches[0]!.leadership!.fencingToken;
      const firstSignal = latches[0]!.leadership!.signal;
      await latches[0]!.close();
      expect((firstSignal.reason as OwnershipLostError).reason).toBe('closed');
      expect(await latches[1]!.await({ timeoutMs: 5_000 })).toBe(true);
      expect(latches[1]!.leadership!.fencingToken > firstToken).toBe(true);
      expect(latches[2]!.hasLeadership()).toBe(false);
      expect(events).toEqual(['isLeader 0', 'notLeader 0', 'isLeader 1']);
      expect(await latches[2]!.await({ timeoutMs: 200 })).toBe(false);
    });

    it('LeaderLatch: LOST drops leadership and fires the term signal; after a new session the latch competes again', async () => {
      const path = namespace('latch-lost');
      const [one, two] = [await startClient(suite.server, clients), await startClient(suite.server, clients)];
      const first = new LeaderLatch(one, path, { policy: 'session' });
      const second = new LeaderLatch(two, path);
      closables.push(first, second);
      await first.start();
      await second.start();
      expect(await first.await({ timeoutMs: 5_000 })).toBe(true);
      const term = first.leadership!;
      await suite.server.expireSession(one);
      await eventually(() => !first.hasLeadership(), 15_000, 'the expired leader stepped down');
      expect(term.signal.aborted).toBe(true);
      expect(await second.await({ timeoutMs: 10_000 })).toBe(true);
      // The first latch re-entered with a node of its new session, behind the second.
      await eventually(
        async () => (await two.getChildren(path)).length === 2,
        15_000,
        'the first latch re-joined',
      );
      const owners = await Promise.all(
        (await two.getChildren(path)).map(
          async (name) => (await two.exists(`${path}/${name}`))?.ephemeralOwner,
        ),
      );
      expect(new Set(owners)).toEqual(new Set([one.sessionId, two.sessionId]));
      expect(first.hasLeadership()).toBe(false);
    });

    it('LeaderLatch: a leader whose node is deleted behind its back stops leading at once and re-enters', async () => {
      const path = namespace('latch-node-deleted');
      const [one, two] = [await startClient(suite.server, clients), await startClient(suite.server, clients)];
      const first = new LeaderLatch(one, path, { id: 'first' });
      const second = new LeaderLatch(two, path, { id: 'second' });
      closables.push(first, second);
      await first.start();
      expect(await first.await({ timeoutMs: 5_000 })).toBe(true);
      await second.start();
      const term = first.leadership;
      if (term === undefined) throw new Error('no term');
      // An operator removes the leader's node: the second latch takes over on that deletion.
      await two.delete(term.path);
      expect(await second.await({ timeoutMs: 5_000 })).toBe(true);
      await eventually(async () => !first.hasLeadership(), 5_000, 'the first latch stops leading');
      expect((term.signal.reason as OwnershipLostError).reason).toBe('nodeDeleted');
      // It re-entered behind the new leader with a node of its own, and leads again after it.
      await eventually(async () => (await one.getChildren(path)).length === 2, 5_000, 'first re-entered');
      await second.close();
      expect(await first.await({ timeoutMs: 5_000 })).toBe(true);
    });

    it('LeaderSelector: terms run one at a time, the signal aborts on close, and autoRequeue takes turns', async () => {
      const path = namespace('selector');
      let running = 0;
      let maxRunning = 0;
      const terms: string[] = [];
      const selectors: LeaderSelector[] = [];
      for (let index = 0; index < 3; index++) {
        const selector = new LeaderSelector(await startClient(suite.server, clients), path, {
          autoRequeue: true,
          takeLeadership: async (signal) => {
            running += 1;
            maxRunning = Math.max(maxRunning, running);
            terms.push(`s${index}`);
            await new Promise((resolve) => {
              const timer = setTimeout(resolve, 60);
              signal.addEventListener('abort', () => {
                clearTimeout(timer);
                resolve(undefined);
              });
            });
            running -= 1;
          },
        });
        closables.push(selector);
        selectors.push(selector);
        selector.start();
      }
      await eventually(() => terms.length >= 9, 15_000, 'nine terms');
      await Promise.all(selectors.map((selector) => selector.close()));
      expect(maxRunning).toBe(1);
      expect(new Set(terms.slice(0, 9))).toEqual(new Set(['s0', 's1', 's2']));
      expect(await clients[0]!.getChildren(path)).toEqual([]);
    });

    it('LeaderSelector: close() while its node is being created resolves only once that node is gone, and none appears later', async () => {
      const path = namespace('selector-close-creating');
      const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: suite.server.port } });
      try {
        const slow = ZooKit.newClient(proxy.connectString, { sessionTimeoutMs: TEST_SESSION_TIMEOUT_MS });
        slow.on('error', () => {});
        clients.push(slow);
        await slow.start();
        const observer = await startClient(suite.server, clients);
        await observer.create(path, null, { creatingParentsIfNeeded: true });
        proxy.setDelay(300); // each way: the create is in flight when close() comes
        const selector = new LeaderSelector(slow, path, { takeLeadership: async () => {} });
        selector.start();
        await new Promise((resolve) => setTimeout(resolve, 100));
        await selector.close();
        expect(await observer.getChildren(path)).toEqual([]);
        // Nor does one appear later: the delayed create reaches the server after close() began.
        await new Promise((resolve) => setTimeout(resolve, 400));
        expect(await observer.getChildren(path)).toEqual([]);
      } finally {
        await proxy.close();
      }
    });

    it('LeaderScheduledJob: exactly one of three processes runs the job', async () => {
      const path = namespace('cron');
      const runsBy: number[] = [0, 0, 0];
      const jobs: LeaderScheduledJob[] = [];
      for (let index = 0; index < 3; index++) {
        const job = new LeaderScheduledJob(await startClient(suite.server, clients), path, {
          intervalMs: 20,
          job: async () => {
            runsBy[index] = (runsBy[index] ?? 0) + 1;
          },
        });
        closables.push(job);
        jobs.push(job);
        job.start();
      }
      await eventually(() => runsBy.reduce((sum, runs) => sum + runs, 0) >= 10, 10_000, 'ten runs');
      expect(runsBy.filter((runs) => runs > 0)).toHaveLength(1);
      expect(jobs.filter((job) => job.isLeader())).toHaveLength(1);
    });

    it('3 processes in a LeaderLatch, the leader kill -9ed 3 times: never two leaders, tokens increase, failover within the session timeout', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'zookit-latch-'));
      const logFile = join(directory, 'leaders.log');
      writeFileSync(logFile, '');
      const path = namespace('latch-kill');
      const byId = new Map<string, TrackedProcess>();
      let nextId = 0;
      const spawnWorker = async (): Promise<void> => {
        const id = `w${nextId++}`;
        const child = await startWorker(
          'latch-worker.ts',
          [suite.server.connectString, path, logFile, id],
          join(directory, `${id}.out`),
        );
        processes.push(child);
        byId.set(id, child);
      };
      try {
        for (let index = 0; index < 3; index++) await spawnWorker();
        const kills: { id: string; atMs: number }[] = [];
        const leaders: { id: string; token: bigint; atMs: number }[] = [];
        const readLeaders = (): typeof leaders =>
          readFileSync(logFile, 'utf8')
            .trim()
            .split('\n')
            .filter((line) => line.startsWith('leader '))
            .map((line) => {
              const [, id, token, atMs] = line.split(' ');
              return { id: id ?? '', token: BigInt(token ?? '0'), atMs: Number(atMs) };
            });
        await eventually(() => readLeaders().length === 1, 30_000, 'a first leader');
        const ticksOf = (id: string): number =>
          readFileSync(logFile, 'utf8')
            .split('\n')
            .filter((line) => line.startsWith(`tick ${id} `)).length;
        for (let round = 0; round < 3; round++) {
          const current = readLeaders().at(-1)!;
          await eventually(() => ticksOf(current.id) >= 3, 5_000, `leader ${current.id} ticking`);
          const victim = byId.get(current.id)!;
          kills.push({ id: current.id, atMs: Date.now() });
          await victim.kill();
          await spawnWorker();
          await eventually(
            () => readLeaders().length === round + 2,
            TEST_SESSION_TIMEOUT_MS + 8_000,
            `leader after kill ${round + 1}`,
          );
        }
        await eventually(() => ticksOf(readLeaders().at(-1)!.id) >= 3, 5_000, 'the last leader ticking');
        leaders.push(...readLeaders());
        expect(leaders).toHaveLength(4);
        for (let round = 0; round < 3; round++) {
          const next = leaders[round + 1]!;
          expect(next.id).not.toBe(leaders[round]!.id);
          expect(next.token > leaders[round]!.token).toBe(true);
          expect(next.atMs).toBeGreaterThanOrEqual(kills[round]!.atMs);
          expect(next.atMs - kills[round]!.atMs).toBeLessThan(TEST_SESSION_TIMEOUT_MS + 4_000);
        }
        // Ticks never interleave: once a new leader ticks, no earlier leader ticks again.
        const ticks = readFileSync(logFile, 'utf8')
          .trim()
          .split('\n')
          .filter((line) => line.startsWith('tick '))
          .map((line) => line.split(' ')[1]);
        const order = [...new Set(ticks)];
        expect(order).toEqual(leaders.map((leader) => leader.id));
        let position = 0;
        for (const id of ticks) {
          if (id !== order[position]) {
            position += 1;
            expect(id).toBe(order[position]);
          }
        }
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    }, 120_000);
  });
}

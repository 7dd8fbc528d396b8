import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { InterProcessMutex, type OwnershipLostError } from '../../../recipes/index';
import { AbortError, TransactionError } from '../../../src/index';
import type { TrackedProcess } from '../../support/child-processes';
import {
  eventually,
  namespace,
  recipeBackends,
  startClient,
  startWorker,
  useRecipeSuite,
} from './fixtures/recipe-harness';

const PROTECTED_LOCK_NAME = /^_c_[0-9a-f-]{36}-lock-\d{10}$/;

for (const backend of recipeBackends) {
  backend.describe(`recipes: InterProcessMutex (${backend.name})`, () => {
    const suite = useRecipeSuite(backend);
    const { clients } = suite;
    const processes: TrackedProcess[] = [];

    afterEach(async () => {
      for (const child of processes.splice(0)) await child.stop(2_000);
    });

    it('acquires with a Curator-layout protected node, re-enters per instance, and deletes the node on the last release', async () => {
      const client = await startClient(suite.server, clients);
      const path = namespace('mutex-basic');
      const mutex = new InterProcessMutex(client, path);
      const first = await mutex.acquire();
      expect(first).not.toBe(false);
      if (first === false) return;
      const children = await client.getChildren(path);
      expect(children).toHaveLength(1);
      expect(children[0]).toMatch(PROTECTED_LOCK_NAME);
      expect(first.path).toBe(`${path}/${children[0]}`);
      const stat = await client.exists(first.path);
      expect(first.fencingToken).toBe(stat?.czxid);
      expect(stat?.ephemeralOwner).toBe(client.sessionId);

      const again = await mutex.acquire({ timeoutMs: 100 });
      expect(again).not.toBe(false);
      if (again === false) return;
      expect(again.path).toBe(first.path);
      await first.release();
      expect(await client.exists(first.path)).not.toBeNull();
      expect(mutex.isAcquiredInThisProcess()).toBe(true);
      await again.release();
      expect(await client.exists(first.path)).toBeNull();
      expect(mutex.isAcquiredInThisProcess()).toBe(false);
      expect((first.signal.reason as OwnershipLostError).reason).toBe('released');
    });

    it('a second instance waits; on timeout it resolves false and leaves no node behind', async () => {
      const [one, two] = [await startClient(suite.server, clients), await startClient(suite.server, clients)];
      const path = namespace('mutex-timeout');
      await using held = await acquired(new InterProcessMutex(one, path));
      const started = performance.now();
      expect(await new InterProcessMutex(two, path).acquire({ timeoutMs: 300 })).toBe(false);
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      expect(await one.getChildren(path)).toEqual([held.path.slice(path.length + 1)]);
    });

    it('an aborted acquire rejects with AbortError and deletes its node', async () => {
      const [one, two] = [await startClient(suite.server, clients), await startClient(suite.server, clients)];
      const path = namespace('mutex-abort');
      await using held = await acquired(new InterProcessMutex(one, path));
      const controller = new AbortController();
      const waiting = new InterProcessMutex(two, path).acquire({ signal: controller.signal });
      await eventually(async () => (await one.getChildren(path)).length === 2, 5_000, 'the waiter queued');
      controller.abort(new Error('stop'));
      await expect(waiting).rejects.toBeInstanceOf(AbortError);
      await eventually(
        async () => (await one.getChildren(path)).length === 1,
        5_000,
        'the waiter node deleted',
      );
      expect(held.released).toBe(false);
    });

    it('fencing tokens strictly increase across holders, and the guarded transaction commits only while held', async () => {
      const [one, two] = [await startClient(suite.server, clients), await startClient(suite.server, clients)];
      const path = namespace('mutex-fencing');
      const first = await acquired(new InterProcessMutex(one, path));
      await first.transaction().setData(path, 'by first').commit();
      const secondWaiting = new InterProcessMutex(two, path).acquire({ timeoutMs: 10_000 });
      await first.release();
      const second = await secondWaiting;
      expect(second).not.toBe(false);
      if (second === false) return;
      expect(second.fencingToken > first.fencingToken).toBe(true);
      await expect(first.transaction().setData(path, 'stale').commit()).rejects.toBeInstanceOf(
        TransactionError,
      );
      expect((await one.getData(path)).data.toString()).toBe('by first');
      await second.release();
    });

    it('a release wakes exactly one waiter (one NodeDeleted per release; the head marker adds one NodeDataChanged per contended acquisition, to the successor only)', async () => {
      const waiterCount = 5;
      const path = namespace('mutex-herd');
      const holderClient = await startClient(suite.server, clients);
      const holder = await acquired(new InterProcessMutex(holderClient, path));
      const deleted: string[] = [];
      const dataChanged: string[] = [];
      const handles: Promise<Awaited<ReturnType<InterProcessMutex['acquire']>>>[] = [];
      for (let index = 0; index < waiterCount; index++) {
        const client = await startClient(suite.server, clients);
        const mutex = new InterProcessMutex(client, path, {
          onWatchFired: (watched, event) => {
            if (event.type === 'NodeDeleted') deleted.push(watched);
            else if (event.type === 'NodeDataChanged') dataChanged.push(watched);
            else throw new Error(`unexpected ${event.type} on ${watched}`);
          },
        });
        handles.push(mutex.acquire({ timeoutMs: 20_000 }));
        await eventually(
          async () => (await holderClient.getChildren(path)).length === index + 2,
          5_000,
          'waiter queued',
        );
      }
      let previous = holder;
      const marked: string[] = [];
      for (let release = 1; release <= waiterCount; release++) {
        await previous.release();
        const next = await handles[release - 1];
        expect(next).not.toBe(false);
        if (next === false || next === undefined) return;
        // A holder that took the lock on a handoff marks its node; a successor is queued for
        // all but the last, and exactly that successor hears it.
        if (release < waiterCount) marked.push(next.path);
        await new Promise((resolve) => setTimeout(resolve, 100)); // let any stray watch fire
        expect(deleted).toHaveLength(release);
        expect(deleted[release - 1]).toBe(previous.path);
        expect(dataChanged).toEqual(marked);
        previous = next;
      }
      // The holder that acquired alone (no waiter listed) never marked its node.
      expect(dataChanged).not.toContain(holder.path);
      await previous.release();
    });

    it('a foreign write on a waiting node is not a grant: a revocation request, then the waiter ahead giving up, does not hand over the lock', async () => {
      const [one, two, three] = [
        await startClient(suite.server, clients),
        await startClient(suite.server, clients),
        await startClient(suite.server, clients),
      ];
      const path = namespace('mutex-revoke-waiter');
      const held = await acquired(new InterProcessMutex(one, path));
      const ahead = new InterProcessMutex(two, path).acquire({ timeoutMs: 1_500 });
      await eventually(async () => (await one.getChildren(path)).length === 2, 5_000, 'first waiter queued');
      let settled = false;
      const behind = new InterProcessMutex(three, path).acquire({ timeoutMs: 20_000 });
      void behind.then(() => {
        settled = true;
      });
      await eventually(async () => (await one.getChildren(path)).length === 3, 5_000, 'second waiter queued');
      const [last] = (await one.getChildren(path))
        .sort((a, b) => a.slice(-10).localeCompare(b.slice(-10)))
        .slice(-1);
      // What Curator's Revoker.attemptRevoke writes; any participant may be asked.
      await one.setData(`${path}/${last}`, '__REVOKE__');
      expect(await ahead).toBe(false); // the waiter ahead gives up: its node goes, it never led
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false); // the lock is still held: no handoff
      await held.release();
      const handle = await behind;
      expect(handle).not.toBe(false);
      if (handle !== false) await handle.release();
    });

    it('N=4 processes × M=25 increments of a counter outside ZooKeeper lose no update', async () => {
      const workers = 4;
      const iterations = 25;
      const directory = mkdtempSync(join(tmpdir(), 'zookit-mutex-'));
      try {
        const counterFile = join(directory, 'counter');
        const logFile = join(directory, 'critical.log');
        writeFileSync(counterFile, '0');
        writeFileSync(logFile, '');
        const path = namespace('mutex-processes');
        for (let worker = 0; worker < workers; worker++) {
          processes.push(
            await startWorker(
              'counter-worker.ts',
              [suite.server.connectString, path, counterFile, logFile, String(iterations), String(worker)],
              join(directory, `worker-${worker}.out`),
            ),
          );
        }
        const codes = await Promise.all(processes.map((child) => child.exited));
        expect(codes, processes.map((child) => child.logTail()).join('\n')).toEqual([0, 0, 0, 0]);
        expect(Number(readFileSync(counterFile, 'utf8'))).toBe(workers * iterations);
        const tokens = assertNoOverlap(readFileSync(logFile, 'utf8'));
        expect(tokens).toHaveLength(workers * iterations);
        for (let index = 1; index < tokens.length; index++)
          expect(tokens[index]! > tokens[index - 1]!).toBe(true);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    }, 120_000);

    it('session loss while holding fires the signal with LOST, leaves no orphan, and another process takes over', async () => {
      const [one, two] = [await startClient(suite.server, clients), await startClient(suite.server, clients)];
      const path = namespace('mutex-expire-holding');
      const lostMutex = new InterProcessMutex(one, path, { policy: 'session' });
      const held = await acquired(lostMutex);
      const takeover = new InterProcessMutex(two, path).acquire({ timeoutMs: 20_000 });
      await suite.server.expireSession(one);
      await eventually(() => held.signal.aborted, 15_000, 'the holder signal fired');
      expect(['LOST', 'nodeDeleted']).toContain((held.signal.reason as OwnershipLostError).reason);
      const next = await takeover;
      expect(next).not.toBe(false);
      if (next === false) return;
      expect(await two.getChildren(path)).toEqual([next.path.slice(path.length + 1)]);
      // Re-entering the lost hold is refused: the instance queues with a new node instead.
      expect(lostMutex.isAcquiredInThisProcess()).toBe(false);
      expect(await lostMutex.acquire({ timeoutMs: 300 })).toBe(false);
      await held.release(); // the node is gone: a no-op
      await next.release();
      expect(await two.getChildren(path)).toEqual([]);
    });

    it('session loss in the middle of acquire: no double holder and no orphan node', async () => {
      const [one, two] = [await startClient(suite.server, clients), await startClient(suite.server, clients)];
      const path = namespace('mutex-expire-waiting');
      const held = await acquired(new InterProcessMutex(one, path));
      const waiting = new InterProcessMutex(two, path).acquire({ timeoutMs: 20_000 });
      let waiterFailure: unknown;
      waiting.catch((error: unknown) => {
        waiterFailure = error;
      });
      await eventually(async () => (await one.getChildren(path)).length === 2, 5_000, 'the waiter queued');
      const oldNodes = await one.getChildren(path);
      await suite.server.expireSession(two);
      // The waiter's node dies with its session; the waiter makes a new one under its new session.
      await eventually(
        async () => {
          if (waiterFailure !== undefined) throw waiterFailure;
          const now = await one.getChildren(path);
          return now.length === 2 && now.some((name) => !oldNodes.includes(name));
        },
        15_000,
        'the waiter re-queued under a new session',
      );
      expect(held.signal.aborted).toBe(false);
      await held.release();
      const next = await waiting;
      expect(next).not.toBe(false);
      if (next === false) return;
      const stat = await one.exists(next.path);
      expect(stat?.ephemeralOwner).toBe(two.sessionId);
      expect(await one.getChildren(path)).toHaveLength(1);
      await next.release();
      expect(await one.getChildren(path)).toEqual([]);
    });
  });
}

async function acquired(mutex: InterProcessMutex) {
  const handle = await mutex.acquire({ timeoutMs: 10_000 });
  if (handle === false) throw new Error('expected to acquire');
  return handle;
}

/** Parses `enter|exit worker token time` lines; throws when two critical sections overlap. Returns tokens in order. */
function assertNoOverlap(log: string): bigint[] {
  const tokens: bigint[] = [];
  let inside: string | undefined;
  for (const line of log.trim().split('\n')) {
    const [kind, worker, token] = line.split(' ');
    if (kind === 'enter') {
      if (inside !== undefined) throw new Error(`worker ${worker} entered while ${inside} was inside`);
      inside = worker;
      tokens.push(BigInt(token ?? '0'));
    } else {
      if (inside !== worker) throw new Error(`worker ${worker} exited while ${inside} was inside`);
      inside = undefined;
    }
  }
  return tokens;
}

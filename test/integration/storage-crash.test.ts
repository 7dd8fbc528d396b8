/**
 * Crash test: a child process appends and reports each acknowledged (fsynced) zxid; it is killed with SIGKILL at a
 * random moment, ten times over. After every kill, recovery must hold every acknowledged zxid, in order, with the
 * right bytes; a torn tail left by the kill is truncated, and the next child continues after it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../server/storage';

const ROUNDS = 10;
const CHILD_SCRIPT = join(import.meta.dirname, '../unit/server/storage/fixtures/append-until-killed.ts');
let bundleDir: string;
let childBundle: string;

// One esbuild bundle (esbuild comes with vite/tsx) starts in a fraction of the time `tsx` needs to compile the
// child on every one of the ten starts.
beforeAll(async () => {
  bundleDir = await mkdtemp(join(tmpdir(), 'zookit-crash-bundle-'));
  childBundle = join(bundleDir, 'append-until-killed.mjs');
  await build({
    entryPoints: [CHILD_SCRIPT],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: childBundle,
  });
});
afterAll(async () => {
  await rm(bundleDir, { recursive: true, force: true });
});

interface ChildRun {
  readyLastZxid: bigint;
  acknowledged: bigint[];
}

/** Starts the child, waits for `ready`, lets it append for `runMs`, kills it with SIGKILL and returns what it said. */
async function runAndKill(dataDir: string, runMs: number): Promise<ChildRun> {
  const child: ChildProcess = spawn(process.execPath, [childBundle, dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stdout?.on('data', (data: Buffer) => {
    output += data.toString();
  });
  child.stderr?.on('data', (data: Buffer) => {
    errors += data.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const deadline = Date.now() + 10_000;
    while (!output.includes('\n') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(output.startsWith('ready '), `child failed to start: ${errors}`).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, runMs));
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  const lines = output.split('\n').filter((line) => line.length > 0);
  const [ready, ...acks] = lines;
  return {
    readyLastZxid: BigInt((ready as string).slice('ready '.length)),
    acknowledged: acks.map((line) => BigInt(line.slice('ack '.length))),
  };
}

async function recoveredZxids(dataDir: string): Promise<bigint[]> {
  const storage = await openStorage({ dataDir, logger: { warn: () => undefined } });
  try {
    const recovered: bigint[] = [];
    for await (const logged of (await storage.recover()).txns) {
      expect(
        logged.entry.equals(Buffer.alloc(Number(logged.zxid % 300n) + 1, Number(logged.zxid % 256n))),
      ).toBe(true);
      recovered.push(logged.zxid);
    }
    return recovered;
  } finally {
    await storage.close();
  }
}

describe('storage: crash recovery', () => {
  it('keeps every acknowledged append across SIGKILL at random moments (10 rounds)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'zookit-crash-'));
    try {
      let acknowledgedTotal = 0n;
      for (let round = 0; round < ROUNDS; round++) {
        const run = await runAndKill(dataDir, 20 + Math.floor(Math.random() * 150));
        const recovered = await recoveredZxids(dataDir);
        // The log is one gap-free run 1..n: in order, nothing lost in the middle.
        expect(recovered).toEqual(recovered.map((_, index) => BigInt(index + 1)));
        const last = recovered.at(-1) ?? 0n;
        expect(run.readyLastZxid).toBeLessThanOrEqual(last);
        // Acks print in zxid order, and every acknowledged zxid survived.
        expect(run.acknowledged).toEqual([...run.acknowledged].sort((a, b) => (a < b ? -1 : 1)));
        expect(run.acknowledged.at(-1) ?? 0n).toBeLessThanOrEqual(last);
        acknowledgedTotal = run.acknowledged.at(-1) ?? acknowledgedTotal;
      }
      expect(acknowledgedTotal).toBeGreaterThan(0n);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

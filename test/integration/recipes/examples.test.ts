import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { dataBackends, useRecipeSuite } from './fixtures/data-harness';

const EXAMPLE_TIMEOUT_MS = 60_000;

/** Runs `npx tsx <file> <connectString>`; resolves with the exit code and output. Killed by PID on timeout. */
function runExample(file: string, connectString: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', file, connectString], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a timeout kills npx and the tsx under it together.
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      reject(new Error(`${file} did not exit within ${EXAMPLE_TIMEOUT_MS} ms:\n${output}`));
    }, EXAMPLE_TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

for (const backend of dataBackends) {
  backend.describe(`docs/examples run against a server (${backend.name})`, () => {
    const suite = useRecipeSuite(backend);

    it('cron-leader: one runner at a time, runs recorded under the leadership, a new leader after the first stops', async () => {
      const { code, output } = await runExample('docs/examples/cron-leader.ts', suite.server.connectString);
      expect(output, output).toMatch(
        /cron example: done, one runner at a time \(\d+ runs, taken over by worker-[abc]\)/,
      );
      expect(code).toBe(0);
      const stopped = /stopping (worker-[abc])/.exec(output)?.[1];
      expect(stopped, output).toBeDefined();
      // The first leader and its successor ran (more if a loaded machine suspends a connection).
      const runners = new Set([...output.matchAll(/(worker-[abc]): ran the job/g)].map((match) => match[1]));
      expect(runners.size, output).toBeGreaterThanOrEqual(2);
      expect(runners.has(stopped)).toBe(true);
    }, 90_000);

    it('config-centre: every subscriber converges and a stale write is refused', async () => {
      const { code, output } = await runExample('docs/examples/config-centre.ts', suite.server.connectString);
      expect(output).toContain('a write over a stale version is refused: true');
      expect(output).toContain('config example: done, all subscribers converged');
      expect(code).toBe(0);
    }, 90_000);

    it('service-discovery: the gateway sees two instances, then one', async () => {
      const { code, output } = await runExample(
        'docs/examples/service-discovery.ts',
        suite.server.connectString,
      );
      expect(output).toContain('gateway lists: billing-1@127.0.0.1:8081, billing-2@127.0.0.1:8082');
      expect(output).toContain('discovery example: done, gateway saw 2 then 1 instances');
      expect(code).toBe(0);
    }, 90_000);
  });
}

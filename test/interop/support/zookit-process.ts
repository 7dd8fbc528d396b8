/**
 * `zookit server` as a child process, started the way an operator starts it
 * (`node --import tsx server/main.ts server …`, no npx wrapper so that the PID we signal is
 * the server itself), tracked by test/support/child-processes so none outlives the tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startTrackedProcess, type TrackedProcess } from '../../support/child-processes';
import { LOOPBACK } from '../../support/network';

/** The repository root (the server's working directory). */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** How long a server has to print its "serving on" line. */
const READY_TIMEOUT_MS = 20_000;
const POLL_INTERVAL_MS = 25;

/** A running (or exited) `zookit server` child. */
export interface ZookitProcess {
  readonly pid: number;
  /** The bound client port, read from the server's "serving on" line. */
  readonly port: number;
  readonly connectString: string;
  /** Exit code, or the signal name when killed. */
  readonly exited: Promise<number | string>;
  readonly running: boolean;
  /** Everything the server printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Sends `signal` and resolves with the exit code; SIGKILL after `timeoutMs`. */
  signal(signal: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
  /** `kill -9`. */
  kill(): Promise<void>;
}

/** Options of {@link startZookitProcess}. */
export interface ZookitProcessOptions {
  /** Arguments after `server`. */
  args: readonly string[];
  /** Where the child's output goes (a file in a temp dir of the test). */
  logFile: string;
  cwd?: string;
  /** Resolve once the child exits instead of waiting for it to serve (bad-config tests). */
  expectExit?: boolean;
}

/** The server's entry point, absolute, so any `cwd` works. */
export const SERVER_MAIN = join(REPOSITORY_ROOT, 'server', 'main.ts');
/** tsx's loader by absolute URL: a bare `--import tsx` resolves from the child's `cwd`. */
const TSX_LOADER = pathToFileURL(join(REPOSITORY_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

function readOutput(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Starts `zookit server <args>` and resolves once it prints `serving on host:port`
 * (or, with `expectExit`, once it has exited). Rejects if it exits before serving.
 */
export async function startZookitProcess(options: ZookitProcessOptions): Promise<ZookitProcess> {
  const child: TrackedProcess = await startTrackedProcess({
    command: process.execPath,
    args: ['--import', TSX_LOADER, SERVER_MAIN, 'server', ...options.args],
    logFile: options.logFile,
    cwd: options.cwd ?? REPOSITORY_ROOT,
    environment: { ...process.env, NODE_OPTIONS: '' },
  });
  const output = (): string => readOutput(options.logFile);
  let port = 0;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const attemptsMax = Math.ceil(READY_TIMEOUT_MS / POLL_INTERVAL_MS) + 1;
  for (let attempt = 0; attempt < attemptsMax && !options.expectExit; attempt++) {
    const serving = /serving on [^\s]+:(\d+)/.exec(output());
    if (serving?.[1] !== undefined) {
      port = Number(serving[1]);
      break;
    }
    if (!child.running) throw new Error(`zookit server exited before serving:\n${output()}`);
    if (Date.now() > deadline) break;
    await sleep(POLL_INTERVAL_MS);
  }
  if (options.expectExit) {
    await Promise.race([child.exited, sleep(READY_TIMEOUT_MS)]);
    if (child.running) {
      await child.kill();
      throw new Error(`zookit server was expected to exit but kept running:\n${output()}`);
    }
  } else if (port === 0) {
    await child.kill();
    throw new Error(`zookit server did not serve within ${READY_TIMEOUT_MS} ms:\n${output()}`);
  }
  return {
    pid: child.pid,
    port,
    connectString: `${LOOPBACK}:${port}`,
    exited: child.exited,
    get running() {
      return child.running;
    },
    output,
    async signal(signal, timeoutMs = 10_000) {
      if (child.running) process.kill(child.pid, signal);
      const outcome = await Promise.race([child.exited, sleep(timeoutMs, 'timeout' as const)]);
      if (outcome === 'timeout') {
        await child.kill();
        throw new Error(`zookit server ignored ${signal} for ${timeoutMs} ms:\n${output()}`);
      }
      return outcome;
    },
    kill: () => child.kill(),
  };
}

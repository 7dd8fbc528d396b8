/**
 * Every child the benchmark starts (load generators, zookit's server) is registered here by
 * PID and killed by that PID on exit, on SIGINT/SIGTERM, and on error. Apache's JVM is
 * tracked the same way by test/support/child-processes.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const livePids = new Set<number>();
let handlersInstalled = false;

function killAll(): void {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  livePids.clear();
}

/** Installs the exit and signal handlers once; `onSignal` runs first (async cleanup). */
export function installCleanup(onSignal: () => Promise<void>): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}: stopping every process started\n`);
      const force = setTimeout(() => process.exit(130), 15_000);
      onSignal()
        .catch(() => undefined)
        .finally(() => {
          clearTimeout(force);
          killAll();
          process.exit(130);
        });
    });
  }
}

/** Tracks a child until it exits. */
export function track(child: ChildProcess): number {
  const pid = child.pid;
  if (pid === undefined) throw new Error('child process has no PID (spawn failed)');
  livePids.add(pid);
  child.once('exit', () => livePids.delete(pid));
  return pid;
}

/**
 * Forks `scriptPath` (TypeScript through tsx, like every script here) from the repository
 * root with an IPC channel, tracked by PID. The channel's own error is not fatal: a dead
 * child is reported by whoever talks to it.
 */
export function forkTracked(scriptPath: string): ChildProcess {
  const child = fork(scriptPath, [], {
    cwd: REPOSITORY_ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  track(child);
  child.on('error', () => undefined);
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

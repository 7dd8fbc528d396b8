/**
 * Child processes the test harness starts (JVMs), tracked by PID so none outlives the test
 * process: every child is killed on `exit` and on SIGINT/SIGTERM/SIGHUP, and each one has a
 * tiny shell watchdog that kills it when our end of its stdin pipe closes, which also
 * covers a test process that dies by SIGKILL and runs no handler at all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long `stop` waits after SIGTERM before it sends SIGKILL. */
export const STOP_GRACE_MS = 10_000;
/** How long `stop` waits after SIGKILL for the exit to be reported. */
const KILL_WAIT_MS = 5_000;
/** Bytes of a log file shown in error messages. */
const LOG_TAIL_BYTES = 4_000;

const livePids = new Set<number>();
let handlersInstalled = false;

function killAllSync(): void {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  livePids.clear();
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllSync();
      // Keep the signal's default meaning when nobody else listens: die by it.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/** PIDs of children started by this process and not yet reaped (for tests and debugging). */
export function trackedPids(): number[] {
  return [...livePids];
}

/** A started child: its PID, its log file, and a bounded stop. */
export interface TrackedProcess {
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) once the child has exited. */
  readonly exited: Promise<number | string>;
  /** True until the child has exited. */
  readonly running: boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (a crash); resolves when the child is gone. */
  kill(): Promise<void>;
  /** The last bytes of the log file, for error messages. */
  logTail(): string;
}

/** Options of {@link startTrackedProcess}. */
export interface StartProcessOptions {
  command: string;
  args: readonly string[];
  /** stdout and stderr are appended here. */
  logFile: string;
  cwd?: string;
  environment?: NodeJS.ProcessEnv;
}

/** The last `LOG_TAIL_BYTES` of a file, or a note that it cannot be read. */
export function readLogTail(logFile: string): string {
  try {
    const text = readFileSync(logFile, 'utf8');
    return text.length > LOG_TAIL_BYTES ? `…${text.slice(-LOG_TAIL_BYTES)}` : text;
  } catch (error) {
    return `(no log at ${logFile}: ${error instanceof Error ? error.message : String(error)})`;
  }
}

function startWatchdog(pid: number): ChildProcess {
  // `read` returns when its stdin reaches end of file, which happens when this process
  // exits however it exits; the watchdog then kills the JVM.
  const watchdog = spawn(
    'sh',
    ['-c', 'read -r _ignored; kill -9 "$1" 2>/dev/null', 'zookit-watchdog', String(pid)],
    {
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  );
  watchdog.unref();
  (watchdog.stdin as unknown as Socket | null)?.unref();
  watchdog.on('error', () => {
    // no shell: the exit handlers still cover ordinary exits
  });
  return watchdog;
}

function stopWatchdog(watchdog: ChildProcess): void {
  if (watchdog.pid === undefined || watchdog.exitCode !== null || watchdog.signalCode !== null) return;
  try {
    watchdog.kill('SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Spawns a child with stdout and stderr appended to `logFile`, registers its PID for the
 * exit handlers and gives it a watchdog. Fails if the command cannot be spawned.
 */
export async function startTrackedProcess(options: StartProcessOptions): Promise<TrackedProcess> {
  installExitHandlers();
  const logDescriptor = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.environment ?? process.env,
      stdio: ['ignore', logDescriptor, logDescriptor],
    });
  } finally {
    closeSync(logDescriptor);
  }
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid ?? -1));
    child.once('error', reject);
  });
  livePids.add(pid);
  const watchdog = startWatchdog(pid);
  let running = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      livePids.delete(pid);
      stopWatchdog(watchdog);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  // Tests must not hang on a child that the harness forgot: the exit handlers own it.
  child.unref();

  const waitExit = async (timeoutMs: number): Promise<boolean> => {
    const outcome = await Promise.race([exited.then(() => true), sleep(timeoutMs, false, { ref: false })]);
    return outcome;
  };
  const sendSignal = (signal: NodeJS.Signals): void => {
    if (!running) return;
    try {
      process.kill(pid, signal);
    } catch {
      // exited between the check and the signal
    }
  };
  const kill = async (): Promise<void> => {
    sendSignal('SIGKILL');
    if (!(await waitExit(KILL_WAIT_MS)))
      throw new Error(`process ${pid} survived SIGKILL for ${KILL_WAIT_MS} ms`);
  };
  return {
    pid,
    logFile: options.logFile,
    exited,
    get running() {
      return running;
    },
    async stop(graceMs = STOP_GRACE_MS) {
      if (!running) return;
      sendSignal('SIGTERM');
      if (await waitExit(graceMs)) return;
      await kill();
    },
    kill,
    logTail: () => readLogTail(options.logFile),
  };
}

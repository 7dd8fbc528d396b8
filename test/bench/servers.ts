/**
 * The two servers under test, each a child process on a loopback port with its own
 * temporary data directory: Apache ZooKeeper 3.8 (Debian's jars on the JVM) and zookit's
 * bundled server (`node --import tsx server/main.ts server`). Both fsync their transaction
 * logs (the defaults). Resident memory is read from /proc/<pid>/status.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  debianClasspath,
  jvmSettings,
  requireJava,
  STANDALONE_MAIN,
  zooConfigText,
} from '../support/apache-jvm';
import { startTrackedProcess, type TrackedProcess } from '../support/child-processes';
import { fourLetterWord, freePort, waitUntil } from '../support/network';
import { stopChild, track } from './processes';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Bound on a server starting to serve. */
const START_TIMEOUT_MS = 60_000;
/** Grace after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 10_000;

/**
 * JVM flags for the benchmark. Not the test harness's (C1 only, 256 MiB heap: quick to
 * start, slow to run, and too small for a million znodes): the full JIT, the default
 * collector (G1 on this machine) and a 2 GiB maximum heap, as a production install sizes it
 * (Apache's zkEnv.sh default is 1000 MiB; 2 GiB leaves a million 100-byte znodes room).
 */
export const APACHE_JVM_FLAGS: readonly string[] = [
  '-Xmx2g',
  '-XX:+UseG1GC',
  '-Djava.net.preferIPv4Stack=true',
  '-Dzookeeper.admin.enableServer=false',
  '-Dzookeeper.jmx.log4j.disable=true',
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
];

/** What settling memory found. */
export interface MemorySettle {
  note: string;
  /** The JVM's heap in use after a full collection, bytes; undefined for zookit. */
  heapUsedBytes: number | undefined;
}

/** A server under test. */
export interface BenchServer {
  /** `zookit` or `Apache`. */
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  /** Resident set size now, bytes (VmRSS). */
  residentBytes(): number;
  /** Asks the server to collect garbage where it can (the JVM via jcmd). */
  settleMemory(): Promise<MemorySettle>;
  stop(): Promise<void>;
}

/** VmRSS of a process, in bytes. */
export function residentBytesOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match?.[1] === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1_024;
}

async function waitServing(port: number, isAlive: () => boolean, logTail: () => string): Promise<void> {
  // `srvr` is the one four-letter word both servers allow by default.
  await waitUntil(async () => /^Mode: /m.test(await fourLetterWord(port, 'srvr')), {
    timeoutMs: START_TIMEOUT_MS,
    intervalMs: 200,
    abandon: () => (isAlive() ? undefined : `server on port ${port} exited before serving\n${logTail()}`),
    describeFailure: () => `server on port ${port} did not serve within ${START_TIMEOUT_MS} ms\n${logTail()}`,
  });
}

function jvmHeapUsed(pid: number): MemorySettle {
  try {
    execFileSync('jcmd', [String(pid), 'GC.run'], { timeout: 60_000, stdio: 'ignore' });
    const info = execFileSync('jcmd', [String(pid), 'GC.heap_info'], { timeout: 30_000, encoding: 'utf8' });
    const match = /total (\d+)K, used (\d+)K/.exec(info);
    if (match?.[1] === undefined || match[2] === undefined)
      return { note: 'heap: unknown', heapUsedBytes: undefined };
    const usedBytes = Number(match[2]) * 1_024;
    const committedMiB = Math.round(Number(match[1]) / 1_024);
    return {
      note: `after jcmd GC.run: heap ${Math.round(usedBytes / 2 ** 20)} MiB used of ${committedMiB} MiB committed`,
      heapUsedBytes: usedBytes,
    };
  } catch (error) {
    return {
      note: `jcmd failed: ${error instanceof Error ? error.message : String(error)}`,
      heapUsedBytes: undefined,
    };
  }
}

/** Starts Apache ZooKeeper 3.8 with {@link APACHE_JVM_FLAGS}. */
export async function startApache(): Promise<BenchServer> {
  const root = mkdtempSync(join(tmpdir(), 'zookit-bench-apache-'));
  const dataDir = join(root, 'data');
  mkdirSync(dataDir);
  const port = await freePort();
  const configFile = join(root, 'zoo.cfg');
  const settings = jvmSettings({ properties: { maxClientCnxns: '0' } });
  const config = zooConfigText({ settings, dataDir, clientPort: port, serverLines: [] });
  writeFileSync(configFile, config);
  let child: TrackedProcess;
  try {
    child = await startTrackedProcess({
      command: requireJava(),
      args: [...APACHE_JVM_FLAGS, '-cp', debianClasspath(), STANDALONE_MAIN, configFile],
      logFile: join(root, 'zookeeper.log'),
    });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const stop = async (): Promise<void> => {
    // The harness unrefs the JVM and its timers; without a ref'd handle Node would exit
    // (code 0, mid-run) while we wait for the JVM to go.
    const keepAlive = setInterval(() => undefined, 1_000);
    try {
      await child.stop(STOP_GRACE_MS);
    } finally {
      clearInterval(keepAlive);
    }
    rmSync(root, { recursive: true, force: true });
  };
  await waitServing(
    port,
    () => child.running,
    () => child.logTail(),
  ).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return {
    name: 'Apache',
    port,
    pid: child.pid,
    residentBytes: () => residentBytesOf(child.pid),
    settleMemory: async () => jvmHeapUsed(child.pid),
    stop,
  };
}

/** Starts zookit's server as its own process (never in the load generator's process). */
export async function startZookit(): Promise<BenchServer> {
  const root = mkdtempSync(join(tmpdir(), 'zookit-bench-zookit-'));
  const port = await freePort();
  const args = ['--import', 'tsx', 'server/main.ts', 'server', '--host', '127.0.0.1', '--port', String(port)];
  const child: ChildProcess = spawn(process.execPath, [...args, '--data-dir', root], {
    cwd: REPOSITORY_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = track(child);
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async (): Promise<void> => {
    await stopChild(child, STOP_GRACE_MS);
    rmSync(root, { recursive: true, force: true });
  };
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  await waitServing(port, alive, () => log).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return {
    name: 'zookit',
    port,
    pid,
    residentBytes: () => residentBytesOf(pid),
    // Node offers no outside trigger for a collection; wait for idle-time GC instead.
    settleMemory: async () => {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      return { note: 'RSS after 5 s idle (no forced GC)', heapUsedBytes: undefined };
    },
    stop,
  };
}

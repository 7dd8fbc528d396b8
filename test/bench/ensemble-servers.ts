/**
 * The two ensembles of issue 7's benchmark: three zookit servers (each its own process,
 * `node --import tsx server/main.ts server --config <zoo.cfg>`) and three Apache ZooKeeper
 * 3.8 servers (each its own JVM), on loopback, each member with its own data directory and
 * `myid`, both fsyncing their logs (the defaults), the same zoo.cfg settings. Members can be
 * killed with SIGKILL and started again on the same data, for the failover rounds.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  debianClasspath,
  JvmServer,
  jvmSettings,
  QUORUM_MAIN,
  requireJava,
  zooConfigText,
} from '../support/apache-jvm';
import { startTrackedProcess, type TrackedProcess } from '../support/child-processes';
import { fourLetterWord, freePorts, LOOPBACK, serverMode, waitUntil } from '../support/network';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Members of each ensemble. */
export const ENSEMBLE_SIZE = 3;
/** tickTime of both ensembles (issue 7: failover is measured with 200 ms ticks). */
export const ENSEMBLE_TICK_MS = 200;
/** Bound on an ensemble (or a restarted member) serving. */
const START_TIMEOUT_MS = 60_000;
/** Grace after SIGTERM before SIGKILL when stopping. */
const STOP_GRACE_MS = 10_000;

/**
 * JVM flags of each Apache member: the full JIT and G1 (as the standalone benchmark), with
 * a heap of 1 GiB — Apache's own zkEnv.sh default (1000 MiB) — so three members take at most
 * 3 GiB of this 24 GiB machine; the benchmark holds a few thousand small znodes.
 */
export const APACHE_ENSEMBLE_JVM_FLAGS: readonly string[] = [
  '-Xmx1g',
  '-XX:+UseG1GC',
  '-Djava.net.preferIPv4Stack=true',
  '-Dzookeeper.admin.enableServer=false',
  '-Dzookeeper.jmx.log4j.disable=true',
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
];

/** One member of a benchmark ensemble. */
export interface BenchMember {
  readonly id: number;
  readonly port: number;
  /** PID of the running process; -1 while killed. */
  readonly pid: number;
  readonly running: boolean;
}

/** A running 3-member ensemble under test. */
export interface BenchEnsemble {
  /** `zookit` or `Apache`. */
  readonly name: string;
  readonly members: readonly BenchMember[];
  /** Waits until every running member serves and exactly one leads; resolves with its id. */
  waitForQuorum(timeoutMs?: number): Promise<number>;
  /** SIGKILL one member (a crash: no shutdown, nothing flushed beyond what was fsynced). */
  kill(id: number): Promise<void>;
  /** Starts a killed member again on its data. Does not wait for it to serve. */
  start(id: number): Promise<void>;
  /** Stops every member by PID and deletes the data directories. Safe to call twice. */
  stop(): Promise<void>;
}

interface MemberPlan {
  id: number;
  clientPort: number;
  quorumPort: number;
  electionPort: number;
  directory: string;
  configFile: string;
  logFile: string;
}

async function planMembers(
  root: string,
  properties: Readonly<Record<string, string>>,
): Promise<MemberPlan[]> {
  const ports = await freePorts(ENSEMBLE_SIZE * 3);
  const plans = Array.from({ length: ENSEMBLE_SIZE }, (_, index) => {
    const directory = join(root, `server-${index + 1}`);
    return {
      id: index + 1,
      clientPort: ports[index * 3] ?? 0,
      quorumPort: ports[index * 3 + 1] ?? 0,
      electionPort: ports[index * 3 + 2] ?? 0,
      directory,
      configFile: join(directory, 'zoo.cfg'),
      logFile: join(directory, 'server.log'),
    };
  });
  const serverLines = plans.map(
    (plan) => `server.${plan.id}=${LOOPBACK}:${plan.quorumPort}:${plan.electionPort}`,
  );
  // zooConfigText adds initLimit=10 and syncLimit=5 for an ensemble, as issue 7 asks.
  const settings = jvmSettings({
    tickTime: ENSEMBLE_TICK_MS,
    properties: { maxClientCnxns: '0', ...properties },
  });
  for (const plan of plans) {
    const dataDir = join(plan.directory, 'data');
    mkdirSync(dataDir, { recursive: true });
    const text = zooConfigText({ settings, dataDir, clientPort: plan.clientPort, serverLines });
    JvmServer.writeFiles(plan.configFile, text, { dataDir, id: plan.id });
  }
  return plans;
}

/** The command that runs one member. */
type MemberCommand = (plan: MemberPlan) => { command: string; args: string[] };

const zookitCommand: MemberCommand = (plan) => ({
  command: process.execPath,
  args: ['--import', 'tsx', 'server/main.ts', 'server', '--config', plan.configFile],
});

const apacheCommand: MemberCommand = (plan) => ({
  command: requireJava(),
  args: [...APACHE_ENSEMBLE_JVM_FLAGS, '-cp', debianClasspath(), QUORUM_MAIN, plan.configFile],
});

async function memberMode(port: number): Promise<string | undefined> {
  return serverMode(await fourLetterWord(port, 'srvr', 1_000).catch(() => ''));
}

async function startEnsemble(
  name: string,
  command: MemberCommand,
  properties: Readonly<Record<string, string>>,
): Promise<BenchEnsemble> {
  const root = mkdtempSync(join(tmpdir(), `zookit-bench-ensemble-${name.toLowerCase()}-`));
  const plans = await planMembers(root, properties);
  const processes = new Map<number, TrackedProcess>();
  const plan = (id: number): MemberPlan => {
    const found = plans.find((candidate) => candidate.id === id);
    if (found === undefined) throw new RangeError(`no member ${id}`);
    return found;
  };
  const start = async (id: number): Promise<void> => {
    if (processes.get(id)?.running === true) throw new Error(`${name} member ${id} is already running`);
    const { command: executable, args } = command(plan(id));
    processes.set(
      id,
      await startTrackedProcess({
        command: executable,
        args,
        logFile: plan(id).logFile,
        cwd: REPOSITORY_ROOT,
      }),
    );
  };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // The harness unrefs its children; a ref'd timer keeps Node alive while they go.
    const keepAlive = setInterval(() => undefined, 1_000);
    try {
      await Promise.all([...processes.values()].map((child) => child.stop(STOP_GRACE_MS)));
    } finally {
      clearInterval(keepAlive);
    }
    rmSync(root, { recursive: true, force: true });
  };
  const members: BenchMember[] = plans.map((each) => ({
    id: each.id,
    port: each.clientPort,
    get pid() {
      const child = processes.get(each.id);
      return child?.running === true ? child.pid : -1;
    },
    get running() {
      return processes.get(each.id)?.running === true;
    },
  }));
  const waitForQuorum = async (timeoutMs = START_TIMEOUT_MS): Promise<number> => {
    let leader = -1;
    let modes = '';
    await waitUntil(
      async () => {
        const running = members.filter((member) => member.running);
        const reported = await Promise.all(running.map((member) => memberMode(member.port)));
        modes = running.map((member, index) => `${member.id}=${reported[index] ?? 'not serving'}`).join(' ');
        const leaders = running.filter((_, index) => reported[index] === 'leader');
        const followers = reported.filter((mode) => mode === 'follower').length;
        leader = leaders.length === 1 ? (leaders[0]?.id ?? -1) : -1;
        return leader !== -1 && followers === running.length - 1;
      },
      {
        timeoutMs,
        intervalMs: 50,
        describeFailure: () =>
          `${name} ensemble had no leader with every running member serving within ${timeoutMs} ms (${modes})\n` +
          [...processes.entries()].map(([id, child]) => `--- member ${id}:\n${child.logTail()}`).join('\n'),
      },
    );
    return leader;
  };
  try {
    await Promise.all(plans.map((each) => start(each.id)));
    await waitForQuorum();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    name,
    members,
    waitForQuorum,
    kill: async (id) => processes.get(id)?.kill(),
    start,
    stop,
  };
}

/**
 * Starts three zookit servers as separate processes and waits for a leader. `properties`
 * are extra zoo.cfg lines (the last value of a key wins), for experiments such as
 * `{ syncLimit: '1' }`.
 */
export function startZookitEnsemble(
  properties: Readonly<Record<string, string>> = {},
): Promise<BenchEnsemble> {
  return startEnsemble('zookit', zookitCommand, properties);
}

/** Starts three Apache ZooKeeper JVMs and waits for a leader; `properties` as for zookit. */
export function startApacheEnsemble(
  properties: Readonly<Record<string, string>> = {},
): Promise<BenchEnsemble> {
  return startEnsemble('Apache', apacheCommand, properties);
}

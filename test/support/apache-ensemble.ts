/**
 * An Apache ZooKeeper ensemble on loopback: N `QuorumPeerMain` JVMs from Debian's package,
 * each with its own data directory, `myid` and `zoo.cfg`, for failover tests (kill the
 * leader, restart a follower). Docker is not supported here: one container per member
 * with a shared network is more machinery than the tests need.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ApacheZooKeeperOptions,
  JvmServer,
  type JvmServerSettings,
  jvmSettings,
  QUORUM_MAIN,
  requireJava,
  START_TIMEOUT_MS,
  zooConfigText,
} from './apache-jvm';
import { chooseApacheBackend, detectApacheFacts } from './backend';
import { freePorts, LOOPBACK, waitUntil } from './network';

/** Modes a serving ensemble member reports through `srvr`. */
const QUORUM_MODES = ['leader', 'follower'] as const;
const SERVERS_MAX = 7;

/** One member of an {@link ApacheEnsemble}. */
export interface ApacheEnsembleServer {
  /** The member's `myid`, 1..N. */
  readonly id: number;
  readonly host: '127.0.0.1';
  /** Client port. */
  readonly port: number;
  readonly quorumPort: number;
  readonly electionPort: number;
  /** `127.0.0.1:<port>` of this member alone. */
  readonly connectString: string;
  readonly dataDir: string;
  /** PID of the JVM; -1 while stopped or killed. */
  readonly pid: number;
  readonly running: boolean;
  /** `srvr`'s Mode (`leader`/`follower`), undefined when not serving. */
  mode(): Promise<string | undefined>;
  logTail(): string;
}

/** A running ensemble. */
export interface ApacheEnsemble {
  readonly servers: readonly ApacheEnsembleServer[];
  /** All members: `127.0.0.1:p1,127.0.0.1:p2,…`. */
  readonly connectString: string;
  /** The member by `myid`; throws for an unknown id. */
  server(id: number): ApacheEnsembleServer;
  /** The id of the member that reports `Mode: leader`, or undefined if none does now. */
  leaderId(): Promise<number | undefined>;
  /** Waits until one running member leads and every other running member follows. */
  waitForQuorum(timeoutMs?: number): Promise<number>;
  /** Crashes a member: SIGKILL, no shutdown. */
  kill(id: number): Promise<void>;
  /** Stops a member gracefully: SIGTERM, then SIGKILL after a bound. */
  stopServer(id: number): Promise<void>;
  /** Stops the member if it runs, starts it again with its data, waits until it serves. */
  restart(id: number): Promise<void>;
  /** Stops every member and deletes every file. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startApacheEnsemble}. */
export interface ApacheEnsembleOptions extends ApacheZooKeeperOptions {
  /** Members, 3 by default; odd counts make sense. */
  servers?: number;
  /**
   * Write each member's client port into the `server.N` lines (`;127.0.0.1:port`), as dynamic
   * reconfiguration wants: a reconfig rewrites the membership from those lines, and a member
   * whose line has no client port stops serving clients.
   */
  clientPortsInServerLines?: boolean;
}

interface Member {
  id: number;
  clientPort: number;
  quorumPort: number;
  electionPort: number;
  dataDir: string;
  jvm: JvmServer;
}

function serverLines(members: readonly Omit<Member, 'jvm' | 'dataDir'>[], clientPorts: boolean): string[] {
  return members.map(
    (member) =>
      `server.${member.id}=${LOOPBACK}:${member.quorumPort}:${member.electionPort}` +
      (clientPorts ? `;${LOOPBACK}:${member.clientPort}` : ''),
  );
}

async function planMembers(
  root: string,
  count: number,
  settings: JvmServerSettings,
  clientPortsInLines: boolean,
): Promise<Member[]> {
  const ports = await freePorts(count * 3);
  const javaPath = requireJava();
  const addresses = Array.from({ length: count }, (_, index) => ({
    id: index + 1,
    clientPort: ports[index * 3] ?? 0,
    quorumPort: ports[index * 3 + 1] ?? 0,
    electionPort: ports[index * 3 + 2] ?? 0,
  }));
  const lines = serverLines(addresses, clientPortsInLines);
  return addresses.map((address) => {
    const directory = join(root, `server-${address.id}`);
    const dataDir = join(directory, 'data');
    mkdirSync(dataDir, { recursive: true });
    const configFile = join(directory, 'zoo.cfg');
    const configText = zooConfigText({
      settings,
      dataDir,
      clientPort: address.clientPort,
      serverLines: lines,
    });
    JvmServer.writeFiles(configFile, configText, { dataDir, id: address.id });
    const jvm = new JvmServer(
      javaPath,
      QUORUM_MAIN,
      configFile,
      join(directory, 'zookeeper.log'),
      address.clientPort,
    );
    return { ...address, dataDir, jvm };
  });
}

function describeMember(member: Member): ApacheEnsembleServer {
  return {
    id: member.id,
    host: LOOPBACK,
    port: member.clientPort,
    quorumPort: member.quorumPort,
    electionPort: member.electionPort,
    connectString: `${LOOPBACK}:${member.clientPort}`,
    dataDir: member.dataDir,
    get pid() {
      return member.jvm.pid;
    },
    get running() {
      return member.jvm.running;
    },
    mode: () => member.jvm.mode(),
    logTail: () => member.jvm.logTail(),
  };
}

async function waitForQuorum(members: readonly Member[], timeoutMs: number): Promise<number> {
  let leader: number | undefined;
  let modes: string[] = [];
  await waitUntil(
    async () => {
      const running = members.filter((member) => member.jvm.running);
      const reported = await Promise.all(running.map((member) => member.jvm.mode()));
      modes = running.map((member, index) => `${member.id}=${reported[index] ?? 'not serving'}`);
      const leaders = running.filter((_, index) => reported[index] === 'leader');
      const serving = reported.filter(
        (mode) => mode !== undefined && (QUORUM_MODES as readonly string[]).includes(mode),
      );
      leader = leaders.length === 1 ? leaders[0]?.id : undefined;
      return leader !== undefined && serving.length === running.length;
    },
    {
      timeoutMs,
      intervalMs: 200,
      describeFailure: () =>
        `ensemble had no leader with all running members serving within ${timeoutMs} ms (${modes.join(', ')})\n` +
        members.map((member) => `--- server ${member.id} log tail:\n${member.jvm.logTail()}`).join('\n'),
    },
  );
  return leader ?? -1;
}

/**
 * Starts an Apache ZooKeeper ensemble (3 members by default) on loopback and resolves once
 * one member leads and the others follow. Needs the Debian backend. Always `stop()` it.
 */
export async function startApacheEnsemble(options: ApacheEnsembleOptions = {}): Promise<ApacheEnsemble> {
  const count = options.servers ?? 3;
  if (!Number.isInteger(count) || count < 1 || count > SERVERS_MAX) {
    throw new RangeError(`an ensemble has 1..${SERVERS_MAX} servers, not ${count}`);
  }
  const choice = chooseApacheBackend(process.env, detectApacheFacts());
  if (choice.kind !== 'debian') {
    throw new Error(
      `startApacheEnsemble needs Debian's zookeeper package: ${choice.reason ?? 'backend is docker'}`,
    );
  }
  const settings = jvmSettings(options);
  const startTimeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS * 2;
  const root = mkdtempSync(join(tmpdir(), 'zookit-ensemble-'));
  let members: Member[] = [];
  let stopped = false;
  const stopAll = async (): Promise<void> => {
    await Promise.all(members.map((member) => member.jvm.stop()));
    rmSync(root, { recursive: true, force: true });
  };
  const member = (id: number): Member => {
    const found = members.find((candidate) => candidate.id === id);
    if (found === undefined) throw new RangeError(`no ensemble server with id ${id} (1..${members.length})`);
    return found;
  };
  try {
    members = await planMembers(root, count, settings, options.clientPortsInServerLines ?? false);
    for (const each of members) await each.jvm.start(settings);
    await waitForQuorum(members, startTimeoutMs);
  } catch (error) {
    await stopAll();
    throw error;
  }
  const servers = members.map(describeMember);
  return {
    servers,
    connectString: servers.map((server) => server.connectString).join(','),
    server: (id) => servers[member(id).id - 1] as ApacheEnsembleServer,
    async leaderId() {
      for (const each of members) if ((await each.jvm.mode()) === 'leader') return each.id;
      return undefined;
    },
    waitForQuorum: (timeoutMs = startTimeoutMs) => waitForQuorum(members, timeoutMs),
    kill: (id) => member(id).jvm.kill(),
    stopServer: (id) => member(id).jvm.stop(),
    async restart(id) {
      const target = member(id);
      await target.jvm.stop();
      await target.jvm.start(settings);
      await target.jvm.waitServing(QUORUM_MODES, startTimeoutMs);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
    },
  };
}

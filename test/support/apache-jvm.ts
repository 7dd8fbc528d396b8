/**
 * Runs Apache ZooKeeper from Debian's packages directly on the JVM: the classpath, the
 * `zoo.cfg` text, the JVM flags, and one server process that can be stopped and started
 * again on the same configuration and data.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEBIAN_JAVA_DIRECTORY, DEBIAN_ZOOKEEPER_JAR, detectApacheFacts } from './backend';
import { startTrackedProcess, type TrackedProcess } from './child-processes';
import { canConnect, fourLetterWord, LOOPBACK, serverMode, waitUntil } from './network';

/** Entry point of a standalone server. */
export const STANDALONE_MAIN = 'org.apache.zookeeper.server.ZooKeeperServerMain';
/** Entry point of an ensemble member. */
export const QUORUM_MAIN = 'org.apache.zookeeper.server.quorum.QuorumPeerMain';
/** Default bound on a server becoming ready. */
export const START_TIMEOUT_MS = 30_000;

/** Settings shared by standalone servers and ensemble members. */
export interface JvmServerSettings {
  tickTime: number;
  extendedTypes: boolean;
  superDigest: string | undefined;
  minSessionTimeout: number | undefined;
  maxSessionTimeout: number | undefined;
  properties: Readonly<Record<string, string>>;
  systemProperties: Readonly<Record<string, string>>;
}

/** Options of `startApacheZooKeeper`; ensemble members take the same settings. */
export interface ApacheZooKeeperOptions {
  /** Milliseconds per tick (default 2000); session timeouts default to 2–20 ticks. */
  tickTime?: number;
  /** Enables TTL nodes and the other extended types (default true). */
  extendedTypes?: boolean;
  /** `user:base64(sha1(user:password))`, see `superDigestFor` in apache.ts. */
  superDigest?: string;
  minSessionTimeout?: number;
  maxSessionTimeout?: number;
  /** Extra `zoo.cfg` lines, `key=value`. */
  properties?: Record<string, string>;
  /**
   * Java system properties (`-Dkey=value`) for settings Apache reads only from there, e.g.
   * `readonlymode.enabled` (a `zoo.cfg` line would become `zookeeper.readonlymode.enabled`).
   */
  systemProperties?: Record<string, string>;
  /** Bound on the server becoming ready (default 30 s). */
  startTimeoutMs?: number;
}

/** Options with defaults applied, shared by both backends and the ensemble. */
export function jvmSettings(options: ApacheZooKeeperOptions): JvmServerSettings {
  const tickTime = options.tickTime ?? 2_000;
  if (!Number.isInteger(tickTime) || tickTime < 1)
    throw new RangeError(`tickTime must be a positive integer`);
  return {
    tickTime,
    extendedTypes: options.extendedTypes ?? true,
    superDigest: options.superDigest,
    minSessionTimeout: options.minSessionTimeout,
    maxSessionTimeout: options.maxSessionTimeout,
    properties: options.properties ?? {},
    systemProperties: options.systemProperties ?? {},
  };
}

/** The Java executable; throws a clear error when there is none. */
export function requireJava(): string {
  const facts = detectApacheFacts();
  if (facts.javaPath === undefined) throw new Error('no Java executable was found (JAVA_HOME or PATH)');
  return facts.javaPath;
}

/**
 * The server's classpath: `zookeeper.jar` (its manifest lists its dependencies, all in
 * /usr/share/java) plus slf4j-simple when present, so the server's log reaches our log
 * file instead of slf4j's "no binding" warning.
 */
export function debianClasspath(): string {
  const entries = [DEBIAN_ZOOKEEPER_JAR];
  const simpleLogger = `${DEBIAN_JAVA_DIRECTORY}/slf4j-simple.jar`;
  if (existsSync(simpleLogger)) entries.push(simpleLogger);
  return entries.join(':');
}

function checkProperty(key: string, value: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(key))
    throw new RangeError(`zoo.cfg key '${key}' has characters outside [A-Za-z0-9_.-]`);
  if (/[\r\n]/.test(value)) throw new RangeError(`zoo.cfg value of '${key}' spans lines`);
}

/** Options of {@link zooConfigText}. */
export interface ZooConfigOptions {
  settings: JvmServerSettings;
  dataDir: string;
  clientPort: number;
  /** `server.N=host:quorumPort:electionPort` lines of an ensemble; empty for standalone. */
  serverLines: readonly string[];
}

/** The `zoo.cfg` text: our fixed choices first, then the caller's extra properties. */
export function zooConfigText(options: ZooConfigOptions): string {
  const { settings } = options;
  const lines = [
    `tickTime=${settings.tickTime}`,
    `dataDir=${options.dataDir}`,
    `clientPort=${options.clientPort}`,
    `clientPortAddress=${LOOPBACK}`,
    '4lw.commands.whitelist=*',
    'admin.enableServer=false',
  ];
  if (settings.minSessionTimeout !== undefined) lines.push(`minSessionTimeout=${settings.minSessionTimeout}`);
  if (settings.maxSessionTimeout !== undefined) lines.push(`maxSessionTimeout=${settings.maxSessionTimeout}`);
  if (options.serverLines.length > 0) lines.push('initLimit=10', 'syncLimit=5', ...options.serverLines);
  for (const [key, value] of Object.entries(settings.properties)) {
    checkProperty(key, value);
    lines.push(`${key}=${value}`);
  }
  return `${lines.join('\n')}\n`;
}

/** JVM flags: a small, fast-starting JVM plus the system properties the settings need. */
export function jvmArguments(settings: JvmServerSettings, mainClass: string, configFile: string): string[] {
  const flags = [
    '-Xms32m',
    '-Xmx256m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.net.preferIPv4Stack=true',
    '-Dzookeeper.admin.enableServer=false',
    '-Dzookeeper.jmx.log4j.disable=true',
    // Small sparse log preallocation (KiB); tests write little.
    '-Dzookeeper.preAllocSize=1024',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    '-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS',
  ];
  if (settings.extendedTypes) flags.push('-Dzookeeper.extendedTypesEnabled=true');
  if (settings.superDigest !== undefined) {
    flags.push(`-Dzookeeper.DigestAuthenticationProvider.superDigest=${settings.superDigest}`);
  }
  for (const [key, value] of Object.entries(settings.systemProperties)) {
    checkProperty(key, value);
    flags.push(`-D${key}=${value}`);
  }
  return [...flags, '-cp', debianClasspath(), mainClass, configFile];
}

/** One JVM running one ZooKeeper server; `start()` again after `stop()` reuses config and data. */
export class JvmServer {
  private process: TrackedProcess | undefined;

  constructor(
    private readonly javaPath: string,
    readonly mainClass: string,
    readonly configFile: string,
    readonly logFile: string,
    readonly clientPort: number,
  ) {}

  /** Writes `zoo.cfg` (and `myid` for an ensemble member). */
  static writeFiles(configFile: string, configText: string, myid?: { dataDir: string; id: number }): void {
    writeFileSync(configFile, configText);
    if (myid !== undefined) writeFileSync(join(myid.dataDir, 'myid'), `${myid.id}\n`);
  }

  /** PID of the running JVM, or -1 when stopped. */
  get pid(): number {
    return this.process?.running === true ? this.process.pid : -1;
  }

  get running(): boolean {
    return this.process?.running === true;
  }

  /** The last lines of the JVM's log. */
  logTail(): string {
    return this.process?.logTail() ?? '(never started)';
  }

  /** Spawns the JVM; does not wait for it to serve (see {@link waitServing}). */
  async start(settings: JvmServerSettings): Promise<void> {
    if (this.running) throw new Error(`server on port ${this.clientPort} is already running`);
    this.process = await startTrackedProcess({
      command: this.javaPath,
      args: jvmArguments(settings, this.mainClass, this.configFile),
      logFile: this.logFile,
    });
  }

  /** SIGTERM, then SIGKILL after a bound. */
  async stop(): Promise<void> {
    await this.process?.stop();
  }

  /** SIGKILL: a crash, no shutdown hooks. */
  async kill(): Promise<void> {
    await this.process?.kill();
  }

  /** `srvr`'s Mode (`standalone`, `leader`, `follower`), or undefined when not serving. */
  async mode(): Promise<string | undefined> {
    if (!this.running) return undefined;
    return serverMode(await fourLetterWord(this.clientPort, 'srvr').catch(() => ''));
  }

  /**
   * Waits until the server really serves: `ruok` answers `imok`, `srvr` reports one of
   * `modes`, and a plain TCP connect works. Fails early if the JVM exits, and with the
   * log tail when `timeoutMs` passes.
   */
  async waitServing(modes: readonly string[], timeoutMs = START_TIMEOUT_MS): Promise<string> {
    let lastMode: string | undefined;
    await waitUntil(
      async () => {
        if ((await fourLetterWord(this.clientPort, 'ruok')) !== 'imok') return false;
        lastMode = await this.mode();
        if (lastMode === undefined || !modes.includes(lastMode)) return false;
        return canConnect(this.clientPort);
      },
      {
        timeoutMs,
        intervalMs: 150,
        abandon: () =>
          this.running
            ? undefined
            : `ZooKeeper JVM exited before serving on ${LOOPBACK}:${this.clientPort}\n${this.logTail()}`,
        describeFailure: () =>
          `ZooKeeper on ${LOOPBACK}:${this.clientPort} did not serve as ${modes.join('/')} within ${timeoutMs} ms ` +
          `(last mode: ${lastMode ?? 'none'}); log tail:\n${this.logTail()}`,
      },
    );
    return lastMode ?? '';
  }
}

/**
 * The Apache ZooKeeper test harness: real Apache ZooKeeper 3.8 servers for compatibility
 * tests, standalone ({@link startApacheZooKeeper}) or as an ensemble
 * ({@link startApacheEnsemble}), and {@link describeApache} for suites that need one.
 * Which backend runs the server (Debian's package on the JVM, or Docker) is chosen in
 * `backend.ts` from `ZOOKIT_APACHE`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { startDockerZooKeeper } from './apache-docker';
import {
  type ApacheZooKeeperOptions,
  JvmServer,
  jvmSettings,
  requireJava,
  STANDALONE_MAIN,
  START_TIMEOUT_MS,
  zooConfigText,
} from './apache-jvm';
import {
  type ApacheBackendChoice,
  type ApacheBackendKind,
  apacheSuiteMode,
  chooseApacheBackend,
  detectApacheFacts,
} from './backend';
import { freePort, LOOPBACK } from './network';

export { type ApacheEnsemble, type ApacheEnsembleServer, startApacheEnsemble } from './apache-ensemble';
export type { ApacheZooKeeperOptions } from './apache-jvm';

/** A running Apache ZooKeeper server. */
export interface ApacheZooKeeper {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly connectString: string;
  /** The data directory (inside the container for the docker backend). */
  readonly dataDir: string;
  /** PID of the JVM; -1 while stopped and for the docker backend. */
  readonly pid: number;
  readonly backend: ApacheBackendKind;
  /** The last lines of the server's log. */
  logTail(): string;
  /** Stops the server and deletes its files. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops and starts the server on the same port, keeping its data. */
  restart(): Promise<void>;
}

/** The result of {@link apacheInstallation}. */
export interface ApacheInstallation {
  available: boolean;
  reason?: string;
  backend?: ApacheBackendKind;
}

let cachedChoice: ApacheBackendChoice | undefined;

function backendChoice(): ApacheBackendChoice {
  cachedChoice ??= chooseApacheBackend(process.env, detectApacheFacts());
  return cachedChoice;
}

/** Whether Apache ZooKeeper can run here, with which backend, or why not. */
export function apacheInstallation(): ApacheInstallation {
  const choice = backendChoice();
  if (choice.kind === 'unavailable') return { available: false, reason: choice.reason };
  return { available: true, backend: choice.kind };
}

/**
 * `describe` for suites that need Apache ZooKeeper. Runs the suite when a backend is
 * available. Otherwise, under CI it registers one failing test that names the reason (a
 * CI machine without Apache ZooKeeper must not pass), and elsewhere it warns on the
 * console and registers the suite as skipped.
 */
export function describeApache(title: string, body: () => void): void {
  const choice = backendChoice();
  const mode = apacheSuiteMode(choice, process.env);
  if (mode === 'run') {
    describe(title, body);
    return;
  }
  const reason = choice.reason ?? 'unknown';
  if (mode === 'fail') {
    describe(title, () => {
      it('needs Apache ZooKeeper (CI is set, so a missing install fails)', () => {
        throw new Error(`Apache ZooKeeper is required under CI: ${reason}`);
      });
    });
    return;
  }
  console.warn(`\n*** SKIPPING '${title}': ${reason} ***\n`);
  describe.skip(title, body);
}

/** The `superDigest` value for a password: `user:base64(sha1("user:password"))`. */
export function superDigestFor(password: string, user = 'super'): string {
  const digest = createHash('sha1').update(`${user}:${password}`).digest('base64');
  return `${user}:${digest}`;
}

async function startOnJvm(options: ApacheZooKeeperOptions): Promise<ApacheZooKeeper> {
  const settings = jvmSettings(options);
  const startTimeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
  const root = mkdtempSync(join(tmpdir(), 'zookit-apache-'));
  const dataDir = join(root, 'data');
  try {
    mkdirSync(dataDir);
    const port = await freePort();
    const configFile = join(root, 'zoo.cfg');
    JvmServer.writeFiles(configFile, zooConfigText({ settings, dataDir, clientPort: port, serverLines: [] }));
    const server = new JvmServer(
      requireJava(),
      STANDALONE_MAIN,
      configFile,
      join(root, 'zookeeper.log'),
      port,
    );
    const startServing = async (): Promise<void> => {
      await server.start(settings);
      await server.waitServing(['standalone'], startTimeoutMs);
    };
    await startServing().catch(async (error: unknown) => {
      await server.stop();
      throw error;
    });
    let stopped = false;
    return {
      host: LOOPBACK,
      port,
      connectString: `${LOOPBACK}:${port}`,
      dataDir,
      get pid() {
        return server.pid;
      },
      backend: 'debian',
      logTail: () => server.logTail(),
      async stop() {
        if (stopped) return;
        stopped = true;
        await server.stop();
        rmSync(root, { recursive: true, force: true });
      },
      async restart() {
        if (stopped) throw new Error('restart() after stop()');
        await server.stop();
        await startServing();
      },
    };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

async function startInDocker(options: ApacheZooKeeperOptions): Promise<ApacheZooKeeper> {
  const server = await startDockerZooKeeper({
    ...jvmSettings(options),
    startTimeoutMs: options.startTimeoutMs ?? 120_000,
  });
  let stopped = false;
  return {
    host: LOOPBACK,
    port: server.port,
    connectString: `${LOOPBACK}:${server.port}`,
    dataDir: '/data',
    pid: -1,
    backend: 'docker',
    logTail: () => server.logTail(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
    restart: () => server.restart(),
  };
}

/**
 * Starts a standalone Apache ZooKeeper 3.8 on a free loopback port with its own temporary
 * data directory, and resolves once it serves. Always `stop()` it (in `afterAll`).
 */
export async function startApacheZooKeeper(options: ApacheZooKeeperOptions = {}): Promise<ApacheZooKeeper> {
  const choice = backendChoice();
  if (choice.kind === 'unavailable') throw new Error(`cannot start Apache ZooKeeper: ${choice.reason}`);
  return choice.kind === 'debian' ? startOnJvm(options) : startInDocker(options);
}

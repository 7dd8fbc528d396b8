/**
 * How the test suite runs Apache ZooKeeper: straight on the JVM from Debian's `zookeeper`
 * package, or in a Docker container through testcontainers. The choice is a pure function
 * of the environment and a few facts about the machine ({@link chooseApacheBackend}), so it
 * is unit-tested without either; {@link detectApacheFacts} gathers the facts.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Where Debian's packages put the ZooKeeper jars (`libzookeeper-java`). */
export const DEBIAN_JAVA_DIRECTORY = '/usr/share/java';
/** The server jar; its manifest `Class-Path` names every dependency in the same directory. */
export const DEBIAN_ZOOKEEPER_JAR = `${DEBIAN_JAVA_DIRECTORY}/zookeeper.jar`;
/** The Docker image the docker backend runs. */
export const DOCKER_ZOOKEEPER_IMAGE = 'zookeeper:3.8';

/** The two ways of running Apache ZooKeeper. */
export const ApacheBackendKind = { debian: 'debian', docker: 'docker' } as const;
export type ApacheBackendKind = (typeof ApacheBackendKind)[keyof typeof ApacheBackendKind];

/** What {@link detectApacheFacts} found on this machine. */
export interface ApacheFacts {
  /** A Java executable, or `undefined` when none was found. */
  javaPath: string | undefined;
  /** Debian's ZooKeeper jars are installed. */
  debianJarsInstalled: boolean;
  /** A Docker engine looks reachable (`DOCKER_HOST` or a known socket exists). */
  dockerAvailable: boolean;
}

/** The backend to use, or why Apache ZooKeeper cannot run here. */
export type ApacheBackendChoice =
  | { kind: ApacheBackendKind; reason?: never }
  | { kind: 'unavailable'; reason: string };

/** The environment variables the choice reads. */
export interface ApacheEnvironment {
  /** `debian`, `docker` or `auto` (default). */
  ZOOKIT_APACHE?: string | undefined;
  CI?: string | undefined;
}

const INSTALL_HINT =
  'install it with `apt-get install -y zookeeper default-jre-headless` ' +
  '(or set ZOOKIT_APACHE=docker with a Docker engine running)';

function debianProblem(facts: ApacheFacts): string | undefined {
  if (!facts.debianJarsInstalled) return `Debian's ZooKeeper jars are missing (${DEBIAN_ZOOKEEPER_JAR})`;
  if (facts.javaPath === undefined) return 'no Java executable was found (JAVA_HOME or PATH)';
  return undefined;
}

/**
 * Chooses the backend from `ZOOKIT_APACHE` and the machine's facts. `auto` (the default)
 * prefers Debian's package, then Docker. An explicit choice that cannot work is
 * `unavailable` with the reason, never a silent fallback to the other backend.
 */
export function chooseApacheBackend(environment: ApacheEnvironment, facts: ApacheFacts): ApacheBackendChoice {
  const requested = (environment.ZOOKIT_APACHE ?? '').trim().toLowerCase() || 'auto';
  const debian = debianProblem(facts);
  const docker = facts.dockerAvailable
    ? undefined
    : 'no Docker engine was found (DOCKER_HOST or docker.sock)';
  switch (requested) {
    case 'debian':
      return debian === undefined
        ? { kind: 'debian' }
        : { kind: 'unavailable', reason: `ZOOKIT_APACHE=debian but ${debian}; ${INSTALL_HINT}` };
    case 'docker':
      return docker === undefined
        ? { kind: 'docker' }
        : { kind: 'unavailable', reason: `ZOOKIT_APACHE=docker but ${docker}` };
    case 'auto':
      if (debian === undefined) return { kind: 'debian' };
      if (docker === undefined) return { kind: 'docker' };
      return {
        kind: 'unavailable',
        reason: `Apache ZooKeeper is not available: ${debian} and ${docker}; ${INSTALL_HINT}`,
      };
    default:
      return {
        kind: 'unavailable',
        reason: `ZOOKIT_APACHE must be debian, docker or auto, not '${environment.ZOOKIT_APACHE}'`,
      };
  }
}

/** True when the environment says we run in CI (`CI` set to anything but empty, `0` or `false`). */
export function isContinuousIntegration(environment: ApacheEnvironment): boolean {
  const value = (environment.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}

/** What a suite that needs Apache ZooKeeper does. */
export const ApacheSuiteMode = { run: 'run', fail: 'fail', skip: 'skip' } as const;
export type ApacheSuiteMode = (typeof ApacheSuiteMode)[keyof typeof ApacheSuiteMode];

/**
 * Run when a backend is available; otherwise fail in CI (a CI machine without Apache
 * ZooKeeper is a broken CI machine, not a reason to pass) and skip loudly elsewhere.
 */
export function apacheSuiteMode(
  choice: ApacheBackendChoice,
  environment: ApacheEnvironment,
): ApacheSuiteMode {
  if (choice.kind !== 'unavailable') return ApacheSuiteMode.run;
  return isContinuousIntegration(environment) ? ApacheSuiteMode.fail : ApacheSuiteMode.skip;
}

function isExecutableFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `$JAVA_HOME/bin/java`, else the first `java` on `PATH`. */
export function findJava(environment: NodeJS.ProcessEnv = process.env): string | undefined {
  const javaHome = environment.JAVA_HOME;
  if (javaHome !== undefined && javaHome !== '') {
    const candidate = join(javaHome, 'bin', 'java');
    if (isExecutableFile(candidate)) return candidate;
  }
  for (const directory of (environment.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, 'java');
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function dockerSocketCandidates(environment: NodeJS.ProcessEnv): string[] {
  const candidates = ['/var/run/docker.sock', join(homedir(), '.docker', 'run', 'docker.sock')];
  const runtimeDirectory = environment.XDG_RUNTIME_DIR;
  if (runtimeDirectory !== undefined && runtimeDirectory !== '')
    candidates.push(join(runtimeDirectory, 'docker.sock'));
  return candidates;
}

/** Looks at this machine: Java, Debian's jars, a Docker engine. Synchronous and cheap. */
export function detectApacheFacts(environment: NodeJS.ProcessEnv = process.env): ApacheFacts {
  const dockerHost = environment.DOCKER_HOST;
  return {
    javaPath: findJava(environment),
    debianJarsInstalled:
      existsSync(DEBIAN_ZOOKEEPER_JAR) && existsSync(`${DEBIAN_JAVA_DIRECTORY}/slf4j-api.jar`),
    dockerAvailable:
      (dockerHost !== undefined && dockerHost !== '') || dockerSocketCandidates(environment).some(existsSync),
  };
}

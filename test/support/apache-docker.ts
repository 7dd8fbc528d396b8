/**
 * The docker backend: the official `zookeeper:3.8` image through testcontainers, its client
 * port published on 127.0.0.1 only, at a fixed free port so `restart()` keeps the address.
 * testcontainers' reaper removes the container if the test process dies.
 */
import type { StartedTestContainer } from 'testcontainers';
import { DOCKER_ZOOKEEPER_IMAGE } from './backend';
import { canConnect, fourLetterWord, freePort, LOOPBACK, serverMode, waitUntil } from './network';

/** The docker backend's part of the standalone options (already defaulted). */
export interface DockerServerSettings {
  tickTime: number;
  extendedTypes: boolean;
  superDigest: string | undefined;
  minSessionTimeout: number | undefined;
  maxSessionTimeout: number | undefined;
  properties: Readonly<Record<string, string>>;
  startTimeoutMs: number;
}

/** A running container and what the harness needs from it. */
export interface DockerServer {
  readonly port: number;
  logTail(): string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const CLIENT_PORT = 2181;
const LOG_CHARACTERS_MAX = 4_000;

function environmentFor(settings: DockerServerSettings): Record<string, string> {
  const jvmFlags = [];
  if (settings.extendedTypes) jvmFlags.push('-Dzookeeper.extendedTypesEnabled=true');
  if (settings.superDigest !== undefined) {
    jvmFlags.push(`-Dzookeeper.DigestAuthenticationProvider.superDigest=${settings.superDigest}`);
  }
  const extra = [...Object.entries(settings.properties)];
  if (settings.minSessionTimeout !== undefined)
    extra.push(['minSessionTimeout', String(settings.minSessionTimeout)]);
  if (settings.maxSessionTimeout !== undefined)
    extra.push(['maxSessionTimeout', String(settings.maxSessionTimeout)]);
  return {
    ZOO_TICK_TIME: String(settings.tickTime),
    ZOO_4LW_COMMANDS_WHITELIST: '*',
    ZOO_ADMINSERVER_ENABLED: 'false',
    JVMFLAGS: jvmFlags.join(' '),
    // The image appends ZOO_CFG_EXTRA to zoo.cfg, space separated.
    ZOO_CFG_EXTRA: extra.map(([key, value]) => `${key}=${value}`).join(' '),
  };
}

async function waitServing(port: number, timeoutMs: number, logTail: () => string): Promise<void> {
  await waitUntil(
    async () =>
      (await fourLetterWord(port, 'ruok')) === 'imok' &&
      serverMode(await fourLetterWord(port, 'srvr')) === 'standalone' &&
      (await canConnect(port)),
    {
      timeoutMs,
      intervalMs: 200,
      describeFailure: () =>
        `ZooKeeper container on ${LOOPBACK}:${port} did not serve within ${timeoutMs} ms\n${logTail()}`,
    },
  );
}

/** Starts a `zookeeper:3.8` container and waits until it serves. */
export async function startDockerZooKeeper(settings: DockerServerSettings): Promise<DockerServer> {
  const { GenericContainer } = await import('testcontainers');
  // hostConfig is protected: a subclass is testcontainers' sanctioned way to bind the
  // published port to the loopback address only.
  class LoopbackContainer extends GenericContainer {
    publishOnLoopback(containerPort: number, hostPort: number): this {
      this.withExposedPorts({ container: containerPort, host: hostPort });
      this.hostConfig.PortBindings = {
        ...this.hostConfig.PortBindings,
        // Same key withExposedPorts used, so this replaces its all-interfaces binding.
        [String(containerPort)]: [{ HostIp: LOOPBACK, HostPort: String(hostPort) }],
      };
      return this;
    }
  }
  const port = await freePort();
  let log = '';
  const container: StartedTestContainer = await new LoopbackContainer(DOCKER_ZOOKEEPER_IMAGE)
    .publishOnLoopback(CLIENT_PORT, port)
    .withEnvironment(environmentFor(settings))
    .withStartupTimeout(settings.startTimeoutMs)
    .withLogConsumer((stream) => {
      stream.on('data', (line: Buffer | string) => {
        log = `${log}${String(line)}`.slice(-LOG_CHARACTERS_MAX);
      });
    })
    .start();
  const logTail = (): string => log;
  await waitServing(port, settings.startTimeoutMs, logTail);
  return {
    port,
    logTail,
    async restart() {
      await container.restart();
      await waitServing(port, settings.startTimeoutMs, logTail);
    },
    async stop() {
      await container.stop();
    },
  };
}

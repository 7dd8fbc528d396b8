/**
 * `zookit server`: runs the bundled server in the foreground until SIGTERM/SIGINT — standalone,
 * or as a ZAB ensemble member when zoo.cfg has `server.N=host:quorumPort:electionPort` lines.
 * Flags override a zoo.cfg given with `--config`; without one, the defaults are
 * 127.0.0.1:2181-style flags plus Apache's defaults.
 */
import { cliConfigOverrides, parseServerArgs } from '../cli-args';
import { ConfigError, configFromOptions, loadConfigFile, type ServerConfig } from '../config';
import { startEnsembleMember } from '../quorum/quorum-mode';
import { type ServerLogger, ZooKeeperServer } from '../runtime/zookeeper-server';

const consoleLogger: ServerLogger = {
  info: (message) => process.stdout.write(`zookit: ${message}\n`),
  warn: (message) => process.stderr.write(`zookit: warning: ${message}\n`),
  error: (message) => process.stderr.write(`zookit: error: ${message}\n`),
};

export async function serverCommand(argv: string[]): Promise<number> {
  const parsed = parseServerArgs(argv);
  if (parsed.type === 'help') {
    process.stdout.write(`${parsed.usage}\n`);
    return 0;
  }
  if (parsed.type === 'error') {
    process.stderr.write(`zookit server: ${parsed.error.message}\n${parsed.error.usage}\n`);
    return 2;
  }
  const { options } = parsed;
  let config: ServerConfig;
  try {
    const overrides = cliConfigOverrides(options);
    if (options.configPath !== undefined) {
      const loaded = await loadConfigFile(options.configPath, { overrides, inMemory: options.inMemory });
      for (const warning of loaded.warnings) consoleLogger.warn(`${warning.key}: ${warning.message}`);
      config = loaded.config;
    } else {
      config = configFromOptions({ ...overrides, ...(options.inMemory ? { dataDir: undefined } : {}) });
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`zookit server: bad configuration: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  // server.N lines with two or more participants (or standaloneEnabled=false): a ZAB member.
  const server = config.distributed
    ? await startEnsembleMember({ config, logger: consoleLogger })
    : await ZooKeeperServer.start({ config, logger: consoleLogger });
  if (config.distributed) {
    const own = config.servers.find((spec) => spec.id === config.serverId);
    consoleLogger.info(
      `ensemble member ${config.serverId} (${config.peerType}) of ${config.servers.length}, peers on ${own?.host}:${own?.quorumPort}:${own?.electionPort}`,
    );
  }
  consoleLogger.info(`data dir: ${config.dataDir ?? '(in memory)'}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      consoleLogger.info(`${signal}: shutting down`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await server.close();
  consoleLogger.info('stopped');
  return 0;
}

/** zookit/server: the ZooKeeper-compatible server, standalone (a ZAB ensemble comes later). */
export {
  ConfigError,
  configFromOptions,
  loadConfigFile,
  parseConfig,
  type ServerConfig,
  type ServerConfigOptions,
} from './config';
export { SERVER_VERSION } from './runtime/four-letter-word-host';
export { type ServerLogger, ZooKeeperServer, type ZooKeeperServerOptions } from './runtime/zookeeper-server';

/** zookit/server: the ZooKeeper-compatible server, standalone or as a ZAB ensemble member. */
export {
  ConfigError,
  configFromOptions,
  loadConfigFile,
  parseConfig,
  type ServerConfig,
  type ServerConfigOptions,
} from './config';
export {
  type EnsembleMemberOptions,
  type QuorumModeOptions,
  quorumMode,
  startEnsembleMember,
} from './quorum/quorum-mode';
export { SERVER_VERSION } from './runtime/four-letter-word-host';
export type { ServerRuntimeMode, TxnPipeline } from './runtime/txn-pipeline';
export { type ServerLogger, ZooKeeperServer, type ZooKeeperServerOptions } from './runtime/zookeeper-server';

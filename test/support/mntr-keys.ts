/**
 * The `mntr` keys that tools read and that both Apache ZooKeeper 3.8 and zookit print
 * (Apache prints hundreds more); conformance and interop tests compare on these.
 */
export const MNTR_CORE_KEYS: readonly string[] = [
  'zk_version',
  'zk_server_state',
  'zk_avg_latency',
  'zk_max_latency',
  'zk_min_latency',
  'zk_packets_received',
  'zk_packets_sent',
  'zk_num_alive_connections',
  'zk_outstanding_requests',
  'zk_znode_count',
  'zk_watch_count',
  'zk_ephemerals_count',
  'zk_approximate_data_size',
  'zk_uptime',
  'zk_global_sessions',
  'zk_local_sessions',
];

/** zookit/server: the ZooKeeper-compatible server, standalone or as a ZAB ensemble. */
export const SERVER_API_VERSION = 1;

/** zookit/testing: in-process servers and ensembles, fault hooks and a TCP fault proxy for tests. */
export { FaultProxy } from './fault-proxy';
export { type ClusterMember, TestingCluster, type TestingClusterOptions } from './testing-cluster';
export { TestingServer, type TestingServerOptions, type TestingSession } from './testing-server';

/** zookit/testing: in-process servers, fault hooks and a TCP fault proxy for tests. */
export { FaultProxy } from './fault-proxy';
export { TestingServer, type TestingServerOptions, type TestingSession } from './testing-server';

/** zookit/testing: in-process servers, fault hooks and a TCP fault proxy for tests. */
export const TESTING_API_VERSION = 1;

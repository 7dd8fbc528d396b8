import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A ceiling, not a budget: tests bound their own waits; this only decides how late a hung
    // test fails. Apache-backed fault tests restart JVMs and expire sessions from outside.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration suites start real servers (Apache ZooKeeper's JVM, ours); two cores.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default'],
  },
});

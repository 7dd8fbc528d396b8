/**
 * zookit/recipes: coordination recipes built on the public client API (locks, leader
 * election, naming, caches, membership, barriers, queues, counters). Names follow Curator.
 * Each family exports itself from `recipes/<family>/index.ts`; this file re-exports them.
 */
export const RECIPES_API_VERSION = 1;

export * from './barrier/index';
export * from './cache/index';
export * from './config/index';
export * from './counter/index';
export * from './leader/index';
export * from './lock/index';
export * from './membership/index';
export * from './naming/index';
export * from './queue/index';
export * from './recipe-state';

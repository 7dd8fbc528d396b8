/**
 * zookit/recipes: coordination recipes built on the public client API (locks, leader
 * election, naming, caches, membership, barriers, queues, counters). Names follow Curator.
 */
export const RECIPES_API_VERSION = 1;

export * from './leader/index';
export * from './lock/index';
export * from './recipe-state';

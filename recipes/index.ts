/**
 * zookit/recipes: coordination recipes built on the public client API (locks, leader
 * election, naming, caches, membership, barriers, queues, counters).
 */
export const RECIPES_API_VERSION = 1;

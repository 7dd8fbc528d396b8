/**
 * `zookit/recipes` exports every family: the entry (recipes/index.ts) re-exports each
 * family's index, and the package maps `./recipes` to the bundle built from that entry.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as recipes from '../../../recipes/index';

/** Every public class, by family (Curator's names where Curator has the recipe). */
const CLASSES_BY_FAMILY = {
  lock: [
    'InterProcessMutex',
    'InterProcessSemaphoreMutex',
    'InterProcessReadWriteLock',
    'InterProcessSemaphoreV2',
    'InterProcessMultiLock',
    'LockHandle',
    'CompositeHandle',
  ],
  leader: ['LeaderLatch', 'LeaderSelector', 'LeaderScheduledJob'],
  cache: ['CuratorCache', 'NodeCache', 'InMemoryCacheStorage'],
  config: ['ConfigSubscription', 'ConfigParseError'],
  naming: ['SequentialIdGenerator', 'NameRegistry', 'NameTakenError'],
  membership: ['GroupMember', 'ServiceRegistry', 'EphemeralNode'],
  barrier: ['DistributedBarrier', 'DistributedDoubleBarrier', 'BarrierMemberLostError'],
  queue: ['DistributedQueue', 'SimpleDistributedQueue', 'NoSuchElementError', 'QueueTimeoutError'],
  counter: ['SharedCount', 'DistributedAtomicLong', 'CounterFormatError'],
  state: ['RecipeLifecycle', 'RecipeStateError', 'OwnershipSignal', 'OwnershipLostError'],
} as const;

describe('recipes: exports', () => {
  for (const [family, names] of Object.entries(CLASSES_BY_FAMILY)) {
    it(`recipes/index.ts exports the ${family} family`, () => {
      const exported = recipes as Record<string, unknown>;
      const missing = names.filter((name) => typeof exported[name] !== 'function');
      expect(missing).toEqual([]);
      // Classes, not stray values: each has a prototype of its own name.
      for (const name of names) expect((exported[name] as { name: string }).name).toBe(name);
    });
  }

  it('exports the policy and state tables and the pure decisions', () => {
    expect(recipes.ConnectionStateErrorPolicy).toEqual({ standard: 'standard', session: 'session' });
    expect(recipes.RecipeState).toEqual({ LATENT: 'LATENT', STARTED: 'STARTED', CLOSED: 'CLOSED' });
    expect(recipes.lockDecision(['lock-0000000001'], 'lock-0000000001', 1)).toEqual({ acquired: true });
    expect(recipes.LockNames.mutex).toBe('lock-');
  });

  it('the package maps zookit/recipes to the bundle of recipes/index.ts', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
      exports: Record<string, { import?: { default?: string }; require?: { default?: string } }>;
    };
    expect(manifest.exports['./recipes']?.import?.default).toBe('./dist/recipes.js');
    expect(manifest.exports['./recipes']?.require?.default).toBe('./dist/recipes.cjs');
    expect(readFileSync('tsup.config.ts', 'utf8')).toMatch(/recipes: 'recipes\/index\.ts'/);
  });
});

/**
 * Issue 5's benchmark (lock handoff, leader failover, cache propagation).
 */
import type { BenchServer } from './servers';
import type { LoadWorker } from './worker-pool';

/** Runs the recipe benchmark, or says why it cannot run yet. */
export async function runRecipesBench(
  _quick: boolean,
  _started: { servers: BenchServer[]; workers: LoadWorker[] },
  log: (line: string) => void,
): Promise<void> {
  log('recipes benchmark: not available yet');
  console.log('\n## Recipes\n\nnot available yet');
}

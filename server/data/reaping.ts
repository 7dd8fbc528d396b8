/**
 * Container and TTL reaping decisions (Apache's `ContainerManager.getCandidates`), as a
 * pure function of the tree and the wall clock. The runtime turns each path into a
 * `deleteContainer` (20) write, at most `maxPerMinute` a minute.
 */
import { assert } from '../../src/util/assert';
import { type DataTree, EphemeralKind, ephemeralKindOf, ttlOfEphemeralOwner } from './data-tree';

/** Reaping settings (`znode.container.*`). */
export interface ReapOptions {
  /**
   * `znode.container.maxNeverUsedIntervalMs`: a container that never had a child is reaped
   * once its mtime is older than this; 0 = never (Apache 3.8/3.9 default).
   */
  maxNeverUsedIntervalMs: number;
  /** At most this many candidates returned (the per-run budget). */
  limit: number;
}

/** Apache 3.8 defaults, with the per-minute cap as the budget. */
export const defaultReapOptions: ReapOptions = { maxNeverUsedIntervalMs: 0, limit: 10_000 };

/**
 * Paths to delete at wall-clock `nowMs`: childless containers that have had a child
 * (stored cversion > 0) or were never used for longer than `maxNeverUsedIntervalMs`, and
 * childless TTL nodes whose mtime is older than their TTL.
 */
export function reapCandidates(
  tree: DataTree,
  nowMs: bigint,
  options: ReapOptions = defaultReapOptions,
): string[] {
  assert(options.limit >= 0, 'reap budget is not negative');
  const candidates: string[] = [];
  for (const path of tree.containers) {
    if (candidates.length >= options.limit) return candidates;
    const stored = tree.storedNode(path);
    if (stored === undefined || tree.childSet(path).size > 0) continue;
    const elapsedMs = nowMs - stored.stat.mtime;
    const neverUsedLimit = BigInt(options.maxNeverUsedIntervalMs);
    if (stored.stat.cversion > 0 || (neverUsedLimit !== 0n && elapsedMs > neverUsedLimit))
      candidates.push(path);
  }
  for (const path of tree.ttlNodes) {
    if (candidates.length >= options.limit) return candidates;
    const stored = tree.storedNode(path);
    if (stored === undefined || tree.childSet(path).size > 0) continue;
    if (ephemeralKindOf(stored.stat.ephemeralOwner) !== EphemeralKind.ttl) continue;
    const ttlMs = ttlOfEphemeralOwner(stored.stat.ephemeralOwner);
    if (ttlMs !== 0n && nowMs - stored.stat.mtime > ttlMs) candidates.push(path);
  }
  return candidates;
}

/**
 * The cache's decisions, as pure functions: which event a fresh read of a node means
 * against what the cache holds, which stored nodes a rebuild found gone, and which paths a
 * cache covers. Unit-tested without a server.
 */
import type { Stat } from '../../src/index';
import { assert } from '../../src/util/assert';
import type { ChildData } from './cache-storage';

/** The three cache events (Curator's `CuratorCacheListener.Type`). */
export const CacheEventType = {
  NODE_CREATED: 'NODE_CREATED',
  NODE_CHANGED: 'NODE_CHANGED',
  NODE_DELETED: 'NODE_DELETED',
} as const;
/** One of {@link CacheEventType}. */
export type CacheEventType = (typeof CacheEventType)[keyof typeof CacheEventType];

/**
 * True when `next` is a different version of the node than `previous`: another creation
 * (czxid) or another modification (mzxid). Two reads of one version are equal, so a refresh
 * that finds nothing new emits nothing. Children changes (pzxid) are not data changes.
 */
export function isNewVersion(previous: Stat, next: Stat): boolean {
  return previous.czxid !== next.czxid || previous.mzxid !== next.mzxid;
}

/**
 * The event a fresh read means: `NODE_CREATED` for a node the cache did not hold,
 * `NODE_CHANGED` for a new version, `undefined` for the version already held.
 */
export function eventForRead(previous: ChildData | undefined, next: ChildData): CacheEventType | undefined {
  assert(previous === undefined || previous.path === next.path, 'a read is compared with the same path');
  if (previous === undefined) return CacheEventType.NODE_CREATED;
  return isNewVersion(previous.stat, next.stat) ? CacheEventType.NODE_CHANGED : undefined;
}

/** True if `path` is `root` or below it. */
export function isAtOrBelow(root: string, path: string): boolean {
  if (path === root) return true;
  const prefix = root === '/' ? '/' : `${root}/`;
  return path.startsWith(prefix);
}

/** How deep `path` is below `root` (0 for the root itself). */
export function depthBelow(root: string, path: string): number {
  assert(isAtOrBelow(root, path), 'depthBelow needs a path at or below the root');
  if (path === root) return 0;
  const rest = root === '/' ? path.slice(1) : path.slice(root.length + 1);
  return rest.split('/').length;
}

/**
 * The stored paths a rebuild did not see, deepest first (children before their parent, as
 * ZooKeeper itself deletes them), then by path for a stable order.
 */
export function pathsGone(storedPaths: Iterable<string>, seenPaths: ReadonlySet<string>): string[] {
  const gone = [...storedPaths].filter((path) => !seenPaths.has(path));
  gone.sort((left, right) => {
    const byDepth = right.split('/').length - left.split('/').length;
    if (byDepth !== 0) return byDepth;
    return left < right ? -1 : left > right ? 1 : 0;
  });
  return gone;
}

/** The stored paths strictly below `path`, deepest first (what a subtree deletion removes). */
export function descendantsOf(storedPaths: Iterable<string>, path: string): string[] {
  const below = [...storedPaths].filter((stored) => stored !== path && isAtOrBelow(path, stored));
  return pathsGone(below, new Set());
}

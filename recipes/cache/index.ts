/** Caches: {@link CuratorCache} (subtree), {@link NodeCache} (one node) and their storage. */
export {
  CacheEventType,
  depthBelow,
  descendantsOf,
  eventForRead,
  isAtOrBelow,
  isNewVersion,
  pathsGone,
} from './cache-diff';
export { type CacheStorage, type ChildData, InMemoryCacheStorage } from './cache-storage';
export {
  type CacheWatchMode,
  CuratorCache,
  type CuratorCacheEvents,
  type CuratorCacheOptions,
  isUnsupportedWatch,
} from './curator-cache';
export { NodeCache, type NodeCacheEvents, type NodeCacheOptions } from './node-cache';
export { AsyncChannel } from './waiting';

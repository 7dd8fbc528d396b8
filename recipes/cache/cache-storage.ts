/**
 * Where a cache keeps its nodes. {@link CacheStorage} is the interface (Curator's
 * `CuratorCacheStorage`), so an application can keep a cache somewhere else, and
 * {@link InMemoryCacheStorage} is the default: a `Map` from path to {@link ChildData}.
 */
import type { Stat } from '../../src/index';

/** One cached node: its path, bytes and Stat (Curator's `ChildData`). */
export interface ChildData {
  readonly path: string;
  readonly data: Buffer;
  readonly stat: Stat;
}

/** A cache's node store. Paths are the client's (chroot stripped). */
export interface CacheStorage {
  /** Stores `node`; returns what was stored at its path before. */
  put(node: ChildData): ChildData | undefined;
  /** Removes `path`; returns what was stored there. */
  remove(path: string): ChildData | undefined;
  /** The node at `path`. */
  get(path: string): ChildData | undefined;
  /** Every stored node (any order). */
  values(): IterableIterator<ChildData>;
  /** How many nodes are stored. */
  readonly size: number;
  /** Forgets everything. */
  clear(): void;
}

/** The default {@link CacheStorage}: a `Map`. */
export class InMemoryCacheStorage implements CacheStorage {
  private readonly nodes = new Map<string, ChildData>();

  /** See {@link CacheStorage.put}. */
  put(node: ChildData): ChildData | undefined {
    const previous = this.nodes.get(node.path);
    this.nodes.set(node.path, node);
    return previous;
  }

  /** See {@link CacheStorage.remove}. */
  remove(path: string): ChildData | undefined {
    const previous = this.nodes.get(path);
    this.nodes.delete(path);
    return previous;
  }

  /** See {@link CacheStorage.get}. */
  get(path: string): ChildData | undefined {
    return this.nodes.get(path);
  }

  /** See {@link CacheStorage.values}. */
  values(): IterableIterator<ChildData> {
    return this.nodes.values();
  }

  /** See {@link CacheStorage.size}. */
  get size(): number {
    return this.nodes.size;
  }

  /** See {@link CacheStorage.clear}. */
  clear(): void {
    this.nodes.clear();
  }
}

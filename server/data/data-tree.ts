/**
 * The znode tree (Apache's `DataTree`): nodes, the exact Stat semantics of protocol.md §6,
 * per-session ephemerals, containers and TTL nodes, and the mutations APPLY performs. Every
 * mutation is deterministic (zxid and time come from the TxnHeader) and tolerant of replay:
 * re-applying a txn whose effect is already present leaves the tree as it was, as Apache's
 * fuzzy-snapshot recovery requires. Mutations report the watch triggers they fire.
 */
import { CONTAINER_EPHEMERAL_OWNER, EventType, Limits, Perms } from '../../src/protocol/constants';
import type { Acl, Stat } from '../../src/protocol/data';
import { ErrorCode } from '../../src/protocol/errors';
import { assert } from '../../src/util/assert';
import { AclCache, OPEN_ACL_KEY } from './acl-cache';
import { NodeColumns, type StatPersisted } from './node-columns';

export type { StatPersisted } from './node-columns';

/** The system paths every tree starts with; none of them can be deleted. */
export const SystemPath = {
  root: '/',
  zookeeper: '/zookeeper',
  quota: '/zookeeper/quota',
  config: '/zookeeper/config',
} as const;

const SYSTEM_PATHS: ReadonlySet<string> = new Set(Object.values(SystemPath));

/** True for `/`, `/zookeeper`, `/zookeeper/quota`, `/zookeeper/config` (Apache's isSpecialPath). */
export function isSystemPath(path: string): boolean {
  return SYSTEM_PATHS.has(path);
}

/** What an `ephemeralOwner` value stands for (Apache's `EphemeralType`). */
export const EphemeralKind = { none: 0, normal: 1, container: 2, ttl: 3 } as const;
export type EphemeralKind = (typeof EphemeralKind)[keyof typeof EphemeralKind];

const TTL_HIGH_BYTE = 0xffn << 56n;

/** Classifies a stored `ephemeralOwner`. */
export function ephemeralKindOf(owner: bigint): EphemeralKind {
  if (owner === 0n) return EphemeralKind.none;
  if (owner === CONTAINER_EPHEMERAL_OWNER) return EphemeralKind.container;
  if (BigInt.asUintN(64, owner) >> 56n === 0xffn) return EphemeralKind.ttl;
  return EphemeralKind.normal;
}

/** The stored `ephemeralOwner` of a TTL node: `0xFF00000000000000 | ttlMs`, as int64. */
export function ttlEphemeralOwner(ttlMs: bigint): bigint {
  assert(ttlMs > 0n && ttlMs <= BigInt(Limits.ttlMsMax), 'TTL within 1..2^40-1 ms');
  return BigInt.asIntN(64, TTL_HIGH_BYTE | ttlMs);
}

/** The TTL in ms of a TTL node's stored `ephemeralOwner`. */
export function ttlOfEphemeralOwner(owner: bigint): bigint {
  assert(ephemeralKindOf(owner) === EphemeralKind.ttl, 'owner is a TTL marker');
  return BigInt.asUintN(64, owner) & BigInt(Limits.ttlMsMax);
}

/** `ephemeralOwner` as clients see it: 0 for containers and TTL nodes (DataNode.copyStat). */
export function clientEphemeralOwner(owner: bigint): bigint {
  return ephemeralKindOf(owner) === EphemeralKind.normal ? owner : 0n;
}

/** A watch trigger fired by a mutation; the watch table turns it into notifications. */
export interface WatchTrigger {
  type: EventType;
  path: string;
  zxid: bigint;
  /** ACL of the node whose READ permission gates delivery (the parent for NodeChildrenChanged). */
  acl: readonly Acl[];
}

/** A node as PREP sees it: stored stat, ACL and child count (PREP never needs its data). */
export interface NodeRecord {
  stat: StatPersisted;
  acl: readonly Acl[];
  numChildren: number;
}

/** A fresh StatPersisted for a node created by txn (`zxid`, `time`). */
export function createStat(zxid: bigint, time: bigint, ephemeralOwner: bigint): StatPersisted {
  return {
    czxid: zxid,
    mzxid: zxid,
    ctime: time,
    mtime: time,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner,
    pzxid: zxid,
  };
}

const ZERO_STAT: StatPersisted = createStat(0n, 0n, 0n);

/** Splits an absolute path into parent and child name (`/a` → `/`, `a`). */
export function splitPath(path: string): { parent: string; name: string } {
  const slash = path.lastIndexOf('/');
  assert(slash >= 0, 'absolute path has a slash');
  return { parent: slash === 0 ? '/' : path.slice(0, slash), name: path.slice(slash + 1) };
}

/** The znode tree. */
export class DataTree {
  readonly aclCache = new AclCache();
  private readonly slots = new Map<string, number>();
  private readonly columns = new NodeColumns();
  private readonly ephemerals = new Map<bigint, Set<string>>();
  private readonly containerPaths = new Set<string>();
  private readonly ttlPaths = new Set<string>();
  private dataBytes = 0;

  /**
   * A tree holding the system nodes exactly as Apache creates them (all-zero stats, open
   * ACL, `/zookeeper/config` world READ with aversion -1). `systemNodes: false` gives an
   * empty tree for loading a snapshot into.
   */
  constructor(options: { systemNodes?: boolean } = {}) {
    if (options.systemNodes === false) return;
    this.addSystemNode(SystemPath.root, OPEN_ACL_KEY);
    this.addSystemNode(SystemPath.zookeeper, OPEN_ACL_KEY);
    this.addSystemNode(SystemPath.quota, OPEN_ACL_KEY);
    // Apache sets the config node's ACL with setACL(..., version -1), so its aversion is -1.
    const configAcl = this.aclCache.acquire([{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }]);
    this.addSystemNode(SystemPath.config, configAcl);
    const config = this.slotOf(SystemPath.config);
    assert(config !== undefined, 'config node exists');
    this.columns.aversion[config] = -1;
  }

  private addSystemNode(path: string, aclKey: number): void {
    const slot = this.columns.allocate(ZERO_STAT, aclKey, Buffer.alloc(0));
    this.slots.set(path, slot);
    if (path !== SystemPath.root) this.addChildName(splitPath(path).parent, splitPath(path).name);
  }

  private addChildName(parentPath: string, name: string): void {
    const parent = this.slotOf(parentPath);
    assert(parent !== undefined, `parent ${parentPath} exists`);
    this.addChildNameAt(parent, name);
  }

  /** Adds `name` to the children of the node at slot `parent` (when the caller already holds the slot). */
  private addChildNameAt(parent: number, name: string): void {
    let children = this.columns.children[parent];
    if (children === undefined) {
      children = new Set();
      this.columns.children[parent] = children;
    }
    children.add(name);
  }

  private slotOf(path: string): number | undefined {
    return this.slots.get(path === '' ? '/' : path);
  }

  /** Number of znodes, system nodes included (Apache's `Node count`). */
  get nodeCount(): number {
    return this.slots.size;
  }

  /** Sum of path lengths and data lengths (Apache's approximate data size). */
  get approximateDataSize(): number {
    return this.dataBytes;
  }

  /** True if a node exists at `path`. */
  has(path: string): boolean {
    return this.slotOf(path) !== undefined;
  }

  /** The node as PREP sees it, or `undefined`. */
  node(path: string): NodeRecord | undefined {
    const slot = this.slotOf(path);
    if (slot === undefined) return undefined;
    return {
      stat: this.columns.readStat(slot),
      acl: this.aclCache.get(this.columns.aclKey[slot] ?? OPEN_ACL_KEY),
      numChildren: this.columns.childCount(slot),
    };
  }

  /** The client-visible Stat (cversion trap, masked ephemeralOwner), or `undefined`. */
  stat(path: string): Stat | undefined {
    const slot = this.slotOf(path);
    return slot === undefined ? undefined : this.statAt(slot);
  }

  private statAt(slot: number): Stat {
    const stored = this.columns.readStat(slot);
    const numChildren = this.columns.childCount(slot);
    return {
      czxid: stored.czxid,
      mzxid: stored.mzxid,
      ctime: stored.ctime,
      mtime: stored.mtime,
      version: stored.version,
      // Stored cversion counts creations; clients see creations + deletions.
      cversion: (stored.cversion * 2 - numChildren) | 0,
      aversion: stored.aversion,
      ephemeralOwner: clientEphemeralOwner(stored.ephemeralOwner),
      dataLength: this.columns.dataLength(slot),
      numChildren,
      pzxid: stored.pzxid,
    };
  }

  /** The node's data (`null` for null data), or `undefined` when missing. */
  data(path: string): Buffer | null | undefined {
    const slot = this.slotOf(path);
    return slot === undefined ? undefined : this.columns.readData(slot);
  }

  /** The node's ACL list (shared, frozen), or `undefined`. */
  acl(path: string): readonly Acl[] | undefined {
    const slot = this.slotOf(path);
    return slot === undefined ? undefined : this.aclCache.get(this.columns.aclKey[slot] ?? OPEN_ACL_KEY);
  }

  /** The node's ACL key in the ACL cache, or `undefined`. */
  aclKey(path: string): number | undefined {
    const slot = this.slotOf(path);
    return slot === undefined ? undefined : this.columns.aclKey[slot];
  }

  /** The child names (unordered, as Apache), or `undefined` when the node is missing. */
  children(path: string): string[] | undefined {
    const slot = this.slotOf(path);
    if (slot === undefined) return undefined;
    return [...(this.columns.children[slot] ?? [])];
  }

  /** Live view of the child-name set (empty when none); for walking without copying. */
  childSet(path: string): ReadonlySet<string> {
    const slot = this.slotOf(path);
    return (slot === undefined ? undefined : this.columns.children[slot]) ?? EMPTY_SET;
  }

  /** Number of descendants of `path` (not counting itself); `/` counts every other node. */
  allChildrenNumber(path: string): number {
    if (path === '/' || path === '') return this.slots.size - 1;
    let count = 0;
    const stack = [path];
    for (let guard = 0; stack.length > 0; guard++) {
      assert(guard <= this.slots.size, 'descendant walk visits each node once');
      const current = stack.pop() as string;
      for (const name of this.childSet(current)) {
        count += 1;
        stack.push(`${current}/${name}`);
      }
    }
    return count;
  }

  /** The session's ephemeral paths (a copy, insertion order). */
  ephemeralsOf(sessionId: bigint): string[] {
    return [...(this.ephemerals.get(sessionId) ?? [])];
  }

  /** getEphemerals: this session's ephemerals starting with `prefix` (blank or `/` = all). */
  getEphemerals(sessionId: bigint, prefix: string | null): string[] {
    const all = this.ephemeralsOf(sessionId);
    const trimmed = prefix?.trim() ?? '';
    if (trimmed === '' || trimmed === '/') return all;
    return all.filter((path) => path.startsWith(prefix as string));
  }

  /** Every session holding ephemerals and their paths (for the `dump` four-letter word). */
  ephemeralSessions(): ReadonlyMap<bigint, ReadonlySet<string>> {
    return this.ephemerals;
  }

  /** Total number of ephemeral nodes. */
  get ephemeralCount(): number {
    let count = 0;
    for (const paths of this.ephemerals.values()) count += paths.size;
    return count;
  }

  /** Paths of container nodes. */
  get containers(): ReadonlySet<string> {
    return this.containerPaths;
  }

  /** Paths of TTL nodes. */
  get ttlNodes(): ReadonlySet<string> {
    return this.ttlPaths;
  }

  /**
   * Creates a node (Apache's `createNode`). `parentCVersion` is the parent's new stored
   * cversion from the txn (-1: current + 1); the parent's cversion and pzxid only move
   * forward, so a replayed create after a fuzzy snapshot cannot move them back. Returns
   * NONODE / NODEEXISTS (with the parent still adjusted, as Apache's replay fix-up) or OK.
   */
  createNode(
    path: string,
    data: Buffer | null,
    acl: readonly Acl[],
    ephemeralOwner: bigint,
    parentCVersion: number,
    zxid: bigint,
    time: bigint,
    triggers: WatchTrigger[],
  ): number {
    assert(path.startsWith('/') && path !== '/', 'create path is absolute and not the root');
    const { parent: parentPath, name } = splitPath(path);
    const parent = this.slotOf(parentPath);
    if (parent === undefined) return ErrorCode.NONODE;
    if (this.slots.has(path)) {
      this.setCversionPzxid(parentPath, parentCVersion, zxid);
      return ErrorCode.NODEEXISTS;
    }
    const aclKey = this.aclCache.acquire(acl);
    this.advanceParent(parent, parentCVersion, zxid);
    const slot = this.columns.allocate(createStat(zxid, time, ephemeralOwner), aclKey, data);
    this.slots.set(path, slot);
    this.addChildNameAt(parent, name);
    this.dataBytes += path.length + (data?.length ?? 0);
    this.track(path, ephemeralOwner);
    triggers.push({ type: EventType.NodeCreated, path, zxid, acl: this.aclCache.get(aclKey) });
    triggers.push({
      type: EventType.NodeChildrenChanged,
      path: parentPath,
      zxid,
      acl: this.aclCache.get(this.columns.aclKey[parent] ?? OPEN_ACL_KEY),
    });
    return ErrorCode.OK;
  }

  private advanceParent(parent: number, parentCVersion: number, zxid: bigint): void {
    const current = this.columns.cversion[parent] ?? 0;
    const next = parentCVersion === -1 ? (current + 1) | 0 : parentCVersion;
    if (next > current) {
      this.columns.cversion[parent] = next;
      this.columns.pzxid[parent] = zxid;
    }
  }

  /** Sets a parent's stored cversion/pzxid if `cversion` is newer (Apache's setCversionPzxid). */
  setCversionPzxid(path: string, cversion: number, zxid: bigint): number {
    const slot = this.slotOf(path);
    if (slot === undefined) return ErrorCode.NONODE;
    this.advanceParent(slot, cversion, zxid);
    return ErrorCode.OK;
  }

  private track(path: string, owner: bigint): void {
    const kind = ephemeralKindOf(owner);
    if (kind === EphemeralKind.container) this.containerPaths.add(path);
    else if (kind === EphemeralKind.ttl) this.ttlPaths.add(path);
    else if (kind === EphemeralKind.normal) {
      let paths = this.ephemerals.get(owner);
      if (paths === undefined) {
        paths = new Set();
        this.ephemerals.set(owner, paths);
      }
      paths.add(path);
    }
  }

  private untrack(path: string, owner: bigint): void {
    const kind = ephemeralKindOf(owner);
    if (kind === EphemeralKind.container) this.containerPaths.delete(path);
    else if (kind === EphemeralKind.ttl) this.ttlPaths.delete(path);
    else if (kind === EphemeralKind.normal) {
      const paths = this.ephemerals.get(owner);
      paths?.delete(path);
      if (paths?.size === 0) this.ephemerals.delete(owner);
    }
  }

  /**
   * Deletes a node (Apache's `deleteNode`). The parent's pzxid moves to `zxid` (only
   * forward) even when the child is already gone, as replay after a fuzzy snapshot needs.
   * Returns NONODE or OK. A node with children is never deleted here (PREP rejects it).
   */
  deleteNode(path: string, zxid: bigint, triggers: WatchTrigger[]): number {
    assert(!isSystemPath(path), 'system nodes are never deleted');
    const { parent: parentPath, name } = splitPath(path);
    const parent = this.slotOf(parentPath);
    if (parent === undefined) return ErrorCode.NONODE;
    const siblings = this.columns.children[parent];
    siblings?.delete(name);
    if (siblings?.size === 0) this.columns.children[parent] = undefined;
    if (zxid > (this.columns.pzxid[parent] ?? 0n)) this.columns.pzxid[parent] = zxid;
    const slot = this.slots.get(path);
    if (slot === undefined) return ErrorCode.NONODE;
    assert(this.columns.childCount(slot) === 0, 'deleted nodes have no children');
    const aclKey = this.columns.aclKey[slot] ?? OPEN_ACL_KEY;
    const acl = this.aclCache.get(aclKey);
    this.untrack(path, this.columns.ephemeralOwner[slot] ?? 0n);
    this.dataBytes -= path.length + this.columns.dataLength(slot);
    this.slots.delete(path);
    this.columns.release(slot);
    this.aclCache.release(aclKey);
    triggers.push({ type: EventType.NodeDeleted, path, zxid, acl });
    triggers.push({
      type: EventType.NodeChildrenChanged,
      path: parentPath,
      zxid,
      acl: this.aclCache.get(this.columns.aclKey[parent] ?? OPEN_ACL_KEY),
    });
    return ErrorCode.OK;
  }

  /** setData: data, version (already incremented by PREP), mzxid, mtime. Returns the new Stat. */
  setData(
    path: string,
    data: Buffer | null,
    version: number,
    zxid: bigint,
    time: bigint,
    triggers: WatchTrigger[],
  ): Stat | undefined {
    const slot = this.slotOf(path);
    if (slot === undefined) return undefined;
    this.dataBytes += (data?.length ?? 0) - this.columns.dataLength(slot);
    this.columns.data[slot] = data === null ? null : data.toString('latin1');
    this.columns.version[slot] = version;
    this.columns.mzxid[slot] = zxid;
    this.columns.mtime[slot] = time;
    const acl = this.aclCache.get(this.columns.aclKey[slot] ?? OPEN_ACL_KEY);
    triggers.push({ type: EventType.NodeDataChanged, path, zxid, acl });
    return this.statAt(slot);
  }

  /** setACL: the new list and aversion; fires no watch. Returns the new Stat. */
  setAcl(path: string, acl: readonly Acl[], version: number): Stat | undefined {
    const slot = this.slotOf(path);
    if (slot === undefined) return undefined;
    const key = this.aclCache.acquire(acl);
    this.aclCache.release(this.columns.aclKey[slot] ?? OPEN_ACL_KEY);
    this.columns.aclKey[slot] = key;
    this.columns.aversion[slot] = version;
    return this.statAt(slot);
  }

  /**
   * Puts a node read from a snapshot in place (pre-order: the parent is already there).
   * Replaces a system node of the same path; restores ephemeral/container/TTL tracking.
   */
  loadNode(path: string, data: Buffer | null, aclKey: number, stat: StatPersisted): void {
    const normalized = path === '' ? '/' : path;
    assert(this.aclCache.has(aclKey), `snapshot node ${normalized} has a known ACL key`);
    const existing = this.slots.get(normalized);
    if (existing !== undefined) {
      this.aclCache.release(this.columns.aclKey[existing] ?? OPEN_ACL_KEY);
      this.aclCache.addReference(aclKey);
      this.dataBytes += (data?.length ?? 0) - this.columns.dataLength(existing);
      this.columns.writeStat(existing, stat);
      this.columns.aclKey[existing] = aclKey;
      this.columns.data[existing] = data === null ? null : data.toString('latin1');
      return;
    }
    assert(normalized === '/' || this.slots.has('/'), 'the snapshot root comes first');
    this.aclCache.addReference(aclKey);
    const slot = this.columns.allocate(stat, aclKey, data);
    this.slots.set(normalized, slot);
    if (normalized !== '/') {
      const { parent, name } = splitPath(normalized);
      assert(this.slots.has(parent), `snapshot parent of ${normalized} comes first`);
      this.addChildName(parent, name);
    }
    // System paths are not counted by the constructor either: a restored tree reports the size the live one did.
    this.dataBytes += (isSystemPath(normalized) ? 0 : normalized.length) + (data?.length ?? 0);
    this.track(normalized, stat.ephemeralOwner);
  }

  /**
   * Every node, parents before their children, as its path and stored fields read when the walk reaches it (for
   * snapshots). This is the path table's insertion order: a child is only added while its parent exists, and a
   * parent can only go after its children, so every live parent entry is older than its children's. The walk needs no
   * path building or lookup per node, and tolerates changes between steps: removed nodes not yet reached are skipped,
   * nodes added meanwhile come at the end.
   */
  *storedNodesParentFirst(): Generator<{
    path: string;
    stat: StatPersisted;
    data: Buffer | null;
    aclKey: number;
  }> {
    for (const [path, slot] of this.slots) {
      yield {
        path,
        stat: this.columns.readStat(slot),
        data: this.columns.readData(slot),
        aclKey: this.columns.aclKey[slot] ?? OPEN_ACL_KEY,
      };
    }
  }

  /**
   * The snapshot encoder's allocation-free view: the live path → slot iterator in the same parent-first order as
   * {@link storedNodesParentFirst} (with the same tolerance of changes between steps), and the node columns to read
   * each slot from at the moment the iterator reaches it. Read-only use: nothing may be written through it.
   */
  snapshotWalk(): { slots: IterableIterator<[string, number]>; columns: NodeColumns } {
    return { slots: this.slots.entries(), columns: this.columns };
  }

  /** The stored stat, data and ACL key of a node, for snapshots and digests. */
  storedNode(path: string): { stat: StatPersisted; data: Buffer | null; aclKey: number } | undefined {
    const slot = this.slotOf(path);
    if (slot === undefined) return undefined;
    return {
      stat: this.columns.readStat(slot),
      data: this.columns.readData(slot),
      aclKey: this.columns.aclKey[slot] ?? OPEN_ACL_KEY,
    };
  }
}

const EMPTY_SET: ReadonlySet<string> = new Set();

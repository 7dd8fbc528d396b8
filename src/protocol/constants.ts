/**
 * The ZooKeeper wire tables: opcodes, special xids, event types, keeper states, create
 * modes, permissions, watch modes. Values are Apache ZooKeeper's (3.9 protocol).
 */

/** Request opcodes (`ZooDefs.OpCode`). */
export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;
export type OpCode = (typeof OpCode)[keyof typeof OpCode];
export type OpName = keyof typeof OpCode;

const opNames = new Map<number, OpName>(Object.entries(OpCode).map(([name, code]) => [code, name as OpName]));
/** The opcode's name, or `op<N>` for an unknown one (for messages and logs). */
export function opName(code: number): string {
  return opNames.get(code) ?? `op${code}`;
}

/** Reserved xids. Ordinary requests use positive xids that wrap back to 1. */
export const Xid = {
  notification: -1,
  ping: -2,
  auth: -4,
  setWatches: -8,
} as const;

/** Watch event types (`Watcher.Event.EventType`). */
export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
  DataWatchRemoved: 5,
  ChildWatchRemoved: 6,
  PersistentWatchRemoved: 7,
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** Session states carried in watcher events (`Watcher.Event.KeeperState`). */
export const KeeperState = {
  Unknown: -1,
  Disconnected: 0,
  NoSyncConnected: 1,
  SyncConnected: 3,
  AuthFailed: 4,
  ConnectedReadOnly: 5,
  SaslAuthenticated: 6,
  Closed: 7,
  Expired: -112,
} as const;
export type KeeperState = (typeof KeeperState)[keyof typeof KeeperState];

/** Create modes, as the `flags` field of a create request. */
export const CreateMode = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const;
/** A create mode's flag value on the wire. */
export type CreateMode = (typeof CreateMode)[keyof typeof CreateMode];

/** True for a valid create-mode flag value. */
export function isCreateMode(flags: number): flags is CreateMode {
  return Number.isInteger(flags) && flags >= 0 && flags <= 6;
}

/** True for the modes that append a 10-digit sequence number to the name. */
export function isSequential(mode: CreateMode): boolean {
  return (
    mode === CreateMode.PERSISTENT_SEQUENTIAL ||
    mode === CreateMode.EPHEMERAL_SEQUENTIAL ||
    mode === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL
  );
}

/** True for the modes whose node dies with the creating session. */
export function isEphemeral(mode: CreateMode): boolean {
  return mode === CreateMode.EPHEMERAL || mode === CreateMode.EPHEMERAL_SEQUENTIAL;
}

/** True for the modes whose node expires `ttl` ms after its last change once it has no children. */
export function isTtl(mode: CreateMode): boolean {
  return mode === CreateMode.PERSISTENT_WITH_TTL || mode === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL;
}

/** ACL permission bits (`ZooDefs.Perms`). */
export const Perms = {
  READ: 1,
  WRITE: 2,
  CREATE: 4,
  DELETE: 8,
  ADMIN: 16,
  ALL: 31,
} as const;
export type Perms = (typeof Perms)[keyof typeof Perms];

/** Modes of the addWatch request. */
export const AddWatchMode = {
  PERSISTENT: 0,
  PERSISTENT_RECURSIVE: 1,
} as const;
export type AddWatchMode = (typeof AddWatchMode)[keyof typeof AddWatchMode];

/** Watcher types of checkWatches/removeWatches. */
export const WatcherType = {
  Children: 1,
  Data: 2,
  Any: 3,
  Persistent: 4,
  PersistentRecursive: 5,
} as const;
export type WatcherType = (typeof WatcherType)[keyof typeof WatcherType];

/** Wire limits and sizes. */
export const Limits = {
  /** `jute.maxbuffer` default: the largest frame either side accepts. */
  packetBytesMax: 0xfffff,
  /** The Java client's SetWatches batch limit, counted as the sum of path lengths. */
  setWatchesBytesMax: 128 * 1024,
  passwordBytes: 16,
  /** Largest TTL a TTL node may carry (40 bits of milliseconds). */
  ttlMsMax: 0xffffffffff,
} as const;

/** `ephemeralOwner` value the server stores for containers. */
export const CONTAINER_EPHEMERAL_OWNER = -0x8000000000000000n;
/** High byte of `ephemeralOwner` the server stores for TTL nodes. */
export const TTL_EPHEMERAL_OWNER_MASK = -0x100000000000000n; // 0xFF00000000000000 as int64

/**
 * The storage contract of the server: a transaction log, snapshots and a small persisted state, behind interfaces
 * so that the on-disk format stays inside `server/storage/` (a later issue may switch to Apache's format) and tests
 * can run on {@link MemoryStorage}-style implementations with no disk at all.
 *
 * Entries are opaque bytes here: another layer encodes `TxnEntry`s; storage only needs each entry's zxid, which
 * must grow strictly from one append to the next.
 */

/** One logged transaction: its zxid and the encoded entry bytes (opaque to storage). */
export interface LoggedTxn {
  readonly zxid: bigint;
  readonly entry: Buffer;
}

/**
 * The transaction log. Appends are group-committed: every append pending when a disk write starts goes into that one
 * write and one fsync, so a burst of N appends costs far fewer than N fsyncs.
 */
export interface TxnLogStore {
  /**
   * Appends one entry. Resolves only after the fsync that covers it (a write must not be acknowledged before), and
   * rejects if that write or fsync fails (the log then refuses every later append: its durable state is unknown).
   * `zxid` must be greater than {@link lastZxid}. Appends resolve in zxid order. `entry` is copied before this
   * returns, so the caller may reuse its buffer.
   */
  append(zxid: bigint, entry: Buffer): Promise<void>;
  /**
   * {@link append} with a callback in place of the promise (the standalone server's per-write path: no promise, no
   * reactions): `done` runs with no argument once the entry is durable, or with the error that makes the log refuse
   * everything. Never synchronously; in zxid order (an `append` covered by the same fsync settles with them).
   */
  appendThen(zxid: bigint, entry: Buffer, done: (error?: Error) => void): void;
  /** Resolves when every append made so far is durable (or rejects as they do). */
  flush(): Promise<void>;
  /** The zxid of the last appended entry, durable or not; 0n for an empty log. */
  readonly lastZxid: bigint;
  /** The zxid of the last entry known to be durable; 0n for an empty log. */
  readonly durableZxid: bigint;
  /**
   * Every durable entry with a zxid ≥ `zxid`, in zxid order (entries appended while iterating may or may not be
   * included). Pass `snapshotZxid + 1n` to replay after a snapshot.
   */
  readFrom(zxid: bigint): AsyncIterable<LoggedTxn>;
  /**
   * Drops every entry with a zxid > `zxid` durably (ZAB's TRUNC). Waits for pending appends first; must not race with
   * new appends.
   */
  truncateAfter(zxid: bigint): Promise<void>;
  /** Makes the next append start a new log segment (done before each snapshot, as Apache does). */
  rollover(): void;
  /**
   * Deletes whole log segments whose entries all have a zxid < `zxid` (never the newest segment); resolves with
   * the first zxids of the deleted segments. Autopurge calls it with `oldestKeptSnapshotZxid + 1n`.
   */
  purgeBefore(zxid: bigint): Promise<bigint[]>;
  /** Counters for tests and `mntr`. */
  readonly stats: LogStats;
  /** Flushes what is pending, then releases the files. Appends after close reject. */
  close(): Promise<void>;
}

/** A chunk stream for a snapshot: the exact chunks given to {@link SnapshotStore.write} come back from `read()`. */
export type SnapshotChunks = AsyncIterable<Buffer> | Iterable<Buffer>;

/** A stored snapshot that passed its integrity check. */
export interface StoredSnapshot {
  /** The last zxid the snapshot reflects; replay log entries after it. */
  readonly zxid: bigint;
  /** Streams the chunks, exactly as written (same boundaries). Throws a typed error if the file changed since. */
  read(): AsyncIterable<Buffer>;
}

/** Snapshots of the data tree, each named by its zxid. */
export interface SnapshotStore {
  /**
   * Stores a snapshot atomically: streams the chunks to a temp file, fsyncs it, renames it into place and fsyncs the
   * directory, so a crash leaves either the whole snapshot or none.
   */
  write(zxid: bigint, chunks: SnapshotChunks): Promise<void>;
  /** The newest snapshot that is intact; a corrupt newer one is skipped with a warning (Apache does the same). */
  latest(): Promise<StoredSnapshot | undefined>;
  /** The zxids of every stored snapshot file (intact or not), newest first. */
  list(): Promise<bigint[]>;
  /** Keeps the `keep` (≥ 1) newest snapshot files and deletes older ones; resolves with the deleted zxids. */
  purge(keep: number): Promise<bigint[]>;
}

/** What a purge removed. */
export interface PurgeResult {
  readonly snapshotsDeleted: readonly bigint[];
  /** First zxids of the deleted log segments. */
  readonly logsDeleted: readonly bigint[];
}

/**
 * A few named values that must survive restarts (ZAB's currentEpoch/acceptedEpoch, the session id seed). Every
 * {@link set} replaces the file atomically (temp + fsync + rename + directory fsync).
 */
export interface StateStore {
  /** The stored value, or undefined if it was never set. */
  get(name: string): bigint | undefined;
  /** Merges `values` into the stored ones and makes them durable before resolving. */
  set(values: Readonly<Record<string, bigint>>): Promise<void>;
}

/** Where the server gets snapshot contents from: called synchronously right after the txn `zxid` was applied. */
export type SnapshotSource = () => { zxid: bigint; chunks: SnapshotChunks };

/** What start-up must load: the newest intact snapshot, then every logged txn after it, in order. */
export interface Recovery {
  readonly snapshot: { readonly zxid: bigint; readonly chunks: AsyncIterable<Buffer> } | undefined;
  readonly txns: AsyncIterable<LoggedTxn>;
}

/** Counters for tests and `mntr`. */
export interface LogStats {
  /** Entries appended since open. */
  readonly appendCount: number;
  /** Disk write batches (each is one write + one fsync). */
  readonly batchCount: number;
  /** fsync calls on log segments. */
  readonly fsyncCount: number;
}

/** Autopurge settings (zoo.cfg `autopurge.snapRetainCount`, `autopurge.purgeInterval`). */
export interface AutopurgeOptions {
  /** Snapshots to keep (Apache's minimum is 3). */
  readonly snapRetainCount: number;
  /** Hours between purges; 0 turns autopurge off. */
  readonly purgeIntervalHours: number;
}

/** Warnings storage reports (a skipped corrupt snapshot, a truncated torn log tail, a slow fsync). */
export interface StorageLogger {
  warn(message: string): void;
}

/**
 * The storage of one server, opened by `openStorage` (files) or `openMemoryStorage` (no disk).
 * Start-up: `recover()` → load the snapshot and replay the txns → `setSnapshotSource()` → serve, calling
 * `txnApplied()` after each applied txn so that snapshots are taken every ~snapCount txns in the background.
 */
export interface Storage {
  readonly log: TxnLogStore;
  readonly snapshots: SnapshotStore;
  readonly state: StateStore;
  /** The newest intact snapshot and the log entries after it. */
  recover(): Promise<Recovery>;
  /** Registers where background snapshots get their contents. */
  setSnapshotSource(source: SnapshotSource): void;
  /**
   * Notes that txn `zxid` was applied to the tree; after ~snapCount of them (Apache's jitter: more than
   * snapCount/2 + rand(0, snapCount/2)) it rolls the log and writes a snapshot in the background, unless one is
   * already being written.
   */
  txnApplied(zxid: bigint): void;
  /** Rolls the log and writes a snapshot from the source now; resolves with its zxid when it is durable. */
  takeSnapshot(): Promise<bigint>;
  /** Resolves when no background snapshot is being written. */
  snapshotIdle(): Promise<void>;
  /** Deletes old snapshots and logs as autopurge would (keeps `keep`, default snapRetainCount). */
  purge(keep?: number): Promise<PurgeResult>;
  /** Stops timers, waits for a running snapshot, closes the log and releases the data dir lock. */
  close(): Promise<void>;
}

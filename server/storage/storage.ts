/**
 * Opening a server's storage: {@link openStorage} (data dir on disk) and {@link openMemoryStorage} (no disk), both
 * returning a {@link Storage} that recovers, schedules background snapshots and autopurges.
 */
import { mkdir } from 'node:fs/promises';
import { assert } from '../../src/util/assert';
import { lockDataDir } from './data-dir-lock';
import { consoleStorageLogger, defaultSyncFile, type SyncFile } from './disk';
import { FileSnapshotStore } from './file-snapshot-store';
import { FileTxnLog, type FileTxnLogOptions } from './file-txn-log';
import { MemoryDisk, MemorySnapshotStore, MemoryStateStore, MemoryTxnLog } from './memory-storage';
import { FileStateStore } from './state-file';
import { DataDirLockedError } from './storage-errors';
import type {
  AutopurgeOptions,
  PurgeResult,
  Recovery,
  SnapshotSource,
  SnapshotStore,
  StateStore,
  Storage,
  StorageLogger,
  TxnLogStore,
} from './types';

/** Apache's defaults: `zookeeper.snapCount` 100 000; autopurge keeps 3 snapshots, off (interval 0). */
export const storageDefaults = {
  snapCount: 100_000,
  autopurge: { snapRetainCount: 3, purgeIntervalHours: 0 },
} as const;

/** Options shared by file and memory storage. */
export interface StoragePolicyOptions {
  /** Snapshot after about this many applied txns (≥ 2; default 100 000). */
  readonly snapCount?: number;
  readonly autopurge?: AutopurgeOptions;
  /** Receives warnings; default: console.warn. */
  readonly logger?: StorageLogger;
  /** The jitter of the snapshot trigger, in [0, 1); default Math.random. `() => 0` snapshots every snapCount txns. */
  readonly random?: () => number;
}

/** Options of {@link openStorage}. */
export interface StorageOptions extends StoragePolicyOptions {
  /** Snapshots, the state file and the lock (zoo.cfg `dataDir`); created if missing. */
  readonly dataDir: string;
  /** The txn log (zoo.cfg `dataLogDir`); default `dataDir`. A separate disk keeps log fsyncs fast. */
  readonly dataLogDir?: string;
  /** The fsync of every file; inject one to count or delay fsyncs in tests. */
  readonly syncFile?: SyncFile;
  /** Segment size, preallocation and batch limits of the log. */
  readonly log?: Omit<FileTxnLogOptions, 'directory' | 'syncFile' | 'logger'>;
}

/** Options of {@link openMemoryStorage}. */
export interface MemoryStorageOptions extends StoragePolicyOptions {
  /** The "disk" to use; pass the one of a closed storage to reopen its data. Default: a new empty one. */
  readonly disk?: MemoryDisk;
}

/** Bounds the wait loop of takeSnapshot; far above any real queue of background snapshots. */
const SNAPSHOT_WAITS_MAX = 1000;

interface StorageParts {
  readonly log: TxnLogStore;
  readonly snapshots: SnapshotStore;
  readonly state: StateStore;
  readonly release: () => Promise<void>;
}

/**
 * Opens the storage of a data dir: takes the data dir lock ({@link DataDirLockedError} if a live process holds it),
 * checks the log (a torn tail is truncated with a warning; other damage is a `StorageCorruptionError` naming the file
 * and offset) and loads the state file. Then call `recover()`.
 */
export async function openStorage(options: StorageOptions): Promise<Storage> {
  const logDir = options.dataLogDir ?? options.dataDir;
  const logger = options.logger ?? consoleStorageLogger;
  const syncFile = options.syncFile ?? defaultSyncFile;
  await mkdir(options.dataDir, { recursive: true });
  await mkdir(logDir, { recursive: true });
  const locks = [await lockDataDir(options.dataDir)];
  const release = async (): Promise<void> => {
    for (const lock of locks) await lock.release();
  };
  try {
    if (logDir !== options.dataDir) locks.push(await lockDataDir(logDir));
    const log = await FileTxnLog.open({ ...options.log, directory: logDir, syncFile, logger });
    const snapshots = await FileSnapshotStore.open({ directory: options.dataDir, syncFile, logger });
    const state = await FileStateStore.open(options.dataDir, syncFile);
    return new StorageEngine({ log, snapshots, state, release }, options, logger);
  } catch (error) {
    await release();
    throw error;
  }
}

/** Opens storage on a {@link MemoryDisk}: same behaviour, no files, no fsync. One open storage per disk. */
export async function openMemoryStorage(options: MemoryStorageOptions = {}): Promise<Storage> {
  const disk = options.disk ?? new MemoryDisk();
  if (disk.inUse) throw new DataDirLockedError('memory', process.pid);
  disk.inUse = true;
  const parts = {
    log: new MemoryTxnLog(disk),
    snapshots: new MemorySnapshotStore(disk),
    state: new MemoryStateStore(disk),
    release: async () => {
      disk.inUse = false;
    },
  };
  return new StorageEngine(parts, options, options.logger ?? consoleStorageLogger);
}

/** Recovery, snapshot scheduling and autopurge over any log/snapshot/state stores. */
class StorageEngine implements Storage {
  readonly log: TxnLogStore;
  readonly snapshots: SnapshotStore;
  readonly state: StateStore;
  private readonly snapCount: number;
  private readonly autopurge: AutopurgeOptions;
  private readonly random: () => number;
  private source: SnapshotSource | undefined;
  private appliedSinceSnapshot = 0;
  private snapshotThreshold: number;
  private snapshotting: Promise<bigint> | undefined;
  private purging: Promise<PurgeResult> | undefined;
  private readonly purgeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly parts: StorageParts,
    options: StoragePolicyOptions,
    private readonly logger: StorageLogger,
  ) {
    this.log = parts.log;
    this.snapshots = parts.snapshots;
    this.state = parts.state;
    this.snapCount = options.snapCount ?? storageDefaults.snapCount;
    this.autopurge = options.autopurge ?? storageDefaults.autopurge;
    this.random = options.random ?? Math.random;
    assert(Number.isInteger(this.snapCount) && this.snapCount >= 2, 'snapCount is an integer ≥ 2');
    assert(this.autopurge.snapRetainCount >= 1, 'autopurge keeps at least one snapshot');
    this.snapshotThreshold = this.nextThreshold();
    const intervalMs = this.autopurge.purgeIntervalHours * 3_600_000;
    if (intervalMs > 0) {
      this.purgeTimer = setInterval(() => this.backgroundPurge(), intervalMs);
      this.purgeTimer.unref();
    }
  }

  async recover(): Promise<Recovery> {
    const latest = await this.snapshots.latest();
    const fromZxid = latest === undefined ? 0n : latest.zxid + 1n;
    const snapshot = latest === undefined ? undefined : { zxid: latest.zxid, chunks: latest.read() };
    return { snapshot, txns: this.log.readFrom(fromZxid) };
  }

  setSnapshotSource(source: SnapshotSource): void {
    this.source = source;
  }

  txnApplied(zxid: bigint): void {
    assert(zxid <= this.log.lastZxid, 'a txn is logged before it is applied');
    this.appliedSinceSnapshot++;
    if (this.appliedSinceSnapshot <= this.snapshotThreshold) return;
    if (this.source === undefined || this.closed) return;
    if (this.snapshotting !== undefined) return; // Apache: "too busy to snap, skipping".
    this.appliedSinceSnapshot = 0;
    this.snapshotThreshold = this.nextThreshold();
    this.startSnapshot().catch((error: unknown) =>
      this.logger.warn(`background snapshot failed: ${String(error)}`),
    );
  }

  async takeSnapshot(): Promise<bigint> {
    // Background snapshots may start while we wait; each wait ends one of them, and they cannot start forever.
    for (let waits = 0; this.snapshotting !== undefined; waits++) {
      assert(waits < SNAPSHOT_WAITS_MAX, 'a running snapshot finishes before takeSnapshot gives up waiting');
      await this.snapshotting.catch(() => undefined);
    }
    return this.startSnapshot();
  }

  /**
   * Synchronously rolls the log and asks the source, so the snapshot's zxid is the txn just applied, then writes it
   * in the background.
   */
  private startSnapshot(): Promise<bigint> {
    const source = this.source;
    assert(source !== undefined, 'setSnapshotSource before taking snapshots');
    assert(this.snapshotting === undefined, 'one snapshot at a time');
    // The log rolls so that every segment older than a snapshot can be purged whole.
    this.log.rollover();
    const { zxid, chunks } = source();
    const writing = this.snapshots.write(zxid, chunks).then(() => zxid);
    this.snapshotting = writing;
    const clear = (): void => {
      if (this.snapshotting === writing) this.snapshotting = undefined;
    };
    writing.then(clear, clear);
    return writing;
  }

  async snapshotIdle(): Promise<void> {
    await this.snapshotting?.catch(() => undefined);
  }

  purge(keep = this.autopurge.snapRetainCount): Promise<PurgeResult> {
    const run = async (): Promise<PurgeResult> => {
      const snapshotsDeleted = await this.snapshots.purge(keep);
      const oldestKept = (await this.snapshots.list()).at(-1);
      // Without a snapshot every log entry is needed to rebuild the tree.
      const logsDeleted = oldestKept === undefined ? [] : await this.log.purgeBefore(oldestKept + 1n);
      return { snapshotsDeleted, logsDeleted };
    };
    const previous = this.purging?.catch(() => undefined) ?? Promise.resolve();
    const purging = previous.then(run);
    this.purging = purging;
    return purging;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.purgeTimer !== undefined) clearInterval(this.purgeTimer);
    await this.snapshotIdle();
    await this.purging?.catch(() => undefined);
    try {
      await this.log.close();
    } finally {
      await this.parts.release();
    }
  }

  private backgroundPurge(): void {
    if (this.closed) return;
    this.purge().catch((error: unknown) => this.logger.warn(`autopurge failed: ${String(error)}`));
  }

  /** Apache's trigger: more than snapCount/2 + rand(0, snapCount/2) txns since the last snapshot. */
  private nextThreshold(): number {
    const half = Math.floor(this.snapCount / 2);
    const jitter = Math.floor(this.random() * (this.snapCount - half));
    return half + jitter;
  }
}

/**
 * Storage with no disk and no fsync, for fast tests (`TestingServer({ inMemory: true })`). It follows the same
 * contracts as the file stores — segments, rollover, truncate, purge — so one test suite runs against both. The
 * data lives in a {@link MemoryDisk}; keep the disk to "restart" a server on the same data.
 */
import { assert } from '../../src/util/assert';
import { StorageUnavailableError } from './storage-errors';
import type {
  LoggedTxn,
  LogStats,
  SnapshotChunks,
  SnapshotStore,
  StateStore,
  StoredSnapshot,
  TxnLogStore,
} from './types';

interface MemorySegment {
  readonly firstZxid: bigint;
  readonly entries: LoggedTxn[];
}

/** What a file-backed data dir would hold, kept in memory; survives close and reopen of the storage. */
export class MemoryDisk {
  /** Log segments, oldest first. */
  readonly segments: MemorySegment[] = [];
  /** Snapshots by zxid: the chunks exactly as written. */
  readonly snapshots = new Map<bigint, Buffer[]>();
  readonly state = new Map<string, bigint>();
  /** True while a storage has this disk open (the in-memory data dir lock). */
  inUse = false;
}

/** The in-memory {@link TxnLogStore}: an append is "durable" as soon as it is stored, on the next microtask. */
export class MemoryTxnLog implements TxnLogStore {
  private rollRequested = true;
  private closed = false;
  private lastAppendedZxid: bigint;
  private readonly counters = { appendCount: 0, batchCount: 0, fsyncCount: 0 };

  constructor(private readonly disk: MemoryDisk) {
    this.lastAppendedZxid = disk.segments.at(-1)?.entries.at(-1)?.zxid ?? 0n;
  }

  get lastZxid(): bigint {
    return this.lastAppendedZxid;
  }

  get durableZxid(): bigint {
    return this.lastAppendedZxid;
  }

  get stats(): LogStats {
    return { ...this.counters };
  }

  append(zxid: bigint, entry: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new StorageUnavailableError('txn log is closed'));
    this.store(zxid, entry);
    return Promise.resolve();
  }

  appendThen(zxid: bigint, entry: Buffer, done: (error?: Error) => void): void {
    if (this.closed) {
      const error = new StorageUnavailableError('txn log is closed');
      queueMicrotask(() => done(error));
      return;
    }
    this.store(zxid, entry);
    queueMicrotask(() => done());
  }

  private store(zxid: bigint, entry: Buffer): void {
    assert(zxid > this.lastAppendedZxid, `zxid ${zxid} grows past ${this.lastAppendedZxid}`);
    let segment = this.disk.segments.at(-1);
    if (segment === undefined || this.rollRequested) {
      segment = { firstZxid: zxid, entries: [] };
      this.disk.segments.push(segment);
      this.rollRequested = false;
    }
    segment.entries.push({ zxid, entry: Buffer.from(entry) });
    this.lastAppendedZxid = zxid;
    this.counters.appendCount++;
    this.counters.batchCount++;
  }

  async flush(): Promise<void> {}

  rollover(): void {
    this.rollRequested = true;
  }

  async *readFrom(zxid: bigint): AsyncIterable<LoggedTxn> {
    const last = this.lastAppendedZxid;
    for (const segment of [...this.disk.segments]) {
      for (const logged of [...segment.entries]) {
        if (logged.zxid > last) return;
        if (logged.zxid >= zxid) yield { zxid: logged.zxid, entry: Buffer.from(logged.entry) };
      }
    }
  }

  async truncateAfter(zxid: bigint): Promise<void> {
    const segments = this.disk.segments;
    while (segments.length > 0 && (segments.at(-1) as MemorySegment).firstZxid > zxid) segments.pop();
    const last = segments.at(-1);
    if (last !== undefined) {
      const keep = last.entries.filter((logged) => logged.zxid <= zxid);
      last.entries.splice(0, last.entries.length, ...keep);
    }
    this.lastAppendedZxid = last?.entries.at(-1)?.zxid ?? 0n;
    this.rollRequested = true;
  }

  async purgeBefore(zxid: bigint): Promise<bigint[]> {
    const deleted: bigint[] = [];
    const segments = this.disk.segments;
    while (segments.length > 1 && (segments[1] as MemorySegment).firstZxid <= zxid) {
      deleted.push((segments.shift() as MemorySegment).firstZxid);
    }
    return deleted;
  }

  /** The first zxids of the segments, oldest first. */
  segmentFirstZxids(): bigint[] {
    return this.disk.segments.map((segment) => segment.firstZxid);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/**
 * The in-memory {@link SnapshotStore}. A snapshot appears only once all its chunks were read (atomic). Between
 * chunks it gives the event loop a turn, as the file store does while its writes are in flight, so a snapshot of a
 * large tree never holds up requests for long, and txns keep applying while it is taken (a fuzzy snapshot).
 */
export class MemorySnapshotStore implements SnapshotStore {
  constructor(private readonly disk: MemoryDisk) {}

  async write(zxid: bigint, chunks: SnapshotChunks): Promise<void> {
    const copies: Buffer[] = [];
    for await (const chunk of chunks) {
      copies.push(Buffer.from(chunk));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.disk.snapshots.set(zxid, copies);
  }

  async latest(): Promise<StoredSnapshot | undefined> {
    const zxid = (await this.list())[0];
    if (zxid === undefined) return undefined;
    const chunks = this.disk.snapshots.get(zxid) as Buffer[];
    return {
      zxid,
      async *read() {
        for (const chunk of chunks) yield Buffer.from(chunk);
      },
    };
  }

  async list(): Promise<bigint[]> {
    return [...this.disk.snapshots.keys()].sort((left, right) => (left > right ? -1 : left < right ? 1 : 0));
  }

  async purge(keep: number): Promise<bigint[]> {
    assert(Number.isInteger(keep) && keep >= 1, 'purge keeps at least one snapshot');
    const doomed = (await this.list()).slice(keep).reverse();
    for (const zxid of doomed) this.disk.snapshots.delete(zxid);
    return doomed;
  }
}

/** The in-memory {@link StateStore}. */
export class MemoryStateStore implements StateStore {
  constructor(private readonly disk: MemoryDisk) {}

  get(name: string): bigint | undefined {
    return this.disk.state.get(name);
  }

  async set(values: Readonly<Record<string, bigint>>): Promise<void> {
    for (const [name, value] of Object.entries(values)) this.disk.state.set(name, value);
  }
}

/**
 * The snapshot body in Apache's layout (protocol.md §14, after the FileHeader): sessions,
 * the ACL cache, then every node, parents before children (`{path, DataNode{data, aclKey,
 * StatPersisted}}`, the root under `""`), terminated by the path `"/"`. The storage layer
 * adds the file header, checksum and trailers around these bytes.
 *
 * Encoding streams: {@link encodeSnapshot} yields chunks node by node, so a million-node
 * tree never needs one giant buffer, and may be consumed while txns keep applying ("fuzzy"
 * snapshot, as Apache): nodes created after the snapshot's start zxid are left out, because
 * replaying the txns after that zxid creates them again; whatever else changed meanwhile is
 * made right by that same replay, which the tree tolerates.
 */
import { ACL_BYTES_MIN, decodeAcl, encodeAcl } from '../../src/protocol/data';
import { ProtocolError } from '../../src/protocol/errors';
import { Reader } from '../../src/protocol/reader';
import { Writer } from '../../src/protocol/writer';
import { assert } from '../../src/util/assert';
import { OPEN_ACL_KEY } from './acl-cache';
import { DataTree, type StatPersisted } from './data-tree';
import { STAT_PERSISTED_BYTES } from './node-columns';

/** Session id → negotiated timeout (ms), as the snapshot stores them. */
export type SessionTimeouts = ReadonlyMap<bigint, number>;

/** Bytes gathered before a chunk is handed out. */
const CHUNK_BYTES = 64 * 1024;
/** Path that ends the node list (no node can be named `/` in the list: the root is `""`). */
const END_OF_NODES = '/';

function readStatPersisted(reader: Reader): StatPersisted {
  return {
    czxid: reader.long(),
    mzxid: reader.long(),
    ctime: reader.long(),
    mtime: reader.long(),
    version: reader.int(),
    cversion: reader.int(),
    aversion: reader.int(),
    ephemeralOwner: reader.long(),
    pzxid: reader.long(),
  };
}

/**
 * Streams the snapshot body of `tree` and `sessions` as chunks of about `chunkBytes` (default 64 KiB; a node larger
 * than that gets a chunk of its own). `startZxid` is the tree's lastProcessedZxid when the snapshot starts (the file's
 * name). Each node is read from the tree when the walk reaches it, straight from the node columns into the chunk, so
 * a step costs no allocation per node and the walk may pause between chunks while txns keep applying.
 */
export function* encodeSnapshot(
  tree: DataTree,
  sessions: SessionTimeouts,
  startZxid: bigint,
  chunkBytes = CHUNK_BYTES,
): Generator<Buffer> {
  assert(chunkBytes >= 1, 'snapshot chunks hold at least one byte');
  assert(startZxid >= 0n && startZxid < 1n << 63n, 'a zxid is a non-negative int64');
  const preamble = new Writer(1024);
  preamble.int(sessions.size);
  for (const [id, timeout] of sessions) preamble.long(id).int(timeout);
  const acls = tree.aclCache.entries();
  const emittedKeys = new Set(acls.map(([key]) => key));
  preamble.int(acls.length);
  for (const [key, acl] of acls) preamble.long(BigInt(key)).vector(acl, encodeAcl);
  const chunk = new ChunkBuilder(chunkBytes);
  chunk.ensure(preamble.length);
  chunk.raw(preamble.view());
  const startHigh = Number(startZxid >> 32n);
  const startLow = Number(startZxid & 0xffffffffn);
  const { slots, columns } = tree.snapshotWalk();
  // Parents before children (what the decoder, like Apache's, needs); see DataTree.storedNodesParentFirst.
  let visited = 0;
  for (const [path, slot] of slots) {
    visited += 1;
    assert(visited <= 4 * tree.nodeCount + 16 * chunkBytes, 'snapshot walk is bounded');
    // Created after the start zxid: the replay creates it again.
    if (columns.createdAfter(slot, startHigh, startLow)) continue;
    const text = columns.data[slot] ?? null;
    // Worst case: a UTF-16 code unit is at most 3 UTF-8 bytes; latin1 data is one byte per char.
    const recordBytesMax = 4 + 3 * path.length + 4 + (text?.length ?? 0) + 8 + STAT_PERSISTED_BYTES;
    if (!chunk.fits(recordBytesMax) && chunk.length > 0) yield chunk.take();
    chunk.ensure(recordBytesMax);
    // An ACL list made after the ACL section was written: a later setACL txn in the replay restores it, so the
    // node carries the open ACL until then.
    const aclKey = columns.aclKey[slot] as number;
    chunk.node(path, text, aclKey === OPEN_ACL_KEY || emittedKeys.has(aclKey) ? aclKey : OPEN_ACL_KEY);
    columns.writeStatPersisted(slot, chunk.view, chunk.length);
    chunk.skip(STAT_PERSISTED_BYTES);
  }
  const end = Buffer.byteLength(END_OF_NODES);
  if (!chunk.fits(4 + end) && chunk.length > 0) yield chunk.take();
  chunk.ensure(4 + end);
  chunk.node(END_OF_NODES, undefined, 0);
  yield chunk.take();
}

/** The chunk being filled: a buffer, a DataView on it, and a write position. */
class ChunkBuilder {
  private bytes: Buffer;
  view: DataView;
  length = 0;

  constructor(private readonly chunkBytes: number) {
    this.bytes = Buffer.allocUnsafe(chunkBytes);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  fits(bytes: number): boolean {
    return this.length + bytes <= this.bytes.length;
  }

  /** Makes room for `bytes` more (a record larger than a chunk grows this one). */
  ensure(bytes: number): void {
    if (this.fits(bytes)) return;
    const grown = Buffer.allocUnsafe(Math.max(this.chunkBytes, this.length + bytes));
    this.bytes.copy(grown, 0, 0, this.length);
    this.use(grown);
  }

  /** Hands out what was written (no copy) and starts a fresh buffer. */
  take(): Buffer {
    const taken = this.bytes.subarray(0, this.length);
    this.use(Buffer.allocUnsafe(this.chunkBytes));
    this.length = 0;
    return taken;
  }

  raw(bytes: Uint8Array): void {
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  skip(bytes: number): void {
    this.length += bytes;
  }

  /**
   * A node record's path (`""` for the root), data (latin1 text; null is length -1) and ACL key; `data` undefined
   * writes the path alone (the end-of-nodes marker). Room must have been ensured.
   */
  node(path: string, data: string | null | undefined, aclKey: number): void {
    const pathBytes =
      path === '/' && data !== undefined ? 0 : this.bytes.write(path, this.length + 4, 'utf8');
    this.view.setInt32(this.length, pathBytes);
    this.length += 4 + pathBytes;
    if (data === undefined) return;
    if (data === null) {
      this.view.setInt32(this.length, -1);
      this.length += 4;
    } else {
      this.view.setInt32(this.length, data.length);
      this.length += 4 + this.bytes.write(data, this.length + 4, 'latin1');
    }
    // The key as an int64: the high word is the sign.
    this.view.setInt32(this.length, aclKey < 0 ? -1 : 0);
    this.view.setInt32(this.length + 4, aclKey);
    this.length += 8;
  }

  private use(bytes: Buffer): void {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}

type Phase = 'sessions' | 'acls' | 'nodes' | 'done';

/** Rebuilds a tree and its sessions from snapshot chunks, fed in order with {@link push}. */
export class SnapshotDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private phase: Phase = 'sessions';
  private remaining = -1;
  private readonly tree = new DataTree({ systemNodes: false });
  private readonly sessions = new Map<bigint, number>();

  /** Feeds the next chunk; complete records are decoded at once. */
  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (this.phase === 'done') return;
    let offset = 0;
    for (;;) {
      const reader = new Reader(this.pending, offset);
      try {
        if (!this.step(reader)) break;
      } catch (error) {
        // A record split across chunks: wait for the next one.
        if (error instanceof ProtocolError && (error.kind === 'truncated' || error.kind === 'bad-length'))
          break;
        throw error;
      }
      offset = reader.position;
      if (this.done) break;
    }
    this.pending = this.pending.subarray(offset);
  }

  /** Decodes one record; false when there is nothing left to do in this chunk. */
  private step(reader: Reader): boolean {
    if (reader.remaining === 0) return false;
    if (this.phase === 'sessions') {
      if (this.remaining === -1) this.remaining = reader.count(12, 'session list');
      else if (this.remaining > 0) {
        this.sessions.set(reader.long(), reader.int());
        this.remaining -= 1;
      }
      if (this.remaining === 0) {
        this.phase = 'acls';
        this.remaining = -1;
      }
      return true;
    }
    if (this.phase === 'acls') {
      if (this.remaining === -1) this.remaining = reader.count(12, 'ACL cache');
      else if (this.remaining > 0) {
        const key = reader.long();
        const acl = reader.vector(ACL_BYTES_MIN, decodeAcl);
        this.tree.aclCache.restore(Number(key), acl);
        this.remaining -= 1;
      }
      if (this.remaining === 0) this.phase = 'nodes';
      return true;
    }
    const path = reader.string();
    if (path === END_OF_NODES) {
      this.phase = 'done';
      return true;
    }
    const data = reader.buffer();
    const aclKey = Number(reader.long());
    const stat = readStatPersisted(reader);
    if (!this.tree.aclCache.has(aclKey)) {
      throw new ProtocolError('bad-value', `snapshot node ${path} has unknown ACL key ${aclKey}`);
    }
    this.tree.loadNode(path, data === null ? null : Buffer.from(data), aclKey, stat);
    return true;
  }

  /** True once the node list's terminator was read. */
  get done(): boolean {
    return this.phase === 'done';
  }

  /** The rebuilt tree and sessions; fails unless the node list ended (see {@link trailing}). */
  finish(): { tree: DataTree; sessions: Map<bigint, number> } {
    if (this.phase !== 'done') {
      throw new ProtocolError(
        'truncated',
        `snapshot ended in phase ${this.phase} with ${this.pending.length} bytes left`,
      );
    }
    this.tree.aclCache.purgeUnused();
    return { tree: this.tree, sessions: this.sessions };
  }

  /** Bytes fed after the node list's terminator (the storage layer's trailer). */
  get trailing(): Buffer {
    return this.pending;
  }
}

/** Decodes a whole snapshot body from its chunks. */
export function decodeSnapshot(chunks: Iterable<Buffer>): { tree: DataTree; sessions: Map<bigint, number> } {
  const decoder = new SnapshotDecoder();
  for (const chunk of chunks) decoder.push(chunk);
  const result = decoder.finish();
  if (decoder.trailing.length !== 0) {
    throw new ProtocolError('trailing-bytes', `${decoder.trailing.length} bytes after the snapshot body`);
  }
  return result;
}

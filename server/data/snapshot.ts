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

/** Session id → negotiated timeout (ms), as the snapshot stores them. */
export type SessionTimeouts = ReadonlyMap<bigint, number>;

/** Bytes gathered before a chunk is handed out. */
const CHUNK_BYTES = 64 * 1024;
/** Path that ends the node list (no node can be named `/` in the list: the root is `""`). */
const END_OF_NODES = '/';

/** Bytes of a StatPersisted: six longs and three ints. */
const STAT_PERSISTED_BYTES = 6 * 8 + 3 * 4;
const statScratch = new Uint8Array(STAT_PERSISTED_BYTES);
const statView = new DataView(statScratch.buffer);

/**
 * Writes the stat through a DataView scratch and one raw copy: per node in a snapshot of millions, and DataView's
 * 64-bit stores are far cheaper than six range-checked Buffer.writeBigInt64BE calls.
 */
function writeStatPersisted(writer: Writer, stat: StatPersisted): void {
  statView.setBigInt64(0, stat.czxid);
  statView.setBigInt64(8, stat.mzxid);
  statView.setBigInt64(16, stat.ctime);
  statView.setBigInt64(24, stat.mtime);
  statView.setInt32(32, stat.version);
  statView.setInt32(36, stat.cversion);
  statView.setInt32(40, stat.aversion);
  statView.setBigInt64(44, stat.ephemeralOwner);
  statView.setBigInt64(52, stat.pzxid);
  writer.raw(statScratch);
}

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
 * Streams the snapshot body of `tree` and `sessions` as chunks of about 64 KiB.
 * `startZxid` is the tree's lastProcessedZxid when the snapshot starts (the file's name).
 */
export function* encodeSnapshot(
  tree: DataTree,
  sessions: SessionTimeouts,
  startZxid: bigint,
): Generator<Buffer> {
  const writer = new Writer(CHUNK_BYTES * 2);
  writer.int(sessions.size);
  for (const [id, timeout] of sessions) writer.long(id).int(timeout);
  const acls = tree.aclCache.entries();
  const emittedKeys = new Set(acls.map(([key]) => key));
  writer.int(acls.length);
  for (const [key, acl] of acls) writer.long(BigInt(key)).vector(acl, encodeAcl);
  // Parents before children (what the decoder, like Apache's, needs); see DataTree.storedNodesParentFirst.
  let visited = 0;
  for (const stored of tree.storedNodesParentFirst()) {
    visited += 1;
    assert(visited <= 4 * tree.nodeCount + 16 * CHUNK_BYTES, 'snapshot walk is bounded');
    // Created after the start zxid: the replay creates it again.
    if (stored.stat.czxid > startZxid) continue;
    writeNode(writer, stored.path, stored, emittedKeys);
    if (writer.length >= CHUNK_BYTES) {
      yield writer.finish();
      writer.reset();
    }
  }
  writer.string(END_OF_NODES);
  yield writer.finish();
}

/** One node record; `stored` is what the walk just looked up (one lookup and one copy per node, not two). */
function writeNode(
  writer: Writer,
  path: string,
  stored: { stat: StatPersisted; data: Buffer | null; aclKey: number },
  emittedKeys: ReadonlySet<number>,
): void {
  // An ACL list made after the ACL section was written: a later setACL txn in the replay
  // restores it, so the node carries the open ACL until then.
  const aclKey =
    stored.aclKey === OPEN_ACL_KEY || emittedKeys.has(stored.aclKey) ? stored.aclKey : OPEN_ACL_KEY;
  writer.string(path === '/' ? '' : path);
  writer.buffer(stored.data).long(BigInt(aclKey));
  writeStatPersisted(writer, stored.stat);
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

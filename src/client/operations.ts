/**
 * Pieces of the client's operations that need no session: data conversion, the opcode a
 * create uses, reply decoders that apply the chroot, and the tree walks behind
 * `creatingParentsIfNeeded` and `deletingChildrenIfNeeded`.
 */
import { clientLimits } from '../defaults';
import { CreateMode, isTtl, Limits, OpCode } from '../protocol/constants';
import type { Stat } from '../protocol/data';
import { BadArgumentsError, NodeExistsError, NoNodeError, NotEmptyError } from '../protocol/errors';
import { joinPath, parentPath } from '../protocol/paths';
import type { Reader } from '../protocol/reader';
import {
  type CreateRequest,
  type CreateTTLRequest,
  decodeCreate2Response,
  decodeCreateResponse,
  encodeCreateRequest,
  encodeCreateTTLRequest,
} from '../protocol/records';
import type { NodeData } from '../types';
import { assert } from '../util/assert';
import type { BodyEncoder } from './connection';

const EMPTY = Buffer.alloc(0);

/** Node data as the wire wants it: bytes without copying where possible; `null` stays null. */
export function toData(data: NodeData | null | undefined): Buffer | null {
  if (data === null || data === undefined) return null;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Data from a reply as the application gets it: a copy (the frame is reused), never null. */
export function fromData(data: Buffer | null): Buffer {
  return data === null || data.length === 0 ? EMPTY : Buffer.from(data);
}

/** Encodes the body of a createTTL (built by {@link createRequestFor}, so it has its ttl). */
const encodeTtlBody: BodyEncoder<CreateRequest> = (writer, body) =>
  encodeCreateTTLRequest(writer, body as CreateTTLRequest);

/** The request a create sends: opcode, body and encoder, from its mode and options. */
export function createRequestFor(
  serverPath: string,
  data: Buffer | null,
  acl: CreateRequest['acl'],
  mode: CreateMode,
  ttlMs: number | undefined,
  withStat: boolean,
): { type: number; body: CreateRequest; encode: BodyEncoder<CreateRequest> } {
  if (isTtl(mode)) {
    if (ttlMs === undefined || !Number.isInteger(ttlMs) || ttlMs <= 0 || ttlMs > Limits.ttlMsMax) {
      throw new BadArgumentsError(`a TTL node needs ttlMs in 1..${Limits.ttlMsMax}`, {
        op: 'create',
        path: serverPath,
      });
    }
    const body: CreateTTLRequest = { path: serverPath, data, acl, flags: mode, ttl: BigInt(ttlMs) };
    return { type: OpCode.createTTL, body, encode: encodeTtlBody };
  }
  if (ttlMs !== undefined) {
    throw new BadArgumentsError('ttlMs needs a TTL mode', { op: 'create', path: serverPath });
  }
  const body: CreateRequest = { path: serverPath, data, acl, flags: mode };
  const encode = encodeCreateRequest;
  if (mode === CreateMode.CONTAINER) return { type: OpCode.createContainer, body, encode };
  return { type: withStat ? OpCode.create2 : OpCode.create, body, encode };
}

/** Reads a create reply of any create opcode as `{ path, stat }` (stat undefined for op 1). */
export function decodeAnyCreate(type: number): (reader: Reader) => { path: string; stat: Stat | undefined } {
  if (type === OpCode.create) {
    return (reader) => ({ path: decodeCreateResponse(reader).path, stat: undefined });
  }
  return decodeCreate2Response;
}

/** What the tree walks need from the client (application paths). */
export interface TreePort {
  createParent(path: string, container: boolean): Promise<void>;
  getChildren(path: string): Promise<string[]>;
  deleteNode(path: string, version: number): Promise<void>;
}

/** Creates every missing ancestor of `path` (persistent or container), top down. */
export async function ensureParents(port: TreePort, path: string, containers: boolean): Promise<void> {
  const ancestors: string[] = [];
  for (let parent = parentPath(path); parent !== '/' && parent !== ''; parent = parentPath(parent)) {
    ancestors.push(parent);
    assert(ancestors.length <= clientLimits.treeDepthMax, 'path depth is bounded');
  }
  for (const ancestor of ancestors.reverse()) {
    try {
      await port.createParent(ancestor, containers);
    } catch (error) {
      if (!(error instanceof NodeExistsError)) throw error;
    }
  }
}

/**
 * Deletes the subtree under `path` (not `path` itself), depth first. Nodes that vanish
 * meanwhile are fine; a node that gains children meanwhile is retried a bounded number of times.
 */
export async function deleteChildren(port: TreePort, path: string, depth = 0): Promise<void> {
  assert(depth <= clientLimits.treeDepthMax, 'tree depth is bounded');
  let children: string[];
  try {
    children = await port.getChildren(path);
  } catch (error) {
    if (error instanceof NoNodeError) return;
    throw error;
  }
  for (const child of children) {
    const childPath = joinPath(path, child);
    await deleteChildren(port, childPath, depth + 1);
    await deleteIgnoringMissing(port, childPath, depth);
  }
}

async function deleteIgnoringMissing(port: TreePort, path: string, depth: number): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      return await port.deleteNode(path, -1);
    } catch (error) {
      if (error instanceof NoNodeError) return;
      if (!(error instanceof NotEmptyError)) throw error;
      await deleteChildren(port, path, depth + 1);
    }
  }
  await port.deleteNode(path, -1);
}

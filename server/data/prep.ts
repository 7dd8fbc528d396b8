/**
 * PREP (Apache's `PrepRequestProcessor.pRequest2Txn`): validates a write against the tree
 * plus the pending changes of writes not yet applied, in Apache's exact check order
 * (protocol.md §7), and turns it into a Txn — or an error Txn that still consumes its zxid.
 * A multi becomes one MultiTxn, all-or-nothing (protocol.md §10).
 */
import {
  CONTAINER_EPHEMERAL_OWNER,
  CreateMode,
  isCreateMode,
  isEphemeral,
  isSequential,
  isTtl,
  Limits,
  OpCode,
  Perms,
} from '../../src/protocol/constants';
import type { Id } from '../../src/protocol/data';
import { ErrorCode, fromCode, ZooKeeperError } from '../../src/protocol/errors';
import type { MultiOp } from '../../src/protocol/multi';
import { isValidPath, sequenceSuffix } from '../../src/protocol/paths';
import type {
  CheckVersionRequest,
  CreateRequest,
  CreateTTLRequest,
  DeleteContainerRequest,
  DeleteRequest,
  SetACLRequest,
  SetDataRequest,
} from '../../src/protocol/records';
import { multiTxnFromTxns, type Txn, type TxnEntry } from '../../src/protocol/txn';
import { assert } from '../../src/util/assert';
import { type AclOptions, defaultAclOptions, fixupAcl, requireAcl } from './acl';
import {
  createStat,
  type DataTree,
  EphemeralKind,
  ephemeralKindOf,
  isSystemPath,
  type NodeRecord,
  ttlEphemeralOwner,
} from './data-tree';
import { changedNode, type PendingChanges } from './pending-changes';

/** Who sent a write, as PREP needs to know. */
export interface RequestContext {
  sessionId: bigint;
  /** The request's xid (TxnHeader.cxid). */
  cxid: number;
  /** The connection's auth ids (ip, digest, super…). */
  authIds: readonly Id[];
  /**
   * Result of the session check the runtime made (0 = valid; UNKNOWNSESSION,
   * SESSIONEXPIRED…): reported at the point of the op where Apache checks the session.
   */
  sessionError?: number;
  /** A local (not replicated) session: ephemeral creates fail with EPHEMERALONLOCALSESSION. */
  localSession?: boolean;
}

/** Server switches PREP obeys. */
export interface PrepOptions extends AclOptions {
  /** `zookeeper.extendedTypesEnabled`: TTL nodes allowed. */
  extendedTypesEnabled: boolean;
}

/** Defaults: ACLs enforced, TTL nodes off (as Apache). */
export const defaultPrepOptions: PrepOptions = { ...defaultAclOptions, extendedTypesEnabled: false };

/** A write request PREP turns into a txn, tagged by opcode. */
export type WriteRequest =
  | {
      type: typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer;
      request: CreateRequest;
    }
  | { type: typeof OpCode.createTTL; request: CreateTTLRequest }
  | { type: typeof OpCode.delete; request: DeleteRequest }
  | {
      type: typeof OpCode.deleteContainer;
      request: DeleteContainerRequest;
      /**
       * Sent by a client rather than the container reaper. Apache 3.8 prepares a client's
       * deleteContainer from the raw request bytes (length prefix included), so it always
       * fails with BADARGUMENTS; zookit answers the same (and never deletes without an ACL check).
       */
      fromClient?: boolean;
    }
  /** reconfig on a standalone server: an error txn with RECONFIGDISABLED, as Apache logs it. */
  | { type: typeof OpCode.reconfig }
  | { type: typeof OpCode.setData; request: SetDataRequest }
  | { type: typeof OpCode.setACL; request: SetACLRequest }
  | { type: typeof OpCode.check; request: CheckVersionRequest }
  | { type: typeof OpCode.multi; request: { ops: readonly MultiOp[] } }
  | { type: typeof OpCode.createSession; request: { timeOut: number } }
  | { type: typeof OpCode.closeSession };

/** Apache's checkAndIncVersion: -1 matches any; the next version skips -1 after wrapping. */
export function nextVersion(current: number, expected: number, path: string): number {
  if (expected !== -1 && expected !== current) throw fromCode(ErrorCode.BADVERSION, { path });
  const next = (current + 1) | 0;
  return next === -1 ? 0 : next;
}

function fail(code: number, path: string): never {
  throw fromCode(code, { path });
}

function checkSession(context: RequestContext, path: string): void {
  if (context.sessionError !== undefined && context.sessionError !== 0) fail(context.sessionError, path);
}

/** Parent of a delete target; BADARGUMENTS for no `/`, a `\0`, or a system path. */
function parentForDelete(path: string): string {
  const slash = path.lastIndexOf('/');
  if (slash === -1 || path.includes('\0') || isSystemPath(path)) fail(ErrorCode.BADARGUMENTS, path);
  return path.slice(0, slash);
}

/** Validates writes and produces txns, keeping the pending-change overlay. */
export class Preparer {
  constructor(
    private readonly tree: DataTree,
    private readonly pending: PendingChanges,
    private readonly options: PrepOptions = defaultPrepOptions,
  ) {}

  /**
   * PREP one write: the TxnEntry to log and apply. A failed single op yields an error txn
   * (`OpCode.error`, `ErrorTxn{err}`) under the same zxid; a failed multi yields a multi
   * txn whose failing op is the error and later ops RUNTIMEINCONSISTENCY.
   */
  prepare(write: WriteRequest, context: RequestContext, zxid: bigint, time: bigint): TxnEntry {
    assert(zxid > 0n, 'txns carry positive zxids');
    const header = {
      clientId: context.sessionId,
      cxid: context.cxid,
      zxid,
      time,
      type: write.type as number,
    };
    if (write.type === OpCode.multi) {
      const ops = multiOpsAsDecoded(write.request.ops);
      if (ops === undefined) {
        // Apache's MultiOperationRecord refuses to decode such a multi: the whole request
        // becomes one error txn with MARSHALLINGERROR (its zxid is still consumed).
        const body = { err: ErrorCode.MARSHALLINGERROR };
        return { header: { ...header, type: OpCode.error }, txn: { type: OpCode.error, body } };
      }
      return {
        header,
        txn: { type: OpCode.multi, body: multiTxnFromTxns(this.prepareMulti(ops, context, zxid, time)) },
      };
    }
    try {
      const txn = this.prepareOne(write, context, zxid, time);
      assert(txn.type === write.type, 'a prepared txn has its request type');
      return { header, txn };
    } catch (error) {
      const err = errorCodeOf(error);
      return { header: { ...header, type: OpCode.error }, txn: { type: OpCode.error, body: { err } } };
    }
  }

  private prepareMulti(ops: readonly MultiOp[], context: RequestContext, zxid: bigint, time: bigint): Txn[] {
    const txns: Txn[] = [];
    let failed = false;
    this.pending.beginMulti();
    for (const op of ops) {
      if (failed) {
        txns.push({ type: OpCode.error, body: { err: ErrorCode.RUNTIMEINCONSISTENCY } });
        continue;
      }
      try {
        if (op.type === OpCode.getData || op.type === OpCode.getChildren) {
          fail(ErrorCode.MARSHALLINGERROR, op.request.path);
        }
        txns.push(this.prepareOne(op as WriteRequest, context, zxid, time));
      } catch (error) {
        failed = true;
        txns.push({ type: OpCode.error, body: { err: errorCodeOf(error) } });
        this.pending.rollbackMulti(zxid);
      }
    }
    this.pending.commitMulti();
    return txns;
  }

  private prepareOne(write: WriteRequest, context: RequestContext, zxid: bigint, time: bigint): Txn {
    switch (write.type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
        return this.prepareCreate(write.type, write.request, -1n, context, zxid, time);
      case OpCode.createTTL:
        return this.prepareCreate(write.type, write.request, write.request.ttl, context, zxid, time);
      case OpCode.delete:
        return this.prepareDelete(write.request, context, zxid);
      case OpCode.deleteContainer:
        if (write.fromClient === true) fail(ErrorCode.BADARGUMENTS, write.request.path);
        return this.prepareDeleteContainer(write.request.path, zxid);
      case OpCode.reconfig:
        return fail(ErrorCode.RECONFIGDISABLED, '/zookeeper/config');
      case OpCode.setData:
        return this.prepareSetData(write.request, context, zxid, time);
      case OpCode.setACL:
        return this.prepareSetAcl(write.request, context, zxid);
      case OpCode.check:
        return this.prepareCheck(write.request, context);
      case OpCode.createSession:
        return { type: OpCode.createSession, body: { timeOut: write.request.timeOut } };
      case OpCode.closeSession:
        return this.prepareCloseSession(context.sessionId, zxid);
      case OpCode.multi:
        return fail(ErrorCode.MARSHALLINGERROR, '');
    }
  }

  private record(path: string): NodeRecord {
    const node = this.pending.get(path);
    if (node === undefined) fail(ErrorCode.NONODE, path);
    return node;
  }

  private validateCreateMode(
    type: number,
    flags: number,
    ttl: bigint,
    path: string,
    context: RequestContext,
  ): CreateMode {
    if (!isCreateMode(flags)) fail(ErrorCode.BADARGUMENTS, path);
    if (isTtl(flags) && !this.options.extendedTypesEnabled) fail(ErrorCode.UNIMPLEMENTED, path);
    if (isTtl(flags) ? ttl <= 0n || ttl > BigInt(Limits.ttlMsMax) : ttl >= 0n)
      fail(ErrorCode.BADARGUMENTS, path);
    // A createTTL op with a non-TTL mode and ttl -1 passes Apache's checks and then logs a
    // CreateTTLTxn it cannot apply (3.8.0 and master stop the server): refuse it here.
    if (type === OpCode.createTTL && !isTtl(flags)) fail(ErrorCode.BADARGUMENTS, path);
    checkSession(context, path);
    if (isEphemeral(flags) && context.localSession === true) fail(ErrorCode.EPHEMERALONLOCALSESSION, path);
    return flags;
  }

  private prepareCreate(
    type:
      | typeof OpCode.create
      | typeof OpCode.create2
      | typeof OpCode.createContainer
      | typeof OpCode.createTTL,
    request: CreateRequest,
    ttl: bigint,
    context: RequestContext,
    zxid: bigint,
    time: bigint,
  ): Txn {
    const mode = this.validateCreateMode(type, request.flags, ttl, request.path, context);
    const slash = request.path.lastIndexOf('/');
    if (slash === -1 || request.path.includes('\0')) fail(ErrorCode.BADARGUMENTS, request.path);
    const parentPath = request.path.slice(0, slash);
    const acl = fixupAcl(request.path, context.authIds, request.acl);
    const parent = this.record(parentPath);
    requireAcl(request.path, parent.acl, Perms.CREATE, context.authIds, this.options);
    const path = isSequential(mode) ? request.path + sequenceSuffix(parent.stat.cversion) : request.path;
    if (!isValidPath(path)) fail(ErrorCode.BADARGUMENTS, path);
    if (this.pending.has(path)) fail(ErrorCode.NODEEXISTS, path);
    if (ephemeralKindOf(parent.stat.ephemeralOwner) === EphemeralKind.normal) {
      fail(ErrorCode.NOCHILDRENFOREPHEMERALS, path);
    }
    const parentCVersion = (parent.stat.cversion + 1) | 0;
    const owner = ownerFor(mode, ttl, context.sessionId);
    this.pending.put(
      zxid,
      parentPath,
      changedNode(parent, { numChildren: parent.numChildren + 1, cversion: parentCVersion, pzxid: zxid }),
    );
    const node: NodeRecord = { stat: createStat(zxid, time, owner), acl, numChildren: 0 };
    this.pending.put(zxid, path, node);
    if (type === OpCode.createContainer) {
      return { type, body: { path, data: request.data, acl, parentCVersion } };
    }
    if (type === OpCode.createTTL)
      return { type, body: { path, data: request.data, acl, parentCVersion, ttl } };
    return { type, body: { path, data: request.data, acl, ephemeral: isEphemeral(mode), parentCVersion } };
  }

  private removeFromParent(parentPath: string, path: string, zxid: bigint): void {
    const parent = this.record(parentPath);
    this.pending.put(
      zxid,
      parentPath,
      changedNode(parent, { numChildren: parent.numChildren - 1, pzxid: zxid }),
    );
    this.pending.put(zxid, path, null);
  }

  private prepareDelete(request: DeleteRequest, context: RequestContext, zxid: bigint): Txn {
    const { path } = request;
    checkSession(context, path);
    const parentPath = parentForDelete(path);
    const parent = this.record(parentPath);
    requireAcl(path, parent.acl, Perms.DELETE, context.authIds, this.options);
    const node = this.record(path);
    nextVersion(node.stat.version, request.version, path);
    if (node.numChildren > 0) fail(ErrorCode.NOTEMPTY, path);
    this.removeFromParent(parentPath, path, zxid);
    return { type: OpCode.delete, body: { path } };
  }

  private prepareDeleteContainer(path: string, zxid: bigint): Txn {
    const parentPath = parentForDelete(path);
    const node = this.record(path);
    if (node.numChildren > 0) fail(ErrorCode.NOTEMPTY, path);
    if (ephemeralKindOf(node.stat.ephemeralOwner) === EphemeralKind.normal) fail(ErrorCode.BADVERSION, path);
    this.removeFromParent(parentPath, path, zxid);
    return { type: OpCode.deleteContainer, body: { path } };
  }

  private prepareSetData(request: SetDataRequest, context: RequestContext, zxid: bigint, time: bigint): Txn {
    const { path } = request;
    checkSession(context, path);
    if (!isValidPath(path)) fail(ErrorCode.BADARGUMENTS, path);
    const node = this.record(path);
    requireAcl(path, node.acl, Perms.WRITE, context.authIds, this.options);
    const version = nextVersion(node.stat.version, request.version, path);
    this.pending.put(zxid, path, changedNode(node, { version, mtime: time, mzxid: zxid }));
    return { type: OpCode.setData, body: { path, data: request.data, version } };
  }

  private prepareSetAcl(request: SetACLRequest, context: RequestContext, zxid: bigint): Txn {
    const { path } = request;
    checkSession(context, path);
    if (!isValidPath(path)) fail(ErrorCode.BADARGUMENTS, path);
    const acl = fixupAcl(path, context.authIds, request.acl);
    const node = this.record(path);
    requireAcl(path, node.acl, Perms.ADMIN, context.authIds, this.options);
    const version = nextVersion(node.stat.aversion, request.version, path);
    this.pending.put(zxid, path, changedNode(node, { aversion: version, acl }));
    return { type: OpCode.setACL, body: { path, acl, version } };
  }

  private prepareCheck(request: CheckVersionRequest, context: RequestContext): Txn {
    const { path } = request;
    checkSession(context, path);
    if (!isValidPath(path)) fail(ErrorCode.BADARGUMENTS, path);
    const node = this.record(path);
    requireAcl(path, node.acl, Perms.READ, context.authIds, this.options);
    return {
      type: OpCode.check,
      body: { path, version: nextVersion(node.stat.version, request.version, path) },
    };
  }

  /** closeSession: the session's ephemerals as the pending writes leave them, all deleted. */
  private prepareCloseSession(sessionId: bigint, zxid: bigint): Txn {
    const ephemerals = new Set(this.tree.ephemeralsOf(sessionId));
    for (const record of this.pending.all()) {
      if (record.node === null) ephemerals.delete(record.path);
      else if (record.node.stat.ephemeralOwner === sessionId) ephemerals.add(record.path);
    }
    for (const path of ephemerals) {
      const parentPath = path.slice(0, path.lastIndexOf('/'));
      if (this.pending.has(path)) this.removeFromParent(parentPath, path, zxid);
    }
    return { type: OpCode.closeSession, body: { paths2Delete: [...ephemerals] } };
  }
}

function ownerFor(mode: CreateMode, ttl: bigint, sessionId: bigint): bigint {
  if (mode === CreateMode.CONTAINER) return CONTAINER_EPHEMERAL_OWNER;
  if (isTtl(mode)) return ttlEphemeralOwner(ttl);
  return isEphemeral(mode) ? sessionId : 0n;
}

/**
 * The ops of a multi as Apache's MultiOperationRecord rebuilds them: it derives each create's
 * opcode from its flags, so a container flag makes a createContainer and a createTTL op
 * with a non-TTL flag a plain create (its ttl dropped). `undefined` when Apache refuses to
 * decode the multi at all: reads mixed with writes, or a TTL flag on a create without a ttl.
 */
export function multiOpsAsDecoded(ops: readonly MultiOp[]): MultiOp[] | undefined {
  const isRead = (op: MultiOp) => op.type === OpCode.getData || op.type === OpCode.getChildren;
  if (ops.some(isRead) && !ops.every(isRead)) return undefined;
  const decoded: MultiOp[] = [];
  for (const op of ops) {
    if (op.type === OpCode.create || op.type === OpCode.create2 || op.type === OpCode.createContainer) {
      if (isCreateMode(op.request.flags) && isTtl(op.request.flags)) return undefined;
      if (op.request.flags === CreateMode.CONTAINER && op.type !== OpCode.createContainer) {
        decoded.push({ type: OpCode.createContainer, request: op.request });
        continue;
      }
    }
    if (op.type === OpCode.createTTL && !(isCreateMode(op.request.flags) && isTtl(op.request.flags))) {
      const { ttl, ...request } = op.request;
      void ttl;
      const type = request.flags === CreateMode.CONTAINER ? OpCode.createContainer : OpCode.create;
      decoded.push({ type, request });
      continue;
    }
    decoded.push(op);
  }
  return decoded;
}

/** The ZooKeeper code of a PREP failure; anything else is a bug and rethrown. */
function errorCodeOf(error: unknown): number {
  if (error instanceof ZooKeeperError) return error.code;
  throw error;
}

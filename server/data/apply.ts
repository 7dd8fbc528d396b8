/**
 * APPLY (Apache's `DataTree.processTxn`): a TxnEntry changes the tree deterministically —
 * the same txns in the same zxid order give the same tree, stats and watch triggers on
 * every server, at recovery and at replay. Re-applying a txn whose effect is present is
 * harmless (a create reports NODEEXISTS and only moves the parent's cversion/pzxid forward).
 */
import { CONTAINER_EPHEMERAL_OWNER, OpCode } from '../../src/protocol/constants';
import { type Acl, emptyStat, type Stat } from '../../src/protocol/data';
import { ErrorCode } from '../../src/protocol/errors';
import type { MultiResult } from '../../src/protocol/multi';
import { type Txn, type TxnEntry, type TxnHeader, txnsFromMultiTxn } from '../../src/protocol/txn';
import { assert } from '../../src/util/assert';
import { type DataTree, ttlEphemeralOwner, type WatchTrigger } from './data-tree';

/** What applying one txn did: the reply's facts and the watch triggers it fired. */
export interface ApplyResult {
  header: TxnHeader;
  /** The reply header's err: 0, or the code of a failed single op (multi: see multiResults). */
  err: number;
  /** Path of a create (the final, sequence-suffixed name) or of the changed node. */
  path?: string;
  /** The node's Stat after create2/createContainer/createTTL/setData/setACL. */
  stat?: Stat;
  /** Per-op results of a multi, ready for MultiResponse. */
  multiResults?: MultiResult[];
  /** Watch triggers, in firing order. */
  triggers: WatchTrigger[];
}

interface SubResult {
  type: number;
  err: number;
  path?: string;
  stat?: Stat;
}

/** Applies one txn to the tree. Session bookkeeping (createSession/closeSession) is the caller's. */
export function applyTxn(tree: DataTree, entry: TxnEntry): ApplyResult {
  assert(entry.header.type === entry.txn.type, 'txn header type matches its body');
  const triggers: WatchTrigger[] = [];
  if (entry.txn.type === OpCode.multi) {
    // The reply header of a multi says 0 even when it failed: the results carry the codes.
    const results = applyMulti(tree, entry.header, txnsFromMultiTxn(entry.txn.body), triggers);
    return { header: entry.header, err: 0, multiResults: results, triggers };
  }
  const sub = applyOne(tree, entry.header, entry.txn, triggers);
  const result: ApplyResult = { header: entry.header, err: sub.err, triggers };
  if (sub.path !== undefined) result.path = sub.path;
  if (sub.stat !== undefined) result.stat = sub.stat;
  return result;
}

function applyOne(tree: DataTree, header: TxnHeader, txn: Txn, triggers: WatchTrigger[]): SubResult {
  const { zxid, time } = header;
  switch (txn.type) {
    case OpCode.create:
    case OpCode.create2: {
      const owner = txn.body.ephemeral ? header.clientId : 0n;
      return create(tree, txn.type, txn.body, owner, header, triggers);
    }
    case OpCode.createContainer:
      return create(tree, txn.type, txn.body, CONTAINER_EPHEMERAL_OWNER, header, triggers);
    case OpCode.createTTL:
      return create(tree, txn.type, txn.body, ttlEphemeralOwner(txn.body.ttl), header, triggers);
    case OpCode.delete:
    case OpCode.deleteContainer:
      return { type: txn.type, path: txn.body.path, err: tree.deleteNode(txn.body.path, zxid, triggers) };
    case OpCode.setData:
    case OpCode.reconfig: {
      const { path, data, version } = txn.body;
      const stat = tree.setData(path, data, version, zxid, time, triggers);
      return stat === undefined
        ? { type: txn.type, path, err: ErrorCode.NONODE }
        : { type: txn.type, path, err: 0, stat };
    }
    case OpCode.setACL: {
      const stat = tree.setAcl(txn.body.path, txn.body.acl, txn.body.version);
      const path = txn.body.path;
      return stat === undefined
        ? { type: txn.type, path, err: ErrorCode.NONODE }
        : { type: txn.type, path, err: 0, stat };
    }
    case OpCode.check:
      return { type: txn.type, path: txn.body.path, err: 0 };
    case OpCode.createSession:
      return { type: txn.type, err: 0 };
    case OpCode.closeSession:
      killSession(tree, header, txn.body.paths2Delete, triggers);
      return { type: txn.type, err: 0 };
    case OpCode.error:
      return { type: txn.type, err: txn.body.err };
    case OpCode.multi:
      assert(false, 'multi txns do not nest');
  }
}

function create(
  tree: DataTree,
  type: number,
  body: { path: string; data: Buffer | null; acl: readonly Acl[]; parentCVersion: number },
  owner: bigint,
  header: TxnHeader,
  triggers: WatchTrigger[],
): SubResult {
  const err = tree.createNode(
    body.path,
    body.data,
    body.acl,
    owner,
    body.parentCVersion,
    header.zxid,
    header.time,
    triggers,
  );
  const stat = err === 0 ? tree.stat(body.path) : undefined;
  return stat === undefined ? { type, path: body.path, err } : { type, path: body.path, err, stat };
}

/** closeSession: delete the listed paths, then any ephemeral of the session still left. */
function killSession(
  tree: DataTree,
  header: TxnHeader,
  listed: readonly string[],
  triggers: WatchTrigger[],
): void {
  for (const path of listed) tree.deleteNode(path, header.zxid, triggers);
  for (const path of tree.ephemeralsOf(header.clientId)) tree.deleteNode(path, header.zxid, triggers);
  assert(tree.ephemeralsOf(header.clientId).length === 0, 'a closed session keeps no ephemerals');
}

/**
 * A multi: if any inner txn is an error, nothing is applied and every op reports an error
 * result — 0 before the failure, the real code at it, RUNTIMEINCONSISTENCY after.
 */
function applyMulti(tree: DataTree, header: TxnHeader, txns: Txn[], triggers: WatchTrigger[]): MultiResult[] {
  const failed = txns.some((txn) => txn.type === OpCode.error);
  const results: MultiResult[] = [];
  let afterFailure = false;
  for (const txn of txns) {
    let sub: SubResult;
    if (txn.type === OpCode.error) {
      afterFailure = true;
      sub = { type: OpCode.error, err: txn.body.err };
    } else if (failed) {
      sub = { type: OpCode.error, err: afterFailure ? ErrorCode.RUNTIMEINCONSISTENCY : ErrorCode.OK };
    } else {
      sub = applyOne(tree, { ...header, type: txn.type }, txn, triggers);
    }
    results.push(multiResultOf(sub));
  }
  return results;
}

function multiResultOf(sub: SubResult): MultiResult {
  switch (sub.type) {
    case OpCode.create:
      return { type: OpCode.create, path: sub.path ?? '' };
    case OpCode.create2:
    case OpCode.createTTL:
    case OpCode.createContainer:
      return { type: OpCode.create2, path: sub.path ?? '', stat: sub.stat ?? emptyStat() };
    case OpCode.delete:
    case OpCode.deleteContainer:
      return { type: OpCode.delete };
    case OpCode.setData:
      return { type: OpCode.setData, stat: sub.stat ?? emptyStat() };
    case OpCode.check:
      return { type: OpCode.check };
    default:
      return { type: OpCode.error, err: sub.err };
  }
}

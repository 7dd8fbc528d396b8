/**
 * Read ops answered from the applied tree (Apache's `FinalRequestProcessor` read cases),
 * with their ACL checks and watch registration: exists (watch even when missing), getData,
 * getChildren(2), getACL (digest ids masked without ADMIN), getAllChildrenNumber,
 * getEphemerals and multiRead.
 */
import { OpCode, Perms } from '../../src/protocol/constants';
import type { Acl, Stat } from '../../src/protocol/data';
import { ErrorCode } from '../../src/protocol/errors';
import type { MultiOp, MultiResult } from '../../src/protocol/multi';
import { assert } from '../../src/util/assert';
import { type AclOptions, checkAcl, maskDigestIds } from './acl';
import type { DataTree } from './data-tree';
import type { WatchOwner, WatchTable } from './watch-table';

/** A read's outcome: the response record on success, else just the error code. */
export type ReadReply<T> = { err: 0; response: T } | { err: number };

function ok<T>(response: T): ReadReply<T> {
  return { err: 0, response };
}

function failed<T>(err: number): ReadReply<T> {
  assert(err !== 0, 'a failed read has a non-zero code');
  return { err };
}

/** Read ops over one tree and its watch table. */
export class ReadOps<W extends WatchOwner> {
  constructor(
    private readonly tree: DataTree,
    private readonly watches: WatchTable<W>,
    private readonly aclOptions: AclOptions,
  ) {}

  private allowed(acl: readonly Acl[], perm: number, connection: W): boolean {
    return checkAcl(acl, perm, connection.authIds, this.aclOptions);
  }

  /** exists (3): BADARGUMENTS for `\0`; READ checked only when the node exists; the watch is set even if it does not. */
  exists(path: string, watch: boolean, connection: W): ReadReply<{ stat: Stat }> {
    if (path.includes('\0')) return failed(ErrorCode.BADARGUMENTS);
    const acl = this.tree.acl(path);
    if (acl !== undefined && !this.allowed(acl, Perms.READ, connection)) return failed(ErrorCode.NOAUTH);
    if (watch) this.watches.addDataWatch(path, connection);
    const stat = this.tree.stat(path);
    return stat === undefined ? failed(ErrorCode.NONODE) : ok({ stat });
  }

  /** getData (4): NONODE, then READ; a watch only on an existing node. */
  getData(path: string, watch: boolean, connection: W): ReadReply<{ data: Buffer | null; stat: Stat }> {
    const acl = this.tree.acl(path);
    if (acl === undefined) return failed(ErrorCode.NONODE);
    if (!this.allowed(acl, Perms.READ, connection)) return failed(ErrorCode.NOAUTH);
    if (watch) this.watches.addDataWatch(path, connection);
    return ok({ data: this.tree.data(path) ?? null, stat: this.tree.stat(path) as Stat });
  }

  /** getChildren2 (12): children and the node's Stat; getChildren (8) uses the children alone. */
  getChildren2(path: string, watch: boolean, connection: W): ReadReply<{ children: string[]; stat: Stat }> {
    const acl = this.tree.acl(path);
    if (acl === undefined) return failed(ErrorCode.NONODE);
    if (!this.allowed(acl, Perms.READ, connection)) return failed(ErrorCode.NOAUTH);
    if (watch) this.watches.addChildWatch(path, connection);
    return ok({ children: this.tree.children(path) ?? [], stat: this.tree.stat(path) as Stat });
  }

  /** getChildren (8). */
  getChildren(path: string, watch: boolean, connection: W): ReadReply<{ children: string[] }> {
    const reply = this.getChildren2(path, watch, connection);
    return reply.err === 0 && 'response' in reply
      ? ok({ children: reply.response.children })
      : failed(reply.err);
  }

  /** getACL (6): READ or ADMIN; without ADMIN digest ids are masked to `user:x`. */
  getAcl(path: string, connection: W): ReadReply<{ acl: Acl[]; stat: Stat }> {
    const acl = this.tree.acl(path);
    if (acl === undefined) return failed(ErrorCode.NONODE);
    if (!this.allowed(acl, Perms.READ | Perms.ADMIN, connection)) return failed(ErrorCode.NOAUTH);
    const visible = this.allowed(acl, Perms.ADMIN, connection) ? [...acl] : maskDigestIds(acl);
    return ok({ acl: visible, stat: this.tree.stat(path) as Stat });
  }

  /** getAllChildrenNumber (104): every descendant; needs READ. */
  getAllChildrenNumber(path: string, connection: W): ReadReply<{ totalNumber: number }> {
    const acl = this.tree.acl(path);
    if (acl === undefined) return failed(ErrorCode.NONODE);
    if (!this.allowed(acl, Perms.READ, connection)) return failed(ErrorCode.NOAUTH);
    return ok({ totalNumber: this.tree.allChildrenNumber(path) });
  }

  /** getEphemerals (103): this session's ephemerals by plain prefix; no ACL check. */
  getEphemerals(prefixPath: string | null, connection: W): ReadReply<{ ephemerals: string[] }> {
    return ok({ ephemerals: this.tree.getEphemerals(connection.sessionId, prefixPath) });
  }

  /** multiRead (22): each op on its own; failures become error results. */
  multiRead(ops: readonly MultiOp[], connection: W): MultiResult[] {
    return ops.map((op): MultiResult => {
      if (op.type === OpCode.getData) {
        const reply = this.getData(op.request.path, op.request.watch, connection);
        if ('response' in reply) return { type: OpCode.getData, ...reply.response };
        return { type: OpCode.error, err: reply.err };
      }
      if (op.type === OpCode.getChildren) {
        const reply = this.getChildren(op.request.path, op.request.watch, connection);
        if ('response' in reply) return { type: OpCode.getChildren, children: reply.response.children };
        return { type: OpCode.error, err: reply.err };
      }
      return { type: OpCode.error, err: ErrorCode.MARSHALLINGERROR };
    });
  }
}

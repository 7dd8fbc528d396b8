/**
 * Transactions (ZooKeeper's multi): a builder of create/setData/delete/check ops committed
 * atomically. Either every op applies, or none does and {@link TransactionError} reports each
 * op's outcome (the failing op's error, `ok` before it, RuntimeInconsistency after it).
 */
import { TransactionError } from '../errors';
import { CreateMode, isSequential, isTtl, OpCode } from '../protocol/constants';
import type { Acl, Stat } from '../protocol/data';
import { fromCode, ProtocolError, type ZooKeeperError } from '../protocol/errors';
import type { MultiOp, MultiResult } from '../protocol/multi';
import { validatePath } from '../protocol/paths';
import type { NodeData, OperationError, OperationResult } from '../types';
import { assert, unreachable } from '../util/assert';

/** One op of a transaction, as the application wrote it (application paths). */
export type TransactionOp =
  | {
      type: 'create';
      path: string;
      data: NodeData | null;
      mode: CreateMode;
      acl: readonly Acl[] | undefined;
      ttlMs: number | undefined;
    }
  | { type: 'setData'; path: string; data: NodeData | null; version: number }
  | { type: 'delete'; path: string; version: number }
  | { type: 'check'; path: string; version: number };

/** Options of a transaction's create. */
export interface TransactionCreateOptions {
  mode?: CreateMode;
  acl?: readonly Acl[];
  ttlMs?: number;
}

/** What a transaction needs from its client. */
export interface TransactionPort {
  commitTransaction(ops: readonly TransactionOp[]): Promise<OperationResult[]>;
}

/** What the op builders share: the ops in order, each path validated as it is added, one commit. */
abstract class OpBatch<Op extends { path: string }, Result> {
  private readonly ops: Op[] = [];
  private committed = false;

  /** The ops added so far. */
  get size(): number {
    return this.ops.length;
  }

  protected add(op: Op, sequential = false): this {
    validatePath(op.path, sequential);
    this.ops.push(op);
    return this;
  }

  /** Sends the ops once; an empty batch sends nothing and returns `[]`. */
  protected async commitOnce(send: (ops: readonly Op[]) => Promise<Result[]>): Promise<Result[]> {
    assert(!this.committed, 'a builder commits once');
    this.committed = true;
    if (this.ops.length === 0) return [];
    return send(this.ops);
  }
}

/** Builds and commits one transaction. Every method validates its path at once. */
export class Transaction extends OpBatch<TransactionOp, OperationResult> {
  constructor(private readonly port: TransactionPort) {
    super();
  }

  /** Adds a create. */
  create(path: string, data: NodeData | null = null, options: TransactionCreateOptions = {}): this {
    const mode = options.mode ?? CreateMode.PERSISTENT;
    return this.add(
      { type: 'create', path, data, mode, acl: options.acl, ttlMs: options.ttlMs },
      isSequential(mode),
    );
  }

  /** Adds a setData (`version` -1, the default, matches any). */
  setData(path: string, data: NodeData | null, version = -1): this {
    return this.add({ type: 'setData', path, data, version });
  }

  /** Adds a delete (`version` -1, the default, matches any). */
  delete(path: string, version = -1): this {
    return this.add({ type: 'delete', path, version });
  }

  /** Adds a version check: the transaction fails unless `path` has this data version. */
  check(path: string, version: number): this {
    return this.add({ type: 'check', path, version });
  }

  /**
   * Commits: per-op results in order, or {@link TransactionError}. An empty transaction
   * commits nothing and returns `[]`. A builder commits once.
   *
   * A commit is retried (client retry policy) after a connection loss, and a multi is not
   * idempotent: if the lost attempt had committed, the retry fails on its own effects and
   * the `TransactionError` has `mayHaveBeenApplied: true` — verify the state before
   * treating it as a failure. A commit that gives up after retries rejects with the
   * connection loss: its outcome is unknown as well.
   */
  commit(): Promise<OperationResult[]> {
    return this.commitOnce((ops) => this.port.commitTransaction(ops));
  }
}

/** How a transaction's ops are mapped to the wire. */
export interface MultiEncoding {
  toServerPath(path: string): string;
  toData(data: NodeData | null): Buffer | null;
  defaultAcl: readonly Acl[];
}

/** The wire ops of a transaction. Creates use create2 (or createTTL / createContainer) for the Stat. */
export function toMultiOps(ops: readonly TransactionOp[], encoding: MultiEncoding): MultiOp[] {
  return ops.map((op): MultiOp => {
    const path = encoding.toServerPath(op.path);
    switch (op.type) {
      case 'create': {
        const request = {
          path,
          data: encoding.toData(op.data),
          acl: [...(op.acl ?? encoding.defaultAcl)],
          flags: op.mode,
        };
        if (isTtl(op.mode))
          return { type: OpCode.createTTL, request: { ...request, ttl: BigInt(op.ttlMs ?? -1) } };
        if (op.mode === CreateMode.CONTAINER) return { type: OpCode.createContainer, request };
        return { type: OpCode.create2, request };
      }
      case 'setData':
        return {
          type: OpCode.setData,
          request: { path, data: encoding.toData(op.data), version: op.version },
        };
      case 'delete':
        return { type: OpCode.delete, request: { path, version: op.version } };
      case 'check':
        return { type: OpCode.check, request: { path, version: op.version } };
      default:
        return unreachable(op, 'transaction op type');
    }
  });
}

/**
 * Maps a multi response to per-op results, or throws {@link TransactionError} when an op
 * failed. `toClientPath` strips the chroot from created paths.
 */
export function toOperationResults(
  ops: readonly TransactionOp[],
  results: readonly MultiResult[],
  toClientPath: (path: string) => string,
): OperationResult[] {
  if (results.length !== ops.length) {
    throw new ProtocolError('bad-value', `multi answered ${results.length} results for ${ops.length} ops`);
  }
  const failedIndex = results.findIndex((result) => result.type === OpCode.error && result.err !== 0);
  if (failedIndex >= 0) throw transactionError(ops, results, failedIndex);
  return results.map((result, index): OperationResult => {
    switch (result.type) {
      case OpCode.create:
        return { type: 'create', path: toClientPath(result.path), stat: undefined };
      case OpCode.create2:
        return { type: 'create', path: toClientPath(result.path), stat: result.stat };
      case OpCode.setData:
        return { type: 'setData', stat: result.stat };
      case OpCode.delete:
        return { type: 'delete' };
      case OpCode.check:
        return { type: 'check' };
      default:
        throw new ProtocolError('bad-value', `unexpected multi result type ${result.type} at op ${index}`);
    }
  });
}

function transactionError(
  ops: readonly TransactionOp[],
  results: readonly MultiResult[],
  failedIndex: number,
): TransactionError {
  const errors = results.map((result, index): OperationError => {
    if (result.type !== OpCode.error || result.err === 0) return { type: 'ok' };
    return { type: 'error', error: fromCode(result.err, { op: ops[index]?.type, path: ops[index]?.path }) };
  });
  const failed = errors[failedIndex];
  assert(failed !== undefined && failed.type === 'error', 'the failed op has an error');
  return new TransactionError(errors, failedIndex, failed.error as ZooKeeperError);
}

/** One op of a {@link ReadTransaction}. */
export type ReadOp = { type: 'getData'; path: string } | { type: 'getChildren'; path: string };

/** One op's outcome in a multiRead: each op succeeds or fails on its own (a read changes nothing). */
export type ReadResult =
  | { type: 'getData'; path: string; data: Buffer; stat: Stat }
  | { type: 'getChildren'; path: string; children: string[] }
  | { type: 'error'; path: string; error: ZooKeeperError };

/** What a read transaction needs from its client. */
export interface ReadTransactionPort {
  commitReads(ops: readonly ReadOp[]): Promise<ReadResult[]>;
}

/**
 * A multiRead (opcode 22, ZooKeeper 3.6+): getData and getChildren ops answered together, from
 * one state of the server's tree (no write is applied between them). Unlike a transaction
 * nothing is all-or-nothing: a missing node fails its own op only. Leaves no watches.
 */
export class ReadTransaction extends OpBatch<ReadOp, ReadResult> {
  constructor(private readonly port: ReadTransactionPort) {
    super();
  }

  /** Adds a getData. */
  getData(path: string): this {
    return this.add({ type: 'getData', path });
  }

  /** Adds a getChildren (names, unordered). */
  getChildren(path: string): this {
    return this.add({ type: 'getChildren', path });
  }

  /**
   * Sends the reads: one result per op, in order. Retried on connection loss like any read
   * (and served by a read-only server). An empty batch sends nothing and returns `[]`.
   */
  commit(): Promise<ReadResult[]> {
    return this.commitOnce((ops) => this.port.commitReads(ops));
  }
}

/** The wire ops of a read transaction (no watches). */
export function toMultiReadOps(ops: readonly ReadOp[], toServerPath: (path: string) => string): MultiOp[] {
  return ops.map(
    (op): MultiOp =>
      op.type === 'getData'
        ? { type: OpCode.getData, request: { path: toServerPath(op.path), watch: false } }
        : { type: OpCode.getChildren, request: { path: toServerPath(op.path), watch: false } },
  );
}

/** Pairs a multiRead response with its ops; a result of the wrong kind or count is a ProtocolError. */
export function toReadResults(ops: readonly ReadOp[], results: readonly MultiResult[]): ReadResult[] {
  if (results.length !== ops.length)
    throw new ProtocolError('bad-length', `multiRead: ${results.length} results for ${ops.length} ops`);
  return ops.map((op, index): ReadResult => {
    const result = results[index];
    assert(result !== undefined, 'one result per op');
    if (result.type === OpCode.error)
      return { type: 'error', path: op.path, error: fromCode(result.err, { path: op.path, op: op.type }) };
    if (op.type === 'getData' && result.type === OpCode.getData)
      return { type: 'getData', path: op.path, data: result.data ?? Buffer.alloc(0), stat: result.stat };
    if (op.type === 'getChildren' && result.type === OpCode.getChildren)
      return { type: 'getChildren', path: op.path, children: result.children };
    throw new ProtocolError('unknown-type', `multiRead: result type ${result.type} for a ${op.type}`);
  });
}

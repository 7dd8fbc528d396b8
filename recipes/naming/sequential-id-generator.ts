/**
 * SequentialIdGenerator: globally unique, increasing ids from sequential nodes. Each
 * `next()` creates `<path>/<prefix><seq>` and returns `<seq>`; ZooKeeper assigns the
 * sequence from the parent's counter in commit order, so ids are unique across every
 * process and increase in the order the creates commit.
 *
 * - With `deleteAfterRead` (the default) the id nodes are EPHEMERAL_SEQUENTIAL: the node
 *   only carries the counter, and a node whose id was never returned (its create committed
 *   but the reply was lost and the client's retry policy gave up) goes with the session
 *   instead of staying under the parent for ever. Kept nodes (`deleteAfterRead: false`) are
 *   PERSISTENT_SEQUENTIAL: they are the record.
 *
 * - The parent is created PERSISTENT, never as a container: a container is deleted once
 *   empty, and a recreated parent would count from 0 again.
 * - The counter also moves on deletes, so with `deleteAfterRead` ids are unique and
 *   increasing but not consecutive. It is a signed 32-bit int: after 2^31 − 1 creates under
 *   one parent ids go negative; use a fresh parent before that.
 * - Creates are protected, so a retry after a lost reply finds its node instead of making
 *   another (the id is still unique either way).
 *
 * Connection states: SUSPENDED makes `next()` wait for the connection under the client's
 * retry policy (and fail once it gives up); LOST loses no id that was handed out: the
 * counter lives in the persistent parent, and an ephemeral id node the session took with it
 * had either been read and deleted already or was never returned.
 */
import {
  ConnectionLossError,
  CreateMode,
  NoNodeError,
  OperationTimeoutError,
  type ZooKitClient,
} from '../../src/index';
import { assert } from '../../src/util/assert';
import { type IdOf, type IdType, parseSequenceId, toIdType } from './sequence-id';

/** Options of {@link SequentialIdGenerator}. */
export interface SequentialIdGeneratorOptions<K extends IdType> {
  /** Name prefix of the id nodes (default `id-`). */
  prefix?: string;
  /** Delete each id node after reading its id (default true): ids need no storage. */
  deleteAfterRead?: boolean;
  /** `bigint` (default) or `number`. */
  idType?: K;
}

/** Hands out unique, increasing ids. */
export class SequentialIdGenerator<K extends IdType = 'bigint'> {
  private readonly prefix: string;
  private readonly deleteAfterRead: boolean;
  private readonly idType: K;

  constructor(
    private readonly client: ZooKitClient,
    readonly path: string,
    options: SequentialIdGeneratorOptions<K> = {},
  ) {
    this.prefix = options.prefix ?? 'id-';
    assert(!this.prefix.includes('/'), 'an id prefix is one node name');
    this.deleteAfterRead = options.deleteAfterRead ?? true;
    this.idType = options.idType ?? ('bigint' as K);
  }

  /** A new id, larger than every id this generator's path handed out before it committed. */
  async next(): Promise<IdOf<K>> {
    const created = await this.client.create(`${this.path}/${this.prefix}`, null, {
      mode: this.deleteAfterRead ? CreateMode.EPHEMERAL_SEQUENTIAL : CreateMode.PERSISTENT_SEQUENTIAL,
      creatingParentsIfNeeded: true,
      protection: true,
    });
    const id = parseSequenceId(created);
    if (this.deleteAfterRead) {
      try {
        await this.client.delete(created, { guaranteed: true });
      } catch (error) {
        // The id is ours either way. After a connection failure the guaranteed delete keeps
        // trying in the background; anything else (e.g. NoAuth) is the caller's to see.
        const settled =
          error instanceof NoNodeError ||
          error instanceof ConnectionLossError ||
          error instanceof OperationTimeoutError;
        if (!settled) throw error;
      }
    }
    return toIdType(id, this.idType);
  }
}

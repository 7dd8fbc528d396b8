/**
 * NameRegistry: unique names. `register(name, owner)` creates `<path>/<name>` as an
 * EPHEMERAL node holding the owner; the first process to create it holds the name until it
 * releases it or its session ends. A conflict checks the owner: the same owner (say, a
 * restarted process whose old session has not expired yet) takes the name over; another
 * owner gets {@link NameTakenError} naming the holder.
 *
 * Connection states: SUSPENDED: the name is probably still held (the node lives as long as
 * the session), but nothing guarantees it; `isHeld()` asks the server. LOST: the session
 * ended and the server deleted the node, so the name is free for anyone; register again on
 * the new session if you still want it. A registration's `signal` tells the holder: it fires
 * on LOST, on SUSPENDED under the `standard` policy (the default, as for locks), when the
 * node is deleted behind our back (`nodeDeleted`: an operator, or the same owner taking the
 * name over from another session) and on `release()`.
 */
import {
  BadVersionError,
  CreateMode,
  NodeExistsError,
  NoNodeError,
  type Stat,
  type ZooKitClient,
} from '../../src/index';
import { assert } from '../../src/util/assert';
import { watchHeldNode } from '../lock/lock-handle';
import { type ConnectionStateErrorPolicy, OwnershipSignal } from '../recipe-state';

/** Another owner holds the name. */
export class NameTakenError extends Error {
  override readonly name = 'NameTakenError';
  constructor(
    readonly takenName: string,
    readonly owner: string,
  ) {
    super(`the name '${takenName}' is held by '${owner}'`);
  }
}

/** What to do with a name that exists already (pure decision of {@link NameRegistry.register}). */
export type ConflictDecision = 'alreadyOurs' | 'takeOver' | 'taken';

/**
 * Decides a conflict: the node is ours if our session owns it and the owner matches;
 * another session with the same owner is taken over; a different owner keeps the name.
 */
export function decideConflict(
  existingOwner: string,
  existingSessionId: bigint,
  owner: string,
  sessionId: bigint,
): ConflictDecision {
  if (existingOwner !== owner) return 'taken';
  return existingSessionId === sessionId ? 'alreadyOurs' : 'takeOver';
}

/** A held name; `await using` releases it. */
export interface NameRegistration extends AsyncDisposable {
  readonly name: string;
  readonly owner: string;
  readonly path: string;
  /** The name node's czxid: a later holder of the name has a larger one. */
  readonly fencingToken: bigint;
  /**
   * Fires when the name may no longer be ours; its reason is an `OwnershipLostError`
   * (`LOST`, `SUSPENDED` under the `standard` policy, `nodeDeleted`, `released`).
   */
  readonly signal: AbortSignal;
  /** True if the name's node still exists and belongs to this client's session. */
  isHeld(): Promise<boolean>;
  /** Gives the name up (deletes the node if it is still ours). Idempotent. */
  release(): Promise<void>;
}

/** Options of {@link NameRegistry}. */
export interface NameRegistryOptions {
  /** When a registration's signal fires: `standard` (SUSPENDED and LOST, default) or `session` (LOST only). */
  policy?: ConnectionStateErrorPolicy;
}

/** Attempts of one `register` racing other registrants. */
const REGISTER_ATTEMPTS_MAX = 5;

/** Registers unique names under one parent path. */
export class NameRegistry {
  private readonly policy: ConnectionStateErrorPolicy;

  constructor(
    private readonly client: ZooKitClient,
    readonly path = '/names',
    options: NameRegistryOptions = {},
  ) {
    this.policy = options.policy ?? 'standard';
  }

  /** Takes `name` for `owner`; throws {@link NameTakenError} when another owner holds it. */
  async register(name: string, owner: string): Promise<NameRegistration> {
    assert(name.length > 0 && !name.includes('/'), 'a name is one non-empty node name');
    const path = `${this.path}/${name}`;
    for (let attempt = 0; attempt < REGISTER_ATTEMPTS_MAX; attempt++) {
      try {
        const created = await this.client.createWithStat(path, owner, {
          mode: CreateMode.EPHEMERAL,
          creatingParentContainersIfNeeded: true,
        });
        return this.registration(name, owner, path, created.stat.czxid);
      } catch (error) {
        if (!(error instanceof NodeExistsError)) throw error;
      }
      const existing = await this.read(path);
      if (existing === undefined) continue;
      const decision = decideConflict(
        existing.owner,
        existing.stat.ephemeralOwner,
        owner,
        this.client.sessionId,
      );
      if (decision === 'alreadyOurs') return this.registration(name, owner, path, existing.stat.czxid);
      if (decision === 'taken') throw new NameTakenError(name, existing.owner);
      await this.deleteVersion(path, existing.stat.version);
    }
    throw new NodeExistsError(`could not register '${name}' after ${REGISTER_ATTEMPTS_MAX} attempts`, {
      path,
    });
  }

  /** The owner holding `name`, or `undefined`. */
  async lookup(name: string): Promise<string | undefined> {
    return (await this.read(`${this.path}/${name}`))?.owner;
  }

  private async read(path: string): Promise<{ owner: string; stat: Stat } | undefined> {
    try {
      const { data, stat } = await this.client.getData(path);
      return { owner: data.toString('utf8'), stat };
    } catch (error) {
      if (error instanceof NoNodeError) return undefined;
      throw error;
    }
  }

  private async deleteVersion(path: string, version: number): Promise<void> {
    try {
      await this.client.delete(path, { version });
    } catch (error) {
      // Someone else deleted or re-took it meanwhile: the next attempt looks again.
      if (!(error instanceof NoNodeError || error instanceof BadVersionError)) throw error;
    }
  }

  private registration(name: string, owner: string, path: string, czxid: bigint): NameRegistration {
    const ownership = new OwnershipSignal(this.client, this.policy, path);
    watchHeldNode(
      this.client,
      path,
      () => !ownership.signal.aborted,
      (reason) => ownership.abort(reason),
    );
    const isHeld = async (): Promise<boolean> => {
      const existing = await this.read(path);
      return (
        existing !== undefined &&
        existing.stat.ephemeralOwner === this.client.sessionId &&
        existing.owner === owner
      );
    };
    let released = false;
    const release = async (): Promise<void> => {
      if (released) return;
      ownership.abort('released');
      const existing = await this.read(path);
      if (existing !== undefined && existing.stat.ephemeralOwner === this.client.sessionId)
        await this.deleteVersion(path, existing.stat.version);
      // Only now: a release that failed (the connection) may be called again.
      released = true;
    };
    return {
      name,
      owner,
      path,
      fencingToken: czxid,
      signal: ownership.signal,
      isHeld,
      release,
      [Symbol.asyncDispose]: release,
    };
  }
}

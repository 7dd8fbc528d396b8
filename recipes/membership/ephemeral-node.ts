/**
 * EphemeralNode: an EPHEMERAL node this process keeps in place (Curator's `PersistentNode`
 * in ephemeral mode), the building block of {@link GroupMember} and service registration.
 * It is created on `start()`, re-created when someone deletes it and after a new session
 * (RECONNECTED following LOST), and its data follows `setData`. A node of the same path
 * held by another session (an earlier session of ours not yet expired, or a real conflict)
 * is never stolen: the recipe reports {@link EphemeralNodeConflictError} and re-creates the
 * node once that one is gone.
 *
 * Connection states: SUSPENDED: the node probably still exists (it lives as long as the
 * session) but nobody can be sure; nothing is done. LOST: the server deleted the node with
 * the session; others see this member gone until the new session re-creates it, which
 * happens by itself on RECONNECTED.
 */
import { EventEmitter } from 'eventemitter3';
import {
  BadVersionError,
  ClosedError,
  type ConnectionState,
  CreateMode,
  type NodeData,
  NodeExistsError,
  NoNodeError,
  type WatchEvent,
  type ZooKitClient,
} from '../../src/index';
import { RecipeLifecycle } from '../recipe-state';

/** The node's path is held by another session. */
export class EphemeralNodeConflictError extends Error {
  override readonly name = 'EphemeralNodeConflictError';
  constructor(
    readonly path: string,
    readonly ownerSessionId: bigint,
  ) {
    super(`${path} is held by session 0x${ownerSessionId.toString(16)}; waiting for it to go`);
  }
}

/** Events of {@link EphemeralNode}. */
export interface EphemeralNodeEvents {
  /** The node was (re-)created by this client. */
  created: [path: string];
  /** A conflict ({@link EphemeralNodeConflictError}) or a failed attempt; the node keeps trying on the next change. */
  error: [error: unknown];
}

/** Rounds of one ensure pass (create, find, update) racing other writers. */
const ENSURE_ROUNDS_MAX = 5;

/** An ephemeral node kept in place. */
export class EphemeralNode extends EventEmitter<EphemeralNodeEvents> {
  private readonly lifecycle = new RecipeLifecycle('EphemeralNode');
  private data: Buffer;
  private tail: Promise<void> = Promise.resolve();
  private ensurePending = false;
  private readonly onState = (state: ConnectionState): void => {
    if (state === 'RECONNECTED') void this.scheduleEnsure();
  };
  private readonly watcher = (event: WatchEvent): void => {
    if (event.type === 'NodeDeleted' || event.type === 'NodeDataChanged' || event.type === 'NodeCreated')
      void this.scheduleEnsure();
  };

  constructor(
    private readonly client: ZooKitClient,
    readonly path: string,
    data: NodeData,
  ) {
    super();
    this.data = Buffer.from(data);
  }

  /** Creates the node; resolves once it exists (or a conflict was reported). */
  async start(): Promise<void> {
    this.lifecycle.start();
    this.client.on('stateChanged', this.onState);
    await this.scheduleEnsure();
  }

  /** The data the node should hold. */
  get currentData(): Buffer {
    return this.data;
  }

  /** Changes the node's data (also kept for re-creation). */
  async setData(data: NodeData): Promise<void> {
    this.lifecycle.requireStarted('setData');
    this.data = Buffer.from(data);
    await this.scheduleEnsure();
  }

  /** Stops keeping the node and deletes it if it is ours. Idempotent. */
  async close(): Promise<void> {
    if (!this.lifecycle.close()) return;
    this.client.off('stateChanged', this.onState);
    await this.tail;
    try {
      const { stat } = await this.client.getData(this.path);
      if (stat.ephemeralOwner === this.client.sessionId)
        await this.client.delete(this.path, { version: stat.version, guaranteed: true });
    } catch (error) {
      if (!(error instanceof NoNodeError || error instanceof BadVersionError || error instanceof ClosedError))
        throw error;
    }
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private scheduleEnsure(): Promise<void> {
    if (this.ensurePending) return this.tail;
    this.ensurePending = true;
    const result = this.tail.then(async () => {
      this.ensurePending = false;
      if (this.lifecycle.started) await this.ensure();
    });
    this.tail = result.catch((error: unknown) => {
      if (this.lifecycle.started && !(error instanceof ClosedError)) this.emit('error', error);
    });
    return this.tail;
  }

  /** Reads the node (arming the watch), then creates it, updates its data, or reports a conflict. */
  private async ensure(): Promise<void> {
    for (let round = 0; round < ENSURE_ROUNDS_MAX; round++) {
      let existing: { data: Buffer; stat: { version: number; ephemeralOwner: bigint } } | undefined;
      try {
        existing = await this.client.getData(this.path, { watch: this.watcher });
      } catch (error) {
        if (!(error instanceof NoNodeError)) throw error;
      }
      if (existing === undefined) {
        if (await this.create()) this.emit('created', this.path);
        continue; // read again to arm the watch on the node we made
      }
      if (existing.stat.ephemeralOwner !== this.client.sessionId) {
        this.emit('error', new EphemeralNodeConflictError(this.path, existing.stat.ephemeralOwner));
        return; // the watch brings us back when that node goes
      }
      if (existing.data.equals(this.data)) return;
      try {
        await this.client.setData(this.path, this.data, { version: existing.stat.version });
      } catch (error) {
        if (!(error instanceof BadVersionError || error instanceof NoNodeError)) throw error;
      }
    }
    throw new Error(`${this.path}: the node kept changing for ${ENSURE_ROUNDS_MAX} rounds`);
  }

  private async create(): Promise<boolean> {
    try {
      await this.client.create(this.path, this.data, {
        mode: CreateMode.EPHEMERAL,
        creatingParentContainersIfNeeded: true,
      });
      return true;
    } catch (error) {
      if (error instanceof NodeExistsError) return false;
      throw error;
    }
  }
}

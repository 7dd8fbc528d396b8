/**
 * DistributedDoubleBarrier: `memberQty` processes enter together and leave together
 * (Curator's `DistributedDoubleBarrier`). Each member is an EPHEMERAL node
 * `<path>/<uuid>`; the member that sees `memberQty` members creates `<path>/ready`, which
 * lets everyone in. On leave, members delete their nodes in an order where each deletion
 * wakes one waiter (see {@link decideLeave}); the last one out deletes `ready`, so the
 * barrier can be used again, but only once every member of the round has left: a member
 * entering while the last round's `ready` still stands passes at once and is counted by the
 * last round's leavers. Use a fresh path per round unless rounds never overlap.
 *
 * Connection states: SUSPENDED: enter/leave keep waiting (reads retry under the client's
 * policy). LOST: our member node is gone with the session, so the count the others see is
 * wrong: `enter` rejects with {@link BarrierMemberLostError} if our node vanished before
 * `ready`, and `leave` rejects with it when our node disappeared without us deleting it.
 */
import { randomUUID } from 'node:crypto';
import { CreateMode, NodeExistsError, NoNodeError, type ZooKitClient } from '../../src/index';
import { assert } from '../../src/util/assert';
import { deadlineFrom, waitUntil } from '../cache/waiting';
import { barrierMembers, decideEnter, decideLeave, READY_NODE } from './barrier-decisions';
import type { BarrierWaitOptions } from './distributed-barrier';

/** Our member node vanished (the session ended) while the barrier was in use. */
export class BarrierMemberLostError extends Error {
  override readonly name = 'BarrierMemberLostError';
  constructor(readonly path: string) {
    super(`${path}: our member node is gone (session lost)`);
  }
}

/** Rounds of one enter/leave: each round waits for one change (bounded by the deadline too). */
const ROUNDS_MAX = 10_000;

/** A double barrier for `memberQty` members. */
export class DistributedDoubleBarrier {
  private readonly ourName = randomUUID();
  private readonly readyPath: string;

  constructor(
    private readonly client: ZooKitClient,
    readonly path: string,
    readonly memberQty: number,
  ) {
    assert(Number.isSafeInteger(memberQty) && memberQty > 0, 'memberQty must be a positive integer');
    this.readyPath = `${path}/${READY_NODE}`;
  }

  /** Our member node's path. */
  get ourPath(): string {
    return `${this.path}/${this.ourName}`;
  }

  /**
   * Enters; resolves true once all `memberQty` members are in, false on timeout. On timeout,
   * abort or any failure our member node is deleted (guaranteed) before the promise settles:
   * a member node left behind would count as a member that is not there, and let the others
   * in one member short.
   */
  async enter(options: BarrierWaitOptions = {}): Promise<boolean> {
    const deadlineMs = deadlineFrom(options.timeoutMs);
    const ready = await this.client.exists(this.readyPath, { watch: true });
    await this.createOurs();
    try {
      const entered = await this.awaitEntry(ready, deadlineMs, options.signal);
      if (!entered) await this.deleteOurs();
      return entered;
    } catch (error) {
      await this.deleteOurs().catch(() => undefined); // guaranteed: retried in the background
      throw error;
    }
  }

  /**
   * Creates our member node. A create whose reply was lost is retried by the client and then
   * finds the node made by its first attempt: ours when this session owns it.
   */
  private async createOurs(): Promise<void> {
    try {
      await this.client.create(this.ourPath, null, {
        mode: CreateMode.EPHEMERAL,
        creatingParentContainersIfNeeded: true,
      });
    } catch (error) {
      if (!(error instanceof NodeExistsError)) throw error;
      const stat = await this.client.exists(this.ourPath);
      if (stat === null || stat.ephemeralOwner !== this.client.sessionId)
        throw new BarrierMemberLostError(this.ourPath);
    }
  }

  private async awaitEntry(
    ready: { stat: unknown; watchEvent: Promise<{ type: string }> },
    deadlineMs: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    let readyEvent = ready.watchEvent;
    let readyExists = ready.stat !== null;
    for (let round = 0; round < ROUNDS_MAX; round++) {
      const children = await this.client.getChildren(this.path);
      const members = barrierMembers(children);
      if (!readyExists && !members.includes(this.ourName)) throw new BarrierMemberLostError(this.ourPath);
      const decision = decideEnter(readyExists, members.length, this.memberQty);
      if (decision === 'entered') return true;
      if (decision === 'createReady') {
        await this.createReady();
        return true;
      }
      const outcome = await waitUntil(readyEvent, deadlineMs, signal);
      if (outcome === 'timeout') return false;
      // Trust a creation event: the last leaver of a fast round may have deleted `ready` again.
      if ((await readyEvent).type === 'NodeCreated') return true;
      // NotWatching (a new session) or another event: look again.
      const again = await this.client.exists(this.readyPath, { watch: true });
      readyEvent = again.watchEvent;
      readyExists = again.stat !== null;
    }
    throw new Error(`${this.path}: enter did not settle in ${ROUNDS_MAX} rounds`);
  }

  /** Leaves; resolves true once every member left, false on timeout. */
  async leave(options: BarrierWaitOptions = {}): Promise<boolean> {
    const deadlineMs = deadlineFrom(options.timeoutMs);
    let ourDeleted = false;
    for (let round = 0; round < ROUNDS_MAX; round++) {
      const members = barrierMembers(await this.childrenOrEmpty());
      const decision = decideLeave(members, this.ourName, ourDeleted);
      switch (decision.action) {
        case 'done':
          return true;
        case 'lost':
          throw new BarrierMemberLostError(this.ourPath);
        case 'deleteOursAndDone':
          await this.deleteOurs();
          await this.deleteIgnoringMissing(this.readyPath);
          return true;
        case 'wait': {
          if (decision.deleteOurs) {
            await this.deleteOurs();
            ourDeleted = true;
          }
          const gone = await this.waitForDeletion(
            `${this.path}/${decision.node}`,
            deadlineMs,
            options.signal,
          );
          if (!gone) return false;
        }
      }
    }
    throw new Error(`${this.path}: leave did not settle in ${ROUNDS_MAX} rounds`);
  }

  /** Waits for `path` to change (getData watch, per the house rule); false on timeout. */
  private async waitForDeletion(
    path: string,
    deadlineMs: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    let watchEvent: Promise<unknown>;
    try {
      watchEvent = (await this.client.getData(path, { watch: true })).watchEvent;
    } catch (error) {
      if (error instanceof NoNodeError) return true;
      throw error;
    }
    return (await waitUntil(watchEvent, deadlineMs, signal)) === 'settled';
  }

  private async childrenOrEmpty(): Promise<string[]> {
    try {
      return await this.client.getChildren(this.path);
    } catch (error) {
      if (error instanceof NoNodeError) return [];
      throw error;
    }
  }

  private async createReady(): Promise<void> {
    try {
      await this.client.create(this.readyPath, null);
    } catch (error) {
      if (!(error instanceof NodeExistsError)) throw error;
    }
  }

  /** Deletes our member node, guaranteed (retried in the background after a connection failure). */
  private deleteOurs(): Promise<void> {
    return this.deleteIgnoringMissing(this.ourPath, true);
  }

  private async deleteIgnoringMissing(path: string, guaranteed = false): Promise<void> {
    try {
      await this.client.delete(path, { guaranteed });
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
    }
  }
}

/**
 * Checkers over what the simulated clients saw (issue 7's client-level guarantees), each a
 * pure function of recorded facts so unit tests can feed it histories that must fail:
 *
 * - {@link checkSessionFifo}: a session's writes are applied in the order it issued them, an
 *   acknowledged write is in the history with the outcome its client saw, and on one
 *   connection no write is skipped while a later one applies (ZooKeeper's FIFO client order).
 * - {@link checkEphemerals}: no ephemeral is owned by a session whose close/expiry applied —
 *   it neither survives the session nor is created after it.
 * - {@link checkMonotonicSessions}: what one session observes (write acks, plain and synced
 *   reads) never goes back in zxid — ZooKeeper's guarantee for reads without sync.
 * - {@link checkLinearizable}: writes and sync+reads, per key, are linearizable.
 */

import { formatZxid } from '../../server/zab/zxid';
import { InvariantViolation } from './checkers';
import {
  type CheckLimits,
  checkPartitioned,
  defaultCheckLimits,
  type Operation,
  type RegisterInput,
  type RegisterOutput,
  registerModel,
} from './linearizability';
import type { SimRequest, SimResult, SimState, SimTxn } from './state-machine';

/** One write a client issued. */
export interface WriteRecord {
  readonly request: SimRequest;
  /** The client's connection (a new one after each reconnect). */
  readonly connection: number;
  readonly invokeAt: number;
  /** Infinity while no reply came (lost: outcome unknown). */
  returnAt: number;
  /** The outcome the client saw, if it saw one. */
  result: SimResult | undefined;
}

/** One read a client completed (plain, or after a sync). */
export interface ReadRecord {
  readonly session: number;
  readonly key: string;
  readonly value: string | null;
  /** The zxid of the state it read. */
  readonly zxid: bigint;
  readonly synced: boolean;
  readonly invokeAt: number;
  readonly returnAt: number;
}

/** One committed txn of the final history. */
export interface HistoryTxn {
  readonly zxid: bigint;
  readonly txn: SimTxn;
}

function requestKey(session: number, sequence: number): string {
  return `${session}:${sequence}`;
}

/** Per-session FIFO over the final history and the clients' write records. */
export function checkSessionFifo(history: readonly HistoryTxn[], writes: readonly WriteRecord[]): void {
  const lastSequence = new Map<number, number>();
  const applied = new Map<string, HistoryTxn>();
  for (const item of history) {
    const { session, sequence, type, result } = item.txn;
    if (type === 'expire') continue; // the leader's own txn, not the session's
    applied.set(requestKey(session, sequence), item);
    // A request from a connection the session left is refused (SESSIONMOVED) wherever it
    // lands; its client already saw a connection loss.
    if (result === 'session-moved') continue;
    const previous = lastSequence.get(session);
    if (previous !== undefined && sequence <= previous) {
      throw new InvariantViolation(
        `session ${session}: write #${sequence} applied at ${formatZxid(item.zxid)} after #${previous}: FIFO order broken`,
      );
    }
    lastSequence.set(session, sequence);
  }
  // One connection may carry several sessions in turn (a new one after a close).
  const byConnection = new Map<string, WriteRecord[]>();
  for (const write of writes) {
    const found = applied.get(requestKey(write.request.session, write.request.sequence));
    if (write.result !== undefined && found?.txn.result !== write.result) {
      throw new InvariantViolation(
        `session ${write.request.session}: write #${write.request.sequence} was acknowledged (${write.result}) ` +
          `but the history ${found === undefined ? 'lacks it' : `says ${found.txn.result}`}: an acknowledged write was lost`,
      );
    }
    const connection = `${write.connection}/${write.request.session}`;
    const list = byConnection.get(connection) ?? [];
    list.push(write);
    byConnection.set(connection, list);
  }
  for (const [connection, list] of byConnection) {
    list.sort((a, b) => a.request.sequence - b.request.sequence);
    let missing: WriteRecord | undefined;
    for (const write of list) {
      const present = applied.has(requestKey(write.request.session, write.request.sequence));
      if (!present) missing ??= write;
      else if (missing !== undefined) {
        throw new InvariantViolation(
          `connection ${connection.split('/')[0]}: write #${write.request.sequence} of session ${write.request.session} ` +
            `applied but the earlier #${missing.request.sequence} never did: a gap in FIFO order`,
        );
      }
    }
  }
}

/** No ephemeral of a dead session exists in `state` (call after any apply). */
export function checkEphemerals(state: SimState, where: string): void {
  for (const [path, node] of state.ephemerals) {
    const diedAt = state.deadSessions.get(node.owner);
    if (diedAt === undefined) continue;
    const how =
      node.zxid < diedAt
        ? `survives its session's close at ${formatZxid(diedAt)}`
        : `was created at ${formatZxid(node.zxid)}, after its session died at ${formatZxid(diedAt)}`;
    throw new InvariantViolation(`${where}: ephemeral ${path} of session ${node.owner} ${how}`);
  }
}

/** What one session observed, in the order it observed it. */
export interface SessionObservation {
  readonly session: number;
  readonly zxid: bigint;
  readonly at: number;
  readonly what: string;
}

/** A session's observed zxids never decrease. */
export function checkMonotonicSessions(observations: readonly SessionObservation[]): void {
  const last = new Map<number, SessionObservation>();
  for (const observation of [...observations].sort((a, b) => a.at - b.at)) {
    const previous = last.get(observation.session);
    if (previous !== undefined && observation.zxid < previous.zxid) {
      throw new InvariantViolation(
        `session ${observation.session}: ${observation.what} at ${formatZxid(observation.zxid)} after ` +
          `${previous.what} at ${formatZxid(previous.zxid)}: a session went back in time`,
      );
    }
    last.set(observation.session, observation);
  }
}

/**
 * Linearizability of the `set` writes and synced reads. A write whose reply was lost counts
 * only if it is in the final history with outcome ok; it then returns, at the latest, when
 * the first server applied it (`firstApplied`): anyone could read it from then on, so a
 * correct system linearizes it before. Plain reads are not linearizable in ZooKeeper and are
 * left out (see {@link checkMonotonicSessions}).
 */
export function checkLinearizable(
  history: readonly HistoryTxn[],
  writes: readonly WriteRecord[],
  reads: readonly ReadRecord[],
  firstApplied: ReadonlyMap<string, number>,
  limits: CheckLimits = defaultCheckLimits,
): void {
  const outcome = new Map<string, SimResult>();
  for (const item of history) outcome.set(requestKey(item.txn.session, item.txn.sequence), item.txn.result);
  const operations: Operation<RegisterInput, RegisterOutput>[] = [];
  for (const write of writes) {
    const { request } = write;
    if (request.type !== 'set') continue;
    const key = requestKey(request.session, request.sequence);
    if (outcome.get(key) !== 'ok') continue;
    const applied = firstApplied.get(key);
    if (applied === undefined)
      throw new InvariantViolation(`write ${key} is in the history but was never applied`);
    const returnAt = write.result === undefined ? applied : write.returnAt;
    operations.push({
      input: { kind: 'write', key: request.key, value: request.value },
      output: null,
      invokeAt: write.invokeAt,
      returnAt,
    });
  }
  for (const read of reads) {
    if (!read.synced) continue;
    operations.push({
      input: { kind: 'read', key: read.key },
      output: read.value,
      invokeAt: read.invokeAt,
      returnAt: read.returnAt,
    });
  }
  const result = checkPartitioned(registerModel, operations, (input) => input.key, limits);
  if (!result.ok) throw new InvariantViolation(`client history: ${result.reason}`);
}

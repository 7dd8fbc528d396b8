/**
 * Safety checkers of the simulation (TigerBeetle's state_checker): every server's applied
 * history is a prefix of one global history, zxids strictly increase along it, and no txn
 * any server applied (and so could have acknowledged to a client) is ever missing later.
 */

import type { LogEntry } from '../../server/zab/messages';
import { formatZxid } from '../../server/zab/zxid';

/** A broken invariant, with what the checker saw. */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

/** Watches every apply of every server. */
export class HistoryChecker {
  /** The one history all servers must agree on (longest applied prefix seen). */
  readonly history: LogEntry[] = [];
  private readonly applied = new Map<number, LogEntry[]>();

  /** Server `id` applied `entry` after everything it applied before. */
  apply(id: number, entry: LogEntry): void {
    const list = this.applied.get(id) ?? [];
    const last = list.at(-1);
    if (last !== undefined && entry.zxid <= last.zxid) {
      throw new InvariantViolation(
        `server ${id} applied ${formatZxid(entry.zxid)} after ${formatZxid(last.zxid)}: zxids must increase`,
      );
    }
    this.checkAt(id, list.length, entry);
    list.push(entry);
    this.applied.set(id, list);
  }

  /** Server `id`'s state was replaced (restart from its snapshot, or a leader's SNAP). */
  replace(id: number, history: readonly LogEntry[]): void {
    for (const [index, entry] of history.entries()) this.checkAt(id, index, entry);
    this.applied.set(id, history.slice());
  }

  /** What server `id` has applied. */
  appliedBy(id: number): readonly LogEntry[] {
    return this.applied.get(id) ?? [];
  }

  private checkAt(id: number, index: number, entry: LogEntry): void {
    const expected = this.history[index];
    if (expected === undefined) {
      if (index !== this.history.length)
        throw new InvariantViolation(`server ${id} skipped history at ${index}`);
      const previous = this.history.at(-1);
      if (previous !== undefined && entry.zxid <= previous.zxid) {
        throw new InvariantViolation(
          `history zxid ${formatZxid(entry.zxid)} after ${formatZxid(previous.zxid)}`,
        );
      }
      this.history.push(entry);
      return;
    }
    if (expected.zxid !== entry.zxid || !expected.data.equals(entry.data)) {
      throw new InvariantViolation(
        `server ${id} applied ${formatZxid(entry.zxid)} "${entry.data}" at position ${index}, ` +
          `but ${formatZxid(expected.zxid)} "${expected.data}" was applied there before: a committed txn was lost`,
      );
    }
  }

  /** Every server in `ids` has applied the whole global history (used after healing). */
  checkConverged(ids: readonly number[]): void {
    for (const id of ids) {
      const list = this.appliedBy(id);
      if (list.length !== this.history.length) {
        throw new InvariantViolation(
          `server ${id} applied ${list.length} txns, the history holds ${this.history.length}`,
        );
      }
    }
  }
}

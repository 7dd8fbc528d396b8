/**
 * The simulation's replicated state machine: a small ZooKeeper — keys with values, sessions,
 * and ephemeral nodes owned by sessions — shaped like the server's request → Txn spine:
 *
 * - a client's {@link SimRequest} is PREPared on the leader against its view (the applied
 *   state plus every txn it has logged but not applied: ZooKeeper's outstanding changes),
 *   which decides the outcome and, for a closeSession, the ephemerals to delete;
 * - the resulting {@link SimTxn} is what ZAB replicates, and every server applies it blindly.
 *
 * So a leader that PREPs against a stale view produces txns the checkers catch (an ephemeral
 * of a closed session, a write of an expired session), as a real ZooKeeper would go wrong.
 * Log entries that are not JSON objects (the simulator's liveness marker) are no-ops.
 */

import type { LogEntry } from '../../server/zab/messages';

/** What a client (or the leader's session expiry) asks for. */
export type SimRequest =
  | { readonly type: 'create-session'; readonly session: number; readonly sequence: number }
  | { readonly type: 'close-session'; readonly session: number; readonly sequence: number }
  | { readonly type: 'expire'; readonly session: number; readonly sequence: number }
  | {
      readonly type: 'set';
      readonly session: number;
      readonly sequence: number;
      readonly key: string;
      readonly value: string;
    }
  | {
      readonly type: 'create-ephemeral';
      readonly session: number;
      readonly sequence: number;
      readonly path: string;
    }
  | { readonly type: 'delete'; readonly session: number; readonly sequence: number; readonly path: string };

/**
 * Outcome decided at PREP. `session-moved`: the request came over a connection the session
 * has since left (Apache's owner check, SESSIONMOVED): a write still in flight from the old
 * server must not apply after the client's newer writes through the new one.
 */
export type SimResult = 'ok' | 'session-expired' | 'node-exists' | 'no-node' | 'session-moved';

/** A PREPared request: the replicated txn. `paths` are the ephemerals a close/expire deletes. */
export type SimTxn = SimRequest & { readonly result: SimResult; readonly paths?: readonly string[] };

/** Encodes a request or txn as log/request bytes. */
export function encodeSim(value: SimRequest | SimTxn): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** Decoded txns by their bytes: the simulated servers share one Buffer per logged txn. */
const decoded = new WeakMap<Buffer, SimTxn | undefined>();

/** Decodes {@link encodeSim}; undefined for bytes that are not a sim request (the marker). */
export function decodeSim(data: Buffer): SimTxn | undefined {
  if (decoded.has(data)) return decoded.get(data);
  const txn = data[0] === 0x7b ? (JSON.parse(data.toString()) as SimTxn) : undefined; // '{'
  decoded.set(data, txn);
  return txn;
}

/** One server's state. */
export class SimState {
  readonly values = new Map<string, { readonly value: string; readonly zxid: bigint }>();
  readonly liveSessions = new Set<number>();
  /** Sessions whose close or expiry was applied, with that txn's zxid. */
  readonly deadSessions = new Map<number, bigint>();
  /** Ephemeral path → owning session and the zxid that created it. */
  readonly ephemerals = new Map<string, { readonly owner: number; readonly zxid: bigint }>();
  /** zxid of the last applied entry. */
  zxid = 0n;

  /** A copy (the leader's PREP view starts from one). */
  clone(): SimState {
    const copy = new SimState();
    for (const [key, value] of this.values) copy.values.set(key, value);
    for (const session of this.liveSessions) copy.liveSessions.add(session);
    for (const [session, zxid] of this.deadSessions) copy.deadSessions.set(session, zxid);
    for (const [path, owner] of this.ephemerals) copy.ephemerals.set(path, owner);
    copy.zxid = this.zxid;
    return copy;
  }

  /** Applies one committed entry as its txn says (no checks: the leader decided at PREP). */
  apply(entry: LogEntry): SimTxn | undefined {
    this.zxid = entry.zxid;
    const txn = decodeSim(entry.data);
    if (txn === undefined || txn.result !== 'ok') return txn;
    switch (txn.type) {
      case 'create-session':
        this.liveSessions.add(txn.session);
        return txn;
      case 'close-session':
      case 'expire':
        this.liveSessions.delete(txn.session);
        this.deadSessions.set(txn.session, entry.zxid);
        for (const path of txn.paths ?? []) this.ephemerals.delete(path);
        return txn;
      case 'set':
        this.values.set(txn.key, { value: txn.value, zxid: entry.zxid });
        return txn;
      case 'create-ephemeral':
        this.ephemerals.set(txn.path, { owner: txn.session, zxid: entry.zxid });
        return txn;
      case 'delete':
        this.ephemerals.delete(txn.path);
        return txn;
    }
  }
}

/** Rebuilds a state from a whole applied history. */
export function stateFromHistory(history: readonly LogEntry[]): SimState {
  const state = new SimState();
  for (const entry of history) state.apply(entry);
  return state;
}

/**
 * The leader's PREP: decides the request's outcome against `view` (applied + logged txns).
 * `moved` says the session now talks through another connection than the request's.
 */
export function prepareSim(view: SimState, request: SimRequest, moved = false): SimTxn {
  if (moved && request.type !== 'expire') return { ...request, result: 'session-moved' };
  const live = view.liveSessions.has(request.session);
  switch (request.type) {
    case 'create-session':
      return {
        ...request,
        result: live || view.deadSessions.has(request.session) ? 'session-expired' : 'ok',
      };
    case 'close-session':
    case 'expire': {
      if (!live) return { ...request, result: 'session-expired' };
      const paths = [...view.ephemerals]
        .filter(([, node]) => node.owner === request.session)
        .map(([path]) => path);
      return { ...request, result: 'ok', paths: paths.sort() };
    }
    case 'set':
      return { ...request, result: live ? 'ok' : 'session-expired' };
    case 'create-ephemeral':
      if (!live) return { ...request, result: 'session-expired' };
      return { ...request, result: view.ephemerals.has(request.path) ? 'node-exists' : 'ok' };
    case 'delete':
      if (!live) return { ...request, result: 'session-expired' };
      return { ...request, result: view.ephemerals.has(request.path) ? 'ok' : 'no-node' };
  }
}

/** Entries between two saved states of the global history (rebuilds replay at most this many). */
const checkpointInterval = 64;

/**
 * Each server's state, kept in step with the HistoryChecker's applied list of that server:
 * applied entries are folded in incrementally; a replaced list (restart, SNAP) is rebuilt
 * from a saved state of the global history — every server's list is a prefix of it (the
 * HistoryChecker asserts that), so a rebuild replays fewer than 64 entries.
 */
export class StateTracker {
  private readonly cache = new Map<number, { list: readonly LogEntry[]; count: number; state: SimState }>();
  /** checkpoints[i]: the state after the first i × checkpointInterval entries of the history. */
  private readonly checkpoints: SimState[] = [new SimState()];

  constructor(
    private readonly appliedBy: (id: number) => readonly LogEntry[],
    private readonly history: () => readonly LogEntry[],
  ) {}

  /** Server `id`'s state after everything it applied. */
  state(id: number): SimState {
    const list = this.appliedBy(id);
    let cached = this.cache.get(id);
    if (cached === undefined || cached.list !== list || cached.count > list.length) {
      cached = { list, count: list.length, state: this.prefixState(list.length) };
      this.cache.set(id, cached);
    }
    for (; cached.count < list.length; cached.count++) {
      const entry = list[cached.count];
      if (entry !== undefined) cached.state.apply(entry);
    }
    return cached.state;
  }

  /** A fresh state after the first `length` entries of the global history. */
  private prefixState(length: number): SimState {
    const history = this.history();
    if (length > history.length)
      throw new Error(`prefix ${length} is beyond the history (${history.length})`);
    const index = Math.floor(length / checkpointInterval);
    while (this.checkpoints.length <= index) {
      const from = (this.checkpoints.length - 1) * checkpointInterval;
      const state = (this.checkpoints.at(-1) as SimState).clone();
      for (const entry of history.slice(from, from + checkpointInterval)) state.apply(entry);
      this.checkpoints.push(state);
    }
    const state = (this.checkpoints[index] as SimState).clone();
    for (const entry of history.slice(index * checkpointInterval, length)) state.apply(entry);
    return state;
  }
}

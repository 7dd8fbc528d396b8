/**
 * A linearizability checker after Porcupine and Knossos (written from their published design,
 * not their code): the Wing & Gong search with Lowe's improvements.
 *
 * - A history is a list of operations with an invoke time and a return time; an operation
 *   whose reply was lost has return time `Infinity` (it may take effect at any point after
 *   its invocation, or never: placed last, it changes nothing).
 * - The calls and returns, sorted by time, form a doubly linked list. The search walks it:
 *   a call whose operation the model accepts in the current state is linearized (both its
 *   entries are unlinked, the choice is pushed on a stack); reaching a return means its
 *   operation was not linearized before it returned, so the last choice is undone
 *   (backtrack). The list running empty means a linearization exists.
 * - Memoisation: the pair (set of linearized operations, model state) is cached; a choice
 *   leading to a cached pair is skipped, which keeps most real histories near linear.
 * - Operations are partitioned by key first (P-compositionality): each key is a register.
 * - Bounded: a search that takes more than `searchStepsMax` steps, or a partition of more
 *   than `operationsMax` operations, throws {@link LinearizabilityBudgetExceeded} — a
 *   history too big to check fails loudly, it never passes silently.
 */

/** One operation of a client history. */
export interface Operation<Input, Output> {
  readonly input: Input;
  readonly output: Output;
  /** When the client invoked it (any unit; only the order matters). */
  readonly invokeAt: number;
  /** When the client saw the reply; `Infinity` for a lost reply (outcome unknown). */
  readonly returnAt: number;
}

/** A sequential specification. */
export interface Model<State, Input, Output> {
  readonly init: () => State;
  /** The state after the operation, or undefined if it cannot return `output` in `state`. */
  readonly step: (state: State, input: Input, output: Output) => State | undefined;
  /** A string that is equal for equal states (memoisation). */
  readonly stateKey: (state: State) => string;
  /** A readable form of one operation, for failure reports. */
  readonly describe: (input: Input, output: Output) => string;
}

/** Search limits. */
export interface CheckLimits {
  readonly searchStepsMax: number;
  readonly operationsMax: number;
}

/** Default limits: generous for the simulator's histories, small enough to never hang CI. */
export const defaultCheckLimits: CheckLimits = { searchStepsMax: 5_000_000, operationsMax: 20_000 };

/** The outcome for one history. */
export type CheckResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The search ran out of its budget: the history is too big to decide, which is a failure. */
export class LinearizabilityBudgetExceeded extends Error {
  override readonly name = 'LinearizabilityBudgetExceeded';
}

/** Checks one partition (one key). */
export function checkOperations<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  limits: CheckLimits = defaultCheckLimits,
): CheckResult {
  if (operations.length > limits.operationsMax) {
    throw new LinearizabilityBudgetExceeded(
      `${operations.length} operations exceed the checker's bound of ${limits.operationsMax}`,
    );
  }
  for (const operation of operations) {
    if (!(operation.returnAt >= operation.invokeAt))
      throw new Error(
        `an operation returns (${operation.returnAt}) before it is invoked (${operation.invokeAt})`,
      );
  }
  return new Search(model, operations, limits).run();
}

/** Checks a history partitioned by `keyOf`; the first failing key is reported. */
export function checkPartitioned<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  keyOf: (input: Input) => string,
  limits: CheckLimits = defaultCheckLimits,
): CheckResult {
  const partitions = new Map<string, Operation<Input, Output>[]>();
  for (const operation of operations) {
    const key = keyOf(operation.input);
    const list = partitions.get(key) ?? [];
    list.push(operation);
    partitions.set(key, list);
  }
  for (const [key, list] of [...partitions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const result = checkOperations(model, list, limits);
    if (!result.ok) return { ok: false, reason: `key ${key}: ${result.reason}` };
  }
  return { ok: true };
}

/** The register model: writes set a value, reads return the current one (null: never written). */
export type RegisterInput =
  | { readonly kind: 'write'; readonly key: string; readonly value: string }
  | {
      readonly kind: 'read';
      readonly key: string;
    };
/** A read's value; writes output nothing. */
export type RegisterOutput = string | null;

/** Sequential specification of one register per key. */
export const registerModel: Model<string | null, RegisterInput, RegisterOutput> = {
  init: () => null,
  step: (state, input, output) => {
    if (input.kind === 'write') return input.value;
    return output === state ? state : undefined;
  },
  stateKey: (state) => (state === null ? '\u0000' : state),
  describe: (input, output) =>
    input.kind === 'write'
      ? `write(${input.key}=${input.value})`
      : `read(${input.key}) → ${output ?? 'null'}`,
};

/** A 32-bit mix of an integer (splitmix-style), for the incremental set hash. */
function mix(value: number, salt: number): number {
  let x = (value ^ salt) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

class Search<State, Input, Output> {
  /** Entries 0..2n-1: 2i is operation i's call, 2i+1 its return; `head` is the sentinel. */
  private readonly next: Int32Array;
  private readonly previous: Int32Array;
  private readonly head: number;
  private readonly bits: Uint32Array;
  private hashLow = 0;
  private hashHigh = 0;
  private readonly seen = new Map<string, Uint32Array[]>();

  constructor(
    private readonly model: Model<State, Input, Output>,
    private readonly operations: readonly Operation<Input, Output>[],
    private readonly limits: CheckLimits,
  ) {
    const count = operations.length;
    this.head = 2 * count;
    this.next = new Int32Array(2 * count + 1).fill(-1);
    this.previous = new Int32Array(2 * count + 1).fill(-1);
    this.bits = new Uint32Array(Math.ceil(count / 32) + 1);
    const entries: number[] = [];
    for (let index = 0; index < 2 * count; index++) entries.push(index);
    const time = (entry: number): number => {
      const operation = operations[entry >> 1] as Operation<Input, Output>;
      return entry % 2 === 0 ? operation.invokeAt : operation.returnAt;
    };
    // By time; at equal times calls first (they overlap), then by entry for determinism.
    entries.sort((a, b) => time(a) - time(b) || (a % 2) - (b % 2) || a - b);
    let last = this.head;
    for (const entry of entries) {
      this.next[last] = entry;
      this.previous[entry] = last;
      last = entry;
    }
  }

  run(): CheckResult {
    const stack: Array<{ readonly call: number; readonly state: State }> = [];
    let state = this.model.init();
    let entry = this.next[this.head] as number;
    let linearizedMost = 0;
    let stuckAt = -1;
    for (let steps = 0; entry !== -1; steps++) {
      if (steps > this.limits.searchStepsMax) {
        throw new LinearizabilityBudgetExceeded(
          `no answer within ${this.limits.searchStepsMax} search steps (${this.operations.length} operations)`,
        );
      }
      const index = entry >> 1;
      const operation = this.operations[index] as Operation<Input, Output>;
      if (entry % 2 === 0) {
        const after = this.model.step(state, operation.input, operation.output);
        if (after !== undefined && this.visit(index, after)) {
          stack.push({ call: entry, state });
          state = after;
          this.unlink(entry);
          if (stack.length > linearizedMost) linearizedMost = stack.length;
          entry = this.next[this.head] as number;
          continue;
        }
        entry = this.next[entry] as number;
        continue;
      }
      // A return before its operation was linearized: undo the last choice.
      if (stuckAt < 0 || stack.length >= linearizedMost) stuckAt = index;
      const top = stack.pop();
      if (top === undefined) return { ok: false, reason: this.explain(stuckAt, linearizedMost) };
      this.toggle(top.call >> 1);
      this.relink(top.call);
      state = top.state;
      entry = this.next[top.call] as number;
    }
    return { ok: true };
  }

  /** Marks operation `index` linearized; false (and unmarked) if (set, state) was seen. */
  private visit(index: number, state: State): boolean {
    this.toggle(index);
    const key = `${this.hashLow}:${this.hashHigh}:${this.model.stateKey(state)}`;
    const sets = this.seen.get(key);
    if (sets?.some((set) => set.every((word, position) => word === this.bits[position])) === true) {
      this.toggle(index);
      return false;
    }
    if (sets === undefined) this.seen.set(key, [this.bits.slice()]);
    else sets.push(this.bits.slice());
    return true;
  }

  private toggle(index: number): void {
    const word = index >> 5;
    this.bits[word] = ((this.bits[word] as number) ^ (1 << (index & 31))) >>> 0;
    this.hashLow = (this.hashLow ^ mix(index, 0x9e3779b9)) >>> 0;
    this.hashHigh = (this.hashHigh ^ mix(index, 0x85ebca6b)) >>> 0;
  }

  /** Unlinks a call and its return (dancing links: the neighbours are kept for relink). */
  private unlink(call: number): void {
    for (const entry of [call, call + 1]) {
      const before = this.previous[entry] as number;
      const after = this.next[entry] as number;
      this.next[before] = after;
      if (after !== -1) this.previous[after] = before;
    }
  }

  private relink(call: number): void {
    for (const entry of [call + 1, call]) {
      const before = this.previous[entry] as number;
      const after = this.next[entry] as number;
      this.next[before] = entry;
      if (after !== -1) this.previous[after] = entry;
    }
  }

  private explain(stuckAt: number, linearizedMost: number): string {
    const operation = this.operations[stuckAt];
    const text =
      operation === undefined
        ? 'unknown operation'
        : `${this.model.describe(operation.input, operation.output)} [${operation.invokeAt}, ${operation.returnAt}]`;
    return `not linearizable: at most ${linearizedMost} of ${this.operations.length} operations linearize; ${text} cannot be placed`;
  }
}

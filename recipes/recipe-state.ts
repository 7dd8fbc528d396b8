/**
 * What every recipe shares: the lifecycle (LATENT → STARTED → CLOSED, Curator's
 * `CuratorFrameworkState` applied to recipes) and the connection-state error policy that says
 * when a holder must assume it may have lost what it holds.
 *
 * - `standard` (Curator's `StandardConnectionStateErrorPolicy`): SUSPENDED and LOST are both
 *   errors. While SUSPENDED the session may already be gone, so a lock holder or a leader
 *   must stop acting as one. This is the safe default.
 * - `session` (Curator's `SessionConnectionStateErrorPolicy`): only LOST is an error. A
 *   SUSPENDED connection whose session survives keeps the lock; the holder accepts the risk
 *   that, for up to the session timeout, another process may already hold it.
 */
import { assert } from '../src/util/assert';

/** The lifecycle states of a recipe. */
export const RecipeState = {
  LATENT: 'LATENT',
  STARTED: 'STARTED',
  CLOSED: 'CLOSED',
} as const;
/** One of {@link RecipeState}. */
export type RecipeState = (typeof RecipeState)[keyof typeof RecipeState];

/** A recipe was used in the wrong lifecycle state (started twice, used before start or after close). */
export class RecipeStateError extends Error {
  override readonly name = 'RecipeStateError';
  constructor(
    readonly recipe: string,
    readonly state: RecipeState,
    operation: string,
  ) {
    super(`${recipe}: cannot ${operation} while ${state}`);
  }
}

/**
 * The one place a recipe's lifecycle changes. Transitions only go forward:
 * LATENT → STARTED → CLOSED, or LATENT → CLOSED.
 */
export class RecipeLifecycle {
  private current: RecipeState = RecipeState.LATENT;

  /** `recipe` names the recipe in errors. */
  constructor(readonly recipe: string) {}

  /** The current state. */
  get state(): RecipeState {
    return this.current;
  }

  /** True while STARTED. */
  get started(): boolean {
    return this.current === RecipeState.STARTED;
  }

  /** True once CLOSED. */
  get closed(): boolean {
    return this.current === RecipeState.CLOSED;
  }

  /** LATENT → STARTED; throws {@link RecipeStateError} when started twice or after close. */
  start(): void {
    if (this.current !== RecipeState.LATENT) throw new RecipeStateError(this.recipe, this.current, 'start');
    this.current = RecipeState.STARTED;
    assert(this.started, 'start leaves the recipe STARTED');
  }

  /** → CLOSED. Returns true if this call closed it, false if it was already closed (idempotent close). */
  close(): boolean {
    if (this.current === RecipeState.CLOSED) return false;
    this.current = RecipeState.CLOSED;
    assert(this.closed, 'close leaves the recipe CLOSED');
    return true;
  }

  /** Throws {@link RecipeStateError} unless STARTED. */
  requireStarted(operation: string): void {
    if (this.current !== RecipeState.STARTED)
      throw new RecipeStateError(this.recipe, this.current, operation);
  }
}

/** When a holder must assume it may have lost what it holds. */
export const ConnectionStateErrorPolicy = {
  /** SUSPENDED and LOST are errors (Curator's default). */
  standard: 'standard',
  /** Only LOST is an error. */
  session: 'session',
} as const;
/** One of {@link ConnectionStateErrorPolicy}. */
export type ConnectionStateErrorPolicy =
  (typeof ConnectionStateErrorPolicy)[keyof typeof ConnectionStateErrorPolicy];

/**
 * The connection states a recipe reacts to. Structurally the client's `ConnectionState`
 * values; spelled out here so the decision below stays a pure function of strings.
 */
export type RecipeConnectionState = 'CONNECTED' | 'SUSPENDED' | 'RECONNECTED' | 'LOST' | 'READ_ONLY';

/** True if `state` means "you may have lost it" under `policy`. Pure. */
export function isErrorState(policy: ConnectionStateErrorPolicy, state: RecipeConnectionState): boolean {
  if (state === 'LOST') return true;
  return policy === ConnectionStateErrorPolicy.standard && state === 'SUSPENDED';
}

/** Why a holder's signal fired: a connection state under the policy, or the holder let go. */
export type LossReason = 'SUSPENDED' | 'LOST' | 'released' | 'closed' | 'nodeDeleted';

/**
 * The reason an ownership signal (`handle.signal`, `takeLeadership(signal)`) aborts with.
 * `reason` says why; for SUSPENDED the lock may still be ours, but nothing guarantees it.
 */
export class OwnershipLostError extends Error {
  override readonly name = 'OwnershipLostError';
  constructor(
    readonly reason: LossReason,
    readonly path: string,
  ) {
    super(`${path}: ownership may be lost (${reason})`);
  }
}

/** The part of the client a recipe needs to follow connection states. */
export interface ConnectionStateSource {
  on(
    event: 'stateChanged',
    listener: (state: RecipeConnectionState, previous: RecipeConnectionState | undefined) => void,
  ): unknown;
  off(
    event: 'stateChanged',
    listener: (state: RecipeConnectionState, previous: RecipeConnectionState | undefined) => void,
  ): unknown;
}

/**
 * An `AbortSignal` that fires with {@link OwnershipLostError} when the connection enters an
 * error state under `policy`, or when `abort(reason)` is called. Once it fired it no longer
 * listens to the client; `dispose()` stops listening without firing (call one of the two, or
 * the listener stays on the client).
 */
export class OwnershipSignal {
  private readonly controller = new AbortController();
  private readonly listener: (state: RecipeConnectionState) => void;
  private disposed = false;

  constructor(
    private readonly source: ConnectionStateSource,
    private readonly policy: ConnectionStateErrorPolicy,
    readonly path: string,
  ) {
    this.listener = (state) => {
      if (isErrorState(this.policy, state)) this.abort(state === 'LOST' ? 'LOST' : 'SUSPENDED');
    };
    source.on('stateChanged', this.listener);
  }

  /** The signal holders watch. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Fires the signal (once; later calls keep the first reason) and stops following connection
   * states: nothing can fire it again.
   */
  abort(reason: LossReason): void {
    this.dispose();
    if (this.controller.signal.aborted) return;
    this.controller.abort(new OwnershipLostError(reason, this.path));
  }

  /** Stops following connection states (`abort` does it too). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.source.off('stateChanged', this.listener);
  }
}

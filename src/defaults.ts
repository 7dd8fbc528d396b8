/**
 * Default options and limits of the client, in one place.
 */
import { Limits } from './protocol/constants';

/** Defaults of {@link ClientOptions}. */
export const clientDefaults = {
  sessionTimeoutMs: 60_000,
  connectionTimeoutMs: 15_000,
  /** Curator's default policy: exponential backoff from 1 s, 3 retries. */
  retryBaseSleepMs: 1_000,
  retryMaxRetries: 3,
  canBeReadOnly: false,
  retrySessionExpired: false,
  frameBytesMax: Limits.packetBytesMax,
} as const;

/** Limits of the client's own queues and loops. */
export const clientLimits = {
  /** Bytes encoded before a write is flushed without waiting for the end of the turn. */
  flushBytesThreshold: 64 * 1024,
  /**
   * Written requests awaiting replies below which an end-of-turn write is never deferred.
   * From this depth on, new requests wait while the server has more queued than they are
   * (fewer, larger writes under pipelined load; a shallow pipeline is written at once).
   */
  flushDeferAwaitingMin: 32,
  /**
   * Fewest replies handled in one turn of the event loop when a read brings more (the
   * budget is half the replies awaited, at least this). The rest wait for the next turn,
   * after the requests the handled replies' continuations issued have been written: with a
   * whole pipeline's replies in one read, handling them all before writing anything made
   * client and server take turns instead of working at the same time.
   */
  framesPerTurn: 32,
  /** Requests that may wait for a connection before new ones fail fast. */
  queuedRequestsMax: 100_000,
  /** Sleep after a failed full pass over the host list: first value, in ms. */
  reconnectBackoffBaseMs: 50,
  /** Sleep after a failed full pass over the host list: cap, in ms. */
  reconnectBackoffMaxMs: 1_000,
  /** Guaranteed deletes: pause between background attempts, in ms. */
  guaranteedDeleteIntervalMs: 500,
  /** Events a persistent watch buffers for a slow reader. */
  persistentWatchBufferMax: 10_000,
  /** Depth bound of recursive deletes and parent creation. */
  treeDepthMax: 1_000,
} as const;

/**
 * Loopback helpers for the harness: free ports, four-letter words, TCP probes, and a
 * bounded poll.
 */
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freeLoopbackPorts } from '../../server/testing/free-ports';

/** The only address test servers listen on. */
export const LOOPBACK = '127.0.0.1';
/** Largest count of ports one {@link freePorts} call hands out. */
const PORTS_MAX = 64;

/**
 * `count` distinct free loopback ports, picked outside the kernel's ephemeral range so no
 * outgoing connection can take one before the test's server listens on it (see
 * server/testing/free-ports.ts). All are held open together before being released.
 */
export async function freePorts(count: number): Promise<number[]> {
  if (!Number.isInteger(count) || count < 1 || count > PORTS_MAX) {
    throw new RangeError(`port count must be 1..${PORTS_MAX}, got ${count}`);
  }
  return freeLoopbackPorts(count);
}

/** One free loopback port. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no port allocated');
  return port;
}

/**
 * Sends a four-letter word (`ruok`, `srvr`, `mntr`…) and returns the whole answer; the
 * server closes the connection after answering. Rejects on a connection error or after
 * `timeoutMs`.
 */
export function fourLetterWord(
  port: number,
  word: string,
  timeoutMs = 2_000,
  host = LOOPBACK,
): Promise<string> {
  if (word.length !== 4) throw new RangeError(`four-letter words have four letters, not '${word}'`);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = createConnection({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`'${word}' to ${host}:${port} timed out`)));
    socket.on('connect', () => socket.end(word));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** True when a TCP connection to `host:port` opens within `timeoutMs`. */
export function canConnect(port: number, timeoutMs = 1_000, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const finish = (connected: boolean): void => {
      socket.destroy();
      resolve(connected);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** The `Mode:` line of a `srvr` answer (`standalone`, `leader`, `follower`…), if any. */
export function serverMode(srvrAnswer: string): string | undefined {
  return /^Mode: (\S+)$/m.exec(srvrAnswer)?.[1];
}

/** Options of {@link waitUntil}. */
export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Called when the time is up; its message becomes the error's. */
  describeFailure: () => string;
  /** Stops waiting early, e.g. when the process being waited for has exited. */
  abandon?: () => string | undefined;
}

/**
 * Polls `probe` until it returns true, bounded by `timeoutMs` (and so by
 * timeoutMs / intervalMs attempts); throws with `describeFailure()` when time runs out.
 */
export async function waitUntil(probe: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + options.timeoutMs;
  const attemptsMax = Math.ceil(options.timeoutMs / intervalMs) + 1;
  for (let attempt = 0; attempt < attemptsMax; attempt++) {
    const abandoned = options.abandon?.();
    if (abandoned !== undefined) throw new Error(abandoned);
    if (await probe().catch(() => false)) return;
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  throw new Error(options.describeFailure());
}

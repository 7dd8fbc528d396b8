/**
 * While the session is connected to a read-only server, look for a read-write one in the
 * background, as Apache's client does (`ClientCnxn.pingRwServer`): after 100 ms, then after
 * twice as long each time up to 60 s, ask the next host `isro`; the first that answers `rw`
 * is reported, and the session moves there. Probes are plain four-letter-word connections:
 * they never touch the session's own connection.
 */
import { connect } from 'node:net';
import { assert } from '../util/assert';
import type { Clock, TimerHandle } from '../util/clock';
import type { HostAddress } from './connect-string';

/** Timing of the search (Apache's minPingRwTimeout / maxPingRwTimeout). */
export const readWriteSearchLimits = {
  /** Wait before the first probe, in ms. */
  firstDelayMs: 100,
  /** Longest wait between two probes, in ms. */
  delayMaxMs: 60_000,
  /** A probe that has not answered by then counts as "not read-write", in ms. */
  probeTimeoutMs: 1_000,
  /** Bytes an `isro` answer may have (it is `rw`, `ro` or `null`). */
  answerBytesMax: 64,
} as const;

/** Asks one server `isro`; resolves with its answer (`rw`, `ro`, …) or undefined on failure. */
export type ReadWriteProbe = (host: HostAddress, timeoutMs: number) => Promise<string | undefined>;

/** Options of {@link ReadWriteSearch}. */
export interface ReadWriteSearchOptions {
  /** Every host of the connect string. */
  readonly hosts: readonly HostAddress[];
  /** The read-only server the session is on (probed last, since it said `ro`). */
  readonly current: HostAddress;
  readonly clock: Clock;
  /** Called once with the first host that answers `rw`; the search is then over. */
  readonly onFound: (host: HostAddress) => void;
  /** Default: a TCP four-letter-word exchange. */
  readonly probe?: ReadWriteProbe;
}

/** One background search; {@link stop} it when the read-only connection ends. */
export class ReadWriteSearch {
  private delayMs: number = readWriteSearchLimits.firstDelayMs;
  private timer: TimerHandle | undefined;
  private nextIndex = 0;
  private stopped = false;
  private readonly order: readonly HostAddress[];
  private readonly probe: ReadWriteProbe;

  constructor(private readonly options: ReadWriteSearchOptions) {
    assert(options.hosts.length > 0, 'a search has hosts to probe');
    const others = options.hosts.filter((host) => !sameHost(host, options.current));
    // With one host there is nothing else to try: probe the same one (it may rejoin a quorum).
    this.order = others.length > 0 ? others : [options.current];
    this.probe = options.probe ?? probeIsReadOnly;
  }

  /** Schedules the first probe. */
  start(): void {
    assert(this.timer === undefined && !this.stopped, 'a search starts once');
    this.schedule();
  }

  /** Ends the search; a probe in flight is ignored when it answers. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delayMs = this.delayMs;
    this.delayMs = Math.min(readWriteSearchLimits.delayMaxMs, this.delayMs * 2);
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      void this.probeNext();
    }, delayMs);
  }

  private async probeNext(): Promise<void> {
    const host = this.order[this.nextIndex % this.order.length];
    assert(host !== undefined, 'the probe order is not empty');
    this.nextIndex = (this.nextIndex + 1) % this.order.length;
    const answer = await this.probe(host, readWriteSearchLimits.probeTimeoutMs).catch(() => undefined);
    if (this.stopped) return;
    if (answer === 'rw') {
      this.stopped = true;
      this.options.onFound(host);
      return;
    }
    this.schedule();
  }
}

function sameHost(a: HostAddress, b: HostAddress): boolean {
  return a.host === b.host && a.port === b.port;
}

/** `isro` over TCP: the server writes its answer and closes. */
export const probeIsReadOnly: ReadWriteProbe = (host, timeoutMs) =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const socket = connect({ host: host.host, port: host.port });
    const finish = (answer: string | undefined): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => finish(undefined));
    socket.on('connect', () => socket.end('isro'));
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > readWriteSearchLimits.answerBytesMax) finish(undefined);
      else chunks.push(chunk);
    });
    socket.on('end', () => finish(Buffer.concat(chunks).toString('latin1').trim()));
    socket.on('error', () => finish(undefined));
  });

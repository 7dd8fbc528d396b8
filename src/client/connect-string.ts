/**
 * Apache's connect string, `host1:port1,host2:port2/chroot`, and the host provider that
 * picks the next server to try (shuffled once, then round-robin, like `StaticHostProvider`).
 */
import { normalizeChroot } from '../protocol/paths';
import { assert } from '../util/assert';
import { type Random, shuffle, systemRandom } from '../util/random';

/** One server address. */
export interface HostAddress {
  host: string;
  port: number;
}

/** The port a host without one gets. */
export const defaultClientPort = 2181;

/** A connect string that cannot be parsed; `part` is the offending piece. */
export class InvalidConnectStringError extends Error {
  override readonly name = 'InvalidConnectStringError';
  constructor(
    readonly connectString: string,
    readonly part: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Invalid connect string "${connectString}": ${reason} ("${part}")`, options);
  }
}

/**
 * Parses `host[:port][,host[:port]…][/chroot]`. Whitespace around the string and each host
 * is trimmed; an IPv6 address goes in brackets (`[::1]:2181`); a missing port is 2181; the
 * chroot starts at the first `/` and must be a valid path (`''` when absent or `/`).
 */
export function parseConnectString(text: string): { hosts: HostAddress[]; chroot: string } {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const hostsText = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const chrootText = slash === -1 ? '' : trimmed.slice(slash).trim();
  let chroot: string;
  try {
    chroot = normalizeChroot(chrootText);
  } catch (error) {
    throw new InvalidConnectStringError(text, chrootText, 'invalid chroot', { cause: error });
  }
  if (hostsText.trim() === '') throw new InvalidConnectStringError(text, hostsText, 'no hosts');
  const hosts = hostsText.split(',').map((part) => parseHost(text, part));
  assert(hosts.length > 0, 'a non-empty host list parses to at least one host');
  return { hosts, chroot };
}

function parseHost(connectString: string, part: string): HostAddress {
  const entry = part.trim();
  if (entry === '') throw new InvalidConnectStringError(connectString, part, 'empty host');
  let host: string;
  let portText: string | undefined;
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    if (close === -1) throw new InvalidConnectStringError(connectString, part, 'missing "]" in IPv6 host');
    host = entry.slice(1, close);
    const rest = entry.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) {
      throw new InvalidConnectStringError(connectString, part, 'expected ":port" after "]"');
    }
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = entry.indexOf(':');
    if (colon !== entry.lastIndexOf(':')) {
      throw new InvalidConnectStringError(connectString, part, 'an IPv6 host must be in brackets');
    }
    host = colon === -1 ? entry : entry.slice(0, colon);
    portText = colon === -1 ? undefined : entry.slice(colon + 1);
  }
  if (host === '' || /\s/.test(host))
    throw new InvalidConnectStringError(connectString, part, 'bad host name');
  return { host, port: parsePort(connectString, part, portText) };
}

function parsePort(connectString: string, part: string, portText: string | undefined): number {
  if (portText === undefined) return defaultClientPort;
  if (!/^\d{1,5}$/.test(portText)) throw new InvalidConnectStringError(connectString, part, 'bad port');
  const port = Number.parseInt(portText, 10);
  if (port < 1 || port > 65535) throw new InvalidConnectStringError(connectString, part, 'port out of range');
  return port;
}

/** Formats a host for a connect string (`[::1]:2181` for IPv6). */
export function formatHostAddress(address: HostAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/**
 * The servers to try, shuffled once (so clients spread over the ensemble), then handed out
 * round-robin. {@link cycleCompleted} tells the caller that every host was tried since the
 * last successful connection (or since construction), the moment to back off before the next
 * pass, as Apache's client does.
 */
export class HostProvider {
  private readonly hosts: readonly HostAddress[];
  private nextIndex = 0;
  private attemptsSinceConnected = 0;

  constructor(hosts: readonly HostAddress[], random: Random = systemRandom) {
    assert(hosts.length > 0, 'HostProvider needs at least one host');
    this.hosts = shuffle(hosts, random);
  }

  /** The number of hosts. */
  get size(): number {
    return this.hosts.length;
  }

  /** The next host to try. */
  next(): HostAddress {
    const host = this.hosts[this.nextIndex];
    assert(host !== undefined, 'HostProvider index within bounds');
    this.nextIndex = (this.nextIndex + 1) % this.hosts.length;
    this.attemptsSinceConnected++;
    return host;
  }

  /** Notes that the host last returned by {@link next} accepted the session. */
  onConnected(): void {
    this.attemptsSinceConnected = 0;
  }

  /** True right after {@link next} handed out the last host of a full pass without a connection. */
  get cycleCompleted(): boolean {
    return this.attemptsSinceConnected > 0 && this.attemptsSinceConnected % this.hosts.length === 0;
  }
}

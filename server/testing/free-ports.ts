/**
 * Free loopback ports for servers a test starts later (an ensemble's members must know each
 * other's ports before any of them listens). A port the kernel handed out for `listen(0)` comes
 * from the ephemeral range (`net.ipv4.ip_local_port_range`, 32768–60999 by default), the same
 * range it takes the local ports of outgoing connections from: between our release of such a
 * port and the server's listen, any client connecting anywhere could take it (CI saw
 * `EADDRINUSE` from an ensemble member). So the ports are picked below (or above) that range,
 * where only another listener can collide, and each is checked by listening on it.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { assert } from '../../src/util/assert';

const LOOPBACK = '127.0.0.1';
/** Lowest port picked: above the well-known and most registered service ports. */
const PICK_LOW = 10_000;
/** A pool smaller than this is not worth picking from; `listen(0)` is used instead. */
const POOL_MIN = 1_000;
/** Tries per wanted port before giving up on the pool. */
const TRIES_PER_PORT = 50;

/** The kernel's ephemeral port range; Linux's default when it cannot be read. */
export function ephemeralPortRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (
      low !== undefined &&
      high !== undefined &&
      Number.isInteger(low) &&
      Number.isInteger(high) &&
      low <= high
    )
      return [low, high];
  } catch {
    // Not Linux, or no /proc: assume the default.
  }
  return [32_768, 60_999];
}

/** The ports to pick from: below the ephemeral range if there is room, else above it. */
function pickPool(): [number, number] | undefined {
  const [low, high] = ephemeralPortRange();
  if (low - 1 - PICK_LOW >= POOL_MIN) return [PICK_LOW, low - 1];
  if (65_535 - (high + 1) >= POOL_MIN) return [high + 1, 65_535];
  return undefined;
}

function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host: LOOPBACK, port, exclusive: true }, () => resolve(server));
  });
}

function portOf(server: Server): number {
  const address = server.address();
  assert(address !== null && typeof address === 'object', 'a TCP listener has an address');
  return address.port;
}

/**
 * `count` distinct loopback ports that were free a moment ago, outside the ephemeral range
 * when the machine leaves room for that. All are held open together before being released.
 */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  assert(Number.isInteger(count) && count >= 1 && count <= 1_000, 'a port count is 1..1000');
  const held: Server[] = [];
  try {
    const pool = pickPool();
    if (pool !== undefined) {
      const [low, high] = pool;
      const tried = new Set<number>();
      for (let attempt = 0; attempt < count * TRIES_PER_PORT && held.length < count; attempt++) {
        const port = low + Math.floor(Math.random() * (high - low + 1));
        if (tried.has(port)) continue;
        tried.add(port);
        const server = await listenOn(port);
        if (server !== undefined) held.push(server);
      }
    }
    // No pool, or it is crowded: let the kernel choose the rest.
    while (held.length < count) {
      const server = await listenOn(0);
      assert(server !== undefined, 'the kernel hands out a port for listen(0)');
      held.push(server);
    }
    return held.map(portOf);
  } finally {
    await Promise.all(held.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

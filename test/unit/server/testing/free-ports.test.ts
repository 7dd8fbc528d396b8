/**
 * Free ports for servers that listen later: distinct, listenable, and outside the kernel's
 * ephemeral range (where outgoing connections take their local ports), so a client
 * connecting elsewhere meanwhile cannot take one (CI saw EADDRINUSE from an ensemble member).
 */
import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { ephemeralPortRange, freeLoopbackPorts } from '../../../../server/testing/free-ports';

it('hands out distinct ports outside the ephemeral range that a server can listen on', async () => {
  const [low, high] = ephemeralPortRange();
  expect(low).toBeLessThanOrEqual(high);
  const ports = await freeLoopbackPorts(30);
  expect(new Set(ports).size).toBe(30);
  // This machine leaves room below the range (Linux default 32768–60999).
  if (low > 11_000) for (const port of ports) expect(port < low || port > high, `port ${port}`).toBe(true);
  for (const port of ports.slice(0, 5)) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve());
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

it('skips a port that is taken', async () => {
  const [taken] = await freeLoopbackPorts(1);
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port: taken }, () => resolve()));
  try {
    for (let round = 0; round < 20; round++) expect(await freeLoopbackPorts(10)).not.toContain(taken);
  } finally {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
  }
});

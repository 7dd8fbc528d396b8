/**
 * A server that accepts the TCP connection and never answers the ConnectRequest (Apache 3.8
 * restarting under load did this) costs one connect attempt of at most a third of the
 * session timeout, not the whole of it: the client then tries again and gets in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectAttemptTimeoutMs } from '../../../../src/client/session';
import { ZooKit, type ZooKitClient } from '../../../../src/index';
import { FakeServer } from '../support/fake-server';

describe('client: connect attempt timeout', () => {
  it('is the session timeout shared by the hosts, at most a third of it, not below 2 s when the session allows', () => {
    expect(connectAttemptTimeoutMs(18_000, 1)).toBe(6_000);
    expect(connectAttemptTimeoutMs(18_000, 3)).toBe(6_000);
    expect(connectAttemptTimeoutMs(18_000, 6)).toBe(3_000);
    expect(connectAttemptTimeoutMs(4_000, 1)).toBe(2_000);
    expect(connectAttemptTimeoutMs(1_500, 1)).toBe(1_500);
    expect(connectAttemptTimeoutMs(30_000, 0)).toBe(10_000);
  });

  let server: FakeServer | undefined;
  let client: ZooKitClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
  });

  it('gives up on a handshake that is never answered and connects on the next attempt', async () => {
    server = await FakeServer.start();
    client = ZooKit.newClient(`127.0.0.1:${server.port}`, {
      sessionTimeoutMs: 9_000,
      connectionTimeoutMs: 20_000,
    });
    const started = client.start();
    const silent = await server.nextConnection();
    await silent.connectRequested(); // and never answered
    const silentAtMs = performance.now();
    const second = await server.nextConnection();
    const waitedMs = performance.now() - silentAtMs;
    await second.connectRequested();
    second.answer({
      protocolVersion: 0,
      timeOut: 9_000,
      sessionId: 0x42n,
      passwd: Buffer.alloc(16, 1),
      readOnly: false,
    });
    await started;
    expect(client.sessionId).toBe(0x42n);
    // One attempt of 3 s (a third of 9 s) plus at most a 1 s backoff; the whole 9 s before.
    expect(waitedMs).toBeGreaterThan(2_500);
    expect(waitedMs).toBeLessThan(6_000);
  }, 15_000);
});

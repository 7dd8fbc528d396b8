/**
 * The stale-session race: a connect attempt that asked to resume session S is accepted
 * after S was declared LOST on the client side (SUSPENDED outlasted the session timeout).
 * A scripted server holds the handshake back while a ManualClock injects LOST.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientRequest } from '../../../../src/client/connection';
import type { ConnectionState } from '../../../../src/client/connection-state';
import { Session } from '../../../../src/client/session';
import { OpCode } from '../../../../src/protocol/constants';
import { SessionExpiredError } from '../../../../src/protocol/errors';
import { encodeExistsRequest } from '../../../../src/protocol/records';
import { ManualClock } from '../../../../src/util/clock';
import { type FakeConnection, FakeServer } from '../support/fake-server';

const OLD_SESSION = 0x1111n;
const NEW_SESSION = 0x2222n;
/** The timeout the fake server grants: LOST comes this long after SUSPENDED. */
const GRANTED_TIMEOUT_MS = 3_000;

function granted(sessionId: bigint, timeOut = GRANTED_TIMEOUT_MS) {
  return { protocolVersion: 0, timeOut, sessionId, passwd: Buffer.alloc(16, 7), readOnly: false };
}

/** Polls a real-time condition (sockets are real); bounded. */
async function eventually(predicate: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 250; attempt++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function existsRequest(path: string): ClientRequest<undefined, { path: string; watch: boolean }> {
  const body: { path: string; watch: boolean } = { path, watch: false };
  return new ClientRequest(OpCode.exists, path, body, encodeExistsRequest, undefined);
}

describe('session: a resume accepted after LOST (stale session)', () => {
  let server: FakeServer;
  let session: Session;
  let clock: ManualClock;
  let states: ConnectionState[];

  beforeEach(async () => {
    server = await FakeServer.start();
    clock = new ManualClock(0);
    states = [];
    session = new Session({
      hosts: [{ host: '127.0.0.1', port: server.port }],
      chroot: '',
      // Asked for 30 s: the connect attempt's own bound (30 s / 1 host) never fires here.
      sessionTimeoutMs: 30_000,
      connectionTimeoutMs: 30_000,
      canBeReadOnly: false,
      authInfo: [],
      frameBytesMax: 1 << 20,
      clock,
      onStateChange: (state) => states.push(state),
      onFatal: () => {},
      onWatcherError: () => {},
    });
  });
  afterEach(async () => {
    // The server goes first: a closeSession it would never answer waits on the ManualClock.
    await server.close();
    await session.close();
  });

  /** Connects on session S, drops the connection, and returns the held resume attempt. */
  async function suspendWithResumeHeld(): Promise<FakeConnection> {
    const connected = session.waitConnected(30_000);
    const first = await server.nextConnection();
    expect((await first.connectRequested()).sessionId).toBe(0n);
    first.answer(granted(OLD_SESSION));
    await connected;
    expect(session.sessionId).toBe(OLD_SESSION);
    first.close();
    const resume = await server.nextConnection();
    expect((await resume.connectRequested()).sessionId).toBe(OLD_SESSION);
    await eventually(() => states.includes('SUSPENDED'), 'SUSPENDED');
    return resume;
  }

  it('closes the stale session on the server and opens a new one', async () => {
    const resume = await suspendWithResumeHeld();
    const waiting = session.submit(existsRequest('/before-lost')).catch((error: unknown) => error);
    clock.advance(GRANTED_TIMEOUT_MS);
    expect(states).toEqual(['CONNECTED', 'SUSPENDED', 'LOST']);
    expect(await waiting).toBeInstanceOf(SessionExpiredError);
    expect(session.sessionId).toBe(0n);
    const afterLost = session.submit(existsRequest('/after-lost'));

    // The server, which has not expired S yet, accepts the resume.
    resume.answer(granted(OLD_SESSION));
    const closeSession = await resume.nextRequest();
    expect(closeSession.type).toBe(OpCode.closeSession);
    resume.reply(closeSession, 0);
    await resume.closed;
    expect(session.sessionId).toBe(0n);
    expect(states).toEqual(['CONNECTED', 'SUSPENDED', 'LOST']);

    const fresh = await server.nextConnection();
    expect((await fresh.connectRequested()).sessionId).toBe(0n);
    fresh.answer(granted(NEW_SESSION));
    const sent = await fresh.nextRequest();
    expect(sent.type).toBe(OpCode.exists);
    fresh.reply(sent, 0);
    await expect(afterLost).resolves.toBeUndefined();
    expect(states).toEqual(['CONNECTED', 'SUSPENDED', 'LOST', 'RECONNECTED']);
    expect(session.sessionId).toBe(NEW_SESSION);
  });

  it('an "expired" answer to the stale attempt does not fail requests waiting for the new session', async () => {
    const resume = await suspendWithResumeHeld();
    clock.advance(GRANTED_TIMEOUT_MS);
    expect(states).toEqual(['CONNECTED', 'SUSPENDED', 'LOST']);
    const afterLost = session.submit(existsRequest('/after-lost'));
    let settled = false;
    void afterLost.finally(() => {
      settled = true;
    });

    resume.answer(granted(0n, 0));
    await resume.closed;
    const fresh = await server.nextConnection();
    expect((await fresh.connectRequested()).sessionId).toBe(0n);
    expect(settled).toBe(false);
    expect(states).toEqual(['CONNECTED', 'SUSPENDED', 'LOST']);
    fresh.answer(granted(NEW_SESSION));
    const sent = await fresh.nextRequest();
    expect(sent.type).toBe(OpCode.exists);
    fresh.reply(sent, 0);
    await expect(afterLost).resolves.toBeUndefined();
    expect(states).toEqual(['CONNECTED', 'SUSPENDED', 'LOST', 'RECONNECTED']);
  });

  it('a stale session whose closeSession is never answered is dropped after a bound', async () => {
    const resume = await suspendWithResumeHeld();
    clock.advance(GRANTED_TIMEOUT_MS);
    resume.answer(granted(OLD_SESSION));
    expect((await resume.nextRequest()).type).toBe(OpCode.closeSession);
    // No reply: the client gives up after min(2 s, timeout) and closes the connection.
    clock.advance(1_999);
    await new Promise((resolve) => setTimeout(resolve, 50));
    let closed = false;
    void resume.closed.then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    clock.advance(1);
    await resume.closed;
    const fresh = await server.nextConnection();
    expect((await fresh.connectRequested()).sessionId).toBe(0n);
  });
});

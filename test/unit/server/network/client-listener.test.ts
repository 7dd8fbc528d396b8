/**
 * The client port in isolation: a ClientListener with a recording handler, driven by raw
 * loopback sockets. Covers the limits that the end-to-end suites can only reach slowly:
 * the sessionless timeout, the per-address cap, and reading paused while requests pile up.
 */
import { createConnection, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientListener, type ClientListenerOptions } from '../../../../server/network/client-listener';
import type { ServerConnection, ServerConnectionHandler } from '../../../../server/network/server-connection';
import { OpCode } from '../../../../src/protocol/constants';
import { writeConnectRequestFrame, writeRequest } from '../../../../src/protocol/records';
import { Writer } from '../../../../src/protocol/writer';

interface Recorded {
  connects: number;
  requests: number[];
  closed: string[];
}

let listener: ClientListener | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await listener?.close();
  listener = undefined;
});

function options(overrides: Partial<ClientListenerOptions> = {}): ClientListenerOptions {
  return {
    host: '127.0.0.1',
    port: 0,
    connectionsPerAddressMax: 0,
    frameBytesMax: 0xfffff,
    outputBytesPause: 1024 * 1024,
    outputBytesMax: 8 * 1024 * 1024,
    sessionlessTimeoutMs: 10_000,
    ...overrides,
  };
}

/** A handler that accepts every session and records what reaches it. */
function recordingHandler(
  recorded: Recorded,
  onRequest: (connection: ServerConnection, xid: number) => void = () => {},
): ServerConnectionHandler {
  return {
    connect(connection) {
      recorded.connects += 1;
      connection.established(Buffer.from([0, 0, 0, 0]), 1n, 10_000);
    },
    request(connection, header) {
      recorded.requests.push(header.xid);
      onRequest(connection, header.xid);
    },
    fourLetterWord: (_connection, word) => (word === 'ruok' ? 'imok' : undefined),
    closed(_connection, reason) {
      recorded.closed.push(reason);
    },
  };
}

async function start(
  listenerOptions: ClientListenerOptions,
  handler: ServerConnectionHandler,
): Promise<number> {
  listener = new ClientListener(listenerOptions, handler);
  return listener.listen();
}

async function connect(port: number): Promise<{ socket: Socket; closed: Promise<number> }> {
  const socket = createConnection({ host: '127.0.0.1', port });
  sockets.push(socket);
  socket.on('error', () => {});
  const openedAtMs = Date.now();
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - openedAtMs)));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, closed };
}

function connectFrame(): Buffer {
  const writer = new Writer();
  writeConnectRequestFrame(writer, {
    protocolVersion: 0,
    lastZxidSeen: 0n,
    timeOut: 10_000,
    sessionId: 0n,
    passwd: Buffer.alloc(16),
    readOnly: false,
  });
  return Buffer.from(writer.finish());
}

function pingFrames(count: number): Buffer {
  const frames = Array.from({ length: count }, (_, index) =>
    Buffer.from(writeRequest(new Writer(), index + 1, OpCode.exists, { path: '/', watch: false }).finish()),
  );
  return Buffer.concat(frames);
}

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(5);
  expect(condition()).toBe(true);
}

describe('ClientListener', () => {
  it('closes a connection that sends nothing after the sessionless timeout', async () => {
    const recorded: Recorded = { connects: 0, requests: [], closed: [] };
    const port = await start(options({ sessionlessTimeoutMs: 150 }), recordingHandler(recorded));
    const { closed } = await connect(port);
    const lifetimeMs = await closed;
    expect(lifetimeMs).toBeGreaterThanOrEqual(120);
    expect(lifetimeMs).toBeLessThan(2_000);
    expect(recorded.closed).toEqual(['no handshake in time']);
  });

  it('closes a connection that sends a partial ConnectRequest and stalls', async () => {
    const recorded: Recorded = { connects: 0, requests: [], closed: [] };
    const port = await start(options({ sessionlessTimeoutMs: 150 }), recordingHandler(recorded));
    const { socket, closed } = await connect(port);
    socket.write(connectFrame().subarray(0, 20));
    expect(await closed).toBeLessThan(2_000);
    expect(recorded.connects).toBe(0);
  });

  it('keeps a connection whose handshake completed past the sessionless timeout', async () => {
    const recorded: Recorded = { connects: 0, requests: [], closed: [] };
    const port = await start(options({ sessionlessTimeoutMs: 100 }), recordingHandler(recorded));
    const { socket } = await connect(port);
    socket.write(connectFrame());
    await sleep(300);
    expect(recorded.connects).toBe(1);
    expect(recorded.closed).toEqual([]);
  });

  it('refuses connections over the per-address cap and admits again after one closes', async () => {
    const recorded: Recorded = { connects: 0, requests: [], closed: [] };
    const port = await start(options({ connectionsPerAddressMax: 2 }), recordingHandler(recorded));
    const first = await connect(port);
    await connect(port);
    await waitFor(() => listener?.all.size === 2);
    const third = await connect(port);
    expect(await third.closed).toBeLessThan(2_000);
    expect(listener?.all.size).toBe(2);
    first.socket.destroy();
    await waitFor(() => listener?.all.size === 1);
    await connect(port);
    await waitFor(() => listener?.all.size === 2);
  });

  it('answers a four-letter word and closes', async () => {
    const recorded: Recorded = { connects: 0, requests: [], closed: [] };
    const port = await start(options(), recordingHandler(recorded));
    const { socket, closed } = await connect(port);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.write('ruok');
    await closed;
    expect(Buffer.concat(chunks).toString()).toBe('imok');
    expect(recorded.closed).toEqual(['four-letter word ruok']);
  });

  it('stops handing over requests while paused, even those already received, and resumes', async () => {
    const recorded: Recorded = { connects: 0, requests: [], closed: [] };
    let paused: ServerConnection | undefined;
    const handler = recordingHandler(recorded, (connection, xid) => {
      if (xid === 3) {
        paused = connection;
        connection.pauseRequests(true);
      }
    });
    const port = await start(options(), handler);
    const { socket } = await connect(port);
    // Handshake and 50 requests in one write: all arrive in one chunk.
    socket.write(Buffer.concat([connectFrame(), pingFrames(50)]));
    await waitFor(() => recorded.requests.length >= 3);
    await sleep(100);
    expect(recorded.requests).toEqual([1, 2, 3]);
    paused?.pauseRequests(false);
    await waitFor(() => recorded.requests.length === 50);
    expect(recorded.requests).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
  });

  it('drops a connection whose unsent replies pass outputBytesMax', async () => {
    const recorded: Recorded = { connects: 0, requests: [], closed: [] };
    const reply = Buffer.alloc(256 * 1024);
    const handler = recordingHandler(recorded, (connection) => connection.send(reply));
    const port = await start(
      options({ outputBytesPause: 512 * 1024, outputBytesMax: 2 * 1024 * 1024 }),
      handler,
    );
    const { socket, closed } = await connect(port);
    socket.pause(); // never reads
    socket.write(Buffer.concat([connectFrame(), pingFrames(200)]));
    // Paused at 512 KiB and then closed once the unread output passes 2 MiB, or left paused:
    // either way far fewer than 200 replies (50 MiB) were produced.
    await sleep(500);
    expect(recorded.requests.length).toBeLessThan(40);
    socket.destroy();
    await closed;
  });
});

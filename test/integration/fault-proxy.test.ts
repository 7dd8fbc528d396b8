import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../server/testing/fault-proxy';

/** An echo server on 127.0.0.1 that records its live sockets. */
async function startEcho(): Promise<{ port: number; sockets: Set<net.Socket>; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    sockets,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A client that collects everything it receives. */
async function connect(port: number) {
  const socket = net.connect({ host: '127.0.0.1', port });
  const received: Buffer[] = [];
  let closed = false;
  let errored: Error | undefined;
  socket.on('data', (data: Buffer) => received.push(data));
  socket.on('error', (error) => {
    errored = error;
  });
  socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    text: () => Buffer.concat(received).toString(),
    bytes: () => Buffer.concat(received),
    isClosed: () => closed,
    error: () => errored,
  };
}

/** Polls `condition` every 5 ms for at most `timeoutMs`. */
async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('FaultProxy', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let proxy: FaultProxy;
  const clients: net.Socket[] = [];

  beforeEach(async () => {
    echo = await startEcho();
    proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: echo.port } });
  });

  afterEach(async () => {
    for (const socket of clients.splice(0)) socket.destroy();
    await proxy.close();
    await echo.close();
  });

  async function client() {
    const c = await connect(proxy.port);
    clients.push(c.socket);
    return c;
  }

  it('forwards both ways and reports its address', async () => {
    expect(proxy.connectString).toBe(`127.0.0.1:${proxy.port}`);
    const c = await client();
    c.socket.write('hello ');
    c.socket.write('world');
    await waitFor(() => c.text() === 'hello world');
    expect(proxy.connectionCount).toBe(1);
  });

  it('forwards a large payload intact and in order, also under delay', async () => {
    const c = await client();
    proxy.setDelay(5);
    const payload = Buffer.alloc(4 * 1024 * 1024);
    for (let index = 0; index < payload.length; index++) payload[index] = index % 251;
    c.socket.write(payload);
    await waitFor(() => c.bytes().length >= payload.length, 10_000);
    expect(c.bytes().equals(payload)).toBe(true);
  });

  it('delays forwarding in both directions and keeps order', async () => {
    const c = await client();
    proxy.setDelay(100);
    const start = Date.now();
    c.socket.write('a');
    await sleep(20);
    proxy.setDelay(0);
    c.socket.write('b');
    await waitFor(() => c.text() === 'ab');
    // 'a' waits 100 ms to the server; the echo back of 'a' and 'b' are not delayed, 'b' waits behind 'a'.
    expect(Date.now() - start).toBeGreaterThanOrEqual(95);
    proxy.setDelay(60);
    const again = Date.now();
    c.socket.write('c');
    await waitFor(() => c.text() === 'abc');
    // 60 ms to the server and 60 ms back.
    expect(Date.now() - again).toBeGreaterThanOrEqual(115);
  });

  it('stall holds data with sockets open; resume delivers it', async () => {
    const c = await client();
    c.socket.write('before');
    await waitFor(() => c.text() === 'before');
    proxy.stall();
    c.socket.write('-during');
    await sleep(150);
    expect(c.text()).toBe('before');
    expect(c.isClosed()).toBe(false);
    expect(proxy.connectionCount).toBe(1);
    proxy.resume();
    await waitFor(() => c.text() === 'before-during');
  });

  it('stall also holds the server-to-client direction', async () => {
    const c = await client();
    c.socket.write('x');
    await waitFor(() => c.text() === 'x' && echo.sockets.size === 1);
    proxy.stall();
    for (const socket of echo.sockets) socket.write('pushed');
    await sleep(100);
    expect(c.text()).toBe('x');
    proxy.resume();
    await waitFor(() => c.text() === 'xpushed');
  });

  it('cut destroys every live connection and keeps accepting', async () => {
    const first = await client();
    const second = await client();
    await waitFor(() => proxy.connectionCount === 2);
    proxy.cut();
    await waitFor(() => first.isClosed() && second.isClosed());
    await waitFor(() => proxy.connectionCount === 0 && echo.sockets.size === 0);
    const third = await client();
    third.socket.write('again');
    await waitFor(() => third.text() === 'again');
  });

  it('refuse resets new connections until disabled', async () => {
    proxy.refuse(true);
    const refused = net.connect({ host: '127.0.0.1', port: proxy.port });
    clients.push(refused);
    let error: NodeJS.ErrnoException | undefined;
    let closed = false;
    refused.on('error', (e) => {
      error = e;
    });
    refused.on('close', () => {
      closed = true;
    });
    await waitFor(() => closed);
    expect(error?.code).toBe('ECONNRESET');
    expect(proxy.connectionCount).toBe(0);
    proxy.refuse(false);
    const c = await client();
    c.socket.write('ok');
    await waitFor(() => c.text() === 'ok');
  });

  it('survives a client reset and an upstream that is down', async () => {
    const c = await client();
    c.socket.write('x');
    await waitFor(() => c.text() === 'x');
    c.socket.resetAndDestroy();
    await waitFor(() => proxy.connectionCount === 0);
    await echo.close();
    const orphan = await connect(proxy.port);
    clients.push(orphan.socket);
    await waitFor(() => orphan.isClosed());
    expect(proxy.connectionCount).toBe(0);
    echo = await startEcho();
  });

  it('propagates a half-close from the client after the data', async () => {
    const c = await client();
    c.socket.end('last');
    await waitFor(() => c.text() === 'last' && c.isClosed());
  });

  it('close stops listening and destroys connections', async () => {
    const c = await client();
    await proxy.close();
    await waitFor(() => c.isClosed());
    const attempt = net.connect({ host: '127.0.0.1', port: proxy.port });
    const failure = await new Promise<NodeJS.ErrnoException>((resolve) => attempt.on('error', resolve));
    expect(failure.code).toBe('ECONNREFUSED');
    proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: echo.port } });
  });
});

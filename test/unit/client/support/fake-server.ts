/**
 * A scripted ZooKeeper server for client unit tests: it accepts connections on 127.0.0.1,
 * decodes what the client sends, and answers only when the test says so. This lets a test
 * hold a handshake back while it moves a {@link ManualClock}, which no real server allows.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ZooKit, type ZooKitClient } from '../../../../src/client/client';
import type { RetryPolicy } from '../../../../src/client/retry-policy';
import type { Stat } from '../../../../src/protocol/data';
import { FrameDecoder } from '../../../../src/protocol/framing';
import { Reader } from '../../../../src/protocol/reader';
import {
  type ConnectRequest,
  type ConnectResponse,
  decodeConnectRequest,
  writeConnectResponseFrame,
  writeReplyFrame,
} from '../../../../src/protocol/records';
import { Writer } from '../../../../src/protocol/writer';

/** Bound of every wait in this helper, in ms (real time: sockets are real). */
const WAIT_MS_MAX = 5_000;

/** A request the client sent: its header and the body bytes. */
export interface FakeRequest {
  xid: number;
  type: number;
  body: Buffer;
}

/** The framed reply to `request`. */
export function replyBytes(
  request: FakeRequest,
  err: number,
  zxid = 1n,
  encodeBody?: (writer: Writer) => void,
): Buffer {
  return Buffer.from(writeReplyFrame(new Writer(), { xid: request.xid, zxid, err }, encodeBody).finish());
}

/** Resolves with the next pushed value; every wait is bounded. */
class Inbox<T> {
  private readonly items: T[] = [];
  private waiters: ((value: T) => void)[] = [];

  push(value: T): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(value);
    else this.items.push(value);
  }

  next(what: string): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`fake server: no ${what} within ${WAIT_MS_MAX} ms`)),
        WAIT_MS_MAX,
      );
      this.waiters.push((value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
  }
}

/** One client connection as the fake server sees it. */
export class FakeConnection {
  /** The client's ConnectRequest (set once it arrived). */
  connectRequest: ConnectRequest | undefined;
  /** Resolves when the socket has closed (either side). */
  readonly closed: Promise<void>;
  private readonly requests = new Inbox<FakeRequest>();
  private readonly handshake = new Inbox<ConnectRequest>();
  private readonly decoder = new FrameDecoder();

  constructor(private readonly socket: Socket) {
    socket.on('error', () => {});
    this.closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk);
      for (let frame = this.decoder.next(); frame !== undefined; frame = this.decoder.next()) {
        this.onFrame(Buffer.from(frame));
      }
    });
  }

  /** The ConnectRequest, once the client sent it. */
  async connectRequested(): Promise<ConnectRequest> {
    return this.connectRequest ?? this.handshake.next('ConnectRequest');
  }

  /** Sends the ConnectResponse. */
  answer(response: ConnectResponse): void {
    this.socket.write(writeConnectResponseFrame(new Writer(), response).finish());
  }

  /** The next request the client sent after the handshake. */
  nextRequest(): Promise<FakeRequest> {
    return this.requests.next('request');
  }

  /** Replies to `request` with `err` and an optional body. */
  reply(request: FakeRequest, err: number, zxid = 1n, encodeBody?: (writer: Writer) => void): void {
    this.writeRaw(replyBytes(request, err, zxid, encodeBody));
  }

  /** Writes bytes as they are (a piece of a frame, or several frames). */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Closes the connection from the server's side. */
  close(): void {
    this.socket.destroy();
  }

  private onFrame(frame: Buffer): void {
    const reader = new Reader(frame);
    if (this.connectRequest === undefined) {
      this.connectRequest = decodeConnectRequest(reader);
      this.handshake.push(this.connectRequest);
      return;
    }
    const xid = reader.int();
    const type = reader.int();
    this.requests.push({ xid, type, body: frame.subarray(8) });
  }
}

/** The scripted server. */
export class FakeServer {
  private readonly connections = new Inbox<FakeConnection>();
  private readonly all: FakeConnection[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<FakeServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address !== 'object') throw new Error('a TCP server has an address');
    const fake = new FakeServer(server, address.port);
    server.on('connection', (socket) => {
      const connection = new FakeConnection(socket);
      fake.all.push(connection);
      fake.connections.push(connection);
    });
    return fake;
  }

  /** The next connection the client opens. */
  nextConnection(): Promise<FakeConnection> {
    return this.connections.next('connection');
  }

  /** Closes every connection and stops listening. */
  async close(): Promise<void> {
    for (const connection of this.all) connection.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A plausible Stat for scripted replies (data of 2 bytes, version 4). */
export const SAMPLE_STAT: Stat = {
  czxid: 0x10n,
  mzxid: 0x22n,
  ctime: 1_763_800_000_000n,
  mtime: 1_763_800_000_500n,
  version: 4,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: 2,
  numChildren: 0,
  pzxid: 0x10n,
};

/**
 * Takes the client's next connection and grants it `sessionId` (timeout 6 s, a password of
 * `passwordByte` repeated): how scripted tests let a client (re)connect.
 */
export async function acceptSession(
  server: FakeServer,
  sessionId: bigint,
  passwordByte: number,
): Promise<FakeConnection> {
  const connection = await server.nextConnection();
  await connection.connectRequested();
  connection.answer({
    protocolVersion: 0,
    timeOut: 6_000,
    sessionId,
    passwd: Buffer.alloc(16, passwordByte),
    readOnly: false,
  });
  return connection;
}

/**
 * A fake server and a started client connected to it with session `sessionId` (session
 * timeout 6 s, connection timeout 5 s, `retryPolicy`); `connection` is the client's first.
 * Close the client, then the server, after the test.
 */
export async function startScriptedClient(
  retryPolicy: RetryPolicy,
  sessionId: bigint,
  passwordByte: number,
): Promise<{ server: FakeServer; client: ZooKitClient; connection: FakeConnection }> {
  const server = await FakeServer.start();
  const client = ZooKit.newClient(`127.0.0.1:${server.port}`, {
    sessionTimeoutMs: 6_000,
    connectionTimeoutMs: 5_000,
    retryPolicy,
  });
  const started = client.start();
  const connection = await acceptSession(server, sessionId, passwordByte);
  await started;
  return { server, client, connection };
}

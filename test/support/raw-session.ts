/**
 * A bare ZooKeeper session over one `node:net` socket, built from `src/protocol` alone: the
 * handshake, framed requests with increasing xids, and replies read strictly in arrival
 * order, so tests can assert exactly what a server sends and when. No automatic reconnects,
 * no pings, no watch bookkeeping: that is the client's job, and this is the yardstick for it.
 * A test may still resume a session by hand: pass `sessionId`, `passwd` and `lastZxidSeen`.
 */
import { createConnection, type Socket } from 'node:net';
import { OpCode } from '../../src/protocol/constants';
import { FrameDecoder } from '../../src/protocol/framing';
import { Reader } from '../../src/protocol/reader';
import {
  type ConnectResponse,
  decodeConnectResponse,
  decodeReplyHeader,
  type ReplyHeader,
  type RequestBodies,
  type RequestOpCode,
  writeConnectRequestFrame,
  writeRequest,
  writeRequestFrame,
} from '../../src/protocol/records';
import { Writer } from '../../src/protocol/writer';

/** Bound on waiting for any single frame. */
const FRAME_TIMEOUT_MS = 10_000;
/** Frames held before a reader takes them; a test that falls this far behind is broken. */
const QUEUED_FRAMES_MAX = 1_000;

/** One reply or notification: its header and a reader positioned at its body. */
export interface RawReply {
  header: ReplyHeader;
  /** The body's bytes (empty when the server sent only the header). */
  body: Buffer;
  /** A reader over the body; decode with a `decodeX` and then call `expectEnd`. */
  reader: Reader;
}

/** Options of {@link RawSession.connect}. */
export interface RawSessionOptions {
  port: number;
  host?: string;
  /** Requested session timeout, ms. */
  timeOut: number;
  /** Sends the readOnly byte (default false). */
  readOnly?: boolean;
  /** The session to resume (default 0n: ask for a new session). */
  sessionId?: bigint;
  /** The resumed session's password (default 16 zero bytes, as for a new session). */
  passwd?: Buffer;
  /** The highest zxid this client has seen (default 0n). */
  lastZxidSeen?: bigint;
}

/** A session over a raw socket. Close it with `closeSession()` or `destroy()`. */
export class RawSession {
  private readonly decoder = new FrameDecoder();
  private readonly frames: Buffer[] = [];
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  private closedFlag = false;
  private nextXid = 1;
  private readonly closedPromise: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(error));
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', () => {
        this.closedFlag = true;
        this.fail(new Error('socket closed'));
        resolve();
      });
    });
  }

  /**
   * Connects and completes the handshake; `response` is the server's ConnectResponse. When
   * the server refuses a resume (`response.timeOut <= 0`) it closes the socket next.
   */
  static async connect(
    options: RawSessionOptions,
  ): Promise<{ session: RawSession; response: ConnectResponse }> {
    const socket = createConnection({ host: options.host ?? '127.0.0.1', port: options.port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const session = new RawSession(socket);
    const writer = new Writer();
    writeConnectRequestFrame(writer, {
      protocolVersion: 0,
      lastZxidSeen: options.lastZxidSeen ?? 0n,
      timeOut: options.timeOut,
      sessionId: options.sessionId ?? 0n,
      passwd: options.passwd ?? Buffer.alloc(16),
      readOnly: options.readOnly ?? false,
    });
    socket.write(writer.finish());
    const frame = await session.nextFrame();
    const reader = new Reader(frame);
    const response = decodeConnectResponse(reader);
    reader.expectEnd('ConnectResponse');
    return { session, response };
  }

  /** True once the server (or we) closed the socket. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Resolves when the socket has closed. */
  whenClosed(timeoutMs = FRAME_TIMEOUT_MS): Promise<void> {
    return Promise.race([
      this.closedPromise,
      new Promise<void>((_, reject) =>
        setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs).unref(),
      ),
    ]);
  }

  private receive(chunk: Buffer): void {
    try {
      this.decoder.push(chunk);
      for (let frame = this.decoder.next(); frame !== undefined; frame = this.decoder.next()) {
        if (this.frames.length >= QUEUED_FRAMES_MAX) throw new Error('too many unread frames');
        this.frames.push(frame);
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      this.socket.destroy();
    }
    this.wake();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** The next frame in arrival order; rejects on close, error or timeout. */
  async nextFrame(timeoutMs = FRAME_TIMEOUT_MS): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame !== undefined) return frame;
      if (this.failure !== undefined) throw this.failure;
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remainingMs);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The next reply or notification, header decoded. */
  async nextReply(timeoutMs = FRAME_TIMEOUT_MS): Promise<RawReply> {
    const frame = await this.nextFrame(timeoutMs);
    const reader = new Reader(frame);
    const header = decodeReplyHeader(reader);
    const body = frame.subarray(reader.position);
    return { header, body, reader };
  }

  /** Sends a request with a body record; returns its xid. */
  send<K extends RequestOpCode>(type: K, body: RequestBodies[K]): number {
    const xid = this.nextXid++;
    this.socket.write(writeRequest(new Writer(), xid, type, body).finish());
    return xid;
  }

  /** Sends a request that has no body (whoAmI, closeSession); returns its xid. */
  sendEmpty(type: number): number {
    const xid = this.nextXid++;
    this.socket.write(writeRequestFrame(new Writer(), { xid, type }).finish());
    return xid;
  }

  /** Sends and reads the very next frame, which must be this request's reply. */
  async call<K extends RequestOpCode>(type: K, body: RequestBodies[K]): Promise<RawReply> {
    return this.expectReply(this.send(type, body));
  }

  /** Reads the next frame and checks that it answers `xid`. */
  async expectReply(xid: number): Promise<RawReply> {
    const reply = await this.nextReply();
    if (reply.header.xid !== xid) {
      throw new Error(
        `expected the reply to xid ${xid}, got xid ${reply.header.xid} (err ${reply.header.err})`,
      );
    }
    return reply;
  }

  /** Sends closeSession and returns its reply; the server closes the socket afterwards. */
  async closeSession(): Promise<RawReply> {
    return this.expectReply(this.sendEmpty(OpCode.closeSession));
  }

  /** Drops the socket without closing the session. */
  destroy(): void {
    this.socket.destroy();
  }
}

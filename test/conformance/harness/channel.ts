/**
 * The byte pipe under a conformance session. New sessions use `RawSession` from
 * test/support; {@link ResumeChannel} adds what `RawSession` cannot do: a handshake with a
 * chosen session id, password and lastZxidSeen (reconnect, wrong password, unknown id).
 */
import { createConnection, type Socket } from 'node:net';
import { FrameDecoder } from '../../../src/protocol/framing';
import { Reader } from '../../../src/protocol/reader';
import {
  type ConnectRequest,
  type ConnectResponse,
  decodeConnectResponse,
  decodeReplyHeader,
  type RequestBodies,
  type RequestOpCode,
  writeConnectRequestFrame,
  writeRequest,
  writeRequestFrame,
} from '../../../src/protocol/records';
import { Writer } from '../../../src/protocol/writer';
import type { RawReply } from '../../support/raw-session';

/** What a conformance session needs from its connection (RawSession has exactly this). */
export interface Channel {
  send<K extends RequestOpCode>(type: K, body: RequestBodies[K]): number;
  sendEmpty(type: number): number;
  nextReply(timeoutMs?: number): Promise<RawReply>;
  whenClosed(timeoutMs?: number): Promise<void>;
  destroy(): void;
  readonly closed: boolean;
}

const FRAME_TIMEOUT_MS = 10_000;
const QUEUED_FRAMES_MAX = 1_000;

/** A connection that sends an arbitrary ConnectRequest (sessionId, passwd, lastZxidSeen). */
export class ResumeChannel implements Channel {
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

  /** Connects and sends `request`; resolves with the ConnectResponse (the server may then close). */
  static async open(
    port: number,
    request: ConnectRequest,
  ): Promise<{ channel: ResumeChannel; response: ConnectResponse }> {
    const socket = createConnection({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const channel = new ResumeChannel(socket);
    socket.write(writeConnectRequestFrame(new Writer(), request).finish());
    const reader = new Reader(await channel.nextFrame());
    const response = decodeConnectResponse(reader);
    reader.expectEnd('ConnectResponse');
    return { channel, response };
  }

  get closed(): boolean {
    return this.closedFlag;
  }

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

  private async nextFrame(timeoutMs = FRAME_TIMEOUT_MS): Promise<Buffer> {
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

  async nextReply(timeoutMs = FRAME_TIMEOUT_MS): Promise<RawReply> {
    const frame = await this.nextFrame(timeoutMs);
    const reader = new Reader(frame);
    const header = decodeReplyHeader(reader);
    return { header, body: frame.subarray(reader.position), reader };
  }

  send<K extends RequestOpCode>(type: K, body: RequestBodies[K]): number {
    const xid = this.nextXid++;
    this.socket.write(writeRequest(new Writer(), xid, type, body).finish());
    return xid;
  }

  sendEmpty(type: number): number {
    const xid = this.nextXid++;
    this.socket.write(writeRequestFrame(new Writer(), { xid, type }).finish());
    return xid;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * One client connection on the server: framing, the connect handshake, four-letter words,
 * write coalescing and backpressure. It knows nothing of sessions or the data tree: it hands
 * decoded frames to a {@link ServerConnectionHandler} and sends the bytes it is given.
 *
 * Bad input affects this connection only: a malformed or oversized frame closes it.
 */
import type { Socket } from 'node:net';
import type { Id } from '../../src/protocol/data';
import { ProtocolError } from '../../src/protocol/errors';
import { FrameDecoder } from '../../src/protocol/framing';
import { Reader } from '../../src/protocol/reader';
import {
  type ConnectRequest,
  decodeConnectRequest,
  decodeRequestHeader,
  type RequestHeader,
} from '../../src/protocol/records';
import { assert } from '../../src/util/assert';
import { ConnectionStats } from '../admin/server-stats';

/** What the server does with a connection's traffic. */
export interface ServerConnectionHandler {
  /** The connection's first frame. The connection reads nothing more until `established()` or `close()`. */
  connect(connection: ServerConnection, request: ConnectRequest): void;
  /** A request frame after the handshake; `body` is positioned after the header. */
  request(connection: ServerConnection, header: RequestHeader, body: Reader): void;
  /** The text answering a four-letter word, or `undefined` if `word` is not one. */
  fourLetterWord(connection: ServerConnection, word: string): string | undefined;
  /** The connection is gone (called once). */
  closed(connection: ServerConnection, reason: string): void;
}

/** Limits of one connection. */
export interface ServerConnectionLimits {
  /** Largest frame accepted (`jute.maxbuffer`). */
  frameBytesMax: number;
  /** Unsent reply bytes above which the connection stops reading requests. */
  outputBytesPause: number;
  /** Unsent reply bytes above which the connection is dropped (a client that never reads). */
  outputBytesMax: number;
  /** A connection that has not completed the handshake by then is closed. */
  sessionlessTimeoutMs: number;
}

let nextConnectionId = 1;

export class ServerConnection {
  readonly id = nextConnectionId++;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The session this connection carries, once established. */
  sessionId = 0n;
  /** Negotiated session timeout, ms, once established. */
  sessionTimeoutMs = 0;
  /** Authenticated identities: the automatic `ip` id plus those added by auth packets. */
  readonly authIds: Id[];
  /** Counters the `cons`/`stat` four-letter words report. */
  readonly stats = new ConnectionStats();
  /** Wall-clock ms when the connection was accepted. */
  readonly establishedAtMs = Date.now();
  private readonly decoder: FrameDecoder;
  private state: 'handshake' | 'waiting' | 'open' | 'closed' = 'handshake';
  private sniffed = false;
  /** The first bytes, held until four have arrived to tell a four-letter word from a frame. */
  private head: Buffer[] = [];
  private headBytes = 0;
  private corked = false;
  private readingPausedForOutput = false;
  private readingPausedForRequests = false;
  private sessionlessTimer: NodeJS.Timeout | undefined;
  /** True while the handler composes a four-letter word's answer (it may list us). */
  private answeringCommand = false;

  constructor(
    private readonly socket: Socket,
    private readonly handler: ServerConnectionHandler,
    private readonly limits: ServerConnectionLimits,
  ) {
    this.remoteAddress = normaliseAddress(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.authIds = [{ scheme: 'ip', id: this.remoteAddress }];
    this.decoder = new FrameDecoder({ frameBytesMax: limits.frameBytesMax });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => this.close('socket error'));
    socket.on('close', () => this.close('peer closed'));
    this.sessionlessTimer = setTimeout(() => this.close('no handshake in time'), limits.sessionlessTimeoutMs);
    this.sessionlessTimer.unref();
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /**
   * Apache's NIO interest ops as `cons`/`stat` print them: 1 while the server reads this
   * connection, 0 while it does not (paused, settling its session, answering a four-letter
   * word, closed).
   */
  get interestOps(): number {
    if (this.answeringCommand || this.readingPaused) return 0;
    return this.state === 'open' || this.state === 'handshake' ? 1 : 0;
  }

  /** Bytes written to the socket and not yet sent. */
  get outputBytes(): number {
    return this.socket.writableLength;
  }

  /** Completes the handshake: `response` is the encoded ConnectResponse frame. */
  established(response: Buffer, sessionId: bigint, sessionTimeoutMs: number): void {
    assert(this.state === 'waiting' || this.state === 'closed', 'established after a connect request');
    if (this.state === 'closed') return;
    this.sessionId = sessionId;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.state = 'open';
    this.send(response);
    this.processFrames();
  }

  /** Queues a frame for the client; frames sent in one tick leave in one socket write. */
  send(frame: Buffer): void {
    if (this.state === 'closed') return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => this.uncork());
    }
    this.socket.write(frame);
    this.stats.incrementPacketsSent();
    const unsent = this.socket.writableLength;
    if (unsent > this.limits.outputBytesMax) {
      this.close(`client is not reading its replies (${unsent} bytes unsent)`);
    } else if (unsent > this.limits.outputBytesPause && !this.readingPausedForOutput) {
      this.readingPausedForOutput = true;
      this.updateReading();
    }
  }

  /** Sends `frame`, then closes once it is flushed. */
  sendAndClose(frame: Buffer, reason: string): void {
    if (this.state === 'closed') return;
    this.send(frame);
    this.uncork();
    this.close(reason, true);
  }

  /** Closes the connection (once); `flush` lets queued bytes leave first. */
  close(reason: string, flush = false): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.sessionlessTimer !== undefined) clearTimeout(this.sessionlessTimer);
    if (flush) {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    } else {
      this.socket.destroy();
    }
    this.handler.closed(this, reason);
  }

  private uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  private onDrain(): void {
    if (this.readingPausedForOutput && this.state !== 'closed') {
      this.readingPausedForOutput = false;
      this.updateReading();
    }
  }

  /** Stops (or resumes) reading requests while too many are in flight on this connection. */
  pauseRequests(paused: boolean): void {
    if (this.readingPausedForRequests === paused || this.state === 'closed') return;
    this.readingPausedForRequests = paused;
    this.updateReading();
  }

  private get readingPaused(): boolean {
    return this.readingPausedForOutput || this.readingPausedForRequests;
  }

  private updateReading(): void {
    if (this.readingPaused) {
      this.socket.pause();
      return;
    }
    this.socket.resume();
    // Frames that arrived before the pause are still buffered in the decoder.
    setImmediate(() => this.processFrames());
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    if (!this.sniffed) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes < 4) return;
      this.sniffed = true;
      const head = Buffer.concat(this.head);
      this.head = [];
      if (this.answerFourLetterWord(head.subarray(0, 4).toString('latin1'))) return;
      chunk = head;
    }
    try {
      this.decoder.push(chunk);
    } catch (error) {
      this.close(describe(error));
      return;
    }
    this.processFrames();
  }

  /**
   * A four-letter word is four ASCII letters where a frame's length would be; a real
   * frame's length never spells a known word. It is answered, then the connection closes.
   */
  private answerFourLetterWord(word: string): boolean {
    if (!/^[a-z]{4}$/.test(word)) return false;
    // Apache counts the command as a received packet of this connection.
    this.stats.incrementPacketsReceived();
    this.answeringCommand = true;
    let answer: string | undefined;
    try {
      answer = this.handler.fourLetterWord(this, word);
    } finally {
      this.answeringCommand = false;
    }
    if (answer === undefined) {
      this.stats.reset(); // not a command after all: the bytes are a frame, counted as one later
      return false;
    }
    this.state = 'closed';
    if (this.sessionlessTimer !== undefined) clearTimeout(this.sessionlessTimer);
    this.socket.end(answer);
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.handler.closed(this, `four-letter word ${word}`);
    return true;
  }

  private processFrames(): void {
    const limit = 100_000;
    for (let processed = 0; processed < limit; processed++) {
      if (this.state !== 'handshake' && this.state !== 'open') return;
      // Paused: the rest waits in the decoder until `updateReading` resumes us, so a peer
      // that pipelines thousands of requests in one chunk cannot overrun either bound.
      if (this.readingPaused) return;
      let frame: Buffer | undefined;
      try {
        frame = this.decoder.next();
      } catch (error) {
        this.close(describe(error));
        return;
      }
      if (frame === undefined) return;
      this.stats.incrementPacketsReceived();
      if (this.state === 'handshake') this.onConnectFrame(frame);
      else this.onRequestFrame(frame);
    }
    // A peer can queue many frames in one chunk; yield to others and continue later.
    setImmediate(() => this.processFrames());
  }

  private onConnectFrame(frame: Buffer): void {
    let request: ConnectRequest;
    try {
      const reader = new Reader(frame);
      request = decodeConnectRequest(reader);
      reader.expectEnd('ConnectRequest');
    } catch (error) {
      this.close(`bad connect request: ${describe(error)}`);
      return;
    }
    this.state = 'waiting';
    if (this.sessionlessTimer !== undefined) clearTimeout(this.sessionlessTimer);
    this.handler.connect(this, request);
  }

  private onRequestFrame(frame: Buffer): void {
    const reader = new Reader(frame);
    let header: RequestHeader;
    try {
      header = decodeRequestHeader(reader);
    } catch (error) {
      this.close(`bad request header: ${describe(error)}`);
      return;
    }
    this.handler.request(this, header, reader);
  }
}

/** `::ffff:127.0.0.1` → `127.0.0.1`, as Java reports IPv4 peers. */
function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function describe(error: unknown): string {
  if (error instanceof ProtocolError) return `protocol error (${error.kind}): ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * One socket to one server: the handshake, framing, xids, the FIFO of requests awaiting
 * replies, and write coalescing. It knows nothing of sessions, retries or watches: the
 * session ({@link Session}) owns it and hears about its replies, events and death through a
 * narrow {@link ConnectionListener}.
 *
 * Hot path. A request costs one {@link ClientRequest} object, its promise and its body
 * record; it is encoded straight into one shared {@link Writer}, and the bytes of every
 * request issued by one callback and the promise continuations it resolves leave in one
 * `socket.write` (or earlier, once `flushBytesThreshold` bytes are waiting).
 */
import { type OnReadOpts, Socket, type SocketConstructorOpts } from 'node:net';
import { clientLimits } from '../defaults';
import { int32At, uint32At } from '../protocol/bytes';
import { Limits, OpCode, opName, Xid } from '../protocol/constants';
import {
  ConnectionLossError,
  ErrorCode,
  fromCode,
  ProtocolError,
  type ZooKeeperError,
} from '../protocol/errors';
import { FrameDecoder } from '../protocol/framing';
import { longFromHalves, Reader } from '../protocol/reader';
import {
  type AuthPacket,
  type ConnectRequest,
  type ConnectResponse,
  decodeConnectResponse,
  decodeWatcherEvent,
  encodeAuthPacket,
  type WatcherEvent,
  writeConnectRequestFrame,
} from '../protocol/records';
import { Writer } from '../protocol/writer';
import { assert } from '../util/assert';

/** A ReplyHeader's bytes: xid (4), zxid (8), err (4). */
const REPLY_HEADER_BYTES = 16;

/** A settled promise: a reaction on it is a microtask with no per-call wrapper. */
const SETTLED = Promise.resolve();

/** Size of the buffer the socket reads into, in bytes (a larger read arrives in pieces). */
const READ_BUFFER_BYTES = 64 * 1024;

/** Largest xid before wrapping back to 1 (`Integer.MAX_VALUE`). */
export const XID_MAX = 0x7fffffff;

/** The xid after `xid`: increments, wrapping from {@link XID_MAX} to 1 (never 0 or negative). */
export function nextXid(xid: number): number {
  assert(xid >= 1 && xid <= XID_MAX, 'xids are positive int32');
  return xid === XID_MAX ? 1 : xid + 1;
}

/**
 * Whether the end-of-turn write goes now (`write`) or waits for replies (`defer`), given the
 * written requests still awaiting replies and the requests encoded but not yet written. It
 * defers only while the server still has more queued than would be written (so it never
 * runs dry: the batch leaves when half the pipeline is answered) and at least
 * `deferAwaitingMin` replies are awaited (a shallow pipeline, a single request included,
 * is never delayed).
 */
export function flushDecision(
  awaiting: number,
  unflushed: number,
  deferAwaitingMin: number,
): 'write' | 'defer' {
  assert(awaiting >= 0 && unflushed >= 0, 'requests are counted from zero');
  assert(deferAwaitingMin >= 1, 'the deferral minimum is positive');
  return awaiting >= deferAwaitingMin && unflushed < awaiting ? 'defer' : 'write';
}

/** Encodes a request body; static per op, so requests carry no closures. */
export type BodyEncoder<B> = (writer: Writer, body: B) => void;
/** Decodes a success reply's body; `undefined` for ops whose reply has none. */
export type BodyDecoder<T> = ((reader: Reader) => T) | undefined;

/** Retries an operation whose first request failed (the client's retry policy). */
export interface RequestRetrier {
  /**
   * The operation's outcome after its first attempt failed with `error`: rejects at once
   * with a non-retryable error, else runs later attempts, each with `build(attempt)`.
   */
  retryFailed<T>(
    error: unknown,
    build: (attempt: number) => ClientRequest<T>,
    signal: AbortSignal | undefined,
  ): Promise<T>;
}

/**
 * A request on its way to a server: what to encode, how to read the reply, and how to
 * settle the caller's promise. `onReply`, when present, runs synchronously with the reply,
 * before the next frame is read (watch registration must precede the next event).
 */
export class ClientRequest<T = unknown, B = unknown> {
  /** Assigned when the request is written. */
  xid = 0;
  /** When the request started waiting for a connection (`performance.now()`), or -1. */
  queuedAtMs = -1;
  readonly promise: Promise<T>;
  private resolveFunction!: (value: T) => void;
  private rejectFunction!: (error: Error) => void;

  /** Who retries this request's operation if it fails (a first attempt only); see {@link retryWith}. */
  private retrier: RequestRetrier | undefined = undefined;
  private retryBuild: ((attempt: number) => ClientRequest<T>) | undefined = undefined;
  private retrySignal: AbortSignal | undefined = undefined;

  constructor(
    readonly type: number,
    /** The path as the caller wrote it (client view), for errors. */
    readonly path: string | undefined,
    readonly body: B,
    readonly encodeBody: BodyEncoder<B> | undefined,
    readonly decodeBody: BodyDecoder<T>,
    readonly onReply: ((err: number, value: T | undefined) => void) | undefined = undefined,
  ) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolveFunction = resolve;
      this.rejectFunction = reject;
    });
  }

  /**
   * Makes this request the first attempt of a retried operation: a failure is handed to
   * `retrier` (with `build`, which makes the request of a later attempt) and `promise`
   * settles with the operation's outcome. Success costs nothing more: no promise is chained
   * and nothing is allocated for retries until a failure happens.
   */
  retryWith(
    retrier: RequestRetrier,
    build: (attempt: number) => ClientRequest<T>,
    signal: AbortSignal | undefined,
  ): void {
    this.retrier = retrier;
    this.retryBuild = build;
    this.retrySignal = signal;
  }

  /** Settles from a reply: `err` 0 resolves with `value`, else rejects with the code's error. */
  complete(err: number, value: T | undefined): void {
    this.onReply?.(err, value);
    if (err === 0) this.resolveFunction(value as T);
    else this.fail(fromCode(err, { op: opName(this.type), path: this.path }));
  }

  /** Rejects without a reply (connection loss, expiry, close), or hands over to the retrier. */
  fail(error: Error): void {
    const retrier = this.retrier;
    const build = this.retryBuild;
    if (retrier === undefined || build === undefined) {
      this.rejectFunction(error);
      return;
    }
    this.retrier = undefined;
    this.retryBuild = undefined;
    retrier.retryFailed(error, build, this.retrySignal).then(this.resolveFunction, this.rejectFunction);
  }

  /** A connection loss error naming this request. */
  connectionLoss(cause: unknown): ZooKeeperError {
    return new ConnectionLossError(undefined, { op: opName(this.type), path: this.path, cause });
  }
}

/**
 * A FIFO of requests on an array with moving head and tail indexes: O(1) push and shift,
 * compacted when the consumed prefix dominates, so steady pipelining allocates nothing. An
 * emptied queue rewinds its indexes instead of truncating the array (setting an array's
 * length is a runtime call, and at one request in flight the queue empties every reply).
 */
export class RequestQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private tail = 0;

  get size(): number {
    return this.tail - this.head;
  }

  push(item: T): void {
    this.items[this.tail++] = item;
  }

  peek(): T | undefined {
    return this.head < this.tail ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.tail) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.tail) {
      this.items = this.items.slice(this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const drained = this.items.slice(this.head, this.tail) as T[];
    this.items = [];
    this.head = 0;
    this.tail = 0;
    return drained;
  }
}

/** What a {@link Connection} tells its owner. Called synchronously from socket callbacks. */
export interface ConnectionListener {
  /** The server answered the ConnectRequest. */
  handshake(response: ConnectResponse): void;
  /** A watch notification (xid -1), with the zxid of its header. */
  notification(event: WatcherEvent, zxid: bigint): void;
  /** A reply carried `zxid` (> 0): the session's last seen zxid moves forward. */
  zxidSeen(zxid: bigint): void;
  /** An auth reply (xid -4) carried a non-zero code for the packet of `scheme`. */
  authFailed(err: number, scheme: string): void;
  /** Any frame arrived (heartbeat input). */
  activity(): void;
  /** A frame was written (heartbeat input). */
  sent(): void;
  /** The connection is gone, for `reason`; called once. Pending requests were failed first. */
  closed(reason: Error): void;
}

/** Options of {@link Connection}. */
export interface ConnectionOptions {
  host: string;
  port: number;
  listener: ConnectionListener;
  /** The handshake to send once the socket connects. */
  connectRequest: ConnectRequest;
  frameBytesMax?: number;
  flushBytesThreshold?: number;
  /** See `clientLimits.flushDeferAwaitingMin`. */
  flushDeferAwaitingMin?: number;
  /** See `clientLimits.framesPerTurn`. */
  framesPerTurn?: number;
  /**
   * The xid counter this connection continues (shared by a session's connections, as
   * Apache's client keeps counting across reconnects): a server that matches replies by
   * (session, xid), like a follower after the session moved to it, never sees a reused
   * xid from one session. Default: a counter of this connection only.
   */
  xids?: XidCounter;
}

/** The last xid a session's connections used; see {@link ConnectionOptions.xids}. */
export interface XidCounter {
  last: number;
}

/** A fresh counter: the first xid it gives is 1. */
export function newXidCounter(): XidCounter {
  return { last: XID_MAX };
}

/** One TCP connection speaking the client side of the protocol. */
export class Connection {
  private readonly socket: Socket;
  private readonly decoder: FrameDecoder;
  private readonly writer = new Writer(16 * 1024);
  private readonly pending = new RequestQueue<ClientRequest>();
  private readonly authWaiters = new RequestQueue<{ waiter: ClientRequest; scheme: string }>();
  private readonly listener: ConnectionListener;
  private readonly flushBytesThreshold: number;
  private readonly flushDeferAwaitingMin: number;
  private readonly framesPerTurn: number;
  /**
   * Received frames wait in the decoder for the next turn ({@link framesPerTurn} were
   * handled in this one); a continuation is scheduled.
   */
  private framesHeld = false;
  private readonly handleHeldFrames = (): void => {
    if (!this.framesHeld || this.closedFlag) return;
    this.framesHeld = false;
    this.handleFrames(this.turnBudget());
  };
  /** Requests encoded in `writer` but not yet written (they are also in `pending`). */
  private unflushedRequests = 0;
  /** An end-of-turn write was held back until the replies awaited drop below the minimum. */
  private flushDeferred = false;
  private readonly xids: XidCounter;
  /** Halves of the zxid of the last reply (0 until one arrives: zxid 0 is never reported). */
  private lastReplyZxidHigh = 0;
  private lastReplyZxidLow = 0;
  private handshakeDone = false;
  private closedFlag = false;
  private flushScheduled = false;
  private readonly flushAtEndOfTurn = (): void => this.endOfTurn();
  /** Where the socket reads into; reused until the decoder keeps a view into it. */
  private readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  /** The decoder holds views into `readBuffer` (a partial frame): the next read needs a new one. */
  private readBufferRetained = false;

  constructor(options: ConnectionOptions) {
    this.listener = options.listener;
    this.xids = options.xids ?? newXidCounter();
    this.flushBytesThreshold = options.flushBytesThreshold ?? clientLimits.flushBytesThreshold;
    this.flushDeferAwaitingMin = options.flushDeferAwaitingMin ?? clientLimits.flushDeferAwaitingMin;
    this.framesPerTurn = options.framesPerTurn ?? clientLimits.framesPerTurn;
    assert(this.framesPerTurn >= 1, 'at least one frame is handled per turn');
    this.decoder = new FrameDecoder({ frameBytesMax: options.frameBytesMax ?? Limits.packetBytesMax });
    // Reading into our own buffer skips the stream machinery and its allocation per read.
    // A frame handed to `handleFrame` is a view into it, decoded synchronously: decoders copy
    // what they keep (data via `fromData`, strings), so only a partial frame held by the
    // decoder pins the buffer, and then the next read gets a fresh one.
    const onread: OnReadOpts = {
      buffer: () => this.nextReadBuffer(),
      callback: (bytes, buffer) => {
        this.receive((buffer as Buffer).subarray(0, bytes));
        return true;
      },
    };
    // Node's Socket constructor takes `onread` (its types list it only for `net.connect`).
    this.socket = new Socket({ onread } as SocketConstructorOpts);
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => {
      writeConnectRequestFrame(this.writer, options.connectRequest);
      this.flush();
    });
    this.socket.on('error', (error) => this.close(error));
    this.socket.on('close', () => this.close(new Error('socket closed by the server')));
    this.socket.connect({ host: options.host, port: options.port });
  }

  /** True once the ConnectResponse arrived and until the connection closes. */
  get ready(): boolean {
    return this.handshakeDone && !this.closedFlag;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Requests sent (written or about to be) and awaiting their replies. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Requests written to the socket and awaiting their replies. */
  get awaitingCount(): number {
    return this.pending.size - this.unflushedRequests;
  }

  /** Writes `request` (after the handshake) and queues it for its reply. */
  send<T, B>(request: ClientRequest<T, B>): void {
    assert(this.handshakeDone, 'requests are sent after the handshake');
    if (this.closedFlag) {
      request.fail(request.connectionLoss('connection closed'));
      return;
    }
    const xid = nextXid(this.xids.last);
    this.xids.last = xid;
    request.xid = xid;
    const writer = this.writer;
    writer.beginFrame();
    writer.int(request.xid).int(request.type); // RequestHeader, inline: no header object per request
    if (request.encodeBody !== undefined) request.encodeBody(writer, request.body);
    writer.endFrame();
    this.pending.push(request as unknown as ClientRequest);
    this.unflushedRequests++;
    this.scheduleFlush();
  }

  /** Sends an auth packet (xid -4); `waiter` settles with its reply. */
  sendAuth<T, B>(packet: AuthPacket, waiter: ClientRequest<T, B>): void {
    assert(this.handshakeDone, 'auth is sent after the handshake');
    if (this.closedFlag) {
      waiter.fail(waiter.connectionLoss('connection closed'));
      return;
    }
    this.writer.beginFrame();
    this.writer.int(Xid.auth).int(OpCode.auth);
    encodeAuthPacket(this.writer, packet);
    this.writer.endFrame();
    this.authWaiters.push({ waiter: waiter as unknown as ClientRequest, scheme: packet.scheme });
    this.scheduleFlush();
  }

  /** Sends a ping (xid -2) now. */
  ping(): void {
    if (!this.ready) return;
    this.writer.beginFrame();
    this.writer.int(Xid.ping).int(OpCode.ping);
    this.writer.endFrame();
    this.flush();
  }

  /** Writes everything encoded so far. */
  flush(): void {
    this.flushDeferred = false;
    if (this.closedFlag || this.writer.length === 0) return;
    this.socket.write(this.writer.finish());
    this.writer.reset();
    this.unflushedRequests = 0;
    this.listener.sent();
  }

  /**
   * Closes the socket and fails every request awaiting a reply with a connection loss
   * (their outcome is unknown). Idempotent.
   */
  close(reason: Error): void {
    if (this.closedFlag) return;
    if (this.framesHeld) {
      // Replies that arrived before the end complete their requests, as they would have
      // had they been handled in the turn they were read in.
      this.framesHeld = false;
      this.handleFrames(Number.POSITIVE_INFINITY);
      if (this.closedFlag) return;
    }
    this.closedFlag = true;
    this.socket.destroy();
    this.writer.reset();
    this.unflushedRequests = 0;
    this.flushDeferred = false;
    for (const request of this.pending.drain()) request.fail(request.connectionLoss(reason));
    for (const { waiter } of this.authWaiters.drain()) waiter.fail(waiter.connectionLoss(reason));
    this.listener.closed(reason);
  }

  private scheduleFlush(): void {
    if (this.writer.length >= this.flushBytesThreshold) {
      this.flush();
      return;
    }
    if (this.flushScheduled || this.flushDeferred) return;
    this.flushScheduled = true;
    // The write is queued behind the promise reactions already queued: the replies of one
    // read resolve their requests before any of them issues the next, so the requests those
    // continuations issue leave together. A microtask costs far less than setImmediate (an
    // Immediate object, loop-handle toggling, a pass of the check phase) or nextTick (one
    // more entry into JS per I/O callback), and at one request in flight it is per operation.
    // A reaction on a settled promise rather than Node's queueMicrotask, which makes an
    // AsyncResource and a bound function per call.
    void SETTLED.then(this.flushAtEndOfTurn);
  }

  /**
   * The end-of-turn write, unless the pipeline is deep (see {@link flushDecision}): while
   * the server has more requests queued than are waiting here, the new ones would be
   * answered after those anyway (replies are FIFO per session), so they wait for more
   * replies and leave in one larger write. Under pipelined load this trades one write per
   * read for one per many reads: the syscalls, not the encoding, are most of a request's
   * CPU cost.
   */
  private endOfTurn(): void {
    this.flushScheduled = false;
    if (this.writer.length === 0) return;
    // With replies held for the next turn, the server has fewer requests queued than are
    // counted as awaited (some of those replies are here): it may have none left, so write.
    if (
      !this.framesHeld &&
      flushDecision(this.awaitingCount, this.unflushedRequests, this.flushDeferAwaitingMin) === 'defer'
    ) {
      this.flushDeferred = true;
      return;
    }
    this.flush();
  }

  private nextReadBuffer(): Buffer {
    if (this.readBufferRetained) {
      this.readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
      this.readBufferRetained = false;
    }
    return this.readBuffer;
  }

  private receive(chunk: Buffer): void {
    if (this.closedFlag) return;
    this.listener.activity();
    try {
      this.decoder.push(chunk);
    } catch (error) {
      this.close(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    // Frames held from an earlier read come first: the scheduled turn handles these after them.
    if (this.framesHeld) {
      this.readBufferRetained = true;
      return;
    }
    this.handleFrames(this.turnBudget());
  }

  /**
   * Replies handled in this turn: half of those awaited (at least `framesPerTurn`), so while
   * the continuations of one half refill the server's queue, the other half is still there
   * to be handled — client and server work at the same time instead of taking turns.
   */
  private turnBudget(): number {
    return Math.max(this.framesPerTurn, this.awaitingCount >> 1);
  }

  /**
   * Handles up to `budget` decoded frames in order; if more bytes wait, the rest is held for
   * the next turn (setImmediate: after the continuations of these replies have run and
   * their requests have been written, so the server works while the rest is handled).
   */
  private handleFrames(budget: number): void {
    try {
      let handled = 0;
      for (let frame = this.decoder.next(); frame !== undefined; frame = this.decoder.next()) {
        this.handleFrame(frame);
        if (this.closedFlag) return;
        handled += 1;
        if (handled >= budget && this.decoder.bufferedBytes > 0) {
          this.framesHeld = true;
          setImmediate(this.handleHeldFrames);
          return;
        }
      }
    } catch (error) {
      this.close(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.readBufferRetained = this.decoder.bufferedBytes > 0;
    }
  }

  private handleFrame(frame: Buffer): void {
    const reader = new Reader(frame);
    if (!this.handshakeDone) {
      const response = decodeConnectResponse(reader);
      this.handshakeDone = true;
      this.listener.handshake(response);
      return;
    }
    // ReplyHeader, read in place: xid, zxid (two halves), err.
    const at = reader.claim(REPLY_HEADER_BYTES, 'reply header');
    const bytes = reader.source;
    const xid = int32At(bytes, at);
    const zxidHigh = int32At(bytes, at + 4);
    const zxidLow = uint32At(bytes, at + 8);
    const err = int32At(bytes, at + 12);
    if (xid === Xid.notification) {
      this.listener.notification(decodeWatcherEvent(reader), longFromHalves(zxidHigh, zxidLow));
      return;
    }
    if (xid === Xid.ping) return;
    if (xid === Xid.auth) {
      this.handleAuthReply(err);
      return;
    }
    const request = this.pending.shift();
    if (request === undefined || request.xid !== xid) {
      const expected = request === undefined ? 'none' : String(request.xid);
      if (request !== undefined) request.fail(request.connectionLoss('xid out of order'));
      throw new ProtocolError('bad-value', `xid out of order: got ${xid}, expected ${expected}`);
    }
    if (err === ErrorCode.SESSIONMOVED) {
      // The session is attached to another server now: a connection-level error (Apache's
      // servers close the connection rather than answer it). Outcome unknown, as on a loss.
      const reason = new Error('session moved to another server');
      request.fail(request.connectionLoss(reason));
      this.close(reason);
      return;
    }
    // Replies to reads repeat the server's last zxid: only a new one becomes a bigint.
    if (zxidHigh !== this.lastReplyZxidHigh || zxidLow !== this.lastReplyZxidLow) {
      this.lastReplyZxidHigh = zxidHigh;
      this.lastReplyZxidLow = zxidLow;
      const zxid = longFromHalves(zxidHigh, zxidLow);
      if (zxid > 0n) this.listener.zxidSeen(zxid);
    }
    if (
      this.flushDeferred &&
      flushDecision(this.awaitingCount, this.unflushedRequests, this.flushDeferAwaitingMin) === 'write'
    ) {
      this.flushDeferred = false;
      this.scheduleFlush();
    }
    if (err !== 0 || request.decodeBody === undefined) {
      request.complete(err, undefined);
      return;
    }
    let value: unknown;
    try {
      value = request.decodeBody(reader);
    } catch (error) {
      request.fail(request.connectionLoss(error));
      throw error;
    }
    request.complete(0, value);
  }

  /** The listener hears of a failure first, so the waiter's caller sees the session's verdict. */
  private handleAuthReply(err: number): void {
    const entry = this.authWaiters.shift();
    if (err !== 0) this.listener.authFailed(err, entry?.scheme ?? '');
    entry?.waiter.complete(err, undefined);
  }
}

/**
 * TCP between ensemble members, as the `server.N=host:quorumPort:electionPort` lines say:
 * election notifications travel to a member's election port, quorum packets (leader ↔
 * learner) and sync answers to its quorum port.
 *
 * Each member dials one outgoing connection per (peer, port) and only writes on it; it reads
 * on the connections others dialled to it. A connection starts with a hello frame naming the
 * dialler, then carries length-prefixed frames of {@link encodePeerMessage}.
 *
 * Loss is allowed (ZAB tolerates it: quorum packets carry link sequences, so a gap reads as a
 * broken connection): a message to a peer that is down, still backing off, blocked by
 * {@link PeerTransport.partition}, or whose queue is full, is dropped. Dialling is lazy — the
 * next message to a peer dials again once its backoff has passed.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { ProtocolError } from '../../src/protocol/errors';
import { FrameDecoder } from '../../src/protocol/framing';
import { Reader } from '../../src/protocol/reader';
import { Writer } from '../../src/protocol/writer';
import { assert } from '../../src/util/assert';
import { decodePeerMessage, encodePeerMessage, type PeerMessage } from './peer-codec';

/** Where one member listens. */
export interface PeerAddress {
  readonly id: number;
  readonly host: string;
  readonly quorumPort: number;
  readonly electionPort: number;
}

/** Which of a member's two ports a message goes to. */
export type PeerChannel = 'quorum' | 'election';

/** Limits and timing of the transport. */
export const peerTransportLimits = {
  /** Largest frame (a SNAP carries the whole tree). */
  frameBytesMax: 512 * 1024 * 1024,
  /** Messages held while a connection is being dialled. */
  dialQueueMessagesMax: 10_000,
  /** Unsent bytes on a connection above which it is dropped (the peer is not reading). */
  outputBytesMax: 256 * 1024 * 1024,
  /** First wait after a failed dial; doubles up to the max. */
  backoffInitialMs: 50,
  backoffMaxMs: 1_000,
  /** A dial that takes longer fails. */
  connectTimeoutMs: 2_000,
} as const;

/** First frame on every connection: magic, version, dialler id. */
const HELLO_MAGIC = 0x7a6b7071; // "zkpq"
const HELLO_VERSION = 1;

/** Options of a {@link PeerTransport}. */
export interface PeerTransportOptions {
  readonly self: number;
  /** Every member, this one included (its entry says where to listen). */
  readonly members: readonly PeerAddress[];
  /** Called for each message addressed to this member, in arrival order per connection. */
  readonly deliver: (message: PeerMessage) => void;
  /** Diagnostics (connection failures, malformed frames). */
  readonly log?: (line: string) => void;
  /**
   * An established quorum-port connection with `peer` closed, in either direction (it
   * crashed, or dropped us): quorum packets on it may be lost. Not called for failed dials.
   */
  readonly linkDown?: (peer: number) => void;
}

interface OutgoingLink {
  readonly peer: PeerAddress;
  readonly channel: PeerChannel;
  state: 'idle' | 'dialling' | 'open';
  socket: Socket | undefined;
  queue: Buffer[];
  retryAtMs: number;
  backoffMs: number;
  /** Frames for the open socket, written together at the end of this event-loop turn. */
  outbox: Buffer[];
  /** The socket the outbox's frames belong to (a replaced connection drops them, as a closed one would). */
  outboxSocket: Socket | undefined;
}

/** Loopback/TCP transport of one member. */
export class PeerTransport {
  private readonly links = new Map<string, OutgoingLink>();
  private readonly incoming = new Set<Socket>();
  private readonly servers: Server[] = [];
  private readonly blocked = new Set<number>();
  private readonly delays = new Map<number, number>();
  private readonly writer = new Writer(64 * 1024);
  private readonly self: PeerAddress;
  private closed = false;
  /** Links with frames in their outbox; flushed once per event-loop turn (see {@link flushOutboxes}). */
  private readonly unflushed = new Set<OutgoingLink>();
  private flushScheduled = false;
  /** Messages dropped since start (down peer, backoff, partition, full queue). */
  droppedCount = 0;

  constructor(private readonly options: PeerTransportOptions) {
    const self = options.members.find((member) => member.id === options.self);
    assert(self !== undefined, `member ${options.self} has an address`);
    this.self = self;
    for (const peer of options.members) {
      if (peer.id === options.self) continue;
      for (const channel of ['quorum', 'election'] as const) {
        this.links.set(linkKey(peer.id, channel), {
          peer,
          channel,
          state: 'idle',
          socket: undefined,
          queue: [],
          retryAtMs: 0,
          backoffMs: peerTransportLimits.backoffInitialMs,
          outbox: [],
          outboxSocket: undefined,
        });
      }
    }
  }

  /** Listens on this member's quorum and election ports. */
  async start(): Promise<void> {
    for (const channel of ['quorum', 'election'] as const) {
      const port = channel === 'quorum' ? this.self.quorumPort : this.self.electionPort;
      const server = createServer({ noDelay: true }, (socket) => this.accept(socket, channel));
      server.on('error', (error) => this.options.log?.(`peer listener: ${error.message}`));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, this.self.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.servers.push(server);
    }
  }

  /** Sends `message` to `message.to`, or drops it (see the module comment). */
  send(message: PeerMessage): void {
    if (this.closed) return;
    assert(message.from === this.options.self, 'a member sends its own messages');
    const channel: PeerChannel = message.kind === 'notification' ? 'election' : 'quorum';
    const link = this.links.get(linkKey(message.to, channel));
    if (link === undefined || this.blocked.has(message.to)) {
      this.droppedCount++;
      return;
    }
    this.writer.reset();
    this.writer.beginFrame();
    encodePeerMessage(this.writer, message);
    this.writer.endFrame();
    const frame = this.writer.finish();
    const delayMs = this.delays.get(message.to) ?? 0;
    if (delayMs > 0) {
      // Equal delays fire in scheduling order, so the stream keeps its order.
      setTimeout(() => {
        if (!this.closed) this.write(link, frame);
      }, delayMs).unref();
      return;
    }
    this.write(link, frame);
  }

  /** Test hook: holds every message to `peer` for `delayMs` (0 ends it), order kept. */
  delay(peer: number, delayMs: number): void {
    if (delayMs > 0) this.delays.set(peer, delayMs);
    else this.delays.delete(peer);
  }

  /**
   * Test hook: drops every message to or from these members until {@link heal} (messages in
   * flight on open connections are dropped on arrival).
   */
  partition(peers: Iterable<number>): void {
    for (const peer of peers) if (peer !== this.options.self) this.blocked.add(peer);
  }

  /** Ends every partition. */
  heal(): void {
    this.blocked.clear();
  }

  /** Members this one currently drops traffic with. */
  get partitionedFrom(): readonly number[] {
    return [...this.blocked];
  }

  /** Closes the listeners and every connection at once; nothing more is sent or delivered. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const link of this.links.values()) {
      link.socket?.destroy();
      link.socket = undefined;
      link.queue = [];
      link.state = 'idle';
    }
    for (const socket of this.incoming) socket.destroy();
    this.incoming.clear();
    await Promise.all(
      this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  }

  /**
   * Writes every link's outbox: the messages one event-loop turn produced for a peer (a batch
   * of PROPOSALs and its COMMIT, a round of ACKs) leave in one system call (cork: a writev),
   * not one each. Runs at the turn's check phase, so a lone message waits for nothing but the
   * rest of the turn.
   */
  private readonly flushOutboxes = (): void => {
    this.flushScheduled = false;
    for (const link of this.unflushed) {
      const frames = link.outbox;
      const socket = link.outboxSocket;
      link.outbox = [];
      link.outboxSocket = undefined;
      if (this.closed || link.state !== 'open' || socket === undefined || link.socket !== socket) {
        this.droppedCount += frames.length;
        continue;
      }
      if (frames.length === 1) {
        socket.write(frames[0] as Buffer);
        continue;
      }
      socket.cork();
      for (const frame of frames) socket.write(frame);
      socket.uncork();
    }
    this.unflushed.clear();
  };

  private write(link: OutgoingLink, frame: Buffer): void {
    if (link.state === 'open') {
      const socket = link.socket;
      assert(socket !== undefined, 'an open link has a socket');
      if (socket.writableLength > peerTransportLimits.outputBytesMax) {
        // The peer stopped reading: reset the connection rather than buffer without bound.
        this.droppedCount++;
        socket.destroy();
        return;
      }
      if (link.outbox.length === 0) link.outboxSocket = socket;
      link.outbox.push(frame);
      this.unflushed.add(link);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flushOutboxes);
      }
      return;
    }
    if (link.state === 'idle') {
      if (Date.now() < link.retryAtMs) {
        this.droppedCount++;
        return;
      }
      this.dial(link);
    }
    if (link.queue.length >= peerTransportLimits.dialQueueMessagesMax) {
      this.droppedCount++;
      return;
    }
    link.queue.push(frame);
  }

  private dial(link: OutgoingLink): void {
    assert(link.state === 'idle', 'one dial at a time per link');
    link.state = 'dialling';
    const port = link.channel === 'quorum' ? link.peer.quorumPort : link.peer.electionPort;
    const socket = tcpConnect({ host: link.peer.host, port, noDelay: true });
    link.socket = socket;
    socket.setTimeout(peerTransportLimits.connectTimeoutMs, () => socket.destroy());
    socket.once('connect', () => {
      socket.setTimeout(0);
      if (this.closed || link.socket !== socket) return;
      link.state = 'open';
      link.backoffMs = peerTransportLimits.backoffInitialMs;
      socket.write(helloFrame(this.options.self));
      const queued = link.queue;
      link.queue = [];
      for (const frame of queued) socket.write(frame);
    });
    // Nothing is read on an outgoing connection; reading keeps a half-closed one detectable.
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      if (link.socket !== socket) return;
      if (link.state === 'dialling')
        this.options.log?.(`cannot reach server ${link.peer.id} (${link.channel})`);
      else if (link.channel === 'quorum' && !this.closed) this.options.linkDown?.(link.peer.id);
      link.socket = undefined;
      link.state = 'idle';
      link.queue = [];
      link.retryAtMs = Date.now() + link.backoffMs;
      link.backoffMs = Math.min(link.backoffMs * 2, peerTransportLimits.backoffMaxMs);
    });
  }

  private accept(socket: Socket, channel: PeerChannel): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.incoming.add(socket);
    const decoder = new FrameDecoder({ frameBytesMax: peerTransportLimits.frameBytesMax });
    let peer: number | undefined;
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk);
        for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) {
          if (peer === undefined) peer = this.readHello(frame);
          else this.receive(peer, frame);
        }
      } catch (error) {
        this.options.log?.(`bad frame from a peer: ${error instanceof Error ? error.message : error}`);
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.incoming.delete(socket);
      if (channel === 'quorum' && peer !== undefined && !this.closed) this.options.linkDown?.(peer);
    });
  }

  private readHello(frame: Buffer): number {
    const reader = new Reader(frame);
    const magic = reader.int();
    const version = reader.int();
    const id = reader.int();
    if (magic !== HELLO_MAGIC || version !== HELLO_VERSION)
      throw new ProtocolError('bad-value', 'not a zookit peer connection');
    if (!this.options.members.some((member) => member.id === id) || id === this.options.self)
      throw new ProtocolError('bad-value', `server ${id} is not a peer`);
    return id;
  }

  private receive(peer: number, frame: Buffer): void {
    if (this.closed) return;
    const message = decodePeerMessage(new Reader(frame));
    if (message.from !== peer || message.to !== this.options.self)
      throw new ProtocolError(
        'bad-value',
        `message ${message.from}→${message.to} on server ${peer}'s connection`,
      );
    if (this.blocked.has(peer)) return;
    this.options.deliver(message);
  }
}

function linkKey(peer: number, channel: PeerChannel): string {
  return `${peer}/${channel}`;
}

function helloFrame(self: number): Buffer {
  const writer = new Writer(16);
  writer.beginFrame().int(HELLO_MAGIC).int(HELLO_VERSION).int(self).endFrame();
  return writer.finish();
}

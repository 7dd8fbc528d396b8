/**
 * A TCP proxy on 127.0.0.1 that injects network faults between a client and a server:
 * latency ({@link FaultProxy.setDelay}), a frozen link that keeps sockets open
 * ({@link FaultProxy.stall}), dropped connections ({@link FaultProxy.cut}) and refused ones
 * ({@link FaultProxy.refuse}). Each accepted connection gets its own upstream socket; bytes go
 * through a FIFO queue per direction, so order is preserved whatever the delay does.
 */
import net from 'node:net';
import type { HostAddress } from '../../src/client/connect-string';
import { assert } from '../../src/util/assert';

/** Queued bytes per direction before the proxy stops reading the source (backpressure). */
const queuedBytesHighWater = 16 * 1024 * 1024;

interface QueuedChunk {
  readonly dueMs: number;
  /** `null` marks the source's end (FIN), forwarded in order after its data. */
  readonly data: Buffer | null;
}

/** One direction of a proxied connection: source → queue → destination. */
class Pipe {
  private readonly queue: QueuedChunk[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingForDrain = false;
  sourceClosed = false;

  constructor(
    private readonly source: net.Socket,
    private readonly destination: net.Socket,
    private readonly proxy: FaultProxy,
    private readonly onFinished: () => void,
  ) {
    source.on('data', (data: Buffer) => this.enqueue(data));
    source.on('end', () => this.enqueue(null));
    destination.on('drain', () => {
      this.waitingForDrain = false;
      this.pump();
    });
  }

  enqueue(data: Buffer | null): void {
    this.queue.push({ dueMs: Date.now() + this.proxy.delayMs, data });
    if (data !== null) this.queuedBytes += data.length;
    if (this.queuedBytes > queuedBytesHighWater) this.source.pause();
    this.pump();
  }

  /** Forwards every chunk that is due, in order, unless stalled or not yet connected. */
  pump(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.proxy.stalled || this.destination.connecting || this.destination.destroyed) return;
    for (let forwarded = 0; forwarded < 100_000 && !this.waitingForDrain; forwarded++) {
      const head = this.queue[0];
      if (head === undefined) {
        this.finishIfDone();
        return;
      }
      const waitMs = head.dueMs - Date.now();
      if (waitMs > 0) {
        this.timer = setTimeout(() => this.pump(), waitMs);
        return;
      }
      this.queue.shift();
      if (head.data === null) {
        this.destination.end();
        continue;
      }
      this.queuedBytes -= head.data.length;
      if (this.queuedBytes <= queuedBytesHighWater) this.source.resume();
      this.waitingForDrain = !this.destination.write(head.data);
    }
  }

  private finishIfDone(): void {
    if (this.sourceClosed) this.onFinished();
  }

  /** Drops queued bytes and timers. */
  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }
}

/** A client socket, its upstream socket, and the two pipes between them. */
class ProxiedConnection {
  readonly toServer: Pipe;
  readonly toClient: Pipe;

  constructor(
    readonly client: net.Socket,
    readonly upstream: net.Socket,
    proxy: FaultProxy,
    private readonly onGone: (connection: ProxiedConnection) => void,
  ) {
    // Once a side has closed and its bytes are delivered, the other side goes too.
    this.toServer = new Pipe(client, upstream, proxy, () => this.destroy());
    this.toClient = new Pipe(upstream, client, proxy, () => this.destroy());
    // Peer errors (ECONNRESET, EPIPE…) must never crash the test process.
    client.on('error', () => this.destroy());
    upstream.on('error', () => this.destroy());
    upstream.on('connect', () => {
      this.toServer.pump();
      this.toClient.pump();
    });
    client.on('close', () => this.sideClosed(this.toServer));
    upstream.on('close', () => this.sideClosed(this.toClient));
  }

  private sideClosed(pipe: Pipe): void {
    pipe.sourceClosed = true;
    pipe.pump();
  }

  pumpBoth(): void {
    this.toServer.pump();
    this.toClient.pump();
  }

  destroy(): void {
    this.toServer.clear();
    this.toClient.clear();
    this.client.destroy();
    this.upstream.destroy();
    this.onGone(this);
  }
}

/** Options of {@link FaultProxy.start}. */
export interface FaultProxyOptions {
  /** The server to forward to. */
  target: HostAddress;
  /** The port to listen on (127.0.0.1); default: any free port. */
  port?: number;
}

/** A fault-injecting TCP proxy for tests. Listens on 127.0.0.1 only. */
export class FaultProxy {
  /** The extra latency applied to every chunk, in both directions. */
  delayMs = 0;
  /** True while forwarding is stopped. */
  stalled = false;
  private refusing = false;
  private readonly connections = new Set<ProxiedConnection>();

  private constructor(
    private readonly server: net.Server,
    private readonly target: HostAddress,
    /** The port the proxy listens on. */
    readonly port: number,
  ) {}

  /** Starts listening on 127.0.0.1 (`port` or any free port). */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    assert(address !== null && typeof address === 'object', 'a TCP server has an address object');
    const proxy = new FaultProxy(server, options.target, address.port);
    server.on('connection', (socket) => proxy.accept(socket));
    server.on('error', () => {});
    return proxy;
  }

  /** `127.0.0.1:<port>`, ready for a client's connect string. */
  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Live proxied connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Delays every chunk by `ms` from now on, in both directions, keeping order. */
  setDelay(ms: number): void {
    assert(Number.isFinite(ms) && ms >= 0, 'delay must be a finite, non-negative number of ms');
    this.delayMs = ms;
  }

  /** Stops forwarding both ways; sockets stay open and bytes wait for {@link resume}. */
  stall(): void {
    this.stalled = true;
  }

  /** Forwards again, starting with what waited during the stall. */
  resume(): void {
    this.stalled = false;
    for (const connection of this.connections) connection.pumpBoth();
  }

  /** Destroys every live connection (both sockets); the proxy keeps accepting. */
  cut(): void {
    for (const connection of [...this.connections]) connection.destroy();
  }

  /** While enabled, new connections are reset at once (TCP RST). */
  refuse(enabled: boolean): void {
    this.refusing = enabled;
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.cut();
    await closed;
  }

  private accept(client: net.Socket): void {
    client.on('error', () => {});
    if (this.refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: this.target.host, port: this.target.port, allowHalfOpen: true });
    const connection = new ProxiedConnection(client, upstream, this, (gone) => this.connections.delete(gone));
    this.connections.add(connection);
  }
}

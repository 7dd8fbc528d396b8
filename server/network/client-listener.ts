/**
 * The client port: accepts connections, enforces the per-address connection cap
 * (`maxClientCnxns`), and wraps each socket in a {@link ServerConnection}.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { assert } from '../../src/util/assert';
import {
  ServerConnection,
  type ServerConnectionHandler,
  type ServerConnectionLimits,
} from './server-connection';

/** Where and how the client port listens. */
export interface ClientListenerOptions extends ServerConnectionLimits {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Pending-connection queue of the listening socket (`clientPortListenBacklog`); ≤ 0 = the platform default. */
  listenBacklog?: number;
  /** Connections allowed from one address; 0 = unlimited (Apache's `maxClientCnxns`). */
  connectionsPerAddressMax: number;
}

export class ClientListener {
  private readonly server: Server;
  private readonly connections = new Set<ServerConnection>();
  private readonly perAddress = new Map<string, number>();
  private boundPort = 0;

  constructor(
    private readonly options: ClientListenerOptions,
    private readonly handler: ServerConnectionHandler,
  ) {
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', () => {
      // Accept errors (e.g. EMFILE) concern one socket; the listener carries on.
    });
  }

  /** Starts listening; resolves with the bound port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      const { port, host, listenBacklog } = this.options;
      const backlog = listenBacklog !== undefined && listenBacklog > 0 ? { backlog: listenBacklog } : {};
      this.server.listen({ port, host, ...backlog }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const address = this.server.address();
    assert(address !== null && typeof address === 'object', 'a TCP listener has an address');
    this.boundPort = address.port;
    return this.boundPort;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Live connections (handshake done or not). */
  get all(): ReadonlySet<ServerConnection> {
    return this.connections;
  }

  /** Stops accepting and closes every connection. */
  async close(): Promise<void> {
    for (const connection of [...this.connections]) connection.close('server shutting down');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const count = this.perAddress.get(address) ?? 0;
    if (this.options.connectionsPerAddressMax > 0 && count >= this.options.connectionsPerAddressMax) {
      socket.destroy();
      return;
    }
    this.perAddress.set(address, count + 1);
    const handler: ServerConnectionHandler = {
      connect: (connection, request) => this.handler.connect(connection, request),
      request: (connection, header, body) => this.handler.request(connection, header, body),
      fourLetterWord: (connection, word) => this.handler.fourLetterWord(connection, word),
      closed: (connection, reason) => {
        this.connections.delete(connection);
        const left = (this.perAddress.get(address) ?? 1) - 1;
        if (left <= 0) this.perAddress.delete(address);
        else this.perAddress.set(address, left);
        this.handler.closed(connection, reason);
      },
    };
    this.connections.add(new ServerConnection(socket, handler, this.options));
  }
}

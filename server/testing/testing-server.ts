/**
 * An in-process ZooKeeper for tests: a real zookit server on 127.0.0.1 and a free port,
 * with a temporary data dir (or none at all), introspection, and fault hooks — expire a
 * session now, drop a connection, drop the reply of the next matching write after it
 * commits.
 *
 * ```ts
 * await using server = await TestingServer.start();
 * const client = ZooKit.newClient(server.connectString);
 * ```
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpCode, type OpName } from '../../src/protocol/constants';
import { assert } from '../../src/util/assert';
import { configFromOptions, type ServerConfigOptions } from '../config';
import type { ServerConnection } from '../network/server-connection';
import type { ReplyDropRule } from '../runtime/request-handler';
import { type ServerLogger, ZooKeeperServer } from '../runtime/zookeeper-server';
import { MemoryDisk } from '../storage/memory-storage';
import { openMemoryStorage } from '../storage/storage';

/** Options of {@link TestingServer.start}. */
export interface TestingServerOptions extends Omit<ServerConfigOptions, 'clientPort' | 'dataDir'> {
  /** Port to listen on; 0 (default) picks a free one. A restart keeps the port. */
  port?: number;
  /** Data directory; default: a new temporary directory, deleted by `close()`. */
  dataDir?: string;
  /** Keep everything in memory with no fsync: fastest, still survives `restart()`. */
  inMemory?: boolean;
  logger?: ServerLogger;
}

/** A session as the server sees it. */
export interface TestingSession {
  sessionId: bigint;
  /** The negotiated session timeout, ms. */
  timeoutMs: number;
  /** Paths of the ephemeral nodes this session owns. */
  ephemerals: string[];
  /** True while a client connection carries the session. */
  connected: boolean;
}

/**
 * A zookit server in this process for tests: start it with {@link TestingServer.start}, point
 * clients at {@link TestingServer.connectString}; look inside (sessions, watches, ephemerals)
 * and inject faults (expire a session, drop a connection, drop the reply of the next matching
 * request after it commits); `stop()`/`restart()` keep the port and data, `close()` removes a
 * temporary data dir. `await using` closes it.
 */
export class TestingServer implements AsyncDisposable {
  private server: ZooKeeperServer | undefined;
  /** The in-memory "disk", kept so that `restart()` finds the data again. */
  private readonly memoryDisk = new MemoryDisk();

  private constructor(
    private readonly options: TestingServerOptions,
    private port_: number,
    readonly dataDir: string | undefined,
    private readonly ownsDataDir: boolean,
  ) {}

  /** Starts a server; resolves once it accepts connections. */
  static async start(options: TestingServerOptions = {}): Promise<TestingServer> {
    const inMemory = options.inMemory === true;
    const ownsDataDir = !inMemory && options.dataDir === undefined;
    const dataDir = inMemory
      ? undefined
      : (options.dataDir ?? (await mkdtemp(join(tmpdir(), 'zookit-test-'))));
    const testing = new TestingServer(options, options.port ?? 0, dataDir, ownsDataDir);
    await testing.boot();
    return testing;
  }

  private async boot(): Promise<void> {
    const { inMemory, logger, port, dataDir, ...rest } = this.options;
    void inMemory;
    void port;
    void dataDir;
    const config = configFromOptions({
      tickTimeMs: 500,
      fourLetterWordWhitelist: '*',
      containerCheckIntervalMs: 1000,
      ...rest,
      clientPort: this.port_,
      clientPortAddress: '127.0.0.1',
      dataDir: this.dataDir,
    });
    const storage =
      this.dataDir === undefined ? await openMemoryStorage({ disk: this.memoryDisk }) : undefined;
    this.server = await ZooKeeperServer.start({
      config,
      ...(storage !== undefined ? { storage } : {}),
      ...(logger !== undefined ? { logger } : {}),
    });
    this.port_ = this.server.port;
  }

  /** `127.0.0.1:<port>`. */
  get connectString(): string {
    return `127.0.0.1:${this.port_}`;
  }

  get port(): number {
    return this.port_;
  }

  /** The running server (for deeper introspection in zookit's own tests). */
  get instance(): ZooKeeperServer {
    assert(this.server !== undefined, 'the testing server is running');
    return this.server;
  }

  get isRunning(): boolean {
    return this.server !== undefined;
  }

  /** Stops the server, keeping its data; `restart()` brings it back on the same port. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await server.close();
  }

  /** Stops (if running) and starts again on the same port with the same data. */
  async restart(): Promise<void> {
    await this.stop();
    await this.boot();
  }

  /** Stops the server and deletes a temporary data dir. */
  async close(): Promise<void> {
    await this.stop();
    if (this.ownsDataDir && this.dataDir !== undefined)
      await rm(this.dataDir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---------------------------------------------------------------------------------------
  // Introspection

  /** Every live session with its ephemerals. */
  sessions(): TestingSession[] {
    const server = this.instance;
    const ephemerals = server.db.tree.ephemeralSessions();
    return [...server.sessions.sessionTimeouts()].map(([sessionId, timeoutMs]) => ({
      sessionId,
      timeoutMs,
      ephemerals: [...(ephemerals.get(sessionId) ?? [])].sort(),
      connected: server.connectionsBySession.has(sessionId),
    }));
  }

  /** The ephemeral nodes of one session. */
  ephemerals(sessionId: bigint): string[] {
    return [...(this.instance.db.tree.ephemeralSessions().get(sessionId) ?? [])].sort();
  }

  /** Watched paths per session (data and exists watches), as `wchc` reports them. */
  watches(): Map<bigint, string[]> {
    return new Map(
      this.instance.db.watches.pathsByConnection().map(({ sessionId, paths }) => [sessionId, paths]),
    );
  }

  /** Number of open client connections. */
  get connectionCount(): number {
    return this.instance.connections.size;
  }

  // ---------------------------------------------------------------------------------------
  // Fault hooks

  /** Expires a session now, as its timeout would: ephemerals go, watches fire, its connection closes. */
  expireSession(sessionId: bigint): boolean {
    return this.instance.expireSession(sessionId);
  }

  /** Closes the connection carrying `sessionId` (the session lives on); false if none. */
  dropConnection(sessionId: bigint): boolean {
    const connection: ServerConnection | undefined = this.instance.connectionsBySession.get(sessionId);
    if (connection === undefined) return false;
    connection.close('dropped by a test fault hook');
    return true;
  }

  /** Closes every client connection (sessions live on). */
  dropAllConnections(): number {
    const connections = [...this.instance.connections];
    for (const connection of connections) connection.close('dropped by a test fault hook');
    return connections.length;
  }

  /**
   * The next write matching `rule` commits, but its reply is dropped and its connection
   * closed — a reply lost after commit, as a client sees it.
   */
  dropNextReply(rule: { op?: OpName | number; path?: string } = {}): void {
    const op = typeof rule.op === 'string' ? OpCode[rule.op] : rule.op;
    const dropRule: ReplyDropRule = {};
    if (op !== undefined) dropRule.op = op;
    if (rule.path !== undefined) dropRule.path = rule.path;
    this.instance.dropReplies.push(dropRule);
  }
}

/**
 * Tools for hostile-client tests: raw sockets that send exactly the bytes a test chooses,
 * well-behaved clients (one on a raw session, one on zookit's client) that keep writing and
 * reading and record what the server acknowledged, and a reader of a child's resident memory.
 */
import { readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ZooKit, type ZooKitClient } from '../../../../src/client/client';
import { ConnectionState } from '../../../../src/client/connection-state';
import { CreateMode, OpCode } from '../../../../src/protocol/constants';
import { type Acl, Ids } from '../../../../src/protocol/data';
import { ErrorCode } from '../../../../src/protocol/errors';
import {
  decodeCreateResponse,
  decodeGetDataResponse,
  writeConnectRequestFrame,
} from '../../../../src/protocol/records';
import { Writer } from '../../../../src/protocol/writer';
import { RawSession } from '../../../support/raw-session';

/** A raw socket with everything it received and when it closed. */
export interface RawSocket {
  readonly socket: Socket;
  /** All bytes received so far. */
  received(): Buffer;
  /** Resolves true when the server closes within `timeoutMs`, false otherwise. */
  closedWithin(timeoutMs: number): Promise<boolean>;
  readonly closed: boolean;
  /** Wall-clock ms of the close, once closed. */
  readonly closedAtMs: number | undefined;
}

/** Opens a loopback TCP connection and resolves once connected. */
export async function openRawSocket(port: number): Promise<RawSocket> {
  const socket = createConnection({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  let closed = false;
  let closedAtMs: number | undefined;
  const closedPromise = new Promise<void>((resolve) => {
    socket.on('close', () => {
      closed = true;
      closedAtMs = Date.now();
      resolve();
    });
  });
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {
    // a reset by the server is an expected outcome; `close` follows
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    received: () => Buffer.concat(chunks),
    async closedWithin(timeoutMs) {
      const outcome = await Promise.race([closedPromise.then(() => true), sleep(timeoutMs, false)]);
      return outcome;
    },
    get closed() {
      return closed;
    },
    get closedAtMs() {
      return closedAtMs;
    },
  };
}

/** A valid ConnectRequest frame for a new session. */
export function connectFrame(timeOut = 10_000): Buffer {
  const writer = new Writer();
  writeConnectRequestFrame(writer, {
    protocolVersion: 0,
    lastZxidSeen: 0n,
    timeOut,
    sessionId: 0n,
    passwd: Buffer.alloc(16),
    readOnly: false,
  });
  return Buffer.from(writer.finish());
}

/** `int32 length` + payload. */
export function frame(payload: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(payload.length);
  return Buffer.concat([prefix, payload]);
}

/** Resident memory of a process, in bytes (Linux /proc). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match?.[1] === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * A well-behaved client on one raw session (src/protocol only, so it cannot hide a dropped
 * connection behind a reconnect): it creates sequential nodes and reads each one back in a
 * loop, recording every acknowledged create and every failure. Any error ends the loop.
 */
export class SteadyClient {
  readonly acknowledged: { path: string; data: string }[] = [];
  readonly failures: string[] = [];
  private session: RawSession | undefined;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly port: number,
    private readonly parent: string,
  ) {}

  /** Connects, creates the parent, and starts the loop. */
  async start(): Promise<void> {
    const { session } = await RawSession.connect({ port: this.port, timeOut: 10_000 });
    this.session = session;
    let path = '';
    for (const segment of this.parent.split('/').slice(1)) {
      path += `/${segment}`;
      const reply = await session.call(OpCode.create, { path, data: null, acl: openAcl(), flags: 0 });
      if (reply.header.err !== 0 && reply.header.err !== ErrorCode.NODEEXISTS)
        throw new Error(`cannot create ${path}: ${reply.header.err}`);
    }
    this.running = true;
    this.loop = this.run(session);
  }

  /** Creates acknowledged so far. */
  get count(): number {
    return this.acknowledged.length;
  }

  /** Resolves true once `more` further creates are acknowledged (bounded by `timeoutMs`). */
  async progress(more: number, timeoutMs = 10_000): Promise<boolean> {
    const target = this.count + more;
    const deadline = Date.now() + timeoutMs;
    while (this.count < target && Date.now() < deadline && this.failures.length === 0) await sleep(20);
    return this.count >= target;
  }

  private async run(session: RawSession): Promise<void> {
    const iterationsMax = 1_000_000;
    for (let iteration = 0; iteration < iterationsMax && this.running; iteration++) {
      const data = `steady-${iteration}`;
      try {
        const created = await session.call(OpCode.create, {
          path: `${this.parent}/n-`,
          data: Buffer.from(data),
          acl: openAcl(),
          flags: CreateMode.PERSISTENT_SEQUENTIAL,
        });
        if (created.header.err !== 0) throw new Error(`create failed: ${created.header.err}`);
        const path = decodeCreateResponse(created.reader).path;
        this.acknowledged.push({ path, data });
        const read = await session.call(OpCode.getData, { path, watch: false });
        if (read.header.err !== 0) throw new Error(`getData ${path} failed: ${read.header.err}`);
        if (decodeGetDataResponse(read.reader).data?.toString('utf8') !== data)
          throw new Error(`getData ${path}: wrong data`);
      } catch (error) {
        this.failures.push(error instanceof Error ? error.message : String(error));
        return;
      }
      // Leave the event loop room so the test's own sockets get turns too.
      if (iteration % 8 === 7) await sleep(5);
    }
  }

  /** Stops the loop and checks every acknowledged create through a fresh session. */
  async stopAndVerify(): Promise<string[]> {
    this.running = false;
    await this.loop;
    this.session?.destroy();
    const { session } = await RawSession.connect({ port: this.port, timeOut: 10_000 });
    const problems: string[] = [];
    try {
      for (const { path, data } of this.acknowledged) {
        const read = await session.call(OpCode.getData, { path, watch: false });
        if (read.header.err !== 0) problems.push(`${path}: error ${read.header.err}`);
        else if (decodeGetDataResponse(read.reader).data?.toString('utf8') !== data)
          problems.push(`${path}: wrong data`);
      }
    } finally {
      session.destroy();
    }
    return problems;
  }
}

function openAcl(): Acl[] {
  return [...Ids.OPEN_ACL_UNSAFE];
}

/**
 * The same loop through zookit's own client: creates and reads back sequential nodes,
 * recording acknowledged creates, failures and every connection state it went through.
 */
export class ZooKitSteadyClient {
  readonly acknowledged: { path: string; data: string }[] = [];
  readonly failures: string[] = [];
  readonly states: string[] = [];
  private readonly client: ZooKitClient;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    connectString: string,
    private readonly parent: string,
  ) {
    this.client = ZooKit.newClient(connectString, { sessionTimeoutMs: 10_000, connectionTimeoutMs: 5_000 });
    this.client.on('stateChanged', (state) => this.states.push(state));
  }

  /** Connects, creates the parent, and starts the loop. */
  async start(): Promise<void> {
    await this.client.start();
    await this.client.create(this.parent, null, { creatingParentsIfNeeded: true });
    this.running = true;
    this.loop = this.run();
  }

  get count(): number {
    return this.acknowledged.length;
  }

  private async run(): Promise<void> {
    const iterationsMax = 1_000_000;
    for (let iteration = 0; iteration < iterationsMax && this.running; iteration++) {
      const data = `zookit-${iteration}`;
      try {
        const path = await this.client.create(`${this.parent}/n-`, Buffer.from(data), {
          mode: CreateMode.PERSISTENT_SEQUENTIAL,
        });
        this.acknowledged.push({ path, data });
        const read = await this.client.getData(path);
        if (read.data?.toString('utf8') !== data) this.failures.push(`${path}: wrong data`);
      } catch (error) {
        this.failures.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        await sleep(50);
      }
      if (iteration % 8 === 7) await sleep(5);
    }
  }

  /** True if the client never left CONNECTED after it first connected. */
  get neverDisconnected(): boolean {
    return this.states.every((state) => state === ConnectionState.CONNECTED);
  }

  /** Stops the loop and closes the client (safe after `stopAndVerify`). */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.client.close();
  }

  /** Stops the loop; returns the acknowledged creates missing or changed on the server. */
  async stopAndVerify(): Promise<string[]> {
    this.running = false;
    await this.loop;
    const problems: string[] = [];
    try {
      const children = new Set(await this.client.getChildren(this.parent));
      for (const { path, data } of this.acknowledged) {
        if (!children.has(path.slice(this.parent.length + 1))) problems.push(`${path}: missing`);
        else if ((await this.client.getData(path)).data?.toString('utf8') !== data)
          problems.push(`${path}: wrong data`);
      }
    } finally {
      await this.client.close();
    }
    return problems;
  }
}

/**
 * The minimal raw-protocol load generator: `src/protocol` only, one socket per session,
 * requests pipelined up to a fixed count in flight, every batch of replies answered by one
 * socket write of the same number of new requests. It decodes nothing but the reply
 * header, so it costs the least a ZooKeeper client can cost: its throughput on a server is
 * "what the server allows".
 */
import { createConnection, type Socket } from 'node:net';
import { int32At } from '../../src/protocol/bytes';
import { OpCode } from '../../src/protocol/constants';
import { Ids } from '../../src/protocol/data';
import { FrameDecoder } from '../../src/protocol/framing';
import { Reader } from '../../src/protocol/reader';
import { decodeConnectResponse, writeConnectRequestFrame, writeRequest } from '../../src/protocol/records';
import { Writer } from '../../src/protocol/writer';
import { assert } from '../../src/util/assert';
import {
  BenchOp,
  benchValue,
  CREATE_PARENT,
  DRAIN_TIMEOUT_MS,
  type LoadJob,
  type LoadWindow,
  laneNodePath,
  waitFor,
} from './load-job';

/** Session timeout asked for; runs are far shorter, so no pings are needed. */
const SESSION_TIMEOUT_MS = 30_000;
/** Bound on the TCP connect plus handshake. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Bound on the closeSession reply. */
const CLOSE_TIMEOUT_MS = 2_000;
/** Offset of the xid in a request frame: after the int32 length prefix. */
const XID_OFFSET = 4;
/** Offset of `err` in a reply frame's payload: after xid (4) and zxid (8). */
const ERR_OFFSET = 12;

/** Connects and completes the ZooKeeper handshake on a raw socket (a new session). */
export async function openSocket(port: number): Promise<Socket> {
  const socket = createConnection({ host: '127.0.0.1', port, noDelay: true });
  const decoder = new FrameDecoder();
  const handshake = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no handshake within ${CONNECT_TIMEOUT_MS} ms`)),
      CONNECT_TIMEOUT_MS,
    );
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('socket closed during the handshake')));
    socket.on('data', function onData(chunk: Buffer) {
      decoder.push(chunk);
      const frame = decoder.next();
      if (frame === undefined) return;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      const response = decodeConnectResponse(new Reader(frame));
      if (response.timeOut <= 0) reject(new Error('the server refused the session'));
      else resolve();
    });
  });
  socket.once('connect', () => {
    const writer = new Writer();
    writeConnectRequestFrame(writer, {
      protocolVersion: 0,
      lastZxidSeen: 0n,
      timeOut: SESSION_TIMEOUT_MS,
      sessionId: 0n,
      passwd: Buffer.alloc(16),
      readOnly: false,
    });
    socket.write(writer.finish());
  });
  try {
    await handshake;
  } catch (error) {
    socket.destroy();
    throw error;
  }
  socket.removeAllListeners('error');
  socket.removeAllListeners('close');
  return socket;
}

/** Fewest replies handled per turn when one read brings more than half the pipeline. */
const HANDLED_PER_TURN_MIN = 32;

/** One session's pipeline: a ring of send times (replies come back in FIFO order). */
class RawPipeline {
  private readonly decoder = new FrameDecoder();
  private readonly writer = new Writer(4_096);
  private readonly sentMs: Float64Array;
  private sentHead = 0;
  private sentTail = 0;
  inFlight = 0;
  private nextXid = 1;
  private createCounter = 0;
  /** Replies answered by no new request yet (sent on the next flush). */
  private owed = 0;
  private flushScheduled = false;
  failure: Error | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly window: LoadWindow,
    private readonly outstanding: number,
    /** The framed request with xid 0 for getData and setData; undefined for create. */
    private readonly template: Buffer | undefined,
    private readonly createPrefix: string,
    private readonly value: Buffer,
  ) {
    assert(outstanding >= 1, 'at least one request in flight');
    this.sentMs = new Float64Array(outstanding);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => {
      this.failure ??= error;
    });
    socket.on('close', () => {
      this.failure ??= new Error('the server closed the connection');
    });
  }

  start(): void {
    this.send(this.outstanding);
  }

  private receive(chunk: Buffer): void {
    this.decoder.push(chunk);
    if (!this.framesHeld) this.handleFrames();
  }

  /** Replies of an earlier read wait for the next turn (see `handleFrames`). */
  private framesHeld = false;
  private readonly handleHeldFrames = (): void => {
    this.framesHeld = false;
    this.handleFrames();
  };

  /**
   * Handles up to half the pipeline's replies. When a read brought more, the replacements
   * of those leave now and the rest is handled on the next turn, so the server works on
   * them meanwhile instead of waiting for the whole batch (the zookit client does the same).
   */
  private handleFrames(): void {
    let replies = 0;
    const budget = Math.max(HANDLED_PER_TURN_MIN, this.outstanding >> 1);
    const nowMs = performance.now();
    for (let frame = this.decoder.next(); frame !== undefined; frame = this.decoder.next()) {
      if (int32At(frame, 0) < 0) continue; // a ping reply or a notification: not ours
      const err = int32At(frame, ERR_OFFSET);
      const sentMs = this.sentMs[this.sentTail] ?? nowMs;
      this.sentTail = (this.sentTail + 1) % this.outstanding;
      this.inFlight -= 1;
      replies += 1;
      this.window.complete(sentMs, nowMs, err === 0 ? undefined : `error code ${err}`);
      if (replies >= budget && this.decoder.bufferedBytes > 0) {
        this.framesHeld = true;
        setImmediate(this.handleHeldFrames);
        break;
      }
    }
    assert(this.inFlight >= 0, 'no more replies than requests');
    if (replies === 0 || this.window.stopping) return;
    if (this.framesHeld) {
      this.owed += replies;
      this.flush();
      return;
    }
    // Replies often arrive one per read (Apache writes each reply on its own). Answering
    // each read with its own write would cost a syscall per request on both sides; a good
    // client coalesces, so the replacements for one event-loop turn go out in one write.
    this.owed += replies;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const owed = this.owed;
    this.owed = 0;
    if (owed > 0 && !this.window.stopping && this.failure === undefined) this.send(owed);
  };

  private send(count: number): void {
    assert(this.inFlight + count <= this.outstanding, 'never more than `outstanding` in flight');
    const writer = this.writer.reset();
    const nowMs = performance.now();
    for (let index = 0; index < count; index++) {
      const xid = this.nextXid;
      this.nextXid = xid >= 0x7fff_fff0 ? 1 : xid + 1;
      this.appendRequest(writer, xid);
      this.sentMs[this.sentHead] = nowMs;
      this.sentHead = (this.sentHead + 1) % this.outstanding;
    }
    this.inFlight += count;
    this.socket.write(writer.finish());
  }

  private appendRequest(writer: Writer, xid: number): void {
    if (this.template === undefined) {
      const path = `${this.createPrefix}${this.createCounter++}`;
      writeRequest(writer, xid, OpCode.create, {
        path,
        data: this.value,
        acl: [...Ids.OPEN_ACL_UNSAFE],
        flags: 0,
      });
      return;
    }
    const start = writer.length;
    writer.raw(this.template);
    writer.view().writeInt32BE(xid, start + XID_OFFSET);
  }

  /** Sends closeSession and waits briefly for the server to close the socket. */
  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    // The closeSession reply is not a load reply.
    this.socket.removeAllListeners('data');
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    const writer = new Writer();
    writer.beginFrame().int(this.nextXid).int(OpCode.closeSession).endFrame();
    this.socket.write(writer.finish());
    const timer = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS));
    await Promise.race([closed, timer]);
    this.socket.destroy();
  }
}

function requestTemplate(op: BenchOp, path: string, value: Buffer): Buffer | undefined {
  const writer = new Writer();
  if (op === BenchOp.getData) return writeRequest(writer, 0, OpCode.getData, { path, watch: false }).finish();
  if (op === BenchOp.setData) {
    return writeRequest(writer, 0, OpCode.setData, { path, data: value, version: -1 }).finish();
  }
  return undefined;
}

/** A raw-protocol load: sessions opened, ready to run in a window. */
export interface PreparedLoad {
  /** Issues load until the window stops, then waits for in-flight replies (bounded). */
  run(window: LoadWindow): Promise<void>;
  close(): Promise<void>;
}

/** Opens the job's sessions for the raw generator. */
export async function prepareRawLoad(job: LoadJob): Promise<PreparedLoad> {
  const value = benchValue(job.valueBytes);
  const sockets = await Promise.all(Array.from({ length: job.connections }, () => openSocket(job.port)));
  let pipelines: RawPipeline[] = [];
  return {
    async run(window) {
      pipelines = sockets.map((socket, index) => {
        const lane = job.firstConnection + index;
        const template = requestTemplate(job.op, laneNodePath(lane, job.nodeCount), value);
        const prefix = `${CREATE_PARENT}/${job.tag}-${lane}-`;
        return new RawPipeline(socket, window, job.outstanding, template, prefix, value);
      });
      for (const pipeline of pipelines) pipeline.start();
      await window.run(job.warmupMs, job.measureMs);
      await waitFor(
        () => pipelines.every((pipeline) => pipeline.inFlight === 0 || pipeline.failure),
        DRAIN_TIMEOUT_MS,
      );
      const failure = pipelines.find((pipeline) => pipeline.failure !== undefined)?.failure;
      if (failure !== undefined) throw failure;
    },
    async close() {
      if (pipelines.length === 0) {
        for (const socket of sockets) socket.destroy();
        return;
      }
      await Promise.all(pipelines.map((pipeline) => pipeline.close()));
    },
  };
}

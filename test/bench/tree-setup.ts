/**
 * Puts nodes on a server before a benchmark: the few nodes the load reads and writes, and
 * (for the memory step) a million znodes written by pipelined raw creates.
 */
import type { Socket } from 'node:net';
import { OpCode } from '../../src/protocol/constants';
import { Ids } from '../../src/protocol/data';
import { FrameDecoder } from '../../src/protocol/framing';
import { writeRequest } from '../../src/protocol/records';
import { Writer } from '../../src/protocol/writer';
import { assert } from '../../src/util/assert';
import { BENCH_ROOT, benchValue, CREATE_PARENT, laneNodePath } from './load-job';
import { openSocket } from './raw-load';

/** ZooKeeper's NODEEXISTS: a node left by an earlier run is fine for setup. */
const NODE_EXISTS = -110;
/** Offset of `err` in a reply payload. */
const ERR_OFFSET = 12;
/** Creates per multi request when filling a server (about 16 KiB per request). */
const MULTI_BATCH = 500;

/** Encodes request `index` (of a known count) with `xid` into `writer`. */
type EncodeRequest = (writer: Writer, xid: number, index: number) => void;

/**
 * Sends `count` requests over one session, at most `outstanding` in flight, and resolves
 * with the count of replies whose error was neither OK nor NODEEXISTS. Bounded by
 * `timeoutMs`.
 */
function pipelineRequests(
  socket: Socket,
  count: number,
  encode: EncodeRequest,
  outstanding: number,
  timeoutMs: number,
): Promise<number> {
  assert(outstanding >= 1, 'at least one request in flight');
  const decoder = new FrameDecoder();
  const writer = new Writer(64 * 1_024);
  let sent = 0;
  let received = 0;
  let failures = 0;
  const sendUpTo = (more: number): void => {
    writer.reset();
    for (let index = 0; index < more && sent < count; index++, sent++) encode(writer, sent + 1, sent);
    if (writer.length > 0) socket.write(writer.finish());
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`requests unfinished after ${timeoutMs} ms (${received}/${count})`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      decoder.push(chunk);
      let replies = 0;
      for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) {
        if (frame.readInt32BE(0) < 0) continue;
        const err = frame.readInt32BE(ERR_OFFSET);
        if (err !== 0 && err !== NODE_EXISTS) failures += 1;
        replies += 1;
      }
      received += replies;
      if (received >= count) finish(undefined);
      else sendUpTo(replies);
    };
    const onClose = (): void => finish(new Error('the server closed the connection during setup'));
    function finish(error: Error | undefined): void {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      if (error === undefined) resolve(failures);
      else reject(error);
    }
    socket.on('data', onData);
    socket.once('close', onClose);
    if (count === 0) finish(undefined);
    else sendUpTo(outstanding);
  });
}

/** Creates `paths` (one create request each), pipelined. */
function pipelineCreates(
  socket: Socket,
  paths: readonly string[],
  value: Buffer,
  outstanding: number,
  timeoutMs: number,
): Promise<number> {
  const acl = [...Ids.OPEN_ACL_UNSAFE];
  const encode: EncodeRequest = (writer, xid, index) => {
    writeRequest(writer, xid, OpCode.create, { path: paths[index] ?? '', data: value, acl, flags: 0 });
  };
  return pipelineRequests(socket, paths.length, encode, outstanding, timeoutMs);
}

/**
 * Creates `paths` in multi requests of `batch` creates each, pipelined: one transaction
 * (one log append) per batch, which fills a server several times faster than single
 * creates. The znodes are the same either way.
 */
function pipelineMultiCreates(
  socket: Socket,
  paths: readonly string[],
  value: Buffer,
  batch: number,
  outstanding: number,
  timeoutMs: number,
): Promise<number> {
  assert(batch >= 1, 'a batch holds at least one create');
  const acl = [...Ids.OPEN_ACL_UNSAFE];
  const encode: EncodeRequest = (writer, xid, index) => {
    const ops = paths.slice(index * batch, (index + 1) * batch).map((path) => ({
      type: OpCode.create,
      request: { path, data: value, acl, flags: 0 },
    }));
    writeRequest(writer, xid, OpCode.multi, { ops });
  };
  return pipelineRequests(socket, Math.ceil(paths.length / batch), encode, outstanding, timeoutMs);
}

/** Creates the benchmark root, the create parent and `nodeCount` lane nodes of `valueBytes`. */
export async function prepareBenchTree(port: number, nodeCount: number, valueBytes: number): Promise<void> {
  const socket = await openSocket(port);
  try {
    const lanes = Array.from({ length: nodeCount }, (_, index) => laneNodePath(index, nodeCount));
    const value = benchValue(valueBytes);
    let failures = await pipelineCreates(socket, [BENCH_ROOT], value, 1, 10_000);
    failures += await pipelineCreates(socket, [CREATE_PARENT, ...lanes], value, 64, 10_000);
    if (failures > 0) throw new Error(`${failures} setup creates failed on port ${port}`);
  } finally {
    socket.destroy();
  }
}

/** Options of {@link populateZnodes}. */
export interface PopulateOptions {
  port: number;
  /** Total znodes, made as `parents` parents of equal child counts (parents included). */
  znodeCount: number;
  parents: number;
  valueBytes: number;
  connections: number;
  outstanding: number;
  timeoutMs: number;
}

/** Fills a server with `znodeCount` znodes under `/mem`; throws if any create failed. */
export async function populateZnodes(options: PopulateOptions): Promise<void> {
  const { parents, connections } = options;
  const childrenPerParent = Math.ceil((options.znodeCount - parents - 1) / parents);
  const value = benchValue(options.valueBytes);
  const sockets = await Promise.all(Array.from({ length: connections }, () => openSocket(options.port)));
  try {
    const first = sockets[0];
    assert(first !== undefined, 'at least one connection');
    const parentPaths = ['/mem', ...Array.from({ length: parents }, (_, index) => `/mem/p${index}`)];
    let failures = await pipelineCreates(first, parentPaths, value, 64, options.timeoutMs);
    const perConnection = sockets.map((socket, connection) => {
      const paths: string[] = [];
      for (let parent = connection; parent < parents; parent += connections) {
        for (let child = 0; child < childrenPerParent; child++) paths.push(`/mem/p${parent}/n${child}`);
      }
      return pipelineMultiCreates(socket, paths, value, MULTI_BATCH, options.outstanding, options.timeoutMs);
    });
    for (const count of await Promise.all(perConnection)) failures += count;
    if (failures > 0) throw new Error(`${failures} of the populating creates failed on port ${options.port}`);
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

/**
 * Counters the runtime updates and the four-letter words print: request latency
 * (Apache's `AvgMinMaxCounter`), server packet counts (`ServerStats`) and per-connection
 * statistics (`ServerCnxn`'s fields). Plain accumulators, no clocks: times are passed in.
 */
import { OpCode } from '../../src/protocol/constants';
import { assert } from '../../src/util/assert';
import { roundHalfUp4 } from './java-format';

/** min/avg/max of latencies in milliseconds. Empty → all zero, as Apache prints. */
export class LatencyStats {
  private totalMs = 0;
  private countValue = 0;
  private minMs = Number.POSITIVE_INFINITY;
  private maxMs = Number.NEGATIVE_INFINITY;

  /** Records one request's latency. Negative latencies (clock steps) are ignored, as Apache does. */
  add(latencyMs: number): void {
    assert(Number.isFinite(latencyMs), 'latency must be finite');
    if (latencyMs < 0) return;
    const rounded = Math.trunc(latencyMs);
    this.totalMs += rounded;
    this.countValue += 1;
    if (rounded < this.minMs) this.minMs = rounded;
    if (rounded > this.maxMs) this.maxMs = rounded;
  }

  /** Smallest latency, 0 when none. */
  get min(): number {
    return this.countValue === 0 ? 0 : this.minMs;
  }
  /** Largest latency, 0 when none. */
  get max(): number {
    return this.countValue === 0 ? 0 : this.maxMs;
  }
  /** Mean rounded half-up to 4 decimals (Apache's `getAvg`), 0 when none. */
  get avg(): number {
    return this.countValue === 0 ? 0 : roundHalfUp4(this.totalMs / this.countValue);
  }
  /** Number of recorded latencies. */
  get count(): number {
    return this.countValue;
  }
  /** Sum of recorded latencies. */
  get total(): number {
    return this.totalMs;
  }

  /** Forgets everything. */
  reset(): void {
    this.totalMs = 0;
    this.countValue = 0;
    this.minMs = Number.POSITIVE_INFINITY;
    this.maxMs = Number.NEGATIVE_INFINITY;
  }

  /** Apache's `resetMax`: max falls back to the current min. */
  resetMax(): void {
    this.maxMs = this.countValue === 0 ? Number.NEGATIVE_INFINITY : this.minMs;
  }
}

/** Server-wide counters: what `srvr`/`stat`/`mntr` print and `srst` resets. */
export class ServerStats {
  readonly latency = new LatencyStats();
  private received = 0;
  private sent = 0;

  /** One packet (request or four-letter word) read from a client. */
  incrementPacketsReceived(): void {
    this.received += 1;
  }
  /** One packet written to a client. */
  incrementPacketsSent(): void {
    this.sent += 1;
  }
  /** Packets received since start or the last reset. */
  get packetsReceived(): number {
    return this.received;
  }
  /** Packets sent since start or the last reset. */
  get packetsSent(): number {
    return this.sent;
  }

  /** Records a finished request: latency = end − start (ms). */
  recordRequestLatency(startMs: number, endMs: number): void {
    this.latency.add(endMs - startMs);
  }

  /** `srst`: latency and packet counters back to zero. */
  reset(): void {
    this.latency.reset();
    this.received = 0;
    this.sent = 0;
  }
}

/** The per-connection values `cons` prints. */
export interface ConnectionStatsSnapshot {
  readonly packetsReceived: number;
  readonly packetsSent: number;
  /** Apache's short op name of the last reply (`GETD`, `CREA`…), `NA` when none. */
  readonly lastOperation: string;
  /** Last non-negative cxid answered, -1 when none. */
  readonly lastCxid: number;
  /** Zxid of the last reply, -1 when none. */
  readonly lastZxid: bigint;
  /** Monotonic ms of the last reply, 0 when none. */
  readonly lastResponseTimeMs: number;
  readonly lastLatencyMs: number;
  readonly minLatencyMs: number;
  /** Integer mean (Java long division), 0 when none. */
  readonly avgLatencyMs: number;
  readonly maxLatencyMs: number;
}

/** Per-connection statistics (`ServerCnxn`): updated per reply, cleared by `crst`. */
export class ConnectionStats {
  private received = 0;
  private sent = 0;
  private lastOperation = 'NA';
  private lastCxid = -1;
  private lastZxid = -1n;
  private lastResponseTimeMs = 0;
  private lastLatencyMs = 0;
  private minLatencyMs = Number.POSITIVE_INFINITY;
  private maxLatencyMs = 0;
  private count = 0;
  private totalLatencyMs = 0;

  /** One packet read on this connection. */
  incrementPacketsReceived(): void {
    this.received += 1;
  }
  /** One packet written on this connection. */
  incrementPacketsSent(): void {
    this.sent += 1;
  }

  /** Records a reply: `operation` is {@link lastOperationName}'s value; cxid < 0 (pings) is not kept. */
  recordResponse(cxid: number, zxid: bigint, operation: string, startMs: number, endMs: number): void {
    assert(operation !== '', 'operation name must not be empty');
    assert(Number.isFinite(startMs) && Number.isFinite(endMs), 'times must be finite');
    if (cxid >= 0) this.lastCxid = cxid;
    this.lastZxid = zxid;
    this.lastOperation = operation;
    this.lastResponseTimeMs = endMs;
    const elapsedMs = endMs - startMs;
    this.lastLatencyMs = elapsedMs;
    if (elapsedMs < this.minLatencyMs) this.minLatencyMs = elapsedMs;
    if (elapsedMs > this.maxLatencyMs) this.maxLatencyMs = elapsedMs;
    this.count += 1;
    this.totalLatencyMs += elapsedMs;
  }

  /** `crst`: back to the state of a new connection. */
  reset(): void {
    this.received = 0;
    this.sent = 0;
    this.lastOperation = 'NA';
    this.lastCxid = -1;
    this.lastZxid = -1n;
    this.lastResponseTimeMs = 0;
    this.lastLatencyMs = 0;
    this.minLatencyMs = Number.POSITIVE_INFINITY;
    this.maxLatencyMs = 0;
    this.count = 0;
    this.totalLatencyMs = 0;
  }

  /** The current values. */
  snapshot(): ConnectionStatsSnapshot {
    return {
      packetsReceived: this.received,
      packetsSent: this.sent,
      lastOperation: this.lastOperation,
      lastCxid: this.lastCxid,
      lastZxid: this.lastZxid,
      lastResponseTimeMs: this.lastResponseTimeMs,
      lastLatencyMs: this.lastLatencyMs,
      minLatencyMs: this.count === 0 ? 0 : this.minLatencyMs,
      avgLatencyMs: this.count === 0 ? 0 : Math.trunc(this.totalLatencyMs / this.count),
      maxLatencyMs: this.maxLatencyMs,
    };
  }
}

/** Apache's `lop` names by opcode (`FinalRequestProcessor`); others print `NA`. */
const lastOperationNames: ReadonlyMap<number, string> = new Map([
  [OpCode.ping, 'PING'],
  [OpCode.createSession, 'SESS'],
  [OpCode.multi, 'MULT'],
  [OpCode.multiRead, 'MLTR'],
  [OpCode.create, 'CREA'],
  [OpCode.create2, 'CREA'],
  [OpCode.createTTL, 'CREA'],
  [OpCode.createContainer, 'CREA'],
  [OpCode.delete, 'DELE'],
  [OpCode.deleteContainer, 'DELE'],
  [OpCode.setData, 'SETD'],
  [OpCode.reconfig, 'RECO'],
  [OpCode.setACL, 'SETA'],
  [OpCode.closeSession, 'CLOS'],
  [OpCode.sync, 'SYNC'],
  [OpCode.check, 'CHEC'],
  [OpCode.exists, 'EXIS'],
  [OpCode.getData, 'GETD'],
  [OpCode.setWatches, 'SETW'],
  [OpCode.setWatches2, 'STW2'],
  [OpCode.addWatch, 'ADDW'],
  [OpCode.getACL, 'GETA'],
  [OpCode.getChildren, 'GETC'],
  [OpCode.getAllChildrenNumber, 'GETACN'],
  [OpCode.getChildren2, 'GETC'],
  [OpCode.checkWatches, 'CHKW'],
  [OpCode.removeWatches, 'REMW'],
  [OpCode.whoAmI, 'HOMI'],
  [OpCode.getEphemerals, 'GETE'],
]);

/** The short name `cons` prints as `lop=` for a reply to `opCode`. */
export function lastOperationName(opCode: number): string {
  return lastOperationNames.get(opCode) ?? 'NA';
}

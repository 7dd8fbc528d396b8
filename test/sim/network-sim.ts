/**
 * The simulated network (TigerBeetle's packet_simulator): every message gets a random delay
 * (election notifications reorder; quorum packets keep their order per pair of servers, as on
 * TCP, so a loss shows as a broken stream), may be lost or duplicated, and is dropped when a partition
 * separates its ends at send or delivery time. Partitions may be asymmetric (one direction
 * only). All choices come from one seeded Random.
 */

import type { ZabMessage } from '../../server/zab/messages';
import type { Random } from '../../src/util/random';

/** Network fault settings. */
export interface NetworkOptions {
  delayTicksMin: number;
  delayTicksMax: number;
  lossProbability: number;
  duplicateProbability: number;
  /** Chance per tick that a new partition starts (when none is active). */
  partitionProbability: number;
  /** Chance that a partition cuts one direction only. */
  asymmetricProbability: number;
  partitionTicksMax: number;
}

/** Messages in flight, bounded so a bug that floods cannot exhaust memory. */
const inFlightMax = 200_000;

interface InFlight {
  readonly message: ZabMessage;
  readonly deliverAt: number;
}

/** The network between the simulated servers. */
export class NetworkSim {
  private inFlight: InFlight[] = [];
  /** Directed cuts `from>to`. */
  private readonly cuts = new Set<string>();
  private partitionEndsAt = -1;
  /** Latest delivery tick per directed path, keeping quorum packets in order. */
  private readonly streamDeliverAt = new Map<string, number>();
  now = 0;

  constructor(
    private options: NetworkOptions,
    private readonly random: Random,
    private readonly ids: readonly number[],
  ) {}

  /** Replaces the fault settings (the liveness phase turns faults off). */
  configure(options: NetworkOptions): void {
    this.options = options;
  }

  /** A description of the current partition, for traces. */
  get partitionText(): string {
    return [...this.cuts].sort().join(' ');
  }

  /** Accepts a message from a server. */
  send(message: ZabMessage): void {
    if (this.inFlight.length >= inFlightMax) throw new Error('network: too many messages in flight');
    if (this.cuts.has(`${message.from}>${message.to}`)) return;
    if (this.random.next() < this.options.lossProbability) return;
    const copies = this.random.next() < this.options.duplicateProbability ? 2 : 1;
    const path = `${message.from}>${message.to}`;
    for (let copy = 0; copy < copies; copy++) {
      const span = this.options.delayTicksMax - this.options.delayTicksMin + 1;
      let deliverAt = this.now + this.options.delayTicksMin + this.random.int(span);
      // Quorum packets ride one TCP connection per pair: delays vary, order does not.
      // Election notifications may overtake each other.
      if (message.kind !== 'notification') {
        deliverAt = Math.max(deliverAt, this.streamDeliverAt.get(path) ?? 0);
        this.streamDeliverAt.set(path, deliverAt);
      }
      this.inFlight.push({ message, deliverAt });
    }
  }

  /**
   * Starts and ends partitions; call once per tick. Returns the directed cuts `[from, to]` a
   * partition started this tick made (their connections break).
   */
  tick(): Array<[number, number]> {
    this.now++;
    if (this.cuts.size > 0 && this.now >= this.partitionEndsAt) this.cuts.clear();
    if (this.cuts.size === 0 && this.random.next() < this.options.partitionProbability) {
      this.startPartition();
      return [...this.cuts].map((cut) => cut.split('>').map(Number) as [number, number]);
    }
    return [];
  }

  private startPartition(): void {
    const side = new Set(this.ids.filter(() => this.random.next() < 0.5));
    if (side.size === 0 || side.size === this.ids.length) return;
    const oneWay = this.random.next() < this.options.asymmetricProbability;
    for (const from of this.ids) {
      for (const to of this.ids) {
        if (side.has(from) === side.has(to)) continue;
        if (!oneWay || side.has(from)) this.cuts.add(`${from}>${to}`);
      }
    }
    this.partitionEndsAt = this.now + 1 + this.random.int(this.options.partitionTicksMax);
  }

  /** Removes every partition. */
  heal(): void {
    this.cuts.clear();
  }

  /** Takes the messages due for `to` (those whose receiver can take input now). */
  takeDue(canReceive: (id: number) => boolean): ZabMessage[] {
    const due: ZabMessage[] = [];
    const kept: InFlight[] = [];
    for (const item of this.inFlight) {
      if (item.deliverAt > this.now || !canReceive(item.message.to)) {
        kept.push(item);
        continue;
      }
      if (!this.cuts.has(`${item.message.from}>${item.message.to}`)) due.push(item.message);
    }
    this.inFlight = kept;
    return due;
  }

  /** Drops everything addressed to a crashed server. */
  dropTo(id: number): void {
    this.inFlight = this.inFlight.filter((item) => item.message.to !== id);
  }

  /** Messages in flight. */
  get size(): number {
    return this.inFlight.length;
  }
}

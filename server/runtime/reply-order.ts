/**
 * FIFO client order for one connection. ZooKeeper answers a connection's requests in the
 * order they were sent, and a read sent after a write sees that write. Writes are pipelined
 * (many await one group-commit fsync), so a connection's queue holds:
 *
 * - writes waiting for their txn to be applied (their reply is filled in then), and
 * - reads (and other ops answered from the tree) waiting behind an earlier write; a read runs
 *   only when everything before it is answered, so it sees the state after those writes.
 *
 * When nothing is pending, a read runs at once and never touches the queue.
 */
import { assert } from '../../src/util/assert';

/** Produces the reply frame of a request answered from the current state (or `undefined` for none). */
export type Answer = () => Buffer | undefined;

/** A write's place in the queue; filled by {@link ReplyOrder.complete}. */
export interface WriteTicket {
  readonly kind: 'write';
  /** The frame, or an {@link Answer} that builds it when its turn comes. */
  reply: Buffer | Answer | undefined;
  done: boolean;
}

type Entry = WriteTicket | { readonly kind: 'read'; readonly answer: Answer };

/** Where frames go; `send` is called in request order. */
export interface ReplySink {
  send(frame: Buffer): void;
}

/** Requests queued and not yet answered over every connection of a server (what `globalOutstandingLimit` bounds). */
export class InFlightCount {
  value = 0;
}

export class ReplyOrder {
  private entries: Entry[] = [];
  private head = 0;

  constructor(
    private readonly sink: ReplySink,
    /** Bounds the queue: a connection with more outstanding requests is misbehaving. */
    readonly pendingMax: number,
    /** The server-wide count this queue adds its pending requests to. */
    private readonly inFlight: InFlightCount = new InFlightCount(),
  ) {
    assert(pendingMax > 0, 'a queue holds at least one request');
  }

  /** Requests queued and not yet answered. */
  get pending(): number {
    return this.entries.length - this.head;
  }

  /** True if one more request would exceed the bound. */
  get full(): boolean {
    return this.pending >= this.pendingMax;
  }

  /** A request answered from the current state: now if nothing is pending, else in turn. */
  read(answer: Answer): void {
    if (this.pending === 0) {
      const frame = answer();
      if (frame !== undefined) this.sink.send(frame);
      return;
    }
    this.entries.push({ kind: 'read', answer });
    this.inFlight.value++;
  }

  /** Reserves the place of a write whose reply comes after its txn applies. */
  write(): WriteTicket {
    const ticket: WriteTicket = { kind: 'write', reply: undefined, done: false };
    this.entries.push(ticket);
    this.inFlight.value++;
    return ticket;
  }

  /**
   * Fills a write's reply and sends everything that is now in turn. An {@link Answer} is run
   * when the reply's turn comes (after every earlier reply), e.g. a sync whose header zxid
   * must cover the connection's earlier writes.
   */
  complete(ticket: WriteTicket, reply: Buffer | Answer | undefined): void {
    assert(!ticket.done, 'a write completes once');
    ticket.done = true;
    ticket.reply = reply;
    this.drain();
  }

  /** Forgets everything queued (the connection closed). */
  clear(): void {
    this.inFlight.value -= this.pending;
    this.entries = [];
    this.head = 0;
  }

  private drain(): void {
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head];
      assert(entry !== undefined, 'head within entries');
      if (entry.kind === 'write') {
        if (!entry.done) break;
        const frame = typeof entry.reply === 'function' ? entry.reply() : entry.reply;
        if (frame !== undefined) this.sink.send(frame);
      } else {
        const frame = entry.answer();
        if (frame !== undefined) this.sink.send(frame);
      }
      this.head++;
      this.inFlight.value--;
    }
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * The transcript environment: an ensemble (test/sim/cluster.ts) on a manual network where
 * nothing happens unless a command says so, after etcd-io/raft's `rafttest` interaction env.
 * Each command returns the lines the transcript expects; see testdata/*.txt.
 */

import type { ZabMessage } from '../../server/zab/messages';
import type { Peer } from '../../server/zab/peer';
import type { Ready } from '../../server/zab/ready';
import { formatZxid } from '../../server/zab/zxid';
import { assert } from '../../src/util/assert';
import { Cluster } from '../sim/cluster';
import { formatMessage, formatPeer } from '../sim/format';
import type { TestCommand } from './datadriven';

/** Rounds of `stabilize` before we call it a livelock. */
const stabilizeRoundsMax = 1_000;

/** One transcript's world. */
export class InteractionEnv {
  private cluster: Cluster | undefined;
  private queue: ZabMessage[] = [];
  private readonly cuts = new Set<string>();
  /** `to:kind` pairs that stabilize/tick leave queued (deliver them with `deliver`). */
  private readonly holds = new Set<string>();
  private output: string[] = [];
  /** Per server: Readies advanced before their entries were durable (process-ready-async). */
  private readonly unpersisted = new Map<number, Ready[]>();

  /** Runs one command and returns its output. */
  handle(command: TestCommand): string {
    this.output = [];
    const handler = this.handlers[command.name];
    if (handler === undefined) throw new Error(`line ${command.line}: unknown command ${command.name}`);
    handler(command);
    return this.output.join('\n');
  }

  private readonly handlers: Record<string, (command: TestCommand) => void> = {
    ensemble: (command) => this.ensemble(command),
    stabilize: (command) => this.stabilize(command.flags.includes('verbose')),
    tick: (command) => this.tick(command),
    propose: (command) => this.propose(command),
    forward: (command) => this.forward(command),
    sync: (command) => this.sync(command),
    'next-zxid': (command) => {
      const zxid = this.peer(numberArg(command, 'id')).nextZxid;
      this.output.push(`next zxid: ${zxid === undefined ? 'none (not a serving leader)' : formatZxid(zxid)}`);
    },
    touch: (command) =>
      this.peer(numberArg(command, 'id')).touchSession({
        sessionId: BigInt(command.args.get('session') ?? '0'),
        timeoutMs: Number(command.args.get('timeout') ?? '30000'),
      }),
    'link-down': (command) => this.peer(numberArg(command, 'id')).reportLinkDown(numberArg(command, 'peer')),
    deliver: (command) => this.deliver(command, true),
    drop: (command) => this.deliver(command, false),
    'process-ready': (command) => this.processReady(numberArg(command, 'id')),
    'process-ready-async': (command) => this.processReadyAsync(numberArg(command, 'id')),
    persisted: (command) => this.persisted(numberArg(command, 'id')),
    crash: (command) => this.crash(command),
    restart: (command) => this.cluster?.start(numberArg(command, 'id')),
    wipe: (command) => {
      this.world.wipe(numberArg(command, 'id'));
      this.output.push(`${numberArg(command, 'id')}: disk wiped (empty data dir)`);
    },
    partition: (command) => this.partition(command),
    cut: (command) => this.cuts.add(`${numberArg(command, 'from')}>${numberArg(command, 'to')}`),
    heal: () => this.cuts.clear(),
    hold: (command) => this.holds.add(`${numberArg(command, 'to')}:${command.args.get('kind')}`),
    release: () => this.holds.clear(),
    status: () => this.status(),
    logs: () => this.logs(),
    check: () => this.check(),
  };

  private get world(): Cluster {
    assert(this.cluster !== undefined, 'the transcript starts with `ensemble`');
    return this.cluster;
  }

  private ensemble(command: TestCommand): void {
    const voterCount = numberArg(command, 'voters');
    const observerCount = Number(command.args.get('observers') ?? '0');
    const voters = Array.from({ length: voterCount }, (_, index) => index + 1);
    const observers = Array.from({ length: observerCount }, (_, index) => voterCount + index + 1);
    this.queue = [];
    this.cuts.clear();
    this.cluster = new Cluster({
      membership: { voters, observers },
      initLimit: Number(command.args.get('initLimit') ?? '10'),
      syncLimit: Number(command.args.get('syncLimit') ?? '5'),
      election: { finalizeWaitTicks: Number(command.args.get('finalizeWait') ?? '1') },
      seed: Number(command.args.get('seed') ?? '1'),
      compactAfter: Number(command.args.get('compact') ?? '0'),
      onEvent: (id, text) => this.output.push(`${id}: ${text}`),
      send: (message) => this.queue.push(message),
      onReadyApplied: (id, ready) => {
        const applied = formatZxid(this.world.node(id).peer?.appliedZxid ?? 0n);
        for (const sync of ready.syncs)
          this.output.push(`${id}: sync #${sync} answered (applied ${applied})`);
        for (const sync of ready.failedSyncs) this.output.push(`${id}: sync #${sync} failed (leader lost)`);
      },
    });
  }

  private readyAll(): boolean {
    let any = false;
    for (const id of this.world.liveIds) while (this.world.beginReady(id)) any = true;
    return any;
  }

  private stabilize(verbose: boolean): void {
    for (let round = 0; round < stabilizeRoundsMax; round++) {
      const hadReady = this.readyAll();
      const held = (message: ZabMessage) => this.holds.has(`${message.to}:${message.kind}`);
      if (this.queue.every(held) && !hadReady) return;
      const batch = this.queue;
      this.queue = [];
      const kept: ZabMessage[] = [];
      for (const message of batch) {
        if (held(message)) kept.push(message);
        else this.deliverOne(message, verbose);
      }
      this.queue = [...kept, ...this.queue];
    }
    throw new Error('stabilize did not settle');
  }

  private deliverOne(message: ZabMessage, verbose: boolean): void {
    const peer = this.world.node(message.to).peer;
    const cut = this.cuts.has(`${message.from}>${message.to}`);
    if (peer === undefined || cut) {
      if (verbose) this.output.push(`  dropped ${formatMessage(message)}`);
      return;
    }
    if (verbose) this.output.push(`  ${formatMessage(message)}`);
    peer.step(message);
  }

  private tick(command: TestCommand): void {
    const count = Number(command.args.get('n') ?? '1');
    const only = command.args.get('only');
    const ids = only === undefined ? undefined : only.split(',').map(Number);
    for (let index = 0; index < count; index++) {
      for (const id of this.world.liveIds) if (ids === undefined || ids.includes(id)) this.peer(id).tick();
      if (!command.flags.includes('no-stabilize')) this.stabilize(command.flags.includes('verbose'));
    }
  }

  private propose(command: TestCommand): void {
    const id = numberArg(command, 'id');
    for (const data of (command.args.get('data') ?? '').split(',')) {
      try {
        const zxid = this.peer(id).propose(Buffer.from(data));
        this.output.push(`proposed "${data}" as ${formatZxid(zxid)}`);
      } catch (error) {
        this.output.push(`${(error as Error).name}: ${(error as Error).message}`);
      }
    }
  }

  private forward(command: TestCommand): void {
    const id = numberArg(command, 'id');
    const data = command.args.get('data') ?? '';
    try {
      this.peer(id).forward(Buffer.from(data));
      this.output.push(`forwarded "${data}"`);
    } catch (error) {
      this.output.push(`${(error as Error).name}: ${(error as Error).message}`);
    }
  }

  private sync(command: TestCommand): void {
    const id = numberArg(command, 'id');
    try {
      this.output.push(`sync #${this.peer(id).sync()} requested`);
    } catch (error) {
      this.output.push(`${(error as Error).name}: ${(error as Error).message}`);
    }
  }

  /** Delivers (or drops) queued messages matching from/to/kind, at most `count`. */
  private deliver(command: TestCommand, deliver: boolean): void {
    const from = command.args.get('from');
    const to = command.args.get('to');
    const kind = command.args.get('kind');
    let remaining = Number(command.args.get('count') ?? Number.MAX_SAFE_INTEGER);
    const kept: ZabMessage[] = [];
    const chosen: ZabMessage[] = [];
    for (const message of this.queue) {
      const matches =
        (from === undefined || message.from === Number(from)) &&
        (to === undefined || message.to === Number(to)) &&
        (kind === undefined || message.kind === kind);
      if (matches && remaining > 0) {
        chosen.push(message);
        remaining--;
      } else {
        kept.push(message);
      }
    }
    this.queue = kept;
    for (const message of chosen) {
      if (deliver) this.deliverOne(message, true);
      else this.output.push(`  dropped ${formatMessage(message)}`);
    }
  }

  /** Runs one server's Ready and prints it in contract order: persist, send, apply. */
  private processReady(id: number): void {
    const peer = this.peer(id);
    if (!peer.hasReady()) {
      this.output.push('no ready');
      return;
    }
    const before = this.queue.length;
    const appliedBefore = this.world.checker.appliedBy(id).length;
    const original = peer.ready.bind(peer);
    // Peek at the Ready the cluster cuts, to print what it persisted.
    peer.ready = () => {
      const ready = original();
      if (ready.snapshot !== undefined)
        this.output.push(`  persist snapshot ${formatZxid(ready.snapshot.zxid)}`);
      if (ready.truncateAfter !== undefined)
        this.output.push(`  persist truncate after ${formatZxid(ready.truncateAfter)}`);
      if (ready.entries.length > 0) {
        this.output.push(
          `  persist entries ${ready.entries.map((entry) => formatZxid(entry.zxid)).join(' ')}`,
        );
      }
      if (ready.hardState !== undefined) {
        this.output.push(
          `  persist epochs accepted=${ready.hardState.acceptedEpoch} current=${ready.hardState.currentEpoch}`,
        );
      }
      for (const request of ready.requests)
        this.output.push(`  request from ${request.from} "${request.data}"`);
      for (const touch of ready.sessionTouches) {
        this.output.push(`  session touched 0x${touch.sessionId.toString(16)} timeout=${touch.timeoutMs}ms`);
      }
      return ready;
    };
    try {
      this.world.beginReady(id);
    } finally {
      peer.ready = original;
    }
    for (const message of this.queue.slice(before)) this.output.push(`  send ${formatMessage(message)}`);
    for (const entry of this.world.checker.appliedBy(id).slice(appliedBefore)) {
      this.output.push(`  apply ${formatZxid(entry.zxid)} "${entry.data.toString()}"`);
    }
  }

  /**
   * A leader's Ready the way the runtime runs one with `messagesBeforePersist`: send, apply,
   * `advance(ready, false)` while its entries are still being fsynced (nothing written to the
   * simulated disk yet: a crash loses them); `persisted` completes the fsync later.
   */
  private processReadyAsync(id: number): void {
    const peer = this.peer(id);
    if (!peer.hasReady()) {
      this.output.push('no ready');
      return;
    }
    const ready = peer.ready();
    if (!ready.messagesBeforePersist) throw new Error(`server ${id}'s Ready must be persisted first`);
    if (ready.entries.length > 0)
      this.output.push(
        `  fsync in flight: ${ready.entries.map((entry) => formatZxid(entry.zxid)).join(' ')}`,
      );
    for (const message of ready.messages) {
      this.queue.push(message);
      this.output.push(`  send ${formatMessage(message)}`);
    }
    for (const entry of ready.committed) {
      this.world.checker.apply(id, entry);
      this.world.acknowledged.set(entry.zxid, entry.data.toString());
      this.output.push(`  apply ${formatZxid(entry.zxid)} "${entry.data.toString()}"`);
    }
    peer.advance(ready, false);
    const pending = this.unpersisted.get(id) ?? [];
    pending.push(ready);
    this.unpersisted.set(id, pending);
  }

  /** The oldest fsync in flight on a server completes: its entries reach the disk. */
  private persisted(id: number): void {
    const node = this.world.node(id);
    const ready = this.unpersisted.get(id)?.shift();
    if (ready === undefined || node.peer === undefined) {
      this.output.push('no fsync in flight');
      return;
    }
    node.disk.log.push(...ready.entries);
    node.peer.reportPersisted(ready);
    this.output.push(
      `  durable: ${ready.entries.map((entry) => formatZxid(entry.zxid)).join(' ') || 'nothing'}`,
    );
  }

  private crash(command: TestCommand): void {
    const id = numberArg(command, 'id');
    this.unpersisted.delete(id);
    this.world.crash(id);
    this.output.push(`${id}: crashed (unsynced writes lost)`);
  }

  private partition(command: TestCommand): void {
    const groups = (command.args.get('groups') ?? '').split('/').map((group) => group.split(',').map(Number));
    this.cuts.clear();
    for (const group of groups) {
      for (const other of groups) {
        if (other === group) continue;
        for (const from of group) for (const to of other) this.cuts.add(`${from}>${to}`);
      }
    }
  }

  private status(): void {
    for (const node of this.world.nodes.values()) {
      this.output.push(`${node.id}: ${node.peer === undefined ? 'DOWN' : formatPeer(node.peer)}`);
    }
  }

  private logs(): void {
    for (const node of this.world.nodes.values()) {
      const source = node.peer;
      const entries =
        source === undefined ? node.disk.log : source.log.slice(source.log.baseZxid, source.log.lastZxid);
      const base = source === undefined ? node.disk.snapshot.zxid : source.log.baseZxid;
      const text = entries.map((entry) => `${formatZxid(entry.zxid)}:${entry.data.toString()}`).join(' ');
      const applied = this.world.checker
        .appliedBy(node.id)
        .map((entry) => entry.data.toString())
        .join(',');
      this.output.push(`${node.id}: snapshot=${formatZxid(base)} log=[${text}] applied=[${applied}]`);
    }
  }

  private check(): void {
    const history = this.world.checker.history
      .map((entry) => `${formatZxid(entry.zxid)}:${entry.data}`)
      .join(' ');
    this.output.push(`history: ${history === '' ? '(empty)' : history}`);
    try {
      this.world.checker.checkConverged(this.world.liveIds);
      this.output.push('converged: every live server applied the whole history');
    } catch (error) {
      this.output.push(`not converged: ${(error as Error).message}`);
    }
  }

  private peer(id: number): Peer {
    const peer = this.world.node(id).peer;
    assert(peer !== undefined, `server ${id} is up`);
    return peer;
  }
}

function numberArg(command: TestCommand, name: string): number {
  const value = command.args.get(name);
  if (value === undefined) throw new Error(`line ${command.line}: ${command.name} needs ${name}=`);
  return Number(value);
}

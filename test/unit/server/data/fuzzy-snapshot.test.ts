/**
 * Fuzzy snapshots, checked the way recovery uses them: a snapshot is encoded while txns keep applying between its
 * chunks (down to one node per chunk), then restored and replayed with every txn after its start zxid; the result
 * must be exactly the live tree — every node's stat, data and ACL, the stored cversion behind sequential names,
 * ephemerals per session, containers, TTL nodes, sessions, counts — and PREP on the recovered database must produce
 * the same txns as on the live one (sequential names, versions, error codes).
 */
import { describe, expect, it } from 'vitest';
import { ZooKeeperDatabase } from '../../../../server/data/database';
import type { WriteRequest } from '../../../../server/data/prep';
import { encodeSnapshot } from '../../../../server/data/snapshot';
import { CreateMode, OpCode } from '../../../../src/protocol/constants';
import type { Acl } from '../../../../src/protocol/data';
import type { TxnEntry } from '../../../../src/protocol/txn';
import { seededRandom } from '../../../integration/server/support/seeded-random';
import { databaseFingerprint } from './fingerprint';
import { Connection, Harness, OPEN } from './harness';

type Random = () => number;

const PARENTS = ['/r', '/r/a', '/r/b', '/r/a/c'] as const;
const LEAVES = ['x', 'y', 'z'] as const;
const SESSIONS = [0x11n, 0x22n, 0x33n] as const;

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** A random write over a small namespace, so paths are deleted and made again often. */
class Workload {
  private aclCounter = 0;
  constructor(
    private readonly random: Random,
    private readonly harness: Harness,
  ) {}

  private existing(): string[] {
    const found: string[] = [];
    const stack = ['/r'];
    for (let guard = 0; stack.length > 0 && guard < 100_000; guard++) {
      const path = stack.pop() as string;
      if (!this.harness.db.tree.has(path)) continue;
      found.push(path);
      for (const name of this.harness.db.tree.children(path) ?? []) {
        if (!name.startsWith('bulk-')) stack.push(`${path}/${name}`);
      }
    }
    return found;
  }

  private acl(): Acl[] {
    // Sometimes a list never seen before: a new ACL key, perhaps made after the snapshot's ACL section.
    if (this.random() < 0.3) {
      this.aclCounter += 1;
      return [{ perms: 1 + (this.aclCounter % 31), id: { scheme: 'ip', id: `10.0.${this.aclCounter}.1` } }];
    }
    return this.random() < 0.5 ? OPEN : [{ perms: 3, id: { scheme: 'world', id: 'anyone' } }];
  }

  /** Prepares one random write on the live database (an error txn when PREP refuses it). */
  next(): TxnEntry {
    const { write, connection } = this.nextWrite();
    return this.harness.prepare(write, connection);
  }

  /** One random write and the connection that sends it. */
  nextWrite(): { write: WriteRequest; connection: Connection } {
    const random = this.random;
    const connection = new Connection(pick(random, SESSIONS));
    const roll = random();
    const data =
      random() < 0.1 ? null : Buffer.from(`v${Math.floor(random() * 1000)}`.repeat((1 + roll * 5) | 0));
    const leaf = `${pick(random, PARENTS)}/${pick(random, LEAVES)}`;
    if (roll < 0.3) {
      const flags = pick(random, [
        CreateMode.PERSISTENT,
        CreateMode.PERSISTENT,
        CreateMode.EPHEMERAL,
        CreateMode.PERSISTENT_SEQUENTIAL,
        CreateMode.EPHEMERAL_SEQUENTIAL,
      ]);
      const path =
        flags === CreateMode.PERSISTENT_SEQUENTIAL || flags === CreateMode.EPHEMERAL_SEQUENTIAL
          ? `${pick(random, PARENTS)}/s-`
          : random() < 0.4
            ? pick(random, PARENTS)
            : leaf;
      const type = random() < 0.5 ? OpCode.create : OpCode.create2;
      return { write: { type, request: { path, data, acl: this.acl(), flags } } as WriteRequest, connection };
    }
    if (roll < 0.36) {
      return {
        write: {
          type: OpCode.createContainer,
          request: {
            path: `/r/box${Math.floor(random() * 3)}`,
            data,
            acl: OPEN,
            flags: CreateMode.CONTAINER,
          },
        } as WriteRequest,
        connection,
      };
    }
    if (roll < 0.42) {
      const flags =
        random() < 0.5 ? CreateMode.PERSISTENT_WITH_TTL : CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL;
      const path = flags === CreateMode.PERSISTENT_WITH_TTL ? leaf : `${pick(random, PARENTS)}/t-`;
      return {
        write: {
          type: OpCode.createTTL,
          request: { path, data, acl: OPEN, flags, ttl: BigInt(1 + Math.floor(random() * 9999)) },
        } as WriteRequest,
        connection,
      };
    }
    const existing = this.existing();
    const target = existing.length > 0 && random() < 0.9 ? pick(random, existing) : leaf;
    if (roll < 0.62)
      return {
        write: { type: OpCode.delete, request: { path: target, version: -1 } } as WriteRequest,
        connection,
      };
    if (roll < 0.75) {
      return {
        write: { type: OpCode.setData, request: { path: target, data, version: -1 } } as WriteRequest,
        connection,
      };
    }
    if (roll < 0.82) {
      return {
        write: {
          type: OpCode.setACL,
          request: { path: target, acl: this.acl(), version: -1 },
        } as WriteRequest,
        connection,
      };
    }
    if (roll < 0.9) {
      // Delete and create the same path in one txn, or create one and fail on the next op (all-or-nothing).
      const path = `${pick(random, PARENTS)}/m`;
      const ops =
        random() < 0.5
          ? [
              { type: OpCode.create, request: { path, data, acl: OPEN, flags: 0 } },
              { type: OpCode.setData, request: { path, data: Buffer.from('m2'), version: 0 } },
              { type: OpCode.delete, request: { path, version: -1 } },
              { type: OpCode.create, request: { path, data: null, acl: this.acl(), flags: 0 } },
            ]
          : [
              { type: OpCode.delete, request: { path: target, version: -1 } },
              { type: OpCode.create, request: { path: `${target}/under`, data, acl: OPEN, flags: 0 } },
            ];
      return { write: { type: OpCode.multi, request: { ops } } as WriteRequest, connection };
    }
    if (roll < 0.95) return { write: { type: OpCode.closeSession } as WriteRequest, connection };
    return {
      write: {
        type: OpCode.createSession,
        request: { timeOut: 4000 + Math.floor(random() * 100) },
      } as WriteRequest,
      connection,
    };
  }
}

/** One trial: warm up, snapshot with txns interleaved, restore + replay, compare, then PREP on both. */
function trial(seed: number): void {
  const random = seededRandom(seed);
  const harness = new Harness({ extendedTypesEnabled: true });
  const live = harness.db;
  const workload = new Workload(random, harness);
  const root = new Connection(0x11n);
  for (const session of SESSIONS)
    harness.write({ type: OpCode.createSession, request: { timeOut: 4000 } }, new Connection(session));
  for (const parent of PARENTS) harness.create(root, parent);
  const warmup = 50 + Math.floor(random() * 250);
  for (let index = 0; index < warmup; index++) live.apply(workload.next());
  // Grow the slot columns across their first doubling during the walk now and then.
  if (random() < 0.3)
    for (let index = 0; index < 1100; index++)
      live.apply(
        harness.prepare(
          {
            type: OpCode.create,
            request: { path: '/r/bulk-', data: null, acl: OPEN, flags: CreateMode.PERSISTENT_SEQUENTIAL },
          },
          root,
        ),
      );

  const startZxid = live.lastProcessedZxid;
  const chunkBytes = pick(random, [1, 60, 300, 4096, 65_536]);
  const chunks = encodeSnapshot(live.tree, live.sessions, startZxid, chunkBytes);
  const later: TxnEntry[] = [];
  const applyLater = (count: number): void => {
    for (let index = 0; index < count; index++) {
      const entry = workload.next();
      later.push(entry);
      live.apply(entry);
    }
  };
  // The generator starts lazily: sessions and ACLs are read at the first pull, after more txns.
  applyLater(Math.floor(random() * 4));
  const collected: Buffer[] = [];
  for (let step = 0; ; step++) {
    expect(step).toBeLessThan(1_000_000);
    const next = chunks.next();
    if (next.done === true) break;
    collected.push(Buffer.from(next.value));
    applyLater(random() < 0.5 ? 0 : Math.floor(random() * 4));
  }
  applyLater(Math.floor(random() * 20));

  const restored = ZooKeeperDatabase.restore<Connection>(collected, startZxid, live.options);
  for (const entry of later) restored.apply(entry);
  expect(databaseFingerprint(restored)).toEqual(databaseFingerprint(live));

  // The recovered database carries on exactly as the live one: same txns from PREP (sequential names from the
  // stored cversion, versions, error codes), same tree after applying them.
  for (let index = 0; index < 40; index++) {
    const { write, connection } = workload.nextWrite();
    const zxid = live.lastProcessedZxid + 1n;
    const context = { sessionId: connection.sessionId, cxid: index, authIds: connection.authIds };
    const fromLive = live.prepare(write, context, zxid, 5_000_000n + zxid);
    const fromRestored = restored.prepare(write, context, zxid, 5_000_000n + zxid);
    expect(fromRestored).toEqual(fromLive);
    live.apply(fromLive);
    restored.apply(fromRestored);
  }
  expect(databaseFingerprint(restored)).toEqual(databaseFingerprint(live));
}

describe('fuzzy snapshot + replay', () => {
  it('restores exactly the live tree for snapshots interleaved with random writes (60 seeds)', () => {
    for (let seed = 1; seed <= 60; seed++) {
      try {
        trial(seed);
      } catch (error) {
        throw new Error(`seed ${seed}: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
    }
  });
});

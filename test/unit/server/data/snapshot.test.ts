import { describe, expect, it } from 'vitest';
import { DataTree, type WatchTrigger } from '../../../../server/data/data-tree';
import { ZooKeeperDatabase } from '../../../../server/data/database';
import { decodeSnapshot, encodeSnapshot, SnapshotDecoder } from '../../../../server/data/snapshot';
import { OpCode } from '../../../../src/protocol/constants';
import type { TxnEntry } from '../../../../src/protocol/txn';
import { Connection, Harness, OPEN } from './harness';

/** Every node's path, stat, data and ACL, sorted by path. */
function dump(tree: DataTree): unknown[] {
  const rows: unknown[] = [];
  const stack = ['/'];
  for (let guard = 0; stack.length > 0 && guard < 100_000; guard++) {
    const path = stack.pop() as string;
    rows.push([path, tree.stat(path), tree.data(path), tree.acl(path), tree.node(path)?.stat.cversion]);
    for (const name of tree.children(path) ?? []) stack.push(path === '/' ? `/${name}` : `${path}/${name}`);
  }
  return rows.sort((left, right) =>
    String((left as string[])[0]).localeCompare(String((right as string[])[0])),
  );
}

function populate(harness: Harness, count: number): TxnEntry[] {
  const a = new Connection(0x11n);
  const entries: TxnEntry[] = [];
  const write = (entry: TxnEntry) => {
    entries.push(entry);
    harness.db.apply(entry);
  };
  write(harness.prepare({ type: OpCode.createSession, request: { timeOut: 4000 } }, a));
  write(
    harness.prepare({ type: OpCode.create, request: { path: '/app', data: null, acl: OPEN, flags: 0 } }, a),
  );
  const secret = [
    { perms: 3, id: { scheme: 'digest', id: 'u:h' } },
    { perms: 1, id: { scheme: 'world', id: 'anyone' } },
  ];
  for (let index = 0; index < count; index++) {
    const acl = index % 3 === 0 ? secret : OPEN;
    const flags = index % 5 === 0 ? 1 : 2;
    write(
      harness.prepare(
        { type: OpCode.create2, request: { path: '/app/n-', data: Buffer.from(`v${index}`), acl, flags } },
        a,
      ),
    );
  }
  write(harness.prepare({ type: OpCode.delete, request: { path: '/app/n-0000000001', version: -1 } }, a));
  write(
    harness.prepare(
      { type: OpCode.setData, request: { path: '/app', data: Buffer.alloc(0), version: 0 } },
      a,
    ),
  );
  write(
    harness.prepare(
      { type: OpCode.createContainer, request: { path: '/box', data: null, acl: OPEN, flags: 4 } },
      a,
    ),
  );
  return entries;
}

describe('snapshot', () => {
  it('round-trips the tree, ACL keys, ephemerals, containers and sessions', () => {
    const harness = new Harness();
    populate(harness, 40);
    const { zxid, chunks } = harness.db.snapshot();
    const restored = ZooKeeperDatabase.restore<Connection>([...chunks], zxid);
    expect(dump(restored.tree)).toEqual(dump(harness.db.tree));
    expect(restored.tree.nodeCount).toBe(harness.db.tree.nodeCount);
    expect(restored.tree.aclKey('/app/n-0000000000')).toBe(harness.db.tree.aclKey('/app/n-0000000000'));
    expect(restored.tree.ephemeralsOf(0x11n)).toEqual(harness.db.tree.ephemeralsOf(0x11n).sort());
    expect([...restored.tree.containers]).toEqual(['/box']);
    expect(restored.sessions).toEqual(new Map([[0x11n, 4000]]));
    expect(restored.lastProcessedZxid).toBe(zxid);
    expect(restored.tree.data('/app')).toEqual(Buffer.alloc(0));
    expect(restored.tree.data('/box')).toBeNull();
  });

  it('writes parents before children after a parent is deleted and made again, and restores from that', () => {
    const harness = new Harness();
    const a = new Connection(0x11n);
    const remove = (path: string) =>
      harness.write({ type: OpCode.delete, request: { path, version: -1 } }, a);
    for (const path of ['/p', '/p/old', '/q', '/q/r']) harness.create(a, path);
    remove('/p/old');
    remove('/p');
    for (const path of ['/p', '/p/new', '/p/new/deep', '/q/r/s']) harness.create(a, path);
    const { zxid, chunks } = harness.db.snapshot();
    const restored = ZooKeeperDatabase.restore<Connection>([...chunks], zxid);
    expect(dump(restored.tree)).toEqual(dump(harness.db.tree));
    expect(restored.tree.children('/p')).toEqual(['new']);
    const order = [...harness.db.tree.storedNodesParentFirst()].map((node) => node.path);
    for (const path of order.filter((path) => path !== '/')) {
      const parent = path.slice(0, path.lastIndexOf('/')) || '/';
      expect(order.indexOf(parent)).toBeLessThan(order.indexOf(path));
    }
    // The new /p is listed after /q/r, its old place gone: parent-first is not path or creation-by-name order.
    expect(order.slice(-4)).toEqual(['/p', '/p/new', '/p/new/deep', '/q/r/s']);
  });

  it('compares czxids and copies stats across the 32-bit word boundary (epochs, negative owners, big times)', () => {
    const tree = new DataTree();
    const triggers: WatchTrigger[] = [];
    const epoch = 1n << 32n;
    tree.createNode('/e', Buffer.from([0, 0xff, 0x80]), OPEN, 0n, -1, epoch - 1n, (1n << 41n) + 7n, triggers);
    tree.createNode('/e/owned', null, OPEN, -(1n << 62n) - 3n, -1, epoch + 5n, -2n, triggers);
    tree.createNode('/e/later', Buffer.alloc(0), OPEN, 0n, -1, epoch + 6n, 1n, triggers);
    tree.createNode('/e/next-epoch', null, OPEN, 0n, -1, 2n * epoch, 1n, triggers);
    const sessions = new Map([[-(1n << 62n) - 3n, 4000]]);
    for (const chunkBytes of [1, 97, 65_536]) {
      const { tree: restored } = decodeSnapshot(encodeSnapshot(tree, sessions, epoch + 5n, chunkBytes));
      expect(restored.children('/e')?.sort()).toEqual(['owned']);
      expect(restored.node('/e')?.stat).toEqual(tree.node('/e')?.stat);
      expect(restored.node('/e/owned')?.stat).toEqual(tree.node('/e/owned')?.stat);
      expect(restored.data('/e')).toEqual(Buffer.from([0, 0xff, 0x80]));
      expect(restored.ephemeralsOf(-(1n << 62n) - 3n)).toEqual(['/e/owned']);
    }
    const all = decodeSnapshot(encodeSnapshot(tree, sessions, 3n * epoch)).tree;
    expect(all.children('/e')?.sort()).toEqual(['later', 'next-epoch', 'owned']);
    expect(all.node('/e/next-epoch')?.stat.czxid).toBe(2n * epoch);
  });

  it('decodes chunks split at every byte', () => {
    const harness = new Harness();
    populate(harness, 3);
    const bytes = Buffer.concat([
      ...encodeSnapshot(harness.db.tree, harness.db.sessions, harness.db.lastProcessedZxid),
    ]);
    for (let split = 1; split < bytes.length; split += 7) {
      const decoder = new SnapshotDecoder();
      decoder.push(bytes.subarray(0, split));
      decoder.push(bytes.subarray(split));
      expect(dump(decoder.finish().tree)).toEqual(dump(harness.db.tree));
    }
    expect(() => decodeSnapshot([bytes.subarray(0, bytes.length - 1)])).toThrow(/snapshot ended/);
  });

  it('is fuzzy-safe: a snapshot taken while txns apply, plus the replay of later txns, equals the live tree', () => {
    const harness = new Harness();
    populate(harness, 1500);
    const { zxid, chunks } = harness.db.snapshot();
    const collected = [chunks.next().value as Buffer];
    const later: TxnEntry[] = [];
    const a = new Connection(0x11n);
    const b = new Connection(0x22n);
    const write = (entry: TxnEntry) => {
      later.push(entry);
      harness.db.apply(entry);
    };
    write(
      harness.prepare(
        {
          type: OpCode.create,
          request: {
            path: '/app/late',
            data: null,
            acl: [{ perms: 1, id: { scheme: 'ip', id: '10.0.0.1' } }],
            flags: 0,
          },
        },
        b,
      ),
    );
    write(harness.prepare({ type: OpCode.delete, request: { path: '/app/n-0000001400', version: -1 } }, a));
    write(
      harness.prepare(
        {
          type: OpCode.setACL,
          request: {
            path: '/app/n-0001499',
            acl: [{ perms: 7, id: { scheme: 'ip', id: '10.0.0.2' } }],
            version: -1,
          },
        },
        a,
      ),
    );
    write(
      harness.prepare(
        {
          type: OpCode.setData,
          request: { path: '/app/n-0000001450', data: Buffer.from('new'), version: -1 },
        },
        a,
      ),
    );
    write(harness.prepare({ type: OpCode.closeSession }, a));
    for (let next = chunks.next(); next.done !== true; next = chunks.next()) collected.push(next.value);
    const restored = ZooKeeperDatabase.restore<Connection>(collected, zxid);
    for (const entry of later) restored.apply(entry);
    expect(dump(restored.tree)).toEqual(dump(harness.db.tree));
  });

  it('re-applying every txn a second time leaves the tree unchanged', () => {
    const harness = new Harness();
    const entries = populate(harness, 30);
    const before = dump(harness.db.tree);
    const replayed = new ZooKeeperDatabase<Connection>();
    for (const entry of entries) replayed.apply(entry);
    expect(dump(replayed.tree)).toEqual(before);
    for (const entry of entries.slice(1)) harness.db.apply(entry);
    expect(dump(harness.db.tree)).toEqual(before);
  });
});

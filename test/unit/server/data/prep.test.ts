import { describe, expect, it } from 'vitest';
import { multiOpsAsDecoded } from '../../../../server/data/prep';
import { OpCode } from '../../../../src/protocol/constants';
import { ErrorCode } from '../../../../src/protocol/errors';
import { txnsFromMultiTxn } from '../../../../src/protocol/txn';
import { Connection, Harness, OPEN } from './harness';

const alice = new Connection(0x100n);

function createRequest(path: string, flags = 0, acl = OPEN) {
  return { type: OpCode.create, request: { path, data: Buffer.from('d'), acl, flags } } as const;
}

function errorOf(harness: Harness, write: Parameters<Harness['prepare']>[0], connection = alice): number {
  const entry = harness.prepare(write, connection);
  if (entry.txn.type !== OpCode.error) return 0;
  expect(entry.header.type).toBe(OpCode.error);
  return entry.txn.body.err;
}

describe('prep: create validation order (protocol.md §7)', () => {
  it('gives the first failing check', () => {
    const harness = new Harness();
    harness.create(alice, '/exists');
    expect(errorOf(harness, createRequest('/a', 7))).toBe(ErrorCode.BADARGUMENTS);
    expect(errorOf(harness, createRequest('/a', 5))).toBe(ErrorCode.UNIMPLEMENTED);
    expect(errorOf(harness, createRequest('no-slash'))).toBe(ErrorCode.BADARGUMENTS);
    expect(errorOf(harness, createRequest('/missing/a//b', 0, []))).toBe(ErrorCode.INVALIDACL);
    expect(errorOf(harness, createRequest('/missing/a//b'))).toBe(ErrorCode.NONODE);
    expect(errorOf(harness, createRequest('/exists/'))).toBe(ErrorCode.BADARGUMENTS);
    expect(errorOf(harness, createRequest('/exists'))).toBe(ErrorCode.NODEEXISTS);
    expect(errorOf(harness, createRequest('/zookeeper/config/x'))).toBe(ErrorCode.NOAUTH);
    expect(errorOf(harness, createRequest('/'))).toBe(ErrorCode.NODEEXISTS);
    const worldRead = [{ perms: 1, id: { scheme: 'world', id: 'other' } }];
    expect(errorOf(harness, createRequest('/b', 0, worldRead))).toBe(ErrorCode.INVALIDACL);
  });

  it('rejects children of ephemerals but not of containers; session errors come after the mode', () => {
    const harness = new Harness();
    harness.create(alice, '/e', 1);
    harness.write(
      { type: OpCode.createContainer, request: { path: '/c', data: null, acl: OPEN, flags: 4 } },
      alice,
    );
    expect(errorOf(harness, createRequest('/e/x'))).toBe(ErrorCode.NOCHILDRENFOREPHEMERALS);
    expect(errorOf(harness, createRequest('/c/x'))).toBe(0);
    const entry = harness.db.prepare(
      createRequest('/s', 9),
      { sessionId: 1n, cxid: 1, authIds: [], sessionError: -112 },
      100n,
      1n,
    );
    expect(entry.txn).toEqual({ type: OpCode.error, body: { err: ErrorCode.BADARGUMENTS } });
    const expired = harness.db.prepare(
      createRequest('/s'),
      { sessionId: 1n, cxid: 1, authIds: [], sessionError: -112 },
      101n,
      1n,
    );
    expect(expired.txn).toEqual({ type: OpCode.error, body: { err: ErrorCode.SESSIONEXPIRED } });
  });

  it('checks TTL modes and ranges when extended types are on', () => {
    const harness = new Harness({ extendedTypesEnabled: true });
    const ttl = (flags: number, ttlMs: bigint) =>
      ({
        type: OpCode.createTTL,
        request: { path: '/t', data: null, acl: OPEN, flags, ttl: ttlMs },
      }) as const;
    expect(errorOf(harness, ttl(5, 0n))).toBe(ErrorCode.BADARGUMENTS);
    expect(errorOf(harness, ttl(5, 0x10000000000n))).toBe(ErrorCode.BADARGUMENTS);
    expect(errorOf(harness, ttl(0, 10n))).toBe(ErrorCode.BADARGUMENTS);
    expect(errorOf(harness, createRequest('/t', 5))).toBe(ErrorCode.BADARGUMENTS);
    // createTTL with a non-TTL mode and ttl -1: Apache logs a txn it cannot apply; zookit refuses.
    for (const flags of [0, 1, 2, 3, 4])
      expect(errorOf(harness, ttl(flags, -1n))).toBe(ErrorCode.BADARGUMENTS);
    // Inside a multi Apache rebuilds it as a plain create (the ttl dropped).
    const inMulti = new Harness({ extendedTypesEnabled: true }).prepare(
      { type: OpCode.multi, request: { ops: [ttl(0, -1n)] } },
      alice,
    );
    expect(
      inMulti.txn.type === OpCode.multi && txnsFromMultiTxn(inMulti.txn.body).map((t) => t.type),
    ).toEqual([OpCode.create]);
    const applied = harness.write(ttl(6, 1000n), alice);
    expect(applied.result.path).toBe('/t0000000000');
    expect(applied.result.stat?.ephemeralOwner).toBe(0n);
    expect([...harness.db.tree.ttlNodes]).toEqual(['/t0000000000']);
  });
});

describe('prep: sequential names', () => {
  it('use the parent stored cversion, unaffected by deletes, and see pending creates', () => {
    const harness = new Harness();
    harness.create(alice, '/q');
    expect(harness.create(alice, '/q/a').result.path).toBe('/q/a');
    expect(harness.create(alice, '/q/', 2).result.path).toBe('/q/0000000001');
    harness.write({ type: OpCode.delete, request: { path: '/q/a', version: -1 } }, alice);
    // Two prepared before either is applied (group commit): consecutive numbers.
    const first = harness.prepare(createRequest('/q/n-', 3), alice);
    const second = harness.prepare(createRequest('/q/n-', 3), alice);
    expect(first.txn.type === OpCode.create && first.txn.body.path).toBe('/q/n-0000000002');
    expect(second.txn.type === OpCode.create && second.txn.body.path).toBe('/q/n-0000000003');
    expect(second.txn.type === OpCode.create && second.txn.body.parentCVersion).toBe(4);
    harness.db.apply(first);
    harness.db.apply(second);
    expect(harness.db.pendingChangeCount).toBe(0);
    expect(harness.db.tree.stat('/q')).toMatchObject({ cversion: 5, numChildren: 3 });
    expect(harness.db.tree.ephemeralsOf(alice.sessionId)).toEqual(['/q/n-0000000002', '/q/n-0000000003']);
  });
});

describe('prep: delete, setData, setACL', () => {
  it('delete: BADARGUMENTS for system paths, NOAUTH on the parent before NONODE, then versions and children', () => {
    const harness = new Harness();
    const del = (path: string, version = -1) =>
      ({ type: OpCode.delete, request: { path, version } }) as const;
    expect(errorOf(harness, del('/'))).toBe(ErrorCode.BADARGUMENTS);
    expect(errorOf(harness, del('/zookeeper/quota'))).toBe(ErrorCode.BADARGUMENTS);
    expect(errorOf(harness, del('/a\0b'))).toBe(ErrorCode.BADARGUMENTS);
    expect(errorOf(harness, del('/nope/x'))).toBe(ErrorCode.NONODE);
    expect(errorOf(harness, del('/zookeeper/config/x'))).toBe(ErrorCode.NOAUTH);
    harness.create(alice, '/p');
    harness.create(alice, '/p/c');
    expect(errorOf(harness, del('/p', 3))).toBe(ErrorCode.BADVERSION);
    expect(errorOf(harness, del('/p', 0))).toBe(ErrorCode.NOTEMPTY);
    expect(errorOf(harness, del('/p/c', 0))).toBe(0);
  });

  it('setData and setACL follow their check order and bump versions', () => {
    const harness = new Harness();
    harness.create(alice, '/n');
    const set = (path: string, version: number) =>
      ({ type: OpCode.setData, request: { path, data: Buffer.from('z'), version } }) as const;
    expect(errorOf(harness, set('/n/', 0))).toBe(ErrorCode.BADARGUMENTS);
    expect(errorOf(harness, set('/none', 0))).toBe(ErrorCode.NONODE);
    expect(errorOf(harness, set('/zookeeper/config', 7))).toBe(ErrorCode.NOAUTH);
    expect(errorOf(harness, set('/n', 4))).toBe(ErrorCode.BADVERSION);
    expect(harness.write(set('/n', 0), alice).result.stat?.version).toBe(1);
    const setAcl = (path: string, acl: typeof OPEN, version: number) =>
      ({ type: OpCode.setACL, request: { path, acl, version } }) as const;
    expect(errorOf(harness, setAcl('/none', [], 0))).toBe(ErrorCode.INVALIDACL);
    expect(errorOf(harness, setAcl('/none', OPEN, 0))).toBe(ErrorCode.NONODE);
    expect(errorOf(harness, setAcl('/n', OPEN, 1))).toBe(ErrorCode.BADVERSION);
    const applied = harness.write(setAcl('/n', OPEN, 0), alice);
    expect(applied.result.stat).toMatchObject({ aversion: 1, version: 1 });
    expect(applied.deliveries).toEqual([]);
  });
});

describe('prep: multi (protocol.md §10)', () => {
  it('applies all ops under one zxid, validated against earlier ops of the same multi', () => {
    const harness = new Harness();
    const applied = harness.write(
      {
        type: OpCode.multi,
        request: {
          ops: [
            { type: OpCode.create, request: { path: '/m', data: null, acl: OPEN, flags: 0 } },
            { type: OpCode.create2, request: { path: '/m/s-', data: null, acl: OPEN, flags: 2 } },
            { type: OpCode.create, request: { path: '/m/s-', data: null, acl: OPEN, flags: 2 } },
            { type: OpCode.setData, request: { path: '/m', data: Buffer.from('v'), version: 0 } },
            { type: OpCode.check, request: { path: '/m', version: 1 } },
            { type: OpCode.delete, request: { path: '/m/s-0000000001', version: -1 } },
          ],
        },
      },
      alice,
    );
    const results = applied.result.multiResults ?? [];
    expect(applied.result.err).toBe(0);
    expect(results.map((r) => r.type)).toEqual([1, 15, 1, 5, 13, 2]);
    expect(results[0]).toEqual({ type: 1, path: '/m' });
    expect(results[2]).toEqual({ type: 1, path: '/m/s-0000000001' });
    expect(harness.db.tree.stat('/m')).toMatchObject({
      czxid: 1n,
      mzxid: 1n,
      version: 1,
      cversion: 3,
      numChildren: 1,
    });
  });

  it('turns into [0, 0, realErr, -2, -2] with nothing applied and pending changes rolled back', () => {
    const harness = new Harness();
    const entry = harness.prepare(
      {
        type: OpCode.multi,
        request: {
          ops: [
            { type: OpCode.create, request: { path: '/x', data: null, acl: OPEN, flags: 0 } },
            { type: OpCode.create, request: { path: '/x/y', data: null, acl: OPEN, flags: 0 } },
            { type: OpCode.delete, request: { path: '/x/y', version: 5 } },
            { type: OpCode.create, request: { path: '/z', data: null, acl: OPEN, flags: 0 } },
            { type: OpCode.check, request: { path: '/x', version: 0 } },
          ],
        },
      },
      alice,
    );
    expect(entry.header.type).toBe(OpCode.multi);
    expect(entry.txn.type).toBe(OpCode.multi);
    const inner = entry.txn.type === OpCode.multi ? txnsFromMultiTxn(entry.txn.body) : [];
    expect(inner.map((t) => t.type)).toEqual([1, 1, -1, -1, -1]);
    expect(inner.slice(2)).toEqual([
      { type: -1, body: { err: ErrorCode.BADVERSION } },
      { type: -1, body: { err: ErrorCode.RUNTIMEINCONSISTENCY } },
      { type: -1, body: { err: ErrorCode.RUNTIMEINCONSISTENCY } },
    ]);
    expect(harness.db.pendingChangeCount).toBe(0);
    expect(errorOf(harness, createRequest('/x/y'))).toBe(ErrorCode.NONODE);
    const applied = harness.db.apply(entry);
    expect(applied.result.err).toBe(0);
    expect(applied.result.multiResults).toEqual([
      { type: -1, err: 0 },
      { type: -1, err: 0 },
      { type: -1, err: ErrorCode.BADVERSION },
      { type: -1, err: ErrorCode.RUNTIMEINCONSISTENCY },
      { type: -1, err: ErrorCode.RUNTIMEINCONSISTENCY },
    ]);
    expect(harness.db.tree.has('/x')).toBe(false);
    expect(harness.db.lastProcessedZxid).toBe(1n);
  });
});

describe('prep: sessions and containers', () => {
  it('closeSession lists the ephemerals including pending ones and deletes them on apply', () => {
    const harness = new Harness();
    const bob = new Connection(0x200n);
    harness.write({ type: OpCode.createSession, request: { timeOut: 30000 } }, bob);
    expect(harness.db.sessions.get(0x200n)).toBe(30000);
    harness.create(bob, '/e1', 1);
    const pendingCreate = harness.prepare(createRequest('/e2', 1), bob);
    const close = harness.prepare({ type: OpCode.closeSession }, bob);
    expect(close.txn).toEqual({ type: OpCode.closeSession, body: { paths2Delete: ['/e1', '/e2'] } });
    expect(errorOf(harness, createRequest('/e2'))).toBe(0);
    harness.db.apply(pendingCreate);
    const applied = harness.db.apply(close);
    expect(harness.db.tree.has('/e1') || harness.db.tree.has('/e2')).toBe(false);
    expect(harness.db.sessions.has(0x200n)).toBe(false);
    expect(applied.result.triggers.map((t) => [t.type, t.path])).toEqual([
      [2, '/e1'],
      [4, '/'],
      [2, '/e2'],
      [4, '/'],
    ]);
  });

  it('deleteContainer rejects non-empty nodes and normal ephemerals; reaping picks used containers', () => {
    const harness = new Harness();
    harness.write(
      { type: OpCode.createContainer, request: { path: '/c', data: null, acl: OPEN, flags: 4 } },
      alice,
    );
    harness.write(
      { type: OpCode.createContainer, request: { path: '/fresh', data: null, acl: OPEN, flags: 4 } },
      alice,
    );
    harness.create(alice, '/c/child');
    harness.create(alice, '/eph', 1);
    const reap = (path: string) => ({ type: OpCode.deleteContainer, request: { path } }) as const;
    expect(errorOf(harness, reap('/c'))).toBe(ErrorCode.NOTEMPTY);
    expect(errorOf(harness, reap('/eph'))).toBe(ErrorCode.BADVERSION);
    expect(harness.db.reapCandidates(10_000n)).toEqual([]);
    harness.write({ type: OpCode.delete, request: { path: '/c/child', version: -1 } }, alice);
    expect(harness.db.reapCandidates(10_000n)).toEqual(['/c']);
    expect(harness.db.reapCandidates(10_000n, { maxNeverUsedIntervalMs: 100, limit: 10 })).toEqual([
      '/c',
      '/fresh',
    ]);
    harness.write(reap('/c'), alice);
    expect(harness.db.tree.has('/c')).toBe(false);
  });
});

describe('prep: requests Apache refuses as a whole (found by differential conformance)', () => {
  it('reconfig is RECONFIGDISABLED, a client deleteContainer BADARGUMENTS, both as error txns', () => {
    const harness = new Harness();
    harness.write(
      { type: OpCode.createContainer, request: { path: '/c', data: null, acl: OPEN, flags: 4 } },
      alice,
    );
    expect(errorOf(harness, { type: OpCode.reconfig })).toBe(ErrorCode.RECONFIGDISABLED);
    const fromClient = { type: OpCode.deleteContainer, request: { path: '/c' }, fromClient: true } as const;
    expect(errorOf(harness, fromClient)).toBe(ErrorCode.BADARGUMENTS);
    expect(errorOf(harness, { type: OpCode.deleteContainer, request: { path: '/c' } })).toBe(0);
  });

  it('a multi mixing reads and writes is one MARSHALLINGERROR error txn', () => {
    const harness = new Harness();
    const mixed = {
      type: OpCode.multi,
      request: {
        ops: [createRequest('/a'), { type: OpCode.getData, request: { path: '/', watch: false } }],
      },
    } as const;
    const entry = harness.prepare(mixed, alice);
    expect(entry.header.type).toBe(OpCode.error);
    expect(entry.txn).toEqual({ type: OpCode.error, body: { err: ErrorCode.MARSHALLINGERROR } });
  });

  it('multi ops are rebuilt from their flags as Apache decodes them', () => {
    const create = (type: 1 | 15 | 19, flags: number) =>
      ({ type, request: { path: '/n', data: null, acl: OPEN, flags } }) as const;
    const ttlOp = (flags: number) =>
      ({ type: OpCode.createTTL, request: { path: '/n', data: null, acl: OPEN, flags, ttl: 5n } }) as const;
    expect(multiOpsAsDecoded([create(1, 4)])?.map((op) => op.type)).toEqual([OpCode.createContainer]);
    expect(multiOpsAsDecoded([create(15, 4)])?.map((op) => op.type)).toEqual([OpCode.createContainer]);
    expect(multiOpsAsDecoded([create(15, 1)])?.map((op) => op.type)).toEqual([OpCode.create2]);
    expect(multiOpsAsDecoded([ttlOp(1)])).toEqual([create(1, 1)]);
    expect(multiOpsAsDecoded([ttlOp(4)])?.map((op) => op.type)).toEqual([OpCode.createContainer]);
    expect(multiOpsAsDecoded([ttlOp(5)])).toEqual([ttlOp(5)]);
    expect(multiOpsAsDecoded([create(1, 5)])).toBeUndefined();
    expect(multiOpsAsDecoded([create(19, 6)])).toBeUndefined();
  });
});

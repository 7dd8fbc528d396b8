/**
 * multi and multiRead: per-op results, all-or-nothing with [0…, err, -2…], one zxid,
 * ops seeing earlier ops, check, mixing reads and writes, empty multi.
 */
import { CreateMode, OpCode } from '../../../src/protocol/constants';
import type { Scenario } from '../harness/runner';
import { op, scenario, world } from './define';

/** See ConformanceSession.create2InMulti and docs/conformance.md. */
const CREATE2_IN_MULTI =
  'create2 inside multi: Apache 3.8.0 answers type 1 without a Stat; master and zookit type 15 with the Stat';

export const multiScenarios: Scenario[] = [
  scenario('multi: create, setData, delete, check all succeed under one zxid', async (c) => {
    const s = await c.session();
    await s.create(c.path('old'));
    await s.multi([
      op.create(c.path('a'), 'x'),
      op.setData(c.path('a'), 'y'),
      op.check(c.path('a'), 1),
      op.delete(c.path('old')),
    ]);
    await s.getData(c.path('a'));
    await s.getChildren2(c.path(''));
  }),
  scenario('multi: a failure in the middle rolls back everything', async (c) => {
    const s = await c.session();
    await s.multi([
      op.create(c.path('a')),
      op.create(c.path('a')),
      op.create(c.path('b')),
      op.delete(c.path('zz')),
    ]);
    await s.getChildren2(c.path(''));
  }),
  scenario('multi: the first op fails', async (c) => {
    const s = await c.session();
    await s.multi([op.delete(c.path('none')), op.create(c.path('a'))]);
    await s.exists(c.path('a'));
  }),
  scenario('multi: the last op fails', async (c) => {
    const s = await c.session();
    await s.multi([op.create(c.path('a')), op.create(c.path('a/b')), op.check(c.path('a'), 5)]);
    await s.exists(c.path('a'));
  }),
  scenario(
    'multi: create2 and createContainer and createTTL results',
    async (c) => {
      const s = await c.session();
      await s.multi([
        op.create(c.path('two'), 'd', 0, OpCode.create2),
        op.create(c.path('box'), '', CreateMode.CONTAINER, OpCode.createContainer),
        op.createTtl(c.path('ttl'), 60_000n),
        op.create(c.path('box/k')),
      ]);
      await s.delete(c.path('box/k'));
      await s.delete(c.path('box'));
      await s.delete(c.path('ttl'));
    },
    { difference: CREATE2_IN_MULTI },
  ),
  scenario(
    'multi: two sequential creates get consecutive numbers',
    async (c) => {
      const s = await c.session();
      await s.multi([
        op.create(c.path('q-'), '', CreateMode.PERSISTENT_SEQUENTIAL),
        op.create(c.path('q-'), '', CreateMode.PERSISTENT_SEQUENTIAL, OpCode.create2),
      ]);
    },
    { difference: CREATE2_IN_MULTI },
  ),
  scenario('multi: ephemeral creates and a delete of a node created earlier in the multi', async (c) => {
    const s = await c.session();
    await s.multi([
      op.create(c.path('e'), '', CreateMode.EPHEMERAL),
      op.create(c.path('p')),
      op.delete(c.path('p')),
      op.create(c.path('e2'), '', CreateMode.EPHEMERAL_SEQUENTIAL),
    ]);
    await s.getEphemerals(c.path(''));
  }),
  scenario('multi: check failures (missing node, bad version, bad path)', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'));
    await s.multi([op.check(c.path('missing'), 0)]);
    await s.multi([op.check(c.path('a'), 3)]);
    await s.multi([op.check(c.path('a/'), 0)]);
    await s.multi([op.check(c.path('a'), -1), op.check(c.path('a'), 0)]);
  }),
  scenario('multi: check needs READ', async (c) => {
    const s = await c.session();
    await s.create(c.path('secret'), { acl: world(2) });
    await s.multi([op.check(c.path('secret'), 0)]);
  }),
  scenario('multi: setData versions see earlier ops of the multi', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'));
    await s.multi([
      op.setData(c.path('a'), '1', 0),
      op.setData(c.path('a'), '2', 1),
      op.check(c.path('a'), 2),
    ]);
    await s.multi([op.setData(c.path('a'), '3', 2), op.setData(c.path('a'), '4', 2)]);
    await s.getData(c.path('a'));
  }),
  scenario(
    'multi: delete then re-create the same path',
    async (c) => {
      const s = await c.session();
      await s.create(c.path('a'), { data: 'old' });
      await s.multi([op.delete(c.path('a')), op.create(c.path('a'), 'new', 0, OpCode.create2)]);
      await s.getData(c.path('a'));
    },
    { difference: CREATE2_IN_MULTI },
  ),
  scenario('multi: empty', async (c) => {
    const s = await c.session();
    await s.multi([]);
    await s.exists(c.path(''));
  }),
  scenario('multi: a read op inside a write multi', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'));
    await s.multi([op.create(c.path('b')), op.getData(c.path('a'))]);
    await s.exists(c.path('b'));
  }),
  scenario('multi: errors of every kind in one list', async (c) => {
    const s = await c.session();
    await s.create(c.path('p'));
    await s.create(c.path('p/c'));
    await s.multi([op.delete(c.path('p'))]);
    await s.multi([op.create(c.path('x'), '', 9)]);
    await s.multi([op.create(c.path('missing/x'))]);
    await s.multi([op.setData(c.path('missing'), 'd')]);
    await s.multi([op.delete(c.path('p/c'), 4)]);
  }),
  scenario('multi: watches fire after the whole multi', async (c) => {
    const s = await c.session();
    const w = await c.session();
    await s.create(c.path('a'));
    await w.getData(c.path('a'), true);
    await w.getChildren(c.path(''), true);
    await w.exists(c.path('b'), true);
    await s.multi([op.setData(c.path('a'), 'x'), op.create(c.path('b')), op.delete(c.path('a'))]);
    await w.flush();
  }),
  scenario('multi: a failed multi fires no watches', async (c) => {
    const s = await c.session();
    const w = await c.session();
    await s.create(c.path('a'));
    await w.getData(c.path('a'), true);
    await s.multi([op.setData(c.path('a'), 'x'), op.create(c.path('a'))]);
    await w.flush();
    await s.setData(c.path('a'), 'y');
    await w.flush();
  }),
  scenario('multiRead: getData and getChildren with per-op errors', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'), { data: 'A' });
    await s.create(c.path('a/k'));
    await s.create(c.path('secret'), { acl: world(2) });
    await s.multiRead([
      op.getData(c.path('a')),
      op.getChildren(c.path('a')),
      op.getData(c.path('missing')),
      op.getChildren(c.path('missing')),
      op.getData(c.path('secret')),
      op.getChildren(c.path('secret')),
    ]);
  }),
  scenario('multiRead: empty and with a write op', async (c) => {
    const s = await c.session();
    await s.multiRead([]);
    await s.create(c.path('a'));
    await s.multiRead([op.getData(c.path('a')), op.create(c.path('b'))]);
    await s.exists(c.path('b'));
  }),
  scenario('multi with only a check that succeeds', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'));
    await s.multi([op.check(c.path('a'), 0)]);
    await s.exists(c.path('a'));
  }),
  scenario('multi: NOAUTH on create and delete inside a multi', async (c) => {
    const s = await c.session();
    await s.create(c.path('ro'), { acl: world(1) });
    await s.multi([op.create(c.path('ok')), op.create(c.path('ro/x'))]);
    await s.multi([op.delete(c.path('ro'))]);
    await s.exists(c.path('ok'));
  }),
  scenario('multi: child of an ephemeral created in the same multi', async (c) => {
    const s = await c.session();
    await s.multi([op.create(c.path('e'), '', CreateMode.EPHEMERAL), op.create(c.path('e/x'))]);
  }),
];

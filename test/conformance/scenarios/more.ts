/**
 * Second-order cases: watch deduplication across tables and modes, SetWatches corner
 * cases, multi ops that depend on each other, ephemeral and TTL node updates, and the
 * remaining four-letter words' shapes.
 */
import { expect } from 'vitest';
import { AddWatchMode, CreateMode, OpCode, WatcherType } from '../../../src/protocol/constants';
import type { Scenario } from '../harness/runner';
import { op, scenario, world } from './define';

const noLists = { dataWatches: [], existWatches: [], childWatches: [] };

/** Replaces numbers, so counters and ids do not matter. */
function shape(text: string): string {
  return text.replace(/0x[0-9a-f]+/g, 'HEX').replace(/\d+/g, 'N');
}

const CONF_KEYS = [
  'clientPort',
  'dataDir',
  'dataLogDir',
  'tickTime',
  'maxClientCnxns',
  'minSessionTimeout',
  'maxSessionTimeout',
  'serverId',
];

export const moreScenarios: Scenario[] = [
  scenario('recursive watch and a data watch on one node notify once', async (c) => {
    const s = await c.session();
    const w = await c.session();
    await s.create(c.path('r'));
    await s.create(c.path('r/a'));
    await w.addWatch(c.path('r'), AddWatchMode.PERSISTENT_RECURSIVE);
    await w.getData(c.path('r/a'), true);
    await s.setData(c.path('r/a'), 'x');
    await s.setData(c.path('r/a'), 'y');
    await w.flush();
  }),
  scenario(
    'persistent watch and a child watch on one node notify once per change',
    async (c) => {
      const s = await c.session();
      const w = await c.session();
      await s.create(c.path('p'));
      await w.addWatch(c.path('p'), AddWatchMode.PERSISTENT);
      await w.getChildren(c.path('p'), true);
      await s.create(c.path('p/a'));
      await w.flush();
      // 3.8.0 let the one-shot registration replace the persistent mode (ZOOKEEPER-4466).
      await c.unrecorded(async () => {
        await s.create(c.path('p/b'));
        const events = await w.drainEvents();
        expect(events).toEqual(c.target === 'apache' ? [] : [{ type: 4, path: c.path('p') }]);
      });
    },
    {
      difference:
        'one-shot and persistent watch on one path: 3.8.0 keeps only the last mode; master (ZOOKEEPER-4466) both',
    },
  ),
  scenario('exists watch fires NodeDeleted only, not the re-create', async (c) => {
    const s = await c.session();
    const w = await c.session();
    await s.create(c.path('a'));
    await w.exists(c.path('a'), true);
    await s.delete(c.path('a'));
    await s.create(c.path('a'));
    await w.flush();
  }),
  scenario('getData and getChildren watches on one node: setData fires only the data one', async (c) => {
    const s = await c.session();
    const w = await c.session();
    await s.create(c.path('a'));
    await w.getData(c.path('a'), true);
    await w.getChildren(c.path('a'), true);
    await s.setData(c.path('a'), 'x');
    await w.flush();
    await s.create(c.path('a/c'));
    await w.flush();
  }),
  scenario('SetWatches: exist watch on a node that existed before relativeZxid', async (c) => {
    const s = await c.session();
    const w = await c.session();
    await s.create(c.path('old'));
    await w.setWatches({ relativeZxid: s.lastZxid, ...noLists, existWatches: [c.path('old')] });
    await w.flush();
  }),
  scenario('SetWatches: child watch after a child delete', async (c) => {
    const s = await c.session();
    const w = await c.session();
    await s.create(c.path('p'));
    await s.create(c.path('p/c'));
    const seen = s.lastZxid;
    await s.delete(c.path('p/c'));
    await w.setWatches({ relativeZxid: seen, ...noLists, childWatches: [c.path('p')] });
    await w.flush();
  }),
  scenario('SetWatches: the same path in every list', async (c) => {
    const s = await c.session();
    const w = await c.session();
    await s.create(c.path('a'));
    const seen = s.lastZxid;
    await s.setData(c.path('a'), 'x');
    await w.setWatches({
      relativeZxid: seen,
      dataWatches: [c.path('a')],
      existWatches: [c.path('a')],
      childWatches: [c.path('a')],
    });
    await s.create(c.path('a/c'));
    await w.flush();
  }),
  scenario('SetWatches: a registered watch is checkable and removable', async (c) => {
    const s = await c.session();
    const w = await c.session();
    await s.create(c.path('a'));
    await w.setWatches({ relativeZxid: s.lastZxid, ...noLists, dataWatches: [c.path('a')] });
    await w.checkWatches(c.path('a'), WatcherType.Data);
    await w.checkWatches(c.path('a'), WatcherType.Children);
    await w.removeWatches(c.path('a'), WatcherType.Any);
    await s.setData(c.path('a'), 'x');
    await w.flush();
  }),
  scenario('multi: create then setData with version 0, then check version 1', async (c) => {
    const s = await c.session();
    await s.multi([op.create(c.path('a'), 'v0'), op.setData(c.path('a'), 'v1', 0), op.check(c.path('a'), 1)]);
    await s.getData(c.path('a'));
  }),
  scenario('multi: setData then delete of the same node', async (c) => {
    const s = await c.session();
    const w = await c.session();
    await s.create(c.path('a'));
    await w.getData(c.path('a'), true);
    await s.multi([op.setData(c.path('a'), 'x'), op.delete(c.path('a'), 1)]);
    await w.flush();
  }),
  scenario('multi: delete a parent after deleting its only child', async (c) => {
    const s = await c.session();
    await s.create(c.path('p'));
    await s.create(c.path('p/c'));
    await s.multi([op.delete(c.path('p/c')), op.delete(c.path('p'))]);
    await s.getChildren2(c.path(''));
  }),
  scenario('multi: TTL mode through a plain create op inside a multi', async (c) => {
    const s = await c.session();
    await s.multi([op.create(c.path('a')), op.create(c.path('t'), '', CreateMode.PERSISTENT_WITH_TTL)]);
    await s.multi([op.create(c.path('b'), '', CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, OpCode.create2)]);
    await s.exists(c.path('a'));
  }),
  scenario('multi: createTTL ops with non-TTL flags become plain creates', async (c) => {
    const s = await c.session();
    await s.multi([
      op.createTtl(c.path('p'), -1n, CreateMode.PERSISTENT),
      op.createTtl(c.path('e'), 100n, CreateMode.EPHEMERAL),
      op.createTtl(c.path('q-'), -1n, CreateMode.PERSISTENT_SEQUENTIAL),
      op.createTtl(c.path('k'), -1n, CreateMode.CONTAINER),
    ]);
    await s.exists(c.path('e'));
    await s.delete(c.path('k'));
  }),
  scenario('multi: a container flag on a create op makes a container', async (c) => {
    const s = await c.session();
    await s.multi([op.create(c.path('k'), '', CreateMode.CONTAINER), op.create(c.path('k/child'))]);
    await s.exists(c.path('k'));
    await s.delete(c.path('k/child'));
    await s.delete(c.path('k'));
  }),
  scenario('setData and setACL on an ephemeral and a TTL node keep their owners', async (c) => {
    const s = await c.session();
    await s.create(c.path('e'), { flags: CreateMode.EPHEMERAL });
    await s.setData(c.path('e'), 'x');
    await s.create(c.path('t'), {
      flags: CreateMode.PERSISTENT_WITH_TTL,
      op: OpCode.createTTL,
      ttl: 600_000n,
    });
    await s.setData(c.path('t'), 'y');
    await s.setAcl(c.path('t'), world());
    await s.delete(c.path('t'));
  }),
  scenario('getChildren watch on a node deleted while its parent is watched', async (c) => {
    const s = await c.session();
    const w = await c.session();
    await s.create(c.path('p'));
    await w.getChildren(c.path('p'), true);
    await w.getChildren(c.path(''), true);
    await s.delete(c.path('p'));
    await w.flush();
  }),
  scenario('sequential children past ten', async (c) => {
    const s = await c.session();
    for (let index = 0; index < 12; index++)
      await s.create(c.path('s-'), { flags: CreateMode.EPHEMERAL_SEQUENTIAL });
    await s.getChildren2(c.path(''));
  }),
  scenario('create2 of every plain mode', async (c) => {
    const s = await c.session();
    for (const flags of [0, 1, 2, 3])
      await s.create(c.path(`m${flags}-`), { flags, op: OpCode.create2, data: 'abc' });
  }),
  scenario(
    'four-letter words: envi and dump headers, wchc and wchp with a watch',
    async (c) => {
      const s = await c.session();
      await s.create(c.path('a'));
      await s.getData(c.path('a'), true);
      c.record('envi first line', (await c.fourLetterWord('envi')).split('\n')[0]);
      const dump = await c.fourLetterWord('dump');
      c.record(
        'dump headers',
        dump
          .split('\n')
          .filter((line) => /^[A-Za-z]/.test(line))
          .map(shape),
      );
      c.record('wchp lists the path', (await c.fourLetterWord('wchp')).includes(`${c.path('a')}\n`));
      c.record('wchc lists the path', (await c.fourLetterWord('wchc')).includes(`\t${c.path('a')}\n`));
    },
    {
      modeDependent:
        "dump's session table differs by mode (a learner prints Global Sessions); modes.ts checks envi, dump, wchc and wchp on a follower against Apache's ensemble",
    },
  ),
  scenario('four-letter words: conf has the standalone keys', async (c) => {
    const conf = await c.fourLetterWord('conf');
    const keys = new Set(conf.split('\n').map((line) => line.split('=')[0]));
    c.record(
      'conf keys',
      CONF_KEYS.filter((key) => keys.has(key)),
    );
  }),
];

const OPEN = world();

/** Pipelined requests: replies and events in request order, reads see earlier writes. */
export const pipelineScenarios: Scenario[] = [
  scenario('pipelined writes and reads on one connection', async (c) => {
    const s = await c.session();
    const a = c.path('a');
    await s.pipeline([
      {
        type: OpCode.create,
        body: { path: a, data: Buffer.from('1'), acl: OPEN, flags: 0 },
        label: 'create',
      },
      { type: OpCode.getData, body: { path: a, watch: true }, label: 'getData' },
      { type: OpCode.setData, body: { path: a, data: Buffer.from('22'), version: 0 }, label: 'setData' },
      { type: OpCode.getData, body: { path: a, watch: false }, label: 'getData' },
      {
        type: OpCode.setData,
        body: { path: a, data: Buffer.from('333'), version: 0 },
        label: 'setData stale',
      },
      { type: OpCode.exists, body: { path: c.path('b'), watch: true }, label: 'exists' },
      { type: OpCode.create, body: { path: c.path('b'), data: null, acl: OPEN, flags: 1 }, label: 'create' },
      { type: OpCode.delete, body: { path: a, version: -1 }, label: 'delete' },
      { type: OpCode.getChildren, body: { path: c.path(''), watch: false }, label: 'getChildren' },
      { type: OpCode.sync, body: { path: a }, label: 'sync' },
    ]);
  }),
  scenario('pipelined multi and reads', async (c) => {
    const s = await c.session();
    await s.pipeline([
      {
        type: OpCode.multi,
        body: { ops: [op.create(c.path('x')), op.create(c.path('x/y'))] },
        label: 'multi',
      },
      { type: OpCode.getAllChildrenNumber, body: { path: c.path('') }, label: 'getAllChildrenNumber' },
      { type: OpCode.multi, body: { ops: [op.delete(c.path('x'))] }, label: 'failing multi' },
      { type: OpCode.exists, body: { path: c.path('x'), watch: false }, label: 'exists' },
    ]);
  }),
];

/**
 * Every create mode and the Stat each op reports: czxid/mzxid/pzxid, versions, the cversion
 * trap, sequential names (also after deletes), ephemeral owners, container/TTL masking,
 * null versus empty data, the root and /zookeeper nodes.
 */

import { expect } from 'vitest';
import { CreateMode, OpCode } from '../../../src/protocol/constants';
import { ErrorCode } from '../../../src/protocol/errors';
import type { Scenario } from '../harness/runner';
import { scenario } from './define';

export const nodeScenarios: Scenario[] = [
  scenario('create persistent: path and stat', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'), { data: 'hello' });
    await s.exists(c.path('a'));
    await s.getData(c.path('a'));
  }),
  scenario('create2 persistent returns the stat', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'), { data: 'x', op: OpCode.create2 });
    await s.exists(c.path(''));
  }),
  scenario('create ephemeral: ephemeralOwner is the session', async (c) => {
    const s = await c.session();
    await s.create(c.path('e'), { flags: CreateMode.EPHEMERAL, op: OpCode.create2 });
    const other = await c.session();
    await other.exists(c.path('e'));
  }),
  scenario('create persistent sequential: names from the parent cversion', async (c) => {
    const s = await c.session();
    for (let index = 0; index < 3; index++)
      await s.create(c.path('q-'), { flags: CreateMode.PERSISTENT_SEQUENTIAL });
    await s.getChildren2(c.path(''));
  }),
  scenario('create ephemeral sequential', async (c) => {
    const s = await c.session();
    await s.create(c.path('lock-'), { flags: CreateMode.EPHEMERAL_SEQUENTIAL, op: OpCode.create2 });
    await s.create(c.path('lock-'), { flags: CreateMode.EPHEMERAL_SEQUENTIAL, op: OpCode.create2 });
  }),
  scenario('sequence numbers keep counting after deletes', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'));
    await s.create(c.path('b'));
    await s.delete(c.path('a'));
    await s.delete(c.path('b'));
    await s.create(c.path('n-'), { flags: CreateMode.PERSISTENT_SEQUENTIAL });
    await s.getChildren2(c.path(''));
  }),
  scenario('sequential name with a trailing slash parent', async (c) => {
    const s = await c.session();
    await s.create(c.path('queue'));
    await s.create(`${c.path('queue')}/`, { flags: CreateMode.PERSISTENT_SEQUENTIAL });
    await s.getChildren(c.path('queue'));
  }),
  scenario('sequential counter is per parent', async (c) => {
    const s = await c.session();
    await s.create(c.path('p1'));
    await s.create(c.path('p2'));
    await s.create(c.path('p1/x-'), { flags: CreateMode.PERSISTENT_SEQUENTIAL });
    await s.create(c.path('p2/x-'), { flags: CreateMode.PERSISTENT_SEQUENTIAL });
    await s.create(c.path('p1/x-'), { flags: CreateMode.PERSISTENT_SEQUENTIAL });
  }),
  scenario('create container: createContainer op, owner masked', async (c) => {
    const s = await c.session();
    await s.create(c.path('box'), { flags: CreateMode.CONTAINER, op: OpCode.createContainer, data: 'c' });
    await s.create(c.path('box/child'));
    await s.exists(c.path('box'));
    await s.delete(c.path('box/child'));
    await s.delete(c.path('box'));
  }),
  scenario('create TTL node: createTTL op, owner masked', async (c) => {
    const s = await c.session();
    await s.create(c.path('ttl'), {
      flags: CreateMode.PERSISTENT_WITH_TTL,
      op: OpCode.createTTL,
      ttl: 3_600_000n,
    });
    await s.getData(c.path('ttl'));
    await s.create(c.path('ttl/child'));
    await s.delete(c.path('ttl/child'));
    await s.delete(c.path('ttl'));
  }),
  scenario('create persistent sequential with TTL', async (c) => {
    const s = await c.session();
    await s.create(c.path('t-'), {
      flags: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL,
      op: OpCode.createTTL,
      ttl: 3_600_000n,
    });
    await s.getChildren2(c.path(''));
  }),
  scenario('createTTL with a TTL of 0, negative, or too large', async (c) => {
    const s = await c.session();
    for (const ttl of [0n, -5n, 0x10000000000n])
      await s.create(c.path('t'), { flags: CreateMode.PERSISTENT_WITH_TTL, op: OpCode.createTTL, ttl });
    await s.create(c.path('t'), {
      flags: CreateMode.PERSISTENT_WITH_TTL,
      op: OpCode.createTTL,
      ttl: 0xffffffffffn,
    });
  }),
  scenario('createTTL with a non-TTL mode and a TTL', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'), { flags: CreateMode.PERSISTENT, op: OpCode.createTTL, ttl: 1000n });
    await s.create(c.path('b'), { flags: CreateMode.EPHEMERAL_SEQUENTIAL, op: OpCode.createTTL, ttl: 0n });
  }),
  scenario(
    'createTTL with a non-TTL mode and ttl -1: BADARGUMENTS',
    async (c) => {
      const s = await c.session();
      for (const flags of [0, 1, 2, 3, 4]) {
        const reply = await s.create(c.path(`x${flags}`), { flags, op: OpCode.createTTL, ttl: -1n });
        expect(reply.err).toBe(ErrorCode.BADARGUMENTS);
      }
      expect((await s.exists(c.path('x0'))).err).toBe(ErrorCode.NONODE);
    },
    {
      zookitOnly:
        'Apache 3.8.0 (and master) accept it, log a CreateTTLTxn with ttl -1 and then stop the server when applying it',
    },
  ),
  scenario('TTL mode through create and create2 ops', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'), { flags: CreateMode.PERSISTENT_WITH_TTL });
    await s.create(c.path('b'), { flags: CreateMode.PERSISTENT_WITH_TTL, op: OpCode.create2 });
    await s.create(c.path('c'), { flags: CreateMode.CONTAINER });
    await s.getChildren2(c.path(''));
  }),
  scenario('container flag through createContainer with other modes', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'), { flags: CreateMode.PERSISTENT, op: OpCode.createContainer });
    await s.create(c.path('b'), { flags: CreateMode.EPHEMERAL, op: OpCode.createContainer });
  }),
  scenario('unknown create flags', async (c) => {
    const s = await c.session();
    for (const flags of [7, 8, -1, 100]) await s.create(c.path(`f${flags}`), { flags, op: OpCode.create2 });
  }),
  scenario('null data versus empty data', async (c) => {
    const s = await c.session();
    await s.create(c.path('null'), { data: null });
    await s.create(c.path('empty'), { data: '' });
    await s.getData(c.path('null'));
    await s.getData(c.path('empty'));
    await s.setData(c.path('empty'), null);
    await s.getData(c.path('empty'));
  }),
  scenario('setData bumps version and mzxid, same bytes too', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'), { data: 'v' });
    await s.setData(c.path('a'), 'v');
    await s.setData(c.path('a'), 'v', 1);
    await s.setData(c.path('a'), 'w', 1);
    await s.getData(c.path('a'));
  }),
  scenario('setData with versions: match, mismatch, -1', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'));
    await s.setData(c.path('a'), '1', 0);
    await s.setData(c.path('a'), '2', 0);
    await s.setData(c.path('a'), '3', 5);
    await s.setData(c.path('a'), '4', -1);
    await s.setData(c.path('a'), '5', -2);
  }),
  scenario('cversion trap: visible cversion counts creates and deletes', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'));
    await s.create(c.path('b'));
    await s.exists(c.path(''));
    await s.delete(c.path('a'));
    await s.exists(c.path(''));
    await s.delete(c.path('b'));
    await s.exists(c.path(''));
    await s.create(c.path('c'));
    await s.getChildren2(c.path(''));
  }),
  scenario('parent stat after child create: pzxid, numChildren; mzxid untouched', async (c) => {
    const s = await c.session();
    await s.create(c.path('p'), { data: 'd' });
    await s.create(c.path('p/c1'));
    await s.create(c.path('p/c2'), { flags: CreateMode.EPHEMERAL });
    await s.getData(c.path('p'));
    await s.delete(c.path('p/c1'));
    await s.getData(c.path('p'));
  }),
  scenario('root and /zookeeper nodes', async (c) => {
    const s = await c.session();
    await s.getData('/zookeeper');
    await s.getChildren('/zookeeper');
    await s.getAcl('/zookeeper');
    await s.getAcl('/zookeeper/config');
    await s.exists('/zookeeper/quota');
    await s.getAcl('/');
  }),
  scenario('/zookeeper/config content on a standalone server', async (c) => {
    const s = await c.session();
    await s.getData('/zookeeper/config');
    await s.getChildren2('/zookeeper/config');
  }),
  scenario('exists on missing and present nodes', async (c) => {
    const s = await c.session();
    await s.exists(c.path('missing'));
    await s.exists(c.path('missing/deeper'));
    await s.create(c.path('here'));
    await s.exists(c.path('here'));
  }),
  scenario('getData and getChildren on a missing node', async (c) => {
    const s = await c.session();
    await s.getData(c.path('nope'));
    await s.getChildren(c.path('nope'));
    await s.getChildren2(c.path('nope'));
    await s.getAcl(c.path('nope'));
  }),
  scenario('delete: version checks', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'));
    await s.setData(c.path('a'), 'x');
    await s.delete(c.path('a'), 0);
    await s.delete(c.path('a'), 1);
    await s.exists(c.path('a'));
  }),
  scenario('delete a node with children: NOTEMPTY', async (c) => {
    const s = await c.session();
    await s.create(c.path('p'));
    await s.create(c.path('p/c'));
    await s.delete(c.path('p'));
    await s.delete(c.path('p/c'));
    await s.delete(c.path('p'));
  }),
  scenario('large data value round trip', async (c) => {
    const s = await c.session();
    const big = 'z'.repeat(500_000);
    await s.create(c.path('big'), { data: big });
    const reply = await s.getData(c.path('big'));
    c.record('length', (reply.value as { data: Buffer } | undefined)?.data.length);
  }),
  scenario('getChildren2 stat and children of a busy parent', async (c) => {
    const s = await c.session();
    for (const name of ['c', 'a', 'b', 'zz', 'y']) await s.create(c.path(name));
    await s.getChildren2(c.path(''));
    await s.getChildren(c.path(''));
  }),
  scenario('unicode path and data', async (c) => {
    const s = await c.session();
    await s.create(c.path('ünï-cødé'), { data: 'héllo wörld' });
    await s.getChildren(c.path(''));
    await s.getData(c.path('ünï-cødé'));
  }),
  scenario('ephemeral cannot have children; containers and TTL can', async (c) => {
    const s = await c.session();
    await s.create(c.path('e'), { flags: CreateMode.EPHEMERAL });
    await s.create(c.path('e/child'));
    await s.create(c.path('e/seq-'), { flags: CreateMode.PERSISTENT_SEQUENTIAL });
    await s.create(c.path('k'), { flags: CreateMode.CONTAINER, op: OpCode.createContainer });
    await s.create(c.path('k/child'), { flags: CreateMode.EPHEMERAL });
  }),
  scenario('ephemeral sequential under ephemeral', async (c) => {
    const s = await c.session();
    await s.create(c.path('e'), { flags: CreateMode.EPHEMERAL });
    await s.create(c.path('e/x-'), { flags: CreateMode.EPHEMERAL_SEQUENTIAL });
    await s.getChildren2(c.path('e'));
  }),
];

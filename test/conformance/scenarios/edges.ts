/**
 * Edge inputs: characters PathUtils rejects, odd watcher types, sync and reads of odd
 * paths, digest credentials without a colon, IPv6 ACL ids, negative perms, and sessions
 * closed from a resumed connection.
 */
import { expect } from 'vitest';
import { CreateMode, WatcherType } from '../../../src/protocol/constants';
import { ErrorCode } from '../../../src/protocol/errors';
import type { Scenario } from '../harness/runner';
import { acl, op, scenario } from './define';

export const edgeScenarios: Scenario[] = [
  scenario('paths with characters PathUtils rejects', async (c) => {
    const s = await c.session();
    for (const name of [
      'a\u007f',
      'a\u0085',
      'a\u009f',
      'a\ue000',
      'a\uf8ff',
      'a\ufff0',
      'a\uffff',
      'a😀',
      'a\u00a0ok',
    ])
      await s.create(c.path(name));
    await s.getChildren(c.path(''));
  }),
  scenario('setData and setACL of paths PathUtils rejects', async (c) => {
    const s = await c.session();
    await s.setData(c.path('a\u0001'), 'x');
    await s.setData(c.path('a/./b'), 'x');
    await s.setAcl(c.path('a//b'), [acl(31, 'world', 'anyone')]);
    await s.multi([op.check(c.path('x\u0002'), 0)]);
  }),
  scenario('removeWatches and checkWatches with out-of-range watcher types', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'));
    await s.getData(c.path('a'), true);
    await s.checkWatches(c.path('a'), 0);
    await s.removeWatches(c.path('a'), 9);
    await s.recordClosed(300);
  }),
  scenario('sync of odd paths', async (c) => {
    const s = await c.session();
    await s.sync('');
    await s.sync('relative');
    await s.sync(c.path('x//y'));
  }),
  scenario('reads of the /zookeeper subtree and writes to /zookeeper/config', async (c) => {
    const s = await c.session();
    await s.getAllChildrenNumber('/zookeeper');
    await s.getChildren2('/zookeeper/quota');
    await s.setData('/zookeeper/config', 'x');
    await s.setData('/zookeeper', 'x');
    await s.getData('/zookeeper');
    await s.setData('/zookeeper', '', 1);
  }),
  scenario('digest credentials without a colon', async (c) => {
    const s = await c.session();
    await s.auth('digest', 'justuser');
    await s.whoAmI();
    await s.create(c.path('mine'), { acl: [acl(31, 'auth', '')] });
    await s.getAcl(c.path('mine'));
  }),
  scenario('odd IPv4 ACL ids', async (c) => {
    const s = await c.session();
    for (const [index, id] of [
      '127.0.0.1/32',
      '127.0.0.1/0',
      '127.1',
      '1.2.3.4/-1',
      '1.2.3.4/',
      '1.2.3',
    ].entries())
      await s.create(c.path(`n${index}`), { acl: [acl(1, 'ip', id)] });
    await s.getData(c.path('n0'));
    await s.getData(c.path('n1'));
  }),
  scenario(
    'IPv6 ACL ids',
    async (c) => {
      const s = await c.session();
      await c.unrecorded(async () => {
        for (const id of ['::1', '0:0:0:0:0:0:0:1', 'fe80::/64']) {
          const reply = await s.create(c.path(`v6-${id.length}`), { acl: [acl(1, 'ip', id)] });
          expect(reply.err).toBe(c.target === 'apache' ? ErrorCode.INVALIDACL : 0);
        }
      });
      await s.create(c.path('v6-bad'), { acl: [acl(1, 'ip', '::g')] });
    },
    { difference: 'IPv6 ip ACL ids: 3.8.0 INVALIDACL; master (and zookit) accept them' },
  ),
  scenario('negative and zero perms', async (c) => {
    const s = await c.session();
    await s.create(c.path('neg'), { acl: [acl(-1, 'world', 'anyone')], data: 'x' });
    await s.getAcl(c.path('neg'));
    await s.getData(c.path('neg'));
    await s.create(c.path('neg/c'));
  }),
  scenario('closeSession from a resumed connection deletes the ephemerals', async (c) => {
    const s = await c.session();
    const w = await c.session();
    await s.create(c.path('e'), { flags: CreateMode.EPHEMERAL });
    await w.exists(c.path('e'), true);
    s.channel.destroy();
    const resumed = await c.resume(s);
    await resumed?.close();
    await w.flush();
    await w.getEphemerals('/');
  }),
  scenario('ephemerals created inside a multi go with the session', async (c) => {
    const s = await c.session();
    const w = await c.session();
    await s.multi([op.create(c.path('e1'), '', CreateMode.EPHEMERAL), op.create(c.path('e2'), '', 3)]);
    await w.getChildren(c.path(''), true);
    await s.close();
    await w.flush();
    await w.getChildren(c.path(''));
  }),
  scenario('getAllChildrenNumber and getEphemerals of odd paths', async (c) => {
    const s = await c.session();
    await s.getAllChildrenNumber('relative');
    await s.getAllChildrenNumber(c.path('x/'));
    await s.getEphemerals(c.path('x/'));
  }),
  scenario('SetWatches with paths that do not exist or are malformed', async (c) => {
    const s = await c.session();
    const w = await c.session();
    await w.setWatches({
      relativeZxid: 0n,
      dataWatches: [c.path('nope')],
      existWatches: [c.path('later'), c.path('bad/')],
      childWatches: [c.path('nope2')],
    });
    await s.create(c.path('later'));
    await s.create(c.path('nope2'));
    await w.flush();
    await w.checkWatches(c.path('bad/'), WatcherType.Data);
  }),
  scenario('delete of an ephemeral by its owner fires its exists watch', async (c) => {
    const s = await c.session();
    await s.create(c.path('e'), { flags: CreateMode.EPHEMERAL });
    await s.exists(c.path('e'), true);
    await s.delete(c.path('e'));
    await s.getEphemerals('/');
  }),
  scenario('create with data of every byte value', async (c) => {
    const s = await c.session();
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
    await s.create(c.path('bin'), { data: bytes });
    const reply = await s.getData(c.path('bin'));
    c.record('bytes equal', (reply.value as { data: Buffer } | undefined)?.data.equals(bytes));
  }),
];

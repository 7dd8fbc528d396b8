/**
 * Error precedence (protocol.md §7, first failure wins) for create, delete, setData,
 * setACL, and the path checks each op does or does not make.
 */
import { CreateMode, OpCode } from '../../../src/protocol/constants';
import type { Scenario } from '../harness/runner';
import { acl, scenario, world } from './define';

export const errorScenarios: Scenario[] = [
  scenario('create: bad flags beat a missing parent', async (c) => {
    const s = await c.session();
    await s.create(c.path('missing/a'), { flags: 9 });
  }),
  scenario('create: TTL mode via create op without ttl beats missing parent', async (c) => {
    const s = await c.session();
    await s.create(c.path('missing/a'), { flags: CreateMode.PERSISTENT_WITH_TTL });
  }),
  scenario('create: no leading slash', async (c) => {
    const s = await c.session();
    await s.create('relative', {});
    await s.create('', {});
  }),
  scenario('create: invalid ACL beats a missing parent', async (c) => {
    const s = await c.session();
    await s.create(c.path('missing/a'), { acl: [] });
    await s.create(c.path('missing/a'), { acl: [acl(31, 'world', 'someone')] });
  }),
  scenario('create: missing parent beats a bad path', async (c) => {
    const s = await c.session();
    await s.create(c.path('missing/a//b'));
    await s.create(c.path('missing/./b'));
  }),
  scenario('create: bad path under an existing parent', async (c) => {
    const s = await c.session();
    await s.create(c.path('p'));
    await s.create(c.path('p/'));
    await s.create(c.path('p//x'));
    await s.create(c.path('p/.'));
    await s.create(c.path('p/..'));
    await s.create(c.path('p/a\u0001b'));
    await s.create(c.path('p/a\u0000b'));
  }),
  scenario('create: NOAUTH on the parent beats NODEEXISTS', async (c) => {
    const s = await c.session();
    await s.create(c.path('locked'), { acl: world(1) });
    await s.create(c.path('locked/child'));
    await s.create(c.path('locked'));
  }),
  scenario('create: NODEEXISTS beats NOCHILDRENFOREPHEMERALS', async (c) => {
    const s = await c.session();
    await s.create(c.path('e'), { flags: CreateMode.EPHEMERAL });
    await s.create(c.path('e'));
    await s.create(c.path('e/x'));
  }),
  scenario('create: the root and /zookeeper', async (c) => {
    const s = await c.session();
    await s.create('/');
    await s.create('/zookeeper');
    await s.create('/zookeeper/config/x');
    await s.create('/zookeeper/quota/x');
    await s.delete('/zookeeper/quota/x');
  }),
  scenario('delete: system paths are BADARGUMENTS', async (c) => {
    const s = await c.session();
    for (const path of ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config']) await s.delete(path);
  }),
  scenario('delete: no slash, NUL, missing parent, missing node', async (c) => {
    const s = await c.session();
    await s.delete('relative');
    await s.delete(c.path('a\u0000'));
    await s.delete(c.path('missing/x'));
    await s.delete(c.path('x'));
  }),
  scenario('delete: no path validation (trailing slash, dots)', async (c) => {
    const s = await c.session();
    await s.create(c.path('p'));
    await s.delete(c.path('p/'));
    await s.delete(c.path('p/.'));
    await s.delete(c.path('p//'));
  }),
  scenario('delete: NOAUTH on the parent beats NONODE and BADVERSION', async (c) => {
    const s = await c.session();
    await s.create(c.path('p'));
    await s.create(c.path('p/c'));
    await s.setAcl(c.path('p'), world(31 & ~8));
    await s.delete(c.path('p/missing'));
    await s.delete(c.path('p/c'), 99);
    await s.delete(c.path('p/c'));
  }),
  scenario('delete: BADVERSION beats NOTEMPTY', async (c) => {
    const s = await c.session();
    await s.create(c.path('p'));
    await s.create(c.path('p/c'));
    await s.delete(c.path('p'), 3);
    await s.delete(c.path('p'), 0);
  }),
  scenario('setData: bad path, missing node, NOAUTH, BADVERSION order', async (c) => {
    const s = await c.session();
    await s.setData(c.path('a/'), 'x');
    await s.setData(c.path('missing'), 'x', 7);
    await s.create(c.path('ro'), { acl: world(1) });
    await s.setData(c.path('ro'), 'x', 7);
    await s.create(c.path('rw'));
    await s.setData(c.path('rw'), 'x', 7);
  }),
  scenario('setACL: bad path, invalid ACL, missing node, NOAUTH, BADVERSION order', async (c) => {
    const s = await c.session();
    await s.setAcl(c.path('a/'), []);
    await s.setAcl(c.path('missing'), []);
    await s.setAcl(c.path('missing'), world(), 3);
    await s.create(c.path('na'), { acl: world(31 & ~16) });
    await s.setAcl(c.path('na'), world(), 3);
    await s.create(c.path('ok'));
    await s.setAcl(c.path('ok'), world(), 3);
    await s.setAcl(c.path('ok'), world(), 0);
    await s.setAcl(c.path('ok'), world(), 0);
    await s.getAcl(c.path('ok'));
  }),
  scenario('setACL bumps aversion only, fires nothing', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'), { data: 'd' });
    await s.getData(c.path('a'), true);
    await s.setAcl(c.path('a'), world(7));
    await s.setAcl(c.path('a'), world(31), 1);
    await s.getAcl(c.path('a'));
  }),
  scenario('reads of bad paths give NONODE, exists of a NUL path BADARGUMENTS', async (c) => {
    const s = await c.session();
    await s.getData(c.path('x/'));
    await s.getChildren(c.path('x//y'));
    await s.exists(c.path('x/'));
    await s.exists(c.path('x\u0000'));
    await s.getData('relative');
    await s.getAcl('');
  }),
  scenario('create2, createContainer and createTTL error replies carry no body', async (c) => {
    const s = await c.session();
    await s.create(c.path('dup'));
    await s.create(c.path('dup'), { op: OpCode.create2 });
    await s.create(c.path('dup'), { op: OpCode.createContainer, flags: CreateMode.CONTAINER });
    await s.create(c.path('dup'), { op: OpCode.createTTL, flags: CreateMode.PERSISTENT_WITH_TTL, ttl: 100n });
  }),
  scenario('failed writes consume a zxid, failed reads do not', async (c) => {
    const s = await c.session();
    await s.getData(c.path('none'));
    await s.delete(c.path('none'));
    await s.getData(c.path('none'));
    await s.setData(c.path('none'), 'x');
    await s.exists(c.path(''));
  }),
  scenario('sync on any path, existing or not', async (c) => {
    const s = await c.session();
    await s.sync(c.path(''));
    await s.sync(c.path('missing'));
    await s.sync('/');
    await s.create(c.path('a'));
    await s.sync(c.path('a'));
  }),
  scenario('deleteContainer from a client is refused', async (c) => {
    const s = await c.session();
    await s.create(c.path('box'), { op: OpCode.createContainer, flags: CreateMode.CONTAINER });
    await s.raw(OpCode.deleteContainer, { path: c.path('box') }, 'deleteContainer');
    await s.recordClosed(500);
  }),
  scenario('reconfig on a standalone server', async (c) => {
    const s = await c.session();
    await s.raw(
      OpCode.reconfig,
      { joiningServers: null, leavingServers: null, newMembers: null, curConfigId: -1n },
      'reconfig',
    );
  }),
  scenario('ops after a failed write still work on the session', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'));
    await s.create(c.path('a'));
    await s.create(c.path('b'), { data: 'ok' });
    await s.getData(c.path('b'));
  }),
];

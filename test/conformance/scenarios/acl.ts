/**
 * ACLs: world, auth, digest, ip and the super digest; the permission each op checks on
 * which node; INVALIDACL cases; getACL; auth packets; whoAmI.
 */
import { expect } from 'vitest';
import { CreateMode, Perms } from '../../../src/protocol/constants';
import { Ids } from '../../../src/protocol/data';
import { ErrorCode } from '../../../src/protocol/errors';
import { type Scenario, SUPER_PASSWORD } from '../harness/runner';
import { acl, digestOf, op, scenario, world } from './define';

const { READ, WRITE, CREATE, DELETE, ADMIN, ALL } = Perms;

export const aclScenarios: Scenario[] = [
  scenario('world READ only: which ops pass', async (c) => {
    const s = await c.session();
    await s.create(c.path('r'), { acl: world(READ), data: 'd' });
    await s.getData(c.path('r'));
    await s.getChildren(c.path('r'));
    await s.exists(c.path('r'));
    await s.getAcl(c.path('r'));
    await s.setData(c.path('r'), 'x');
    await s.create(c.path('r/c'));
    await s.setAcl(c.path('r'), world());
    await s.getAllChildrenNumber(c.path('r'));
  }),
  scenario('no READ: reads fail, writes pass', async (c) => {
    const s = await c.session();
    await s.create(c.path('w'), { acl: world(WRITE | CREATE) });
    await s.getData(c.path('w'));
    await s.getChildren2(c.path('w'));
    await s.getAllChildrenNumber(c.path('w'));
    await s.getAcl(c.path('w'));
    await s.setData(c.path('w'), 'ok');
    await s.create(c.path('w/c'));
    await s.sync(c.path('w'));
  }),
  scenario(
    'exists on a node without READ',
    async (c) => {
      const s = await c.session();
      await s.create(c.path('w'), { acl: world(WRITE) });
      await s.exists(c.path('missing'));
      await c.unrecorded(async () => {
        const reply = await s.exists(c.path('w'));
        expect(reply.err).toBe(c.target === 'apache' ? 0 : ErrorCode.NOAUTH);
      });
    },
    { difference: 'exists checks READ on an existing node in master (and protocol.md); 3.8.0 does not' },
  ),
  scenario('getACL with ADMIN but no READ', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'), { acl: [acl(ADMIN, 'world', 'anyone')] });
    await s.getAcl(c.path('a'));
    await s.setAcl(c.path('a'), world(READ));
    await s.getAcl(c.path('a'));
  }),
  scenario('delete checks DELETE on the parent, not the node', async (c) => {
    const s = await c.session();
    await s.create(c.path('p'));
    await s.create(c.path('p/locked'), { acl: world(0) });
    await s.delete(c.path('p/locked'));
    await s.create(c.path('q'), { acl: world(ALL & ~DELETE) });
    await s.create(c.path('q/open'));
    await s.delete(c.path('q/open'));
  }),
  scenario('create checks CREATE on the parent', async (c) => {
    const s = await c.session();
    await s.create(c.path('nc'), { acl: world(ALL & ~CREATE) });
    await s.create(c.path('nc/x'));
    await s.create(c.path('nc/x-'), { flags: CreateMode.PERSISTENT_SEQUENTIAL });
    await s.create(c.path('oc'), { acl: world(CREATE) });
    await s.create(c.path('oc/x'));
    await s.getChildren(c.path('oc'));
  }),
  scenario('digest ACL: NOAUTH until the right credentials are added', async (c) => {
    const owner = await c.session();
    const other = await c.session();
    await owner.auth('digest', 'alice:secret');
    await owner.create(c.path('d'), { acl: [acl(ALL, 'digest', digestOf('alice', 'secret'))], data: 'x' });
    await owner.getData(c.path('d'));
    await other.getData(c.path('d'));
    await other.auth('digest', 'alice:wrong');
    await other.getData(c.path('d'));
    await other.auth('digest', 'alice:secret');
    await other.getData(c.path('d'));
    await other.whoAmI();
  }),
  scenario('auth scheme ACL becomes the creator digest ids', async (c) => {
    const s = await c.session();
    await s.auth('digest', 'bob:pw');
    await s.auth('digest', 'carol:pw2');
    await s.create(c.path('mine'), { acl: [...Ids.CREATOR_ALL_ACL] });
    await s.getAcl(c.path('mine'));
    await s.setAcl(c.path('mine'), [acl(READ, 'auth', 'ignored')]);
    await s.getAcl(c.path('mine'));
  }),
  scenario('auth scheme without an authenticated id is INVALIDACL', async (c) => {
    const s = await c.session();
    await s.create(c.path('x'), { acl: [...Ids.CREATOR_ALL_ACL] });
    await s.create(c.path('y'));
    await s.setAcl(c.path('y'), [...Ids.CREATOR_ALL_ACL]);
  }),
  scenario('INVALIDACL: empty, unknown scheme, super, bad world id, bad digest id', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'), { acl: [] });
    await s.create(c.path('b'), { acl: [acl(ALL, 'nosuch', 'x')] });
    await s.create(c.path('c'), { acl: [acl(ALL, 'super', '')] });
    await s.create(c.path('d'), { acl: [acl(ALL, 'world', 'everyone')] });
    await s.create(c.path('e'), { acl: [acl(ALL, 'digest', 'nocolon')] });
    await s.create(c.path('f'), { acl: [acl(ALL, 'digest', 'a:b:c')] });
    await s.create(c.path('g'), { acl: [acl(ALL, 'world', 'anyone'), acl(ALL, 'nosuch', 'x')] });
  }),
  scenario('ip ACLs: exact, prefix, other network, invalid', async (c) => {
    const s = await c.session();
    await s.create(c.path('exact'), { acl: [acl(ALL, 'ip', '127.0.0.1')], data: 'e' });
    await s.getData(c.path('exact'));
    await s.create(c.path('net'), { acl: [acl(READ, 'ip', '127.0.0.0/8')], data: 'n' });
    await s.getData(c.path('net'));
    await s.create(c.path('far'), { acl: [acl(READ, 'ip', '10.0.0.0/8')] });
    await s.getData(c.path('far'));
    await s.create(c.path('bad1'), { acl: [acl(READ, 'ip', 'not-an-ip')] });
    await s.create(c.path('bad2'), { acl: [acl(READ, 'ip', '127.0.0.1/33')] });
    await s.create(c.path('bad3'), { acl: [acl(READ, 'ip', '300.0.0.1')] });
  }),
  scenario('super digest bypasses every ACL', async (c) => {
    const s = await c.session();
    await s.create(c.path('locked'), { acl: world(0) });
    await s.getData(c.path('locked'));
    const root = await c.session();
    await root.auth('digest', `super:${SUPER_PASSWORD}`);
    await root.getData(c.path('locked'));
    await root.create(c.path('locked/c'));
    await root.setAcl(c.path('locked'), world(READ));
    await root.whoAmI();
    await root.delete(c.path('locked/c'));
  }),
  scenario('duplicate ACL entries and odd perms', async (c) => {
    const s = await c.session();
    await s.create(c.path('dup'), { acl: [...world(), ...world(), acl(READ, 'world', 'anyone')] });
    await s.getAcl(c.path('dup'));
    await s.create(c.path('zero'), { acl: [acl(0, 'world', 'anyone')] });
    await s.getAcl(c.path('zero'));
    await s.create(c.path('big'), { acl: [acl(0x7fff, 'world', 'anyone')] });
    await s.getAcl(c.path('big'));
  }),
  scenario('getACL of a digest ACL without ADMIN', async (c) => {
    const s = await c.session();
    const other = await c.session();
    await s.create(c.path('n'), {
      acl: [acl(READ, 'world', 'anyone'), acl(ALL, 'digest', digestOf('dave', 'pw'))],
    });
    await other.getAcl(c.path('n'));
    await other.auth('digest', 'dave:pw');
    await other.getAcl(c.path('n'));
  }),
  scenario('setACL needs ADMIN; aversion checks', async (c) => {
    const s = await c.session();
    await s.create(c.path('n'), { acl: world(ALL & ~ADMIN) });
    await s.setAcl(c.path('n'), world());
    await s.create(c.path('m'));
    await s.setAcl(c.path('m'), world(READ | ADMIN), 0);
    await s.setAcl(c.path('m'), world(), 0);
    await s.setAcl(c.path('m'), world(), 1);
  }),
  scenario('auth packets: unknown scheme fails and closes', async (c) => {
    const s = await c.session();
    await s.auth('nosuch', 'x');
    await s.recordClosed(2_000);
  }),
  scenario('auth packets: ip and empty digest', async (c) => {
    const s = await c.session();
    await s.auth('ip', '127.0.0.1');
    await s.auth('digest', '');
    await s.auth('digest', 'u:p');
    await s.auth('digest', 'u:p');
    await s.whoAmI();
  }),
  scenario('whoAmI: a plain session', async (c) => {
    const s = await c.session();
    await s.whoAmI();
  }),
  scenario('multiRead with mixed permissions', async (c) => {
    const s = await c.session();
    await s.create(c.path('open'), { data: 'o' });
    await s.create(c.path('closed'), { acl: world(WRITE) });
    await s.multiRead([
      op.getData(c.path('closed')),
      op.getData(c.path('open')),
      op.getChildren(c.path('closed')),
    ]);
  }),
  scenario('setData on a digest node by its owner and by a stranger', async (c) => {
    const owner = await c.session();
    const stranger = await c.session();
    await owner.auth('digest', 'erin:pw');
    await owner.create(c.path('n'), { acl: [acl(READ, 'world', 'anyone'), acl(WRITE, 'auth', '')] });
    await owner.getAcl(c.path('n'));
    await stranger.setData(c.path('n'), 'x');
    await owner.setData(c.path('n'), 'y');
    await stranger.getData(c.path('n'));
  }),
  scenario('ACL entries keep their order', async (c) => {
    const s = await c.session();
    const entries = [
      acl(READ, 'ip', '127.0.0.1'),
      acl(WRITE, 'world', 'anyone'),
      acl(ADMIN, 'digest', digestOf('x', 'y')),
    ];
    await s.create(c.path('n'), { acl: entries });
    await s.getAcl(c.path('n'));
  }),
];

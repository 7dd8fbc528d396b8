import { describe, expect, it } from 'vitest';
import {
  checkAcl,
  digestAuthIds,
  fixupAcl,
  ipMatches,
  isValidDigestId,
  isValidIpExpression,
  maskDigestIds,
} from '../../../../server/data/acl';
import { digestId } from '../../../../src/protocol/auth';
import { OpCode } from '../../../../src/protocol/constants';
import { Connection, Harness, OPEN } from './harness';

const world = (perms: number) => ({ perms, id: { scheme: 'world', id: 'anyone' } });
const digest = (perms: number, id: string) => ({ perms, id: { scheme: 'digest', id } });
const ip = (perms: number, id: string) => ({ perms, id: { scheme: 'ip', id } });

describe('acl: fixupAcl', () => {
  it('dedupes, keeps world:anyone, expands auth to authenticated ids only', () => {
    const ids = [
      { scheme: 'ip', id: '127.0.0.1' },
      { scheme: 'super', id: '' },
      { scheme: 'digest', id: 'u:hash' },
    ];
    expect(
      fixupAcl('/a', ids, [world(31), world(31), { perms: 5, id: { scheme: 'auth', id: 'ignored' } }]),
    ).toEqual([world(31), { perms: 5, id: { scheme: 'digest', id: 'u:hash' } }]);
  });

  it('raises INVALIDACL for every case of protocol.md §9', () => {
    const noAuth = [{ scheme: 'ip', id: '127.0.0.1' }];
    const invalid = [
      [],
      [{ perms: 31, id: { scheme: 'world', id: 'everyone' } }],
      [{ perms: 31, id: { scheme: 'auth', id: '' } }],
      [{ perms: 31, id: { scheme: 'super', id: '' } }],
      [{ perms: 31, id: { scheme: 'kerberos', id: 'x' } }],
      [digest(31, 'no-colon')],
      [digest(31, 'a:b:c')],
      [ip(31, '10.0.0.0/33')],
      [ip(31, 'not-an-ip')],
    ];
    for (const acl of invalid)
      expect(() => fixupAcl('/a', noAuth, acl), JSON.stringify(acl)).toThrow(/INVALIDACL/);
    expect(() => fixupAcl('/a', noAuth, null)).toThrow(/INVALIDACL/);
    expect(fixupAcl('/a', noAuth, [ip(1, '10.0.0.0/8'), digest(1, 'u:h')])).toHaveLength(2);
  });

  it('validates digest ids with Java split rules and ip expressions', () => {
    expect(isValidDigestId('u:h')).toBe(true);
    expect(isValidDigestId('u:h:')).toBe(true);
    expect(isValidDigestId(':h')).toBe(true);
    expect(isValidDigestId('u:')).toBe(false);
    expect(isValidIpExpression('1.2.3.4')).toBe(true);
    expect(isValidIpExpression('1.2.3.256')).toBe(false);
    expect(isValidIpExpression('1.2.3')).toBe(false);
    expect(isValidIpExpression('::1/128')).toBe(true);
    expect(isValidIpExpression('fe80::/129')).toBe(false);
    expect(isValidIpExpression('1:2:3:4:5:6:7:8')).toBe(true);
    expect(isValidIpExpression('1:2:3:4:5:6:7')).toBe(false);
  });
});

describe('acl: checkAcl matrix', () => {
  const alice = [
    { scheme: 'digest', id: digestId('alice:secret') },
    { scheme: 'ip', id: '10.1.2.3' },
  ];
  it('passes for skipAcl, an empty list, super, world:anyone with the perm', () => {
    expect(checkAcl([digest(31, 'x:y')], 1, [], { skipAcl: true })).toBe(true);
    expect(checkAcl([], 16, [])).toBe(true);
    expect(checkAcl([digest(31, 'x:y')], 16, [{ scheme: 'super', id: '' }])).toBe(true);
    expect(checkAcl([world(1)], 1, [])).toBe(true);
    expect(checkAcl([world(1)], 2, [])).toBe(false);
  });

  it('matches digest ids by equality and ip by masked prefix', () => {
    expect(checkAcl([digest(2, digestId('alice:secret'))], 2, alice)).toBe(true);
    expect(checkAcl([digest(2, digestId('alice:wrong'))], 2, alice)).toBe(false);
    expect(checkAcl([ip(4, '10.0.0.0/8')], 4, alice)).toBe(true);
    expect(checkAcl([ip(4, '10.1.2.4')], 4, alice)).toBe(false);
    expect(checkAcl([ip(4, '10.1.2.3')], 8, alice)).toBe(false);
    expect(ipMatches('10.1.2.3', '10.1.0.0/16')).toBe(true);
    expect(ipMatches('10.2.2.3', '10.1.0.0/16')).toBe(false);
    expect(ipMatches('0:0:0:0:0:0:0:1', '::1')).toBe(true);
    expect(ipMatches('fe80:0:0:0:0:0:0:5', 'fe80::/64')).toBe(true);
    expect(ipMatches('fe81:0:0:0:0:0:0:5', 'fe80::/16')).toBe(false);
    expect(ipMatches('127.0.0.1', '::1')).toBe(false);
    expect(ipMatches('10.1.2.3', '10.1.2.3/0')).toBe(true);
  });

  it('adds super for the configured super digest; digest auth always succeeds', () => {
    const superDigest = digestId('super:admin');
    expect(digestAuthIds('super:admin', digestId, superDigest)).toEqual([
      { scheme: 'super', id: '' },
      { scheme: 'digest', id: superDigest },
    ]);
    expect(digestAuthIds('bob:pw', digestId, superDigest)).toEqual([
      { scheme: 'digest', id: digestId('bob:pw') },
    ]);
    expect(maskDigestIds([digest(1, 'bob:hash=='), world(1)])).toEqual([digest(1, 'bob:x'), world(1)]);
  });
});

describe('acl: reads', () => {
  it('getACL needs READ or ADMIN and masks digests without ADMIN; creator ACL expands', () => {
    const harness = new Harness();
    const owner = new Connection(1n, [
      { scheme: 'ip', id: '127.0.0.1' },
      { scheme: 'digest', id: digestId('o:p') },
    ]);
    const reader = new Connection(2n);
    const acl = [{ perms: 31, id: { scheme: 'auth', id: '' } }, world(1)];
    harness.write(
      { type: OpCode.create, request: { path: '/s', data: Buffer.from('v'), acl, flags: 0 } },
      owner,
    );
    const full = harness.db.reads.getAcl('/s', owner);
    expect(full).toMatchObject({ err: 0, response: { acl: [digest(31, digestId('o:p')), world(1)] } });
    expect(harness.db.reads.getAcl('/s', reader)).toMatchObject({
      err: 0,
      response: { acl: [digest(31, 'o:x'), world(1)] },
    });
    expect(harness.db.reads.getData('/s', false, reader)).toMatchObject({ err: 0 });
    expect(harness.db.reads.getAcl('/zookeeper/config', reader)).toMatchObject({ err: 0 });
    const prepared = harness.prepare(
      { type: OpCode.setData, request: { path: '/s', data: null, version: -1 } },
      reader,
    );
    expect(prepared.txn).toEqual({ type: OpCode.error, body: { err: -102 } });
    harness.write(
      { type: OpCode.create, request: { path: '/h', data: null, acl: [digest(2, 'x:y')], flags: 0 } },
      owner,
    );
    expect(harness.db.reads.getAcl('/h', reader).err).toBe(-102);
    expect(harness.db.reads.getData('/h', true, reader).err).toBe(-102);
    expect(harness.db.reads.exists('/h', false, reader).err).toBe(-102);
    expect(harness.db.reads.exists('/a\0', false, reader).err).toBe(-8);
    expect(harness.db.reads.getAllChildrenNumber('/h', reader).err).toBe(-102);
    expect(harness.db.reads.getAllChildrenNumber('/', reader)).toEqual({
      err: 0,
      response: { totalNumber: 5 },
    });
  });

  it('multiRead evaluates ops independently', () => {
    const harness = new Harness();
    const a = new Connection(1n);
    harness.create(a, '/r', 0, Buffer.from('data'));
    harness.create(a, '/r/c');
    const results = harness.db.reads.multiRead(
      [
        { type: OpCode.getData, request: { path: '/r', watch: false } },
        { type: OpCode.getChildren, request: { path: '/missing', watch: false } },
        { type: OpCode.getChildren, request: { path: '/r', watch: false } },
      ],
      a,
    );
    expect(results[0]).toMatchObject({
      type: OpCode.getData,
      data: Buffer.from('data'),
      stat: { czxid: 1n, numChildren: 1 },
    });
    expect(results.slice(1)).toEqual([
      { type: -1, err: -101 },
      { type: OpCode.getChildren, children: ['c'] },
    ]);
    expect(OPEN).toHaveLength(1);
  });
});

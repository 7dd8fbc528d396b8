import { describe, expect, it } from 'vitest';
import {
  AclSyntaxError,
  formatAcl,
  formatError,
  formatList,
  formatStat,
  formatStateEvent,
  formatWatchEvent,
  formatWhoAmI,
  parseAcl,
  permissionString,
} from '../../../server/commands/shell/output-format';
import { Perms } from '../../../src/protocol/constants';
import { emptyStat } from '../../../src/protocol/data';
import { BadVersionError, fromCode, NoNodeError, SessionExpiredError } from '../../../src/protocol/errors';

describe('shell: formatStat', () => {
  it("prints zkCli's Stat block", () => {
    const stat = {
      ...emptyStat(),
      czxid: 2n,
      mzxid: 0x1an,
      ctime: 1795322680000n,
      mtime: 1795322680000n,
      pzxid: 5n,
      cversion: 2,
      version: 1,
      aversion: 3,
      ephemeralOwner: 0x100000123456789n,
      dataLength: 5,
      numChildren: 2,
    };
    expect(formatStat(stat)).toEqual([
      'cZxid = 0x2',
      'ctime = Sun Nov 22 04:44:40 UTC 2026',
      'mZxid = 0x1a',
      'mtime = Sun Nov 22 04:44:40 UTC 2026',
      'pZxid = 0x5',
      'cversion = 2',
      'dataVersion = 1',
      'aclVersion = 3',
      'ephemeralOwner = 0x100000123456789',
      'dataLength = 5',
      'numChildren = 2',
    ]);
  });
  it("prints a container's owner as Java's unsigned hex", () => {
    expect(formatStat({ ...emptyStat(), ephemeralOwner: -0x8000000000000000n })[8]).toBe(
      'ephemeralOwner = 0x8000000000000000',
    );
  });
});

describe('shell: lists, ACLs, whoami', () => {
  it('formats lists like Java', () => {
    expect(formatList([])).toBe('[]');
    expect(formatList(['a', 'b'])).toBe('[a, b]');
  });
  it('prints permissions in cdrwa order', () => {
    expect(permissionString(Perms.ALL)).toBe('cdrwa');
    expect(permissionString(Perms.READ | Perms.ADMIN)).toBe('ra');
    expect(permissionString(0)).toBe('');
  });
  it('prints ACL entries as getAcl does, escaping like jute CSV', () => {
    expect(
      formatAcl([
        { perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } },
        { perms: Perms.READ, id: { scheme: 'x', id: 'a,b%' } },
      ]),
    ).toEqual(["'world,'anyone", ': cdrwa', "'x,'a%2Cb%25", ': r']);
  });
  it('parses ACL text with colons in the id', () => {
    expect(parseAcl('world:anyone:r,digest:u:Jq7w/=:cdrwa,ip:127.0.0.1:rw')).toEqual([
      { perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } },
      { perms: Perms.ALL, id: { scheme: 'digest', id: 'u:Jq7w/=' } },
      { perms: Perms.READ | Perms.WRITE, id: { scheme: 'ip', id: '127.0.0.1' } },
    ]);
  });
  it('rejects malformed ACL text with zkCli messages', () => {
    expect(() => parseAcl('bad')).toThrow(new AclSyntaxError('bad does not have the form scheme:id:perm'));
    expect(() => parseAcl('world:anyone:rx')).toThrow(new AclSyntaxError('Unknown perm type: x'));
  });
  it('prints whoami', () => {
    expect(formatWhoAmI([{ authScheme: 'ip', user: '127.0.0.1' }])).toEqual([
      'Auth scheme: User',
      'ip: 127.0.0.1',
    ]);
  });
});

describe('shell: events', () => {
  it('prints watch events as zkCli does', () => {
    expect(formatWatchEvent({ type: 'NodeDataChanged', path: '/a', zxid: 5n })).toEqual([
      '',
      'WATCHER::',
      '',
      'WatchedEvent state:SyncConnected type:NodeDataChanged path:/a',
    ]);
    expect(formatWatchEvent({ type: 'NotWatching', path: '/a', reason: 'sessionExpired' })[3]).toBe(
      'WatchedEvent state:Expired type:None path:/a',
    );
  });
  it('prints connection states as None events', () => {
    expect(formatStateEvent('CONNECTED')[3]).toBe('WatchedEvent state:SyncConnected type:None path:null');
    expect(formatStateEvent('SUSPENDED')[3]).toBe('WatchedEvent state:Disconnected type:None path:null');
    expect(formatStateEvent('LOST')[3]).toBe('WatchedEvent state:Expired type:None path:null');
    expect(formatStateEvent('CLOSED')[3]).toBe('WatchedEvent state:Closed type:None path:null');
  });
});

describe('shell: formatError', () => {
  it("uses zkCli's wording plus the code name", () => {
    expect(formatError(new NoNodeError(undefined, { path: '/a' }), undefined)).toBe(
      'Node does not exist: /a (NONODE)',
    );
    expect(formatError(new BadVersionError(), '/b')).toBe('version No is not valid : /b (BADVERSION)');
    expect(formatError(fromCode(-110, { path: '/c' }), undefined)).toBe(
      'Node already exists: /c (NODEEXISTS)',
    );
    expect(formatError(fromCode(-102, { path: '/d', op: 'getData' }), undefined)).toBe(
      'Insufficient permission : /d (NOAUTH)',
    );
  });
  it('falls back to KeeperErrorCode = message for other codes', () => {
    expect(formatError(new SessionExpiredError(undefined, { path: '/e', op: 'create' }), undefined)).toBe(
      'KeeperErrorCode = Session expired for /e (SESSIONEXPIRED)',
    );
    expect(formatError(fromCode(-121, { path: '/x' }), undefined)).toBe(
      'KeeperErrorCode = No such watcher for /x (NOWATCHER)',
    );
  });
  it('names other errors by class', () => {
    expect(formatError(new TypeError('boom'), '/a')).toBe('boom (TypeError)');
  });
});

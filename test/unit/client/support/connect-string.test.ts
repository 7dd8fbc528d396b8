import { describe, expect, it } from 'vitest';
import {
  formatHostAddress,
  HostProvider,
  InvalidConnectStringError,
  parseConnectString,
} from '../../../../src/client/connect-string';
import { InvalidPathError } from '../../../../src/protocol/paths';
import { seededRandom } from '../../../../src/util/random';

describe('parseConnectString', () => {
  it('parses hosts, ports, the default port and a chroot', () => {
    expect(parseConnectString('zk1:2181,zk2:2182,zk3/app/a')).toEqual({
      hosts: [
        { host: 'zk1', port: 2181 },
        { host: 'zk2', port: 2182 },
        { host: 'zk3', port: 2181 },
      ],
      chroot: '/app/a',
    });
  });

  it('trims whitespace and treats "/" as no chroot', () => {
    expect(parseConnectString('  127.0.0.1:3000 , localhost /  ')).toEqual({
      hosts: [
        { host: '127.0.0.1', port: 3000 },
        { host: 'localhost', port: 2181 },
      ],
      chroot: '',
    });
    expect(parseConnectString('a:1').chroot).toBe('');
  });

  it('parses bracketed IPv6 with and without a port', () => {
    expect(parseConnectString('[::1]:2182,[fe80::1%eth0]/x').hosts).toEqual([
      { host: '::1', port: 2182 },
      { host: 'fe80::1%eth0', port: 2181 },
    ]);
  });

  it.each([
    ['', ''],
    ['   ', ''],
    ['a:1,,b:2', ''],
    ['a:', 'a:'],
    ['a:x', 'a:x'],
    ['a:0', 'a:0'],
    ['a:65536', 'a:65536'],
    ['::1', '::1'],
    ['[::1', '[::1'],
    ['[::1]2181', '[::1]2181'],
    [':2181', ':2181'],
  ])('rejects %j naming the bad part %j', (text, part) => {
    let caught: unknown;
    try {
      parseConnectString(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidConnectStringError);
    expect((caught as InvalidConnectStringError).part.trim()).toBe(part);
  });

  it('rejects an invalid chroot with the path error as cause', () => {
    let caught: unknown;
    try {
      parseConnectString('a:1/app/');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidConnectStringError);
    expect((caught as InvalidConnectStringError).part).toBe('/app/');
    expect((caught as Error).cause).toBeInstanceOf(InvalidPathError);
    expect(() => parseConnectString('a:1/x//y')).toThrow(InvalidConnectStringError);
  });

  it('formats addresses back', () => {
    expect(formatHostAddress({ host: '::1', port: 1 })).toBe('[::1]:1');
    expect(formatHostAddress({ host: 'zk', port: 2181 })).toBe('zk:2181');
  });
});

describe('HostProvider', () => {
  const hosts = [1, 2, 3].map((port) => ({ host: '127.0.0.1', port }));

  it('shuffles once then goes round-robin over every host', () => {
    const provider = new HostProvider(hosts, seededRandom(5));
    expect(provider.size).toBe(3);
    const firstPass = [provider.next(), provider.next(), provider.next()].map((h) => h.port);
    expect([...firstPass].sort()).toEqual([1, 2, 3]);
    const secondPass = [provider.next(), provider.next(), provider.next()].map((h) => h.port);
    expect(secondPass).toEqual(firstPass);
    const again = new HostProvider(hosts, seededRandom(5));
    expect([again.next(), again.next(), again.next()].map((h) => h.port)).toEqual(firstPass);
  });

  it('reports a completed cycle after a full pass without a connection', () => {
    const provider = new HostProvider(hosts, seededRandom(1));
    expect(provider.cycleCompleted).toBe(false);
    provider.next();
    provider.next();
    expect(provider.cycleCompleted).toBe(false);
    provider.next();
    expect(provider.cycleCompleted).toBe(true);
    provider.next();
    expect(provider.cycleCompleted).toBe(false);
    provider.onConnected();
    provider.next();
    provider.next();
    expect(provider.cycleCompleted).toBe(false);
    provider.next();
    expect(provider.cycleCompleted).toBe(true);
  });

  it('a single host completes a cycle on every attempt', () => {
    const provider = new HostProvider([{ host: 'a', port: 1 }]);
    expect(provider.next()).toEqual({ host: 'a', port: 1 });
    expect(provider.cycleCompleted).toBe(true);
  });

  it('does not alias the caller array', () => {
    const mine = [...hosts];
    new HostProvider(mine, seededRandom(2));
    expect(mine).toEqual(hosts);
  });
});

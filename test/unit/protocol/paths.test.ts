import { describe, expect, it } from 'vitest';
import {
  InvalidPathError,
  isValidPath,
  joinPath,
  nodeName,
  normalizeChroot,
  parentPath,
  parseSequence,
  pathProblem,
  prependChroot,
  sequenceSuffix,
  stripChroot,
  validatePath,
} from '../../../src/protocol/paths';

describe('paths: validatePath (Apache PathUtils rules)', () => {
  const valid = [
    '/',
    '/a',
    '/a/b',
    '/a.b',
    '/..a',
    '/.a',
    '/a.',
    '/a..',
    '/...',
    '/a/b.c/d',
    '/\u00a0',
    '/\uf900',
    '/\uffef',
    '/ü/日本',
  ];
  const invalid: [string, RegExp][] = [
    ['', /length must be > 0/],
    ['a', /must start with \//],
    ['/a/', /must not end with \//],
    ['//', /must not end with \//],
    ['/a//b', /empty node name/],
    ['/.', /relative paths/],
    ['/..', /relative paths/],
    ['/a/./b', /relative paths/],
    ['/a/../b', /relative paths/],
    ['/a/.', /relative paths/],
    ['/a/..', /relative paths/],
    ['/a\u0000b', /null character/],
    ['/\u0000', /null character/],
    ['/a\u0001', /invalid character/],
    ['/\u001f', /invalid character/],
    ['/\u007f', /invalid character/],
    ['/\u009f', /invalid character/],
    ['/\ud800', /invalid character/],
    ['/\udfff', /invalid character/],
    ['/😀', /invalid character/],
    ['/\uf8ff', /invalid character/],
    ['/\ufff0', /invalid character/],
    ['/\uffff', /invalid character/],
  ];

  for (const path of valid) {
    it(`accepts ${JSON.stringify(path)}`, () => {
      expect(pathProblem(path)).toBeUndefined();
      expect(isValidPath(path)).toBe(true);
      expect(() => validatePath(path)).not.toThrow();
    });
  }
  for (const [path, reason] of invalid) {
    it(`rejects ${JSON.stringify(path)}`, () => {
      expect(pathProblem(path)).toMatch(reason);
      expect(isValidPath(path)).toBe(false);
      expect(() => validatePath(path)).toThrow(InvalidPathError);
    });
  }

  it('accepts a trailing slash only for sequential creates', () => {
    expect(isValidPath('/queue/', true)).toBe(true);
    expect(isValidPath('/queue/', false)).toBe(false);
    expect(isValidPath('/', true)).toBe(true);
    expect(isValidPath('/a//', true)).toBe(false);
    expect(isValidPath('/a/.', true)).toBe(true);
  });

  it('reports the path and reason on the error', () => {
    try {
      validatePath('/a//b');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidPathError);
      expect((error as InvalidPathError).path).toBe('/a//b');
      expect((error as InvalidPathError).reason).toBe('empty node name specified @3');
    }
  });
});

describe('paths: sequence suffix', () => {
  it("formats like Java's %010d", () => {
    expect(sequenceSuffix(0)).toBe('0000000000');
    expect(sequenceSuffix(7)).toBe('0000000007');
    expect(sequenceSuffix(2147483647)).toBe('2147483647');
    expect(sequenceSuffix(-5)).toBe('-000000005');
    expect(sequenceSuffix(-2147483648)).toBe('-2147483648');
  });

  it('parses a suffix back', () => {
    expect(parseSequence('lock-0000000042')).toBe(42);
    expect(parseSequence('n-000000005')).toBe(-5);
    expect(parseSequence('short')).toBeUndefined();
    expect(parseSequence('abcdefghijk')).toBeUndefined();
  });
});

describe('paths: chroot and helpers', () => {
  it('prepends a chroot', () => {
    expect(prependChroot('/app', '/')).toBe('/app');
    expect(prependChroot('/app', '/a/b')).toBe('/app/a/b');
    expect(prependChroot('', '/a')).toBe('/a');
  });

  it('strips a chroot', () => {
    expect(stripChroot('/app', '/app')).toBe('/');
    expect(stripChroot('/app', '/app/a')).toBe('/a');
    expect(stripChroot('/app', '/apple')).toBe('/apple');
    expect(stripChroot('', '/a')).toBe('/a');
  });

  it('normalises chroots', () => {
    expect(normalizeChroot(undefined)).toBe('');
    expect(normalizeChroot('')).toBe('');
    expect(normalizeChroot('/')).toBe('');
    expect(normalizeChroot('/app')).toBe('/app');
    expect(() => normalizeChroot('/app/')).toThrow(InvalidPathError);
  });

  it('splits and joins paths', () => {
    expect(parentPath('/a/b')).toBe('/a');
    expect(parentPath('/a')).toBe('/');
    expect(parentPath('/')).toBe('');
    expect(nodeName('/a/b')).toBe('b');
    expect(nodeName('/')).toBe('');
    expect(joinPath('/', 'a')).toBe('/a');
    expect(joinPath('/a', 'b')).toBe('/a/b');
  });
});

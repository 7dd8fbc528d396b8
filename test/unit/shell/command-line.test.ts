import { describe, expect, it } from 'vitest';
import {
  commandNames,
  commandSpec,
  parseCommandLine,
  splitStatements,
  tokenize,
} from '../../../server/commands/shell/command-line';
import { parseShellArguments } from '../../../server/commands/shell/shell-command';

describe('shell: tokenize', () => {
  it('splits on whitespace and keeps quoted words whole, without their quotes', () => {
    expect(tokenize('  set /a "two words"  \'x y\' z')).toEqual({
      words: ['set', '/a', 'two words', 'x y', 'z'],
    });
  });
  it('reports an unterminated quote', () => {
    expect(tokenize('set /a "open')).toEqual({ error: 'unterminated " quote' });
  });
  it('gives no words for blank input', () => {
    expect(tokenize(' \t ')).toEqual({ words: [] });
  });
});

describe('shell: parseCommandLine', () => {
  it('parses flags before and after arguments', () => {
    expect(parseCommandLine('removewatches /a -d -l')).toEqual({
      type: 'command',
      command: { name: 'removewatches', flags: { d: true, l: true }, args: ['/a'] },
    });
    expect(parseCommandLine('ls -s -R /a')).toEqual({
      type: 'command',
      command: { name: 'ls', flags: { s: true, R: true }, args: ['/a'] },
    });
  });
  it('parses bundled boolean flags and valued flags as numbers', () => {
    expect(parseCommandLine('create -se /q/item- data')).toEqual({
      type: 'command',
      command: { name: 'create', flags: { s: true, e: true }, args: ['/q/item-', 'data'] },
    });
    expect(parseCommandLine('create -t 5000 /ttl')).toEqual({
      type: 'command',
      command: { name: 'create', flags: { t: 5000 }, args: ['/ttl'] },
    });
    expect(parseCommandLine('set -v 3 /a x')).toEqual({
      type: 'command',
      command: { name: 'set', flags: { v: 3 }, args: ['/a', 'x'] },
    });
  });
  it('treats a negative number as an argument and -- as the end of flags', () => {
    expect(parseCommandLine('set /a -5')).toEqual({
      type: 'command',
      command: { name: 'set', flags: {}, args: ['/a', '-5'] },
    });
    expect(parseCommandLine('set /a -- -x')).toEqual({
      type: 'command',
      command: { name: 'set', flags: {}, args: ['/a', '-x'] },
    });
  });
  it('checks addWatch modes', () => {
    expect(parseCommandLine('addWatch -m PERSISTENT /a')).toEqual({
      type: 'command',
      command: { name: 'addWatch', flags: { m: 'PERSISTENT' }, args: ['/a'] },
    });
    expect(parseCommandLine('addWatch -m FOO /a')).toMatchObject({
      type: 'usage',
      problem: "-m must be one of PERSISTENT, PERSISTENT_RECURSIVE, not 'FOO'",
    });
  });
  it('reports usage problems with the command usage line', () => {
    expect(parseCommandLine('get')).toEqual({
      type: 'usage',
      name: 'get',
      usage: 'get [-s] [-w] path',
      problem: 'missing arguments',
    });
    expect(parseCommandLine('get /a /b')).toMatchObject({ type: 'usage', problem: 'too many arguments' });
    expect(parseCommandLine('get -x /a')).toMatchObject({
      type: 'usage',
      problem: 'Unrecognized option: -x',
    });
    expect(parseCommandLine('set -v x /a d')).toMatchObject({
      type: 'usage',
      problem: "-v needs a number, not 'x'",
    });
    expect(parseCommandLine('delete -v')).toMatchObject({
      type: 'usage',
      problem: 'Missing argument for option: v',
    });
  });
  it('tells unknown commands and empty lines apart', () => {
    expect(parseCommandLine('bogus /a')).toEqual({ type: 'unknown', name: 'bogus' });
    expect(parseCommandLine('   ')).toEqual({ type: 'empty' });
  });
  it('has every zkCli command of the brief', () => {
    const expected = [
      'ls',
      'create',
      'get',
      'set',
      'stat',
      'delete',
      'deleteall',
      'getAcl',
      'setAcl',
      'addauth',
      'sync',
      'getEphemerals',
      'getAllChildrenNumber',
      'addWatch',
      'removewatches',
      'whoami',
      'history',
      'redo',
      'connect',
      'close',
      'quit',
      'help',
    ];
    expect([...commandNames].sort()).toEqual([...expected].sort());
    expect(commandSpec('setAcl')?.usage).toBe('setAcl [-s] [-v version] [-R] path acl');
  });
});

describe('shell: splitStatements', () => {
  it('splits on ; and newlines outside quotes', () => {
    expect(splitStatements('create /a "x;y"; ls /\nget /a;;')).toEqual(['create /a "x;y"', 'ls /', 'get /a']);
  });
});

describe('shell: parseShellArguments', () => {
  it('takes a connect string, repeated --cmd, --file and --timeout', () => {
    expect(
      parseShellArguments(['127.0.0.1:2182', '--cmd', 'ls /; get /a', '--cmd', 'stat /', '--timeout', '900']),
    ).toEqual({
      connectString: '127.0.0.1:2182',
      commands: ['ls /', 'get /a', 'stat /'],
      file: undefined,
      connectionTimeoutMs: 900,
    });
    expect(parseShellArguments(['-server', '127.0.0.1:1', '--file', 's.txt'])).toMatchObject({
      connectString: '127.0.0.1:1',
      file: 's.txt',
    });
  });
  it('defaults to 127.0.0.1:2181 and rejects unknown options', () => {
    expect(parseShellArguments([])).toMatchObject({ connectString: '127.0.0.1:2181', commands: [] });
    expect(parseShellArguments(['--bogus'])).toEqual({ problem: 'unknown option --bogus' });
    expect(parseShellArguments(['--cmd'])).toEqual({ problem: '--cmd needs a value' });
    expect(parseShellArguments(['--help'])).toEqual({ problem: 'help' });
  });
});

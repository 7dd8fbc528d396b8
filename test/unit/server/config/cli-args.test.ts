import { describe, expect, it } from 'vitest';
import { CliArgsError, cliConfigOverrides, parseServerArgs, serverUsage } from '../../../../server/cli-args';
import { configFromOptions, parseConfig } from '../../../../server/config';

function errorOf(argv: string[]): CliArgsError {
  const result = parseServerArgs(argv);
  if (result.type !== 'error') throw new Error(`expected an error, got ${result.type}`);
  return result.error;
}

describe('zookit server flags', () => {
  it('parses every flag, in both --flag value and --flag=value forms', () => {
    const result = parseServerArgs([
      '--port',
      '2181',
      '--host=127.0.0.1',
      '--data-dir',
      './data',
      '--data-log-dir',
      './log',
      '--config',
      'zoo.cfg',
      '--tick-time=2000',
    ]);
    expect(result).toEqual({
      type: 'run',
      options: {
        inMemory: false,
        port: 2181,
        host: '127.0.0.1',
        dataDir: './data',
        dataLogDir: './log',
        configPath: 'zoo.cfg',
        tickTimeMs: 2000,
      },
    });
  });

  it('answers --help with the usage text', () => {
    expect(parseServerArgs(['--port', '1', '--help'])).toEqual({ type: 'help', usage: serverUsage });
    expect(serverUsage).toContain('--in-memory');
  });

  it('returns typed errors that carry the usage', () => {
    const cases: [string[], string, string | undefined][] = [
      [['--port', 'abc', '--in-memory'], "--port expects an integer from 0 to 65535, got 'abc'", '--port'],
      [
        ['--port', '65536', '--in-memory'],
        "--port expects an integer from 0 to 65535, got '65536'",
        '--port',
      ],
      [
        ['--tick-time', '0', '--in-memory'],
        "--tick-time expects an integer from 1 to 2147483647, got '0'",
        '--tick-time',
      ],
      [['--in-memory', '--data-dir'], '--data-dir expects a value', '--data-dir'],
      [['--in-memory', '--verbose'], "unknown option '--verbose'", '--verbose'],
      [['--in-memory', '--in-memory'], '--in-memory given more than once', '--in-memory'],
      [
        ['--in-memory', '--data-dir', 'd'],
        '--in-memory cannot be combined with --data-dir or --data-log-dir',
        '--in-memory',
      ],
      [[], 'give --data-dir <dir>, --config <zoo.cfg>, or --in-memory', undefined],
      [['--host=', '--in-memory'], '--host expects a value, got an empty string', '--host'],
    ];
    for (const [argv, message, flag] of cases) {
      const error = errorOf(argv);
      expect(error).toBeInstanceOf(CliArgsError);
      expect([error.message, error.flag]).toEqual([message, flag]);
      expect(error.usage).toBe(serverUsage);
    }
  });

  it('turns flags into overrides that win over the file', () => {
    const result = parseServerArgs(['--config', 'zoo.cfg', '--port', '3000', '--tick-time', '1000']);
    if (result.type !== 'run') throw new Error('expected run');
    const overrides = cliConfigOverrides(result.options);
    expect(overrides).toEqual({ clientPort: 3000, tickTimeMs: 1000 });
    const { config } = parseConfig('dataDir=/d\nclientPort=2181\ntickTime=2000\n', { overrides });
    expect([config.clientPort, config.tickTimeMs, config.maxSessionTimeoutMs]).toEqual([3000, 1000, 20000]);
  });

  it('builds a config from flags alone', () => {
    const result = parseServerArgs(['--in-memory', '--host', '127.0.0.1']);
    if (result.type !== 'run') throw new Error('expected run');
    const config = configFromOptions(cliConfigOverrides(result.options));
    expect([config.clientPort, config.clientPortAddress, config.dataDir]).toEqual([
      2181,
      '127.0.0.1',
      undefined,
    ]);
  });
});

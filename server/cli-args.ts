/**
 * `zookit server` flags: argv in, options (or a typed error carrying the usage text) out.
 * Pure: reading `--config` is the caller's job (`loadConfigFile` in ./config), with
 * {@link cliConfigOverrides} as overrides, so flags win over the file.
 */
import type { ServerConfigOptions } from './config';

/** Help text for `zookit server`. */
export const serverUsage = [
  'Usage: zookit server [options]',
  '',
  'Options:',
  '  --port <n>            client port (default 2181; 0 = any free port)',
  '  --host <address>      address to listen on (default: all interfaces)',
  '  --data-dir <dir>      snapshot directory (zoo.cfg dataDir)',
  '  --data-log-dir <dir>  transaction log directory (default: the data dir)',
  '  --config <zoo.cfg>    read an Apache ZooKeeper configuration file; flags override it',
  '  --tick-time <ms>      tick length in milliseconds (default 3000)',
  '  --in-memory           keep no data on disk',
  '  --help                show this message',
].join('\n');

/** What the flags asked for. Absent fields were not given. */
export interface ServerCliOptions {
  readonly port?: number;
  readonly host?: string;
  readonly dataDir?: string;
  readonly dataLogDir?: string;
  readonly configPath?: string;
  readonly tickTimeMs?: number;
  readonly inMemory: boolean;
}

/** A command line that cannot be run. `usage` is the text to print with it. */
export class CliArgsError extends Error {
  override readonly name = 'CliArgsError';
  readonly flag: string | undefined;
  readonly usage = serverUsage;

  constructor(message: string, flag?: string) {
    super(message);
    this.flag = flag;
  }
}

/** Result of {@link parseServerArgs}. */
export type ServerArgs =
  | { readonly type: 'run'; readonly options: ServerCliOptions }
  | { readonly type: 'help'; readonly usage: string }
  | { readonly type: 'error'; readonly error: CliArgsError };

type ValueFlag = '--port' | '--host' | '--data-dir' | '--data-log-dir' | '--config' | '--tick-time';
const valueFlags: readonly ValueFlag[] = [
  '--port',
  '--host',
  '--data-dir',
  '--data-log-dir',
  '--config',
  '--tick-time',
];

function isValueFlag(flag: string): flag is ValueFlag {
  return (valueFlags as readonly string[]).includes(flag);
}

function parseIntegerFlag(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new CliArgsError(`${flag} expects an integer from ${min} to ${max}, got '${text}'`, flag);
  }
  return Number(text);
}

function nonEmpty(flag: string, text: string): string {
  if (text.trim() === '') throw new CliArgsError(`${flag} expects a value, got an empty string`, flag);
  return text;
}

type MutableOptions = { -readonly [K in keyof ServerCliOptions]: ServerCliOptions[K] };

function applyValue(options: MutableOptions, flag: ValueFlag, value: string): void {
  switch (flag) {
    case '--port':
      options.port = parseIntegerFlag(flag, value, 0, 65535);
      return;
    case '--tick-time':
      options.tickTimeMs = parseIntegerFlag(flag, value, 1, 0x7fffffff);
      return;
    case '--host':
      options.host = nonEmpty(flag, value);
      return;
    case '--data-dir':
      options.dataDir = nonEmpty(flag, value);
      return;
    case '--data-log-dir':
      options.dataLogDir = nonEmpty(flag, value);
      return;
    case '--config':
      options.configPath = nonEmpty(flag, value);
      return;
  }
}

/** Splits `--flag=value` into its parts; other arguments come back unchanged. */
function splitInlineValue(argument: string): [string, string | undefined] {
  const equals = argument.indexOf('=');
  if (!argument.startsWith('--') || equals < 0) return [argument, undefined];
  return [argument.slice(0, equals), argument.slice(equals + 1)];
}

function parseOrThrow(argv: readonly string[]): ServerArgs {
  const options: MutableOptions = { inMemory: false };
  const seen = new Set<string>();
  for (let index = 0; index < argv.length; index++) {
    const [flag, inline] = splitInlineValue(argv[index] as string);
    if (flag === '--help' || flag === '-h') return { type: 'help', usage: serverUsage };
    if (seen.has(flag)) throw new CliArgsError(`${flag} given more than once`, flag);
    seen.add(flag);
    if (flag === '--in-memory') {
      if (inline !== undefined) throw new CliArgsError('--in-memory takes no value', flag);
      options.inMemory = true;
    } else if (isValueFlag(flag)) {
      const value = inline ?? argv[++index];
      if (value === undefined) throw new CliArgsError(`${flag} expects a value`, flag);
      applyValue(options, flag, value);
    } else {
      throw new CliArgsError(`unknown option '${flag}'`, flag);
    }
  }
  if (options.inMemory && (options.dataDir !== undefined || options.dataLogDir !== undefined)) {
    throw new CliArgsError('--in-memory cannot be combined with --data-dir or --data-log-dir', '--in-memory');
  }
  if (!options.inMemory && options.dataDir === undefined && options.configPath === undefined) {
    throw new CliArgsError('give --data-dir <dir>, --config <zoo.cfg>, or --in-memory');
  }
  return { type: 'run', options };
}

/** Parses `zookit server` arguments (without the `server` word). Never throws. */
export function parseServerArgs(argv: readonly string[]): ServerArgs {
  try {
    return parseOrThrow(argv);
  } catch (error) {
    if (error instanceof CliArgsError) return { type: 'error', error };
    throw error;
  }
}

/**
 * The flags as configuration overrides (for `parseConfig`/`loadConfigFile`'s `overrides`, or
 * `configFromOptions` when there is no file). `inMemory` goes to the parse options instead.
 */
export function cliConfigOverrides(options: ServerCliOptions): ServerConfigOptions {
  const overrides: ServerConfigOptions = {};
  if (options.port !== undefined) overrides.clientPort = options.port;
  if (options.host !== undefined) overrides.clientPortAddress = options.host;
  if (options.dataDir !== undefined) overrides.dataDir = options.dataDir;
  if (options.dataLogDir !== undefined) overrides.dataLogDir = options.dataLogDir;
  if (options.tickTimeMs !== undefined) overrides.tickTimeMs = options.tickTimeMs;
  return overrides;
}

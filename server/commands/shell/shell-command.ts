/**
 * `zookit shell [connectString]`: an interactive ZooKeeper shell with zkCli's commands, or a
 * batch runner for `--cmd`, `--file` and piped input. Batch runs print command output on
 * stdout, errors on stderr, and exit 1 if any command failed.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { splitStatements } from './command-line';
import { runInteractive } from './interactive';
import { type ShellOutput, ShellSession } from './shell-session';

/** The default server, as zkCli's. */
export const defaultConnectString = '127.0.0.1:2181';
/** Lines a batch run executes at most (a runaway generator piped in still ends). */
export const batchLinesMax = 1_000_000;

/** `zookit shell`'s usage text. */
export const shellUsage = [
  'Usage: zookit shell [connectString] [options]',
  '',
  '  connectString         host:port[,host:port...][/chroot] (default 127.0.0.1:2181;',
  '                        zkCli\'s "-server host:port" works too)',
  '  --cmd "cmd; cmd"      run commands and exit (repeatable; ; separates commands)',
  '  --file script.txt     run the commands of a file and exit',
  '  --timeout ms          connection timeout (default 5000)',
  '  -h, --help            show this message',
  '',
  'Without --cmd or --file, commands are read from stdin when it is not a terminal.',
  'History is kept in ~/.zookit_history (or $ZOOKIT_HISTORY). Type "help" in the shell.',
].join('\n');

/** Parsed `zookit shell` arguments. */
export interface ShellArguments {
  connectString: string;
  commands: string[];
  file: string | undefined;
  connectionTimeoutMs: number | undefined;
}

/** Parses `zookit shell` arguments; a string result is a usage problem (or `help`). */
export function parseShellArguments(argv: readonly string[]): ShellArguments | { problem: string } {
  const parsed: ShellArguments = {
    connectString: defaultConnectString,
    commands: [],
    file: undefined,
    connectionTimeoutMs: undefined,
  };
  let connectStringSeen = false;
  for (let index = 0; index < argv.length; index += 1) {
    const word = argv[index] as string;
    const value = (): string => {
      index += 1;
      const next = argv[index];
      if (next === undefined) throw new Error(`${word} needs a value`);
      return next;
    };
    try {
      if (word === '-h' || word === '--help') return { problem: 'help' };
      if (word === '--cmd' || word === '-c') parsed.commands.push(...splitStatements(value()));
      else if (word === '--file' || word === '-f') parsed.file = value();
      else if (word === '--timeout') {
        const text = value();
        if (!/^\d+$/.test(text) || Number(text) <= 0)
          throw new Error('--timeout needs a positive number of ms');
        parsed.connectionTimeoutMs = Number(text);
      } else if (word === '-server' || word === '--server') {
        parsed.connectString = value();
        connectStringSeen = true;
      } else if (word.startsWith('-')) throw new Error(`unknown option ${word}`);
      else if (connectStringSeen) throw new Error(`unexpected argument ${word}`);
      else {
        parsed.connectString = word;
        connectStringSeen = true;
      }
    } catch (error) {
      return { problem: error instanceof Error ? error.message : String(error) };
    }
  }
  return parsed;
}

const standardOutput: ShellOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

async function* stdinLines(): AsyncGenerator<string> {
  const reader = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of reader) yield line;
  } finally {
    reader.close();
  }
}

async function* listLines(lines: readonly string[]): AsyncGenerator<string> {
  yield* lines;
}

/** Runs commands without a terminal; exit code 1 if connecting or any command failed. */
export async function runBatch(
  connectString: string,
  lines: AsyncIterable<string>,
  options: { connectionTimeoutMs?: number } = {},
): Promise<number> {
  const clientOptions =
    options.connectionTimeoutMs === undefined ? {} : { connectionTimeoutMs: options.connectionTimeoutMs };
  const session = new ShellSession(connectString, {
    output: standardOutput,
    announceStates: false,
    clientOptions,
  });
  try {
    await session.connect();
  } catch (error) {
    process.stderr.write(
      `Cannot connect to ${connectString}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    await session.close();
    return 1;
  }
  let failed = false;
  let count = 0;
  try {
    for await (const line of lines) {
      count += 1;
      if (count > batchLinesMax) throw new Error(`more than ${batchLinesMax} lines`);
      const outcome = await session.execute(line);
      if (outcome === 'failed') failed = true;
      if (outcome === 'quit') break;
    }
  } finally {
    await session.close();
  }
  return failed ? 1 : 0;
}

/** The `zookit shell` command. */
export async function shellCommand(argv: string[]): Promise<number> {
  const parsed = parseShellArguments(argv);
  if ('problem' in parsed) {
    if (parsed.problem === 'help') {
      process.stdout.write(`${shellUsage}\n`);
      return 0;
    }
    process.stderr.write(`zookit shell: ${parsed.problem}\n${shellUsage}\n`);
    return 2;
  }
  const options =
    parsed.connectionTimeoutMs === undefined ? {} : { connectionTimeoutMs: parsed.connectionTimeoutMs };
  if (parsed.commands.length > 0 || parsed.file !== undefined) {
    const fromFile = parsed.file === undefined ? [] : (await readFile(parsed.file, 'utf8')).split('\n');
    return runBatch(parsed.connectString, listLines([...parsed.commands, ...fromFile]), options);
  }
  if (!process.stdin.isTTY) return runBatch(parsed.connectString, stdinLines(), options);
  return runInteractive(parsed.connectString, { clientOptions: options });
}

/**
 * Parsing a shell line into a command: zkCli's command names, flags and usage lines.
 * Pure functions: no client, no I/O. The executor interprets the parsed result.
 *
 * Tokens follow zkCli's rule: whitespace separates words, and a word that starts with a
 * quote runs to the matching quote (the quotes are removed), so `set /a "two words"` works.
 * Flags may appear before or after the positional arguments (`removewatches /a -d`), boolean
 * flags may be bundled (`create -se /q/item-`), and `--` ends the flags.
 */

/** How a flag takes its value. */
type FlagKind = 'boolean' | 'integer' | readonly string[];

/** One command: its usage line (as zkCli prints it), flags and positional argument counts. */
export interface CommandSpec {
  readonly name: string;
  readonly usage: string;
  /** A one-line description for `help`. */
  readonly summary: string;
  readonly flags: Readonly<Record<string, FlagKind>>;
  readonly argumentsMin: number;
  readonly argumentsMax: number;
}

/** Modes of `addWatch -m`. */
export const addWatchModes = ['PERSISTENT', 'PERSISTENT_RECURSIVE'] as const;

function spec(
  name: string,
  usage: string,
  summary: string,
  flags: Record<string, FlagKind>,
  argumentsMin: number,
  argumentsMax: number,
): CommandSpec {
  return { name, usage, summary, flags, argumentsMin, argumentsMax };
}

/** Every shell command, in the order `help` lists them (zkCli's alphabetical order). */
export const commandSpecs: readonly CommandSpec[] = [
  spec(
    'addWatch',
    'addWatch [-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE',
    'add a persistent watch',
    { m: addWatchModes },
    1,
    1,
  ),
  spec('addauth', 'addauth scheme auth', 'add a credential to the session', {}, 2, 2),
  spec('close', 'close ', 'close the session', {}, 0, 0),
  spec('connect', 'connect host:port', 'connect to another server (closes this session)', {}, 0, 1),
  spec(
    'create',
    'create [-s] [-e] [-c] [-t ttl] path [data] [acl]',
    'create a node',
    { s: 'boolean', e: 'boolean', c: 'boolean', t: 'integer' },
    1,
    3,
  ),
  spec('delete', 'delete [-v version] path', 'delete a node', { v: 'integer' }, 1, 1),
  spec('deleteall', 'deleteall path', 'delete a node and its subtree', {}, 1, 1),
  spec('get', 'get [-s] [-w] path', "print a node's data", { s: 'boolean', w: 'boolean' }, 1, 1),
  spec('getAcl', 'getAcl [-s] path', "print a node's ACL", { s: 'boolean' }, 1, 1),
  spec('getAllChildrenNumber', 'getAllChildrenNumber path', 'count all descendants', {}, 1, 1),
  spec('getEphemerals', 'getEphemerals path', "this session's ephemeral nodes", {}, 0, 1),
  spec('help', 'help ', 'show this list', {}, 0, 1),
  spec('history', 'history ', 'show the last commands', {}, 0, 0),
  spec(
    'ls',
    'ls [-s] [-w] [-R] path',
    "list a node's children",
    { s: 'boolean', w: 'boolean', R: 'boolean' },
    1,
    1,
  ),
  spec('quit', 'quit ', 'close the session and leave', {}, 0, 0),
  spec('redo', 'redo cmdno', 'run a command from the history again', {}, 1, 1),
  spec(
    'removewatches',
    'removewatches path [-c|-d|-a] [-l]',
    'remove watches',
    { c: 'boolean', d: 'boolean', a: 'boolean', l: 'boolean' },
    1,
    1,
  ),
  spec('set', 'set [-s] [-v version] path data', "set a node's data", { s: 'boolean', v: 'integer' }, 2, 2),
  spec(
    'setAcl',
    'setAcl [-s] [-v version] [-R] path acl',
    "set a node's ACL",
    { s: 'boolean', v: 'integer', R: 'boolean' },
    2,
    2,
  ),
  spec('stat', 'stat [-w] path', "print a node's Stat", { w: 'boolean' }, 1, 1),
  spec('sync', 'sync path', 'sync the server with the leader', {}, 1, 1),
  spec('whoami', 'whoami ', "the session's identities", {}, 0, 0),
];

const specsByName = new Map(commandSpecs.map((command) => [command.name, command]));

/** The names of every command (for completion). */
export const commandNames: readonly string[] = commandSpecs.map((command) => command.name);

/** The spec of `name`, if it is a command. */
export function commandSpec(name: string): CommandSpec | undefined {
  return specsByName.get(name);
}

/** A parsed command: its name, its flags (`true` or the flag's value) and positional arguments. */
export interface ParsedCommand {
  readonly name: string;
  readonly flags: Readonly<Record<string, true | string | number>>;
  readonly args: readonly string[];
}

/** The outcome of {@link parseCommandLine}, a union on `type`. */
export type ParseResult =
  | { type: 'empty' }
  | { type: 'command'; command: ParsedCommand }
  | { type: 'unknown'; name: string }
  | { type: 'usage'; name: string; usage: string; problem: string };

/** Upper bound on words in one line (a pasted blob is still bounded work). */
const wordsMax = 10_000;

/**
 * Splits a line into words by zkCli's rule (see the module doc). Returns the words, or a
 * message for an unterminated quote.
 */
export function tokenize(line: string): { words: string[] } | { error: string } {
  const words: string[] = [];
  let index = 0;
  while (index < line.length && words.length < wordsMax) {
    const char = line[index] as string;
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    if (char === '"' || char === "'") {
      const end = line.indexOf(char, index + 1);
      if (end === -1) return { error: `unterminated ${char} quote` };
      words.push(line.slice(index + 1, end));
      index = end + 1;
      continue;
    }
    let end = index;
    while (end < line.length && !/\s/.test(line[end] as string)) end += 1;
    words.push(line.slice(index, end));
    index = end;
  }
  return { words };
}

/** A word that names flags: `-x`, `-xy`; not `-5` (a negative number is an argument) or `-`. */
function looksLikeFlag(word: string): boolean {
  return /^-[A-Za-z]+$/.test(word);
}

function flagValue(kind: FlagKind, flag: string, value: string | undefined): string | number {
  if (value === undefined) throw new Error(`Missing argument for option: ${flag}`);
  if (kind === 'integer') {
    if (!/^-?\d+$/.test(value)) throw new Error(`-${flag} needs a number, not '${value}'`);
    return Number(value);
  }
  if (Array.isArray(kind) && !kind.includes(value))
    throw new Error(`-${flag} must be one of ${kind.join(', ')}, not '${value}'`);
  return value;
}

/** Splits `words` (after the command name) into flags and arguments; throws a message. */
function splitFlags(command: CommandSpec, words: readonly string[]): ParsedCommand {
  const flags: Record<string, true | string | number> = {};
  const args: string[] = [];
  let flagsEnded = false;
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index] as string;
    if (!flagsEnded && word === '--') {
      flagsEnded = true;
      continue;
    }
    if (flagsEnded || !looksLikeFlag(word)) {
      args.push(word);
      continue;
    }
    const letters = word.slice(1);
    for (const [position, letter] of [...letters].entries()) {
      const kind = command.flags[letter];
      if (kind === undefined) throw new Error(`Unrecognized option: -${letter}`);
      if (kind === 'boolean') {
        flags[letter] = true;
        continue;
      }
      // A valued flag takes the rest of the bundle (`-t5000`) or the next word.
      const rest = letters.slice(position + 1);
      if (rest.length > 0) flags[letter] = flagValue(kind, letter, rest);
      else {
        index += 1;
        flags[letter] = flagValue(kind, letter, words[index]);
      }
      break;
    }
  }
  return { name: command.name, flags, args };
}

/** Parses one line of shell input. */
export function parseCommandLine(line: string): ParseResult {
  const tokens = tokenize(line);
  if ('error' in tokens) return { type: 'usage', name: '', usage: '', problem: tokens.error };
  const [name, ...rest] = tokens.words;
  if (name === undefined) return { type: 'empty' };
  const command = commandSpec(name);
  if (command === undefined) return { type: 'unknown', name };
  let parsed: ParsedCommand;
  try {
    parsed = splitFlags(command, rest);
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error);
    return { type: 'usage', name, usage: command.usage, problem };
  }
  if (parsed.args.length < command.argumentsMin || parsed.args.length > command.argumentsMax) {
    const problem = parsed.args.length < command.argumentsMin ? 'missing arguments' : 'too many arguments';
    return { type: 'usage', name, usage: command.usage, problem };
  }
  return { type: 'command', command: parsed };
}

/** Splits `--cmd` text into lines at `;` outside quotes (`create /a "x;y"; ls /`). */
export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const char of text) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      current += char;
    } else if (char === ';' || char === '\n') {
      statements.push(current);
      current = '';
    } else current += char;
  }
  statements.push(current);
  return statements.map((statement) => statement.trim()).filter((statement) => statement.length > 0);
}

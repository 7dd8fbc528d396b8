/**
 * A small datadriven test format after cockroachdb/datadriven (used by etcd-io/raft):
 *
 *   # comments
 *   command key=value key=value
 *   ----
 *   expected output lines
 *   (a blank line ends the block)
 *
 * `ZAB_REWRITE=1 npx vitest run test/zab` (or `--rewrite` via the env var) regenerates the
 * expected output in place, keeping commands and comments.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** One parsed command. */
export interface TestCommand {
  readonly name: string;
  readonly args: ReadonlyMap<string, string>;
  /** Bare words after the name (flags without `=`). */
  readonly flags: readonly string[];
  readonly line: number;
  readonly text: string;
}

/** One block of a file. */
interface Block {
  readonly comments: string[];
  readonly command: TestCommand;
  readonly expected: string;
}

/** Parses `name a=1 b=x flag`. */
export function parseCommand(text: string, line: number): TestCommand {
  const words = text.trim().split(/\s+/);
  const name = words.shift() ?? '';
  const args = new Map<string, string>();
  const flags: string[] = [];
  for (const word of words) {
    const equals = word.indexOf('=');
    if (equals > 0) args.set(word.slice(0, equals), word.slice(equals + 1));
    else flags.push(word);
  }
  return { name, args, flags, line, text: text.trim() };
}

function parseFile(content: string): { blocks: Block[]; trailing: string[] } {
  const lines = content.split('\n');
  const blocks: Block[] = [];
  let comments: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line.startsWith('#') || line.trim() === '') {
      if (line.trim() !== '' || comments.length > 0) comments.push(line);
      continue;
    }
    const command = parseCommand(line, index + 1);
    if (lines[index + 1] !== '----') throw new Error(`line ${index + 2}: expected ---- after a command`);
    index += 2;
    const output: string[] = [];
    while (index < lines.length && (lines[index] ?? '') !== '') output.push(lines[index++] ?? '');
    blocks.push({ comments: trimBlank(comments), command, expected: output.join('\n') });
    comments = [];
  }
  return { blocks, trailing: trimBlank(comments) };
}

function trimBlank(lines: string[]): string[] {
  const result = lines.slice();
  while (result.length > 0 && result.at(-1)?.trim() === '') result.pop();
  return result;
}

/** True when the expected outputs should be rewritten. */
export function rewriting(): boolean {
  return process.env.ZAB_REWRITE === '1' || process.argv.includes('--rewrite');
}

/**
 * Runs every command of `path` through `run` and returns mismatches; with rewrite on, writes
 * the actual outputs back instead.
 */
export function runDataDriven(
  path: string,
  run: (command: TestCommand) => string,
): Array<{ command: TestCommand; expected: string; actual: string }> {
  const { blocks, trailing } = parseFile(readFileSync(path, 'utf8'));
  const mismatches: Array<{ command: TestCommand; expected: string; actual: string }> = [];
  const rewritten: string[] = [];
  for (const block of blocks) {
    let actual = run(block.command).trimEnd();
    if (actual === '') actual = 'ok';
    if (actual !== block.expected)
      mismatches.push({ command: block.command, expected: block.expected, actual });
    rewritten.push(...block.comments, block.command.text, '----', actual, '');
  }
  rewritten.push(...trailing);
  if (rewriting()) writeFileSync(path, `${rewritten.join('\n').trimEnd()}\n`);
  return rewriting() ? [] : mismatches;
}

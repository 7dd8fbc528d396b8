/**
 * The interactive shell: node:readline editing with zkCli's prompt, history kept across runs
 * in a file, tab completion of commands and znode paths, and watch events printed above the
 * prompt as they arrive. Thin by design: parsing, formatting and completion are pure modules.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import { completeLine } from './completion';
import { type ShellOutput, ShellSession, type ShellSessionOptions } from './shell-session';

/** Lines kept in the history file. */
export const historyLinesMax = 1000;
/** How long completion waits for the server's children list. */
export const completionTimeoutMs = 2_000;

/** The history file: `$ZOOKIT_HISTORY`, else `~/.zookit_history`. */
export function historyFilePath(environment: NodeJS.ProcessEnv = process.env): string {
  const configured = environment.ZOOKIT_HISTORY;
  return configured !== undefined && configured !== '' ? configured : join(homedir(), '.zookit_history');
}

/** Reads the history file, oldest line first; a missing or unreadable file is an empty history. */
export function loadHistory(file: string): string[] {
  try {
    const lines = readFileSync(file, 'utf8').split('\n');
    return lines.filter((line) => line.trim() !== '').slice(-historyLinesMax);
  } catch {
    return [];
  }
}

function saveHistory(file: string, newestFirst: readonly string[]): void {
  const lines = newestFirst.slice(0, historyLinesMax).reverse();
  try {
    writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  } catch {
    // An unwritable history file must not break the shell.
  }
}

/** Output that keeps the prompt and the typed text intact around asynchronous lines. */
class PromptAwareOutput implements ShellOutput {
  reader: Interface | undefined;
  waitingForInput = false;
  /** The prompt to redraw (it shows the connection state, which may just have changed). */
  prompt: () => string = () => '';

  out(line: string): void {
    this.write(process.stdout, line);
  }

  err(line: string): void {
    this.write(process.stderr, line);
  }

  private write(stream: NodeJS.WriteStream, line: string): void {
    const reader = this.reader;
    if (reader === undefined || !this.waitingForInput) {
      stream.write(`${line}\n`);
      return;
    }
    clearLine(process.stdout, 0);
    cursorTo(process.stdout, 0);
    stream.write(`${line}\n`);
    reader.setPrompt(this.prompt());
    reader.prompt(true);
  }
}

/** Runs the interactive shell until `quit`, Ctrl-D or Ctrl-C; returns the exit code. */
export async function runInteractive(
  connectString: string,
  options: Omit<ShellSessionOptions, 'output' | 'announceStates'>,
): Promise<number> {
  const output = new PromptAwareOutput();
  const session = new ShellSession(connectString, { ...options, output, announceStates: true });
  const historyFile = historyFilePath();
  const reader = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    history: loadHistory(historyFile).reverse(),
    historySize: historyLinesMax,
    completer: (line: string, callback: (error: Error | null, result: [string[], string]) => void) => {
      const client = session.currentClient;
      const listChildren = (path: string) =>
        client === undefined
          ? Promise.resolve([])
          : client.getChildren(path, { signal: AbortSignal.timeout(completionTimeoutMs) });
      completeLine(line, listChildren).then(
        (result) => callback(null, result),
        () => callback(null, [[], line]),
      );
    },
  });
  output.reader = reader;
  output.prompt = () => session.prompt;
  reader.on('history', (newestFirst: string[]) => saveHistory(historyFile, newestFirst));
  reader.on('SIGINT', () => reader.close());
  process.stdout.write(`Connecting to ${connectString}\nWelcome to zookit!\n`);
  // Connect in the background: the prompt comes up at once, the state shows in it.
  const connecting = session.connect().catch((error: unknown) => {
    output.err(`${error instanceof Error ? error.message : String(error)}`);
  });
  const lines = reader[Symbol.asyncIterator]();
  try {
    for (let turn = 0; ; turn += 1) {
      reader.setPrompt(session.prompt);
      output.waitingForInput = true;
      reader.prompt();
      const next = await lines.next();
      output.waitingForInput = false;
      if (next.done === true) break;
      if (turn === 0) await connecting;
      if ((await session.execute(next.value)) === 'quit') break;
    }
  } finally {
    output.waitingForInput = false;
    reader.close();
    await connecting;
    await session.close();
  }
  return 0;
}

/**
 * One shell session: the client it talks through, zkCli's numbered command history, and the
 * shell-level commands (`help`, `history`, `redo`, `connect`, `close`, `quit`). Used by the
 * interactive REPL and by batch runs alike; output goes through a {@link ShellOutput} port
 * so the REPL can redraw its prompt around asynchronous watch events.
 */
import { ZooKit, type ZooKitClient } from '../../../src/client/client';
import { RetryNTimes } from '../../../src/client/retry-policy';
import type { ClientOptions, PersistentWatch, WatchEvent } from '../../../src/types';
import { commandSpecs, type ParsedCommand, parseCommandLine } from './command-line';
import { formatError, formatStateEvent, formatWatchEvent } from './output-format';
import { type CommandContext, ShellUsageError, znodeCommands } from './znode-commands';

/** Where the shell writes: whole lines, without their newline. */
export interface ShellOutput {
  out(line: string): void;
  err(line: string): void;
}

/** Options of {@link ShellSession}. */
export interface ShellSessionOptions {
  readonly output: ShellOutput;
  /** Print connection state changes (zkCli's `None` events); interactive sessions do. */
  readonly announceStates: boolean;
  /** Client options (timeouts, retry policy); defaults suit a person at a terminal. */
  readonly clientOptions?: ClientOptions;
}

/** What one line did. */
export type LineOutcome = 'ok' | 'failed' | 'quit';

/** zkCli's `history` shows the current command and the ten before it. */
export const historyShownCount = 11;

/** Client defaults for a shell: fail fast while the server is away instead of retrying for long. */
export const shellClientDefaults: ClientOptions = {
  sessionTimeoutMs: 30_000,
  connectionTimeoutMs: 5_000,
  retryPolicy: new RetryNTimes({ n: 1, sleepMsBetweenRetries: 500 }),
};

/** A shell session; see the module doc. */
export class ShellSession {
  private client: ZooKitClient | undefined;
  private connectStringValue: string;
  private readonly history = new Map<number, string>();
  private commandCount = 0;
  /** True from `connect()` until its client exists, so the prompt says CONNECTING, not CLOSED. */
  private opening = false;
  private readonly persistentWatches = new Set<PersistentWatch>();
  private readonly options: ShellSessionOptions;

  constructor(connectString: string, options: ShellSessionOptions) {
    this.connectStringValue = connectString;
    this.options = options;
  }

  /** The connect string in use. */
  get connectString(): string {
    return this.connectStringValue;
  }

  /** The current client, for completion; undefined after `close`. */
  get currentClient(): ZooKitClient | undefined {
    return this.client;
  }

  /** zkCli's prompt: `[zk: 127.0.0.1:2181(CONNECTED) 3] `, with zookit's state names. */
  get prompt(): string {
    const idle = this.opening ? 'CONNECTING' : 'CLOSED';
    const state = this.client === undefined ? idle : (this.client.state ?? 'CONNECTING');
    return `[zk: ${this.connectStringValue}(${state}) ${this.commandCount}] `;
  }

  /** Opens a client for `connectString` (closing the current one); resolves once connected. */
  async connect(connectString = this.connectStringValue): Promise<void> {
    this.opening = true;
    let client: ZooKitClient;
    try {
      await this.closeClient();
      this.connectStringValue = connectString;
      client = ZooKit.newClient(connectString, { ...shellClientDefaults, ...this.options.clientOptions });
      this.client = client;
    } finally {
      this.opening = false;
    }
    client.on('stateChanged', (state) => {
      if (this.options.announceStates) this.print(formatStateEvent(state));
      else if (state !== 'CONNECTED') this.printError(formatStateEvent(state));
    });
    client.on('error', (error) => this.printError([formatError(error, undefined)]));
    await client.start();
  }

  /** Runs one line; empty lines and `#` comments do nothing and are not recorded. */
  async execute(line: string): Promise<LineOutcome> {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) return 'ok';
    const index = this.commandCount;
    this.commandCount += 1;
    this.history.set(index, text);
    return this.dispatch(text, index);
  }

  /** Closes the client (its ephemerals go); the session can `connect` again. */
  async close(): Promise<void> {
    await this.closeClient();
  }

  private async dispatch(text: string, index: number): Promise<LineOutcome> {
    const parsed = parseCommandLine(text);
    switch (parsed.type) {
      case 'empty':
        return 'ok';
      case 'unknown':
        this.printError([`Command not found: ${parsed.name}`, "Type 'help' for the list of commands."]);
        return 'failed';
      case 'usage':
        this.printError(parsed.usage === '' ? [parsed.problem] : [parsed.problem, parsed.usage]);
        return 'failed';
      case 'command':
        return this.run(parsed.command, index);
    }
  }

  private async run(command: ParsedCommand, index: number): Promise<LineOutcome> {
    try {
      switch (command.name) {
        case 'help':
          this.print(helpLines());
          return 'ok';
        case 'history':
          this.print(this.historyLines(index));
          return 'ok';
        case 'redo':
          return await this.redo(command.args[0] ?? '', index);
        case 'connect':
          await this.connect(command.args[0] ?? this.connectStringValue);
          return 'ok';
        case 'close':
          await this.closeClient();
          return 'ok';
        case 'quit':
          await this.closeClient();
          return 'quit';
      }
      const handler = znodeCommands[command.name];
      if (handler === undefined) throw new ShellUsageError(`Command not found: ${command.name}`);
      if (this.client === undefined) throw new ShellUsageError('Not connected');
      await handler(this.context(this.client), command);
      return 'ok';
    } catch (error) {
      const message = error instanceof ShellUsageError ? error.message : formatError(error, command.args[0]);
      this.printError([message]);
      return 'failed';
    }
  }

  private async redo(argument: string, index: number): Promise<LineOutcome> {
    const target = /^\d+$/.test(argument) ? this.history.get(Number(argument)) : undefined;
    if (target === undefined || Number(argument) >= index)
      throw new ShellUsageError('Command index out of range');
    if (target.split(/\s+/)[0] === 'redo') throw new ShellUsageError('No redoing redos');
    // zkCli records the command that ran, not the `redo` line.
    this.history.set(index, target);
    return this.dispatch(target, index);
  }

  private historyLines(index: number): string[] {
    const lines: string[] = [];
    for (let number = Math.max(0, index - historyShownCount + 1); number <= index; number += 1) {
      const line = this.history.get(number);
      if (line !== undefined) lines.push(`${number} - ${line}`);
    }
    return lines;
  }

  private context(client: ZooKitClient): CommandContext {
    return {
      client,
      out: (lines) => this.print(lines),
      watcher: (event) => this.printWatchEvent(event),
      followPersistentWatch: (watch) => this.follow(watch),
    };
  }

  private follow(watch: PersistentWatch): void {
    this.persistentWatches.add(watch);
    void (async () => {
      try {
        for await (const event of watch) this.printWatchEvent(event);
      } finally {
        this.persistentWatches.delete(watch);
      }
    })();
  }

  private printWatchEvent(event: WatchEvent): void {
    // Closing prints one `Closed` state event; the watches it ends need not repeat it.
    if (event.type === 'NotWatching' && event.reason === 'closed') return;
    this.print(formatWatchEvent(event));
  }

  private async closeClient(): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    this.client = undefined;
    await Promise.allSettled([...this.persistentWatches].map((watch) => watch.close()));
    await client.close();
    if (this.options.announceStates) this.print(formatStateEvent('CLOSED'));
  }

  private print(lines: readonly string[]): void {
    for (const line of lines) this.options.output.out(line);
  }

  private printError(lines: readonly string[]): void {
    for (const line of lines) this.options.output.err(line);
  }
}

/** `help`'s text: how to start the shell, then every command's usage line. */
export function helpLines(): string[] {
  return [
    'zookit shell [connectString] [--cmd "command; ..."] [--file script]',
    ...commandSpecs.map((command) => `\t${command.usage}`),
  ];
}

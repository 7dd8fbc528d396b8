/**
 * The interactive shell end to end in a real terminal: tmux runs `zookit shell` on a private
 * socket; the test types with send-keys (Tab completion of a command and of znode paths),
 * changes a watched node from another client, and reads the screen with capture-pane.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestingServer } from '../../../server/testing/testing-server';
import { ZooKit, type ZooKitClient } from '../../../src/index';
import { repositoryRoot } from './fixtures/run-cli';

const socketName = `zookit-test-${process.pid}`;
const waitMs = 15_000;
const pollMs = 100;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', socketName, ...args], {
    encoding: 'utf8',
    timeout: 10_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function screen(): string {
  return tmux('capture-pane', '-p', '-t', 'shell', '-S', '-200');
}

/** Polls the screen until `pattern` shows, for at most {@link waitMs}. */
async function waitForScreen(pattern: RegExp): Promise<string> {
  const deadline = Date.now() + waitMs;
  let text = '';
  while (Date.now() < deadline) {
    text = screen();
    if (pattern.test(text)) return text;
    await sleep(pollMs);
  }
  throw new Error(`screen never showed ${pattern}:\n${text}`);
}

function sessionAlive(): boolean {
  try {
    tmux('has-session', '-t', 'shell');
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline && sessionAlive()) await sleep(pollMs);
  expect(sessionAlive()).toBe(false);
}

describe('zookit shell in a terminal (tmux)', () => {
  let server: TestingServer;
  let client: ZooKitClient;
  let scratch: string;
  let historyFile: string;

  const startShell = (): void => {
    const command = `ZOOKIT_HISTORY='${historyFile}' '${process.execPath}' --import tsx server/main.ts shell ${server.connectString}`;
    tmux('new-session', '-d', '-s', 'shell', '-x', '160', '-y', '50', '-c', repositoryRoot, command);
  };

  beforeAll(async () => {
    server = await TestingServer.start({ inMemory: true });
    client = ZooKit.newClient(server.connectString);
    await client.start();
    await client.create('/tmuxnode', 'parent');
    await client.create('/tmuxnode/alpha', 'first');
    scratch = mkdtempSync(join(tmpdir(), 'zookit-tmux-'));
    historyFile = join(scratch, 'history');
  });

  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      // the server already exited with its last session
    }
    // tmux may leave its socket file behind; it is ours (a private name), so remove it.
    const socketDirectory = join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`);
    rmSync(join(socketDirectory, socketName), { force: true });
    await client?.close();
    await server?.close();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  it('completes, prints a watch event from another client, and keeps history across runs', async () => {
    startShell();
    await waitForScreen(/\(CONNECTED\) 0\]\s*$/m);

    // Tab completes a command name, then a znode path from the server, level by level.
    tmux('send-keys', '-t', 'shell', 'sta', 'Tab');
    await waitForScreen(/\(CONNECTED\) 0\] stat\s*$/m);
    tmux('send-keys', '-t', 'shell', '/tmuxn', 'Tab');
    await waitForScreen(/\(CONNECTED\) 0\] stat \/tmuxnode$/m);
    tmux('send-keys', '-t', 'shell', '/al', 'Tab');
    await waitForScreen(/\(CONNECTED\) 0\] stat \/tmuxnode\/alpha$/m);
    tmux('send-keys', '-t', 'shell', 'Enter');
    await waitForScreen(/^dataLength = 5$/m);

    // A watch left by `get -w` fires when another client changes the node.
    tmux('send-keys', '-t', 'shell', 'get -w /tmuxnode/alpha', 'Enter');
    await waitForScreen(/^first\n\[zk: [^\n]*\(CONNECTED\) 2\]\s*$/m);
    await client.setData('/tmuxnode/alpha', 'second');
    const afterEvent = await waitForScreen(
      /^WatchedEvent state:SyncConnected type:NodeDataChanged path:\/tmuxnode\/alpha$/m,
    );
    // The prompt is drawn again below the event.
    expect(afterEvent).toMatch(/path:\/tmuxnode\/alpha\n\[zk: [^\n]*\(CONNECTED\) 2\]\s*$/m);

    tmux('send-keys', '-t', 'shell', 'quit', 'Enter');
    await waitForExit();
    expect(readFileSync(historyFile, 'utf8')).toBe('stat /tmuxnode/alpha\nget -w /tmuxnode/alpha\nquit\n');

    // A new run finds the history: Up shows the previous run's commands.
    startShell();
    await waitForScreen(/\(CONNECTED\) 0\]\s*$/m);
    tmux('send-keys', '-t', 'shell', 'Up', 'Up');
    await waitForScreen(/\(CONNECTED\) 0\] get -w \/tmuxnode\/alpha$/m);
    tmux('send-keys', '-t', 'shell', 'C-u', 'quit', 'Enter');
    await waitForExit();
  }, 60_000);
});

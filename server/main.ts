/**
 * The `zookit` command. Subcommands are registered in `commands`; each parses its own
 * flags and returns a process exit code.
 */
import { readFileSync } from 'node:fs';
import { serverCommand } from './commands/server-command';
import { shellCommand } from './commands/shell/shell-command';
import { statusCommand } from './commands/status-command';

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, { summary: string; run: Command }> = {
  server: { summary: 'run the bundled ZooKeeper server (zookit server --help)', run: serverCommand },
  shell: { summary: 'an interactive ZooKeeper shell, zkCli-style (zookit shell --help)', run: shellCommand },
  status: { summary: 'four-letter-word status of servers (zookit status host:port,...)', run: statusCommand },
};

function packageVersion(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const url = new URL(candidate, import.meta.url);
      const parsed = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'zookit' && parsed.version !== undefined) return parsed.version;
    } catch {
      // try the next location: the source tree and dist/ sit at different depths
    }
  }
  return 'unknown';
}

function usage(): string {
  const lines = ['Usage: zookit <command> [options]', '', 'Commands:'];
  for (const [name, command] of Object.entries(commands))
    lines.push(`  ${name.padEnd(10)} ${command.summary}`);
  lines.push('  help       show this message', '  version    print the version');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (name === 'version' || name === '--version' || name === '-v') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`zookit: unknown command '${name}'\n${usage()}\n`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`zookit: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);

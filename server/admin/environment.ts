/**
 * The `envi` pairs for a Node.js server: Apache's keys where Node has the same fact
 * (`zookeeper.version`, `host.name`, `os.*`, `user.*`), `node.*` where Apache prints `java.*`.
 * Reads the process and OS, so it lives apart from the pure formatters.
 */
import { arch, freemem, homedir, hostname, release, totalmem, userInfo } from 'node:os';

function megabytes(bytes: number): string {
  return `${Math.floor(bytes / (1024 * 1024))}MB`;
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    // userInfo throws when the uid has no passwd entry (some containers)
    return '<NA>';
  }
}

/** Environment pairs in `envi` print order. `version` is the full server version line. */
export function processEnvironment(version: string): [string, string][] {
  const memory = process.memoryUsage();
  return [
    ['zookeeper.version', version],
    ['host.name', hostname()],
    ['node.version', process.version],
    ['node.execPath', process.execPath],
    ['os.name', process.platform === 'linux' ? 'Linux' : process.platform],
    ['os.arch', arch() === 'x64' ? 'amd64' : arch()],
    ['os.version', release()],
    ['user.name', userName()],
    ['user.home', homedir()],
    ['user.dir', process.cwd()],
    ['os.memory.free', megabytes(freemem())],
    ['os.memory.max', megabytes(totalmem())],
    ['os.memory.total', megabytes(memory.rss)],
  ];
}

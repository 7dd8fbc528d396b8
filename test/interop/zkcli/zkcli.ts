/**
 * Apache's own command-line client, `zkCli.sh` from Debian's package, fed a script on stdin,
 * and the normalisation that makes two servers' outputs comparable: log and banner lines
 * go, zxids, times and session ids become placeholders, and watch notifications (printed
 * by another thread, so their place in the output is not fixed) are collected apart.
 */
import { spawn } from 'node:child_process';

export const ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh';
const RUN_TIMEOUT_MS = 60_000;

/** The normalised output of one zkCli run. */
export interface ZkCliOutput {
  /** Command output in order, normalised. */
  lines: string[];
  /** `WatchedEvent …` lines, sorted. */
  events: string[];
  /** The raw output, for failure messages. */
  raw: string;
}

/** Runs zkCli against `127.0.0.1:port` with `script` on stdin; resolves with its output. */
export function runZkCli(port: number, script: readonly string[]): Promise<ZkCliOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `exec "${ZKCLI}" -server 127.0.0.1:${port} 2>&1`], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, CLIENT_JVMFLAGS: '-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1' },
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`zkCli did not finish within ${RUN_TIMEOUT_MS} ms:\n${Buffer.concat(chunks)}`));
    }, RUN_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(normaliseZkCliOutput(Buffer.concat(chunks).toString('utf8')));
    });
    child.stdin.end(`${script.join('\n')}\nquit\n`);
  });
}

/** Lines that are not command output: logging, banners, the client's own state events. */
const NOISE = [
  /^SLF4J:/,
  /^Connecting to /,
  /^Welcome to ZooKeeper!$/,
  /^JLine support is /,
  /^WATCHER::$/,
  /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d/,
  /^\s*$/,
  /^WatchedEvent state:(SyncConnected|Closed) type:None path:null$/,
];

/** Replaces what legitimately differs between two servers with placeholders. */
export function normaliseLine(line: string): string {
  return line
    .replace(/^([cmp]Zxid) = 0x[0-9a-f]+$/, '$1 = <zxid>')
    .replace(/^([cm]time) = .+$/, '$1 = <time>')
    .replace(/^ephemeralOwner = 0x[0-9a-f]*[1-9a-f][0-9a-f]*$/, 'ephemeralOwner = <session>')
    .replace(/0x[0-9a-f]{9,16}/g, '<session>');
}

/**
 * The event thread prints each notification as two `println("\n" + msg)` calls, while a
 * command such as `ls` builds its line piece by piece (`[`, `a`, `, `, `b`, `]`), so a
 * notification can land in the middle of a command's line. Each of those printed messages
 * is taken out of the raw text whole, which puts the command's line back together.
 */
const EVENT_MESSAGE = /\r?\n(WATCHER::|WatchedEvent [^\r\n]*)\r?\n/g;

/** Splits raw zkCli output into normalised command lines and sorted watch events. */
export function normaliseZkCliOutput(raw: string): ZkCliOutput {
  const lines: string[] = [];
  const events: string[] = [];
  const commandOutput = raw.replace(EVENT_MESSAGE, (_message, text: string) => {
    if (text.startsWith('WatchedEvent ')) {
      const normalised = normaliseLine(text.trimEnd());
      if (!NOISE.some((pattern) => pattern.test(normalised))) events.push(normalised);
    }
    return '';
  });
  for (const line of commandOutput.split(/\r?\n/)) {
    if (NOISE.some((pattern) => pattern.test(line))) continue;
    lines.push(normaliseLine(line.trimEnd()));
  }
  return { lines: sortWhoAmIBlocks(lines), events: events.sort(), raw };
}

/**
 * `whoami` prints one `scheme: user` line per identity after `Auth scheme: User`. Apache
 * keeps a connection's identities in a hash set, so their order is the set's iteration
 * order, not the order they were added; compare them as a set.
 */
function sortWhoAmIBlocks(lines: readonly string[]): string[] {
  const sorted = [...lines];
  for (let start = 0; start < sorted.length; start++) {
    if (sorted[start] !== 'Auth scheme: User') continue;
    let end = start + 1;
    while (end < sorted.length && /^\w+: \S*$/.test(sorted[end] as string)) end++;
    sorted.splice(start + 1, end - start - 1, ...sorted.slice(start + 1, end).sort());
  }
  return sorted;
}

/**
 * `zookit status host:port[,host:port...]`: asks each server the four-letter words `srvr`,
 * `mntr` and `cons`, and prints one readable table (a column per server) plus each server's
 * connections. Works with the bundled server and Apache ZooKeeper alike; a word the server
 * does not whitelist is reported as refused, an unreachable server as unreachable.
 * Parsing and formatting are pure functions (exported for tests); only `askWord` does I/O.
 */
import { connect } from 'node:net';
import { parseConnectString } from '../../src/client/connect-string';

/** How long one four-letter word may take, connect to close. */
export const wordTimeoutMs = 3_000;
/** Bytes of one answer kept at most (`cons` on a busy server is long). */
export const answerBytesMax = 4 * 1024 * 1024;

/** The words `status` asks, in order. */
export const statusWords = ['srvr', 'mntr', 'cons'] as const;
type StatusWord = (typeof statusWords)[number];

/** One word's outcome, a union on `type`. */
export type WordAnswer =
  | { type: 'answer'; text: string }
  | { type: 'refused' }
  | { type: 'unreachable'; reason: string };

/** What one server answered. */
export interface ServerReport {
  readonly address: string;
  readonly answers: Readonly<Record<StatusWord, WordAnswer>>;
}

/** Sends `word` to `host:port` and reads the answer until the server closes. */
export function askWord(host: string, port: number, word: string): Promise<WordAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const socket = connect({ host, port });
    const finish = (answer: WordAnswer): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(wordTimeoutMs, () =>
      finish({ type: 'unreachable', reason: `no answer in ${wordTimeoutMs} ms` }),
    );
    socket.on('connect', () => socket.write(word));
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= answerBytesMax) chunks.push(chunk);
    });
    socket.on('error', (error: NodeJS.ErrnoException) =>
      finish({ type: 'unreachable', reason: error.code ?? error.message }),
    );
    socket.on('end', () => finish(classifyAnswer(word, Buffer.concat(chunks).toString('utf8'))));
  });
}

/** Tells a refusal (`mntr is not executed because it is not in the whitelist.`) from an answer. */
export function classifyAnswer(word: string, text: string): WordAnswer {
  if (text.startsWith(`${word} is not executed because it is not in the whitelist`))
    return { type: 'refused' };
  return { type: 'answer', text };
}

/** `srvr`'s `Key: value` lines as a map. */
export function parseServerStatus(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(': ');
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 2).trim());
  }
  return fields;
}

/** `mntr`'s `key<TAB>value` lines as a map. */
export function parseMonitor(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) fields.set(line.slice(0, tab), line.slice(tab + 1).trim());
  }
  return fields;
}

/** `cons`'s connection lines, trimmed, without blank lines. */
export function parseConnections(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** The table's rows: a label, then where the value comes from (srvr field or mntr key). */
const rows: readonly { label: string; srvr?: string; mntr?: string }[] = [
  { label: 'mode', srvr: 'Mode', mntr: 'zk_server_state' },
  { label: 'peer state', mntr: 'zk_peer_state' },
  { label: 'version', srvr: 'Zookeeper version', mntr: 'zk_version' },
  { label: 'zxid', srvr: 'Zxid' },
  { label: 'znodes', srvr: 'Node count', mntr: 'zk_znode_count' },
  { label: 'connections', srvr: 'Connections', mntr: 'zk_num_alive_connections' },
  { label: 'outstanding requests', srvr: 'Outstanding', mntr: 'zk_outstanding_requests' },
  { label: 'latency min/avg/max ms', srvr: 'Latency min/avg/max' },
  { label: 'packets received', srvr: 'Received', mntr: 'zk_packets_received' },
  { label: 'packets sent', srvr: 'Sent', mntr: 'zk_packets_sent' },
  { label: 'ephemerals', mntr: 'zk_ephemerals_count' },
  { label: 'watches', mntr: 'zk_watch_count' },
  { label: 'sessions', mntr: 'zk_global_sessions' },
  { label: 'data size bytes', mntr: 'zk_approximate_data_size' },
  { label: 'open file descriptors', mntr: 'zk_open_file_descriptor_count' },
  { label: 'learners', mntr: 'zk_learners' },
  { label: 'synced followers', mntr: 'zk_synced_followers' },
  { label: 'synced observers', mntr: 'zk_synced_observers' },
  { label: 'pending syncs', mntr: 'zk_pending_syncs' },
];

function cell(report: ServerReport, row: (typeof rows)[number]): string | undefined {
  const srvr = report.answers.srvr;
  const mntr = report.answers.mntr;
  if (srvr.type === 'unreachable') return row.label === 'mode' ? `unreachable (${srvr.reason})` : '';
  const fromSrvr =
    srvr.type === 'answer' && row.srvr !== undefined ? parseServerStatus(srvr.text).get(row.srvr) : undefined;
  const fromMntr =
    mntr.type === 'answer' && row.mntr !== undefined ? parseMonitor(mntr.text).get(row.mntr) : undefined;
  const value = fromSrvr ?? fromMntr;
  // The version is long ("3.8.0-<commit>, built on <date>"): the part before the comma says enough.
  return row.label === 'version' ? value?.split(',')[0] : value;
}

function wordStatus(answer: WordAnswer): string {
  if (answer.type === 'refused') return 'refused (not in 4lw.commands.whitelist)';
  if (answer.type === 'unreachable') return `unreachable (${answer.reason})`;
  return 'ok';
}

/** The whole report: the table, the words' outcomes, then each server's connections. */
export function formatStatus(reports: readonly ServerReport[]): string[] {
  const labelled: string[][] = [['', ...reports.map((report) => report.address)]];
  for (const row of rows) {
    const values = reports.map((report) => cell(report, row));
    if (values.every((value) => value === undefined || value === '')) continue;
    labelled.push([row.label, ...values.map((value) => value ?? '-')]);
  }
  for (const word of statusWords)
    labelled.push([word, ...reports.map((report) => wordStatus(report.answers[word]))]);
  const widths =
    labelled[0]?.map((_, column) => Math.max(...labelled.map((line) => (line[column] ?? '').length))) ?? [];
  const lines = labelled.map((line) =>
    line
      .map((text, column) => text.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  for (const report of reports) {
    const cons = report.answers.cons;
    if (cons.type !== 'answer') continue;
    lines.push(
      '',
      `connections on ${report.address}:`,
      ...parseConnections(cons.text).map((line) => `  ${line}`),
    );
  }
  return lines;
}

/** Asks every word of every server (servers in parallel, words in order). */
export async function collectStatus(
  hosts: readonly { host: string; port: number }[],
): Promise<ServerReport[]> {
  return Promise.all(
    hosts.map(async ({ host, port }) => {
      const answers = {} as Record<StatusWord, WordAnswer>;
      for (const word of statusWords) answers[word] = await askWord(host, port, word);
      return { address: `${host}:${port}`, answers };
    }),
  );
}

const statusUsage = 'Usage: zookit status host:port[,host:port...]   (default 127.0.0.1:2181)';

/** The `zookit status` command: exit 0 when every server answered `srvr`, 1 otherwise. */
export async function statusCommand(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(`${statusUsage}\n`);
    return 0;
  }
  if (argv.length > 1) {
    process.stderr.write(`zookit status: one connect string expected\n${statusUsage}\n`);
    return 2;
  }
  let hosts: { host: string; port: number }[];
  try {
    hosts = parseConnectString(argv[0] ?? '127.0.0.1:2181').hosts.map(({ host, port }) => ({ host, port }));
  } catch (error) {
    process.stderr.write(`zookit status: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const reports = await collectStatus(hosts);
  process.stdout.write(`${formatStatus(reports).join('\n')}\n`);
  return reports.every((report) => report.answers.srvr.type === 'answer') ? 0 : 1;
}

/**
 * Four-letter words over TCP against `zookit server` (a child process) and Apache
 * ZooKeeper 3.8, both holding the same state (one session with an ephemeral and two
 * watches): the same words answer with the same line labels, keys and shapes; values that
 * must agree (settings, watch tables after normalising session ids, fixed answers) are
 * compared; and with the default whitelist both refuse the same words with the same text.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateMode, OpCode } from '../../src/protocol/constants';
import { Ids } from '../../src/protocol/data';
import { describeApache } from '../support/apache';
import { MNTR_CORE_KEYS } from '../support/mntr-keys';
import { fourLetterWord } from '../support/network';
import { RawSession } from '../support/raw-session';
import { type InteropServer, type InteropServers, startInteropServers } from './support/servers';

const WORDS = [
  'ruok',
  'srvr',
  'stat',
  'mntr',
  'conf',
  'cons',
  'envi',
  'wchs',
  'wchc',
  'wchp',
  'dump',
  'isro',
];

/** Labels of `Label: value` lines (and bare lines such as `Clients:`), in order. */
function labels(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith(' '))
    .map((line) => line.split(':')[0] as string);
}

/** Keys of `key=value` lines, in order. */
function keys(text: string, separator = '='): string[] {
  return text
    .split('\n')
    .filter((line) => line.includes(separator))
    .map((line) => line.slice(0, line.indexOf(separator)));
}

/** Session ids and dates become placeholders. */
function normaliseIds(text: string): string {
  return text
    .replace(/0x[0-9a-f]+/g, '<sid>')
    .replace(/\w{3} \w{3} \d\d \d\d:\d\d:\d\d \w+ \d{4}/g, '<date>');
}

/**
 * An expiry queue with its emptied buckets left out. Both servers keep a bucket a session
 * has moved out of until the bucket's time passes (Apache's `ExpiryQueue` does), so whether
 * `0 expire at …` shows depends on when the last ping landed — timing, not behaviour. The
 * set count is recounted from the buckets printed (Apache's can also count a bucket its
 * expirer removes while the dump runs).
 */
function withoutEmptyBuckets(text: string): string {
  const kept = text.replace(/^0 expire at .*\n/gm, '');
  const buckets = (kept.match(/^\d+ expire at /gm) ?? []).length;
  return kept.replace(
    /Sets \(\d+\)\/\((\d+)\):$/gm,
    (_line, members: string) => `Sets (${buckets})/(${members}):`,
  );
}

/** The shape of a `cons`/`stat` client line: the keys inside its parentheses. */
function clientLineKeys(line: string): string[] {
  const inside = /\((.*)\)$/.exec(line)?.[1] ?? '';
  return inside.split(',').map((pair) => pair.split('=')[0] as string);
}

const CLIENT_LINE = /^ \/127\.0\.0\.1:\d+\[[01]\]\(queued=\d+,recved=\d+,sent=\d+(,.*)?\)$/;

/** The same state on each server: one session, an ephemeral, a data and an exists watch. */
async function prepare(server: InteropServer): Promise<RawSession> {
  const { session } = await RawSession.connect({ port: server.port, timeOut: 10_000 });
  const created = await session.call(OpCode.create, {
    path: '/four-letter',
    data: Buffer.from('x'),
    acl: [...Ids.OPEN_ACL_UNSAFE],
    flags: CreateMode.EPHEMERAL,
  });
  expect(created.header.err).toBe(0);
  expect((await session.call(OpCode.getData, { path: '/zookeeper', watch: true })).header.err).toBe(0);
  expect((await session.call(OpCode.exists, { path: '/nope', watch: true })).header.err).not.toBe(0);
  return session;
}

async function answers(server: InteropServer): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const word of WORDS) result.set(word, await fourLetterWord(server.port, word));
  return result;
}

describeApache('four-letter words: zookit and Apache ZooKeeper, whitelist *', () => {
  let servers: InteropServers;
  let sessions: RawSession[] = [];
  let apache: Map<string, string>;
  let zookit: Map<string, string>;
  const word = (from: Map<string, string>, name: string): string => from.get(name) ?? '';
  /** The `cons` line of the connection that asked (it has no session). */
  const askingLine = (from: Map<string, string>): string =>
    word(from, 'cons')
      .split('\n')
      .find((line) => line.startsWith(' /') && !line.includes('sid=')) ?? '';

  beforeAll(async () => {
    servers = await startInteropServers();
    sessions = await Promise.all([prepare(servers.apache), prepare(servers.zookit)]);
    [apache, zookit] = await Promise.all([answers(servers.apache), answers(servers.zookit)]);
  }, 90_000);

  afterAll(async () => {
    for (const session of sessions) session.destroy();
    await servers?.stop();
  });

  it('ruok and isro answer the same fixed text', () => {
    expect(word(zookit, 'ruok')).toBe('imok');
    expect(word(zookit, 'isro')).toBe('rw');
    expect(word(zookit, 'ruok')).toBe(word(apache, 'ruok'));
    expect(word(zookit, 'isro')).toBe(word(apache, 'isro'));
  });

  it('srvr and stat have the same labels in the same order', () => {
    expect(labels(word(zookit, 'srvr'))).toEqual(labels(word(apache, 'srvr')));
    expect(labels(word(zookit, 'srvr'))).toEqual([
      'Zookeeper version',
      'Latency min/avg/max',
      'Received',
      'Sent',
      'Connections',
      'Outstanding',
      'Zxid',
      'Mode',
      'Node count',
    ]);
    expect(labels(word(zookit, 'stat'))).toEqual(labels(word(apache, 'stat')));
    expect(word(zookit, 'srvr')).toMatch(/^Mode: standalone$/m);
    expect(word(zookit, 'srvr')).toMatch(/^Zxid: 0x[0-9a-f]+$/m);
    expect(word(zookit, 'srvr')).toMatch(/^Latency min\/avg\/max: \d+\/\d+\.\d+\/\d+$/m);
  });

  it('stat and cons list clients in the same shape', () => {
    for (const from of [apache, zookit]) {
      const clientLines = word(from, 'stat')
        .split('\n')
        .filter((line) => line.startsWith(' /'));
      expect(clientLines.length).toBe(2); // the session and the asking connection
      for (const line of clientLines) expect(line).toMatch(CLIENT_LINE);
    }
    const sessionLine = (from: Map<string, string>) =>
      word(from, 'cons')
        .split('\n')
        .find((line) => line.includes('sid=')) ?? '';
    expect(clientLineKeys(sessionLine(zookit))).toEqual(clientLineKeys(sessionLine(apache)));
    expect(clientLineKeys(sessionLine(zookit))).toContain('lzxid');
    // The asking connection has received one packet (the command) on both.
    expect(askingLine(zookit)).toMatch(/\(queued=0,recved=1,sent=0\)$/);
    expect(askingLine(apache)).toMatch(/\(queued=0,recved=1,sent=0\)$/);
  });

  // Apache prints interest ops 0 for the connection that is asking (it is not read while
  // the command runs).
  it('cons lists the asking connection exactly as Apache does ([0], one packet)', () => {
    expect(askingLine(zookit).replace(/:\d+\[/, ':P[')).toBe(askingLine(apache).replace(/:\d+\[/, ':P['));
  });

  // Apache's node count includes the root twice (its node map holds it under "" and "/"),
  // so a fresh server reports 5.
  it('srvr and mntr count nodes as Apache does', () => {
    const count = (text: string) => /^Node count: (\d+)$/m.exec(text)?.[1];
    expect(count(word(zookit, 'srvr'))).toBe(count(word(apache, 'srvr')));
  });

  it('mntr keys are Apache keys, with the core set present', () => {
    const zookitKeys = keys(word(zookit, 'mntr'), '\t');
    const apacheKeys = new Set(keys(word(apache, 'mntr'), '\t'));
    expect(zookitKeys.slice(0, 2)).toEqual(['zk_version', 'zk_server_state']);
    expect(zookitKeys.filter((key) => !apacheKeys.has(key))).toEqual([]);
    for (const key of MNTR_CORE_KEYS) {
      expect(zookitKeys).toContain(key);
    }
    expect(word(zookit, 'mntr')).toMatch(/^zk_server_state\tstandalone$/m);
    expect(word(zookit, 'mntr')).toMatch(/^zk_watch_count\t2$/m);
    expect(word(zookit, 'mntr')).toMatch(/^zk_ephemerals_count\t1$/m);
  });

  it('conf has the same keys, and the same values where the settings agree', () => {
    expect(keys(word(zookit, 'conf'))).toEqual(keys(word(apache, 'conf')));
    const same = (text: string) =>
      text
        .split('\n')
        .filter((line) =>
          /^(tickTime|maxClientCnxns|m(in|ax)SessionTimeout|secureClientPort|serverId|clientPortListenBacklog)=/.test(
            line,
          ),
        );
    expect(same(word(zookit, 'conf'))).toEqual(same(word(apache, 'conf')));
    expect(word(zookit, 'conf')).toMatch(/^maxSessionTimeout=40000$/m);
  });

  it('envi has the same heading and the platform-neutral keys', () => {
    expect(word(zookit, 'envi').split('\n')[0]).toBe('Environment:');
    const zookitKeys = keys(word(zookit, 'envi'));
    const apacheKeys = keys(word(apache, 'envi'));
    for (const key of [
      'zookeeper.version',
      'host.name',
      'os.name',
      'os.arch',
      'os.version',
      'user.name',
      'user.home',
      'user.dir',
      'os.memory.free',
      'os.memory.max',
      'os.memory.total',
    ]) {
      expect(zookitKeys).toContain(key);
      expect(apacheKeys).toContain(key);
    }
  });

  it('wchs, wchc and wchp report the same watches', () => {
    for (const name of ['wchs', 'wchc', 'wchp']) {
      expect(normaliseIds(word(zookit, name))).toBe(normaliseIds(word(apache, name)));
    }
    expect(word(zookit, 'wchs')).toBe('1 connections watching 2 paths\nTotal watches:2\n');
  });

  it('dump reports the same sessions and ephemerals', () => {
    const beforeConnections = (text: string) =>
      withoutEmptyBuckets(normaliseIds(text.split('Connections dump:')[0] ?? ''));
    expect(beforeConnections(word(zookit, 'dump'))).toBe(beforeConnections(word(apache, 'dump')));
    expect(word(zookit, 'dump')).toContain('Sessions with Ephemerals (1):');
    expect(word(zookit, 'dump')).toContain('\t/four-letter');
    expect(word(zookit, 'dump')).toContain('Connections dump:');
  });

  it('crst and srst answer as Apache does and reset the counters', async () => {
    for (const name of ['crst', 'srst']) {
      const answer = await fourLetterWord(servers.zookit.port, name);
      expect(answer).toBe(await fourLetterWord(servers.apache.port, name));
    }
    expect(await fourLetterWord(servers.zookit.port, 'crst')).toBe('Connection stats reset.\n');
    expect(await fourLetterWord(servers.zookit.port, 'srst')).toBe('Server stats reset.\n');
    expect(await fourLetterWord(servers.zookit.port, 'srvr')).toMatch(/^Received: [0-2]$/m);
  });
});

describeApache('four-letter words: the default whitelist', () => {
  let servers: InteropServers;

  beforeAll(async () => {
    servers = await startInteropServers({ fourLetterWordWhitelist: 'default' });
  }, 90_000);

  afterAll(async () => {
    await servers?.stop();
  });

  it('zookit allows srvr only and refuses the rest with the text Apache uses', async () => {
    expect(await fourLetterWord(servers.zookit.port, 'srvr')).toMatch(/^Mode: standalone$/m);
    expect(await fourLetterWord(servers.apache.port, 'srvr')).toMatch(/^Mode: standalone$/m);
    const refusal = (name: string) => `${name} is not executed because it is not in the whitelist.\n`;
    expect(await fourLetterWord(servers.zookit.port, 'ruok')).toBe(refusal('ruok'));
    // Apache here allows ruok as well (its harness needs it); every other word is refused.
    for (const name of [...WORDS.filter((each) => each !== 'srvr' && each !== 'ruok'), 'crst', 'srst']) {
      expect(await fourLetterWord(servers.zookit.port, name)).toBe(refusal(name));
      expect(await fourLetterWord(servers.apache.port, name)).toBe(refusal(name));
    }
  });
});

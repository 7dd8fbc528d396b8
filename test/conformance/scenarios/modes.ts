/**
 * Four-letter words whose answers depend on the server's mode: on a follower of a 3-server
 * ensemble `srvr`/`stat` say `Mode: follower`, `conf` adds the quorum keys and the
 * membership, `dump` prints a learner's session table. These run against a follower of
 * Apache ZooKeeper's own ensemble (conformance-ensemble-modes.test.ts), not against the
 * standalone server the rest of the suite compares with.
 */
import { CreateMode } from '../../../src/protocol/constants';
import { MNTR_CORE_KEYS } from '../../support/mntr-keys';
import type { Scenario } from '../harness/runner';
import { scenario } from './define';

/** Text before the first ':' of every line that has one. */
function labels(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.includes(':'))
    .map((line) => line.slice(0, line.indexOf(':')));
}

/** Numbers and hex masked, so only the shape of a line is compared. */
function shape(text: string): string {
  return text.replace(/0x[0-9a-f]+/g, 'HEX').replace(/\d+/g, 'N');
}

/** The value of `srvr`/`stat`'s `Mode:` line. */
function modeLine(text: string): string | undefined {
  return text
    .split('\n')
    .find((line) => line.startsWith('Mode: '))
    ?.slice('Mode: '.length);
}

export const modeScenarios: Scenario[] = [
  scenario('srvr on a follower: labels and Mode', async (c) => {
    const text = await c.fourLetterWord('srvr');
    c.record('srvr labels', labels(text));
    c.record('mode', modeLine(text));
  }),
  scenario('stat on a follower: labels, Mode and the asking client', async (c) => {
    const s = await c.session();
    await s.exists(c.path(''));
    const text = await c.fourLetterWord('stat');
    c.record(
      'stat labels',
      labels(text).filter((label) => !label.startsWith(' /')),
    );
    c.record('mode', modeLine(text));
    c.record('client lines', text.split('\n').filter((line) => line.startsWith(' /')).length);
  }),
  scenario('conf on a follower: every key in order, the membership lines by shape', async (c) => {
    const text = await c.fourLetterWord('conf');
    const lines = text.split('\n').filter((line) => line.length > 0);
    c.record(
      'keys',
      lines.filter((line) => !line.startsWith('server.')).map((line) => line.split('=')[0]),
    );
    c.record('membership', lines.filter((line) => line.startsWith('server.')).map(shape));
    c.record(
      'quorum values',
      lines.filter((line) => /^(initLimit|syncLimit|electionAlg|peerType|tickTime|version)=/.test(line)),
    );
  }),
  scenario(
    'mntr on a follower: server state and the core keys',
    async (c) => {
      const text = await c.fourLetterWord('mntr');
      const rows = new Map(
        text
          .split('\n')
          .filter((line) => line.length > 0)
          .map((line) => [line.split('\t')[0] ?? '', line.split('\t')[1] ?? ''] as const),
      );
      c.record('zk_server_state', rows.get('zk_server_state'));
      c.record(
        'core keys present',
        MNTR_CORE_KEYS.filter((key) => rows.has(key)),
      );
    },
    {
      difference:
        'mntr: Apache also prints zk_peer_state and zk_quorum_size on a follower (and hundreds of metrics); zookit prints the core set',
    },
  ),
  scenario(
    'dump on a follower with a session holding an ephemeral',
    async (c) => {
      const s = await c.session();
      await s.create(c.path('e'), { flags: CreateMode.EPHEMERAL });
      const text = await c.fourLetterWord('dump');
      const lines = text.split('\n');
      const connections = lines.indexOf('Connections dump:');
      // Sessions and ephemerals line by line; the connections part by its headers only.
      c.record('sessions and ephemerals', lines.slice(0, connections).map(shape));
      c.record(
        'connection headers',
        lines
          .slice(connections)
          .filter((line) => /^[A-Za-z]/.test(line))
          .map(shape),
      );
    },
    {
      difference:
        'dump: zookit has no idle-connection expiry queue, so its Connections part lists no buckets (standalone too)',
    },
  ),
  scenario('envi first line, wchc and wchp with a watch on a follower', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'));
    await s.getData(c.path('a'), true);
    c.record('envi first line', (await c.fourLetterWord('envi')).split('\n')[0]);
    c.record('wchp lists the path', (await c.fourLetterWord('wchp')).includes(`${c.path('a')}\n`));
    c.record('wchc lists the path', (await c.fourLetterWord('wchc')).includes(`\t${c.path('a')}\n`));
    c.record('wchs', (await c.fourLetterWord('wchs')).replace(/\d+/g, 'N'));
  }),
  scenario('ruok and isro on a follower', async (c) => {
    c.record('ruok', await c.fourLetterWord('ruok'));
    c.record('isro', await c.fourLetterWord('isro'));
  }),
];

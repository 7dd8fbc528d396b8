/**
 * getEphemerals prefix filtering, getAllChildrenNumber, sync, ping, odd opcodes, and the
 * four-letter words' shapes (mntr key set, srvr labels).
 */
import { expect } from 'vitest';
import { CreateMode, OpCode } from '../../../src/protocol/constants';
import { ErrorCode } from '../../../src/protocol/errors';
import { MNTR_CORE_KEYS } from '../../support/mntr-keys';
import type { Scenario } from '../harness/runner';
import { scenario } from './define';

/** `label: value` lines → labels. */
function labels(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.includes(':'))
    .map((line) => line.slice(0, line.indexOf(':')));
}

export const miscScenarios: Scenario[] = [
  scenario('getEphemerals: prefix filtering', async (c) => {
    const s = await c.session();
    const other = await c.session();
    await s.create(c.path('p'));
    await s.create(c.path('e1'), { flags: CreateMode.EPHEMERAL });
    await s.create(c.path('ephem'), { flags: CreateMode.EPHEMERAL });
    await s.create(c.path('p/e-'), { flags: CreateMode.EPHEMERAL_SEQUENTIAL });
    await other.create(c.path('theirs'), { flags: CreateMode.EPHEMERAL });
    await s.getEphemerals('/');
    await s.getEphemerals('');
    await s.getEphemerals(c.path('e'));
    await s.getEphemerals(c.path('p'));
    await s.getEphemerals(c.path('p/'));
    await s.getEphemerals(`${c.root}x`);
    await s.getEphemerals('no-slash');
    await other.getEphemerals(c.root);
  }),
  scenario('getEphemerals of a session with none', async (c) => {
    const s = await c.session();
    await s.getEphemerals('/');
  }),
  scenario('getAllChildrenNumber: root, subtree, leaf, missing', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'));
    await s.create(c.path('a/b'));
    await s.create(c.path('a/b/c'));
    await s.create(c.path('a/d'));
    await s.getAllChildrenNumber('/');
    await s.getAllChildrenNumber(c.path(''));
    await s.getAllChildrenNumber(c.path('a'));
    await s.getAllChildrenNumber(c.path('a/b/c'));
    await s.getAllChildrenNumber(c.path('missing'));
    await s.getAllChildrenNumber('/zookeeper');
  }),
  scenario('ping reply carries the last zxid', async (c) => {
    const s = await c.session();
    await s.create(c.path('a'));
    await s.request(OpCode.ping, () => s.channel.sendEmpty(OpCode.ping), undefined, 'ping');
  }),
  scenario('sync after writes from another session', async (c) => {
    const s = await c.session();
    const t = await c.session();
    await s.create(c.path('a'), { data: '1' });
    await t.sync(c.path('a'));
    await t.getData(c.path('a'));
  }),
  scenario('unknown opcode: UNIMPLEMENTED and the connection closes', async (c) => {
    const s = await c.session();
    await s.request(99, () => s.channel.sendEmpty(99), undefined, 'op99');
    await s.recordClosed(2_000);
  }),
  scenario('sasl on a server without SASL', async (c) => {
    const s = await c.session();
    await s.raw(OpCode.sasl, { token: Buffer.from('x') }, 'sasl');
    await s.recordClosed(500);
  }),
  scenario('whoAmI after digest auth of two users', async (c) => {
    const s = await c.session();
    await s.auth('digest', 'one:1');
    await s.auth('digest', 'two:2');
    await s.whoAmI();
  }),
  scenario('four-letter words: ruok, isro and the srvr labels', async (c) => {
    c.record('ruok', await c.fourLetterWord('ruok'));
    c.record('isro', await c.fourLetterWord('isro'));
    c.record('srvr labels', labels(await c.fourLetterWord('srvr')));
  }),
  scenario('four-letter words: stat labels', async (c) => {
    const text = await c.fourLetterWord('stat');
    c.record(
      'stat labels',
      labels(text).filter((label) => !label.startsWith(' /')),
    );
  }),
  scenario(
    'four-letter words: mntr key set',
    async (c) => {
      const text = await c.fourLetterWord('mntr');
      const keys = new Set(
        text
          .split('\n')
          .filter((line) => line.length > 0)
          .map((line) => line.split('\t')[0] ?? ''),
      );
      c.record('first keys', [...keys].slice(0, 2));
      c.record(
        'core keys present',
        MNTR_CORE_KEYS.filter((key) => keys.has(key)),
      );
      c.record(
        'every line is key<TAB>value',
        text
          .trimEnd()
          .split('\n')
          .every((line) => /^zk_[\w.-]+\t/.test(line)),
      );
    },
    {
      difference:
        'mntr: Apache 3.8 prints several hundred metrics (and per-namespace ones); zookit prints the core set, compared here',
    },
  ),
  scenario('four-letter words: crst, srst, wchs shape', async (c) => {
    c.record('crst', await c.fourLetterWord('crst'));
    c.record('srst', await c.fourLetterWord('srst'));
    const wchs = await c.fourLetterWord('wchs');
    c.record('wchs', wchs.replace(/\d+/g, 'N'));
  }),
  scenario(
    'check outside a multi: UNIMPLEMENTED and the connection closes',
    async (c) => {
      const s = await c.session();
      await s.create(c.path('a'));
      const reply = await s.raw(OpCode.check, { path: c.path('a'), version: 0 }, 'check');
      expect(reply.err).toBe(ErrorCode.UNIMPLEMENTED);
      await s.channel.whenClosed(2_000);
      const t = await c.session();
      expect((await t.exists(c.path('a'))).err).toBe(0);
    },
    {
      zookitOnly:
        'Apache 3.8.0 logs a txn it cannot read back (the server then refuses to restart); later releases answer UNIMPLEMENTED and close',
    },
  ),
];

/**
 * Sessions: negotiated timeouts, closeSession, reconnect with id and password, wrong
 * password / unknown id / closed session answered as expired, expiry deleting ephemerals
 * and firing watches, a resumed session taking over from its old connection.
 */
import { CreateMode, OpCode } from '../../../src/protocol/constants';
import type { Scenario } from '../harness/runner';
import { scenario } from './define';

export const sessionScenarios: Scenario[] = [
  scenario('negotiated timeouts are clamped to [2, 20] ticks', async (c) => {
    for (const timeOut of [1, 999, 1000, 4321, 10_000, 10_001, 3_600_000]) await c.session({ timeOut });
  }),
  scenario('closeSession: reply, then the server closes the socket; ephemerals go', async (c) => {
    const s = await c.session();
    const w = await c.session();
    await s.create(c.path('e1'), { flags: CreateMode.EPHEMERAL });
    await s.create(c.path('e2'), { flags: CreateMode.EPHEMERAL_SEQUENTIAL });
    await s.close();
    await w.getChildren2(c.path(''));
  }),
  scenario('reconnect with id and password keeps the session and its ephemerals', async (c) => {
    const s = await c.session();
    await s.create(c.path('e'), { flags: CreateMode.EPHEMERAL });
    s.channel.destroy();
    const resumed = await c.resume(s);
    await resumed?.getEphemerals(c.path(''));
    await resumed?.exists(c.path('e'));
    await resumed?.create(c.path('f'), { flags: CreateMode.EPHEMERAL, op: OpCode.create2 });
  }),
  scenario('reconnect drops the old connection watches; SetWatches restores them', async (c) => {
    const s = await c.session();
    const writer = await c.session();
    await writer.create(c.path('a'));
    await s.getData(c.path('a'), true);
    s.channel.destroy();
    const resumed = await c.resume(s);
    await writer.setData(c.path('a'), 'while away');
    await resumed?.setWatches({
      relativeZxid: s.lastZxid,
      dataWatches: [c.path('a')],
      existWatches: [],
      childWatches: [],
    });
    await resumed?.flush();
  }),
  scenario('reconnect while the old connection is open moves the session', async (c) => {
    const s = await c.session();
    const resumed = await c.resume(s);
    await s.recordClosed(3_000);
    await resumed?.exists(c.path(''));
  }),
  scenario('wrong password is answered as expired and closed', async (c) => {
    const s = await c.session();
    await c.resume(s, { password: Buffer.alloc(16, 7) });
    await s.recordClosed(300);
    const resumed = await c.resume(s);
    await resumed?.exists(c.path(''));
  }),
  scenario('unknown session id is answered as expired', async (c) => {
    const s = await c.session();
    await c.resume(s, { sessionId: s.sessionId + 0x7777n });
  }),
  scenario('resuming a closed session is answered as expired', async (c) => {
    const s = await c.session();
    await s.close();
    await c.resume(s);
  }),
  scenario(
    'expiry deletes ephemerals and fires watches; resume is then expired',
    async (c) => {
      const s = await c.session({ timeOut: 1_000 });
      const w = await c.session();
      await s.create(c.path('e'), { flags: CreateMode.EPHEMERAL });
      await w.exists(c.path('e'), true);
      s.channel.destroy();
      await new Promise((resolve) => setTimeout(resolve, 2_600));
      await w.flush();
      await w.exists(c.path('e'));
      await c.resume(s);
    },
    { timeoutMs: 20_000 },
  ),
  scenario('pings keep a short session alive', async (c) => {
    const s = await c.session({ timeOut: 1_000 });
    await s.create(c.path('e'), { flags: CreateMode.EPHEMERAL });
    for (let round = 0; round < 6; round++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await s.flush();
    }
    await s.exists(c.path('e'));
  }),
  scenario('several sessions get distinct ids and ephemeral owners', async (c) => {
    const a = await c.session();
    const b = await c.session();
    await a.create(c.path('a'), { flags: CreateMode.EPHEMERAL });
    await b.create(c.path('b'), { flags: CreateMode.EPHEMERAL });
    await a.exists(c.path('b'));
    await b.exists(c.path('a'));
  }),
  scenario('a session deleting another session ephemeral', async (c) => {
    const a = await c.session();
    const b = await c.session();
    await a.create(c.path('e'), { flags: CreateMode.EPHEMERAL });
    await b.delete(c.path('e'));
    await a.getEphemerals('/');
    await a.close();
  }),
  scenario('closing a session that has no ephemerals', async (c) => {
    const s = await c.session();
    await s.close();
    const t = await c.session();
    await t.exists(c.path(''));
  }),
];

/** Differential conformance, part 4: configured session timeout bounds (minSessionTimeout, maxSessionTimeout). */
import { conformanceSuite } from './harness/runner';
import { scenario } from './scenarios/define';

conformanceSuite(
  'configured session timeouts',
  't',
  [
    scenario('timeouts are clamped to the configured [1500, 3000]', async (c) => {
      for (const timeOut of [0, 1_000, 1_499, 1_500, 2_222, 3_000, 3_001, 60_000])
        await c.session({ timeOut });
    }),
    scenario('a resumed session negotiates its timeout again', async (c) => {
      const s = await c.session({ timeOut: 2_000 });
      s.channel.destroy();
      const resumed = await c.resume(s);
      await resumed?.create(c.path('e'), { flags: 1 });
      const watcher = await c.session();
      await watcher.exists(c.path('e'), true);
      resumed?.channel.destroy();
      // The new timeout (3000 ms) applies: the ephemeral outlives the old one (2000 ms).
      await new Promise((resolve) => setTimeout(resolve, 2_700));
      await watcher.exists(c.path('e'));
    }),
    scenario(
      'expiry follows the negotiated minimum',
      async (c) => {
        const s = await c.session({ timeOut: 1 });
        const w = await c.session();
        await s.create(c.path('e'), { flags: 1 });
        await w.exists(c.path('e'), true);
        s.channel.destroy();
        await new Promise((resolve) => setTimeout(resolve, 2_600));
        await w.flush();
      },
      { timeoutMs: 20_000 },
    ),
  ],
  { minSessionTimeoutMs: 1_500, maxSessionTimeoutMs: 3_000 },
);

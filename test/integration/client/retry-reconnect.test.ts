/**
 * A retried operation starts as soon as the client has reconnected, not after the retry
 * policy's whole delay: against a real server, a read and a write whose connection is cut
 * under them (a stalled {@link FaultProxy} holds the request, so it is in flight and never applied) complete
 * within seconds although the policy sleeps 30 s between attempts.
 */
import { expect, it } from 'vitest';
import { ZooKit } from '../../../src/client/client';
import { RetryNTimes } from '../../../src/client/retry-policy';
import { describeEachBackend, eventually, within } from './backends';
import { useClientSuite } from './suite';

/** The policy's sleep: finishing far sooner proves the reconnect ended it. */
const SLEEP_MS = 30_000;
/** Generous for a reconnect through a local proxy under CI load; a third of the sleep. */
const EARLY_MS = 10_000;

describeEachBackend('client retries wake on reconnect', (backend) => {
  const suite = useClientSuite(backend, {});

  it('getData and setData cut in flight are retried on the reconnect, well before the delay', async () => {
    const faulty = await suite.proxy();
    const client = ZooKit.newClient(`${faulty.connectString}${suite.namespace}`, {
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 10_000,
      retryPolicy: new RetryNTimes({ n: 2, sleepMsBetweenRetries: SLEEP_MS }),
    });
    suite.clients.push(client);
    const states: string[] = [];
    client.on('stateChanged', (state) => states.push(state));
    await client.start();
    await client.create('/n', 'a');

    const startMs = performance.now();
    for (const [round, run] of [
      () => client.getData('/n').then(({ data }) => data.toString()),
      () => client.setData('/n', 'b').then((stat) => String(stat.version)),
    ].entries()) {
      // Held by the stalled proxy, never forwarded: in flight when the connection is cut.
      faulty.stall();
      const result = run();
      await new Promise((resolve) => setTimeout(resolve, 50));
      faulty.cut();
      faulty.resume();
      await eventually(
        () => states.filter((state) => state === 'RECONNECTED').length > round,
        8_000,
        'RECONNECTED',
      );
      expect(await within(result, EARLY_MS, `operation ${round}`)).toBe(round === 0 ? 'a' : '1');
    }
    expect(performance.now() - startMs).toBeLessThan(EARLY_MS);
    expect(states).toEqual(['CONNECTED', 'SUSPENDED', 'RECONNECTED', 'SUSPENDED', 'RECONNECTED']);
  }, 60_000);
});

/**
 * Writes whose reply is lost after they committed, made real by the bundled server's
 * `dropNextReply` hook (the write commits, its reply is dropped, its connection closed).
 * Apache has no such hook; its suite keeps the proxy-based lost create in faults.test.ts.
 *
 * What a client sees then, per kind of write:
 * - protected create (any mode): the retry finds the committed node by its `_c_` prefix and
 *   returns it; no duplicate.
 * - unprotected plain create: the retry fails with `NodeExistsError` (the node is there,
 *   with the data written).
 * - unprotected sequential create: the retry creates a SECOND node and returns it; the
 *   first is an orphan. This is what protection is for.
 * - any write with no retries left: `ConnectionLossError`, outcome unknown (it committed).
 * - guaranteed delete: resolves (the retry finds NoNode); plain delete: `NoNodeError`.
 * - transaction: the retry fails on the first attempt's effects; `TransactionError` with
 *   `mayHaveBeenApplied: true`.
 */
import { describe, expect, it } from 'vitest';
import type { ZooKitClient } from '../../../src/client/client';
import { RetryNTimes } from '../../../src/client/retry-policy';
import { TransactionError } from '../../../src/errors';
import { CreateMode } from '../../../src/protocol/constants';
import { ConnectionLossError, NodeExistsError, NoNodeError } from '../../../src/protocol/errors';
import type { ClientOptions } from '../../../src/types';
import { bundledBackend } from './backends';
import { useClientSuite } from './suite';

/** Quick retries: a lost reply costs a reconnect, not the default policy's second. */
const quickRetries = { retryPolicy: new RetryNTimes({ n: 3, sleepMsBetweenRetries: 50 }) };
const noRetries = { retryPolicy: new RetryNTimes({ n: 0, sleepMsBetweenRetries: 0 }) };

describe('client: lost replies after commit [zookit]', () => {
  const suite = useClientSuite(bundledBackend, { tickTime: 500 });
  const open = (options: ClientOptions = quickRetries): Promise<ZooKitClient> => suite.open(options);
  const dropNextReply = (op: 'create' | 'create2' | 'delete' | 'multi'): void => {
    const faults = suite.server.faults;
    if (faults === undefined) throw new Error('the bundled backend has fault hooks');
    faults.dropNextReply({ op });
  };

  for (const mode of [CreateMode.EPHEMERAL_SEQUENTIAL, CreateMode.PERSISTENT_SEQUENTIAL] as const) {
    it(`protected create (mode ${mode}) returns the committed node, no duplicate`, async () => {
      const client = await open();
      await client.create('/q');
      const sessionId = client.sessionId;
      dropNextReply('create');
      const path = await client.create('/q/item-', 'v', { mode, protection: true });
      const children = await client.getChildren('/q');
      expect(children).toHaveLength(1);
      expect(path).toBe(`/q/${children[0]}`);
      expect(path).toMatch(/^\/q\/_c_[0-9a-f-]{36}-item-0000000000$/);
      const { data, stat } = await client.getData(path);
      expect(data.toString()).toBe('v');
      expect(stat.ephemeralOwner).toBe(mode === CreateMode.EPHEMERAL_SEQUENTIAL ? sessionId : 0n);
      expect(client.sessionId).toBe(sessionId);
    });
  }

  it('unprotected plain create: the retry fails with NodeExistsError, the node holds the data', async () => {
    const client = await open();
    dropNextReply('create');
    await expect(client.create('/plain', 'v')).rejects.toBeInstanceOf(NodeExistsError);
    expect((await client.getData('/plain')).data.toString()).toBe('v');
  });

  it('unprotected sequential create: the retry makes a duplicate (why protection exists)', async () => {
    const client = await open();
    await client.create('/s');
    dropNextReply('create');
    const path = await client.create('/s/n-', 'v', { mode: CreateMode.PERSISTENT_SEQUENTIAL });
    expect(path).toBe('/s/n-0000000001');
    expect((await client.getChildren('/s')).sort()).toEqual(['n-0000000000', 'n-0000000001']);
  });

  it('with no retries left the lost reply is a ConnectionLossError, though the write committed', async () => {
    const client = await open(noRetries);
    await client.create('/s');
    dropNextReply('create');
    const failure = await client
      .create('/s/n-', 'v', { mode: CreateMode.PERSISTENT_SEQUENTIAL })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectionLossError);
    expect((failure as ConnectionLossError).op).toBe('create');
    expect(await client.getChildren('/s')).toEqual(['n-0000000000']);
  });

  it('guaranteed delete whose reply is lost resolves; a plain one rejects with NoNodeError', async () => {
    const client = await open();
    await client.create('/g1');
    await client.create('/g2');
    dropNextReply('delete');
    await client.delete('/g1', { guaranteed: true });
    expect(await client.exists('/g1')).toBeNull();
    dropNextReply('delete');
    await expect(client.delete('/g2')).rejects.toBeInstanceOf(NoNodeError);
    expect(await client.exists('/g2')).toBeNull();
  });

  it('guaranteed delete with no retries: rejects, and the background attempt ends quietly on NoNode', async () => {
    const client = await open(noRetries);
    const errors: unknown[] = [];
    client.on('error', (error) => errors.push(error));
    await client.create('/g');
    dropNextReply('delete');
    await expect(client.delete('/g', { guaranteed: true })).rejects.toBeInstanceOf(ConnectionLossError);
    expect(await client.exists('/g')).toBeNull();
    // The background attempt (after 500 ms) finds NoNode and stops without an error event.
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(errors).toEqual([]);
    const startedMs = Date.now();
    await client.close();
    expect(Date.now() - startedMs).toBeLessThan(1_000);
  });

  it('a transaction whose commit reply is lost fails on its own effects, flagged mayHaveBeenApplied', async () => {
    const client = await open();
    await client.create('/t', '0');
    dropNextReply('multi');
    const failure = await client
      .transaction()
      .create('/t/made', 'x')
      .setData('/t', '1')
      .commit()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransactionError);
    const error = failure as TransactionError;
    expect(error.mayHaveBeenApplied).toBe(true);
    expect(error.failedIndex).toBe(0);
    expect(error.error).toBeInstanceOf(NodeExistsError);
    expect(error.message).toContain('may have been applied');
    // It was applied, once.
    expect((await client.getData('/t')).stat.version).toBe(1);
    expect(await client.getChildren('/t')).toEqual(['made']);
  });

  it('a transaction failing on its first attempt is not flagged', async () => {
    const client = await open();
    await client.create('/t');
    const failure = await client
      .transaction()
      .create('/t')
      .commit()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransactionError);
    expect((failure as TransactionError).mayHaveBeenApplied).toBe(false);
  });
});

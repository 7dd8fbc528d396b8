/**
 * A retried operation does not sleep out its policy's whole delay when the connection is
 * already back: the sleep ends when a connection opened after the failed attempt began
 * (READ_ONLY counts only for reads). A scripted server drops connections under requests;
 * the policy sleeps 30 s, so an operation that completes within seconds was woken by the
 * reconnect. A failure on a live connection still sleeps the policy's delay.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZooKit, type ZooKitClient } from '../../../../src/client/client';
import { ConnectionState } from '../../../../src/client/connection-state';
import { ReconnectSignal } from '../../../../src/client/operations';
import { RetryNTimes, withRetry } from '../../../../src/client/retry-policy';
import type { Session } from '../../../../src/client/session';
import { OpCode } from '../../../../src/protocol/constants';
import { encodeStat } from '../../../../src/protocol/data';
import { ConnectionLossError, ErrorCode } from '../../../../src/protocol/errors';
import {
  acceptSession,
  type FakeConnection,
  type FakeServer,
  SAMPLE_STAT,
  startScriptedClient,
} from '../support/fake-server';

const SESSION = 0x6262n;
const STAT = SAMPLE_STAT;
/** The policy's sleep: far longer than any reconnect here, so finishing early proves the wake. */
const SLEEP_MS = 30_000;
/** What "well before the delay" means: a third of it, far above a loaded machine's reconnect. */
const EARLY_MS = 10_000;

describe('client: a retry starts when the connection is back, not after the whole delay', () => {
  let server: FakeServer;
  let client: ZooKitClient;
  let current: FakeConnection;

  const accept = (): Promise<FakeConnection> => acceptSession(server, SESSION, 5);

  function replyData(connection: FakeConnection, request: Parameters<FakeConnection['reply']>[0]): void {
    connection.reply(request, 0, 0x22n, (writer) => {
      writer.buffer(Buffer.from('hi'));
      encodeStat(writer, STAT);
    });
  }

  beforeEach(async () => {
    ({
      server,
      client,
      connection: current,
    } = await startScriptedClient(new RetryNTimes({ n: 3, sleepMsBetweenRetries: SLEEP_MS }), SESSION, 5));
  });

  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it('getData whose connection drops is retried as soon as the client reconnects', async () => {
    const startMs = performance.now();
    const reading = client.getData('/a');
    const lost = await current.nextRequest();
    expect(lost.type).toBe(OpCode.getData);
    current.close();
    const second = await accept();
    const again = await second.nextRequest();
    expect(again.type).toBe(OpCode.getData);
    replyData(second, again);
    const { data } = await reading;
    expect(data.toString()).toBe('hi');
    expect(performance.now() - startMs).toBeLessThan(EARLY_MS);
  });

  it('setData and exists (ops.retrying) wake on the reconnect too', async () => {
    const startMs = performance.now();
    const writing = client.setData('/a', 'x');
    const lostWrite = await current.nextRequest();
    expect(lostWrite.type).toBe(OpCode.setData);
    current.close();
    const second = await accept();
    const write = await second.nextRequest();
    expect(write.type).toBe(OpCode.setData);
    second.reply(write, 0, 0x23n, (writer) => encodeStat(writer, STAT));
    expect(await writing).toEqual(STAT);

    const probing = client.exists('/a');
    const lostRead = await second.nextRequest();
    expect(lostRead.type).toBe(OpCode.exists);
    second.close();
    const third = await accept();
    const read = await third.nextRequest();
    expect(read.type).toBe(OpCode.exists);
    third.reply(read, 0, 0x23n, (writer) => encodeStat(writer, STAT));
    expect(await probing).toEqual(STAT);
    expect(performance.now() - startMs).toBeLessThan(EARLY_MS);
  });

  it('client.retry(fn): a sequence that failed with connection loss reruns on the reconnect', async () => {
    const attempts: number[] = [];
    const startMs = performance.now();
    const suspended = new Promise<void>((resolve) => {
      client.on('stateChanged', (state) => {
        if (state === ConnectionState.SUSPENDED) resolve();
      });
    });
    const running = client.retry(async (attempt) => {
      attempts.push(attempt);
      if (attempt === 1) {
        current.close();
        await suspended;
        throw new ConnectionLossError('the sequence lost its connection');
      }
      return 'done';
    });
    await accept();
    expect(await running).toBe('done');
    expect(attempts).toEqual([1, 2]);
    expect(performance.now() - startMs).toBeLessThan(EARLY_MS);
  });

  it('a retryable failure on a connection that stayed up still sleeps the policy delay', async () => {
    await client.close();
    client = ZooKit.newClient(`127.0.0.1:${server.port}`, {
      sessionTimeoutMs: 6_000,
      connectionTimeoutMs: 5_000,
      retryPolicy: new RetryNTimes({ n: 1, sleepMsBetweenRetries: 300 }),
    });
    const started = client.start();
    const connection = await accept();
    await started;
    const reading = client.getData('/a');
    const first = await connection.nextRequest();
    const failedAtMs = performance.now();
    connection.reply(first, ErrorCode.OPERATIONTIMEOUT);
    const second = await connection.nextRequest();
    // Timers never fire early (1 ms of rounding allowed): the retry waited out the delay.
    expect(performance.now() - failedAtMs).toBeGreaterThanOrEqual(299);
    replyData(connection, second);
    expect((await reading).data.toString()).toBe('hi');
  });
});

/** A session stand-in whose state the test sets; ReconnectSignal reads only these members. */
class ScriptedSession {
  state: ConnectionState | undefined = ConnectionState.CONNECTED;
  connected = true;
  private listener: ((state: ConnectionState) => void) | undefined;

  onStateChange(listener: (state: ConnectionState) => void): () => void {
    this.listener = listener;
    return () => {
      this.listener = undefined;
    };
  }

  set(state: ConnectionState): void {
    this.state = state;
    this.connected = state !== ConnectionState.SUSPENDED && state !== ConnectionState.LOST;
    this.listener?.(state);
  }
}

describe('ReconnectSignal', () => {
  function signalFor(session: ScriptedSession): ReconnectSignal {
    return new ReconnectSignal(session as unknown as Session);
  }

  async function settledWithin(promise: Promise<void>, ms: number): Promise<boolean> {
    let settled = false;
    void promise.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, ms));
    return settled;
  }

  it('READ_ONLY wakes a read but not a write; the next read-write connection wakes the write', async () => {
    const session = new ScriptedSession();
    const signal = signalFor(session);
    const over = new AbortController();
    const read = signal.after(signal.mark(true), true, over.signal);
    const write = signal.after(signal.mark(false), false, over.signal);
    session.set(ConnectionState.SUSPENDED);
    session.set(ConnectionState.READ_ONLY);
    expect(await settledWithin(read, 5)).toBe(true);
    expect(await settledWithin(write, 5)).toBe(false);
    session.set(ConnectionState.SUSPENDED);
    session.set(ConnectionState.RECONNECTED);
    expect(await settledWithin(write, 5)).toBe(true);
    over.abort();
  });

  it('resolves at once for a connection opened since the mark, and never for the one it was taken on', async () => {
    const session = new ScriptedSession();
    const signal = signalFor(session);
    const over = new AbortController();
    const mark = signal.mark(false);
    expect(await settledWithin(signal.after(mark, false, over.signal), 5)).toBe(false);
    session.set(ConnectionState.SUSPENDED);
    // Down since the mark: waits for the next connection, even though one is counted later.
    const waiting = signal.after(mark, false, over.signal);
    expect(await settledWithin(waiting, 5)).toBe(false);
    session.set(ConnectionState.RECONNECTED);
    expect(await settledWithin(waiting, 5)).toBe(true);
    expect(await settledWithin(signal.after(mark, false, over.signal), 5)).toBe(true);
    over.abort();
  });
});

describe('withRetry wakeEarly', () => {
  it('ends the sleep when woken, keeps the policy count, and sleeps fully when not woken', async () => {
    const policy = new RetryNTimes({ n: 2, sleepMsBetweenRetries: SLEEP_MS });
    const attempts: number[] = [];
    const startMs = performance.now();
    const error = await withRetry(
      policy,
      (attempt) => {
        attempts.push(attempt);
        return Promise.reject(new ConnectionLossError('down'));
      },
      { wakeEarly: () => new Promise<void>((resolve) => setTimeout(resolve, 10)) },
    ).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ConnectionLossError);
    expect(attempts).toEqual([1, 2, 3]);
    expect(performance.now() - startMs).toBeLessThan(EARLY_MS);

    const woken: AbortSignal[] = [];
    const slowStartMs = performance.now();
    const result = await withRetry(
      new RetryNTimes({ n: 1, sleepMsBetweenRetries: 100 }),
      (attempt) => (attempt === 1 ? Promise.reject(new ConnectionLossError('down')) : Promise.resolve(7)),
      {
        wakeEarly: (_attempt, over) => {
          woken.push(over);
          return new Promise<void>(() => {});
        },
      },
    );
    expect(result).toBe(7);
    expect(performance.now() - slowStartMs).toBeGreaterThanOrEqual(99);
    // The waiter was told the sleep is over, so it can let go.
    expect(woken.map((signal) => signal.aborted)).toEqual([true]);
  });
});

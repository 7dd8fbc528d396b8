/**
 * Plain operations (getData, setData, getChildren) return their first request's own promise
 * and hand a failure to the retry policy only when one happens (ClientRequest.retryWith).
 * A scripted server drops the connection under a request, refuses one, and watches what the
 * client sends: the retried operation must settle exactly as the retrying wrapper did.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ZooKitClient } from '../../../../src/client/client';
import { RetryNTimes } from '../../../../src/client/retry-policy';
import { OpCode } from '../../../../src/protocol/constants';
import { encodeStat } from '../../../../src/protocol/data';
import { BadVersionError, ConnectionLossError, NoNodeError } from '../../../../src/protocol/errors';
import { Reader } from '../../../../src/protocol/reader';
import { decodeGetDataRequest, decodeSetDataRequest } from '../../../../src/protocol/records';
import {
  acceptSession,
  type FakeConnection,
  type FakeServer,
  SAMPLE_STAT,
  startScriptedClient,
} from '../support/fake-server';

const SESSION = 0x5151n;
const STAT = SAMPLE_STAT;
const NO_NODE = -101;
const BAD_VERSION = -103;

describe('client: a plain operation retried from its first request', () => {
  let server: FakeServer;
  let client: ZooKitClient;
  /** The connection the client started on. */
  let current: FakeConnection;

  const accept = (): Promise<FakeConnection> => acceptSession(server, SESSION, 3);

  beforeEach(async () => {
    ({
      server,
      client,
      connection: current,
    } = await startScriptedClient(new RetryNTimes({ n: 2, sleepMsBetweenRetries: 10 }), SESSION, 3));
  });

  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it('getData whose connection drops is sent again on the next connection and resolves', async () => {
    const first = current;
    const reading = client.getData('/a');
    const lost = await first.nextRequest();
    expect(lost.type).toBe(OpCode.getData);
    first.close();
    const second = await accept();
    const again = await second.nextRequest();
    expect(again.type).toBe(OpCode.getData);
    expect(decodeGetDataRequest(new Reader(again.body))).toEqual({ path: '/a', watch: false });
    second.reply(again, 0, 0x22n, (writer) => {
      writer.buffer(Buffer.from('hi'));
      encodeStat(writer, STAT);
    });
    const { data, stat } = await reading;
    expect(data.toString()).toBe('hi');
    expect(stat).toEqual(STAT);
    expect(client.sessionId).toBe(SESSION);
  });

  it('xids keep counting on the next connection (a server matching by session and xid never sees one twice)', async () => {
    const first = current;
    const reading = client.getData('/a');
    const lost = await first.nextRequest();
    first.close();
    const second = await accept();
    const again = await second.nextRequest();
    expect(again.type).toBe(OpCode.getData);
    expect(again.xid).toBe(lost.xid + 1);
    second.reply(again, NO_NODE);
    await expect(reading).rejects.toBeInstanceOf(NoNodeError);
  });

  it('a non-retryable error rejects typed after one request', async () => {
    const connection = current;
    const writing = client.setData('/a', 'x', { version: 3 }).catch((error: unknown) => error);
    const request = await connection.nextRequest();
    expect(decodeSetDataRequest(new Reader(request.body))).toMatchObject({ path: '/a', version: 3 });
    connection.reply(request, BAD_VERSION);
    const error = await writing;
    expect(error).toBeInstanceOf(BadVersionError);
    expect((error as BadVersionError).path).toBe('/a');
    const missing = client.getChildren('/gone').catch((reason: unknown) => reason);
    const next = await connection.nextRequest();
    expect(next.type).toBe(OpCode.getChildren);
    connection.reply(next, NO_NODE);
    expect(await missing).toBeInstanceOf(NoNodeError);
  });

  it('retries run out: the last connection loss rejects the operation', async () => {
    let connection = current;
    const reading = client.getData('/a').catch((error: unknown) => error);
    for (let attempt = 0; attempt < 3; attempt++) {
      const request = await connection.nextRequest();
      expect(request.type).toBe(OpCode.getData);
      connection.close();
      connection = await accept();
    }
    expect(await reading).toBeInstanceOf(ConnectionLossError);
  });
});

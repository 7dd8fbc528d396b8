/**
 * The quorum transport batches a turn's messages per peer (one writev at the turn's end):
 * whatever the batching, every message reaches the peer once, in the order it was sent,
 * across turns, and nothing is written for a transport closed before its flush.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerMessage } from '../../../server/quorum/peer-codec';
import { type PeerAddress, PeerTransport } from '../../../server/quorum/peer-transport';
import { freePorts, LOOPBACK, waitUntil } from '../../support/network';

const transports: PeerTransport[] = [];

afterEach(async () => {
  for (const transport of transports.splice(0)) await transport.close();
});

async function pair(): Promise<{ sender: PeerTransport; received: bigint[] }> {
  const [q1, e1, q2, e2] = (await freePorts(4)) as [number, number, number, number];
  const members: PeerAddress[] = [
    { id: 1, host: LOOPBACK, quorumPort: q1, electionPort: e1 },
    { id: 2, host: LOOPBACK, quorumPort: q2, electionPort: e2 },
  ];
  const received: bigint[] = [];
  const sender = new PeerTransport({ self: 1, members, deliver: () => undefined });
  const receiver = new PeerTransport({
    self: 2,
    members,
    deliver: (message) => {
      if (message.kind === 'ack') received.push(message.zxid);
    },
  });
  transports.push(sender, receiver);
  await sender.start();
  await receiver.start();
  return { sender, received };
}

let sequence = 0;
function ack(zxid: bigint): PeerMessage {
  return { kind: 'ack', from: 1, to: 2, link: 1, sequence: sequence++, zxid };
}

async function until(received: bigint[], count: number): Promise<void> {
  await waitUntil(async () => received.length >= count, {
    timeoutMs: 10_000,
    intervalMs: 5,
    describeFailure: () => `${count} messages delivered (got ${received.length})`,
  });
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ensemble: peer transport batching', () => {
  it('delivers every message once and in order, whether sent in one turn or over many', async () => {
    const { sender, received } = await pair();
    sender.send(ack(0n)); // dials; queued until the connection is up
    await until(received, 1);
    const expected: bigint[] = [0n];
    for (let zxid = 1n; zxid <= 300n; zxid++) {
      sender.send(ack(zxid)); // one turn: one batch
      expected.push(zxid);
    }
    for (let turn = 0; turn < 50; turn++) {
      for (let index = 0; index < 1 + (turn % 4); index++) {
        const zxid = BigInt(expected.length);
        sender.send(ack(zxid));
        expected.push(zxid);
      }
      await nextTurn();
    }
    await until(received, expected.length);
    expect(received).toEqual(expected);
    expect(sender.droppedCount).toBe(0);
  });

  it('writes nothing of a batch whose transport closed before the turn ended', async () => {
    const { sender, received } = await pair();
    sender.send(ack(0n));
    await until(received, 1);
    sender.send(ack(1n));
    sender.send(ack(2n));
    const closing = sender.close();
    await closing;
    await new Promise((resolve) => setTimeout(resolve, 100)); // anything written would have arrived
    expect(received).toEqual([0n]);
  });
});

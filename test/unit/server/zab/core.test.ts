/**
 * Unit tests of the pure ZAB pieces: zxid layout, quorums, vote order, sync choice, role
 * transitions, the log's pending writes, the Ready contract, and the purity rule itself.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { betterVote, NO_VOTE } from '../../../../server/zab/election';
import { ProposalDroppedError } from '../../../../server/zab/errors';
import { ZabLog } from '../../../../server/zab/log';
import { Peer } from '../../../../server/zab/peer';
import { containsQuorum, quorumAckedZxid, quorumSize } from '../../../../server/zab/quorum';
import { assertTransition, Role } from '../../../../server/zab/role';
import { chooseSync } from '../../../../server/zab/sync';
import { counterOf, epochOf, formatZxid, makeZxid } from '../../../../server/zab/zxid';
import { AssertionError } from '../../../../src/util/assert';
import { seededRandom } from '../../../../src/util/random';

const entry = (epoch: number, counter: number) => ({
  zxid: makeZxid(epoch, counter),
  data: Buffer.from(`${epoch}.${counter}`),
});

describe('zab: zxid', () => {
  it('puts the epoch in the high 32 bits and the counter in the low 32', () => {
    expect(makeZxid(1, 2)).toBe(0x1_0000_0002n);
    expect(epochOf(0x5_0000_0007n)).toBe(5);
    expect(counterOf(0x5_0000_0007n)).toBe(7);
    expect(formatZxid(makeZxid(3, 9))).toBe('3.9');
    expect(() => makeZxid(2 ** 32, 0)).toThrow(AssertionError);
  });
});

describe('zab: quorum', () => {
  const membership = { voters: [1, 2, 3, 4, 5], observers: [6] };
  it('needs a strict majority of voters and ignores observers', () => {
    expect(quorumSize(membership)).toBe(3);
    expect(containsQuorum(membership, [1, 2, 6])).toBe(false);
    expect(containsQuorum(membership, [1, 2, 3])).toBe(true);
    expect(containsQuorum(membership, [1, 1, 2])).toBe(false);
  });
  it('commits the zxid the quorum-th highest voter acknowledged', () => {
    const acked = new Map([
      [1, 9n],
      [2, 7n],
      [3, 5n],
      [4, 1n],
    ]);
    expect(quorumAckedZxid(membership, acked)).toBe(5n);
  });
});

describe('zab: hierarchical quorums (group.N / weight.N)', () => {
  // Apache's documented example: three groups of three, weight 1 each.
  const nine = {
    voters: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    observers: [10],
    groups: [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ],
  };
  it('needs a majority of the weight in a majority of the groups', () => {
    expect(containsQuorum(nine, [1, 2, 4, 5])).toBe(true); // two servers of each of two groups
    expect(containsQuorum(nine, [1, 2, 3, 4, 7])).toBe(false); // one group won only
    expect(containsQuorum(nine, [1, 2, 3, 4, 5, 6])).toBe(true);
    expect(containsQuorum(nine, [1, 4, 7, 10])).toBe(false); // the observer never counts
    expect(containsQuorum(nine, [1, 1, 2, 4, 4, 5])).toBe(true);
  });
  it('counts weights, and discards groups whose total weight is 0', () => {
    const weighted = {
      voters: [1, 2, 3, 4, 5, 6],
      observers: [],
      groups: [[1, 2, 3], [4, 5], [6]],
      weights: new Map([
        [1, 3],
        [6, 0],
      ]),
    };
    // Group 1 weighs 5: server 1 alone (3) wins it. Group 3 weighs 0 and is discarded, so a
    // quorum wins both remaining groups.
    expect(containsQuorum(weighted, [1, 4, 5])).toBe(true);
    expect(containsQuorum(weighted, [2, 3, 4, 5, 6])).toBe(false); // 2 of 5 in group 1
    expect(containsQuorum(weighted, [1, 4])).toBe(false); // half of group 2 is not more than half
    expect(betterVote(weighted, { leader: 6, zxid: 99n, peerEpoch: 9 }, NO_VOTE)).toBe(false);
  });
  it('commits the largest zxid whose acknowledgers form a quorum', () => {
    const acked = new Map([
      [1, 9n],
      [2, 9n],
      [3, 8n],
      [4, 7n],
      [7, 7n],
      [8, 6n],
    ]);
    // At 9, 8 and 7 only group 1 is won (4 and 7 are one of three in theirs); at 6,
    // {1,2,3,4,7,8} wins groups 1 and 3: two of three groups.
    expect(quorumAckedZxid(nine, acked)).toBe(6n);
  });
  it('any two quorums share a server of positive weight, and the commit point is the definition (random configurations)', () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 300; trial++) {
      const count = 2 + random.int(6);
      const voters = Array.from({ length: count }, (_, index) => index + 1);
      const groupCount = 1 + random.int(count);
      const groups: number[][] = Array.from({ length: groupCount }, () => []);
      for (const id of voters)
        (groups[id <= groupCount ? id - 1 : random.int(groupCount)] as number[]).push(id);
      const weights = new Map(voters.map((id) => [id, random.int(4)] as [number, number]));
      if (voters.every((id) => weights.get(id) === 0)) weights.set(1, 1);
      const membership = { voters, observers: [], groups, weights };
      const subsets = Array.from({ length: 2 ** count }, (_, mask) =>
        voters.filter((id) => (mask >> (id - 1)) & 1),
      );
      const quorums = subsets.filter((subset) => containsQuorum(membership, subset));
      expect(containsQuorum(membership, voters)).toBe(true);
      for (const a of quorums)
        for (const b of quorums)
          expect(
            a.some((id) => b.includes(id) && (weights.get(id) ?? 1) > 0),
            `${JSON.stringify({ groups, weights: [...weights], a, b })}`,
          ).toBe(true);
      const acked = new Map(voters.map((id) => [id, BigInt(random.int(5))] as [number, bigint]));
      const point = quorumAckedZxid(membership, acked);
      const holdersAt = (value: bigint) => voters.filter((id) => (acked.get(id) ?? 0n) >= value);
      expect(containsQuorum(membership, holdersAt(point))).toBe(true);
      expect(containsQuorum(membership, holdersAt(point + 1n))).toBe(false);
    }
  });
});

describe('zab: vote order (totalOrderPredicate)', () => {
  const membership = { voters: [1, 2, 3], observers: [4] };
  it('prefers the higher peerEpoch, then zxid, then server id', () => {
    const vote = (leader: number, zxid: bigint, peerEpoch: number) => ({ leader, zxid, peerEpoch });
    expect(betterVote(membership, vote(1, 1n, 2), vote(3, 9n, 1))).toBe(true);
    expect(betterVote(membership, vote(1, 9n, 1), vote(3, 8n, 1))).toBe(true);
    expect(betterVote(membership, vote(3, 8n, 1), vote(2, 8n, 1))).toBe(true);
    expect(betterVote(membership, vote(2, 8n, 1), vote(3, 8n, 1))).toBe(false);
  });
  it('never elects an observer', () => {
    expect(betterVote(membership, { leader: 4, zxid: 99n, peerEpoch: 9 }, NO_VOTE)).toBe(false);
  });
});

describe('zab: sync choice (LearnerHandler.syncFollower)', () => {
  const log = new ZabLog(0n, [entry(1, 1), entry(1, 2), entry(2, 1), entry(3, 1)]);
  it('sends a DIFF when the learner holds one of our zxids', () => {
    expect(chooseSync(log, makeZxid(1, 2))).toEqual({ kind: 'diff', zxid: makeZxid(1, 2) });
    expect(chooseSync(log, makeZxid(3, 1))).toEqual({ kind: 'diff', zxid: makeZxid(3, 1) });
    expect(chooseSync(log, 0n)).toEqual({ kind: 'diff', zxid: 0n });
  });
  it('truncates a learner ahead of us in our last epoch', () => {
    expect(chooseSync(log, makeZxid(3, 4))).toEqual({ kind: 'trunc', zxid: makeZxid(3, 1) });
  });
  it('truncates back to our previous entry of the same epoch', () => {
    expect(chooseSync(log, makeZxid(1, 3))).toEqual({ kind: 'trunc', zxid: makeZxid(1, 2) });
  });
  it('sends a snapshot across epochs or below our log', () => {
    expect(chooseSync(log, makeZxid(2, 5))).toEqual({ kind: 'trunc', zxid: makeZxid(2, 1) });
    const gapped = new ZabLog(0n, [entry(1, 1), entry(1, 2), entry(3, 1)]);
    expect(chooseSync(gapped, makeZxid(2, 3))).toEqual({ kind: 'snap' });
    expect(chooseSync(log, makeZxid(4, 1))).toEqual({ kind: 'snap' });
    const compacted = new ZabLog(makeZxid(2, 1), [entry(3, 1)]);
    expect(chooseSync(compacted, makeZxid(1, 2))).toEqual({ kind: 'snap' });
  });
  it('truncates back to the empty history when nothing else is shared', () => {
    const fromEmpty = new ZabLog(0n, [entry(2, 1)]);
    expect(chooseSync(fromEmpty, makeZxid(1, 1))).toEqual({ kind: 'trunc', zxid: 0n });
    const compacted = new ZabLog(makeZxid(2, 1), [entry(2, 2)]);
    expect(chooseSync(compacted, makeZxid(1, 1))).toEqual({ kind: 'snap' });
  });
});

describe('zab: roles', () => {
  it('allows LOOKING to end in one role and every role to fall back to LOOKING', () => {
    expect(() => assertTransition(Role.LOOKING, Role.LEADING)).not.toThrow();
    expect(() => assertTransition(Role.FOLLOWING, Role.LOOKING)).not.toThrow();
  });
  it('throws AssertionError on an illegal transition', () => {
    expect(() => assertTransition(Role.FOLLOWING, Role.LEADING)).toThrow(
      'invalid transition [FOLLOWING -> LEADING]',
    );
    expect(() => assertTransition(Role.LOOKING, Role.LOOKING)).toThrow(AssertionError);
  });
});

describe('zab: log pending writes', () => {
  it('keeps truncate-then-append order when a cut removes unsynced entries', () => {
    const log = new ZabLog(0n, [entry(1, 1), entry(1, 2)]);
    log.append(entry(1, 3));
    log.truncateAfter(makeZxid(1, 1));
    log.append(entry(2, 1));
    const pending = log.takePending();
    expect(pending.truncateAfter).toBe(makeZxid(1, 1));
    expect(pending.entries.map((value) => formatZxid(value.zxid))).toEqual(['2.1']);
  });
  it('does not cut durable entries when the cut lands inside the pending ones', () => {
    const log = new ZabLog(0n, [entry(1, 1)]);
    log.append(entry(1, 2));
    log.append(entry(1, 3));
    log.truncateAfter(makeZxid(1, 2));
    const pending = log.takePending();
    expect(pending.truncateAfter).toBeUndefined();
    expect(pending.entries.map((value) => formatZxid(value.zxid))).toEqual(['1.2']);
  });
});

describe('zab: log lookups', () => {
  it('slice and previousZxid agree with a linear scan on random gapped logs (binary search bounds)', () => {
    const random = seededRandom(20261122);
    for (let trial = 0; trial < 200; trial++) {
      const zxids: bigint[] = [];
      let next = BigInt(1 + random.int(5));
      const base = next - 1n;
      for (let count = random.int(12); count > 0; count--) {
        zxids.push(next);
        next += BigInt(1 + random.int(3)); // gaps, as across epochs
      }
      const log = new ZabLog(
        base,
        zxids.map((zxid) => ({ zxid, data: Buffer.from(zxid.toString()) })),
      );
      for (let probe = 0; probe < 20; probe++) {
        const after = base + BigInt(random.int(40));
        const through = after + BigInt(random.int(40)) - 5n;
        const expected = zxids.filter((zxid) => zxid > after && zxid <= through);
        expect(log.slice(after, through).map((value) => value.zxid)).toEqual(expected);
        const below = zxids.filter((zxid) => zxid < after);
        expect(log.previousZxid(after)).toBe(below.at(-1) ?? base);
      }
    }
  });
});

describe('zab: peer', () => {
  const config = {
    id: 1,
    membership: { voters: [1], observers: [] },
    initLimit: 5,
    syncLimit: 3,
    election: { finalizeWaitTicks: 0 },
    random: seededRandom(7),
    snapshot: () => ({ zxid: 0n, data: Buffer.alloc(0) }),
  };
  const fresh = { hardState: { acceptedEpoch: 0, currentEpoch: 0 }, snapshotZxid: 0n, entries: [] };

  it('a single voter elects itself, persists the epochs, then commits its own fsynced proposals', () => {
    const peer = new Peer(config, fresh);
    expect(peer.role).toBe(Role.LEADING);
    let ready = peer.ready();
    expect(ready.hardState).toEqual({ acceptedEpoch: 1, currentEpoch: 1 });
    expect(peer.serving).toBe(false); // not until the epoch is durable
    peer.advance(ready);
    expect(peer.serving).toBe(true);
    expect(peer.propose(Buffer.from('x'))).toBe(makeZxid(1, 1));
    ready = peer.ready();
    expect(ready.entries.map((value) => value.zxid)).toEqual([makeZxid(1, 1)]);
    expect(ready.committed).toEqual([]); // not before its own fsync
    peer.advance(ready);
    ready = peer.ready();
    expect(ready.committed.map((value) => value.data.toString())).toEqual(['x']);
    peer.advance(ready);
    expect(peer.appliedZxid).toBe(makeZxid(1, 1));
  });

  it('drops proposals anywhere but on a serving leader, and refuses input between ready and advance', () => {
    const peer = new Peer({ ...config, membership: { voters: [1, 2, 3], observers: [] } }, fresh);
    expect(() => peer.propose(Buffer.from('x'))).toThrow(ProposalDroppedError);
    const ready = peer.ready();
    expect(() => peer.tick()).toThrow('no input between ready() and advance()');
    peer.advance(ready);
    expect(() => peer.tick()).not.toThrow();
  });

  it('treats only the snapshot as committed after a restart', () => {
    const state = {
      hardState: { acceptedEpoch: 2, currentEpoch: 2 },
      snapshotZxid: makeZxid(1, 1),
      entries: [entry(2, 1)],
    };
    const peer = new Peer({ ...config, membership: { voters: [1, 2, 3], observers: [] } }, state);
    expect(peer.committedZxid).toBe(makeZxid(1, 1));
    expect(peer.log.lastZxid).toBe(makeZxid(2, 1));
    expect(peer.vote).toEqual({ leader: 1, zxid: makeZxid(2, 1), peerEpoch: 2 });
  });
});

describe('zab: purity', () => {
  it('server/zab uses no sockets, files, timers, clock or Math.random', () => {
    const directory = join(import.meta.dirname, '../../../../server/zab');
    const forbidden = [
      /\bDate\.now\b/,
      /\bnew Date\b/,
      /\bMath\.random\b/,
      /\bsetTimeout\b/,
      /\bsetInterval\b/,
      /\bsetImmediate\b/,
      /\bperformance\.now\b/,
      /\bprocess\.hrtime\b/,
      /from 'node:/,
      /from '(fs|net|dgram|timers|crypto|child_process)'/,
      /\brequire\(/,
    ];
    const files = readdirSync(directory).filter((name) => name.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(join(directory, file), 'utf8');
      for (const pattern of forbidden) expect(`${file}: ${pattern.test(text)}`).toBe(`${file}: false`);
    }
  });
});

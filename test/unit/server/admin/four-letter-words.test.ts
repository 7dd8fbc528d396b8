import { describe, expect, it } from 'vitest';
import {
  type ConnectionSnapshot,
  fourLetterWordFromLength,
  runFourLetterWord,
  type ServerIntrospection,
} from '../../../../server/admin/four-letter-words';
import { ConnectionStats, ServerStats } from '../../../../server/admin/server-stats';
import { resolveFourLetterWordWhitelist } from '../../../../server/config';

// Expected strings below were captured from Apache ZooKeeper 3.8.0 (Debian) with kazoo:
// one session (/a data watch, /b exists watch, two ephemerals) plus the 4lw connection.
// biome-ignore lint/suspicious/noTemplateCurlyInString: Debian's build left Maven's placeholder in the version
const version = '3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC';
const sessionId = 0x100000a32e70000n;

function sessionConnection(): ConnectionSnapshot {
  const stats = new ConnectionStats();
  for (let index = 0; index < 7; index++) stats.incrementPacketsReceived();
  for (let index = 0; index < 7; index++) stats.incrementPacketsSent();
  // latencies 14, 2, 5, 0 … chosen so min 0, max 14, integer mean 6 like the capture
  stats.recordResponse(1, 2n, 'CREA', 0, 14);
  stats.recordResponse(2, 3n, 'CREA', 100, 100);
  stats.recordResponse(6, 4n, 'GETC', 676047, 676049);
  return {
    remoteHost: '127.0.0.1',
    remotePort: 45870,
    interestOps: 1,
    outstandingRequests: 0,
    sessionId,
    sessionTimeoutMs: 10000,
    establishedMs: 1795321280245,
    stats: stats.snapshot(),
  };
}

function flwConnection(): ConnectionSnapshot {
  const stats = new ConnectionStats();
  stats.incrementPacketsReceived();
  return {
    remoteHost: '127.0.0.1',
    remotePort: 45920,
    interestOps: 0,
    outstandingRequests: 0,
    sessionId: 0n,
    sessionTimeoutMs: 0,
    establishedMs: 1795321290000,
    stats: stats.snapshot(),
  };
}

function fakeServer(
  overrides: Partial<ServerIntrospection> = {},
): ServerIntrospection & { resets: string[] } {
  const stats = new ServerStats();
  for (const latency of [2, 3, 4, 5, 6, 8, 14]) stats.latency.add(latency); // avg 42/7 = 6.0
  for (let index = 0; index < 10; index++) stats.incrementPacketsReceived();
  for (let index = 0; index < 9; index++) stats.incrementPacketsSent();
  const resets: string[] = [];
  const connections = [sessionConnection(), flwConnection()];
  return {
    resets,
    isRunning: () => true,
    version: () => version,
    mode: () => 'standalone',
    isReadOnly: () => false,
    serverStats: () => stats,
    lastProcessedZxid: () => 4n,
    nodeCount: () => 8,
    outstandingRequests: () => 0,
    aliveConnectionCount: () => 2,
    connections: () => connections,
    watchSummary: () => ({ connections: 1, paths: 2, totalWatches: 2 }),
    watchesBySession: () => new Map([[sessionId, ['/a', '/b']]]),
    watchesByPath: () =>
      new Map([
        ['/a', [sessionId]],
        ['/b', [sessionId]],
      ]),
    ephemeralsBySession: () => new Map([[sessionId, ['/e1', '/e2']]]),
    sessionExpiryBuckets: () => [
      { expiryTimeMs: Date.UTC(2026, 10, 22, 4, 21, 32), members: [sessionId] },
      { expiryTimeMs: Date.UTC(2026, 10, 22, 4, 21, 30), members: [] },
    ],
    connectionExpiryBuckets: () => [
      {
        expiryTimeMs: Date.UTC(2026, 10, 22, 4, 21, 34),
        members: [connections[0]!, { ...connections[1]!, remotePort: 45960 }],
      },
    ],
    environment: () => [
      ['zookeeper.version', version],
      ['host.name', 'localhost'],
    ],
    confText: () => 'clientPort=21811\n',
    monitorValues: () => ({
      ephemeralsCount: 2,
      globalSessions: 1,
      localSessions: 0,
      watchCount: 3,
      approximateDataSizeBytes: 53,
      uptimeMs: 7747,
    }),
    quorumStatus: () => undefined,
    directorySizes: () => ({ dataDirBytes: 67109337, logDirBytes: 67109337 }),
    resetServerStats: () => resets.push('server'),
    resetConnectionStats: () => resets.push('connections'),
    ...overrides,
  };
}

const all = resolveFourLetterWordWhitelist('*', false);

describe('four-letter words: Apache 3.8 output', () => {
  it('ruok and isro answer without a newline', () => {
    expect(runFourLetterWord('ruok', fakeServer(), all)).toBe('imok');
    expect(runFourLetterWord('isro', fakeServer(), all)).toBe('rw');
    expect(runFourLetterWord('isro', fakeServer({ isReadOnly: () => true }), all)).toBe('ro');
    expect(runFourLetterWord('isro', fakeServer({ isRunning: () => false }), all)).toBe('null');
  });

  it('srvr', () => {
    expect(runFourLetterWord('srvr', fakeServer(), all)).toBe(
      `Zookeeper version: ${version}\nLatency min/avg/max: 2/6.0/14\nReceived: 10\nSent: 9\nConnections: 2\n` +
        'Outstanding: 0\nZxid: 0x4\nMode: standalone\nNode count: 8\n',
    );
  });

  it('srvr prints a non-integral average as Java does', () => {
    const server = fakeServer();
    server.serverStats().latency.reset();
    for (const latency of [2, 3, 4, 5, 6, 10, 14]) server.serverStats().latency.add(latency); // 44/7
    expect(runFourLetterWord('srvr', server, all)).toContain('Latency min/avg/max: 2/6.2857/14\n');
  });

  it('stat lists clients briefly between the version and the counters', () => {
    expect(runFourLetterWord('stat', fakeServer(), all)).toBe(
      `Zookeeper version: ${version}\nClients:\n /127.0.0.1:45870[1](queued=0,recved=7,sent=7)\n` +
        ' /127.0.0.1:45920[0](queued=0,recved=1,sent=0)\n\nLatency min/avg/max: 2/6.0/14\nReceived: 10\n' +
        'Sent: 9\nConnections: 2\nOutstanding: 0\nZxid: 0x4\nMode: standalone\nNode count: 8\n',
    );
  });

  it('cons shows session details only for connections with a session', () => {
    expect(runFourLetterWord('cons', fakeServer(), all)).toBe(
      ' /127.0.0.1:45870[1](queued=0,recved=7,sent=7,sid=0x100000a32e70000,lop=GETC,est=1795321280245,' +
        'to=10000,lcxid=0x6,lzxid=0x4,lresp=676049,llat=2,minlat=0,avglat=5,maxlat=14)\n' +
        ' /127.0.0.1:45920[0](queued=0,recved=1,sent=0)\n\n',
    );
  });

  it('cons after crst: lop NA, no lcxid, lzxid 0xffffffffffffffff', () => {
    const stats = new ConnectionStats();
    stats.recordResponse(3, 9n, 'GETD', 0, 5);
    stats.reset();
    const connection = { ...sessionConnection(), sessionId: 0x100000aa0360000n, stats: stats.snapshot() };
    const server = fakeServer({ connections: () => [connection] });
    expect(runFourLetterWord('cons', server, all)).toBe(
      ' /127.0.0.1:45870[1](queued=0,recved=0,sent=0,sid=0x100000aa0360000,lop=NA,est=1795321280245,' +
        'to=10000,lzxid=0xffffffffffffffff,lresp=0,llat=0,minlat=0,avglat=0,maxlat=0)\n\n',
    );
  });

  it('mntr starts with version and state, tab separated', () => {
    const text = runFourLetterWord('mntr', fakeServer(), all) ?? '';
    const lines = text.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      `zk_version\t${version}`,
      'zk_server_state\tstandalone',
      'zk_ephemerals_count\t2',
      'zk_num_alive_connections\t2',
      'zk_avg_latency\t6.0',
    ]);
    expect(lines).toContain('zk_znode_count\t8');
    expect(lines).toContain('zk_watch_count\t3');
    expect(lines).toContain('zk_approximate_data_size\t53');
    expect(lines).toContain('zk_max_latency\t14');
    expect(text.endsWith('\n')).toBe(true);
  });

  it("mntr prints file descriptors when known, and an ensemble member's quorum keys", () => {
    const withDescriptors = fakeServer({
      monitorValues: () => ({
        ephemeralsCount: 0,
        globalSessions: 0,
        localSessions: 0,
        watchCount: 0,
        approximateDataSizeBytes: 0,
        uptimeMs: 1,
        fileDescriptors: { open: 44, max: 20000 },
      }),
    });
    const standalone = runFourLetterWord('mntr', withDescriptors, all) ?? '';
    expect(standalone).toContain('zk_open_file_descriptor_count\t44\n');
    expect(standalone).toContain('zk_max_file_descriptor_count\t20000\n');
    expect(standalone).not.toContain('zk_peer_state');

    const follower = fakeServer({
      mode: () => 'follower',
      quorumStatus: () => ({ peerState: 'following - broadcast', quorumSize: 3 }),
    });
    const followerLines = (runFourLetterWord('mntr', follower, all) ?? '').split('\n');
    // Apache prints the peer state right after the server state.
    expect(followerLines.slice(1, 3)).toEqual([
      'zk_server_state\tfollower',
      'zk_peer_state\tfollowing - broadcast',
    ]);
    expect(followerLines).toContain('zk_quorum_size\t3');
    expect(followerLines.some((line) => line.startsWith('zk_learners'))).toBe(false);
    expect(runFourLetterWord('srvr', follower, all)).not.toContain('Proposal sizes');

    const leader = fakeServer({
      mode: () => 'leader',
      quorumStatus: () => ({
        peerState: 'leading - broadcast',
        quorumSize: 3,
        leader: {
          learners: 3,
          syncedFollowers: 2,
          syncedObservers: 1,
          pendingSyncs: 4,
          uptimeMs: 1655,
          proposalSizes: { last: 92, min: 36, max: 210 },
        },
      }),
    });
    const leaderLines = (runFourLetterWord('mntr', leader, all) ?? '').split('\n');
    for (const line of [
      'zk_peer_state\tleading - broadcast',
      'zk_quorum_size\t3',
      'zk_learners\t3',
      'zk_synced_followers\t2',
      'zk_synced_non_voting_followers\t0',
      'zk_synced_observers\t1',
      'zk_pending_syncs\t4',
      'zk_leader_uptime\t1655',
      'zk_last_proposal_size\t92',
      'zk_min_proposal_size\t36',
      'zk_max_proposal_size\t210',
    ]) {
      expect(leaderLines).toContain(line);
    }
    // srvr and stat on a leader end with the proposal sizes, as Apache's do.
    expect(runFourLetterWord('srvr', leader, all)).toMatch(
      /Mode: leader\nNode count: 8\nProposal sizes last\/min\/max: 92\/36\/210\n$/,
    );
    expect(runFourLetterWord('stat', leader, all)).toMatch(/Proposal sizes last\/min\/max: 92\/36\/210\n$/);
  });

  it('conf, envi, dirs', () => {
    expect(runFourLetterWord('conf', fakeServer(), all)).toBe('clientPort=21811\n');
    expect(runFourLetterWord('envi', fakeServer(), all)).toBe(
      `Environment:\nzookeeper.version=${version}\nhost.name=localhost\n`,
    );
    expect(runFourLetterWord('dirs', fakeServer(), all)).toBe(
      'datadir_size: 67109337\nlogdir_size: 67109337\n',
    );
  });

  it('wchs, wchc, wchp', () => {
    expect(runFourLetterWord('wchs', fakeServer(), all)).toBe(
      '1 connections watching 2 paths\nTotal watches:2\n',
    );
    expect(runFourLetterWord('wchc', fakeServer(), all)).toBe('0x100000a32e70000\n\t/a\n\t/b\n\n');
    expect(runFourLetterWord('wchp', fakeServer(), all)).toBe(
      '/a\n\t0x100000a32e70000\n/b\n\t0x100000a32e70000\n\n',
    );
  });

  it('dump', () => {
    expect(runFourLetterWord('dump', fakeServer(), all)).toBe(
      'SessionTracker dump:\nSession Sets (2)/(1):\n0 expire at Sun Nov 22 04:21:30 UTC 2026:\n' +
        '1 expire at Sun Nov 22 04:21:32 UTC 2026:\n\t0x100000a32e70000\nephemeral nodes dump:\n' +
        'Sessions with Ephemerals (1):\n0x100000a32e70000:\n\t/e1\n\t/e2\nConnections dump:\n' +
        'Connections Sets (1)/(2):\n2 expire at Sun Nov 22 04:21:34 UTC 2026:\n' +
        '\tip: /127.0.0.1:45870 sessionId: 0x100000a32e70000\n\tip: /127.0.0.1:45960 sessionId: 0x0\n',
    );
  });

  it('crst and srst reset and confirm', () => {
    const server = fakeServer();
    expect(runFourLetterWord('crst', server, all)).toBe('Connection stats reset.\n');
    expect(runFourLetterWord('srst', server, all)).toBe('Server stats reset.\n');
    expect(server.resets).toEqual(['connections', 'server']);
  });

  it('prints the not-serving line while the server is not running', () => {
    const server = fakeServer({ isRunning: () => false });
    for (const word of [
      'srvr',
      'stat',
      'mntr',
      'conf',
      'cons',
      'wchs',
      'wchc',
      'wchp',
      'dump',
      'crst',
      'srst',
      'dirs',
    ]) {
      expect(runFourLetterWord(word, server, all)).toBe(
        'This ZooKeeper instance is not currently serving requests\n',
      );
    }
    expect(server.resets).toEqual([]);
    expect(runFourLetterWord('ruok', server, all)).toBe('imok');
  });

  it('marks a read-only server in srvr', () => {
    const text = runFourLetterWord(
      'srvr',
      fakeServer({ isReadOnly: () => true, mode: () => 'read-only' }),
      all,
    );
    expect(text).toContain(`${version}\nREAD-ONLY mode; serving only read-only clients\nLatency`);
    expect(text).toContain('Mode: read-only\n');
  });
});

describe('four-letter words: whitelist', () => {
  it('refuses a known word that is not whitelisted, with Apache text', () => {
    const defaults = resolveFourLetterWordWhitelist('srvr', false);
    expect(runFourLetterWord('ruok', fakeServer(), defaults)).toBe(
      'ruok is not executed because it is not in the whitelist.\n',
    );
    expect(runFourLetterWord('srvr', fakeServer(), defaults)).toContain('Zookeeper version: ');
  });

  it('returns undefined for a word it does not know', () => {
    expect(runFourLetterWord('xxxx', fakeServer(), all)).toBeUndefined();
    expect(runFourLetterWord('gtmk', fakeServer(), all)).toBeUndefined();
  });

  it('recognises words from the would-be frame length', () => {
    expect(fourLetterWordFromLength(0x72756f6b)).toBe('ruok');
    expect(fourLetterWordFromLength(0x6d6e7472)).toBe('mntr');
    expect(fourLetterWordFromLength(45)).toBeUndefined();
  });
});

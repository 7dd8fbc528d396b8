/** Everything a recovered database must reproduce of the live one, in a form `toEqual` compares. */
import type { ZooKeeperDatabase } from '../../../../server/data/database';
import type { WatchOwner } from '../../../../server/data/watch-table';

/** Bound on the nodes a fingerprint walks (tests stay far below). */
const NODES_MAX = 1_000_000;

/**
 * Every node (path, client Stat, data, ACL, stored stat with the creation-counting cversion), ephemerals per
 * session, containers, TTL nodes, sessions, node count, approximate data size and the last applied zxid.
 */
export function databaseFingerprint<W extends WatchOwner>(db: ZooKeeperDatabase<W>): unknown {
  const tree = db.tree;
  const nodes: unknown[] = [];
  const stack = ['/'];
  for (let visited = 0; stack.length > 0; visited++) {
    if (visited > NODES_MAX) throw new Error('fingerprint walk is bounded');
    const path = stack.pop() as string;
    const data = tree.data(path);
    nodes.push([path, tree.stat(path), data?.toString('hex') ?? data, tree.acl(path), tree.node(path)?.stat]);
    for (const name of (tree.children(path) ?? []).sort())
      stack.push(path === '/' ? `/${name}` : `${path}/${name}`);
  }
  const byId = (left: bigint, right: bigint): number => (left < right ? -1 : left > right ? 1 : 0);
  return {
    nodes,
    ephemerals: [...tree.ephemeralSessions()]
      .map(([session, paths]) => [session, [...paths].sort()] as const)
      .sort(([left], [right]) => byId(left, right)),
    containers: [...tree.containers].sort(),
    ttlNodes: [...tree.ttlNodes].sort(),
    sessions: [...db.sessions].sort(([left], [right]) => byId(left, right)),
    nodeCount: tree.nodeCount,
    dataSize: tree.approximateDataSize,
    lastZxid: db.lastProcessedZxid,
  };
}

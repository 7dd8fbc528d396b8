/**
 * The ensemble backend of the differential runner: a 3-server zookit ensemble
 * (`TestingCluster`, in memory) whose FOLLOWER serves the scenario's sessions, so every
 * write is forwarded to the leader, every session is created, pinged and expired by the
 * leader, and every read and notification comes from a learner's own tree.
 */
import { TestingCluster, type TestingClusterOptions } from '../../../server/testing/testing-cluster';
import { Role, roleName } from '../../../server/zab/role';

/** Voting members of the conformance ensemble. */
export const ENSEMBLE_SERVERS = 3;

/** A running ensemble and the follower the scenarios talk to. */
export interface ConformanceEnsemble {
  readonly cluster: TestingCluster;
  /** The member whose client port the scenarios use (a follower at start). */
  readonly followerId: number;
  readonly followerPort: number;
  /** Fails if the leader changed or the follower no longer serves (a scenario must not run across an election). */
  checkStable(): void;
}

/**
 * Starts the ensemble with `serverOptions` on every member and waits until all members
 * serve; picks the lowest-numbered follower.
 */
export async function startConformanceEnsemble(
  tickTimeMs: number,
  serverOptions: NonNullable<TestingClusterOptions['serverOptions']>,
): Promise<ConformanceEnsemble> {
  const cluster = await TestingCluster.start({
    servers: ENSEMBLE_SERVERS,
    tickTimeMs,
    serverOptions,
  });
  try {
    const leaderId = await cluster.leader(30_000);
    await cluster.waitServing(cluster.ids, 30_000);
    const followerId = cluster.ids.find((id) => id !== leaderId);
    if (followerId === undefined) throw new Error('an ensemble of 3 has a follower');
    return {
      cluster,
      followerId,
      followerPort: cluster.member(followerId).clientPort,
      checkStable() {
        const leading = cluster.role(leaderId) === Role.LEADING;
        const following = cluster.role(followerId) === Role.FOLLOWING && cluster.isServing(followerId);
        if (!leading || !following)
          throw new Error(
            `the ensemble changed under the scenario (leader was ${leaderId}, client on ${followerId}; roles now ${cluster.ids
              .map((id) => `${id}:${describeRole(cluster.role(id))}`)
              .join(' ')})`,
          );
      },
    };
  } catch (error) {
    await cluster.close();
    throw error;
  }
}

function describeRole(role: Role | undefined): string {
  return role === undefined ? 'down' : roleName(role);
}

/** Helpers for the ensemble tests: clients pinned to members, polling waits. */

import type { TestingCluster } from '../../../server/testing/testing-cluster';
import { ZooKit, type ZooKitClient } from '../../../src/client/client';
import type { ConnectionState } from '../../../src/client/connection-state';
import type { ClientOptions } from '../../../src/types';

/** A started client on the given members (in that order), with its recorded states. */
export async function clientOn(
  cluster: TestingCluster,
  ids: readonly number[],
  options: ClientOptions = {},
): Promise<{ client: ZooKitClient; states: ConnectionState[] }> {
  const client = ZooKit.newClient(cluster.connectStringOf(ids), {
    sessionTimeoutMs: 6_000,
    connectionTimeoutMs: 10_000,
    ...options,
  });
  const states: ConnectionState[] = [];
  client.on('stateChanged', (state) => states.push(state));
  await client.start();
  return { client, states };
}

/** Waits until `predicate` holds, polling every 20 ms, failing after `timeoutMs`. */
export async function eventually(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The ids other than `id`. */
export function others(cluster: TestingCluster, id: number): number[] {
  return cluster.ids.filter((other) => other !== id);
}

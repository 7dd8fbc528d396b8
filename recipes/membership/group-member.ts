/**
 * GroupMember: membership in a group (Curator's `GroupMember`). This member is an EPHEMERAL
 * node `<membershipPath>/<thisId>` holding a payload, kept in place by {@link EphemeralNode}
 * (re-created after a new session or a deletion); the group is read from a
 * {@link CuratorCache} of the membership path.
 *
 * Connection states: SUSPENDED: this member probably still shows, the member list may be
 * stale. LOST: the server removed this member with the session; on the new session
 * (RECONNECTED) the node is re-created with the current payload and the cache rebuilt.
 *
 * ```ts
 * const member = new GroupMember(client, '/workers', 'worker-1', JSON.stringify({ slots: 4 }));
 * await member.start();
 * member.getCurrentMembers(); // Map { 'worker-1' => <Buffer ...>, ... }
 * ```
 */
import type { NodeData, ZooKitClient } from '../../src/index';
import { assert } from '../../src/util/assert';
import { CuratorCache } from '../cache/curator-cache';
import { EphemeralNode } from './ephemeral-node';

/** A member of a group. */
export class GroupMember {
  private readonly node: EphemeralNode;
  private readonly cache: CuratorCache;

  constructor(
    client: ZooKitClient,
    readonly membershipPath: string,
    readonly thisId: string,
    payload: NodeData = '',
  ) {
    assert(thisId.length > 0 && !thisId.includes('/'), 'a member id is one non-empty node name');
    this.node = new EphemeralNode(client, `${membershipPath}/${thisId}`, payload);
    this.cache = new CuratorCache(client, membershipPath);
  }

  /** Joins the group and loads the member list. */
  async start(): Promise<void> {
    await this.node.start();
    await this.cache.start();
  }

  /** The ephemeral node's events (`created`, `error` for conflicts). */
  get memberNode(): EphemeralNode {
    return this.node;
  }

  /** Sets this member's payload. */
  setThisData(payload: NodeData): Promise<void> {
    return this.node.setData(payload);
  }

  /** Member id → payload, from the cache; this member is always included with its payload. */
  getCurrentMembers(): Map<string, Buffer> {
    const members = new Map<string, Buffer>();
    for (const child of this.cache.childrenOf(this.membershipPath))
      members.set(idFromPath(child.path), child.data);
    members.set(this.thisId, this.node.currentData);
    return members;
  }

  /** Leaves the group. Idempotent. */
  async close(): Promise<void> {
    await this.cache.close();
    await this.node.close();
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The member id of a member node's path (its last component). */
export function idFromPath(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Peer roles (Apache's `QuorumPeer.ServerState`) and the transitions between them. Every
 * change goes through {@link assertTransition}: an illegal one is a bug and throws
 * AssertionError, as etcd-io/raft panics on "invalid transition".
 */
import { assert } from '../../src/util/assert';

/** The role a peer plays; values are Apache's ServerState ordinals (Notification.state). */
export const Role = {
  LOOKING: 0,
  FOLLOWING: 1,
  LEADING: 2,
  OBSERVING: 3,
} as const;
export type Role = (typeof Role)[keyof typeof Role];

const roleNames: Record<Role, string> = {
  [Role.LOOKING]: 'LOOKING',
  [Role.FOLLOWING]: 'FOLLOWING',
  [Role.LEADING]: 'LEADING',
  [Role.OBSERVING]: 'OBSERVING',
};

/** The role's name, e.g. `LEADING`. */
export function roleName(role: Role): string {
  const name = roleNames[role];
  assert(name !== undefined, `role ${role} is known`);
  return name;
}

/**
 * Throws AssertionError unless `from → to` is legal: LOOKING ends an election in exactly
 * one of the other roles, and every other role can only fall back to LOOKING.
 */
export function assertTransition(from: Role, to: Role): void {
  assert(from !== to, `invalid transition [${roleName(from)} -> ${roleName(to)}]`);
  const legal = from === Role.LOOKING ? to !== Role.LOOKING : to === Role.LOOKING;
  assert(legal, `invalid transition [${roleName(from)} -> ${roleName(to)}]`);
}

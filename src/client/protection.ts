/**
 * Curator's protected create. A create is not idempotent: if its reply is lost the client
 * cannot tell whether the node exists. Protection puts `_c_<uuid>-` in front of the node
 * name, so after a connection loss the client lists the parent and finds its own node by the
 * prefix instead of creating a second one. An ephemeral found with another session as owner
 * was made by an earlier session of this client (whose session is gone or going): it is
 * deleted, not returned, and the create runs again.
 */
import { randomUUID } from 'node:crypto';
import type { Stat } from '../protocol/data';
import { NoNodeError } from '../protocol/errors';
import { joinPath, nodeName, parentPath } from '../protocol/paths';

/** The marker every protected name starts with. */
export const PROTECTED_MARKER = '_c_';
/** Length of a protected prefix: marker + 36-character UUID + `-`. */
export const PROTECTED_PREFIX_LENGTH = PROTECTED_MARKER.length + 36 + 1;

/** A fresh protection id (a UUID). */
export function newProtectionId(): string {
  return randomUUID();
}

/** `_c_<id>-`: the prefix of protected node names. */
export function protectedPrefix(id: string): string {
  return `${PROTECTED_MARKER}${id}-`;
}

/** The protected form of `path`: its last component gets the prefix (`/a/b` → `/a/_c_<id>-b`). */
export function protectedPath(path: string, id: string): string {
  return joinPath(parentPath(path), protectedPrefix(id) + nodeName(path));
}

/** True if `name` (a node name, not a path) carries a protected prefix. */
export function isProtectedName(name: string): boolean {
  return (
    name.startsWith(PROTECTED_MARKER) &&
    name.length >= PROTECTED_PREFIX_LENGTH &&
    name.charAt(PROTECTED_PREFIX_LENGTH - 1) === '-'
  );
}

/** A node name without its protected prefix (unchanged when it has none). */
export function stripProtectedPrefix(name: string): string {
  return isProtectedName(name) ? name.slice(PROTECTED_PREFIX_LENGTH) : name;
}

/** The child of `children` made by the create with this prefix, or `undefined`. */
export function findProtectedChild(children: readonly string[], prefix: string): string | undefined {
  for (const child of children) if (child.startsWith(prefix)) return child;
  return undefined;
}

/** What the lookup needs from the client (application paths). */
export interface ProtectionLookupPort {
  readonly sessionId: bigint;
  getChildren(path: string): Promise<string[]>;
  exists(path: string): Promise<Stat | null>;
  delete(path: string): Promise<void>;
}

/**
 * After a lost create reply: the node the create with `prefix` made under `parent`, with its
 * Stat, or `undefined` if there is none (or it was an ephemeral of another session, which is
 * then deleted).
 */
export async function findProtectedNode(
  port: ProtectionLookupPort,
  parent: string,
  prefix: string,
  ephemeral: boolean,
): Promise<{ path: string; stat: Stat } | undefined> {
  let children: string[];
  try {
    children = await port.getChildren(parent);
  } catch (error) {
    if (error instanceof NoNodeError) return undefined;
    throw error;
  }
  const child = findProtectedChild(children, prefix);
  if (child === undefined) return undefined;
  const path = joinPath(parent, child);
  const stat = await port.exists(path);
  if (stat === null) return undefined;
  if (ephemeral && stat.ephemeralOwner !== port.sessionId) {
    try {
      await port.delete(path);
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
    }
    return undefined;
  }
  return { path, stat };
}

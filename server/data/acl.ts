/**
 * Server-side ACL rules (protocol.md §9): fix-up of a requested ACL list at create/setACL
 * time, the permission check every op runs, the auth providers (`world`, `auth`, `digest`,
 * `ip`, `super`), and the digest masking getACL applies for callers without ADMIN.
 */
import { Perms } from '../../src/protocol/constants';
import type { Acl, Id } from '../../src/protocol/data';
import { ErrorCode, fromCode } from '../../src/protocol/errors';
import { assert } from '../../src/util/assert';

/** Scheme names the server knows. */
export const AuthScheme = {
  world: 'world',
  auth: 'auth',
  digest: 'digest',
  ip: 'ip',
  super: 'super',
} as const;

/** How the server applies ACLs, fixed at start-up. */
export interface AclOptions {
  /** `zookeeper.skipACL=yes`: every check passes. */
  skipAcl: boolean;
}

/** Default ACL options: ACLs enforced. */
export const defaultAclOptions: AclOptions = { skipAcl: false };

/** Java's `String.split(regex)` without a limit: trailing empty strings are dropped. */
function javaSplit(text: string, separator: string): string[] {
  const parts = text.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  // Java returns [""] for an empty input, not [].
  return parts.length === 0 ? [''] : parts;
}

/** Java `Integer.parseInt` in a radix: optional sign then digits only, else undefined. */
function javaParseInt(text: string, radix: 10 | 16): number | undefined {
  const pattern = radix === 10 ? /^[+-]?[0-9]+$/ : /^[+-]?[0-9a-fA-F]+$/;
  if (!pattern.test(text)) return undefined;
  const value = Number.parseInt(text, radix);
  if (value > 0x7fffffff || value < -0x80000000) return undefined;
  return value;
}

function ipv4Bytes(address: string): number[] | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    const value = javaParseInt(part, 10);
    if (value === undefined || value < 0 || value > 255) return undefined;
    bytes.push(value);
  }
  return bytes;
}

function ipv6Segments(text: string): string[] {
  return text === '' ? [] : text.split(':');
}

function ipv6Bytes(address: string): number[] | undefined {
  const halves = address.split('::');
  let head: string[];
  let tail: string[] = [];
  if (halves.length === 1) {
    head = (halves[0] ?? '').split(':');
    if (head.length !== 8) return undefined;
  } else if (halves.length === 2) {
    head = ipv6Segments(halves[0] ?? '');
    tail = ipv6Segments(halves[1] ?? '');
    if (head.length + tail.length >= 8) return undefined;
  } else {
    return undefined;
  }
  const bytes = new Array<number>(16).fill(0);
  const write = (segments: string[], start: number): boolean => {
    let index = start;
    for (const segment of segments) {
      if (segment === '' || segment.length > 4) return false;
      const value = javaParseInt(segment, 16);
      if (value === undefined) return false;
      bytes[index++] = (value >> 8) & 0xff;
      bytes[index++] = value & 0xff;
    }
    return true;
  };
  if (!write(head, 0) || !write(tail, 16 - tail.length * 2)) return undefined;
  return bytes;
}

/** An address as bytes (4 for IPv4, 16 for IPv6), chosen as Apache does: any `:` means IPv6. */
function addressBytes(address: string): number[] | undefined {
  if (address.includes(':')) return ipv6Bytes(address);
  if (address.includes('.')) return ipv4Bytes(address);
  return undefined;
}

function maskBytes(bytes: number[], bits: number): void {
  for (let index = 0; index < bytes.length; index++) {
    const keep = Math.min(8, Math.max(0, bits - index * 8));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    bytes[index] = (bytes[index] ?? 0) & mask;
  }
}

/** Splits an ip ACL expression `addr[/bits]` into its address bytes and prefix length. */
function parseIpExpression(expression: string): { bytes: number[]; bits: number } | undefined {
  const slash = expression.indexOf('/');
  const address = slash === -1 ? expression : expression.slice(0, slash);
  const bytes = addressBytes(address);
  if (bytes === undefined) return undefined;
  let bits = bytes.length * 8;
  if (slash !== -1) {
    const parsed = javaParseInt(expression.slice(slash + 1), 10);
    if (parsed === undefined || parsed < 0 || parsed > bytes.length * 8) return undefined;
    bits = parsed;
  }
  return { bytes, bits };
}

/** True if `expression` is a valid `ip` ACL id (`a.b.c.d[/bits]` or IPv6 `[/bits]`). */
export function isValidIpExpression(expression: string): boolean {
  return parseIpExpression(expression) !== undefined;
}

/** True if the remote address `address` falls in the ip ACL `expression` (masked prefix match). */
export function ipMatches(address: string, expression: string): boolean {
  const acl = parseIpExpression(expression);
  if (acl === undefined) return false;
  const remote = addressBytes(address);
  if (remote === undefined || remote.length !== acl.bytes.length) return false;
  maskBytes(acl.bytes, acl.bits);
  maskBytes(remote, acl.bits);
  return remote.every((byte, index) => byte === acl.bytes[index]);
}

/** True if `id` is a valid `digest` ACL id: exactly two parts on `:` (Java split rules). */
export function isValidDigestId(id: string): boolean {
  return javaSplit(id, ':').length === 2;
}

/** True for schemes whose provider exists on this server (`world` and `super` have none). */
function hasProvider(scheme: string): boolean {
  return scheme === AuthScheme.digest || scheme === AuthScheme.ip;
}

/** True for schemes whose provider reports "authenticated" (an `auth` ACL expands to these). */
function isAuthenticatedScheme(scheme: string): boolean {
  return scheme === AuthScheme.digest;
}

function providerMatches(scheme: string, authId: string, aclId: string): boolean {
  if (scheme === AuthScheme.digest) return authId === aclId;
  if (scheme === AuthScheme.ip) return ipMatches(authId, aclId);
  return false;
}

function isValidForProvider(scheme: string, id: string): boolean {
  if (scheme === AuthScheme.digest) return isValidDigestId(id);
  if (scheme === AuthScheme.ip) return isValidIpExpression(id);
  return false;
}

function sameAcl(left: Acl, right: Acl): boolean {
  return left.perms === right.perms && left.id.scheme === right.id.scheme && left.id.id === right.id.id;
}

/**
 * Apache's `fixupACL`: drops duplicate entries, keeps `world:anyone`, expands each `auth`
 * entry into one entry per authenticated id of the connection, and validates the rest with
 * their provider. Throws an INVALIDACL {@link ZooKeeperError} for an empty list, a
 * `world` id other than `anyone`, `auth` without an authenticated id, an unknown scheme
 * (including `super`) or an id the provider rejects.
 */
export function fixupAcl(path: string, authIds: readonly Id[], acl: readonly Acl[] | null): Acl[] {
  const unique: Acl[] = [];
  for (const entry of acl ?? []) {
    if (!unique.some((kept) => sameAcl(kept, entry))) unique.push(entry);
  }
  if (unique.length === 0) throw fromCode(ErrorCode.INVALIDACL, { path });
  const fixed: Acl[] = [];
  for (const entry of unique) {
    const { scheme, id } = entry.id;
    if (scheme === AuthScheme.world && id === 'anyone') {
      fixed.push(entry);
    } else if (scheme === AuthScheme.auth) {
      const before = fixed.length;
      for (const authId of authIds) {
        if (isAuthenticatedScheme(authId.scheme)) fixed.push({ perms: entry.perms, id: authId });
      }
      if (fixed.length === before) throw fromCode(ErrorCode.INVALIDACL, { path });
    } else {
      if (!hasProvider(scheme) || !isValidForProvider(scheme, id)) {
        throw fromCode(ErrorCode.INVALIDACL, { path });
      }
      fixed.push(entry);
    }
  }
  assert(fixed.length > 0, 'a fixed-up ACL list is never empty');
  return fixed;
}

/**
 * Apache's `checkACL`: true if a connection holding `authIds` may do `perm` on a node with
 * `acl`. Passes when ACLs are skipped, the list is empty, the connection holds `super`, or
 * an entry with an overlapping perm is `world:anyone` or matches one of the connection's
 * ids of the same scheme.
 */
export function checkAcl(
  acl: readonly Acl[],
  perm: number,
  authIds: readonly Id[],
  options: AclOptions = defaultAclOptions,
): boolean {
  assert(perm > 0 && perm <= Perms.ALL, 'a permission check asks for some permission');
  if (options.skipAcl || acl.length === 0) return true;
  if (authIds.some((authId) => authId.scheme === AuthScheme.super)) return true;
  for (const entry of acl) {
    if ((entry.perms & perm) === 0) continue;
    const { scheme, id } = entry.id;
    if (scheme === AuthScheme.world && id === 'anyone') return true;
    if (!hasProvider(scheme)) continue;
    for (const authId of authIds) {
      if (authId.scheme === scheme && providerMatches(scheme, authId.id, id)) return true;
    }
  }
  return false;
}

/** {@link checkAcl}, throwing a NOAUTH {@link ZooKeeperError} on failure. */
export function requireAcl(
  path: string,
  acl: readonly Acl[],
  perm: number,
  authIds: readonly Id[],
  options: AclOptions = defaultAclOptions,
): void {
  if (!checkAcl(acl, perm, authIds, options)) throw fromCode(ErrorCode.NOAUTH, { path });
}

/**
 * The ACL list getACL returns to a caller without ADMIN: digest ids become `user:x`
 * (everything from the first `:` replaced), other entries unchanged.
 */
export function maskDigestIds(acl: readonly Acl[]): Acl[] {
  return acl.map((entry) => {
    if (entry.id.scheme !== AuthScheme.digest) return entry;
    const colon = entry.id.id.indexOf(':');
    const masked = colon === -1 ? entry.id.id : `${entry.id.id.slice(0, colon)}:x`;
    return { perms: entry.perms, id: { scheme: entry.id.scheme, id: masked } };
  });
}

/**
 * The ids a digest AuthPacket adds to a connection: `digest:<user:hash>` (hash computed by
 * `digest`, i.e. `digestId` of src/protocol/auth.ts), preceded by `super:` when the
 * digest equals the configured `superDigest`. Digest authentication always succeeds.
 */
export function digestAuthIds(
  credentials: string,
  digest: (userPassword: string) => string,
  superDigest: string | undefined,
): Id[] {
  const id = digest(credentials);
  const ids: Id[] = [];
  if (superDigest !== undefined && id === superDigest) ids.push({ scheme: AuthScheme.super, id: '' });
  ids.push({ scheme: AuthScheme.digest, id });
  return ids;
}

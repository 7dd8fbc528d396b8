/**
 * zkCli's output formats, as pure functions returning lines: Stat blocks, ACLs, child lists,
 * watch events and error messages. Checked against Apache ZooKeeper 3.8.0's `zkCli.sh`.
 */
import type { ConnectionState } from '../../../src/client/connection-state';
import { Perms } from '../../../src/protocol/constants';
import type { Acl, Stat } from '../../../src/protocol/data';
import { ErrorCode, ZooKeeperError } from '../../../src/protocol/errors';
import type { ClientInfo, WatchEvent } from '../../../src/types';
import { javaDateUtc, javaLongHex } from '../../admin/java-format';

/** A Stat as `stat` and `get -s` print it (`cZxid = 0x2`, …), one line per field. */
export function formatStat(stat: Stat): string[] {
  return [
    `cZxid = 0x${javaLongHex(stat.czxid)}`,
    `ctime = ${javaDateUtc(Number(stat.ctime))}`,
    `mZxid = 0x${javaLongHex(stat.mzxid)}`,
    `mtime = ${javaDateUtc(Number(stat.mtime))}`,
    `pZxid = 0x${javaLongHex(stat.pzxid)}`,
    `cversion = ${stat.cversion}`,
    `dataVersion = ${stat.version}`,
    `aclVersion = ${stat.aversion}`,
    `ephemeralOwner = 0x${javaLongHex(stat.ephemeralOwner)}`,
    `dataLength = ${stat.dataLength}`,
    `numChildren = ${stat.numChildren}`,
  ];
}

/** Java's `List.toString`: `[a, b]`. */
export function formatList(items: readonly string[]): string {
  return `[${items.join(', ')}]`;
}

/** Permission letters in zkCli's order (`cdrwa`). */
export function permissionString(perms: number): string {
  const letters: [number, string][] = [
    [Perms.CREATE, 'c'],
    [Perms.DELETE, 'd'],
    [Perms.READ, 'r'],
    [Perms.WRITE, 'w'],
    [Perms.ADMIN, 'a'],
  ];
  return letters.map(([bit, letter]) => ((perms & bit) !== 0 ? letter : '')).join('');
}

/** Jute's CSV escaping of a string field, as `Id.toString` prints it (`'world,'anyone`). */
function juteCsvString(text: string): string {
  const escapes: Record<string, string> = {
    '\0': '%00',
    '\n': '%0A',
    '\r': '%0D',
    ',': '%2C',
    '}': '%7D',
    '%': '%25',
  };
  return `'${[...text].map((char) => escapes[char] ?? char).join('')}`;
}

/** An ACL as `getAcl` prints it: per entry `'scheme,'id` then `: perms`. */
export function formatAcl(acl: readonly Acl[]): string[] {
  return acl.flatMap((entry) => [
    `${juteCsvString(entry.id.scheme)},${juteCsvString(entry.id.id)}`,
    `: ${permissionString(entry.perms)}`,
  ]);
}

/** An ACL text that could not be parsed; `message` is what zkCli prints. */
export class AclSyntaxError extends Error {
  override readonly name = 'AclSyntaxError';
}

/** `rwcda` → permission bits; throws {@link AclSyntaxError} for another letter. */
export function parsePermissions(text: string): number {
  const bits: Record<string, number> = {
    r: Perms.READ,
    w: Perms.WRITE,
    c: Perms.CREATE,
    d: Perms.DELETE,
    a: Perms.ADMIN,
  };
  let perms = 0;
  for (const letter of text) {
    const bit = bits[letter];
    if (bit === undefined) throw new AclSyntaxError(`Unknown perm type: ${letter}`);
    perms |= bit;
  }
  return perms;
}

/**
 * zkCli's ACL text: comma-separated `scheme:id:perms` (the id may contain colons, as in
 * `digest:user:hash:cdrwa`). Throws {@link AclSyntaxError} naming the first bad entry.
 */
export function parseAcl(text: string): Acl[] {
  return text.split(',').map((entry) => {
    const first = entry.indexOf(':');
    const last = entry.lastIndexOf(':');
    if (first === -1 || first === last)
      throw new AclSyntaxError(`${entry} does not have the form scheme:id:perm`);
    return {
      id: { scheme: entry.slice(0, first), id: entry.slice(first + 1, last) },
      perms: parsePermissions(entry.slice(last + 1)),
    };
  });
}

/** `whoami`'s lines. */
export function formatWhoAmI(identities: readonly ClientInfo[]): string[] {
  return ['Auth scheme: User', ...identities.map((identity) => `${identity.authScheme}: ${identity.user}`)];
}

/** zkCli's keeper-state name for a zookit connection state (what `WatchedEvent state:` shows). */
export function keeperStateName(state: ConnectionState | 'CLOSED'): string {
  switch (state) {
    case 'CONNECTED':
    case 'RECONNECTED':
      return 'SyncConnected';
    case 'SUSPENDED':
      return 'Disconnected';
    case 'LOST':
      return 'Expired';
    case 'READ_ONLY':
      return 'ConnectedReadOnly';
    case 'CLOSED':
      return 'Closed';
  }
}

/** zkCli's block for a watched event: a blank line, `WATCHER::`, a blank line, the event. */
function watcherBlock(state: string, type: string, path: string): string[] {
  return ['', 'WATCHER::', '', `WatchedEvent state:${state} type:${type} path:${path}`];
}

/** The lines printed when a watch fires. */
export function formatWatchEvent(event: WatchEvent): string[] {
  if (event.type === 'NotWatching')
    return watcherBlock(event.reason === 'closed' ? 'Closed' : 'Expired', 'None', event.path);
  return watcherBlock('SyncConnected', event.type, event.path);
}

/** The lines printed when the connection state changes (a `None` event, as zkCli shows it). */
export function formatStateEvent(state: ConnectionState | 'CLOSED'): string[] {
  return watcherBlock(keeperStateName(state), 'None', 'null');
}

/** zkCli's message for a server error code on `path`, where zkCli has its own wording. */
function zkCliMessage(code: number, path: string): string | undefined {
  switch (code) {
    case ErrorCode.NONODE:
      return `Node does not exist: ${path}`;
    case ErrorCode.NODEEXISTS:
      return `Node already exists: ${path}`;
    case ErrorCode.NOTEMPTY:
      return `Node not empty: ${path}`;
    case ErrorCode.BADVERSION:
      return `version No is not valid : ${path}`;
    case ErrorCode.NOAUTH:
      return `Insufficient permission : ${path}`;
    case ErrorCode.INVALIDACL:
      return `Acl is not valid : ${path}`;
    case ErrorCode.NOCHILDRENFOREPHEMERALS:
      return `Ephemerals cannot have children: ${path}`;
    default:
      return undefined;
  }
}

/**
 * The error line for a failed command: zkCli's wording followed by the code name, e.g.
 * `Node does not exist: /a (NONODE)`. `path` is the command's path, used when the error
 * carries none.
 */
export function formatError(error: unknown, path: string | undefined): string {
  if (error instanceof ZooKeeperError) {
    const where = error.path ?? path ?? '';
    const text = zkCliMessage(error.code, where);
    if (text !== undefined) return `${text} (${error.codeName})`;
    const detail = error.message.replace(/^[A-Z]+: /, '').replace(/ \(.*\)$/, '');
    return `KeeperErrorCode = ${detail}${where === '' ? '' : ` for ${where}`} (${error.codeName})`;
  }
  if (error instanceof Error) return `${error.message} (${error.name})`;
  return String(error);
}

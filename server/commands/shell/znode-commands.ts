/**
 * The shell commands that talk to ZooKeeper (`ls`, `create`, `get`, …): each turns a
 * {@link ParsedCommand} into client calls and zkCli's output lines. Failures are thrown
 * (ZooKeeper errors as they come from the client; bad input as {@link ShellUsageError}) and
 * formatted by the session.
 */
import type { ZooKitClient } from '../../../src/client/client';
import { CreateMode } from '../../../src/protocol/constants';
import type { Acl } from '../../../src/protocol/data';
import { ErrorCode, fromCode } from '../../../src/protocol/errors';
import { joinPath } from '../../../src/protocol/paths';
import type { PersistentWatch, WatchCallback, WatcherKind } from '../../../src/types';
import { assert } from '../../../src/util/assert';
import type { ParsedCommand } from './command-line';
import { formatAcl, formatList, formatStat, formatWhoAmI, parseAcl } from './output-format';

/** A command given wrong input (not a ZooKeeper error); the message is printed as is. */
export class ShellUsageError extends Error {
  override readonly name = 'ShellUsageError';
}

/** What a command handler needs from the session. */
export interface CommandContext {
  readonly client: ZooKitClient;
  /** Prints lines on stdout. */
  out(lines: readonly string[]): void;
  /** The one-shot watcher that prints events (`-w`). */
  readonly watcher: WatchCallback;
  /** Prints a persistent watch's events until it ends. */
  followPersistentWatch(watch: PersistentWatch): void;
}

/** Nodes visited by one recursive command (`ls -R`, `setAcl -R`) at most. */
export const subtreeNodesMax = 100_000;

type Handler = (context: CommandContext, command: ParsedCommand) => Promise<void>;

function flag(command: ParsedCommand, name: string): boolean {
  return command.flags[name] === true;
}

function numberFlag(command: ParsedCommand, name: string): number | undefined {
  const value = command.flags[name];
  assert(value === undefined || typeof value === 'number', 'integer flags are parsed to numbers');
  return value;
}

function argument(command: ParsedCommand, index: number): string {
  const value = command.args[index];
  assert(value !== undefined, 'the parser checked the argument count');
  return value;
}

/** Every path of the subtree at `root`, breadth first as zkCli lists it, children in name order. */
async function subtreePaths(client: ZooKitClient, root: string): Promise<string[]> {
  const paths = [root];
  for (let next = 0; next < paths.length; next += 1) {
    if (paths.length > subtreeNodesMax)
      throw new ShellUsageError(`more than ${subtreeNodesMax} nodes under ${root}`);
    const path = paths[next] as string;
    const children = [...(await client.getChildren(path))].sort();
    for (const child of children) paths.push(joinPath(path, child));
  }
  return paths;
}

function createMode(command: ParsedCommand): CreateMode {
  const sequential = flag(command, 's');
  const ephemeral = flag(command, 'e');
  const ttl = numberFlag(command, 't');
  if (flag(command, 'c')) {
    if (sequential || ephemeral)
      throw new ShellUsageError(
        '-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.',
      );
    if (ttl !== undefined) throw new ShellUsageError('TTLs cannot be used with Container znodes');
    return CreateMode.CONTAINER;
  }
  if (ttl !== undefined) {
    if (ephemeral) throw new ShellUsageError('TTLs cannot be used with Ephemeral znodes');
    return sequential ? CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL : CreateMode.PERSISTENT_WITH_TTL;
  }
  if (sequential) return ephemeral ? CreateMode.EPHEMERAL_SEQUENTIAL : CreateMode.PERSISTENT_SEQUENTIAL;
  return ephemeral ? CreateMode.EPHEMERAL : CreateMode.PERSISTENT;
}

function aclArgument(text: string): Acl[] {
  try {
    return parseAcl(text);
  } catch (error) {
    throw new ShellUsageError(error instanceof Error ? error.message : String(error));
  }
}

const create: Handler = async ({ client, out }, command) => {
  const mode = createMode(command);
  const ttlMs = numberFlag(command, 't');
  const acl = command.args[2] === undefined ? undefined : aclArgument(command.args[2]);
  const created = await client.create(argument(command, 0), command.args[1] ?? null, {
    mode,
    ...(ttlMs !== undefined ? { ttlMs } : {}),
    ...(acl !== undefined ? { acl } : {}),
  });
  out([`Created ${created}`]);
};

const ls: Handler = async ({ client, out, watcher }, command) => {
  const path = argument(command, 0);
  const watch = flag(command, 'w') ? watcher : false;
  if (flag(command, 'R')) {
    out(await subtreePaths(client, path));
    return;
  }
  const { children, stat } = await client.getChildren(path, { watch, withStat: true });
  out([formatList([...children].sort())]);
  if (flag(command, 's')) out(formatStat(stat));
};

const get: Handler = async ({ client, out, watcher }, command) => {
  const { data, stat } = await client.getData(argument(command, 0), {
    watch: flag(command, 'w') ? watcher : false,
  });
  out([data.toString('utf8')]);
  if (flag(command, 's')) out(formatStat(stat));
};

const set: Handler = async ({ client, out }, command) => {
  const version = numberFlag(command, 'v');
  const stat = await client.setData(argument(command, 0), argument(command, 1), {
    ...(version !== undefined ? { version } : {}),
  });
  if (flag(command, 's')) out(formatStat(stat));
};

const stat: Handler = async ({ client, out, watcher }, command) => {
  const path = argument(command, 0);
  const found = await client.exists(path, { watch: flag(command, 'w') ? watcher : false });
  if (found === null) throw fromCode(ErrorCode.NONODE, { path });
  out(formatStat(found));
};

const remove: Handler = async ({ client }, command) => {
  const version = numberFlag(command, 'v');
  await client.delete(argument(command, 0), { ...(version !== undefined ? { version } : {}) });
};

const deleteAll: Handler = async ({ client }, command) => {
  await client.delete(argument(command, 0), { deletingChildrenIfNeeded: true });
};

const getAcl: Handler = async ({ client, out }, command) => {
  const { acl, stat } = await client.getACL(argument(command, 0));
  out(formatAcl(acl));
  if (flag(command, 's')) out(formatStat(stat));
};

const setAcl: Handler = async ({ client, out }, command) => {
  const path = argument(command, 0);
  const acl = aclArgument(argument(command, 1));
  const version = numberFlag(command, 'v');
  if (flag(command, 'R')) {
    // zkCli applies the ACL to every node of the subtree, ignoring the version.
    for (const node of await subtreePaths(client, path)) await client.setACL(node, acl);
    return;
  }
  const stat = await client.setACL(path, acl, { ...(version !== undefined ? { version } : {}) });
  if (flag(command, 's')) out(formatStat(stat));
};

const addAuth: Handler = async ({ client }, command) => {
  await client.addAuth(argument(command, 0), argument(command, 1));
};

const sync: Handler = async ({ client, out }, command) => {
  await client.sync(argument(command, 0));
  out(['Sync is OK']);
};

const getEphemerals: Handler = async ({ client, out }, command) => {
  out([formatList(await client.getEphemerals(command.args[0] ?? '/'))]);
};

const getAllChildrenNumber: Handler = async ({ client, out }, command) => {
  out([String(await client.getAllChildrenNumber(argument(command, 0)))]);
};

const addWatch: Handler = async ({ client, followPersistentWatch }, command) => {
  const recursive = (command.flags.m ?? 'PERSISTENT_RECURSIVE') === 'PERSISTENT_RECURSIVE';
  const watch = client.watch(argument(command, 0), { recursive });
  try {
    await watch.ready;
  } catch (error) {
    await watch.close();
    throw error;
  }
  followPersistentWatch(watch);
};

function watcherKind(command: ParsedCommand): WatcherKind {
  const kinds = (['c', 'd', 'a'] as const).filter((letter) => flag(command, letter));
  if (kinds.length > 1) throw new ShellUsageError('only one of -c, -d, -a may be given');
  if (kinds[0] === 'c') return 'children';
  if (kinds[0] === 'd') return 'data';
  return 'any';
}

const removeWatches: Handler = async ({ client }, command) => {
  await client.removeWatches(argument(command, 0), {
    kind: watcherKind(command),
    local: flag(command, 'l'),
  });
};

const whoAmI: Handler = async ({ client, out }) => {
  out(formatWhoAmI(await client.whoAmI()));
};

/** The handlers of the commands that need a connected client, by command name. */
export const znodeCommands: Readonly<Record<string, Handler>> = {
  addWatch,
  addauth: addAuth,
  create,
  delete: remove,
  deleteall: deleteAll,
  get,
  getAcl,
  getAllChildrenNumber,
  getEphemerals,
  ls,
  removewatches: removeWatches,
  set,
  setAcl,
  stat,
  sync,
  whoami: whoAmI,
};

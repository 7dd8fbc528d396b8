/**
 * Shorthands for writing scenarios as data: {@link scenario} and the ACL and multi-op
 * builders every group uses.
 */
import { createHash } from 'node:crypto';
import { OpCode } from '../../../src/protocol/constants';
import type { Acl } from '../../../src/protocol/data';
import type { MultiOp } from '../../../src/protocol/multi';
import type { Scenario, ScenarioContext } from '../harness/runner';

/** A scenario from a name and a body (plus optional flags). */
export function scenario(
  name: string,
  run: (context: ScenarioContext) => Promise<void>,
  extra: Omit<Scenario, 'name' | 'run'> = {},
): Scenario {
  return { name, run, ...extra };
}

/** `world:anyone` with `perms`. */
export function world(perms = 31): Acl[] {
  return [{ perms, id: { scheme: 'world', id: 'anyone' } }];
}

/** The digest ACL id of `user:password`. */
export function digestOf(user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`;
}

/** One ACL entry. */
export function acl(perms: number, scheme: string, id: string): Acl {
  return { perms, id: { scheme, id } };
}

const OPEN = world();

/** Multi-op builders. */
export const op = {
  create(path: string, data: string | null = '', flags = 0, type: 1 | 15 | 19 = OpCode.create): MultiOp {
    return { type, request: { path, data: data === null ? null : Buffer.from(data), acl: OPEN, flags } };
  },
  createTtl(path: string, ttl: bigint, flags = 5): MultiOp {
    return { type: OpCode.createTTL, request: { path, data: Buffer.alloc(0), acl: OPEN, flags, ttl } };
  },
  delete(path: string, version = -1): MultiOp {
    return { type: OpCode.delete, request: { path, version } };
  },
  setData(path: string, data: string, version = -1): MultiOp {
    return { type: OpCode.setData, request: { path, data: Buffer.from(data), version } };
  },
  check(path: string, version: number): MultiOp {
    return { type: OpCode.check, request: { path, version } };
  },
  getData(path: string): MultiOp {
    return { type: OpCode.getData, request: { path, watch: false } };
  },
  getChildren(path: string): MultiOp {
    return { type: OpCode.getChildren, request: { path, watch: false } };
  },
};

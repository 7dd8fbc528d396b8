import { describe, expect, it } from 'vitest';
import { OperationRunner } from '../../../../src/client/operations';
import {
  findProtectedChild,
  findProtectedNode,
  isProtectedName,
  protectedPath,
  protectedPrefix,
  stripProtectedPrefix,
} from '../../../../src/client/protection';
import { RetryOneTime } from '../../../../src/client/retry-policy';
import type { Session } from '../../../../src/client/session';
import {
  type ReadOp,
  type TransactionOp,
  toMultiOps,
  toMultiReadOps,
  toOperationResults,
  toReadResults,
} from '../../../../src/client/transaction';
import { TransactionError } from '../../../../src/errors';
import { CreateMode, OpCode } from '../../../../src/protocol/constants';
import { emptyStat, Ids } from '../../../../src/protocol/data';
import { BadVersionError, NoNodeError, ProtocolError } from '../../../../src/protocol/errors';
import { prependChroot, stripChroot } from '../../../../src/protocol/paths';

const id = '0b3c9c1e-2f4a-4d7e-9a55-0123456789ab';

describe('protected names', () => {
  it('put _c_<uuid>- in front of the last component', () => {
    expect(protectedPrefix(id)).toBe(`_c_${id}-`);
    expect(protectedPath('/locks/lock-', id)).toBe(`/locks/_c_${id}-lock-`);
    expect(protectedPath('/top', id)).toBe(`/_c_${id}-top`);
  });

  it('are recognised and stripped', () => {
    const name = `_c_${id}-lock-0000000003`;
    expect(isProtectedName(name)).toBe(true);
    expect(stripProtectedPrefix(name)).toBe('lock-0000000003');
    expect(isProtectedName('_c_short-lock')).toBe(false);
    expect(stripProtectedPrefix('plain')).toBe('plain');
  });

  it('match only the child with the same prefix', () => {
    const other = '11111111-2222-4333-8444-555555555555';
    const children = [`_c_${other}-n-0000000001`, 'n-0000000002', `_c_${id}-n-0000000003`];
    expect(findProtectedChild(children, protectedPrefix(id))).toBe(`_c_${id}-n-0000000003`);
    expect(
      findProtectedChild(children, protectedPrefix('22222222-2222-4333-8444-555555555555')),
    ).toBeUndefined();
  });

  it('lookup deletes an ephemeral of another session and returns our own', async () => {
    const deleted: string[] = [];
    const owners = new Map([
      [`/p/_c_${id}-a`, 7n],
      ['/p/other', 7n],
    ]);
    const port = {
      sessionId: 9n,
      getChildren: async () => [...owners.keys()].map((path) => path.slice(3)),
      exists: async (path: string) => ({ ...emptyStat(), ephemeralOwner: owners.get(path) ?? 0n }),
      delete: async (path: string) => {
        deleted.push(path);
      },
    };
    expect(await findProtectedNode(port, '/p', protectedPrefix(id), true)).toBeUndefined();
    expect(deleted).toEqual([`/p/_c_${id}-a`]);
    const mine = await findProtectedNode({ ...port, sessionId: 7n }, '/p', protectedPrefix(id), true);
    expect(mine?.path).toBe(`/p/_c_${id}-a`);
    const missingParent = { ...port, getChildren: async () => Promise.reject(new NoNodeError()) };
    expect(await findProtectedNode(missingParent, '/p', protectedPrefix(id), false)).toBeUndefined();
  });

  it("the client's lookup compares with the session as it is when the node is found, not when the retry began", async () => {
    // A session that ends during the lookup: its ephemeral is on its way out and is not ours.
    const session = { sessionId: 7n, onStateChange: () => undefined } as unknown as Session;
    const runner = new OperationRunner(
      session,
      new RetryOneTime({ sleepMsBetweenRetry: 0 }),
      () => false,
      [],
    );
    const port = runner.lookupPort();
    expect(port.sessionId).toBe(7n);
    (session as { sessionId: bigint }).sessionId = 9n;
    expect(port.sessionId).toBe(9n);
  });
});

describe('chroot mapping', () => {
  it('prepends on the way out and strips on the way in', () => {
    expect(prependChroot('/app', '/')).toBe('/app');
    expect(prependChroot('/app', '/a/b')).toBe('/app/a/b');
    expect(stripChroot('/app', '/app')).toBe('/');
    expect(stripChroot('/app', '/app/a')).toBe('/a');
    expect(stripChroot('', '/a')).toBe('/a');
  });
});

describe('transaction mapping', () => {
  const ops: TransactionOp[] = [
    { type: 'create', path: '/a', data: 'x', mode: CreateMode.PERSISTENT, acl: undefined, ttlMs: undefined },
    { type: 'check', path: '/b', version: 3 },
    { type: 'setData', path: '/c', data: null, version: -1 },
    { type: 'delete', path: '/d', version: 1 },
  ];
  const encoding = {
    toServerPath: (path: string) => `/ns${path}`,
    toData: (data: unknown) => (data === null ? null : Buffer.from(String(data))),
    defaultAcl: Ids.OPEN_ACL_UNSAFE,
  };

  it('encodes ops with the chroot, creates as create2', () => {
    const multi = toMultiOps(ops, encoding);
    expect(multi.map((op) => [op.type, op.request.path])).toEqual([
      [OpCode.create2, '/ns/a'],
      [OpCode.check, '/ns/b'],
      [OpCode.setData, '/ns/c'],
      [OpCode.delete, '/ns/d'],
    ]);
  });

  it('maps successful results, chroot stripped', () => {
    const stat = emptyStat();
    const results = toOperationResults(
      ops,
      [
        { type: OpCode.create2, path: '/ns/a', stat },
        { type: OpCode.check },
        { type: OpCode.setData, stat },
        { type: OpCode.delete },
      ],
      (path) => path.slice(3),
    );
    expect(results).toEqual([
      { type: 'create', path: '/a', stat },
      { type: 'check' },
      { type: 'setData', stat },
      { type: 'delete' },
    ]);
  });

  it('throws TransactionError with per-op errors', () => {
    const failure = (() => {
      try {
        toOperationResults(
          ops,
          [
            { type: OpCode.error, err: 0 },
            { type: OpCode.error, err: -103 },
            { type: OpCode.error, err: -2 },
            { type: OpCode.error, err: -2 },
          ],
          (path) => path,
        );
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(TransactionError);
    const error = failure as TransactionError;
    expect(error.failedIndex).toBe(1);
    expect(error.error).toBeInstanceOf(BadVersionError);
    expect(error.error.path).toBe('/b');
    expect(error.errors.map((entry) => entry.type)).toEqual(['ok', 'error', 'error', 'error']);
  });
});

describe('multiRead mapping', () => {
  const ops: ReadOp[] = [
    { type: 'getData', path: '/a' },
    { type: 'getChildren', path: '/b' },
  ];
  it('sends reads without watches under the chroot, and pairs each result with its op', () => {
    expect(toMultiReadOps(ops, (path) => `/root${path}`)).toEqual([
      { type: OpCode.getData, request: { path: '/root/a', watch: false } },
      { type: OpCode.getChildren, request: { path: '/root/b', watch: false } },
    ]);
    const results = toReadResults(ops, [
      { type: OpCode.getData, data: null, stat: emptyStat() },
      { type: OpCode.error, err: -101 },
    ]);
    expect(results[0]).toEqual({ type: 'getData', path: '/a', data: Buffer.alloc(0), stat: emptyStat() });
    expect(results[1]?.type === 'error' && results[1].error).toBeInstanceOf(NoNodeError);
    expect(results[1]?.type === 'error' && results[1].error.path).toBe('/b');
  });
  it('refuses a response that does not match the ops (count or kind) as a ProtocolError', () => {
    expect(() => toReadResults(ops, [{ type: OpCode.getData, data: null, stat: emptyStat() }])).toThrow(
      ProtocolError,
    );
    expect(() =>
      toReadResults(ops, [
        { type: OpCode.getChildren, children: [] },
        { type: OpCode.getChildren, children: [] },
      ]),
    ).toThrow(ProtocolError);
  });
});

/**
 * A scripted node-zookeeper-client session (the npm package, unchanged): create modes,
 * get/set with versions, children, watches, transactions, digest ACLs, exists, delete and
 * errors by code. It returns a transcript of normalised results (no zxids, times or
 * session ids) so the transcripts of two servers can be compared.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

/** A stat reduced to what two servers agree on. */
export interface NormalisedStat {
  version: number;
  cversion: number;
  aversion: number;
  dataLength: number;
  numChildren: number;
  ephemeral: boolean;
  createdByLastChange: boolean;
}

/** One step: its name and its result (a value, or `{ error: code }`). */
export type TranscriptEntry = [step: string, result: unknown];

interface NzcStat {
  czxid: Buffer;
  mzxid: Buffer;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: Buffer;
  dataLength: number;
  numChildren: number;
}
interface NzcError extends Error {
  getCode(): number;
}
interface NzcEvent {
  getType(): number;
  getPath(): string;
}
type Callback<T> = (error: NzcError | null, value: T, extra?: unknown) => void;
type Watcher = (event: NzcEvent) => void;
interface NzcId {
  scheme: string;
  id: string;
}
interface NzcAcl {
  permission: number;
  id: NzcId;
}
interface NzcTransaction {
  create(path: string, data?: Buffer | null, acls?: NzcAcl[], mode?: number): NzcTransaction;
  setData(path: string, data: Buffer | null, version?: number): NzcTransaction;
  check(path: string, version?: number): NzcTransaction;
  remove(path: string, version?: number): NzcTransaction;
  commit(callback: Callback<{ type: number; err?: number; path?: string; stat?: NzcStat }[]>): void;
}
interface NzcClient {
  connect(): void;
  close(): void;
  once(event: 'connected', listener: () => void): void;
  addAuthInfo(scheme: string, auth: Buffer): void;
  create(path: string, data: Buffer | null, acls: NzcAcl[], mode: number, callback: Callback<string>): void;
  remove(path: string, version: number, callback: Callback<undefined>): void;
  exists(path: string, watcher: Watcher | undefined, callback: Callback<NzcStat | null>): void;
  getChildren(
    path: string,
    watcher: Watcher | undefined,
    callback: (e: NzcError | null, c: string[], s: NzcStat) => void,
  ): void;
  getData(
    path: string,
    watcher: Watcher | undefined,
    callback: (e: NzcError | null, d: Buffer, s: NzcStat) => void,
  ): void;
  setData(path: string, data: Buffer | null, version: number, callback: Callback<NzcStat>): void;
  getACL(path: string, callback: (e: NzcError | null, acls: NzcAcl[], s: NzcStat) => void): void;
  setACL(path: string, acls: NzcAcl[], version: number, callback: Callback<NzcStat>): void;
  transaction(): NzcTransaction;
}
interface NzcModule {
  createClient(connectString: string, options: { sessionTimeout: number; retries: number }): NzcClient;
  ACL: { OPEN_ACL_UNSAFE: NzcAcl[]; new (permission: number, id: NzcId): NzcAcl };
  Id: new (scheme: string, id: string) => NzcId;
  CreateMode: {
    PERSISTENT: number;
    PERSISTENT_SEQUENTIAL: number;
    EPHEMERAL: number;
    EPHEMERAL_SEQUENTIAL: number;
  };
  Permission: { ALL: number; READ: number };
}

const zookeeper = createRequire(import.meta.url)('node-zookeeper-client') as NzcModule;
const STEP_TIMEOUT_MS = 10_000;

function normaliseStat(stat: NzcStat): NormalisedStat {
  return {
    version: stat.version,
    cversion: stat.cversion,
    aversion: stat.aversion,
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
    ephemeral: !stat.ephemeralOwner.equals(Buffer.alloc(8)),
    createdByLastChange: stat.czxid.equals(stat.mzxid),
  };
}

/** Runs a callback-style call; resolves with its value or `{ error: code }`. */
function call<T>(
  run: (callback: (error: NzcError | null, value: T) => void) => void,
): Promise<T | { error: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('node-zookeeper-client call timed out')),
      STEP_TIMEOUT_MS,
    );
    run((error, value) => {
      clearTimeout(timer);
      if (error === null || error === undefined) resolve(value);
      else if (typeof error.getCode === 'function') resolve({ error: error.getCode() });
      else reject(error);
    });
  });
}

async function connect(connectString: string, auth?: string): Promise<NzcClient> {
  const client = zookeeper.createClient(connectString, { sessionTimeout: 10_000, retries: 0 });
  if (auth !== undefined) client.addAuthInfo('digest', Buffer.from(auth));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connection to ${connectString}`)), STEP_TIMEOUT_MS);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    client.connect();
  });
  return client;
}

/** A promise of the next event a watcher gets, as `[type, path]`. */
function watchOnce(): { watcher: Watcher; event: Promise<[number, string]> } {
  let deliver: (event: [number, string]) => void = () => {};
  const event = new Promise<[number, string]>((resolve, reject) => {
    deliver = resolve;
    setTimeout(() => reject(new Error('watch event did not arrive')), STEP_TIMEOUT_MS).unref();
  });
  return { watcher: (received) => deliver([received.getType(), received.getPath()]), event };
}

function digestAcl(user: string, password: string, permission: number): NzcAcl {
  const hash = createHash('sha1').update(`${user}:${password}`).digest('base64');
  return new zookeeper.ACL(permission, new zookeeper.Id('digest', `${user}:${hash}`));
}

/** The scripted session under `root`; returns its transcript. */
export async function runNodeZookeeperClientSession(
  connectString: string,
  root: string,
): Promise<TranscriptEntry[]> {
  const transcript: TranscriptEntry[] = [];
  const record = (step: string, result: unknown): void => {
    transcript.push([step, result]);
  };
  const { CreateMode, ACL, Permission } = zookeeper;
  const open = ACL.OPEN_ACL_UNSAFE;
  const client = await connect(connectString, 'alice:secret');
  const stranger = await connect(connectString);
  const bob = await connect(connectString, 'bob:wrong');
  const stat = <T extends { error: number } | NzcStat | null>(value: T) =>
    value !== null && 'czxid' in value ? normaliseStat(value) : value;
  try {
    // Create modes and errors.
    record(
      'create root',
      await call<string>((cb) => client.create(root, null, open, CreateMode.PERSISTENT, cb)),
    );
    record(
      'create p',
      await call<string>((cb) =>
        client.create(`${root}/p`, Buffer.from('hello'), open, CreateMode.PERSISTENT, cb),
      ),
    );
    record(
      'create p again',
      await call<string>((cb) => client.create(`${root}/p`, null, open, CreateMode.PERSISTENT, cb)),
    );
    record(
      'create in missing parent',
      await call<string>((cb) => client.create(`${root}/none/x`, null, open, CreateMode.PERSISTENT, cb)),
    );
    for (const index of [1, 2]) {
      record(
        `sequential ${index}`,
        await call<string>((cb) =>
          client.create(`${root}/s-`, null, open, CreateMode.PERSISTENT_SEQUENTIAL, cb),
        ),
      );
    }
    record(
      'ephemeral',
      await call<string>((cb) =>
        client.create(`${root}/e`, Buffer.from('eph'), open, CreateMode.EPHEMERAL, cb),
      ),
    );
    record(
      'child of ephemeral',
      await call<string>((cb) => client.create(`${root}/e/c`, null, open, CreateMode.PERSISTENT, cb)),
    );
    record(
      'ephemeral sequential',
      await call<string>((cb) =>
        client.create(`${root}/es-`, null, open, CreateMode.EPHEMERAL_SEQUENTIAL, cb),
      ),
    );

    // Reads, versions.
    const read = await call<[string, NormalisedStat]>((cb) =>
      client.getData(`${root}/p`, undefined, (error, data, s) =>
        cb(error, [data?.toString('utf8'), s && normaliseStat(s)] as [string, NormalisedStat]),
      ),
    );
    record('getData p', read);
    record(
      'getData ephemeral',
      await call<NormalisedStat>((cb) =>
        client.getData(`${root}/e`, undefined, (error, _data, s) => cb(error, s && normaliseStat(s))),
      ),
    );
    record(
      'setData p v0',
      stat(await call<NzcStat>((cb) => client.setData(`${root}/p`, Buffer.from('world'), 0, cb))),
    );
    record(
      'setData p v0 again',
      stat(await call<NzcStat>((cb) => client.setData(`${root}/p`, Buffer.from('late'), 0, cb))),
    );
    record(
      'setData missing',
      stat(await call<NzcStat>((cb) => client.setData(`${root}/missing`, Buffer.from('x'), -1, cb))),
    );
    record('exists p', stat(await call<NzcStat | null>((cb) => client.exists(`${root}/p`, undefined, cb))));
    record(
      'exists missing',
      await call<NzcStat | null>((cb) => client.exists(`${root}/missing`, undefined, cb)),
    );
    record(
      'getChildren root',
      await call<[string[], NormalisedStat]>((cb) =>
        client.getChildren(root, undefined, (error, children, s) =>
          cb(error, [children && [...children].sort(), s && normaliseStat(s)] as [string[], NormalisedStat]),
        ),
      ),
    );
    record(
      'getChildren missing',
      await call<string[]>((cb) =>
        client.getChildren(`${root}/missing`, undefined, (error, children) => cb(error, children)),
      ),
    );

    // Watches: data, children, exists (created), delete.
    const dataWatch = watchOnce();
    await call<Buffer>((cb) =>
      client.getData(`${root}/p`, dataWatch.watcher, (error, data) => cb(error, data)),
    );
    const childWatch = watchOnce();
    await call<string[]>((cb) =>
      client.getChildren(root, childWatch.watcher, (error, children) => cb(error, children)),
    );
    const existsWatch = watchOnce();
    record(
      'exists w (watch)',
      await call<NzcStat | null>((cb) => client.exists(`${root}/w`, existsWatch.watcher, cb)),
    );
    await call<NzcStat>((cb) => stranger.setData(`${root}/p`, Buffer.from('changed'), -1, cb));
    record('data watch', await dataWatch.event);
    await call<string>((cb) => stranger.create(`${root}/w`, null, open, CreateMode.PERSISTENT, cb));
    record('exists watch', await existsWatch.event);
    record('child watch', await childWatch.event);
    const deleteWatch = watchOnce();
    await call<Buffer>((cb) =>
      client.getData(`${root}/w`, deleteWatch.watcher, (error, data) => cb(error, data)),
    );
    await call<undefined>((cb) => stranger.remove(`${root}/w`, -1, cb));
    record('delete watch', await deleteWatch.event);

    // Transactions.
    const committed = await call<unknown[]>((cb) =>
      client
        .transaction()
        .create(`${root}/t1`, Buffer.from('one'))
        .setData(`${root}/t1`, Buffer.from('two'), 0)
        .check(`${root}/t1`, 1)
        .create(`${root}/t2`)
        .remove(`${root}/t2`, 0)
        .commit((error, results) =>
          cb(
            error,
            results?.map((r) => ({ type: r.type, path: r.path, version: r.stat?.version })),
          ),
        ),
    );
    record('transaction ok', committed);
    const failed = await new Promise<unknown>((resolve) =>
      client
        .transaction()
        .create(`${root}/t3`)
        .check(`${root}/p`, 99)
        .setData(`${root}/t1`, Buffer.from('three'), -1)
        .commit((error, results) =>
          resolve({ error: error?.getCode(), results: results?.map((r) => ({ type: r.type, err: r.err })) }),
        ),
    );
    record('transaction failing', failed);
    record(
      't3 after failed transaction',
      await call<NzcStat | null>((cb) => client.exists(`${root}/t3`, undefined, cb)),
    );
    record(
      't1 after transactions',
      await call<string>((cb) =>
        client.getData(`${root}/t1`, undefined, (error, data) => cb(error, data?.toString('utf8'))),
      ),
    );

    // Digest ACLs.
    const aliceOnly = [digestAcl('alice', 'secret', Permission.ALL)];
    record(
      'create acl node',
      await call<string>((cb) =>
        client.create(`${root}/acl`, Buffer.from('private'), aliceOnly, CreateMode.PERSISTENT, cb),
      ),
    );
    record(
      'owner reads',
      await call<string>((cb) =>
        client.getData(`${root}/acl`, undefined, (error, data) => cb(error, data?.toString('utf8'))),
      ),
    );
    record(
      'stranger reads',
      await call<string>((cb) =>
        stranger.getData(`${root}/acl`, undefined, (error, data) => cb(error, data?.toString('utf8'))),
      ),
    );
    record(
      'wrong password reads',
      await call<string>((cb) =>
        bob.getData(`${root}/acl`, undefined, (error, data) => cb(error, data?.toString('utf8'))),
      ),
    );
    record(
      'stranger writes',
      stat(await call<NzcStat>((cb) => stranger.setData(`${root}/acl`, Buffer.from('x'), -1, cb))),
    );
    record(
      'owner getACL',
      await call<unknown>((cb) =>
        client.getACL(`${root}/acl`, (error, acls, s) =>
          cb(error, { acls: acls?.map((a) => [a.permission, a.id.scheme, a.id.id]), aversion: s?.aversion }),
        ),
      ),
    );
    record(
      'stranger getACL',
      await call<unknown>((cb) =>
        stranger.getACL(`${root}/acl`, (error, acls) =>
          cb(
            error,
            acls?.map((a) => [a.permission, a.id.scheme, a.id.id]),
          ),
        ),
      ),
    );
    record(
      'owner setACL',
      stat(
        await call<NzcStat>((cb) =>
          client.setACL(
            `${root}/acl`,
            [...aliceOnly, new ACL(Permission.READ, new zookeeper.Id('world', 'anyone'))],
            0,
            cb,
          ),
        ),
      ),
    );
    record(
      'stranger reads after setACL',
      await call<string>((cb) =>
        stranger.getData(`${root}/acl`, undefined, (error, data) => cb(error, data?.toString('utf8'))),
      ),
    );
    record(
      'setACL bad version',
      stat(await call<NzcStat>((cb) => client.setACL(`${root}/acl`, open, 0, cb))),
    );

    // Deletes.
    record('delete p bad version', await call<undefined>((cb) => client.remove(`${root}/p`, 0, cb)));
    record('delete not empty', await call<undefined>((cb) => client.remove(root, -1, cb)));
    record('delete missing', await call<undefined>((cb) => client.remove(`${root}/missing`, -1, cb)));
    record('delete p', await call<undefined>((cb) => client.remove(`${root}/p`, 2, cb)));
    record(
      'exists p after delete',
      await call<NzcStat | null>((cb) => client.exists(`${root}/p`, undefined, cb)),
    );
  } finally {
    for (const each of [client, stranger, bob]) each.close();
  }
  return transcript;
}

/** Test helpers: a database driven write by write with increasing zxids and times. */

import { type Applied, ZooKeeperDatabase } from '../../../../server/data/database';
import type { PrepOptions, RequestContext, WriteRequest } from '../../../../server/data/prep';
import { defaultPrepOptions } from '../../../../server/data/prep';
import type { WatchOwner } from '../../../../server/data/watch-table';
import { OpCode } from '../../../../src/protocol/constants';
import type { Id } from '../../../../src/protocol/data';
import type { TxnEntry } from '../../../../src/protocol/txn';

/** A fake connection: a session id and auth ids. */
export class Connection implements WatchOwner {
  authIds: Id[];
  constructor(
    readonly sessionId: bigint,
    authIds: Id[] = [{ scheme: 'ip', id: '127.0.0.1' }],
  ) {
    this.authIds = authIds;
  }
}

/** A database plus a zxid counter; time = 1000 + zxid ms. */
export class Harness {
  readonly db: ZooKeeperDatabase<Connection>;
  nextZxid = 1n;
  cxid = 0;
  constructor(options: Partial<PrepOptions> = {}) {
    this.db = new ZooKeeperDatabase<Connection>({ ...defaultPrepOptions, ...options });
  }

  context(connection: Connection): RequestContext {
    this.cxid += 1;
    return { sessionId: connection.sessionId, cxid: this.cxid, authIds: connection.authIds };
  }

  /** PREP only (the txn stays pending). */
  prepare(write: WriteRequest, connection: Connection): TxnEntry {
    const zxid = this.nextZxid++;
    return this.db.prepare(write, this.context(connection), zxid, 1000n + zxid);
  }

  /** PREP then APPLY. */
  write(write: WriteRequest, connection: Connection): Applied<Connection> {
    return this.db.apply(this.prepare(write, connection));
  }

  create(
    connection: Connection,
    path: string,
    flags = 0,
    data: Buffer | null = Buffer.from('x'),
  ): Applied<Connection> {
    return this.write(
      {
        type: OpCode.create2,
        request: { path, data, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags },
      },
      connection,
    );
  }
}

export const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

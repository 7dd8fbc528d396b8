/**
 * Turns server-specific values into comparable ones: zxids become offsets from the
 * scenario's starting zxid, session ids become the scenario's names for them, times become
 * booleans about their relations. Two conforming servers then produce equal records.
 */
import type { Acl, Stat } from '../../../src/protocol/data';
import type { MultiResult } from '../../../src/protocol/multi';

/** A zxid as recorded: 0 and -1 stay, zxids before the scenario are 'before', others are offsets. */
export type RecordedZxid = number | 'before';

/** A Stat as recorded. */
export interface RecordedStat {
  czxid: RecordedZxid;
  mzxid: RecordedZxid;
  pzxid: RecordedZxid;
  /**
   * mtime is not before ctime, and equals it while the data never changed (mzxid === czxid).
   * Exact equality after a change depends on the millisecond clock, so it is not compared.
   */
  timesConsistent: boolean;
  /** ctime is 0 (root and the /zookeeper nodes). */
  ctimeZero: boolean;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: string;
  dataLength: number;
  numChildren: number;
}

/** Names session ids and offsets zxids for one scenario run. */
export class Normaliser {
  private readonly names = new Map<bigint, string>();

  constructor(private readonly baseZxid: bigint) {}

  /** Registers a session id under `name` ('s1', 'admin'…). */
  nameSession(sessionId: bigint, name: string): void {
    this.names.set(sessionId, name);
  }

  zxid(zxid: bigint): RecordedZxid {
    if (zxid === 0n || zxid === -1n) return Number(zxid);
    if (zxid <= this.baseZxid) return 'before';
    return Number(zxid - this.baseZxid);
  }

  /** A session id as the scenario knows it; 0 stays '0', unknown ids are 'unknown'. */
  session(sessionId: bigint): string {
    if (sessionId === 0n) return '0';
    return this.names.get(sessionId) ?? `unknown`;
  }

  stat(stat: Stat): RecordedStat {
    return {
      czxid: this.zxid(stat.czxid),
      mzxid: this.zxid(stat.mzxid),
      pzxid: this.zxid(stat.pzxid),
      timesConsistent: stat.mtime >= stat.ctime && (stat.mzxid !== stat.czxid || stat.mtime === stat.ctime),
      ctimeZero: stat.ctime === 0n,
      version: stat.version,
      cversion: stat.cversion,
      aversion: stat.aversion,
      ephemeralOwner: this.session(stat.ephemeralOwner),
      dataLength: stat.dataLength,
      numChildren: stat.numChildren,
    };
  }

  multiResults(results: readonly MultiResult[]): unknown[] {
    return results.map((result) => {
      switch (result.type) {
        case 15:
          return { type: result.type, path: result.path, stat: this.stat(result.stat) };
        case 5:
          return { type: result.type, stat: this.stat(result.stat) };
        case 4:
          return { type: result.type, data: data(result.data), stat: this.stat(result.stat) };
        case 8:
          return { type: result.type, children: [...result.children].sort() };
        default:
          return { ...result };
      }
    });
  }
}

/** Data as recorded: null stays null (distinct from empty), bytes as UTF-8. */
export function data(value: Buffer | null): string | null {
  return value === null ? null : value.toString('utf8');
}

/** ACL entries as `perms scheme:id` strings, order kept (servers keep the given order). */
export function acls(list: readonly Acl[]): string[] {
  return list.map((entry) => `${entry.perms} ${entry.id.scheme}:${entry.id.id}`);
}

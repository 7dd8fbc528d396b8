/**
 * The client's decode fast paths: longs joined from safe integers, and Stat fields that
 * reuse the previous Stat's bigint for the same bytes. Both must give exactly what the wire holds.
 */
import { describe, expect, it } from 'vitest';
import { decodeStat, encodeStat, STAT_BYTES, type Stat } from '../../../../src/protocol/data';
import { Reader, readLong } from '../../../../src/protocol/reader';
import { Writer } from '../../../../src/protocol/writer';

const EDGES = [
  0n,
  1n,
  -1n,
  4_294_967_295n,
  4_294_967_296n,
  2n ** 53n - 1n,
  -(2n ** 53n),
  2n ** 53n,
  -(2n ** 53n) - 1n,
  2n ** 63n - 1n,
  -(2n ** 63n),
  0x0100_0abc_0000_0001n,
  -5n * 2n ** 40n,
];

function statBytes(stat: Stat): Buffer {
  const writer = new Writer();
  encodeStat(writer, stat);
  return writer.finish();
}

const BASE: Stat = {
  czxid: 0x1_0000_0005n,
  mzxid: 0x1_0000_0009n,
  ctime: 1_763_800_000_000n,
  mtime: 1_763_800_000_123n,
  version: 3,
  cversion: -1,
  aversion: 2,
  ephemeralOwner: 0x0100_0abc_0000_0001n,
  dataLength: 128,
  numChildren: 4,
  pzxid: 0x1_0000_0007n,
};

describe('readLong', () => {
  it.each(EDGES)('reads %s exactly', (value) => {
    const bytes = Buffer.alloc(12);
    bytes.writeBigInt64BE(value, 3);
    expect(readLong(bytes, 3)).toBe(value);
    expect(new Reader(bytes, 3).long()).toBe(value);
  });
});

describe('decodeStat', () => {
  it('decodes every field of a Stat whose longs all differ', () => {
    const reader = new Reader(statBytes(BASE));
    expect(decodeStat(reader)).toEqual(BASE);
    expect(reader.remaining).toBe(0);
  });

  it('decodes equal fields (never-modified node, pzxid = czxid or mzxid) to the same values', () => {
    const fresh = { ...BASE, mzxid: BASE.czxid, mtime: BASE.ctime, pzxid: BASE.czxid, ephemeralOwner: 0n };
    expect(decodeStat(new Reader(statBytes(fresh)))).toEqual(fresh);
    const childless = { ...BASE, pzxid: BASE.mzxid };
    expect(decodeStat(new Reader(statBytes(childless)))).toEqual(childless);
  });

  it('decodes edge longs in every long field', () => {
    for (const value of EDGES) {
      const stat = { ...BASE, czxid: value, mtime: value, ephemeralOwner: value, pzxid: ~value };
      expect(decodeStat(new Reader(statBytes(stat)))).toEqual(stat);
    }
  });

  it('alternating Stats each decode to their own values (the per-field reuse never leaks)', () => {
    const other = { ...BASE, czxid: 7n, mzxid: 8n, ctime: 9n, mtime: 10n, ephemeralOwner: 11n, pzxid: 12n };
    for (const stat of [BASE, other, BASE, BASE, other, { ...other, mzxid: BASE.mzxid }]) {
      expect(decodeStat(new Reader(statBytes(stat)))).toEqual(stat);
    }
  });

  it('fails typed on a truncated Stat, consuming nothing', () => {
    const reader = new Reader(statBytes(BASE).subarray(0, STAT_BYTES - 1));
    expect(() => decodeStat(reader)).toThrow(/truncated Stat/);
    expect(reader.position).toBe(0);
  });
});

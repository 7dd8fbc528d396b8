/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial) for storage checksums. Node ≥ 20.15 has `zlib.crc32` in native
 * code; the package supports Node ≥ 20.11, so older runtimes get a table-driven version with the same results.
 */
import * as zlib from 'node:zlib';

const POLYNOMIAL_REVERSED = 0xedb88320;

function makeTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index++) {
    let value = index;
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? (value >>> 1) ^ POLYNOMIAL_REVERSED : value >>> 1;
    table[index] = value >>> 0;
  }
  return table;
}

let table: Uint32Array | undefined;

/** The portable CRC-32; exported so tests can check it against the native one. */
export function crc32Portable(data: Uint8Array, previous = 0): number {
  table ??= makeTable();
  let crc = ~previous >>> 0;
  for (const byte of data) crc = (table[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}

/**
 * CRC-32 of the four bytes of `value` written big-endian (a u32 length field), computed in place: no buffer view and
 * no native call for four bytes (the txn log checksums one such field per entry).
 */
export function crc32OfUint32BE(value: number): number {
  table ??= makeTable();
  let crc = 0xffffffff;
  for (let shift = 24; shift >= 0; shift -= 8) {
    crc = (table[(crc ^ (value >>> shift)) & 0xff] as number) ^ (crc >>> 8);
  }
  return ~crc >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `data`, continuing from `previous` (the CRC of the bytes before it) when given. */
export function crc32(data: Uint8Array, previous = 0): number {
  return native ? native(data, previous) >>> 0 : crc32Portable(data, previous);
}

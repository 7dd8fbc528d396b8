/**
 * Big-endian 32-bit reads and writes by index, for the codec's hot paths. Buffer's
 * `readInt32BE` and friends validate their offset through wrapped validators on every call
 * (about 8× slower in a tight loop on Node 20); the codec has already checked its bounds.
 */

/** The signed big-endian int32 at `at` (the caller has checked that 4 bytes are there). */
export function int32At(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) << 24) |
    ((bytes[at + 1] as number) << 16) |
    ((bytes[at + 2] as number) << 8) |
    (bytes[at + 3] as number)
  );
}

/** The unsigned big-endian int32 at `at` (the caller has checked that 4 bytes are there). */
export function uint32At(bytes: Uint8Array, at: number): number {
  return int32At(bytes, at) >>> 0;
}

/** Writes `value` as a big-endian int32 at `at` (the caller has reserved the 4 bytes). */
export function putInt32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}

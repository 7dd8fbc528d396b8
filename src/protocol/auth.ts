/**
 * Credentials that must match Apache ZooKeeper bit for bit: the digest scheme's id and the
 * session password every ensemble member derives from the session id (protocol.md §2, §9).
 */
import { createHash } from 'node:crypto';
import { assert } from '../util/assert';
import { Limits } from './constants';

/**
 * The digest-scheme id for `user:password` credentials: `user:BASE64(SHA1("user:password"))`,
 * as Apache's `DigestAuthenticationProvider.generateDigest` computes it. The user is the text
 * before the first `:`.
 */
export function digestId(userPassword: string): string {
  const colon = userPassword.indexOf(':');
  const user = colon === -1 ? userPassword : userPassword.slice(0, colon);
  const hash = createHash('sha1').update(userPassword, 'utf8').digest('base64');
  return `${user}:${hash}`;
}

/** The salt Apache mixes into the session id before seeding `java.util.Random`. */
const SESSION_PASSWORD_SALT = 0xb3415c00n;
const RANDOM_MULTIPLIER = 0x5deece66dn;
const RANDOM_ADDEND = 0xbn;
const RANDOM_MASK = (1n << 48n) - 1n;
const INT64_MASK = (1n << 64n) - 1n;

/**
 * The 16-byte password of session `sessionId`: `new java.util.Random(sessionId ^ 0xB3415C00L)
 * .nextBytes(new byte[16])`. Never stored: recomputed to check a reconnecting client.
 */
export function sessionPassword(sessionId: bigint): Buffer {
  // Java's xor is on signed 64-bit longs; work on the two's-complement bit pattern.
  const seedBits = (BigInt.asUintN(64, sessionId) ^ SESSION_PASSWORD_SALT) & INT64_MASK;
  return javaRandomBytes(seedBits, Limits.passwordBytes);
}

/**
 * `length` bytes of `new java.util.Random(seed).nextBytes(...)`: the 48-bit LCG, each
 * `next(32)` value emitted low byte first, 4 bytes per int.
 */
export function javaRandomBytes(seed: bigint, length: number): Buffer {
  assert(Number.isInteger(length) && length >= 0, 'byte count is a non-negative integer');
  let state = (BigInt.asUintN(64, seed) ^ RANDOM_MULTIPLIER) & RANDOM_MASK;
  const bytes = Buffer.alloc(length);
  let index = 0;
  while (index < length) {
    state = (state * RANDOM_MULTIPLIER + RANDOM_ADDEND) & RANDOM_MASK;
    // `(int)(seed >>> 16)`: the top 32 of the 48 bits, as a 32-bit pattern.
    let word = Number(state >> 16n);
    for (let taken = 0; taken < 4 && index < length; taken++) {
      bytes[index++] = word & 0xff;
      word >>>= 8;
    }
  }
  assert(index === length, 'filled every byte');
  return bytes;
}

/**
 * Reference-counted ACL lists shared by key, like Apache's `ReferenceCountedACLCache`: a
 * million znodes with the same ACL hold one list and a 4-byte key each. Keys are handed out
 * from a counter starting at 1 and never reused; key -1 is the implicit `world:anyone ALL`
 * of the system nodes (root, `/zookeeper`, `/zookeeper/quota`), never reference-counted.
 */
import { Perms } from '../../src/protocol/constants';
import type { Acl } from '../../src/protocol/data';
import { assert } from '../../src/util/assert';

/** Key of the built-in open ACL (`OPEN_ACL_UNSAFE`). */
export const OPEN_ACL_KEY = -1;

const OPEN_ACL: readonly Acl[] = Object.freeze([
  Object.freeze({ perms: Perms.ALL, id: Object.freeze({ scheme: 'world', id: 'anyone' }) }),
]);

interface CacheEntry {
  readonly acl: readonly Acl[];
  readonly text: string;
  references: number;
}

/** A canonical string for an ACL list (order matters, as in Java's List.equals). */
function aclText(acl: readonly Acl[]): string {
  return acl.map((entry) => `${entry.perms}\u0000${entry.id.scheme}\u0000${entry.id.id}`).join('\u0001');
}

function freezeAcl(acl: readonly Acl[]): readonly Acl[] {
  return Object.freeze(
    acl.map((entry) => Object.freeze({ perms: entry.perms, id: Object.freeze({ ...entry.id }) })),
  );
}

/** Shared, reference-counted ACL lists. */
export class AclCache {
  private readonly byKey = new Map<number, CacheEntry>();
  private readonly byText = new Map<string, number>();
  private nextKey = 1;

  /** Number of distinct ACL lists held (the open ACL not counted). */
  get size(): number {
    return this.byKey.size;
  }

  /** The key for `acl`, adding one reference (a new key if the list is new). */
  acquire(acl: readonly Acl[]): number {
    const text = aclText(acl);
    const known = this.byText.get(text);
    if (known !== undefined) {
      const entry = this.byKey.get(known);
      assert(entry !== undefined, 'both ACL cache maps hold the same keys');
      entry.references += 1;
      return known;
    }
    const key = this.nextKey;
    this.nextKey += 1;
    assert(this.nextKey <= 0x7fffffff, 'ACL keys fit a 32-bit column');
    this.byKey.set(key, { acl: freezeAcl(acl), text, references: 1 });
    this.byText.set(text, key);
    return key;
  }

  /** Drops one reference to `key`; the list is forgotten when none are left. */
  release(key: number): void {
    if (key === OPEN_ACL_KEY) return;
    const entry = this.byKey.get(key);
    assert(entry !== undefined, `released ACL key ${key} is known`);
    assert(entry.references > 0, 'ACL references never go negative');
    entry.references -= 1;
    if (entry.references === 0) {
      this.byKey.delete(key);
      this.byText.delete(entry.text);
    }
  }

  /** The list for `key` (frozen; shared by every node with that key). */
  get(key: number): readonly Acl[] {
    if (key === OPEN_ACL_KEY) return OPEN_ACL;
    const entry = this.byKey.get(key);
    assert(entry !== undefined, `ACL key ${key} is known`);
    return entry.acl;
  }

  /** True if `key` names a list (the open key always does). */
  has(key: number): boolean {
    return key === OPEN_ACL_KEY || this.byKey.has(key);
  }

  /** Every (key, list) pair, in key order, for a snapshot. */
  entries(): Array<[number, readonly Acl[]]> {
    return [...this.byKey.entries()].sort(([left], [right]) => left - right).map(([key, e]) => [key, e.acl]);
  }

  /**
   * Restores a list under its snapshot key with no references yet; nodes loaded from the
   * snapshot then {@link addReference} it, and {@link purgeUnused} drops lists no node uses.
   */
  restore(key: number, acl: readonly Acl[]): void {
    assert(key !== OPEN_ACL_KEY, 'the open ACL is never stored in a snapshot');
    assert(!this.byKey.has(key), `ACL key ${key} restored once`);
    const text = aclText(acl);
    this.byKey.set(key, { acl: freezeAcl(acl), text, references: 0 });
    this.byText.set(text, key);
    this.nextKey = Math.max(this.nextKey, key + 1);
  }

  /** Adds one reference to a known key. */
  addReference(key: number): void {
    if (key === OPEN_ACL_KEY) return;
    const entry = this.byKey.get(key);
    assert(entry !== undefined, `referenced ACL key ${key} is known`);
    entry.references += 1;
  }

  /** Forgets lists no node references (after a snapshot load). */
  purgeUnused(): void {
    for (const [key, entry] of [...this.byKey]) {
      if (entry.references === 0) {
        this.byKey.delete(key);
        this.byText.delete(entry.text);
      }
    }
  }
}

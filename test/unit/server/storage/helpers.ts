/** Shared helpers of the storage tests: temp data dirs, collecting iterables, a recording logger. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StorageLogger } from '../../../../server/storage';

/** A fresh temp directory; `remove` deletes it. */
export async function makeTempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'zookit-storage-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Every item of an async iterable, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** A logger that keeps warnings for assertions instead of printing them. */
export function recordingLogger(): StorageLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, warn: (message) => warnings.push(message) };
}

/** The payload the tests log for `zxid`: recognisable and of varying length. */
export function payloadFor(zxid: bigint): Buffer {
  return Buffer.from(`txn-${zxid.toString(16)}-${'x'.repeat(Number(zxid % 7n))}`);
}

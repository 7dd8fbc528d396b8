/**
 * A small persisted state (`zookit-state` in the data dir): named bigint values such as ZAB's currentEpoch and
 * acceptedEpoch or the session id seed. JSON text with a CRC-32, replaced atomically on every change.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assert } from '../../src/util/assert';
import { crc32 } from './crc32';
import { defaultSyncFile, replaceFileAtomically, type SyncFile, writeFully } from './disk';
import { StorageCorruptionError, StorageFormatVersionError } from './storage-errors';
import type { StateStore } from './types';

/** The state file's name inside the data dir. */
export const STATE_FILE_NAME = 'zookit-state';
const FORMAT = 'zookit-state';
const VERSION = 1;

interface StateDocument {
  format: string;
  version: number;
  values: Record<string, string>;
  crc32: number;
}

function checksum(values: Record<string, string>): number {
  return crc32(Buffer.from(JSON.stringify(values)));
}

function parseState(path: string, text: string): Map<string, bigint> {
  let document: StateDocument;
  try {
    document = JSON.parse(text) as StateDocument;
  } catch {
    throw new StorageCorruptionError(path, 0, 'state file is not JSON');
  }
  if (document?.format === FORMAT && typeof document.version === 'number' && document.version !== VERSION)
    throw new StorageFormatVersionError(path, document.version, VERSION);
  const valid =
    document?.format === FORMAT &&
    document.version === VERSION &&
    typeof document.values === 'object' &&
    document.values !== null &&
    checksum(document.values) === document.crc32;
  if (!valid) throw new StorageCorruptionError(path, 0, 'state file fails its checks');
  const values = new Map<string, bigint>();
  for (const [name, value] of Object.entries(document.values)) {
    if (!/^-?[0-9]+$/.test(value))
      throw new StorageCorruptionError(path, 0, `state value ${name} is not an integer`);
    values.set(name, BigInt(value));
  }
  return values;
}

/** The file-backed {@link StateStore}. */
export class FileStateStore implements StateStore {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private readonly syncFile: SyncFile,
    private values: Map<string, bigint>,
  ) {}

  /** Loads the state file of `directory` (empty if there is none); a damaged one is a {@link StorageCorruptionError}. */
  static async open(directory: string, syncFile: SyncFile = defaultSyncFile): Promise<FileStateStore> {
    const path = join(directory, STATE_FILE_NAME);
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return new FileStateStore(path, syncFile, text === undefined ? new Map() : parseState(path, text));
  }

  get(name: string): bigint | undefined {
    return this.values.get(name);
  }

  set(values: Readonly<Record<string, bigint>>): Promise<void> {
    // One write at a time: they share the temp file, and each must include the ones before it.
    const write = this.writing.then(() => this.write(values));
    this.writing = write.catch(() => undefined);
    return write;
  }

  private async write(changes: Readonly<Record<string, bigint>>): Promise<void> {
    const next = new Map(this.values);
    for (const [name, value] of Object.entries(changes)) next.set(name, value);
    const values = Object.fromEntries([...next].map(([name, value]) => [name, value.toString()]));
    const document: StateDocument = { format: FORMAT, version: VERSION, values, crc32: checksum(values) };
    const bytes = Buffer.from(`${JSON.stringify(document)}\n`);
    await replaceFileAtomically(this.path, 'state', this.syncFile, (handle) => writeFully(handle, bytes, 0));
    assert(next.size >= this.values.size, 'state values are never dropped');
    this.values = next;
  }
}

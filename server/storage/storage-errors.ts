/**
 * Typed errors of the storage layer. They are operating conditions (a damaged disk, a second server on the same
 * data dir), not bugs, so they are not assertions.
 */

/**
 * Stored data failed its checks somewhere other than a tolerated torn tail: start-up stops instead of silently
 * dropping acknowledged transactions. `file` and `offset` say where to look.
 */
export class StorageCorruptionError extends Error {
  override readonly name = 'StorageCorruptionError';
  constructor(
    /** Absolute path of the damaged file. */
    readonly file: string,
    /** Byte offset of the first damaged record in that file. */
    readonly offset: number,
    /** What is wrong, e.g. "checksum mismatch". */
    readonly reason: string,
  ) {
    super(`corrupt storage file ${file} at offset ${offset}: ${reason}`);
  }
}

/**
 * A storage file is in a format version this server does not read (written by a newer zookit):
 * start-up stops, and nothing is skipped, truncated or overwritten, so the version that wrote
 * it can still start on the same data dir.
 */
export class StorageFormatVersionError extends Error {
  override readonly name = 'StorageFormatVersionError';
  constructor(
    /** Absolute path of the file. */
    readonly file: string,
    /** The version the file says it is in. */
    readonly found: number,
    /** The version this server reads and writes. */
    readonly supported: number,
  ) {
    super(
      `${file} is in storage format version ${found}, this zookit reads version ${supported}: ` +
        'start the zookit version that wrote it (the data dir was left untouched)',
    );
  }
}

/** Another live process (or this one) holds the data dir. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    /** The lock file. */
    readonly lockFile: string,
    /** The holder's process id, when known. */
    readonly ownerPid: number | undefined,
  ) {
    super(`data dir is in use: ${lockFile} is held by process ${ownerPid ?? 'unknown'}`);
  }
}

/** The log or storage was closed, or a failed write left it unusable; `cause` holds the original failure. */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
}

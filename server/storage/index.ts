/**
 * Server storage: the txn log (group commit), snapshots, a small persisted state and the data dir lock, on disk or
 * in memory. The on-disk format stays behind this module.
 */
export { crc32 } from './crc32';
export { type DataDirLock, LOCK_FILE_NAME, lockDataDir } from './data-dir-lock';
export { defaultSyncFile, type SyncFile, type SyncPurpose } from './disk';
export { FileSnapshotStore, type FileSnapshotStoreOptions } from './file-snapshot-store';
export { FileTxnLog, type FileTxnLogOptions } from './file-txn-log';
export { MemoryDisk, MemorySnapshotStore, MemoryStateStore, MemoryTxnLog } from './memory-storage';
export { FileStateStore, STATE_FILE_NAME } from './state-file';
export {
  type MemoryStorageOptions,
  openMemoryStorage,
  openStorage,
  type StorageOptions,
  type StoragePolicyOptions,
  storageDefaults,
} from './storage';
export {
  DataDirLockedError,
  StorageCorruptionError,
  StorageFormatVersionError,
  StorageUnavailableError,
} from './storage-errors';
export type * from './types';

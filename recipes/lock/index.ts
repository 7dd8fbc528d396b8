/** The lock family: mutexes, the read/write lock, semaphores, the multi-lock, their decisions and handles. */
export * from './lock-decision';
export {
  type AcquireOptions,
  CompositeHandle,
  type HeldNode,
  LockHandle,
  type OwnershipHandle,
} from './lock-handle';
export { LockAcquireError, type LockDriver } from './lock-internals';
export { InterProcessMultiLock } from './multi-lock';
export {
  type InterProcessLock,
  InterProcessMutex,
  type LockOptions,
  mutexDriver,
  ReentrantLock,
} from './mutex';
export { InterProcessReadWriteLock } from './read-write-lock';
export { InterProcessSemaphoreMutex, InterProcessSemaphoreV2 } from './semaphore';

/** Counters: {@link SharedCount} (32-bit, watched) and {@link DistributedAtomicLong} (64-bit, optimistic). */
export { addLong, CounterFormatError, decodeCount, decodeLong, encodeCount, encodeLong } from './count-codec';
export {
  type AtomicUpdate,
  type AtomicValue,
  DistributedAtomicLong,
  type DistributedAtomicLongOptions,
} from './distributed-atomic-long';
export { SharedCount, type SharedCountEvents, type VersionedValue } from './shared-count';

/** Queues: {@link DistributedQueue} (typed, consumer loop) and {@link SimpleDistributedQueue}. */
export {
  DistributedQueue,
  type DistributedQueueEvents,
  type DistributedQueueOptions,
  jsonQueueSerializer,
  type QueueSerializer,
} from './distributed-queue';
export type { ClaimedItem, TakeOptions } from './queue-internals';
export { orderItems, QUEUE_ITEM_PREFIX, SIMPLE_QUEUE_ITEM_PREFIX } from './queue-order';
export {
  NoSuchElementError,
  QueueTimeoutError,
  SimpleDistributedQueue,
  type SimpleDistributedQueueOptions,
} from './simple-distributed-queue';

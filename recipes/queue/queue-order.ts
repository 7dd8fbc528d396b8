/**
 * Queue ordering, pure: items are PERSISTENT_SEQUENTIAL children named `<prefix><seq>`, and
 * the queue's order is the sequence order (commit order), never the name order of other
 * children.
 */
import { sortBySequence } from '../naming/sequence-id';

/** Curator's DistributedQueue item prefix. */
export const QUEUE_ITEM_PREFIX = 'queue-';
/** Curator's and kazoo's SimpleDistributedQueue item prefix. */
export const SIMPLE_QUEUE_ITEM_PREFIX = 'qn-';

/** The item names among `children`, oldest first (other children are ignored). */
export function orderItems(children: readonly string[], prefix: string): string[] {
  return sortBySequence(children, prefix).map((entry) => entry.name);
}

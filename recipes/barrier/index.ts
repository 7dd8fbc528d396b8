/** Barriers: {@link DistributedBarrier} and {@link DistributedDoubleBarrier}. */
export {
  barrierMembers,
  decideEnter,
  decideLeave,
  type EnterDecision,
  type LeaveDecision,
  READY_NODE,
} from './barrier-decisions';
export { type BarrierWaitOptions, DistributedBarrier } from './distributed-barrier';
export { BarrierMemberLostError, DistributedDoubleBarrier } from './distributed-double-barrier';

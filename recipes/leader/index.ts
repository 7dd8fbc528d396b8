/** Leader election: LeaderLatch, LeaderSelector, and a distributed-cron job on top. */
export { type LatchDecision, latchDecision } from './leader-decision';
export {
  type LatchAwaitOptions,
  LeaderLatch,
  type LeaderLatchEvents,
  type LeaderLatchOptions,
  type Participant,
} from './leader-latch';
export {
  LeaderSelector,
  type LeaderSelectorEvents,
  type LeaderSelectorOptions,
  type TakeLeadership,
} from './leader-selector';
export { LeaderScheduledJob, type LeaderScheduledJobOptions } from './scheduled-job';

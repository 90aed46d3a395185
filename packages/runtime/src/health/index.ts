// Continuous health: the scheduler that runs the catalog's checks (probes and verdicts live elsewhere).
export {
  CheckScheduler,
  DEFAULT_CHECK_MAX_CONCURRENT,
  DEFAULT_CHECK_MAX_PER_HOST,
  type CheckJob,
  type OverrunEvent,
  type OverrunReason,
  type SchedulerOptions,
  type SchedulerStats,
  type SchedulerTimers,
  type StartEvent,
  type StartKind,
} from './scheduler.js';
export type { LatenessSummary } from './lateness.js';
export { nextTickAtOrAfter, phaseOf } from './phase.js';

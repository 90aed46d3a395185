// What the server is told about job schedules (apart from host.ts, which needs the route context: no cycle).
import type { JobHandlers, SchedulerTimers } from '@runledger/runtime';

export interface SchedulesDeps {
  /** The schedules file; without it no scheduler runs and GET /schedules lists none. */
  readonly path?: string;
  /** Job handlers beside the built-in backup and runbook ones (the drill runner registers `drill`). */
  readonly jobs?: JobHandlers;
  /** Where scheduled backups go when a schedule names no dir. Default RUNLEDGER_BACKUP_DIR, else DATA_DIR-backups. */
  readonly backupDir?: string;
  readonly pollMs?: number;
  readonly leaseMs?: number;
  readonly graceMs?: number;
  /** How often a scheduled runbook run's state is read while the job waits for it (ms). Default 1000. */
  readonly runbookPollMs?: number;
  /** Tests: a fake clock's time and timers. */
  readonly now?: () => number;
  readonly timers?: SchedulerTimers;
}

// Job schedules: the scheduler (one timer, slots claimed once in the store), the backup and runbook
// jobs, the schedules file, and each schedule's history from the ledger.
export * from './types.js';
export { JobScheduler, type JobSchedulerOptions, type ScheduleOutcome, type ScheduleStatus } from './scheduler.js';
export { backupJob, type BackupJobOptions } from './jobs/backup.js';
export { runbookJob, type RunbookJobOptions } from './jobs/runbook.js';
export { loadSchedulesFile, schedulesPath, SCHEDULES_SETTING, type LoadedSchedules } from './file.js';
export { scheduleHistory, type ScheduleHistoryItem } from './history.js';
export { missedDraft, skippedDraft, finishedDraft } from './drafts.js';
export { jobRedactor, storeSecrets } from './redact.js';

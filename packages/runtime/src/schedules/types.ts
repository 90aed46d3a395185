// What the scheduler hands a job and what it expects back. Job kinds are an injected map, so the
// scheduler imports no backups, runbooks or drills itself.
import type { BackupJob, DrillJob, RunbookJob } from '@runledger/core';
import type { Actor } from '@runledger/ledger';

export interface JobContext {
  readonly schedule: string;
  readonly slotMs: number;
  /** cron: its slot came; catch-up: the newest slot missed while down, run once; queued: it waited for the previous run. */
  readonly trigger: 'cron' | 'catch-up' | 'queued';
  /** Who the job acts as: `{kind: 'system', id: 'scheduler'}`. */
  readonly actor: Actor;
  /** Aborted when the scheduler stops: a job that waits should stop waiting. */
  readonly signal: AbortSignal;
  now(): Date;
}

export interface JobResult {
  readonly ok: boolean;
  /** One line: what was done, or why it failed (redacted before it is stored or recorded). */
  readonly detail: string;
  /** What the job made: a run id, a backup id, a drill id. */
  readonly ref?: string;
}

export type JobHandler<J> = (job: J, ctx: JobContext) => Promise<JobResult>;

export interface JobHandlers {
  readonly backup?: JobHandler<BackupJob>;
  readonly runbook?: JobHandler<RunbookJob>;
  /** Registered by the drill runner; without it a drill slot fails with SCHEDULE_JOB_NOT_WIRED. */
  readonly drill?: JobHandler<DrillJob>;
}

export const SCHEDULER_ACTOR: Actor = { kind: 'system', id: 'scheduler' };

// Job schedules: a cron expression in a time zone starts a job (a backup, a runbook, a drill), with a
// policy for a start that finds the previous one still running and one for starts missed while the
// server was down. Pure data; the runtime fires them and the store claims each slot once.
import type { DrillKind } from '../drills/types.js';

/** A start that finds the previous run still going: don't start (recorded skipped), queue one, or start anyway. */
export const OVERRUN_POLICIES = ['skip', 'queue', 'allow'] as const;
export type OverrunPolicy = (typeof OVERRUN_POLICIES)[number];

/** Starts missed while the server was down: each recorded missed, or the newest run once and the rest recorded. */
export const CATCH_UP_POLICIES = ['skip', 'once'] as const;
export type CatchUpPolicy = (typeof CATCH_UP_POLICIES)[number];

export const SCHEDULED_JOB_KINDS = ['backup', 'runbook', 'drill'] as const;
export type ScheduledJobKind = (typeof SCHEDULED_JOB_KINDS)[number];

export interface BackupJob {
  readonly kind: 'backup';
  /** The backup directory; default the server's (RUNLEDGER_BACKUP_DIR, else DATA_DIR-backups). */
  readonly dir?: string;
  /** After a backup that worked, prune to the newest N (and the daily/weekly ones). */
  readonly keep?: number;
  readonly daily?: number;
  readonly weekly?: number;
}

export interface RunbookJob {
  readonly kind: 'runbook';
  /** A runbook of the server's catalogue, by id; or `path`, a file (relative to the schedules file). */
  readonly name?: string;
  readonly path?: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly environment?: string;
}

export interface DrillJob {
  readonly kind: 'drill';
  readonly drill: DrillKind;
  readonly env?: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export type ScheduledJob = BackupJob | RunbookJob | DrillJob;

export interface JobSchedule {
  readonly name: string;
  readonly description?: string;
  /** 5 fields (minute precision) or 6 (seconds first), croner's syntax; `@daily` and friends too. */
  readonly cron: string;
  /** IANA name; UTC by default. */
  readonly timezone: string;
  readonly job: ScheduledJob;
  readonly overrun: OverrunPolicy;
  readonly catchUp: CatchUpPolicy;
  readonly enabled: boolean;
}

/** The ledger entry types a slot ends as: exactly one per slot (idempotency key `scheduleIdem`). */
export const SCHEDULE_ENTRY_TYPES = ['schedule.fired', 'schedule.failed', 'schedule.skipped', 'schedule.missed'] as const;
export type ScheduleEntryType = (typeof SCHEDULE_ENTRY_TYPES)[number];

/** `schedule:<name>:<slot ISO>`: one per slot, so a slot is never recorded twice, whichever process records it. */
export function scheduleIdem(name: string, slotMs: number): string {
  return `schedule:${name}:${new Date(slotMs).toISOString()}`;
}

/** A job in a few words, for lists (`backup keep 7`, `runbook rotate-logs (staging)`, `drill restore in staging`). */
export function jobSummary(job: ScheduledJob): string {
  switch (job.kind) {
    case 'backup': {
      const keep = [job.keep !== undefined ? `keep ${job.keep}` : '', job.daily ? `daily ${job.daily}` : '', job.weekly ? `weekly ${job.weekly}` : ''].filter(
        Boolean,
      );
      return ['backup', ...(job.dir !== undefined ? [`to ${job.dir}`] : []), ...keep].join(' ');
    }
    case 'runbook':
      return `runbook ${job.name ?? job.path ?? '?'}${job.environment !== undefined ? ` (${job.environment})` : ''}`;
    case 'drill':
      return `drill ${job.drill}${job.env !== undefined ? ` in ${job.env}` : ''}`;
  }
}

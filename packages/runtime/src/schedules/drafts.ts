// The ledger entries of schedules: exactly one per slot, keyed by (schedule, slot), so however many
// processes share the store and however often a draft is retried, a slot is recorded once.
import { jobSummary, scheduleIdem, type JobSchedule, type MissedSlot, type ScheduleEntryType } from '@runledger/core';
import type { OutboxDraft } from '@runledger/store';
import { SCHEDULER_ACTOR } from './types.js';

const iso = (ms: number): string => new Date(ms).toISOString();

function draft(type: ScheduleEntryType, s: JobSchedule, slotMs: number, data: Record<string, unknown>): OutboxDraft {
  const idem = scheduleIdem(s.name, slotMs);
  return {
    idem,
    draft: {
      type,
      actor: SCHEDULER_ACTOR,
      subject: { kind: 'schedule', id: s.name },
      idem,
      data: { schedule: s.name, slot: iso(slotMs), cron: s.cron, timezone: s.timezone, job: s.job.kind, summary: jobSummary(s.job), ...data },
    },
  };
}

const MISSED_WHY = {
  down: 'the scheduler was not running at that time',
  late: 'the scheduler woke too late for it (event loop stalled or clock jumped)',
} as const;

export function missedDraft(s: JobSchedule, m: MissedSlot): OutboxDraft {
  return draft('schedule.missed', s, m.slot, {
    reason: m.reason,
    why: MISSED_WHY[m.reason],
    ...(m.until !== undefined ? { until: iso(m.until) } : {}),
  });
}

export function skippedDraft(s: JobSchedule, slotMs: number, reason: string): OutboxDraft {
  return draft('schedule.skipped', s, slotMs, { overrun: s.overrun, reason });
}

export interface Finished {
  readonly ok: boolean;
  readonly trigger: string;
  readonly detail: string;
  readonly ref?: string;
  readonly startedMs?: number;
  readonly finishedMs: number;
  readonly code?: string;
}

/** schedule.fired (the job ran and succeeded, with what it made) or schedule.failed (its redacted error). */
export function finishedDraft(s: JobSchedule, slotMs: number, f: Finished): OutboxDraft {
  const common = {
    trigger: f.trigger,
    ...(f.ref !== undefined ? { ref: f.ref } : {}),
    ...(f.startedMs !== undefined ? { startedAt: iso(f.startedMs), seconds: Math.max(0, f.finishedMs - f.startedMs) / 1000 } : {}),
    finishedAt: iso(f.finishedMs),
  };
  return f.ok
    ? draft('schedule.fired', s, slotMs, { ...common, detail: f.detail })
    : draft('schedule.failed', s, slotMs, { ...common, error: f.detail, ...(f.code !== undefined ? { code: f.code } : {}) });
}

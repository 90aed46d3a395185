// Shapes of the schedules API; the web UI's types come from these.
import { Type } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Outcome = Type.Union([Type.Literal('fired'), Type.Literal('failed'), Type.Literal('skipped'), Type.Literal('missed')]);

export const ScheduleHistoryItem = Type.Object({
  index: Type.Integer({ description: 'the ledger entry' }),
  outcome: Outcome,
  slot: Type.String({ description: 'the slot (ISO), in UTC' }),
  until: Type.Optional(Type.String({ description: 'a missed range: its last slot' })),
  ts: Type.String({ description: 'when it was recorded' }),
  ref: Type.Optional(Type.String({ description: 'what the job made: a run id, a backup id' })),
  detail: Type.Optional(Type.String({ description: 'what was done, the error (redacted), or why it did not run' })),
});

export const ScheduleRunning = Type.Object({
  slot: Type.String(),
  state: Type.Union([Type.Literal('running'), Type.Literal('queued')]),
  owner: Nullable(Type.String()),
  startedAt: Nullable(Type.String()),
});

export const ScheduleView = Type.Object({
  name: Type.String(),
  description: Type.Optional(Type.String()),
  cron: Type.String(),
  timezone: Type.String(),
  enabled: Type.Boolean(),
  overrun: Type.Union([Type.Literal('skip'), Type.Literal('queue'), Type.Literal('allow')]),
  catchUp: Type.Union([Type.Literal('skip'), Type.Literal('once')]),
  job: Type.Object({ kind: Type.Union([Type.Literal('backup'), Type.Literal('runbook'), Type.Literal('drill')]), summary: Type.String() }),
  /** The job kind has a handler in this server (drill jobs are not wired yet). */
  wired: Type.Boolean(),
  next: Nullable(Type.String({ description: 'the next slot (ISO, UTC); null when disabled' })),
  nextRuns: Type.Array(Type.String(), { description: 'the next three slots' }),
  last: Nullable(
    Type.Object({
      outcome: Outcome,
      slot: Nullable(Type.String()),
      at: Nullable(Type.String()),
      ref: Nullable(Type.String()),
      detail: Nullable(Type.String()),
    }),
  ),
  lastSuccessAt: Nullable(Type.String()),
  running: Type.Array(ScheduleRunning),
  history: Type.Array(ScheduleHistoryItem, { description: 'the newest slots as the ledger recorded them, newest first' }),
});

export const SchedulesView = Type.Object({
  /** Whether a schedules file is in force (`serve --schedules FILE`, RUNLEDGER_SCHEDULES). */
  configured: Type.Boolean(),
  path: Nullable(Type.String()),
  digest: Nullable(Type.String()),
  now: Type.String(),
  schedules: Type.Array(ScheduleView),
});

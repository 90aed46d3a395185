// Schedule metrics: when each schedule last succeeded (read from the store, so every process reports
// the same), and the outcomes this process recorded.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ScheduleOutcome } from '@runledger/runtime';
import type { ScheduleStateRow } from '@runledger/store';

export interface ScheduleMetrics {
  outcome(o: ScheduleOutcome): void;
}

export function registerScheduleMetrics(registry: Registry, states: () => Promise<ScheduleStateRow[]>, configured: () => ReadonlySet<string>): ScheduleMetrics {
  new Gauge({
    name: 'runledger_schedule_last_success_timestamp_seconds',
    help: 'When the schedule’s job last ended well (Unix seconds); absent until it has.',
    labelNames: ['schedule'] as const,
    registers: [registry],
    async collect() {
      // A store that cannot answer leaves the gauge out; the rest of /metrics still serves.
      const rows = await states().catch(() => undefined);
      this.reset();
      const names = configured();
      for (const r of rows ?? []) if (r.lastSuccessMs !== null && names.has(r.name)) this.set({ schedule: r.name }, r.lastSuccessMs / 1000);
    },
  });
  const runs = new Counter({
    name: 'runledger_schedule_runs_total',
    help: 'Slots this process recorded, by outcome: fired (the job ran and succeeded), failed, skipped (overrun), missed.',
    labelNames: ['schedule', 'outcome'] as const,
    registers: [registry],
  });
  const missed = new Counter({
    name: 'runledger_schedule_missed_total',
    help: 'Slots recorded missed by this process (the server was down or woke too late); a summarised range counts as its known size, else 1.',
    labelNames: ['schedule'] as const,
    registers: [registry],
  });
  return {
    outcome(o) {
      runs.inc({ schedule: o.schedule, outcome: o.outcome });
      if (o.outcome === 'missed') missed.inc({ schedule: o.schedule }, o.count);
    },
  };
}

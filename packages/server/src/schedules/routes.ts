// GET /schedules: each schedule with its next runs, its last outcome, what is running or queued now
// (any process) and its recent slots as the ledger recorded them. A viewer may read it.
import { jobSummary } from '@runledger/core';
import { scheduleHistory } from '@runledger/runtime';
import type { ApiInstance, RouteContext } from '../context.js';
import { errors } from '../schemas.js';
import type { SchedulesHost } from './host.js';
import { SchedulesView } from './schemas.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
type Outcome = 'fired' | 'failed' | 'skipped' | 'missed';

export function scheduleRoutes(app: ApiInstance, rc: RouteContext, host: SchedulesHost): void {
  app.get(
    '/schedules',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['schedules'],
        summary: 'Job schedules: cron and time zone, next runs, last outcome, runs in flight, recent history from the ledger',
        response: { 200: SchedulesView, ...errors(401, 403, 429, 503) },
      },
    },
    async () => {
      const nowMs = rc.now().getTime();
      const loaded = host.loaded;
      const list = loaded?.schedules ?? [];
      const states = new Map((await host.store.states()).map((s) => [s.name, s]));
      const inFlight = await host.store.inFlight();
      const schedules = await Promise.all(
        list.map(async (s) => {
          const st = states.get(s.name);
          const next = host.next(s, 3, nowMs);
          const lastOutcome = st?.lastOutcome;
          return {
            name: s.name,
            ...(s.description !== undefined ? { description: s.description } : {}),
            cron: s.cron,
            timezone: s.timezone,
            enabled: s.enabled,
            overrun: s.overrun,
            catchUp: s.catchUp,
            job: { kind: s.job.kind, summary: jobSummary(s.job) },
            wired: host.wired(s.job.kind),
            next: next.length > 0 ? iso(next[0]!) : null,
            nextRuns: next.map((t) => new Date(t).toISOString()),
            last:
              st && lastOutcome && lastOutcome !== 'running' && lastOutcome !== 'queued'
                ? { outcome: lastOutcome as Outcome, slot: iso(st.lastOutcomeSlotMs), at: iso(st.lastOutcomeMs), ref: st.lastRef, detail: st.lastDetail }
                : null,
            lastSuccessAt: iso(st?.lastSuccessMs ?? null),
            running: inFlight
              .filter((r) => r.name === s.name)
              .map((r) => ({ slot: new Date(r.slotMs).toISOString(), state: r.state as 'running' | 'queued', owner: r.owner, startedAt: iso(r.startedMs) })),
            history: (await scheduleHistory(rc.ctx.ledger.reader, s.name, 20)).map((h) => ({ ...h, outcome: h.outcome as Outcome })),
          };
        }),
      );
      return { configured: loaded !== undefined, path: host.path ?? null, digest: loaded?.digest ?? null, now: new Date(nowMs).toISOString(), schedules };
    },
  );
}

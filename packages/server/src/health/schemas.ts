// Shapes of the continuous-health API (services, checks, checklists, SLOs); the web UI's types come from these.
import { Type } from 'typebox';
import { IntParam } from '../schemas.js';

const State = Type.Union([Type.Literal('up'), Type.Literal('degraded'), Type.Literal('down'), Type.Literal('unknown')]);
const CheckState = Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('unknown')]);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const RootCause = Type.Object({ service: Type.String(), component: Type.Optional(Type.String()), check: Type.Optional(Type.String()) });

export const ConditionResult = Type.Object({
  condition: Type.String(),
  ok: Type.Boolean(),
  actual: Type.String(),
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});

export const Phases = Type.Object({
  dnsMs: Type.Optional(Type.Number()),
  connectMs: Type.Optional(Type.Number()),
  tlsMs: Type.Optional(Type.Number()),
  firstByteMs: Type.Optional(Type.Number()),
  totalMs: Type.Number(),
});

export const LastResult = Type.Object({
  at: Type.String(),
  ok: Type.Boolean(),
  reason: Type.String({ description: 'ok, or why not: the probe’s reason (timeout, connect_refused, tls_expired …) or the failed condition’s' }),
  detail: Type.String(),
  latencyMs: Type.Optional(Type.Number()),
  status: Type.Optional(Type.Integer()),
  phases: Type.Optional(Phases),
  conditions: Type.Array(ConditionResult),
});

export const CheckSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  service: Type.String(),
  component: Type.Optional(Type.String()),
  kind: Type.String({ description: 'http, tcp, postgres, redis, command or dns' }),
  target: Type.String({ description: 'what is probed, without credentials' }),
  intervalMs: Type.Integer(),
  timeoutMs: Type.Integer(),
  optional: Type.Boolean(),
  severity: Type.String(),
  conditions: Type.Array(Type.String()),
  state: CheckState,
  since: Nullable(Type.String()),
  last: Nullable(LastResult),
  /** Latency (ms) of the recent samples, oldest first; null where the probe failed. */
  sparkline: Type.Array(Nullable(Type.Number())),
});

export const Dependency = Type.Object({ target: Type.String(), optional: Type.Boolean(), state: State });

export const ServiceSummary = Type.Object({
  name: Type.String(),
  description: Nullable(Type.String()),
  owner: Nullable(Type.String()),
  system: Nullable(Type.String()),
  state: State,
  since: Nullable(Type.String()),
  cause: Nullable(RootCause),
  via: Type.Array(Type.String()),
  reasons: Type.Array(Type.String()),
  /** "frontend is down because of postgres (check postgres/ready), via backend" */
  explanation: Type.String(),
  checks: Type.Array(CheckSummary),
  components: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), optional: Type.Boolean(), state: State, checks: Type.Array(CheckSummary) })),
  dependsOn: Type.Array(Dependency),
  dependents: Type.Array(Type.String()),
  runbooks: Type.Record(Type.String(), Type.String()),
  escalation: Nullable(Type.String()),
});

export const ServicesView = Type.Object({
  catalog: Nullable(Type.Object({ path: Type.String(), digest: Type.String(), files: Type.Array(Type.String()) })),
  services: Type.Array(ServiceSummary),
});

export const SloView = Type.Object({
  name: Type.String(),
  service: Type.String(),
  kind: Type.String(),
  source: Type.Union([Type.Literal('probes'), Type.Literal('prometheus')], {
    description: 'what the SLI counts: the probe history, or events Prometheus counts',
  }),
  objective: Type.Number({ description: 'fraction, 0.999' }),
  windowMs: Type.Integer(),
  checks: Type.Array(Type.String()),
  sli: Nullable(Type.Number()),
  met: Nullable(Type.Boolean()),
  budget: Type.Unknown(),
  burnRate: Nullable(Type.Number()),
  description: Type.String({ description: 'the budget in words ("43.2 min budget, 12 min used, 31.2 min left")' }),
  burn: Type.Array(Type.Object({ rule: Type.String(), firing: Type.Boolean(), severity: Type.String() })),
  /** Per hour of the window's last 7 days: the fraction of the budget left at its end (the chart). */
  budgetSeries: Type.Array(Type.Object({ at: Type.String(), remaining: Nullable(Type.Number()) })),
  problem: Nullable(Type.String()),
});

export const ServiceDetail = Type.Intersect([ServiceSummary, Type.Object({ slos: Type.Array(SloView) })]);

export const ServiceParams = Type.Object({ name: Type.String({ maxLength: 200 }) });
export const CheckParams = Type.Object({ id: Type.String({ maxLength: 400 }) });
export const HistoryQuery = Type.Object({
  hours: IntParam(1, 24 * 90, { default: 24, description: 'how far back (hours); beyond 24 h only hourly figures are returned' }),
});

export const CheckHistory = Type.Object({
  check: Type.String(),
  from: Type.String(),
  to: Type.String(),
  samples: Type.Array(Type.Object({ at: Type.String(), state: CheckState, latencyMs: Type.Optional(Type.Number()), reason: Type.Optional(Type.String()) })),
  hours: Type.Array(
    Type.Object({
      hour: Type.String(),
      upMs: Type.Number(),
      downMs: Type.Number(),
      unknownMs: Type.Number(),
      samples: Type.Integer(),
      failures: Type.Integer(),
    }),
  ),
});

export const CheckRun = Type.Object({
  check: Type.String(),
  ok: Type.Boolean(),
  reason: Type.String(),
  detail: Type.String(),
  latencyMs: Type.Optional(Type.Number()),
  phases: Type.Optional(Phases),
  conditions: Type.Array(ConditionResult),
});

export const ChecklistResultView = Type.Object({
  name: Type.String(),
  healthy: Type.Boolean(),
  items: Type.Array(Type.Object({ name: Type.String(), ok: Type.Boolean(), evidence: Type.Unknown() })),
});
export const ChecklistsView = Type.Object({ evaluatedAt: Type.String(), checklists: Type.Array(ChecklistResultView) });
export const ChecklistParams = Type.Object({ name: Type.String({ maxLength: 200 }) });

export const SlosQuery = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time', description: 'report window start (default: each SLO’s own rolling window)' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
});
export const SlosView = Type.Object({ slos: Type.Array(SloView) });
export const SloReportView = Type.Object({ report: Type.Unknown(), text: Type.String() });

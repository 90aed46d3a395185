// Request and response schemas of alerts, incidents, deliveries, silences and on-call.
import { Type } from 'typebox';
import { IntParam } from '../schemas.js';

const Json = Type.Record(Type.String(), Type.Unknown());
const Labels = Type.Record(Type.String(), Type.String());
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
export const SEVERITY = Type.Union([Type.Literal('SEV-1'), Type.Literal('SEV-2'), Type.Literal('SEV-3')]);
const INCIDENT_STATE = Type.Union([Type.Literal('triggered'), Type.Literal('acknowledged'), Type.Literal('resolved')]);

export const IncidentSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  severity: SEVERITY,
  state: INCIDENT_STATE,
  ackDueAt: Nullable(Type.String({ description: 'the acknowledgement deadline while triggered (also once passed: then it is overdue)' })),
  owner: Nullable(Type.String({ description: 'who acknowledged it' })),
  openedAt: Type.String(),
  updatedAt: Type.String(),
  resolvedAt: Nullable(Type.String()),
  alerts: Type.Object({ firing: Type.Integer(), total: Type.Integer() }),
  key: Type.String({ description: 'the grouping key (grouping labels and values)' }),
});

export const Delivery = Type.Object({
  id: Type.String(),
  incidentId: Type.String({ description: 'the incident, or `run:<id>` for an approval request, `test:<id>` for `notify test`' }),
  factSeq: Type.Integer({ description: 'the timeline event (its seq) this notification tells of; 0 outside an incident' }),
  event: Type.String(),
  receiver: Type.String(),
  channel: Type.String(),
  state: Type.String({ description: 'pending | attempted | delivered | failed | skipped' }),
  attempts: Type.Integer(),
  reason: Nullable(Type.String()),
  nextAt: Nullable(Type.String()),
  detail: Json,
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const TimelineEvent = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  type: Type.String(),
  by: Nullable(Type.String()),
  text: Type.String({ description: 'one line for people' }),
  data: Json,
});

export const IncidentDetail = Type.Object({
  ...IncidentSummary.properties,
  alertList: Type.Array(
    Type.Object({
      fingerprint: Type.String(),
      status: Type.String(),
      severity: SEVERITY,
      labels: Labels,
      annotations: Labels,
      startsAt: Type.String(),
      lastChangeAt: Type.String(),
    }),
  ),
  timeline: Type.Array(TimelineEvent),
  deliveries: Type.Array(Delivery),
  acknowledged: Nullable(Type.Object({ by: Type.String(), at: Type.String() })),
  resolved: Nullable(Type.Object({ by: Type.String(), at: Type.String(), reason: Type.String() })),
  override: Nullable(Type.Object({ severity: SEVERITY, by: Type.String(), reason: Type.String() })),
  timers: Type.Array(Type.Object({ kind: Type.String(), at: Type.String() })),
  runbook: Nullable(Type.String()),
  escalation: Nullable(Type.String()),
  integration: Type.String(),
  routes: Type.Array(Type.Object({ path: Type.String(), receiver: Type.String() })),
  reopened: Type.Integer(),
  runs: Type.Array(Type.Object({ runId: Type.String(), runbook: Type.String(), by: Type.String(), at: Type.String() }), {
    description: 'runs started for this incident (POST /runs with `incident`)',
  }),
});

export const IncidentsQuery = Type.Object({
  state: Type.Optional(Type.Union([INCIDENT_STATE, Type.Literal('open')], { description: 'open: triggered or acknowledged' })),
  limit: IntParam(1, 500, { default: 100 }),
});
export const IncidentsPage = Type.Object({ incidents: Type.Array(IncidentSummary) });
export const IncidentParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });
export const ResolveBody = Type.Object({ reason: Text(4096) }, { additionalProperties: false });
export const NoteBody = Type.Object({ text: Text(8192) }, { additionalProperties: false });
export const SeverityBody = Type.Object({ severity: SEVERITY, reason: Text(4096) }, { additionalProperties: false });
export const EmptyBody = Type.Object({}, { additionalProperties: false });

export const DeliveriesQuery = Type.Object({
  incident: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  state: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
  limit: IntParam(1, 1000, { default: 200 }),
});
export const DeliveriesPage = Type.Object({ deliveries: Type.Array(Delivery) });

export const Silence = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('silence'), Type.Literal('maintenance')]),
  matchers: Type.Array(Type.String()),
  startsAt: Type.String(),
  endsAt: Type.String(),
  createdBy: Type.String(),
  comment: Type.String(),
  createdAt: Type.String(),
  expiredBy: Nullable(Type.String()),
  active: Type.Boolean(),
});
export const SilencesQuery = Type.Object({ all: Type.Optional(Type.Boolean({ description: 'include silences that are over' })) });
export const SilencesPage = Type.Object({ silences: Type.Array(Silence) });
export const SilenceBody = Type.Object(
  {
    matchers: Type.Array(Type.String({ minLength: 1, maxLength: 1000 }), {
      minItems: 1,
      maxItems: 50,
      description: 'Alertmanager matchers: name="v", name=~"re", …',
    }),
    kind: Type.Optional(Type.Union([Type.Literal('silence'), Type.Literal('maintenance')])),
    startsAt: Type.Optional(Type.String({ format: 'date-time' })),
    endsAt: Type.Optional(Type.String({ format: 'date-time' })),
    duration: Type.Optional(Type.String({ minLength: 1, maxLength: 20, description: 'instead of endsAt: 2h, 30m, 1d' })),
    comment: Text(4096),
  },
  { additionalProperties: false },
);
export const SilenceParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const Shift = Type.Object({ user: Type.String(), from: Type.String(), to: Type.String(), source: Type.String() });
export const OnCallView = Type.Object({
  at: Type.String(),
  schedules: Type.Array(
    Type.Object({
      name: Type.String(),
      timeZone: Type.String(),
      now: Nullable(Shift),
      next: Nullable(Shift),
      lastHandoff: Nullable(Type.Object({ id: Type.String(), at: Type.String(), by: Type.String(), to: Nullable(Type.String()), risks: Type.String() })),
    }),
  ),
});
export const OnCallQuery = Type.Object({ at: Type.Optional(Type.String({ format: 'date-time' })) });
export const Handoff = Type.Object({
  id: Type.String(),
  at: Type.String(),
  by: Type.String(),
  schedule: Type.String(),
  to: Nullable(Type.String()),
  risks: Type.String(),
});
export const HandoffBody = Type.Object(
  { schedule: Type.String({ minLength: 1, maxLength: 100 }), risks: Text(16384), to: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
  { additionalProperties: false },
);
export const HandoffsQuery = Type.Object({ schedule: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), limit: IntParam(1, 500, { default: 50 }) });
export const HandoffsPage = Type.Object({ handoffs: Type.Array(Handoff) });

export const OperationsConfigView = Type.Object({
  path: Type.String(),
  exists: Type.Boolean(),
  digest: Type.String(),
  integrations: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
  receivers: Type.Array(Type.Object({ name: Type.String(), channel: Type.String() })),
  schedules: Type.Array(Type.String()),
  escalationPolicies: Type.Array(Type.String()),
});
export const RoutesTestBody = Type.Object({ labels: Labels }, { additionalProperties: false });
export const RoutesTestResult = Type.Object({
  severity: SEVERITY,
  key: Type.String(),
  routes: Type.Array(
    Type.Object({
      path: Type.String(),
      receiver: Type.String(),
      groupBy: Type.Array(Type.String()),
      escalation: Nullable(Type.String()),
      runbook: Nullable(Type.String()),
      because: Type.Array(Type.String()),
    }),
  ),
});

export const IntegrationParams = Type.Object({ integration: Type.String({ minLength: 1, maxLength: 100 }) });
export const IntakeAccepted = Type.Object({
  status: Type.Literal('success'),
  stored: Type.Union([Type.Literal('stored'), Type.Literal('duplicate')]),
  alerts: Type.Integer(),
  incidents: Type.Array(Type.String()),
});
export const PagerDutyAccepted = Type.Object({ status: Type.Literal('success'), message: Type.String(), dedup_key: Type.String() });
export const PagerDutyInvalid = Type.Object({
  status: Type.Union([Type.Literal('invalid event'), Type.Literal('throttle event')]),
  message: Type.String(),
  errors: Type.Array(Type.String()),
});

// Incidents, deliveries, silences, on-call and the operations configuration over HTTP. Reads need a
// viewer; acting on an incident, silencing and hand-offs an operator; reloading the configuration an admin.
import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import {
  configDuration,
  describeFact,
  incidentKey,
  nowAndNext,
  parseMatchers,
  routeFor,
  severityOfLabels,
  type IncidentFact,
  type IncidentModel,
  type Shift,
} from '@runledger/core';
import { buildEvidence, channelOf, evidenceDraft, handoffDraft, receiptFor, silenceDraft, type IncidentView, type OperationsHost } from '@runledger/runtime';
import type { DeliveryRecord, IncidentRow, SilenceRecord } from '@runledger/store';
import type { ApiInstance, RouteContext } from '../context.js';
import { ApiError } from '../errors.js';
import { errors } from '../schemas.js';
import { tarEnd, tarHeader, tarPadding } from '../tar.js';
import {
  DeliveriesPage,
  DeliveriesQuery,
  EmptyBody,
  HandoffBody,
  HandoffsPage,
  HandoffsQuery,
  Handoff,
  IncidentDetail,
  IncidentParams,
  IncidentsPage,
  IncidentsQuery,
  NoteBody,
  OnCallQuery,
  OnCallView,
  OperationsConfigView,
  ResolveBody,
  RoutesTestBody,
  RoutesTestResult,
  SeverityBody,
  Silence,
  SilenceBody,
  SilenceParams,
  SilencesPage,
  SilencesQuery,
} from './schemas.js';

type Sev = 'SEV-1' | 'SEV-2' | 'SEV-3';
type IState = 'triggered' | 'acknowledged' | 'resolved';

export function summaryOf(r: IncidentRow) {
  const m = r.model as IncidentModel;
  return {
    id: r.id,
    title: r.title,
    severity: r.severity as Sev,
    state: r.state as IState,
    ackDueAt: r.ackDueAt,
    owner: r.owner,
    openedAt: r.openedAt,
    updatedAt: r.updatedAt,
    resolvedAt: r.resolvedAt,
    alerts: { firing: m.alerts.filter((a) => a.status === 'firing').length, total: m.alerts.length },
    key: r.key,
  };
}

export function deliveryOf(d: DeliveryRecord) {
  return { ...d, detail: { ...d.detail } };
}

export function detailOf(v: IncidentView, deliveries: readonly DeliveryRecord[]) {
  const m = v.model;
  return {
    ...summaryOf(v.row),
    alertList: m.alerts.map((a) => ({
      fingerprint: a.fingerprint,
      status: a.status,
      severity: a.severity,
      labels: { ...a.labels },
      annotations: { ...a.annotations },
      startsAt: a.startsAt,
      lastChangeAt: a.lastChangeAt,
    })),
    timeline: v.facts.map((f) => {
      const fact = f.fact as IncidentFact;
      const { type: _t, at: _a, ...data } = fact;
      return { seq: f.seq, at: f.at, type: f.type, by: 'by' in fact && typeof fact.by === 'string' ? fact.by : null, text: describeFact(fact), data };
    }),
    deliveries: deliveries.map(deliveryOf),
    acknowledged: m.acknowledged ?? null,
    resolved: m.resolved ?? null,
    override: m.override ?? null,
    timers: Object.entries(m.timers).map(([kind, t]) => ({ kind, at: t!.at })),
    runbook: v.context.runbook ?? null,
    escalation: v.context.escalation ?? null,
    integration: v.context.integration,
    routes: v.context.routes.map((r) => ({ ...r })),
    reopened: m.reopened,
    runs: (m.runs ?? []).map((r) => ({ ...r })),
  };
}

export function silenceOf(s: SilenceRecord, now: string) {
  return { ...s, matchers: [...s.matchers], active: s.startsAt <= now && now < s.endsAt };
}

function shiftOf(s: Shift | undefined) {
  return s ? { user: s.user, from: new Date(s.from).toISOString(), to: new Date(s.to).toISOString(), source: s.source } : null;
}

export function incidentRoutes(app: ApiInstance, rc: RouteContext, ops: OperationsHost): void {
  const tags = ['incidents'];
  const svc = ops.service;
  const detail = async (id: string) => {
    const v = await svc.get(id);
    return detailOf(v, await svc.deliveries.list({ incidentId: v.row.id }));
  };

  app.get(
    '/incidents',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Incidents, newest first (open: triggered or acknowledged)',
        querystring: IncidentsQuery,
        response: { 200: IncidentsPage, ...errors(400, 401, 403, 429, 503) },
      },
    },
    async (req) => {
      const q = req.query;
      const states = q.state === 'open' ? ['triggered', 'acknowledged'] : q.state ? [q.state] : undefined;
      const rows = await svc.incidents.list({ ...(states ? { states } : {}), limit: q.limit });
      return { incidents: rows.map(summaryOf) };
    },
  );

  app.get(
    '/incidents/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'One incident: alerts, timeline, deliveries (id or unique prefix)',
        params: IncidentParams,
        response: { 200: IncidentDetail, ...errors(401, 403, 404, 429, 503) },
      },
    },
    async (req) => detail(req.params.id),
  );

  const action = (
    path: string,
    summary: string,
    body: typeof EmptyBody | typeof ResolveBody | typeof NoteBody | typeof SeverityBody,
    input: (b: Record<string, unknown>, by: string) => Parameters<typeof svc.act>[1],
  ) =>
    app.post(
      `/incidents/:id/${path}`,
      {
        config: { role: 'operator' },
        schema: { tags, summary, params: IncidentParams, body, response: { 200: IncidentDetail, ...errors(400, 401, 403, 404, 409, 429, 503) } },
      },
      async (req) => {
        rc.requireAccepting();
        const p = req.principal!;
        const { id } = req.params as { id: string };
        const v = await svc.act(id, input((req.body ?? {}) as Record<string, unknown>, p.actor.id));
        return detail(v.row.id);
      },
    );
  action('acknowledge', 'Acknowledge: stops the deadline and the escalation', EmptyBody, (_b, by) => ({ type: 'acknowledge', by }));
  action('resolve', 'Resolve by hand (a reason is required)', ResolveBody, (b, by) => ({ type: 'resolve', by, reason: String(b['reason']) }));
  action('notes', 'Add a note to the timeline', NoteBody, (b, by) => ({ type: 'note', by, text: String(b['text']) }));
  action('escalate', 'Escalate now to the next level of the policy', EmptyBody, (_b, by) => ({ type: 'escalate', by }));
  action('severity', 'Raise or lower the severity (a reason is required)', SeverityBody, (b, by) => ({
    type: 'set-severity',
    by,
    severity: b['severity'] as Sev,
    reason: String(b['reason']),
  }));

  app.get(
    '/incidents/:id/evidence',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'The evidence bundle (tar): raw alert bodies, timeline, deliveries, a manifest of SHA-256 digests, and a ledger receipt for the manifest',
        params: IncidentParams,
        produces: ['application/x-tar'],
        response: {
          200: Type.Unknown({
            description: 'a ustar archive: incident-<id>-evidence/{manifest.json, manifest.receipt, alerts/, timeline.json, deliveries.json, incident.json}',
          }),
          ...errors(401, 403, 404, 429, 503),
        },
      },
    },
    async (req, reply) => {
      const p = req.principal!;
      const bundle = await buildEvidence(svc, req.params.id, rc.now().toISOString());
      const { seq } = await rc.append(evidenceDraft(bundle, p.actor));
      const receipt = Buffer.from(await receiptFor(rc.ctx.ledger.reader, seq), 'utf8');
      const root = `incident-${bundle.incidentId}-evidence`;
      const files = [{ path: 'manifest.json', bytes: bundle.manifest }, { path: 'manifest.receipt', bytes: receipt }, ...bundle.files];
      const mtime = Math.floor(rc.now().getTime() / 1000);
      const dirs = [...new Set(files.flatMap((f) => (f.path.includes('/') ? [f.path.slice(0, f.path.lastIndexOf('/'))] : [])))];
      const parts: Buffer[] = [tarHeader(root, 0, { dir: true, mtime })];
      for (const d of dirs) parts.push(tarHeader(`${root}/${d}`, 0, { dir: true, mtime }));
      for (const f of files) parts.push(tarHeader(`${root}/${f.path}`, f.bytes.length, { mtime }), f.bytes, tarPadding(f.bytes.length));
      parts.push(tarEnd());
      return reply
        .header('content-type', 'application/x-tar')
        .header('content-disposition', `attachment; filename="${root}.tar"`)
        .header('cache-control', 'no-store')
        .header('x-runledger-manifest-sha256', bundle.manifestSha256)
        .header('x-runledger-ledger-seq', String(seq))
        .send(Buffer.concat(parts));
    },
  );

  app.get(
    '/deliveries',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Delivery records (one per incident event × receiver)',
        querystring: DeliveriesQuery,
        response: { 200: DeliveriesPage, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (req) => {
      const q = req.query;
      const incidentId = q.incident ? await svc.incidents.resolveId(q.incident) : undefined;
      const list = await svc.deliveries.list({ ...(incidentId ? { incidentId } : {}), ...(q.state ? { states: [q.state] } : {}), limit: q.limit });
      return { deliveries: list.map(deliveryOf) };
    },
  );

  app.get(
    '/silences',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Silences and maintenance windows not over (all: every one)',
        querystring: SilencesQuery,
        response: { 200: SilencesPage, ...errors(400, 401, 403, 429, 503) },
      },
    },
    async (req) => {
      const now = rc.now().toISOString();
      return { silences: (await svc.silences.list(now, req.query.all === true)).map((s) => silenceOf(s, now)) };
    },
  );

  app.post(
    '/silences',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Silence notifications matching labels for a time (never resolves); recorded in the ledger',
        body: SilenceBody,
        response: { 201: Silence, ...errors(400, 401, 403, 429, 503) },
      },
    },
    async (req, reply) => {
      rc.requireAccepting();
      const b = req.body;
      const now = rc.now();
      for (const [i, m] of b.matchers.entries()) {
        try {
          parseMatchers(m);
        } catch (e) {
          throw new ApiError('SILENCE_INVALID', `/matchers/${i}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      const startsAt = b.startsAt ? new Date(b.startsAt) : now;
      const span = b.duration !== undefined ? configDuration(b.duration) : undefined;
      if (b.duration !== undefined && span === undefined)
        throw new ApiError('SILENCE_INVALID', `/duration: ${JSON.stringify(b.duration)} is not a duration (30m, 2h, 1d)`);
      const endsAt = b.endsAt ? new Date(b.endsAt) : span !== undefined ? new Date(startsAt.getTime() + span) : undefined;
      if (!endsAt) throw new ApiError('SILENCE_INVALID', 'a silence needs endsAt or duration');
      if (!(endsAt.getTime() > startsAt.getTime()))
        throw new ApiError('SILENCE_INVALID', `/endsAt: ${endsAt.toISOString()} is not after the start ${startsAt.toISOString()}`);
      const p = req.principal!;
      const rec: Omit<SilenceRecord, 'expiredBy'> = {
        id: randomUUID(),
        kind: b.kind ?? 'silence',
        matchers: b.matchers,
        startsAt: startsAt.toISOString(),
        endsAt: endsAt.toISOString(),
        createdBy: p.actor.id,
        comment: b.comment,
        createdAt: now.toISOString(),
      };
      await svc.silences.add(
        rec,
        silenceDraft('silence.created', p.actor, rec.id, {
          kind: rec.kind,
          matchers: rec.matchers,
          startsAt: rec.startsAt,
          endsAt: rec.endsAt,
          comment: rec.comment,
        }),
      );
      ops.wake();
      return reply.status(201).send(silenceOf({ ...rec, expiredBy: null }, now.toISOString()));
    },
  );

  app.post(
    '/silences/:id/expire',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'End a silence now',
        params: SilenceParams,
        body: EmptyBody,
        response: { 200: Silence, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (req) => {
      rc.requireAccepting();
      const p = req.principal!;
      const now = rc.now().toISOString();
      const s = await svc.silences.expire(req.params.id, p.actor.id, now, silenceDraft('silence.expired', p.actor, req.params.id, { at: now }));
      ops.wake();
      return silenceOf(s, now);
    },
  );

  app.get(
    '/oncall',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Who is on call now and next, per schedule, with the last hand-off',
        querystring: OnCallQuery,
        response: { 200: OnCallView, ...errors(400, 401, 403, 429, 503) },
      },
    },
    async (req) => {
      const at = req.query.at ? new Date(req.query.at) : rc.now();
      const schedules = await Promise.all(
        ops.config.schedules.map(async (s) => {
          const nn = nowAndNext(s, at.getTime());
          const last = (await svc.silences.handoffs(s.name, 1))[0];
          return {
            name: s.name,
            timeZone: s.timeZone,
            now: shiftOf(nn.now),
            next: shiftOf(nn.next),
            lastHandoff: last ? { id: last.id, at: last.at, by: last.by, to: last.to, risks: last.risks } : null,
          };
        }),
      );
      return { at: at.toISOString(), schedules };
    },
  );

  app.get(
    '/handoffs',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'The on-call hand-off log, newest first',
        querystring: HandoffsQuery,
        response: { 200: HandoffsPage, ...errors(400, 401, 403, 429, 503) },
      },
    },
    async (req) => ({ handoffs: await svc.silences.handoffs(req.query.schedule, req.query.limit) }),
  );

  app.post(
    '/handoffs',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Hand off on-call: the unresolved risks, for the incoming person (recorded in the ledger)',
        body: HandoffBody,
        response: { 201: Handoff, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (req, reply) => {
      rc.requireAccepting();
      const b = req.body;
      if (!ops.config.schedules.some((s) => s.name === b.schedule)) throw new ApiError('SCHEDULE_UNKNOWN', `no schedule named ${JSON.stringify(b.schedule)}`);
      const p = req.principal!;
      const h = { id: randomUUID(), at: rc.now().toISOString(), by: p.actor.id, schedule: b.schedule, to: b.to ?? null, risks: b.risks };
      const open = await svc.incidents.list({ states: ['triggered', 'acknowledged'], limit: 100 });
      await svc.silences.addHandoff(h, handoffDraft(p.actor, h.id, { schedule: h.schedule, to: h.to, risks: h.risks, openIncidents: open.map((r) => r.id) }));
      ops.wake();
      return reply.status(201).send(h);
    },
  );

  app.get(
    '/operations/config',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'The operations configuration in force: file, digest, names',
        response: { 200: OperationsConfigView, ...errors(401, 403, 429) },
      },
    },
    async () => configView(ops),
  );

  app.post(
    '/operations/reload',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Read the operations file again (as SIGHUP does); an invalid file keeps the one in force',
        body: EmptyBody,
        response: { 200: OperationsConfigView, ...errors(400, 401, 403, 429, 500, 503) },
      },
    },
    async () => {
      await ops.reload();
      return configView(ops);
    },
  );

  app.post(
    '/operations/routes/test',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Where an alert with these labels would go',
        body: RoutesTestBody,
        response: { 200: RoutesTestResult, ...errors(400, 401, 403, 429) },
      },
    },
    async (req) => {
      const labels = req.body.labels;
      const root = ops.config.route;
      const matches = root.receiver ? routeFor(root, labels) : [];
      return {
        severity: severityOfLabels(labels).severity,
        key: incidentKey(labels, matches[0]?.groupBy),
        routes: matches.map((m) => ({
          path: m.path,
          receiver: m.receiver,
          groupBy: [...m.groupBy],
          escalation: m.escalation ?? null,
          runbook: m.runbook ?? null,
          because: [...m.because],
        })),
      };
    },
  );
}

function configView(ops: OperationsHost) {
  const s = ops.state;
  const c = s.config;
  return {
    path: s.path,
    exists: s.exists,
    digest: s.digest,
    integrations: c.integrations.map((i) => ({ name: i.name, type: i.type })),
    receivers: c.receivers.map((r) => ({ name: r.name, channel: channelOf(c, r.name) })),
    schedules: c.schedules.map((x) => x.name),
    escalationPolicies: c.escalationPolicies.map((x) => x.name),
  };
}

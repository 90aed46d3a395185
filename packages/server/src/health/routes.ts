// Continuous health over HTTP: the service grid and one service (checks, dependencies both ways, SLOs),
// a check's history, one check probed now, the "healthy iff" checklists evaluated now, and SLOs with
// their burn rules and a report. Reads need a viewer; probing a check now an operator.
import { describeBudget, describeVerdict, renderSloReport, sloSource, type Check, type CheckState, type HealthVerdict, type Service } from '@runledger/core';
import { budgetSeries, computeSlos, sloReport, type CheckView, type HealthService, type LastResult, type SloComputed } from '@runledger/runtime';
import type { ApiInstance, RouteContext } from '../context.js';
import { ApiError } from '../errors.js';
import { errors } from '../schemas.js';
import {
  CheckHistory,
  CheckParams,
  CheckRun,
  ChecklistParams,
  ChecklistResultView,
  ChecklistsView,
  HistoryQuery,
  ServiceDetail,
  ServiceParams,
  ServicesView,
  SloReportView,
  SlosQuery,
  SlosView,
} from './schemas.js';

const SPARK = 30;
/** A chart has a few hundred pixels: a 1 s check's day (86,400 samples) is thinned to this many. */
const MAX_HISTORY_SAMPLES = 2000;

/**
 * At most `max` samples: each run of consecutive samples becomes its worst one (a failure wins, else the
 * slowest), so no outage and no spike disappears from the chart.
 */
export function thin<T extends { state: string; latencyMs?: number }>(samples: readonly T[], max: number): T[] {
  if (samples.length <= max) return [...samples];
  const per = Math.ceil(samples.length / max);
  const out: T[] = [];
  for (let i = 0; i < samples.length; i += per) {
    let worst = samples[i]!;
    for (const x of samples.slice(i, i + per)) {
      const rank = (y: T): number => (y.state === 'down' ? 2 : y.state === 'unknown' ? 1 : 0);
      if (rank(x) > rank(worst) || (rank(x) === rank(worst) && (x.latencyMs ?? 0) > (worst.latencyMs ?? 0))) worst = x;
    }
    out.push(worst);
  }
  return out;
}
const HOUR = 3_600_000;

/** What a check probes, with any credentials left out. */
export function targetOf(c: Check): string {
  const p = c.probe;
  switch (p.kind) {
    case 'http': {
      try {
        const u = new URL(p.url);
        u.username = '';
        u.password = '';
        return `${p.method ?? 'GET'} ${u.toString()}`;
      } catch {
        return p.url;
      }
    }
    case 'tcp':
    case 'redis':
      return `${p.host}:${p.port}`;
    case 'postgres':
      return p.url.startsWith('env:') || p.url.startsWith('file:') ? p.url : p.url.replace(/\/\/[^@/]*@/, '//');
    case 'command':
      return p.run;
    case 'dns':
      return `${p.name} ${p.recordType}`;
  }
}

/** A check as the API and the CLI show it: what it probes and how, and its state and last result. */
export function checkJson(c: Check, v: { readonly state: CheckState; readonly since?: string | null; readonly last?: LastResult | null } | undefined) {
  return {
    id: c.id,
    name: c.name,
    service: c.service,
    ...(c.component ? { component: c.component } : {}),
    kind: c.probe.kind,
    target: targetOf(c),
    intervalMs: c.intervalMs,
    timeoutMs: c.timeoutMs,
    optional: c.optional,
    severity: c.severity,
    conditions: c.conditions.map((x) => x.text),
    state: v?.state ?? 'unknown',
    since: v?.since ?? null,
    last: v?.last ? { ...v.last, conditions: [...v.last.conditions] } : null,
  };
}

export function healthRoutes(app: ApiInstance, rc: RouteContext): void {
  const tags = ['health'];
  const host = rc.health;
  const svc = (): HealthService => {
    if (!host.service)
      throw new ApiError('CATALOG_ENTRY_NOT_FOUND', 'no service catalog is loaded (write catalog.yaml in the data directory, or serve --catalog PATH)');
    return host.service;
  };

  async function checkSummaries(s: HealthService, checks: readonly Check[], views: Map<string, CheckView>) {
    const since = Date.now() - 24 * HOUR;
    return Promise.all(
      checks.map(async (c) => {
        const v = views.get(c.id);
        const no = s.checkNo(c.id);
        const recent = no === undefined ? [] : (await s.store.recentSamples(no, SPARK)).filter((x) => x.at >= since);
        return {
          ...checkJson(c, v),
          sparkline: recent.map((x) => (x.state === 'up' && x.latencyMs !== undefined ? x.latencyMs : null)),
        };
      }),
    );
  }

  async function summary(s: HealthService, service: Service) {
    const verdicts = s.serviceVerdicts();
    const comps = s.componentVerdicts();
    const views = new Map(s.checkViews().map((v) => [v.check.id, v]));
    const v: HealthVerdict = verdicts[service.name] ?? { state: 'unknown', via: [], reasons: [] };
    const catalog = s.catalogInForce;
    return {
      name: service.name,
      description: service.description ?? null,
      owner: service.owner ?? null,
      system: service.system ?? null,
      state: v.state,
      since: s.serviceSinceOf(service.name) ?? null,
      cause: v.cause ?? null,
      via: [...v.via],
      reasons: [...v.reasons],
      explanation: describeVerdict(service.name, v),
      checks: await checkSummaries(s, service.checks, views),
      components: await Promise.all(
        service.components.map(async (c) => ({
          id: c.id,
          name: c.name,
          optional: c.optional,
          state: comps[c.id]?.state ?? 'unknown',
          checks: await checkSummaries(s, c.checks, views),
        })),
      ),
      dependsOn: service.dependsOn.map((d) => {
        const target = 'service' in d ? d.service : d.component;
        const state = ('service' in d ? verdicts[d.service]?.state : comps[d.component]?.state) ?? 'unknown';
        return { target, optional: d.optional, state };
      }),
      dependents: catalog.services
        .filter((x) => x.dependsOn.some((d) => ('service' in d ? d.service : d.component.split('/')[0]) === service.name))
        .map((x) => x.name),
      runbooks: { ...service.runbooks },
      escalation: service.escalation ?? null,
    };
  }

  async function sloViews(s: HealthService, list: readonly SloComputed[], withSeries: boolean) {
    return Promise.all(
      list.map(async ({ slo, result, burn }) => ({
        name: slo.name,
        service: slo.service,
        kind: slo.kind,
        source: sloSource(slo),
        objective: slo.objective,
        windowMs: slo.windowMs,
        checks: [...(slo.checks ?? [])],
        sli: result.sli,
        met: result.met,
        budget: result.budget,
        burnRate: result.burnRate,
        description: describeBudget(result),
        burn: burn.map((b) => ({ rule: b.name, firing: b.fires, severity: b.rule.severity })),
        budgetSeries: withSeries
          ? (await budgetSeries(s, slo, Date.now(), 28, 6 * HOUR, host.sloOptions)).map((p) => ({ at: new Date(p.at).toISOString(), remaining: p.remaining }))
          : [],
        problem: result.problem ?? null,
      })),
    );
  }

  app.get(
    '/services',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'The catalog’s services with their state, cause, checks and dependencies',
        response: { 200: ServicesView, ...errors(401, 403, 429, 503) },
      },
    },
    async () => {
      const s = host.service;
      const loaded = host.loaded;
      if (!s || !loaded) return { catalog: null, services: [] };
      return {
        catalog: { path: loaded.path, digest: loaded.digest, files: [...loaded.files] },
        services: await Promise.all(s.catalogInForce.services.map((x) => summary(s, x))),
      };
    },
  );

  app.get(
    '/services/:name',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'One service: its checks, components, dependencies both ways and SLOs',
        params: ServiceParams,
        response: { 200: ServiceDetail, ...errors(401, 403, 404, 429, 503) },
      },
    },
    async (req) => {
      const s = svc();
      const service = s.catalogInForce.services.find((x) => x.name === req.params.name);
      if (!service) throw new ApiError('CATALOG_ENTRY_NOT_FOUND', `no service ${JSON.stringify(req.params.name)} in the catalog`);
      return { ...(await summary(s, service)), slos: await sloViews(s, await computeSlos(s, Date.now(), { ...host.sloOptions, only: service.name }), true) };
    },
  );

  app.get(
    '/checks/:id/history',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'A check’s samples (up to 24 h) and hourly figures',
        params: CheckParams,
        querystring: HistoryQuery,
        response: { 200: CheckHistory, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (req) => {
      const s = svc();
      const no = s.checkNo(req.params.id);
      if (no === undefined) throw new ApiError('CATALOG_ENTRY_NOT_FOUND', `no check ${JSON.stringify(req.params.id)} in the catalog`);
      const to = Date.now();
      const from = to - req.query.hours * HOUR;
      const samples = thin(req.query.hours <= 24 ? await s.store.samples(no, from, to + 1) : [], MAX_HISTORY_SAMPLES);
      const hours = await s.store.rollups([no], Math.floor(from / HOUR) * HOUR, to);
      return {
        check: req.params.id,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        samples: samples.map((x) => ({
          at: new Date(x.at).toISOString(),
          state: x.state,
          ...(x.latencyMs !== undefined ? { latencyMs: x.latencyMs } : {}),
          ...(x.reason ? { reason: x.reason } : {}),
        })),
        hours: hours.map((h) => ({
          hour: new Date(h.hourStart).toISOString(),
          upMs: h.upMs,
          downMs: h.downMs,
          unknownMs: h.unknownMs,
          samples: h.samples,
          failures: h.failures,
        })),
      };
    },
  );

  app.post(
    '/checks/:id/run',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Probes one check now and shows what it saw (nothing is recorded)',
        params: CheckParams,
        response: { 200: CheckRun, ...errors(401, 403, 404, 429, 503) },
      },
    },
    async (req) => {
      const s = svc();
      if (s.checkNo(req.params.id) === undefined) throw new ApiError('CATALOG_ENTRY_NOT_FOUND', `no check ${JSON.stringify(req.params.id)} in the catalog`);
      const o = await s.probeOnce(req.params.id);
      return {
        check: req.params.id,
        ok: o.ok,
        reason: o.reason,
        detail: o.detail,
        ...(o.latencyMs !== undefined ? { latencyMs: o.latencyMs } : {}),
        ...(o.probe.phases ? { phases: o.probe.phases } : {}),
        conditions: [...o.conditions],
      };
    },
  );

  app.get(
    '/checklists',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: '"Healthy if and only if" checklists, evaluated now, each item with its evidence',
        response: { 200: ChecklistsView, ...errors(401, 403, 429, 503) },
      },
    },
    async () => ({ evaluatedAt: new Date().toISOString(), checklists: (await host.evaluate()).map((r) => ({ ...r, items: [...r.items] })) }),
  );

  app.get(
    '/checklists/:name',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'One checklist, evaluated now',
        params: ChecklistParams,
        response: { 200: ChecklistResultView, ...errors(401, 403, 404, 429, 503) },
      },
    },
    async (req) => {
      const r = (await host.evaluate()).find((x) => x.name === req.params.name);
      if (!r) throw new ApiError('CATALOG_ENTRY_NOT_FOUND', `no checklist ${JSON.stringify(req.params.name)} in the catalog`);
      return { ...r, items: [...r.items] };
    },
  );

  app.get(
    '/slos',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Every SLO over its rolling window: SLI, error budget, burn rate and the multi-window burn rules',
        response: { 200: SlosView, ...errors(401, 403, 429, 503) },
      },
    },
    async () => {
      const s = host.service;
      if (!s) return { slos: [] };
      return { slos: await sloViews(s, await computeSlos(s, Date.now(), host.sloOptions), false) };
    },
  );

  app.get(
    '/slos/report',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'An SLO report for a period (release evidence): JSON and its canonical text',
        querystring: SlosQuery,
        response: { 200: SloReportView, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (req) => {
      const s = svc();
      const to = req.query.to ? Date.parse(req.query.to) : Date.now();
      const from = req.query.from ? Date.parse(req.query.from) : to - 30 * 24 * HOUR;
      if (!(from < to)) throw new ApiError('VALIDATION_FAILED', '`from` must be before `to`');
      const report = await sloReport(s, from, to, host.sloOptions);
      return { report, text: renderSloReport(report) };
    },
  );
}

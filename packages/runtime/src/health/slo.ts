// SLOs over the stored probe history: for each check, the window's full hours from rollups and its two
// partial edges from raw samples (core/slo plans which), summed over the SLO's checks, then judged; the
// multi-window burn rules read the same way. Reads are prefetched (core's window math is synchronous).
// An SLO over Prometheus events asks Prometheus for its good (or bad) and total events of each window
// instead, and is judged by the same functions; a query that fails is the SLO's problem, never a zero.
import {
  answerWindow,
  buildSloReport,
  burnWindows,
  defaultMaxGap,
  evaluateBurn,
  evaluateEvents,
  evaluateSlo,
  eventAnswer,
  eventProblem,
  eventQueries,
  eventWindow,
  planWindow,
  promqlDuration,
  sloDefinitionOf,
  sloThresholds,
  sumWindowStats,
  type EventAnswer,
  type Rollup,
  type Sample,
  type SloDefinition,
  type SloEventQueries,
  type SloReport,
  type SloReportItem,
  type SloResult,
  type BurnVerdict,
  type WindowStats,
} from '@runledger/core';
import { queryPrometheus } from './facts.js';
import type { HealthService } from './service.js';

export interface SloOptions {
  /** The Prometheus asked by SLOs whose `prometheus` names no url (the server's or the command's --prometheus-url). */
  readonly prometheusUrl?: string;
  readonly prometheusTimeoutMs?: number;
}

export interface SloComputed {
  readonly slo: SloDefinition;
  readonly result: SloResult;
  readonly burn: readonly BurnVerdict[];
}

/** One check's stats over [from, to): rollups for the full hours, raw samples for the edges. */
export async function checkWindow(
  health: HealthService,
  checkId: string,
  from: number,
  to: number,
  thresholds: readonly number[],
): Promise<WindowStats | undefined> {
  const no = health.checkNo(checkId);
  const check = health.checks.find((c) => c.id === checkId);
  if (no === undefined || !check) return undefined;
  const maxGapMs = defaultMaxGap(check.intervalMs);
  const last = await health.store.lastSample(no);
  // Raw samples are kept for the retention period (pruning removes only older ones): an edge inside it is
  // answered from samples even when none were taken yet (a new check), never snapped away as pruned.
  const rawFrom = health.rawRetainedFrom(to);
  const plan = planWindow(from, to, { maxGapMs, frontier: last?.at, ...(rawFrom !== undefined ? { rawRetainedFrom: rawFrom } : {}) });
  const rollups: Rollup[] = plan.hoursTo > plan.hoursFrom ? await health.store.rollups([no], plan.hoursFrom, plan.hoursTo) : [];
  const edges = new Map<string, Sample[]>();
  for (const e of plan.edges) edges.set(`${e.fetchFrom}:${e.to}`, await health.store.samples(no, e.fetchFrom, e.to));
  return answerWindow(
    from,
    to,
    {
      frontier: last?.at,
      ...(rawFrom !== undefined ? { rawRetainedFrom: rawFrom } : {}),
      rollups: (a, b) => rollups.filter((r) => r.hourStart >= a && r.hourStart < b),
      samples: (a, b) => edges.get(`${a}:${b}`) ?? [],
    },
    { maxGapMs, thresholds },
  );
}

async function sloWindow(health: HealthService, slo: SloDefinition, from: number, to: number, thresholds: readonly number[]): Promise<WindowStats> {
  const parts: WindowStats[] = [];
  for (const id of slo.checks ?? []) {
    const w = await checkWindow(health, id, from, to, thresholds);
    if (w) parts.push(w);
  }
  return sumWindowStats(parts, from, to);
}

/** An event SLO's good and total over the `windowMs` ending at `at`, asked of Prometheus. */
async function askEvents(q: SloEventQueries, at: number, windowMs: number, opts: SloOptions): Promise<EventAnswer> {
  const base = q.url ?? opts.prometheusUrl;
  if (base === undefined) return { problem: 'no Prometheus to ask: give the SLO prometheus.url, or run with --prometheus-url' };
  const d = promqlDuration(windowMs);
  const qs = eventQueries(q, windowMs);
  const ask = (query: string) => queryPrometheus(base, query, opts.prometheusTimeoutMs ?? 5000, { at, oneSeries: true });
  const [count, total] = await Promise.all([ask(qs.count), ask(qs.total)]);
  if (!count.ok) return { problem: `Prometheus, ${qs.counts} events over ${d}: ${count.error}` };
  if (!total.ok) return { problem: `Prometheus, total events over ${d}: ${total.error}` };
  const a = eventAnswer(qs.counts, count.value, total.value);
  return 'problem' in a ? { problem: `Prometheus, events over ${d}: ${a.problem}` } : a;
}

/** An event SLO now: its window and every burn window asked of Prometheus (at one instant), judged as probe SLOs are. */
async function eventSlo(slo: SloDefinition, q: SloEventQueries, now: number, opts: SloOptions): Promise<SloComputed> {
  const [main, asked] = await Promise.all([
    askEvents(q, now, slo.windowMs, opts),
    Promise.all(burnWindows().map(async (w) => ({ w, a: await askEvents(q, now, w, opts) }))),
  ]);
  const windows = new Map(asked.map(({ w, a }) => [w, eventWindow(now - w, now, a)]));
  const result = evaluateEvents(slo, now - slo.windowMs, now, main);
  // The SLO's own window answered but a burn window did not: the figures stand, the burn rules cannot be trusted.
  const burnProblem = asked.map(({ a }) => eventProblem(a)).find((p) => p !== null);
  return {
    slo,
    result: result.problem === null && burnProblem !== undefined ? { ...result, problem: `burn rules: ${burnProblem}` } : result,
    burn: evaluateBurn(slo, windows),
  };
}

/** Every SLO of the catalog (or `only` the one of that name, or those of that service), over its rolling window ending now, with the burn rules. */
export async function computeSlos(health: HealthService, now: number, opts: SloOptions & { readonly only?: string } = {}): Promise<SloComputed[]> {
  const catalog = health.catalogInForce;
  const only = opts.only;
  const defs = catalog.slos.map((s) => sloDefinitionOf(catalog, s)).filter((d) => only === undefined || d.name === only || d.service === only);
  const thresholds = sloThresholds(defs);
  const out: SloComputed[] = [];
  for (const slo of defs) {
    if (slo.prometheus) {
      out.push(await eventSlo(slo, slo.prometheus, now, opts));
      continue;
    }
    const result = evaluateSlo(slo, await sloWindow(health, slo, now - slo.windowMs, now, thresholds));
    const windows = new Map<number, WindowStats>();
    for (const w of burnWindows()) windows.set(w, await sloWindow(health, slo, now - w, now, thresholds));
    out.push({ slo, result, burn: evaluateBurn(slo, windows) });
  }
  return out;
}

/** The fraction of budget left at `points` times `stepMs` apart, the last one now (for the chart). */
export async function budgetSeries(
  health: HealthService,
  slo: SloDefinition,
  now: number,
  points: number,
  stepMs: number,
  opts: SloOptions = {},
): Promise<{ at: number; remaining: number | null }[]> {
  const ats = Array.from({ length: points }, (_, i) => now - (points - 1 - i) * stepMs);
  const remaining = (r: SloResult): number | null => (r.sli === null ? null : r.budget.remainingFraction);
  const q = slo.prometheus;
  if (q) {
    const results = await Promise.all(ats.map(async (at) => evaluateEvents(slo, at - slo.windowMs, at, await askEvents(q, at, slo.windowMs, opts))));
    return results.map((r, i) => ({ at: ats[i]!, remaining: remaining(r) }));
  }
  const thresholds = sloThresholds([slo]);
  const out: { at: number; remaining: number | null }[] = [];
  for (const at of ats) out.push({ at, remaining: remaining(evaluateSlo(slo, await sloWindow(health, slo, at - slo.windowMs, at, thresholds))) });
  return out;
}

/** An SLO report for [from, to) (`runledger slo report`, release evidence); event SLOs ask Prometheus at `to`. */
export async function sloReport(health: HealthService, from: number, to: number, opts: SloOptions = {}): Promise<SloReport> {
  const catalog = health.catalogInForce;
  const defs = catalog.slos.map((s) => sloDefinitionOf(catalog, s));
  const thresholds = sloThresholds(defs);
  const items: SloReportItem[] = [];
  for (const slo of defs) {
    if (slo.prometheus) {
      const a = await askEvents(slo.prometheus, to, to - from, opts);
      const problem = eventProblem(a);
      items.push({ slo, checks: [], stats: eventWindow(from, to, a), ...(problem !== null ? { problem } : {}) });
      continue;
    }
    const nos = (slo.checks ?? []).map((id) => health.checkNo(id)).filter((n): n is number => n !== undefined);
    const hours = await health.store.rollups(nos, Math.floor(from / 3_600_000) * 3_600_000, to);
    items.push({ slo, checks: slo.checks ?? [], stats: await sloWindow(health, slo, from, to, thresholds), hours });
  }
  return buildSloReport({ from, to, items });
}

// SLOs over the stored probe history: for each check, the window's full hours from rollups and its two
// partial edges from raw samples (core/slo plans which), summed over the SLO's checks, then judged; the
// multi-window burn rules read the same way. Reads are prefetched (core's window math is synchronous).
import {
  answerWindow,
  buildSloReport,
  burnWindows,
  defaultMaxGap,
  evaluateBurn,
  evaluateSlo,
  planWindow,
  sloDefinitionOf,
  sloThresholds,
  sumWindowStats,
  type Rollup,
  type Sample,
  type SloDefinition,
  type SloReport,
  type SloResult,
  type BurnVerdict,
  type WindowStats,
} from '@runledger/core';
import type { HealthService } from './service.js';

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

/** Every SLO of the catalog (or one), over its rolling window ending now, with the burn rules. */
export async function computeSlos(health: HealthService, now: number, only?: string): Promise<SloComputed[]> {
  const catalog = health.catalogInForce;
  const defs = catalog.slos.map((s) => sloDefinitionOf(catalog, s)).filter((d) => only === undefined || d.name === only || d.service === only);
  const thresholds = sloThresholds(defs);
  const out: SloComputed[] = [];
  for (const slo of defs) {
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
): Promise<{ at: number; remaining: number | null }[]> {
  const thresholds = sloThresholds([slo]);
  const out: { at: number; remaining: number | null }[] = [];
  for (let h = points - 1; h >= 0; h--) {
    const at = now - h * stepMs;
    const r = evaluateSlo(slo, await sloWindow(health, slo, at - slo.windowMs, at, thresholds));
    out.push({ at, remaining: r.sli === null ? null : r.budget.remainingFraction });
  }
  return out;
}

/** An SLO report for [from, to) (`runledger slo report`, release evidence). */
export async function sloReport(health: HealthService, from: number, to: number): Promise<SloReport> {
  const catalog = health.catalogInForce;
  const defs = catalog.slos.map((s) => sloDefinitionOf(catalog, s));
  const thresholds = sloThresholds(defs);
  const items = [];
  for (const slo of defs) {
    const nos = (slo.checks ?? []).map((id) => health.checkNo(id)).filter((n): n is number => n !== undefined);
    const hours = await health.store.rollups(nos, Math.floor(from / 3_600_000) * 3_600_000, to);
    items.push({ slo, checks: slo.checks ?? [], stats: await sloWindow(health, slo, from, to, thresholds), hours });
  }
  return buildSloReport({ from, to, items });
}

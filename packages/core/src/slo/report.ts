// An SLO report for a period [from, to): per SLO the SLI, objective, met or not, the budget, and the worst
// hours. A plain object for JSON and a canonical text for the CLI and evidence bundles; both are
// deterministic (fixed ordering, fixed rounding) so the same history always gives the same digest.
import { formatAmount, formatPercent, isoTime } from './format.js';
import {
  describeBudget,
  describeObjective,
  evaluateSlo,
  sloProblemResult,
  sloSource,
  type SloDefinition,
  type SloKind,
  type SloSource,
  type SloUnit,
} from './objectives.js';
import { HOUR_MS, type Rollup } from './rollup.js';
import type { WindowStats } from './stats.js';

export interface SloReportItem {
  readonly slo: SloDefinition;
  /** The checks counted (the SLO's, or its service's). */
  readonly checks: readonly string[];
  /** The period's stats, summed over the checks (answerWindow / sumWindowStats). */
  readonly stats: WindowStats;
  /** The checks' hourly rollups over the period, for the worst hours. */
  readonly hours?: readonly Rollup[];
  /** Why the period cannot be judged (a Prometheus query failed): the entry carries it instead of figures. */
  readonly problem?: string;
}

export interface SloReportHour {
  readonly hour: string;
  /** Bad in the hour: ms down (time basis) or bad samples. */
  readonly bad: number;
  readonly badSamples: number;
}

export interface SloReportEntry {
  readonly name: string;
  readonly service: string;
  readonly kind: SloKind;
  /** The probe history, or events counted by Prometheus. */
  readonly source: SloSource;
  readonly checks: readonly string[];
  readonly objective: number;
  readonly objectiveText: string;
  readonly unit: SloUnit;
  readonly good: number;
  readonly bad: number;
  readonly valid: number;
  readonly badSamples: number;
  /** Rounded to 6 decimals; null without data. */
  readonly sli: number | null;
  readonly met: boolean | null;
  readonly budget: {
    readonly allowed: number;
    readonly consumed: number;
    readonly remaining: number;
    readonly consumedFraction: number | null;
    readonly remainingFraction: number | null;
  };
  readonly budgetText: string;
  readonly unknownMs: number;
  readonly latencyMs: number | null;
  readonly worstHours: readonly SloReportHour[];
  readonly problem: string | null;
}

export interface SloReport {
  readonly kind: 'runledger.slo-report';
  readonly version: 1;
  readonly from: string;
  readonly to: string;
  readonly slos: readonly SloReportEntry[];
}

const round = (x: number, places: number): number => {
  const f = 10 ** places;
  const r = Math.round(x * f) / f;
  return Object.is(r, -0) ? 0 : r;
};
const roundOrNull = (x: number | null, places: number): number | null => (x === null ? null : round(x, places));

function worstHours(slo: SloDefinition, hours: readonly Rollup[], from: number, to: number, n: number): SloReportHour[] {
  const byHour = new Map<number, { bad: number; badSamples: number }>();
  for (const r of hours) {
    if (r.hourStart + HOUR_MS <= from || r.hourStart >= to) continue;
    let bad: number;
    let badSamples: number;
    if (slo.kind === 'latency') {
      const good = r.latencyCounts[slo.latency?.thresholdMs ?? NaN];
      if (good === undefined) continue;
      bad = badSamples = r.latencySamples - good;
    } else {
      badSamples = r.failures;
      bad = slo.basis === 'samples' ? r.failures : r.downMs;
    }
    const cur = byHour.get(r.hourStart) ?? { bad: 0, badSamples: 0 };
    byHour.set(r.hourStart, { bad: cur.bad + bad, badSamples: cur.badSamples + badSamples });
  }
  return [...byHour.entries()]
    .filter(([, v]) => v.bad > 0)
    .sort((a, b) => b[1].bad - a[1].bad || a[0] - b[0])
    .slice(0, n)
    .map(([h, v]) => ({ hour: isoTime(h), bad: round(v.bad, 3), badSamples: v.badSamples }));
}

/** The report, SLOs ordered by service then name; `worstHours` per SLO (default 5). */
export function buildSloReport(input: {
  readonly from: number;
  readonly to: number;
  readonly items: readonly SloReportItem[];
  readonly worstHours?: number;
}): SloReport {
  const n = input.worstHours ?? 5;
  const items = [...input.items].sort((a, b) => cmp(a.slo.service, b.slo.service) || cmp(a.slo.name, b.slo.name));
  const slos = items.map((item): SloReportEntry => {
    const r = item.problem !== undefined ? sloProblemResult(item.slo, item.stats, item.problem) : evaluateSlo(item.slo, item.stats);
    const places = r.unit === 'ms' ? 3 : 6;
    return {
      name: item.slo.name,
      service: item.slo.service,
      kind: item.slo.kind,
      source: sloSource(item.slo),
      checks: [...item.checks].sort(cmp),
      objective: item.slo.objective,
      objectiveText: describeObjective(item.slo),
      unit: r.unit,
      good: round(r.good, places),
      bad: round(r.bad, places),
      valid: round(r.valid, places),
      badSamples: r.badSamples,
      sli: roundOrNull(r.sli, 6),
      met: r.met,
      budget: {
        allowed: round(r.budget.allowed, places),
        consumed: round(r.budget.consumed, places),
        remaining: round(r.budget.remaining, places),
        consumedFraction: roundOrNull(r.budget.consumedFraction, 6),
        remainingFraction: roundOrNull(r.budget.remainingFraction, 6),
      },
      budgetText: describeBudget(r),
      unknownMs: round(r.unknownMs, 3),
      latencyMs: roundOrNull(r.latencyMs, 3),
      worstHours: worstHours(item.slo, item.hours ?? [], input.from, input.to, n),
      problem: r.problem,
    };
  });
  return { kind: 'runledger.slo-report', version: 1, from: isoTime(input.from), to: isoTime(input.to), slos };
}

// Code-unit order: the same in every locale.
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Canonical text: one block per SLO, "\n" line ends, a final newline. */
export function renderSloReport(report: SloReport): string {
  const lines = [`SLO report ${report.from} .. ${report.to}`];
  if (report.slos.length === 0) lines.push('', 'no SLOs');
  for (const e of report.slos) {
    const verdict = e.met === null ? 'NO DATA' : e.met ? 'MET' : 'NOT MET';
    const counted = e.source === 'prometheus' ? 'source prometheus' : `checks ${e.checks.join(', ') || '-'}`;
    lines.push('', `${e.name} (service ${e.service}, ${e.kind}; ${counted})`);
    if (e.problem !== null) {
      lines.push(`  problem: ${e.problem}`);
      continue;
    }
    const sli = e.sli === null ? 'no data' : formatPercent(e.sli);
    const latency = e.latencyMs === null ? '' : `  (p${Math.round(e.objective * 1e6) / 1e4} measured: ${formatAmount(e.latencyMs)})`;
    lines.push(`  SLI ${sli}  objective ${e.objectiveText}  ${verdict}${latency}`);
    lines.push(`  budget: ${e.budgetText}`);
    if (e.unknownMs > 0) lines.push(`  unknown: ${formatAmount(e.unknownMs)} without probe data (not counted)`);
    const noun = e.kind === 'latency' ? 'slow sample' : 'failed probe';
    const count = (n: number): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
    for (const h of e.worstHours) lines.push(`  worst hour ${h.hour}: ${e.unit === 'ms' ? `${formatAmount(h.bad)} down, ` : ''}${count(h.badSamples)}`);
  }
  return lines.join('\n') + '\n';
}

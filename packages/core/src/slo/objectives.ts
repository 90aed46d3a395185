// Service level objectives over probe history: definitions, checks of a definition, and the SLI, error
// budget and burn rate of a window. Every ratio is a sum over a sum (time or samples), never an average
// of ratios, so a window of several checks or several pieces gives one exact figure.
//
// Availability (basis 'time', the default): good = time up, bad = time down, unknown time left out. A
// 5 s outage costs 5 s of budget. Basis 'samples' counts probes instead (OpenSLO's Occurrences).
// Latency: good = up samples at or below thresholdMs, over all up samples with a latency. "p95 ≤ 250 ms"
// is exactly "at least 95 % of samples ≤ 250 ms" (nearest-rank p95; see quantileRank), so a latency SLO
// is { thresholdMs: 250, objective: 0.95 }, and `percentile: 95` only says how to read it aloud.
// Events (a `prometheus` source): good and total events another system counts, judged as basis 'samples'
// (see events.ts): good events over all of them.
import { formatAmount, formatPercent } from './format.js';
import { latencyQuantile, upSamples, type WindowStats } from './stats.js';

export type SloKind = 'availability' | 'latency';

/**
 * Where an event SLO's counts come from: two PromQL queries holding `$window` (the window as a PromQL
 * duration), one for the good events (or the bad ones) and one for all of them.
 */
export interface SloEventQueries {
  readonly good?: string;
  readonly bad?: string;
  readonly total: string;
  /** The Prometheus to ask; absent: the runtime's. */
  readonly url?: string;
}

/** What the SLI counts: the probe history, or events Prometheus counts. */
export type SloSource = 'probes' | 'prometheus';

export interface SloDefinition {
  readonly name: string;
  readonly service: string;
  /** Checks whose history counts; absent: all of the service's checks. */
  readonly checks?: readonly string[];
  readonly kind: SloKind;
  /** Target fraction of good, in (0, 1): 0.999. */
  readonly objective: number;
  /** Rolling window length (ms): 30 days is 2_592_000_000. */
  readonly windowMs: number;
  /** Availability: weigh states by time (default) or count samples. */
  readonly basis?: 'time' | 'samples';
  readonly latency?: { readonly thresholdMs: number; readonly percentile?: number };
  /** Burn-rate alerts need at least this many bad samples in their long window (default DEFAULT_MIN_FAILURES). */
  readonly minFailures?: number;
  readonly description?: string;
  /** Events counted by Prometheus instead of the probe history (availability, basis 'samples', no checks). */
  readonly prometheus?: SloEventQueries;
}

export const sloSource = (slo: SloDefinition): SloSource => (slo.prometheus ? 'prometheus' : 'probes');

/** Three, as Gatus's default failure threshold: one or two lost probes never page. */
export const DEFAULT_MIN_FAILURES = 3;

export interface SloProblem {
  /** JSONPath-like, relative to the definition: `$.latency.thresholdMs`. */
  readonly path: string;
  readonly message: string;
}

export function checkSloDefinition(slo: SloDefinition): SloProblem[] {
  const out: SloProblem[] = [];
  const p = (path: string, message: string): void => void out.push({ path, message });
  if (slo.name.trim() === '') p('$.name', 'must not be empty');
  if (slo.service.trim() === '') p('$.service', 'must not be empty');
  if (!(slo.objective > 0 && slo.objective < 1)) p('$.objective', 'must be a fraction between 0 and 1, e.g. 0.999');
  if (!(Number.isSafeInteger(slo.windowMs) && slo.windowMs > 0)) p('$.windowMs', 'must be a positive whole number of milliseconds');
  if (slo.minFailures !== undefined && !(Number.isSafeInteger(slo.minFailures) && slo.minFailures >= 0)) p('$.minFailures', 'must be a whole number ≥ 0');
  if (slo.checks !== undefined && slo.checks.length === 0) p('$.checks', 'must name at least one check (or be left out for all of the service’s)');
  if (slo.kind === 'latency') {
    if (slo.latency === undefined) p('$.latency', 'a latency SLO needs thresholdMs');
    else {
      if (!(slo.latency.thresholdMs > 0 && Number.isFinite(slo.latency.thresholdMs))) p('$.latency.thresholdMs', 'must be a positive number of milliseconds');
      const pc = slo.latency.percentile;
      if (pc !== undefined && Math.abs(pc / 100 - slo.objective) > 1e-9)
        p('$.latency.percentile', `p${pc} means an objective of ${pc / 100}, not ${slo.objective}: "pN ≤ T" is "N % of samples ≤ T"`);
    }
    if (slo.basis !== undefined) p('$.basis', 'only availability SLOs have a basis: latency always counts samples');
  } else if (slo.latency !== undefined) p('$.latency', 'only latency SLOs have a latency threshold');
  if (slo.prometheus) {
    if (slo.kind !== 'availability' || slo.basis === 'time')
      p('$.prometheus', 'events counted by Prometheus make an availability SLO that counts (basis samples)');
    if (slo.checks !== undefined) p('$.checks', 'an SLO over Prometheus events counts no checks');
  }
  return out;
}

export const sloChecks = (slo: SloDefinition, serviceChecks: readonly string[]): readonly string[] => slo.checks ?? serviceChecks;

/** Thresholds a check's rollups must count for these SLOs (sorted, distinct). */
export function sloThresholds(slos: readonly SloDefinition[]): number[] {
  return [...new Set(slos.flatMap((s) => (s.kind === 'latency' && s.latency ? [s.latency.thresholdMs] : [])))].sort((a, b) => a - b);
}

/** Time (ms), probe samples, or events counted elsewhere. */
export type SloUnit = 'ms' | 'samples' | 'events';

export interface SloCounts {
  readonly unit: SloUnit;
  readonly good: number;
  readonly bad: number;
  /** good + bad: what the SLI divides by. */
  readonly valid: number;
  /** Bad samples (failed probes, slow ones, or bad events): what the minFailures guard counts. */
  readonly badSamples: number;
}

/** The SLO's good and bad in a window; undefined when the window does not count the SLO's latency threshold. */
export function sloCounts(slo: SloDefinition, s: WindowStats): SloCounts | undefined {
  if (slo.kind === 'latency') {
    const good = s.latencyCounts[slo.latency?.thresholdMs ?? NaN];
    if (good === undefined) return undefined;
    return { unit: 'samples', good, bad: s.latencySamples - good, valid: s.latencySamples, badSamples: s.latencySamples - good };
  }
  if (slo.basis === 'samples' || slo.prometheus) {
    const good = upSamples(s);
    return { unit: slo.prometheus ? 'events' : 'samples', good, bad: s.failures, valid: good + s.failures, badSamples: s.failures };
  }
  return { unit: 'ms', good: s.upMs, bad: s.downMs, valid: s.upMs + s.downMs, badSamples: s.failures };
}

export interface SloBudget {
  /** Bad allowed in the window's valid time or samples: (1 − objective) × valid. */
  readonly allowed: number;
  readonly consumed: number;
  /** allowed − consumed; negative once the budget is spent. */
  readonly remaining: number;
  /** consumed / allowed, and 1 − that (null when nothing was allowed: no valid data). */
  readonly consumedFraction: number | null;
  readonly remainingFraction: number | null;
}

export interface SloResult {
  readonly slo: string;
  readonly service: string;
  readonly kind: SloKind;
  readonly from: number;
  readonly to: number;
  readonly unit: SloUnit;
  readonly good: number;
  readonly bad: number;
  readonly valid: number;
  readonly badSamples: number;
  /** good / valid; null without valid data or when the window cannot answer (see problem). */
  readonly sli: number | null;
  readonly objective: number;
  readonly met: boolean | null;
  readonly budget: SloBudget;
  /** How fast the budget burns: (bad / valid) / (1 − objective); 1 spends it exactly over the window. */
  readonly burnRate: number | null;
  readonly unknownMs: number;
  /** Latency SLOs: the measured nearest-rank quantile at the objective (p95 for 0.95), and whether it is exact. */
  readonly latencyMs: number | null;
  readonly latencyExact: boolean;
  readonly problem: string | null;
}

function resultBase(slo: SloDefinition, s: WindowStats) {
  return {
    slo: slo.name,
    service: slo.service,
    kind: slo.kind,
    from: s.from,
    to: s.to,
    objective: slo.objective,
    unknownMs: s.unknownMs,
    latencyMs: slo.kind === 'latency' ? (latencyQuantile(s.latency, slo.objective) ?? null) : null,
    latencyExact: s.latency.kind === 'exact',
  };
}

/** A window the SLO cannot be judged over: no figures, and why (never a silent zero). */
export function sloProblemResult(slo: SloDefinition, s: WindowStats, problem: string): SloResult {
  return {
    ...resultBase(slo, s),
    unit: sloCounts(slo, s)?.unit ?? 'samples',
    good: 0,
    bad: 0,
    valid: 0,
    badSamples: 0,
    sli: null,
    met: null,
    budget: { allowed: 0, consumed: 0, remaining: 0, consumedFraction: null, remainingFraction: null },
    burnRate: null,
    problem,
  };
}

export function evaluateSlo(slo: SloDefinition, s: WindowStats): SloResult {
  const c = sloCounts(slo, s);
  if (c === undefined)
    return sloProblemResult(
      slo,
      s,
      `the history does not count latency ≤ ${slo.latency?.thresholdMs} ms over this window: add it to the check's latency thresholds`,
    );
  const allowed = (1 - slo.objective) * c.valid;
  const sli = c.valid > 0 ? c.good / c.valid : null;
  const used = allowed > 0 ? c.bad / allowed : null;
  return {
    ...resultBase(slo, s),
    ...c,
    sli,
    met: sli === null ? null : sli >= slo.objective,
    budget: { allowed, consumed: c.bad, remaining: allowed - c.bad, consumedFraction: used, remainingFraction: used === null ? null : 1 - used },
    burnRate: c.valid > 0 ? c.bad / c.valid / (1 - slo.objective) : null,
    problem: null,
  };
}

/** "43.2 min budget, 12 min used, 31.2 min left" (or in probes for sample-based SLOs, in events for event SLOs). */
export function describeBudget(r: SloResult): string {
  if (r.problem !== null) return r.problem;
  const b = r.budget;
  if (r.unit === 'ms')
    return `${formatAmount(b.allowed)} budget, ${formatAmount(b.consumed)} used, ${b.remaining >= 0 ? `${formatAmount(b.remaining)} left` : `${formatAmount(-b.remaining)} over`}`;
  const n = (x: number): string => String(Math.round(x * 10) / 10);
  const what = r.unit === 'events' ? 'bad events' : r.kind === 'latency' ? 'slow samples' : 'failed probes';
  return `${n(b.allowed)} ${what} allowed, ${n(b.consumed)} used, ${b.remaining >= 0 ? `${n(b.remaining)} left` : `${n(-b.remaining)} over`}`;
}

/** "99.9 %" or "p95 ≤ 250 ms". */
export function describeObjective(slo: SloDefinition): string {
  if (slo.kind === 'latency' && slo.latency) {
    const pc = slo.latency.percentile ?? Math.round(slo.objective * 1e6) / 1e4;
    return `p${pc} ≤ ${slo.latency.thresholdMs} ms`;
  }
  return formatPercent(slo.objective);
}

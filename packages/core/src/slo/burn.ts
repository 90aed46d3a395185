// Multi-window, multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs"): a rule fires when the
// budget burns at least `factor` times too fast over both its long window (enough budget is really
// gone) and its short one (it is still burning, so the alert clears soon after the burning stops).
//
// Probe data is sparse, so two facts matter. At 99.9 % with a probe a minute, 14.4× over 1 h needs 51.8 s
// down: one failed probe (60 s). And a rule can only fire if factor × (1 − objective) ≤ 1 (no window is
// more than 100 % bad): 14.4× never fires below 1 − 1/14.4 ≈ 93.06 %. Hence the minFailures guard (the
// long window must also hold that many bad samples) and explainRules, which `config check` prints.
import { formatAmount, formatFactor, formatPercent, formatWindow } from './format.js';
import { DEFAULT_MIN_FAILURES, sloCounts, type SloDefinition } from './objectives.js';
import type { WindowStats } from './stats.js';

export interface BurnRule {
  readonly severity: 'page' | 'ticket';
  readonly longMs: number;
  readonly shortMs: number;
  /** Burn rate both windows must reach: 14.4 spends 2 % of a 30-day budget in 1 h. */
  readonly factor: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** The workbook's table: page 1 h & 5 min at 14.4× or 6 h & 30 min at 6×; ticket 1 d & 2 h at 3× or 3 d & 6 h at 1×. */
export const SRE_BURN_RULES: readonly BurnRule[] = [
  { severity: 'page', longMs: HOUR, shortMs: 5 * MIN, factor: 14.4 },
  { severity: 'page', longMs: 6 * HOUR, shortMs: 30 * MIN, factor: 6 },
  { severity: 'ticket', longMs: DAY, shortMs: 2 * HOUR, factor: 3 },
  { severity: 'ticket', longMs: 3 * DAY, shortMs: 6 * HOUR, factor: 1 },
];

/** "1 h/5 min at 14.4×" */
export const burnRuleName = (r: BurnRule): string => `${formatWindow(r.longMs)}/${formatWindow(r.shortMs)} at ${formatFactor(r.factor)}`;

/** The lowest objective at which a factor can be reached at all: 1 − 1/factor (93.06 % for 14.4×). */
export const minObjectiveFor = (factor: number): number => 1 - 1 / factor;

/** Window lengths the rules read (each ending now), ascending and distinct: what the caller computes. */
export function burnWindows(rules: readonly BurnRule[] = SRE_BURN_RULES): number[] {
  return [...new Set(rules.flatMap((r) => [r.longMs, r.shortMs]))].sort((a, b) => a - b);
}

/** Window stats by length (ms), each ending at the evaluation time. */
export type BurnWindows = ReadonlyMap<number, WindowStats> | ((windowMs: number) => WindowStats);

export interface BurnWindowVerdict {
  readonly windowMs: number;
  readonly burnRate: number | null;
  readonly bad: number;
  readonly valid: number;
  readonly badSamples: number;
  /** burnRate ≥ factor. */
  readonly over: boolean;
}

export interface BurnVerdict {
  readonly rule: BurnRule;
  readonly name: string;
  readonly fires: boolean;
  /** Both windows burn fast enough but the long one holds fewer than minFailures bad samples. */
  readonly guarded: boolean;
  readonly long: BurnWindowVerdict;
  readonly short: BurnWindowVerdict;
  readonly reason: string;
}

// A burn exactly at the factor fires; the tolerance absorbs floating-point noise in 14.4 × (1 − 0.999).
const TOLERANCE = 1e-9;

function windowVerdict(slo: SloDefinition, s: WindowStats, windowMs: number, factor: number): BurnWindowVerdict {
  const c = sloCounts(slo, s);
  if (c === undefined || c.valid <= 0) return { windowMs, burnRate: null, bad: c?.bad ?? 0, valid: c?.valid ?? 0, badSamples: c?.badSamples ?? 0, over: false };
  const burnRate = c.bad / c.valid / (1 - slo.objective);
  return { windowMs, burnRate, bad: c.bad, valid: c.valid, badSamples: c.badSamples, over: c.bad >= factor * (1 - slo.objective) * c.valid * (1 - TOLERANCE) };
}

function statsOf(windows: BurnWindows, ms: number): WindowStats {
  const s = typeof windows === 'function' ? windows(ms) : windows.get(ms);
  if (s === undefined) throw new Error(`evaluateBurn: no stats for the ${formatWindow(ms)} window (compute every length burnWindows lists)`);
  return s;
}

const rate = (v: BurnWindowVerdict): string => (v.burnRate === null ? 'no data' : formatFactor(v.burnRate));

/** Which rules fire now: both windows at or over the factor, and at least minFailures bad samples in the long one. */
export function evaluateBurn(slo: SloDefinition, windows: BurnWindows, rules: readonly BurnRule[] = SRE_BURN_RULES): BurnVerdict[] {
  const minFailures = slo.minFailures ?? DEFAULT_MIN_FAILURES;
  const noun = slo.prometheus ? 'bad event' : slo.kind === 'latency' ? 'slow sample' : 'failed probe';
  const bad = (n: number): string => `${Math.round(n * 1000) / 1000} ${noun}${n === 1 ? '' : 's'}`;
  return rules.map((rule) => {
    const long = windowVerdict(slo, statsOf(windows, rule.longMs), rule.longMs, rule.factor);
    const short = windowVerdict(slo, statsOf(windows, rule.shortMs), rule.shortMs, rule.factor);
    const burning = long.over && short.over;
    const enough = long.badSamples >= minFailures;
    const rates = `${formatWindow(rule.longMs)} at ${rate(long)}, ${formatWindow(rule.shortMs)} at ${rate(short)}`;
    const reason = !burning
      ? `quiet: ${rates} (fires at ${formatFactor(rule.factor)} in both)`
      : enough
        ? `fires: ${rates}, ${bad(long.badSamples)} in ${formatWindow(rule.longMs)}`
        : `held back: ${rates}, but only ${bad(long.badSamples)} in ${formatWindow(rule.longMs)} (minFailures ${minFailures})`;
    return { rule, name: burnRuleName(rule), fires: burning && enough, guarded: burning && !enough, long, short, reason };
  });
}

export interface BurnRuleExplanation {
  readonly rule: BurnRule;
  readonly name: string;
  /** Fraction of a window that must be bad: factor × (1 − objective). */
  readonly badFraction: number;
  readonly neverFires: boolean;
  /** Why it can never fire: the objective is too low for the factor, or minFailures exceeds the long window's probes. */
  readonly never: 'objective' | 'guard' | null;
  /** 'events' (Prometheus SLOs): longBad and shortBad are the fraction of events that must be bad. */
  readonly unit: 'ms' | 'samples' | 'events';
  /** Bad time (ms), bad samples, or the fraction of events bad needed in each window. */
  readonly longBad: number;
  readonly shortBad: number;
  /** Failed (or slow) probes needed by the rate alone, and with the guard. */
  readonly failuresNeeded: number;
  readonly withGuard: number;
  readonly text: string;
}

// Whole probes needed to reach an amount (a failed probe costs one interval); the tolerance keeps 60 s / 60 s at 1.
const probes = (x: number): number => Math.max(1, Math.ceil(x - 1e-9));

/**
 * What each rule needs to fire, in plain numbers, for `config check`: e.g. "1 h/5 min at 14.4× on 99.9 %:
 * needs ≥ 51.8 s down in 1 h and ≥ 4.3 s in 5 min ≈ 1 failed probe at a 60 s interval; guarded by
 * minFailures 3", or that it can never fire.
 */
export function explainRules(slo: SloDefinition, probeIntervalMs: number, rules: readonly BurnRule[] = SRE_BURN_RULES): BurnRuleExplanation[] {
  const minFailures = slo.minFailures ?? DEFAULT_MIN_FAILURES;
  const timeBased = slo.kind === 'availability' && slo.basis !== 'samples';
  const what = slo.kind === 'latency' ? 'slow sample' : 'failed probe';
  const plural = (n: number): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  const objective = slo.kind === 'latency' ? `p${Math.round(slo.objective * 1e6) / 1e4} ≤ ${slo.latency?.thresholdMs} ms` : formatPercent(slo.objective);
  return rules.map((rule) => {
    const name = burnRuleName(rule);
    const head = `${name} on ${objective}`;
    const badFraction = rule.factor * (1 - slo.objective);
    if (slo.prometheus) return explainEvents(rule, name, head, badFraction, minFailures);
    const samplesLong = Math.floor(rule.longMs / probeIntervalMs);
    const samplesShort = Math.floor(rule.shortMs / probeIntervalMs);
    const unit = timeBased ? 'ms' : 'samples';
    const longBad = timeBased ? badFraction * rule.longMs : probes(badFraction * samplesLong);
    const shortBad = timeBased ? badFraction * rule.shortMs : probes(badFraction * samplesShort);
    const failuresNeeded = timeBased ? probes(longBad / probeIntervalMs) : longBad;
    const withGuard = Math.max(failuresNeeded, minFailures);
    const base = { rule, name, badFraction, unit, longBad, shortBad, failuresNeeded, withGuard } as const;
    if (badFraction > 1 + 1e-12) {
      const text = `${head}: can never fire: it needs ${formatPercent(badFraction, 2)} of ${formatWindow(rule.longMs)} bad (only objectives ≥ ${formatPercent(minObjectiveFor(rule.factor), 2)} can reach ${formatFactor(rule.factor)})`;
      return { ...base, neverFires: true, never: 'objective', text };
    }
    if (withGuard > samplesLong) {
      const text = `${head}: can never fire: minFailures ${minFailures} is more than the ${samplesLong} probes a ${formatWindow(rule.longMs)} window holds at a ${formatAmount(probeIntervalMs)} interval`;
      return { ...base, neverFires: true, never: 'guard', text };
    }
    const needs = timeBased
      ? `needs ≥ ${formatAmount(longBad)} down in ${formatWindow(rule.longMs)} and ≥ ${formatAmount(shortBad)} in ${formatWindow(rule.shortMs)} ≈ ${plural(failuresNeeded)} at a ${formatAmount(probeIntervalMs)} interval`
      : `needs ≥ ${plural(longBad)} of ${samplesLong} in ${formatWindow(rule.longMs)} and ≥ ${shortBad} of ${samplesShort} in ${formatWindow(rule.shortMs)} at a ${formatAmount(probeIntervalMs)} interval`;
    const guard = minFailures > failuresNeeded ? `; guarded by minFailures ${minFailures}` : '';
    return { ...base, neverFires: false, never: null, text: `${head}: ${needs}${guard}` };
  });
}

/** An event SLO's rule: a fraction of whatever events Prometheus counts, with no probe interval to convert. */
function explainEvents(rule: BurnRule, name: string, head: string, badFraction: number, minFailures: number): BurnRuleExplanation {
  const base = {
    rule,
    name,
    badFraction,
    unit: 'events',
    longBad: badFraction,
    shortBad: badFraction,
    failuresNeeded: 1,
    withGuard: Math.max(1, minFailures),
  } as const;
  if (badFraction > 1 + 1e-12) {
    const text = `${head}: can never fire: it needs ${formatPercent(badFraction, 2)} of the events bad (only objectives ≥ ${formatPercent(minObjectiveFor(rule.factor), 2)} can reach ${formatFactor(rule.factor)})`;
    return { ...base, neverFires: true, never: 'objective', text };
  }
  const guard = minFailures > 1 ? `; guarded by minFailures ${minFailures} bad events in ${formatWindow(rule.longMs)}` : '';
  const text = `${head}: needs ≥ ${formatPercent(badFraction, 2)} of the events Prometheus counts bad in ${formatWindow(rule.longMs)} and in ${formatWindow(rule.shortMs)}${guard}`;
  return { ...base, neverFires: false, never: null, text };
}

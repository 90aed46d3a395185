// SLOs over events another system counts (Prometheus): per window two numbers, the good (or bad) events
// and all of them, from PromQL holding `$window`. The numbers become a WindowStats (good events as up
// samples, the rest as failures, nothing timed), so evaluateSlo and evaluateBurn judge them by the same
// rule as probe samples; an answer that is missing or makes no sense is the SLO's problem, never a zero.
import { evaluateSlo, sloProblemResult, type SloDefinition, type SloEventQueries, type SloResult } from './objectives.js';
import type { WindowStats } from './stats.js';

/** Written in the queries where the window goes. */
export const WINDOW_PLACEHOLDER = '$window';

const UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** A window length as a PromQL duration: 30d, 1h, 5m, 1h30m, 1s500ms. */
export function promqlDuration(ms: number): string {
  if (!(Number.isSafeInteger(ms) && ms > 0)) throw new RangeError(`promqlDuration: ${ms} is not a positive whole number of milliseconds`);
  let rest = ms;
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/** Problems of the queries as written, paths relative to the `prometheus` mapping (`good`, `total`). */
export function eventQueryProblems(q: Partial<Record<'good' | 'bad' | 'total', unknown>>): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  if (q.good !== undefined && q.bad !== undefined) out.push({ path: 'bad', message: 'good or bad, not both: the other is total minus it' });
  if (q.good === undefined && q.bad === undefined)
    out.push({ path: 'good', message: 'required: the query counting good events (or bad: the one counting bad events)' });
  if (q.total === undefined) out.push({ path: 'total', message: 'required: the query counting every event' });
  for (const k of ['good', 'bad', 'total'] as const) {
    const v = q[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.trim() === '') out.push({ path: k, message: 'must be a PromQL query' });
    else if (!v.includes(WINDOW_PLACEHOLDER))
      out.push({ path: k, message: `must contain ${WINDOW_PLACEHOLDER}, replaced by each window (30d, 1h, 5m): ...[${WINDOW_PLACEHOLDER}]` });
  }
  return out;
}

/** The two queries for one window: the good (or bad) events, and all of them. */
export function eventQueries(q: SloEventQueries, windowMs: number): { readonly counts: 'good' | 'bad'; readonly count: string; readonly total: string } {
  const d = promqlDuration(windowMs);
  const at = (query: string): string => query.split(WINDOW_PLACEHOLDER).join(d);
  return q.good !== undefined ? { counts: 'good', count: at(q.good), total: at(q.total) } : { counts: 'bad', count: at(q.bad ?? ''), total: at(q.total) };
}

/** A window's events, or why there are none (the query failed, no Prometheus). */
export type EventAnswer = { readonly good: number; readonly total: number } | { readonly problem: string };

// Good and total come from two queries (increase() extrapolates each series on its own), so good may
// exceed total by rounding; beyond this relative slack it is a query mistake, not noise.
const SLACK = 1e-9;

/** The answer from the two query values: `counts` says whether the first counted good or bad events. */
export function eventAnswer(counts: 'good' | 'bad', value: number, total: number): EventAnswer {
  const bad = (what: string, v: number): string | undefined => (Number.isFinite(v) && v >= 0 ? undefined : `${what} is ${v}, not a count`);
  const p = bad(counts, value) ?? bad('total', total);
  if (p) return { problem: p };
  if (value > total * (1 + SLACK) + SLACK) return { problem: `${counts} (${value}) is more than total (${total}): the queries count different events` };
  return { good: counts === 'good' ? Math.min(value, total) : Math.max(0, total - value), total };
}

export const eventProblem = (a: EventAnswer): string | null => ('problem' in a ? a.problem : null);

/** The answer as window stats over [from, to): good events up, the rest failed; a problem counts nothing. */
export function eventWindow(from: number, to: number, a: EventAnswer): WindowStats {
  const [good, total] = 'problem' in a ? [0, 0] : [a.good, a.total];
  return {
    from,
    to,
    upMs: 0,
    downMs: 0,
    unknownMs: 0,
    samples: total,
    failures: total - good,
    unknownSamples: 0,
    latencySamples: 0,
    latencyCounts: {},
    latency: { kind: 'exact', sorted: new Float64Array(0) },
  };
}

/** An event SLO over [from, to): evaluateSlo on the counts, or a result carrying the problem. */
export function evaluateEvents(slo: SloDefinition, from: number, to: number, a: EventAnswer): SloResult {
  const s = eventWindow(from, to, a);
  return 'problem' in a ? sloProblemResult(slo, s, a.problem) : evaluateSlo(slo, s);
}

// Answering a window [from, to) of one check from hourly rollups for the full hours inside it and raw
// samples only for the partial hours at its edges: exact at any edge, and a 30-day window reads about
// 720 rollups plus at most two hours of samples.
//
// Rollups are complete before the check's newest sample (its "frontier": every arrival closes the span
// before it), so only full hours that end at or before the frontier come from rollups; what comes later
// (the open span of the newest sample) comes from raw samples. Time in a complete hour that no rollup
// covers is time before the check's first sample: unknown, as rawWindow says too.
import { HOUR_MS, hourOf, nextHour, type Rollup } from './rollup.js';
import { rawWindow, type Sample, type SampleOptions } from './samples.js';
import { intersectCounts, sumWindowStats, type WindowStats } from './stats.js';
import { addToDense, denseToSparse, LATENCY_BUCKET_COUNT } from './histogram.js';

/** A partial-hour edge answered from raw samples: the store reads samples with fetchFrom ≤ at < to. */
export interface RawEdge {
  readonly from: number;
  readonly to: number;
  readonly fetchFrom: number;
}

export interface WindowPlan {
  /** The window answered; `from`/`to` move to an hour only when raw samples for that edge are past retention. */
  readonly from: number;
  readonly to: number;
  /** Full hours [hoursFrom, hoursTo) answered by rollups (none when equal). */
  readonly hoursFrom: number;
  readonly hoursTo: number;
  /** At most two: the head [from, hoursFrom) and the tail [hoursTo, to). */
  readonly edges: readonly RawEdge[];
}

export interface PlanOptions {
  readonly maxGapMs: number;
  /** `at` of the newest sample folded into the check's rollups; undefined when it has none. */
  readonly frontier: number | undefined;
  /** Oldest raw sample time still kept; an edge needing older samples is dropped by snapping to the hour. */
  readonly rawRetainedFrom?: number;
}

export function planWindow(from: number, to: number, opts: PlanOptions): WindowPlan {
  let f = from;
  let t = Math.max(from, to);
  const a = nextHour(f);
  const b = opts.frontier === undefined ? a : Math.min(hourOf(t), hourOf(opts.frontier));
  if (b <= a) return { from: f, to: t, hoursFrom: f, hoursTo: f, edges: f < t ? [{ from: f, to: t, fetchFrom: f - opts.maxGapMs }] : [] };
  const gone = (fetchFrom: number): boolean => opts.rawRetainedFrom !== undefined && fetchFrom < opts.rawRetainedFrom;
  if (f < a && gone(f - opts.maxGapMs)) f = a;
  if (b < t && gone(b - opts.maxGapMs)) t = b;
  const edges: RawEdge[] = [];
  if (f < a) edges.push({ from: f, to: a, fetchFrom: f - opts.maxGapMs });
  if (b < t) edges.push({ from: b, to: t, fetchFrom: b - opts.maxGapMs });
  return { from: f, to: t, hoursFrom: a, hoursTo: b, edges };
}

/**
 * Sums of the full-hour rollups inside [from, to) (others are ignored); time no rollup covers is unknown.
 * Threshold counts are those every rollup has; with no rollup at all, the declared thresholds at zero.
 */
export function rollupWindow(rollups: readonly Rollup[], from: number, to: number, thresholds: readonly number[] = []): WindowStats {
  let upMs = 0;
  let downMs = 0;
  let samples = 0;
  let failures = 0;
  let unknownSamples = 0;
  let latencySamples = 0;
  const counts: Readonly<Record<number, number>>[] = [];
  const dense = new Float64Array(LATENCY_BUCKET_COUNT);
  for (const r of rollups) {
    if (r.hourStart < from || r.hourStart + HOUR_MS > to) continue;
    upMs += r.upMs;
    downMs += r.downMs;
    samples += r.samples;
    failures += r.failures;
    unknownSamples += r.unknownSamples;
    latencySamples += r.latencySamples;
    counts.push(r.latencyCounts);
    addToDense(dense, r.histogram);
  }
  if (counts.length === 0) counts.push(Object.fromEntries(thresholds.map((t) => [t, 0])));
  return {
    from,
    to,
    upMs,
    downMs,
    unknownMs: Math.max(0, to - from) - upMs - downMs,
    samples,
    failures,
    unknownSamples,
    latencySamples,
    latencyCounts: intersectCounts(counts),
    latency: { kind: 'histogram', buckets: denseToSparse(dense) },
  };
}

/**
 * The window a plan describes, from the rollups of its full hours and the raw samples of each edge
 * (edgeSamples[i] for plan.edges[i]). Times and counts equal rawWindow's exactly; latencies are a
 * histogram (edge latencies bucketed in) whenever rollups took part.
 */
export function windowFromRollups(plan: WindowPlan, rollups: readonly Rollup[], edgeSamples: readonly (readonly Sample[])[], opts: SampleOptions): WindowStats {
  const parts: WindowStats[] = [];
  if (plan.hoursTo > plan.hoursFrom) parts.push(rollupWindow(rollups, plan.hoursFrom, plan.hoursTo, opts.thresholds));
  plan.edges.forEach((e, i) => parts.push(rawWindow(edgeSamples[i] ?? [], e.from, e.to, opts)));
  return parts.length === 0 ? rawWindow([], plan.from, plan.to, opts) : sumWindowStats(parts, plan.from, plan.to);
}

/** A store that answers synchronously (better-sqlite3; tests; the benchmark). An async store uses planWindow + windowFromRollups. */
export interface WindowSource {
  readonly frontier: number | undefined;
  readonly rawRetainedFrom?: number;
  /** Rollups of the hours [hoursFrom, hoursTo). */
  rollups(hoursFrom: number, hoursTo: number): readonly Rollup[];
  /** Raw samples with from ≤ at < to, in time order. */
  samples(from: number, to: number): readonly Sample[];
}

/** `opts.maxGapMs` must be the one the rollups were built with, or the edges would weigh time differently. */
export function answerWindow(from: number, to: number, source: WindowSource, opts: SampleOptions): WindowStats {
  const plan = planWindow(from, to, { maxGapMs: opts.maxGapMs, frontier: source.frontier, rawRetainedFrom: source.rawRetainedFrom });
  const rollups = plan.hoursTo > plan.hoursFrom ? source.rollups(plan.hoursFrom, plan.hoursTo) : [];
  return windowFromRollups(
    plan,
    rollups,
    plan.edges.map((e) => source.samples(e.fetchFrom, e.to)),
    opts,
  );
}

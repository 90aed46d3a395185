// Hourly rollups, written as samples arrive, so a 30-day SLO reads 720 rows per check instead of 86,400
// samples. Each arrival closes its predecessor's span (see samples.ts for the rule) and that span is
// split at hour boundaries, so an hour's figures are exactly what rawWindow gives for that hour once a
// sample at or after the hour's end has arrived.
import { addToHistogram, latencyBucket, mergeHistogramInto, type LatencyHistogram } from './histogram.js';
import { sampleLatency, spanEnd, type Sample } from './samples.js';
import { intersectCounts } from './stats.js';

export const HOUR_MS = 3_600_000;

export const hourOf = (at: number): number => Math.floor(at / HOUR_MS) * HOUR_MS;
export const nextHour = (at: number): number => Math.ceil(at / HOUR_MS) * HOUR_MS;

/** One check's hour [hourStart, hourStart + 1 h). Mutable: the accumulator adds into it. */
export interface Rollup {
  readonly check: string;
  readonly hourStart: number;
  /** Time attributed so far; up + down + unknown < 1 h only before the check's first sample or its newest one. */
  upMs: number;
  downMs: number;
  unknownMs: number;
  /** Samples taken in the hour; failures are the down ones, unknownSamples the unknown ones. */
  samples: number;
  failures: number;
  unknownSamples: number;
  /** Up samples with a latency, and how many of them were at or below each declared threshold (ms). */
  latencySamples: number;
  latencyCounts: Record<number, number>;
  histogram: LatencyHistogram;
}

export interface RollupOptions {
  readonly check: string;
  readonly maxGapMs: number;
  /** Declared latency thresholds (ms); every rollup carries a count for each, zero included. */
  readonly thresholds: readonly number[];
}

export function emptyRollup(check: string, hourStart: number, thresholds: readonly number[]): Rollup {
  const latencyCounts: Record<number, number> = {};
  for (const t of thresholds) latencyCounts[t] = 0;
  return { check, hourStart, upMs: 0, downMs: 0, unknownMs: 0, samples: 0, failures: 0, unknownSamples: 0, latencySamples: 0, latencyCounts, histogram: {} };
}

type Field = 'upMs' | 'downMs' | 'unknownMs';
const FIELD: Record<Sample['state'], Field> = { up: 'upMs', down: 'downMs', unknown: 'unknownMs' };

// Adds [start, end) to `field` of each hour it covers. Top-level, not a closure: it runs per sample.
function spread(at: (hour: number) => Rollup, start: number, end: number, field: Field): void {
  for (let t = start; t < end;) {
    const h = hourOf(t);
    const e = Math.min(end, h + HOUR_MS);
    at(h)[field] += e - t;
    t = e;
  }
}

/**
 * Adds one arriving sample through `at` (the rollup of an hour, created on demand): the predecessor's span
 * [prev.at, sample.at) (its state up to the max gap, unknown after), split at hour boundaries, and the
 * sample's own counts in its hour. False when the sample is older than its predecessor: it is ignored.
 */
function accumulate(at: (hour: number) => Rollup, prev: Sample | undefined, sample: Sample, opts: RollupOptions): boolean {
  if (prev !== undefined && sample.at < prev.at) return false;
  if (prev !== undefined) {
    const known = spanEnd(prev, sample.at, opts.maxGapMs);
    spread(at, prev.at, known, FIELD[prev.state]);
    spread(at, Math.max(prev.at, known), sample.at, 'unknownMs');
  }
  const r = at(hourOf(sample.at));
  r.samples++;
  if (sample.state === 'down') r.failures++;
  else if (sample.state === 'unknown') r.unknownSamples++;
  const ms = sampleLatency(sample);
  if (ms !== undefined) {
    r.latencySamples++;
    for (const t of opts.thresholds) if (ms <= t) r.latencyCounts[t] = (r.latencyCounts[t] ?? 0) + 1;
    addToHistogram(r.histogram, latencyBucket(ms));
  }
  return true;
}

/**
 * The accumulator: adds one arriving sample into `rollups` (hourStart → Rollup of one check; it must hold
 * the stored rows of the hours hoursTouched names) in place, and returns the rollups it changed, in hour
 * order. None when the sample is older than its predecessor: it is ignored, and the store should not
 * keep it either.
 */
export function addSample(rollups: Map<number, Rollup>, prev: Sample | undefined, sample: Sample, opts: RollupOptions): Rollup[] {
  const touched: Rollup[] = [];
  const at = (hour: number): Rollup => {
    let r = rollups.get(hour);
    if (r === undefined) rollups.set(hour, (r = emptyRollup(opts.check, hour, opts.thresholds)));
    if (!touched.includes(r)) touched.push(r);
    return r;
  };
  accumulate(at, prev, sample, opts);
  return touched.sort((a, b) => a.hourStart - b.hourStart);
}

/** What one arrival adds, per hour, as fresh rollups: for a store that upserts increments (merge with mergeRollups). */
export function sampleDeltas(prev: Sample | undefined, sample: Sample, opts: RollupOptions): Rollup[] {
  return addSample(new Map(), prev, sample, opts);
}

/** Hours an arrival changes (the rows a store loads before addSample). */
export function hoursTouched(prev: Sample | undefined, sample: Sample): number[] {
  if (prev !== undefined && sample.at < prev.at) return [];
  const out: number[] = [];
  for (let h = hourOf(prev?.at ?? sample.at); h <= sample.at; h += HOUR_MS) out.push(h);
  return out;
}

/**
 * Sum of two rollups of the same check and hour (a stored row plus a delta). A threshold one of them
 * lacks (declared mid-hour) is dropped: that hour cannot answer it exactly.
 */
export function mergeRollups(a: Rollup, b: Rollup): Rollup {
  if (a.check !== b.check || a.hourStart !== b.hourStart)
    throw new Error(`mergeRollups: ${a.check}@${a.hourStart} and ${b.check}@${b.hourStart} are different hours`);
  const histogram: LatencyHistogram = {};
  mergeHistogramInto(histogram, a.histogram);
  mergeHistogramInto(histogram, b.histogram);
  return {
    check: a.check,
    hourStart: a.hourStart,
    upMs: a.upMs + b.upMs,
    downMs: a.downMs + b.downMs,
    unknownMs: a.unknownMs + b.unknownMs,
    samples: a.samples + b.samples,
    failures: a.failures + b.failures,
    unknownSamples: a.unknownSamples + b.unknownSamples,
    latencySamples: a.latencySamples + b.latencySamples,
    latencyCounts: intersectCounts([a.latencyCounts, b.latencyCounts]),
    histogram,
  };
}

/** A check's rollups from its samples in time order (a backfill, a test, a benchmark), in hour order. */
export function buildRollups(samples: Iterable<Sample>, opts: RollupOptions): Rollup[] {
  const rollups = new Map<number, Rollup>();
  const at = (hour: number): Rollup => {
    let r = rollups.get(hour);
    if (r === undefined) rollups.set(hour, (r = emptyRollup(opts.check, hour, opts.thresholds)));
    return r;
  };
  let prev: Sample | undefined;
  for (const s of samples) if (accumulate(at, prev, s, opts)) prev = s;
  return [...rollups.values()].sort((a, b) => a.hourStart - b.hourStart);
}

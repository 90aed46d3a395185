// A window of probe history reduced to sums: the one shape every SLO, burn-rate and report question is
// answered from. Raw samples and hourly rollups both reduce to it, so the two paths compare exactly.
import { addToHistogram, histogramEntries, latencyBucket, latencyBucketValue, mergeHistogramInto, type LatencyHistogram } from './histogram.js';

/** Exact latencies (raw samples, ascending) or bucket counts (rollups; quantiles within LATENCY_RELATIVE_ERROR). */
export type LatencyDistribution =
  { readonly kind: 'exact'; readonly sorted: Float64Array } | { readonly kind: 'histogram'; readonly buckets: Readonly<LatencyHistogram> };

export interface WindowStats {
  readonly from: number;
  readonly to: number;
  /** Time each state held inside [from, to); time nobody knows about (no sample, a gap) is unknown: up + down + unknown = to − from. */
  readonly upMs: number;
  readonly downMs: number;
  readonly unknownMs: number;
  /** Samples taken in [from, to): all of them, the down ones, the unknown ones (up = samples − failures − unknownSamples). */
  readonly samples: number;
  readonly failures: number;
  readonly unknownSamples: number;
  /** Up samples that carry a latency: the population of every latency figure. */
  readonly latencySamples: number;
  /** Threshold (ms) → latency samples at or below it. Only thresholds known for the whole window appear. */
  readonly latencyCounts: Readonly<Record<number, number>>;
  readonly latency: LatencyDistribution;
}

export const upSamples = (s: WindowStats): number => s.samples - s.failures - s.unknownSamples;

/**
 * Position (1-based) of the nearest-rank q-quantile among n values: the smallest k with k/n ≥ q. It is
 * compared by division, as an SLI is, so "pq ≤ T" holds exactly when count(≤ T)/n ≥ q.
 */
export function quantileRank(n: number, q: number): number {
  if (n <= 0) return 0;
  let k = Math.min(n, Math.max(1, Math.ceil(q * n)));
  while (k > 1 && (k - 1) / n >= q) k--;
  while (k < n && k / n < q) k++;
  return k;
}

/** Nearest-rank quantile (q in (0, 1]) in ms; undefined without latency samples. */
export function latencyQuantile(d: LatencyDistribution, q: number): number | undefined {
  if (d.kind === 'exact') {
    const k = quantileRank(d.sorted.length, q);
    return k === 0 ? undefined : d.sorted[k - 1];
  }
  const entries = histogramEntries(d.buckets);
  const n = entries.reduce((t, [, c]) => t + c, 0);
  const k = quantileRank(n, q);
  if (k === 0) return undefined;
  let seen = 0;
  for (const [i, c] of entries) {
    seen += c;
    if (seen >= k) return latencyBucketValue(i);
  }
  return undefined;
}

export function toHistogram(d: LatencyDistribution): LatencyHistogram {
  const h: LatencyHistogram = {};
  if (d.kind === 'histogram') mergeHistogramInto(h, d.buckets);
  else for (const v of d.sorted) addToHistogram(h, latencyBucket(v));
  return h;
}

/** Thresholds every part knows, with their summed counts (a threshold missing anywhere would make a sum a guess). */
export function intersectCounts(parts: readonly Readonly<Record<number, number>>[]): Record<number, number> {
  const [first, ...rest] = parts;
  if (first === undefined) return {};
  const out: Record<number, number> = {};
  for (const k of Object.keys(first)) {
    const t = Number(k);
    if (rest.every((p) => p[t] !== undefined)) out[t] = parts.reduce((sum, p) => sum + (p[t] ?? 0), 0);
  }
  return out;
}

/**
 * Sums of several windows: the pieces of one window (edges and hours) or the same window of several checks.
 * Every figure is a sum of counts or milliseconds, never an average of ratios. Exact latencies stay exact
 * only if every part is exact.
 */
export function sumWindowStats(parts: readonly WindowStats[], from: number, to: number): WindowStats {
  let upMs = 0;
  let downMs = 0;
  let unknownMs = 0;
  let samples = 0;
  let failures = 0;
  let unknownSamples = 0;
  let latencySamples = 0;
  for (const p of parts) {
    upMs += p.upMs;
    downMs += p.downMs;
    unknownMs += p.unknownMs;
    samples += p.samples;
    failures += p.failures;
    unknownSamples += p.unknownSamples;
    latencySamples += p.latencySamples;
  }
  const latencyCounts = intersectCounts(parts.map((p) => p.latencyCounts));
  return {
    from,
    to,
    upMs,
    downMs,
    unknownMs,
    samples,
    failures,
    unknownSamples,
    latencySamples,
    latencyCounts,
    latency: sumLatency(parts.map((p) => p.latency)),
  };
}

function sumLatency(parts: readonly LatencyDistribution[]): LatencyDistribution {
  if (parts.every((p) => p.kind === 'exact')) {
    const all = new Float64Array(parts.reduce((n, p) => n + (p.kind === 'exact' ? p.sorted.length : 0), 0));
    let at = 0;
    for (const p of parts) {
      if (p.kind !== 'exact') continue;
      all.set(p.sorted, at);
      at += p.sorted.length;
    }
    return { kind: 'exact', sorted: all.sort() };
  }
  const buckets: LatencyHistogram = {};
  for (const p of parts) mergeHistogramInto(buckets, toHistogram(p));
  return { kind: 'histogram', buckets };
}

// Probe samples and the time-weighting rule, computed straight from raw samples: the exact baseline that
// hourly rollups must reproduce (and the slow path a benchmark compares them with).
//
// Time-weighting rule. Samples are taken in time order. A sample's state holds from its time until the
// next sample's time, but for at most `maxGapMs` (about twice the probe interval): past that, nobody
// looked, and the rest of the gap is unknown. Time before the first sample is unknown. Everything is
// clipped to the window [from, to): a span that starts before `from` counts only from `from` on, and the
// newest sample's span runs to `to` (or to its max gap, whichever comes first). So a 5 s blip between two
// samples 5 s apart costs 5 s of budget, and up + down + unknown is always exactly to − from.
//
// A sample older than its predecessor is ignored (the rollup accumulator cannot go back in time, so
// neither does this; a store should not keep such a sample). Samples at the same instant all count; the
// last one's state is the one that holds.
import { latencyQuantile, type WindowStats } from './stats.js';

export type SampleState = 'up' | 'down' | 'unknown';

export interface Sample {
  /** Epoch milliseconds (an integer, so sums of spans stay exact). */
  readonly at: number;
  readonly state: SampleState;
  /** Time to answer, for a probe that got an answer. */
  readonly latencyMs?: number;
}

export interface SampleOptions {
  /** How long a sample's state may hold without a successor; 2× the probe interval is usual (defaultMaxGap). */
  readonly maxGapMs: number;
  /** Latency thresholds (ms) to count samples at or below; each latency SLO's threshold must be one. */
  readonly thresholds?: readonly number[];
}

export const defaultMaxGap = (intervalMs: number): number => 2 * intervalMs;

/** The latency a sample contributes: only an up sample's (a failed probe's duration is how long it took to fail). */
export function sampleLatency(s: Sample): number | undefined {
  return s.state === 'up' && typeof s.latencyMs === 'number' && Number.isFinite(s.latencyMs) && s.latencyMs >= 0 ? s.latencyMs : undefined;
}

/** End of the span a sample's state covers, given when the next sample came (or the window end). */
export const spanEnd = (s: Sample, nextAt: number, maxGapMs: number): number => Math.min(nextAt, s.at + maxGapMs);

/**
 * A window [from, to) straight from raw samples, exact: times, counts, threshold counts and latencies.
 * `samples` must include the last sample before `from` if it is younger than maxGapMs (a store reads
 * samples with at ≥ from − maxGapMs); older ones and ones at or after `to` are harmless.
 */
export function rawWindow(samples: readonly Sample[], from: number, to: number, opts: SampleOptions): WindowStats {
  const thresholds = opts.thresholds ?? [];
  let upMs = 0;
  let downMs = 0;
  let count = 0;
  let failures = 0;
  let unknownSamples = 0;
  const under = thresholds.map(() => 0);
  const latencies: number[] = [];
  let prev: Sample | undefined;
  const credit = (s: Sample, nextAt: number): void => {
    const ms = Math.min(spanEnd(s, nextAt, opts.maxGapMs), to) - Math.max(s.at, from);
    if (ms <= 0) return;
    if (s.state === 'up') upMs += ms;
    else if (s.state === 'down') downMs += ms;
  };
  for (const s of samples) {
    if (prev !== undefined && s.at < prev.at) continue;
    if (s.at >= to) break;
    if (prev !== undefined) credit(prev, s.at);
    prev = s;
    if (s.at < from) continue;
    count++;
    if (s.state === 'down') failures++;
    else if (s.state === 'unknown') unknownSamples++;
    const ms = sampleLatency(s);
    if (ms === undefined) continue;
    latencies.push(ms);
    for (let i = 0; i < thresholds.length; i++) if (ms <= thresholds[i]!) under[i]!++;
  }
  if (prev !== undefined) credit(prev, to);
  const latencyCounts: Record<number, number> = {};
  thresholds.forEach((t, i) => (latencyCounts[t] = under[i]!));
  return {
    from,
    to,
    upMs,
    downMs,
    unknownMs: Math.max(0, to - from) - upMs - downMs,
    samples: count,
    failures,
    unknownSamples,
    latencySamples: latencies.length,
    latencyCounts,
    latency: { kind: 'exact', sorted: Float64Array.from(latencies).sort() },
  };
}

/** Exact nearest-rank latency quantile of raw samples in [from, to) (e.g. q = 0.95 for p95). */
export function rawLatencyQuantile(samples: readonly Sample[], from: number, to: number, q: number): number | undefined {
  return latencyQuantile(rawWindow(samples, from, to, { maxGapMs: 0 }).latency, q);
}

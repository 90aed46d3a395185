// Seeded probe histories for the SLO tests: reproducible, never Math.random.
import type { Rollup, Sample, WindowSource } from '@runledger/core';

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface HistoryOptions {
  readonly start: number;
  readonly durationMs: number;
  readonly intervalMs: number;
  readonly seed: number;
}

/**
 * A probe every interval (± 10 % jitter) with outages (runs of down samples), unknown samples, lost
 * stretches longer than the max gap, repeated timestamps, up samples without a latency, and latencies
 * with a long tail and fractional milliseconds.
 */
export function history(o: HistoryOptions): Sample[] {
  const rnd = prng(o.seed);
  const out: Sample[] = [];
  let t = o.start;
  let downLeft = 0;
  while (t < o.start + o.durationMs) {
    const r = rnd();
    if (r < 0.0004) {
      t += o.intervalMs * (3 + Math.floor(rnd() * 200)); // the prober was away
      continue;
    }
    if (downLeft === 0 && r < 0.0015) downLeft = 1 + Math.floor(rnd() * 25);
    let s: Sample;
    if (downLeft > 0) {
      downLeft--;
      s = { at: t, state: 'down', latencyMs: 5000 };
    } else if (r > 0.9993) s = { at: t, state: 'unknown' };
    else if (r > 0.99) s = { at: t, state: 'up' };
    else {
      const tail = rnd() < 0.03 ? 200 + rnd() * 1800 : 0;
      s = { at: t, state: 'up', latencyMs: Math.round((8 + 60 * -Math.log(1 - rnd()) + tail) * 10) / 10 };
    }
    out.push(s);
    if (rnd() < 0.001) out.push({ at: t, state: 'up', latencyMs: 12 }); // a second sample at the same instant
    t += o.intervalMs + Math.round((rnd() - 0.5) * 0.2 * o.intervalMs);
  }
  return out;
}

/** First index with at ≥ t in time-ordered samples. */
function lowerBound(samples: readonly Sample[], t: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (samples[mid]!.at < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** An in-memory store: samples and rollups of one check, rollups complete up to its newest sample. */
export function memorySource(samples: readonly Sample[], rollups: readonly Rollup[], rawRetainedFrom?: number): WindowSource {
  return {
    frontier: samples.length > 0 ? samples[samples.length - 1]!.at : undefined,
    ...(rawRetainedFrom !== undefined ? { rawRetainedFrom } : {}),
    rollups: (a, b) => rollups.filter((r) => r.hourStart >= a && r.hourStart < b),
    samples: (from, to) => samples.slice(lowerBound(samples, Math.max(from, rawRetainedFrom ?? -Infinity)), lowerBound(samples, to)),
  };
}

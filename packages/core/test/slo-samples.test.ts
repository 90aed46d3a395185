// Raw probe samples: the time-weighting rule (a state holds until the next sample, up to the max gap,
// clipped to the window), per-state counts, threshold counts and exact nearest-rank quantiles.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateSlo, latencyQuantile, quantileRank, rawLatencyQuantile, rawWindow, type Sample, type SloDefinition } from '@runledger/core';
import { prng } from './helpers/slo-data.js';

const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);
const S = 1000;
const opts = { maxGapMs: 60 * S, thresholds: [250] };

describe('time-weighting', () => {
  it('a 5 s blip costs 5 s of budget', () => {
    const samples: Sample[] = [
      { at: T0, state: 'up' },
      { at: T0 + 30 * S, state: 'up' },
      { at: T0 + 60 * S, state: 'down' },
      { at: T0 + 65 * S, state: 'up' },
      { at: T0 + 90 * S, state: 'up' },
    ];
    const w = rawWindow(samples, T0, T0 + 120 * S, opts);
    assert.equal(w.downMs, 5 * S);
    assert.equal(w.upMs, 115 * S, 'the last sample holds to the window end (30 s < max gap)');
    assert.equal(w.unknownMs, 0);
    const slo: SloDefinition = { name: 'api', service: 'api', kind: 'availability', objective: 0.999, windowMs: 120 * S };
    const r = evaluateSlo(slo, w);
    assert.equal(r.budget.consumed, 5 * S);
    assert.equal(r.bad, 5 * S);
    assert.equal(r.good + r.bad, 120 * S);
    assert.equal(r.badSamples, 1);
  });

  it('clips spans at both window edges and takes the state of the sample before the window', () => {
    const samples: Sample[] = [
      { at: T0 - 40 * S, state: 'down' },
      { at: T0 + 20 * S, state: 'up' },
      { at: T0 + 50 * S, state: 'down' },
    ];
    const w = rawWindow(samples, T0, T0 + 70 * S, opts);
    assert.equal(w.downMs, 20 * S + 20 * S, 'down from the window start to +20 s, and from +50 s to the end');
    assert.equal(w.upMs, 30 * S);
    assert.equal(w.samples, 2, 'the sample before the window only lends its state');
    assert.equal(w.failures, 1);
    // The same history, split at an arbitrary instant, sums to the whole.
    const cut = T0 + 33_333;
    const a = rawWindow(samples, T0, cut, opts);
    const b = rawWindow(samples, cut, T0 + 70 * S, opts);
    assert.equal(a.upMs + b.upMs, w.upMs);
    assert.equal(a.downMs + b.downMs, w.downMs);
  });

  it('caps a state at the max gap: the rest of a long gap, and time before the first sample, is unknown', () => {
    const samples: Sample[] = [
      { at: T0 + 10 * S, state: 'up' },
      { at: T0 + 610 * S, state: 'down' },
    ];
    const w = rawWindow(samples, T0, T0 + 700 * S, opts);
    assert.equal(w.upMs, 60 * S);
    assert.equal(w.downMs, 60 * S, 'the newest sample holds for the max gap, then unknown');
    assert.equal(w.unknownMs, 10 * S + 540 * S + 30 * S);
    assert.equal(w.upMs + w.downMs + w.unknownMs, 700 * S);
    const previousTooOld = rawWindow([{ at: T0 - 61 * S, state: 'down' }], T0, T0 + 10 * S, opts);
    assert.equal(previousTooOld.unknownMs, 10 * S);
  });

  it('an unknown sample’s span is unknown; an older-than-predecessor sample is ignored; same-instant samples both count', () => {
    const samples: Sample[] = [
      { at: T0, state: 'up' },
      { at: T0 + 10 * S, state: 'unknown' },
      { at: T0 + 5 * S, state: 'down' },
      { at: T0 + 20 * S, state: 'down' },
      { at: T0 + 20 * S, state: 'up', latencyMs: 40 },
    ];
    const w = rawWindow(samples, T0, T0 + 30 * S, opts);
    assert.equal(w.upMs, 10 * S + 10 * S);
    assert.equal(w.downMs, 0, 'the down sample at +20 s is followed at the same instant by an up one');
    assert.equal(w.unknownMs, 10 * S);
    assert.equal(w.samples, 4);
    assert.equal(w.failures, 1);
    assert.equal(w.unknownSamples, 1);
  });
});

describe('latency', () => {
  it('counts only up samples, at or below each threshold', () => {
    const samples: Sample[] = [
      { at: T0, state: 'up', latencyMs: 250 },
      { at: T0 + 1, state: 'up', latencyMs: 250.1 },
      { at: T0 + 2, state: 'down', latencyMs: 10 },
      { at: T0 + 3, state: 'up' },
      { at: T0 + 4, state: 'up', latencyMs: 3 },
    ];
    const w = rawWindow(samples, T0, T0 + S, { maxGapMs: 60 * S, thresholds: [3, 250] });
    assert.equal(w.latencySamples, 3);
    assert.deepEqual(w.latencyCounts, { 3: 1, 250: 2 });
  });

  it('nearest-rank quantiles are exact, and "p95 ≤ T" is exactly "at least 95 % ≤ T"', () => {
    const rnd = prng(7);
    for (let round = 0; round < 40; round++) {
      const n = 1 + Math.floor(rnd() * 400);
      const samples: Sample[] = Array.from({ length: n }, (_, i) => ({ at: T0 + i, state: 'up', latencyMs: Math.floor(rnd() * 500) }));
      const sorted = samples.map((s) => s.latencyMs!).sort((a, b) => a - b);
      for (const q of [0.5, 0.9, 0.95, 0.99, 0.999]) {
        const k = quantileRank(n, q);
        assert.ok(k / n >= q && (k === 1 || (k - 1) / n < q), `rank ${k} of ${n} at ${q}`);
        const p = rawLatencyQuantile(samples, T0, T0 + n, q)!;
        assert.equal(p, sorted[k - 1]);
        for (const T of [sorted[0]!, p - 1, p, p + 1, 250]) {
          const under = sorted.filter((v) => v <= T).length;
          assert.equal(p <= T, under / n >= q, `p${q * 100} = ${p}, T = ${T}, ${under}/${n} ≤ T`);
        }
      }
    }
    assert.equal(latencyQuantile({ kind: 'exact', sorted: new Float64Array() }, 0.95), undefined);
  });
});

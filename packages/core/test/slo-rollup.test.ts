// Hourly rollups against raw samples: spans split at hour boundaries, and any window answered from
// rollups plus raw edges equals the raw computation exactly (times and counts; latency quantiles within
// the histogram's error), on 30 days of randomized history.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addSample,
  answerWindow,
  buildRollups,
  emptyRollup,
  LATENCY_BUCKET_COUNT,
  LATENCY_RELATIVE_ERROR,
  latencyBucket,
  latencyBucketBounds,
  latencyQuantile,
  mergeRollups,
  planWindow,
  rawWindow,
  ROLLUP_HOUR_MS,
  sampleDeltas,
  type Rollup,
  type Sample,
  type WindowStats,
} from '@runledger/core';
import { history, memorySource, prng } from './helpers/slo-data.js';

const H = ROLLUP_HOUR_MS;
const S = 1000;
const DAY = 24 * H;
const T0 = Date.UTC(2026, 2, 1, 0, 17, 23, 456);
const rollupOpts = { check: 'api', maxGapMs: 60 * S, thresholds: [100, 250] };
const opts = { maxGapMs: 60 * S, thresholds: [100, 250] };

function assertSameCounts(got: WindowStats, want: WindowStats, what: string): void {
  for (const k of ['from', 'to', 'upMs', 'downMs', 'unknownMs', 'samples', 'failures', 'unknownSamples', 'latencySamples'] as const) {
    assert.equal(got[k], want[k], `${what}: ${k}`);
  }
  assert.deepEqual(got.latencyCounts, want.latencyCounts, `${what}: latencyCounts`);
}

function assertQuantilesClose(got: WindowStats, want: WindowStats, what: string): void {
  for (const q of [0.5, 0.95, 0.99]) {
    const exact = latencyQuantile(want.latency, q);
    const est = latencyQuantile(got.latency, q);
    if (exact === undefined) {
      assert.equal(est, undefined, what);
      continue;
    }
    assert.ok(est !== undefined, what);
    assert.ok(Math.abs(est - exact) / exact <= LATENCY_RELATIVE_ERROR * (1 + 1e-9), `${what}: p${q * 100} ${est} vs exact ${exact}`);
  }
}

describe('rollup accumulator', () => {
  it('splits a span that crosses an hour boundary, and the gap past the max gap, across the hours', () => {
    const h10 = Date.UTC(2026, 2, 1, 10);
    const rollups = new Map<number, Rollup>();
    const a: Sample = { at: h10 + H - 30 * S, state: 'down' };
    const b: Sample = { at: h10 + H + 30 * S, state: 'up', latencyMs: 120 };
    assert.deepEqual(
      addSample(rollups, undefined, a, rollupOpts).map((r) => r.hourStart),
      [h10],
    );
    const touched = addSample(rollups, a, b, rollupOpts);
    assert.deepEqual(
      touched.map((r) => r.hourStart),
      [h10, h10 + H],
    );
    assert.equal(rollups.get(h10)!.downMs, 30 * S);
    assert.equal(rollups.get(h10 + H)!.downMs, 30 * S);
    assert.equal(rollups.get(h10)!.failures, 1);
    assert.equal(rollups.get(h10 + H)!.samples, 1);
    assert.deepEqual(rollups.get(h10 + H)!.latencyCounts, { 100: 0, 250: 1 });
    // Next sample three hours later: 60 s of up, then unknown through two whole hours.
    const c: Sample = { at: h10 + 4 * H + 10 * S, state: 'up' };
    addSample(rollups, b, c, rollupOpts);
    assert.equal(rollups.get(h10 + H)!.upMs, 60 * S);
    assert.equal(rollups.get(h10 + H)!.unknownMs, H - 30 * S - 60 * S, 'after 30 s down and 60 s up');
    assert.equal(rollups.get(h10 + 2 * H)!.unknownMs, H);
    assert.equal(rollups.get(h10 + 4 * H)!.unknownMs, 10 * S);
    // An older sample is ignored and changes nothing.
    assert.deepEqual(addSample(rollups, c, { at: c.at - 1, state: 'down' }, rollupOpts), []);
  });

  it('deltas merged into stored rows equal the in-place accumulator', () => {
    const samples = history({ start: T0, durationMs: 2 * DAY, intervalMs: 30 * S, seed: 3 });
    const stored = new Map<number, Rollup>();
    let prev: Sample | undefined;
    for (const s of samples) {
      for (const d of sampleDeltas(prev, s, rollupOpts)) {
        const cur = stored.get(d.hourStart) ?? emptyRollup('api', d.hourStart, rollupOpts.thresholds);
        stored.set(d.hourStart, mergeRollups(cur, d));
      }
      prev = s;
    }
    assert.deepEqual(
      [...stored.values()].sort((a, b) => a.hourStart - b.hourStart),
      buildRollups(samples, rollupOpts),
    );
    assert.throws(() => mergeRollups(emptyRollup('a', 0, []), emptyRollup('b', 0, [])), /different hours/);
  });

  it('a threshold missing from one side of a merge is dropped, not guessed', () => {
    const a = emptyRollup('api', 0, [100, 250]);
    const b = emptyRollup('api', 0, [250]);
    assert.deepEqual(mergeRollups(a, b).latencyCounts, { 250: 0 });
  });
});

describe('windows from rollups and raw edges', () => {
  const samples = history({ start: T0, durationMs: 30 * DAY, intervalMs: 30 * S, seed: 20260301 });
  const rollups = buildRollups(samples, rollupOpts);
  const last = samples[samples.length - 1]!.at;
  const source = memorySource(samples, rollups);

  it('has a realistic history to test with', () => {
    assert.ok(samples.length > 80_000, `${samples.length} samples`);
    assert.ok(rollups.length >= 720);
    const all = rawWindow(samples, T0, last, opts);
    assert.ok(all.downMs > 0 && all.failures > 20 && all.unknownSamples > 0 && all.unknownMs > 0);
  });

  it('the 30-day window equals the raw computation exactly', () => {
    const now = last + 17 * S;
    const got = answerWindow(now - 30 * DAY, now, source, opts);
    const want = rawWindow(samples, now - 30 * DAY, now, opts);
    assertSameCounts(got, want, '30 d');
    assert.equal(got.latency.kind, 'histogram');
    assertQuantilesClose(got, want, '30 d');
  });

  it('random windows at arbitrary edges equal the raw computation', () => {
    const rnd = prng(99);
    const lo = T0 - 2 * H;
    const span = last + 2 * H - lo;
    for (let i = 0; i < 60; i++) {
      let from = lo + Math.floor(rnd() * span);
      let to = lo + Math.floor(rnd() * span);
      if (to < from) [from, to] = [to, from];
      if (i % 10 === 0) to = from + Math.floor(rnd() * 2 * H); // short windows, within one or two hours
      if (i % 7 === 0) from = Math.ceil(from / H) * H; // hour-aligned edges
      const got = answerWindow(from, to, source, opts);
      const want = rawWindow(samples, from, to, opts);
      assertSameCounts(got, want, `[${from}, ${to})`);
      assertQuantilesClose(got, want, `[${from}, ${to})`);
    }
  });

  it('while samples still arrive: the newest sample’s open span comes from raw samples', () => {
    const rnd = prng(5);
    for (let i = 0; i < 10; i++) {
      const cut = 1000 + Math.floor(rnd() * (samples.length - 2000));
      const prefix = samples.slice(0, cut);
      const src = memorySource(prefix, buildRollups(prefix, rollupOpts));
      const now = prefix[prefix.length - 1]!.at + Math.floor(rnd() * 3 * 60 * S);
      for (const len of [5 * 60 * S, H, 6 * H, 3 * DAY]) {
        assertSameCounts(answerWindow(now - len, now, src, opts), rawWindow(prefix, now - len, now, opts), `cut ${cut}, ${len} ms`);
      }
    }
  });

  it('plans at most two raw edges, and snaps an edge whose samples are past retention to the hour', () => {
    const now = Date.UTC(2026, 2, 31, 12, 34, 56);
    const plan = planWindow(now - 30 * DAY, now, { maxGapMs: 60 * S, frontier: now - 5 * S });
    assert.equal(plan.hoursFrom, Date.UTC(2026, 2, 1, 13));
    assert.equal(plan.hoursTo, Date.UTC(2026, 2, 31, 12));
    assert.deepEqual(plan.edges, [
      { from: now - 30 * DAY, to: plan.hoursFrom, fetchFrom: now - 30 * DAY - 60 * S },
      { from: plan.hoursTo, to: now, fetchFrom: plan.hoursTo - 60 * S },
    ]);
    const kept = planWindow(now - 30 * DAY, now, { maxGapMs: 60 * S, frontier: now - 5 * S, rawRetainedFrom: now - 14 * DAY });
    assert.equal(kept.from, plan.hoursFrom);
    assert.equal(kept.edges.length, 1);
    const none = planWindow(now - 10 * 60 * S, now, { maxGapMs: 60 * S, frontier: undefined });
    assert.deepEqual(none.edges, [{ from: now - 10 * 60 * S, to: now, fetchFrom: now - 11 * 60 * S }]);
    // The newest sample sits in the previous hour: that hour is not complete, so it is read raw too.
    const lagging = planWindow(now - DAY, now, { maxGapMs: 60 * S, frontier: Date.UTC(2026, 2, 31, 11, 59, 50) });
    assert.equal(lagging.hoursTo, Date.UTC(2026, 2, 31, 11));
  });

  it('a window with retention-snapped edges still matches the raw computation over the snapped window', () => {
    const now = last + 5 * S;
    const retained = last - 10 * DAY;
    const got = answerWindow(now - 30 * DAY, now, memorySource(samples, rollups, retained), opts);
    assert.equal(got.from, Math.ceil((now - 30 * DAY) / H) * H);
    assertSameCounts(got, rawWindow(samples, got.from, now, opts), 'snapped');
  });
});

describe('latency histogram', () => {
  it('buckets are log-scale, 16 per doubling, and contain their values', () => {
    assert.equal(LATENCY_BUCKET_COUNT, 338);
    assert.ok(Math.abs(LATENCY_RELATIVE_ERROR - 0.0219) < 0.0001);
    const rnd = prng(11);
    for (let i = 0; i < 5000; i++) {
      const v = Math.exp(rnd() * Math.log(100_000)) * (rnd() < 0.5 ? 1 : 0.01);
      const b = latencyBucket(v);
      const { lowerMs, upperMs } = latencyBucketBounds(b);
      if (v > 0.0625 && v <= 131_072) assert.ok(upperMs / lowerMs - 2 ** (1 / 16) < 1e-12);
      assert.ok(v > lowerMs * (1 - 1e-12) && v <= upperMs * (1 + 1e-12), `${v} in (${lowerMs}, ${upperMs}]`);
    }
    assert.equal(latencyBucketBounds(latencyBucket(256)).upperMs, 256, 'a power of two closes its bucket');
    assert.equal(latencyBucket(0), 0);
    assert.equal(latencyBucket(200_000), LATENCY_BUCKET_COUNT - 1);
  });
});

// SLO definitions and results: budgets in time, exact ratios over several checks (never an average of
// ratios), latency SLOs as "N % of samples ≤ T", burn rate, and definition problems.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkSloDefinition,
  describeBudget,
  describeObjective,
  evaluateSlo,
  rawWindow,
  sloThresholds,
  sumWindowStats,
  type Sample,
  type SloDefinition,
} from '@runledger/core';
import { prng } from './helpers/slo-data.js';

const S = 1000;
const MIN = 60 * S;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);
const availability: SloDefinition = { name: 'api-availability', service: 'api', kind: 'availability', objective: 0.999, windowMs: 30 * DAY };
const latency: SloDefinition = {
  name: 'api-p95',
  service: 'api',
  kind: 'latency',
  objective: 0.95,
  windowMs: 30 * DAY,
  latency: { thresholdMs: 250, percentile: 95 },
};

describe('availability', () => {
  it('99.9 % over 30 days is a 43.2 min budget; 12 min down leaves 31.2 min', () => {
    const samples: Sample[] = [
      { at: T0, state: 'up' },
      { at: T0 + 10 * DAY, state: 'down' },
      { at: T0 + 10 * DAY + 12 * MIN, state: 'up' },
    ];
    const w = rawWindow(samples, T0, T0 + 30 * DAY, { maxGapMs: 30 * DAY });
    const r = evaluateSlo(availability, w);
    assert.equal(r.unit, 'ms');
    assert.equal(r.bad, 12 * MIN);
    assert.equal(r.valid, 30 * DAY);
    assert.ok(Math.abs(r.budget.allowed - 43.2 * MIN) < 1e-6);
    assert.ok(Math.abs(r.budget.remaining - 31.2 * MIN) < 1e-6);
    assert.ok(Math.abs(r.budget.consumedFraction! - 12 / 43.2) < 1e-12);
    assert.ok(Math.abs(r.budget.remainingFraction! - 31.2 / 43.2) < 1e-12);
    assert.equal(describeBudget(r), '43.2 min budget, 12 min used, 31.2 min left');
    assert.equal(r.met, true);
    assert.ok(Math.abs(r.burnRate! - 12 / 43.2) < 1e-9, 'burning at 0.28× over the whole window');
    assert.equal(describeObjective(availability), '99.9 %');
  });

  it('a spent budget reads as over, and the SLO as not met', () => {
    const samples: Sample[] = [
      { at: T0, state: 'up' },
      { at: T0 + DAY, state: 'down' },
      { at: T0 + DAY + 50 * MIN, state: 'up' },
    ];
    const r = evaluateSlo(availability, rawWindow(samples, T0, T0 + 30 * DAY, { maxGapMs: 30 * DAY }));
    assert.equal(r.met, false);
    assert.equal(describeBudget(r), '43.2 min budget, 50 min used, 6.8 min over');
  });

  it('unknown time is left out of the SLI; no data at all is neither met nor failed', () => {
    const samples: Sample[] = [
      { at: T0, state: 'up' },
      { at: T0 + 60 * S, state: 'down' },
    ];
    const r = evaluateSlo(availability, rawWindow(samples, T0, T0 + 10 * MIN, { maxGapMs: 60 * S }));
    assert.equal(r.valid, 2 * MIN);
    assert.equal(r.unknownMs, 8 * MIN);
    assert.equal(r.sli, 0.5);
    const none = evaluateSlo(availability, rawWindow([], T0, T0 + MIN, { maxGapMs: 60 * S }));
    assert.equal(none.sli, null);
    assert.equal(none.met, null);
    assert.equal(none.burnRate, null);
  });

  it('several checks: one ratio of summed times, never the average of their ratios', () => {
    // Check a: one day of history, 1 h of it down. Check b: 29 days, all up.
    const a = rawWindow(
      [
        { at: T0, state: 'up' },
        { at: T0 + 2 * 3_600_000, state: 'down' },
        { at: T0 + 3 * 3_600_000, state: 'up' },
      ],
      T0,
      T0 + 30 * DAY,
      { maxGapMs: DAY - 3 * 3_600_000 },
    );
    const b = rawWindow([{ at: T0 + DAY, state: 'up' }], T0, T0 + 30 * DAY, { maxGapMs: 29 * DAY });
    const r = evaluateSlo(availability, sumWindowStats([a, b], T0, T0 + 30 * DAY));
    assert.equal(r.valid, 30 * DAY);
    assert.equal(r.sli, (30 * DAY - 3_600_000) / (30 * DAY));
    const averageOfRatios = ((DAY - 3_600_000) / DAY + 1) / 2;
    assert.notEqual(r.sli, averageOfRatios);
    assert.ok(r.sli! > averageOfRatios);
  });

  it('basis samples counts probes (OpenSLO Occurrences)', () => {
    const samples: Sample[] = Array.from({ length: 1000 }, (_, i) => ({ at: T0 + i * 60 * S, state: i % 100 === 0 ? 'down' : 'up' }));
    const r = evaluateSlo({ ...availability, basis: 'samples', objective: 0.99 }, rawWindow(samples, T0, T0 + 1000 * MIN, { maxGapMs: 120 * S }));
    assert.equal(r.unit, 'samples');
    assert.equal(r.good, 990);
    assert.equal(r.bad, 10);
    assert.equal(r.sli, 0.99);
    assert.equal(r.met, true, 'exactly on the objective is met');
    assert.equal(describeBudget(r), '10 failed probes allowed, 10 used, 0 left');
  });
});

describe('latency', () => {
  const window = (latencies: number[]) =>
    rawWindow(
      latencies.map((l, i) => ({ at: T0 + i * S, state: 'up', latencyMs: l })),
      T0,
      T0 + latencies.length * S,
      { maxGapMs: 2 * S, thresholds: [250] },
    );

  it('p95 ≤ 250 ms is met exactly when at least 95 % of samples are ≤ 250 ms', () => {
    const rnd = prng(42);
    const fast = () => Math.floor(rnd() * 250) + 1;
    const slow = () => 251 + Math.floor(rnd() * 1000);
    const exactly = [...Array.from({ length: 950 }, fast), ...Array.from({ length: 50 }, slow)].sort(() => rnd() - 0.5);
    const r = evaluateSlo(latency, window(exactly));
    assert.equal(r.good, 950);
    assert.equal(r.met, true);
    assert.ok(r.latencyMs! <= 250, `p95 = ${r.latencyMs}`);
    assert.equal(r.latencyExact, true);
    const oneMore = [...Array.from({ length: 949 }, fast), ...Array.from({ length: 51 }, slow)];
    const r2 = evaluateSlo(latency, window(oneMore));
    assert.equal(r2.met, false);
    assert.ok(r2.latencyMs! > 250, `p95 = ${r2.latencyMs}`);
    assert.equal(describeObjective(latency), 'p95 ≤ 250 ms');
    assert.equal(describeBudget(r2), '50 slow samples allowed, 51 used, 1 over');
  });

  it('a threshold the history does not count is a problem, not a guess', () => {
    const r = evaluateSlo({ ...latency, latency: { thresholdMs: 300 } }, window([100, 200]));
    assert.equal(r.sli, null);
    assert.match(r.problem!, /latency ≤ 300 ms/);
    assert.deepEqual(sloThresholds([latency, availability, { ...latency, latency: { thresholdMs: 100 } }, latency]), [100, 250]);
  });
});

describe('definitions', () => {
  it('names each problem by its path', () => {
    const paths = (s: SloDefinition) => checkSloDefinition(s).map((p) => p.path);
    assert.deepEqual(paths(availability), []);
    assert.deepEqual(paths(latency), []);
    assert.deepEqual(paths({ ...availability, objective: 99.9 }), ['$.objective']);
    assert.deepEqual(paths({ ...latency, latency: { thresholdMs: 250, percentile: 99 } }), ['$.latency.percentile']);
    assert.deepEqual(paths({ ...latency, latency: undefined }), ['$.latency']);
    assert.deepEqual(paths({ ...availability, latency: { thresholdMs: 250 } }), ['$.latency']);
    assert.deepEqual(paths({ ...availability, windowMs: 0, minFailures: -1, checks: [] }), ['$.windowMs', '$.minFailures', '$.checks']);
  });
});

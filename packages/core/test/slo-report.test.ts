// The SLO report: per SLO the SLI, objective, verdict, budget and worst hours; deterministic JSON and
// canonical text whatever order the SLOs and rollups come in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRollups, buildSloReport, rawWindow, renderSloReport, type Sample, type SloDefinition, type SloReportItem } from '@runledger/core';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 1);
const FROM = T0;
const TO = T0 + 180 * MIN;

// A probe a minute for three hours: down at minute 70 and minutes 130–134; every tenth answer is slow.
const samples: Sample[] = Array.from({ length: 181 }, (_, i) =>
  i === 70 || (i >= 130 && i < 135) ? { at: T0 + i * MIN, state: 'down' } : { at: T0 + i * MIN, state: 'up', latencyMs: i % 10 === 0 ? 300 : 100 },
);
const opts = { maxGapMs: 2 * MIN, thresholds: [250] };
const stats = rawWindow(samples, FROM, TO, opts);
const hours = buildRollups(samples, { check: 'api-healthz', ...opts });
const availability: SloDefinition = { name: 'api-availability', service: 'api', kind: 'availability', objective: 0.999, windowMs: 180 * MIN };
const latency: SloDefinition = { name: 'api-p90', service: 'api', kind: 'latency', objective: 0.9, windowMs: 180 * MIN, latency: { thresholdMs: 250 } };
const items: SloReportItem[] = [
  { slo: latency, checks: ['api-healthz'], stats, hours },
  { slo: availability, checks: ['api-healthz'], stats, hours },
];

describe('SLO report', () => {
  it('gives per SLO the SLI, verdict, budget and worst hours', () => {
    const r = buildSloReport({ from: FROM, to: TO, items });
    assert.equal(r.from, '2026-03-01T00:00:00.000Z');
    assert.deepEqual(
      r.slos.map((e) => e.name),
      ['api-availability', 'api-p90'],
    );
    const [a, l] = r.slos;
    assert.equal(a!.sli, 0.966667);
    assert.equal(a!.met, false);
    assert.deepEqual(a!.budget, { allowed: 10_800, consumed: 360_000, remaining: -349_200, consumedFraction: 33.333333, remainingFraction: -32.333333 });
    assert.deepEqual(a!.worstHours, [
      { hour: '2026-03-01T02:00:00.000Z', bad: 300_000, badSamples: 5 },
      { hour: '2026-03-01T01:00:00.000Z', bad: 60_000, badSamples: 1 },
    ]);
    assert.equal(l!.good, 158);
    assert.equal(l!.valid, 174);
    assert.equal(l!.met, true);
    assert.equal(l!.latencyMs, 100);
    assert.deepEqual(
      l!.worstHours.map((h) => [h.hour.slice(11, 13), h.bad]),
      [
        ['00', 6],
        ['01', 5],
        ['02', 5],
      ],
    );
  });

  it('is the same JSON whatever order SLOs and rollups come in', () => {
    const one = JSON.stringify(buildSloReport({ from: FROM, to: TO, items }));
    const two = JSON.stringify(buildSloReport({ from: FROM, to: TO, items: [...items].reverse().map((i) => ({ ...i, hours: [...hours].reverse() })) }));
    assert.equal(one, two);
  });

  it('renders canonical text', () => {
    assert.equal(
      renderSloReport(buildSloReport({ from: FROM, to: TO, items, worstHours: 2 })),
      [
        'SLO report 2026-03-01T00:00:00.000Z .. 2026-03-01T03:00:00.000Z',
        '',
        'api-availability (service api, availability; checks api-healthz)',
        '  SLI 96.6667 %  objective 99.9 %  NOT MET',
        '  budget: 10.8 s budget, 6 min used, 5.8 min over',
        '  worst hour 2026-03-01T02:00:00.000Z: 5 min down, 5 failed probes',
        '  worst hour 2026-03-01T01:00:00.000Z: 60 s down, 1 failed probe',
        '',
        'api-p90 (service api, latency; checks api-healthz)',
        '  SLI 90.8046 %  objective p90 ≤ 250 ms  MET  (p90 measured: 100 ms)',
        '  budget: 17.4 slow samples allowed, 16 used, 1.4 left',
        '  worst hour 2026-03-01T00:00:00.000Z: 6 slow samples',
        '  worst hour 2026-03-01T01:00:00.000Z: 5 slow samples',
        '',
      ].join('\n'),
    );
    const missing = buildSloReport({ from: FROM, to: TO, items: [{ slo: { ...latency, latency: { thresholdMs: 500 } }, checks: ['api-healthz'], stats }] });
    assert.match(renderSloReport(missing), /problem: the history does not count latency ≤ 500 ms/);
    assert.equal(
      renderSloReport(buildSloReport({ from: FROM, to: TO, items: [] })),
      'SLO report 2026-03-01T00:00:00.000Z .. 2026-03-01T03:00:00.000Z\n\nno SLOs\n',
    );
  });
});

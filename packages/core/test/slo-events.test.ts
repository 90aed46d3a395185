// SLOs over events Prometheus counts: the catalog's `prometheus` key checked at load time (file:line:col
// and JSON path), its definition (availability over events, no checks), `$window` as PromQL durations,
// and the two numbers judged by evaluateSlo and evaluateBurn themselves; a missing answer is a problem.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildSloReport,
  burnWindows,
  checksOfSlo,
  describeBudget,
  evaluateBurn,
  evaluateEvents,
  evaluateSlo,
  eventAnswer,
  eventQueries,
  eventWindow,
  explainRules,
  formatFileProblem,
  parseCatalog,
  promqlDuration,
  renderSloReport,
  sloDefinitionOf,
  sloSource,
  type Catalog,
  type SloDefinition,
} from '@runledger/core';

const HEAD = `services:
  - name: api
    checks:
      - name: ping
        tcp: { host: 127.0.0.1, port: 9 }
slos:
`;

function parse(slos: string) {
  return parseCatalog([{ file: 'catalog.yaml', text: HEAD + slos }]);
}

function load(slos: string): Catalog {
  const r = parse(slos);
  assert.ok(r.ok, r.ok ? '' : r.problems.map(formatFileProblem).join('\n'));
  return r.catalog;
}

const problems = (slos: string): string[] => {
  const r = parse(slos);
  return r.ok ? [] : r.problems.map(formatFileProblem);
};

const GOOD = 'sum(increase(http_requests_total{job="api",code!~"5.."}[$window]))';
const TOTAL = 'sum(increase(http_requests_total{job="api"}[$window]))';

describe('catalog: prometheus SLOs', () => {
  it('reads good and total (or bad and total) and an optional url', () => {
    const c = load(`  - name: requests
    service: api
    objective: 99.9
    window: 7d
    minFailures: 5
    prometheus:
      good: '${GOOD}'
      total: '${TOTAL}'
      url: http://prometheus:9090
  - name: errors
    service: api
    objective: 99.5
    prometheus: { bad: 'sum(rate(errors[$window]))', total: 'sum(rate(all[$window]))' }
`);
    assert.deepEqual(c.slos[0]!.prometheus, { good: GOOD, total: TOTAL, url: 'http://prometheus:9090' });
    assert.deepEqual(c.slos[1]!.prometheus, { bad: 'sum(rate(errors[$window]))', total: 'sum(rate(all[$window]))' });
    const d = sloDefinitionOf(c, c.slos[0]!);
    assert.deepEqual(d, {
      name: 'requests',
      service: 'api',
      kind: 'availability',
      objective: 0.999,
      windowMs: 7 * 86_400_000,
      basis: 'samples',
      prometheus: { good: GOOD, total: TOTAL, url: 'http://prometheus:9090' },
      minFailures: 5,
    });
    assert.equal(d.checks, undefined, 'no checks: its counts are not the probe history');
    assert.deepEqual(checksOfSlo(c, c.slos[0]!), []);
    assert.equal(sloSource(d), 'prometheus');
    assert.equal(sloSource(sloDefinitionOf(c, { name: 'a', service: 'api', objective: 99, windowMs: 60_000, spec: {} })), 'probes');
  });

  it('refuses what is wrong at file:line:col, every problem at once', () => {
    assert.deepEqual(
      problems(`  - name: both
    service: api
    objective: 99.9
    checks: [api/ping]
    basis: time
    latency: 250ms
    prometheus:
      good: 'sum(g[$window])'
      bad: 'sum(b[$window])'
      total: 'sum(t[5m])'
      url: https://user:pw@prom:9090/
      step: 1m
  - name: neither
    service: api
    objective: 99.9
    prometheus: {}
  - name: scalar
    service: api
    objective: 99.9
    prometheus: 'sum(x[$window])'
  - name: empty
    service: api
    objective: 99.9
    prometheus: { good: '', total: 3 }
`),
      [
        'catalog.yaml:10:13: $.slos[0].checks: an SLO over Prometheus events has no checks: checks, latency and basis are for SLOs over the probe history',
        'catalog.yaml:12:14: $.slos[0].latency: an SLO over Prometheus events has no latency: checks, latency and basis are for SLOs over the probe history',
        'catalog.yaml:11:12: $.slos[0].basis: an SLO over Prometheus events has no basis: checks, latency and basis are for SLOs over the probe history',
        'catalog.yaml:18:13: $.slos[0].prometheus.step: unknown key step (expected one of good, bad, total, url)',
        'catalog.yaml:15:12: $.slos[0].prometheus.bad: good or bad, not both: the other is total minus it',
        'catalog.yaml:16:14: $.slos[0].prometheus.total: must contain $window, replaced by each window (30d, 1h, 5m): ...[$window]',
        'catalog.yaml:17:12: $.slos[0].prometheus.url: must be an http(s) URL without credentials',
        'catalog.yaml:22:17: $.slos[1].prometheus.good: required: the query counting good events (or bad: the one counting bad events)',
        'catalog.yaml:22:17: $.slos[1].prometheus.total: required: the query counting every event',
        'catalog.yaml:26:17: $.slos[2].prometheus: must be a mapping, not "sum(x[$window])"',
        'catalog.yaml:30:25: $.slos[3].prometheus.good: must be a PromQL query',
        'catalog.yaml:30:36: $.slos[3].prometheus.total: must be a PromQL query',
      ],
    );
  });
});

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 2);
const slo = (objective: number, minFailures?: number): SloDefinition => ({
  name: 'requests',
  service: 'api',
  kind: 'availability',
  objective,
  windowMs: 30 * DAY,
  basis: 'samples',
  prometheus: { good: 'sum(g[$window])', total: 'sum(t[$window])' },
  ...(minFailures !== undefined ? { minFailures } : {}),
});

describe('event SLOs: windows and answers', () => {
  it('writes a window as a PromQL duration', () => {
    assert.deepEqual([30 * DAY, HOUR, 5 * MIN, 90 * MIN, 1500, DAY + 1].map(promqlDuration), ['30d', '1h', '5m', '1h30m', '1s500ms', '1d1ms']);
    assert.throws(() => promqlDuration(0), RangeError);
    assert.throws(() => promqlDuration(1.5), RangeError);
  });

  it('puts the window into every $window of the queries', () => {
    assert.deepEqual(eventQueries({ good: 'sum(a[$window]) - sum(b[$window])', total: 'sum(t[$window])' }, 6 * HOUR), {
      counts: 'good',
      count: 'sum(a[6h]) - sum(b[6h])',
      total: 'sum(t[6h])',
    });
    assert.deepEqual(eventQueries({ bad: 'sum(b[$window])', total: 'sum(t[$window])' }, 5 * MIN), { counts: 'bad', count: 'sum(b[5m])', total: 'sum(t[5m])' });
  });

  it('turns the two numbers into good and total, or a problem', () => {
    assert.deepEqual(eventAnswer('good', 998, 1000), { good: 998, total: 1000 });
    assert.deepEqual(eventAnswer('bad', 2, 1000), { good: 998, total: 1000 });
    assert.deepEqual(eventAnswer('good', 1000.0000000001, 1000), { good: 1000, total: 1000 }, 'rounding between two increase() is not a mistake');
    assert.deepEqual(eventAnswer('good', 1001, 1000), { problem: 'good (1001) is more than total (1000): the queries count different events' });
    assert.deepEqual(eventAnswer('bad', -1, 1000), { problem: 'bad is -1, not a count' });
    assert.deepEqual(eventAnswer('good', 1, NaN), { problem: 'total is NaN, not a count' });
    assert.deepEqual(eventAnswer('good', 0, 0), { good: 0, total: 0 });
  });
});

describe('event SLOs: judged by the SLO math', () => {
  it('998 good of 1000: SLI 0.998, met at 99.5 %, not met at 99.9 %', () => {
    const a = { good: 998, total: 1000 };
    const loose = evaluateEvents(slo(0.995), NOW - 30 * DAY, NOW, a);
    assert.equal(loose.sli, 0.998);
    assert.equal(loose.met, true);
    assert.equal(loose.unit, 'events');
    assert.deepEqual([loose.good, loose.bad, loose.valid, loose.badSamples, loose.unknownMs], [998, 2, 1000, 2, 0]);
    assert.ok(Math.abs(loose.budget.allowed - 5) < 1e-9);
    assert.ok(Math.abs(loose.burnRate! - 0.4) < 1e-9);
    const strict = evaluateEvents(slo(0.999), NOW - 30 * DAY, NOW, a);
    assert.equal(strict.sli, 0.998);
    assert.equal(strict.met, false);
    assert.equal(describeBudget(strict), '1 bad events allowed, 2 used, 1 over');
    assert.deepEqual(strict, evaluateSlo(slo(0.999), eventWindow(NOW - 30 * DAY, NOW, a)), 'the same rule as any window');
    assert.equal(evaluateEvents(slo(0.999), NOW - DAY, NOW, { good: 0, total: 0 }).met, null, 'no events: no data');
  });

  it('a problem gives no figures, never a zero', () => {
    const r = evaluateEvents(slo(0.999), NOW - 30 * DAY, NOW, { problem: 'asking Prometheus failed: fetch failed' });
    assert.deepEqual([r.sli, r.met, r.valid, r.burnRate, r.problem], [null, null, 0, null, 'asking Prometheus failed: fetch failed']);
    assert.equal(describeBudget(r), 'asking Prometheus failed: fetch failed');
  });

  it('burn rules read each window’s events, with minFailures counting bad events', () => {
    const windows = new Map(burnWindows().map((w) => [w, eventWindow(NOW - w, NOW, { good: 998, total: 1000 })]));
    const fires = (s: SloDefinition): [string, boolean, boolean][] => evaluateBurn(s, windows).map((b) => [b.name, b.fires, b.guarded]);
    // A burn rate of 2 at 99.9 %: only the 1× rule is reached; 2 bad events are fewer than the default guard of 3.
    assert.deepEqual(fires(slo(0.999)), [
      ['1 h/5 min at 14.4×', false, false],
      ['6 h/30 min at 6×', false, false],
      ['1 d/2 h at 3×', false, false],
      ['3 d/6 h at 1×', false, true],
    ]);
    assert.deepEqual(fires(slo(0.999, 1)).at(-1), ['3 d/6 h at 1×', true, false]);
    assert.match(evaluateBurn(slo(0.999, 1), windows).at(-1)!.reason, /^fires: 3 d at 2×, 6 h at 2×, 2 bad events in 3 d$/);
    assert.ok(
      fires(slo(0.995, 1)).every(([, f]) => !f),
      'a burn rate of 0.4 fires nothing',
    );
  });

  it('explains the burn rules as fractions of events, not probes', () => {
    const [page, , , slow] = explainRules(slo(0.999), 30_000);
    assert.equal(page!.unit, 'events');
    assert.equal(
      page!.text,
      '1 h/5 min at 14.4× on 99.9 %: needs ≥ 1.44 % of the events Prometheus counts bad in 1 h and in 5 min; guarded by minFailures 3 bad events in 1 h',
    );
    assert.equal(slow!.neverFires, false);
    assert.equal(explainRules(slo(0.9), 30_000)[0]!.never, 'objective');
  });

  it('reports an event SLO with its source, and its problem in place of figures', () => {
    const report = buildSloReport({
      from: NOW - DAY,
      to: NOW,
      items: [
        { slo: slo(0.995), checks: [], stats: eventWindow(NOW - DAY, NOW, { good: 998, total: 1000 }) },
        {
          slo: { ...slo(0.999), name: 'unreachable' },
          checks: [],
          stats: eventWindow(NOW - DAY, NOW, { problem: 'x' }),
          problem: 'Prometheus, good events over 1d: down',
        },
      ],
    });
    assert.deepEqual(
      report.slos.map((e) => [e.name, e.source, e.unit, e.sli, e.met, e.problem]),
      [
        ['requests', 'prometheus', 'events', 0.998, true, null],
        ['unreachable', 'prometheus', 'events', null, null, 'Prometheus, good events over 1d: down'],
      ],
    );
    assert.equal(
      renderSloReport(report),
      [
        'SLO report 2026-11-01T00:00:00.000Z .. 2026-11-02T00:00:00.000Z',
        '',
        'requests (service api, availability; source prometheus)',
        '  SLI 99.8 %  objective 99.5 %  MET',
        '  budget: 5 bad events allowed, 2 used, 3 left',
        '',
        'unreachable (service api, availability; source prometheus)',
        '  problem: Prometheus, good events over 1d: down',
        '',
      ].join('\n'),
    );
  });
});

// OpenSLO v1 SLO documents → SLO definitions; what is unsupported is named by its path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { importOpenSlo, parseOpenSloText } from '@runledger/core';

const DAY = 86_400_000;

const availabilityDoc = {
  apiVersion: 'openslo/v1',
  kind: 'SLO',
  metadata: { name: 'pqmsg-availability', displayName: 'pqmsg availability' },
  spec: {
    service: 'pqmsg',
    indicator: { metadata: { name: 'pqmsg-healthz' }, spec: { ratioMetric: { counter: true } } },
    timeWindow: [{ duration: '30d', isRolling: true }],
    budgetingMethod: 'Timeslices',
    objectives: [{ displayName: 'Available', target: 0.999 }],
  },
};

const errorsOf = (doc: unknown) =>
  importOpenSlo(doc)
    .problems.filter((p) => p.level === 'error')
    .map((p) => [p.path, p.message]);

const withSpec = (patch: Record<string, unknown>) => ({ ...availabilityDoc, spec: { ...availabilityDoc.spec, ...patch } });

describe('OpenSLO import', () => {
  it('imports an availability SLO; the inline indicator names the check', () => {
    const r = importOpenSlo(availabilityDoc);
    assert.deepEqual(r.slos, [
      {
        name: 'pqmsg-availability',
        service: 'pqmsg',
        checks: ['pqmsg-healthz'],
        kind: 'availability',
        objective: 0.999,
        windowMs: 30 * DAY,
        description: 'Available',
      },
    ]);
    assert.deepEqual(r.problems, [
      { path: '$.spec.indicator.spec', message: 'metric queries are not run: the SLI comes from the probe history of the named check(s)', level: 'warning' },
    ]);
  });

  it('imports latency objectives (op lte, value in ms), one SLO each; annotations pick checks and the guard', () => {
    const r = importOpenSlo({
      apiVersion: 'openslo/v1',
      kind: 'SLO',
      metadata: { name: 'pqmsg-latency', annotations: { 'runledger.dev/checks': 'auth-login, auth-refresh', 'runledger.dev/min-failures': '5' } },
      spec: {
        service: 'pqmsg',
        indicatorRef: 'pqmsg-auth-latency',
        timeWindow: [{ duration: '4w', isRolling: true }],
        budgetingMethod: 'Occurrences',
        objectives: [
          { displayName: 'p95', op: 'lte', value: 250, targetPercent: 95 },
          { op: 'lte', value: 1000, target: 0.99 },
        ],
      },
    });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.slos, [
      {
        name: 'pqmsg-latency-1',
        service: 'pqmsg',
        checks: ['auth-login', 'auth-refresh'],
        kind: 'latency',
        objective: 0.95,
        windowMs: 28 * DAY,
        latency: { thresholdMs: 250 },
        minFailures: 5,
        description: 'p95',
      },
      {
        name: 'pqmsg-latency-2',
        service: 'pqmsg',
        checks: ['auth-login', 'auth-refresh'],
        kind: 'latency',
        objective: 0.99,
        windowMs: 28 * DAY,
        latency: { thresholdMs: 1000 },
        minFailures: 5,
      },
    ]);
  });

  it('Occurrences makes an availability SLO count probes; a threshold in seconds is converted', () => {
    const occ = importOpenSlo(withSpec({ budgetingMethod: 'Occurrences' }));
    assert.equal(occ.slos[0]!.basis, 'samples');
    const secs = importOpenSlo({
      ...withSpec({ objectives: [{ op: 'lte', value: 0.25, target: 0.95 }] }),
      metadata: { name: 'x', annotations: { 'runledger.dev/threshold-unit': 's' } },
    });
    assert.deepEqual(secs.slos[0]!.latency, { thresholdMs: 250 });
    const unsure = importOpenSlo(withSpec({ objectives: [{ op: 'lte', value: 0.25, target: 0.95 }] }));
    assert.ok(unsure.problems.some((p) => p.path === '$.spec.objectives[0].value' && p.level === 'warning'));
  });

  it('names what it cannot import by its path', () => {
    assert.deepEqual(errorsOf({ ...availabilityDoc, apiVersion: 'openslo/v1alpha' }), [['$.apiVersion', 'expected openslo/v1, got "openslo/v1alpha"']]);
    assert.deepEqual(errorsOf({ ...availabilityDoc, kind: 'SLI' }), [['$.kind', 'expected SLO, got "SLI"']]);
    assert.deepEqual(errorsOf(withSpec({ budgetingMethod: 'RatioTimeslices' })), [
      ['$.spec.budgetingMethod', 'RatioTimeslices averages per-slice ratios; Runledger computes exact ratios: use Occurrences or Timeslices'],
    ]);
    assert.deepEqual(errorsOf(withSpec({ timeWindow: [{ duration: '1M', calendar: { startTime: '2026-01-01 00:00:00', timeZone: 'UTC' } }] })), [
      ['$.spec.timeWindow[0].calendar', 'calendar-aligned windows are not supported: use isRolling: true'],
    ]);
    assert.deepEqual(errorsOf(withSpec({ timeWindow: [{ duration: '1Q', isRolling: true }] })), [
      ['$.spec.timeWindow[0].duration', 'Q (months, quarters, years) has no fixed length: give the window in d or w'],
    ]);
    assert.deepEqual(errorsOf(withSpec({ service: '', indicatorRef: 'x' })), [
      ['$.spec.service', 'expected the name of the service'],
      ['$.spec', 'give indicator or indicatorRef, not both'],
    ]);
    assert.deepEqual(
      errorsOf(
        withSpec({
          objectives: [{ target: 1.5 }, { target: 0.9, targetPercent: 90 }, { op: 'gt', value: 100, target: 0.9 }, { op: 'lt', value: 100, target: 0.9 }, {}],
        }),
      ),
      [
        ['$.spec.objectives[0].target', 'expected a fraction between 0 and 1, e.g. 0.999'],
        ['$.spec.objectives[1]', 'give target or targetPercent, not both'],
        ['$.spec.objectives[2].op', 'a threshold objective is a latency bound: op: lte'],
        ['$.spec.objectives[3].op', 'latency is counted at or below the threshold: use lte'],
        ['$.spec.objectives[4].target', 'expected target or targetPercent'],
      ],
    );
    assert.deepEqual(errorsOf('nope'), [['$', 'expected an OpenSLO document (a mapping)']]);
  });

  it('a bad objective drops only itself; a bad document imports nothing', () => {
    const partly = importOpenSlo(withSpec({ objectives: [{ target: 0.99 }, { target: 2 }] }));
    assert.deepEqual(
      partly.slos.map((s) => s.name),
      ['pqmsg-availability-1'],
    );
    assert.equal(importOpenSlo(withSpec({ budgetingMethod: 'RatioTimeslices' })).slos.length, 0);
  });

  it('reads a YAML stream: skips other kinds, and locates problems at line and column', () => {
    const text = [
      'apiVersion: openslo/v1',
      'kind: Service',
      'metadata:',
      '  name: pqmsg',
      '---',
      'apiVersion: openslo/v1',
      'kind: SLO',
      'metadata:',
      '  name: pqmsg-availability',
      'spec:',
      '  service: pqmsg',
      '  indicatorRef: pqmsg-healthz',
      '  timeWindow:',
      '    - duration: 30d',
      '      isRolling: true',
      '  budgetingMethod: Timeslices',
      '  objectives:',
      '    - target: 0.999',
      '---',
      'apiVersion: openslo/v1',
      'kind: SLO',
      'metadata: {name: broken}',
      'spec:',
      '  service: pqmsg',
      '  indicatorRef: x',
      '  budgetingMethod: RatioTimeslices',
      '  objectives: [{target: 0.99}]',
      '',
    ].join('\n');
    const r = parseOpenSloText(text);
    assert.deepEqual(
      r.slos.map((s) => [s.name, s.checks, s.windowMs]),
      [['pqmsg-availability', ['pqmsg-healthz'], 30 * DAY]],
    );
    assert.deepEqual(
      r.problems.map((p) => [p.document, p.line, p.column, p.level, p.path]),
      [
        [0, 2, 7, 'warning', '$.kind'],
        [2, 24, 3, 'warning', '$.spec.timeWindow'], // a missing key points at its parent mapping
        [2, 26, 20, 'error', '$.spec.budgetingMethod'],
      ],
    );
    const bad = parseOpenSloText('kind: SLO\nspec: [unclosed\n');
    assert.equal(bad.problems[0]!.level, 'error');
    assert.equal(bad.problems[0]!.path, '$');
  });
});

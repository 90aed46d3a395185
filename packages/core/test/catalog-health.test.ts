// Dependency-aware health: required parts take a service down, optional ones degrade it, unknown
// outranks degraded, and every dependent carries the root cause so it is alerted once, not per dependent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeHealth, describeVerdict, formatFileProblem, isRootCause, parseCatalog, type Catalog, type CheckState } from '@runledger/core';

const YAML = `
services:
  - name: postgres
    checks: [{ name: ready, command: pg_isready }]
  - name: redis
    checks: [{ name: ping, redis: { host: 127.0.0.1 } }]
  - name: ai
    checks: [{ name: health, http: { url: http://127.0.0.1:8000/health } }]
  - name: backend
    dependsOn:
      - postgres
      - { service: redis }
      - { service: ai, optional: true }
      - { component: obs/loki, optional: true }
    checks:
      - { name: ping, http: { url: http://127.0.0.1:3000/ping } }
      - { name: aggregate, http: { url: http://127.0.0.1:3000/health }, optional: true }
  - name: frontend
    dependsOn: [backend]
    checks: [{ name: root, http: { url: http://127.0.0.1:3001/ } }]
  - name: obs
    components:
      - name: prometheus
        checks: [{ name: healthy, http: { url: http://127.0.0.1:9090/-/healthy } }]
      - name: loki
        optional: true
        checks: [{ name: ready, http: { url: http://127.0.0.1:3100/ready } }]
  - name: lonely
    description: nothing watches it
`;

function load(): Catalog {
  const r = parseCatalog([{ file: 'c.yaml', text: YAML }]);
  assert.ok(r.ok, !r.ok ? r.problems.map(formatFileProblem).join('\n') : '');
  return r.catalog;
}
const ALL_UP: Record<string, CheckState> = {
  'postgres/ready': 'up',
  'redis/ping': 'up',
  'ai/health': 'up',
  'backend/ping': 'up',
  'backend/aggregate': 'up',
  'frontend/root': 'up',
  'obs/prometheus/healthy': 'up',
  'obs/loki/ready': 'up',
};

describe('computeHealth', () => {
  const catalog = load();
  const table: Array<[string, Record<string, CheckState>, Record<string, string>]> = [
    ['everything up', {}, { backend: 'up', frontend: 'up', obs: 'up', postgres: 'up' }],
    ['a required dependency down', { 'postgres/ready': 'down' }, { postgres: 'down', backend: 'down', frontend: 'down', ai: 'up' }],
    ['an optional dependency down', { 'ai/health': 'down' }, { ai: 'down', backend: 'degraded', frontend: 'degraded' }],
    ['an optional check down', { 'backend/aggregate': 'down' }, { backend: 'degraded', frontend: 'degraded' }],
    ['a required component down', { 'obs/prometheus/healthy': 'down' }, { obs: 'down', backend: 'up' }],
    ['an optional component down', { 'obs/loki/ready': 'down' }, { obs: 'degraded', backend: 'degraded' }],
    ['a required dependency unknown', { 'redis/ping': 'unknown' }, { redis: 'unknown', backend: 'unknown', frontend: 'unknown' }],
    ['unknown outranks degraded', { 'redis/ping': 'unknown', 'ai/health': 'down' }, { backend: 'unknown' }],
    ['down outranks unknown', { 'redis/ping': 'unknown', 'postgres/ready': 'down' }, { backend: 'down' }],
    ['an optional dependency unknown changes nothing', { 'ai/health': 'unknown' }, { backend: 'up' }],
    ['a missing check state is unknown', { 'frontend/root': undefined as unknown as CheckState }, { frontend: 'unknown', backend: 'up' }],
  ];
  for (const [what, changes, expected] of table) {
    it(what, () => {
      const states = { ...ALL_UP, ...changes };
      for (const [k, v] of Object.entries(states)) if (v === undefined) delete states[k];
      const h = computeHealth(catalog, states);
      const got = Object.fromEntries(Object.keys(expected).map((k) => [k, h.services[k]?.state]));
      assert.deepEqual(got, expected);
    });
  }

  it('calls a service nothing watches unknown, with the reason', () => {
    const v = computeHealth(catalog, ALL_UP).services['lonely']!;
    assert.equal(v.state, 'unknown');
    assert.deepEqual(v.reasons, ['nothing watches it: no checks, components or dependencies']);
  });

  it('carries the root cause and the path to it, so dependents are not paged separately', () => {
    const h = computeHealth(catalog, { ...ALL_UP, 'postgres/ready': 'down', 'ai/health': 'down' });
    const pg = h.services['postgres']!;
    const fe = h.services['frontend']!;
    assert.deepEqual(pg.cause, { service: 'postgres', check: 'postgres/ready' });
    assert.ok(isRootCause(pg));
    assert.deepEqual(fe.cause, { service: 'postgres', check: 'postgres/ready' });
    assert.deepEqual(fe.via, ['backend', 'postgres']);
    assert.equal(isRootCause(fe), false);
    assert.deepEqual(h.services['backend']!.reasons, ['requires postgres (down)', 'optional ai (down)']);
    assert.equal(describeVerdict('frontend', fe), 'frontend is down because of postgres (check postgres/ready), via backend');
    assert.equal(describeVerdict('postgres', pg), 'postgres is down: requires check postgres/ready (down)');
    const loki = computeHealth(catalog, { ...ALL_UP, 'obs/loki/ready': 'down' });
    assert.deepEqual(loki.services['backend']!.cause, { service: 'obs', component: 'loki', check: 'obs/loki/ready' });
    assert.deepEqual(loki.services['backend']!.via, ['obs/loki']);
    assert.equal(loki.components['obs/loki']!.state, 'down');
    assert.equal(computeHealth(catalog, ALL_UP).services['backend']!.cause, undefined, 'up has no cause');
  });
});

describe('dependency cycles', () => {
  it('are refused at the dependency that closes the loop, with the loop spelled out', () => {
    const text = [
      'services:',
      '  - name: a',
      '    dependsOn: [b]',
      '  - name: b',
      '    dependsOn:',
      '      - service: c',
      '  - name: c',
      '    dependsOn:',
      '      - { component: a/x }',
      '',
    ].join('\n');
    const withComponent = text.replace('  - name: b', '    components: [{ name: x, checks: [{ name: t, tcp: { host: h, port: 1 } }] }]\n  - name: b');
    const r = parseCatalog([{ file: 'cyc.yaml', text: withComponent }]);
    assert.ok(!r.ok);
    assert.deepEqual(r.problems.map(formatFileProblem), [
      'cyc.yaml:10:9: $.services[2].dependsOn[0]: dependency cycle: a → b → c → a (a service cannot need what needs it)',
    ]);
  });

  it('and a service depending on itself is refused too', () => {
    const r = parseCatalog([{ file: 's.yaml', text: 'services:\n  - name: a\n    dependsOn: [a]\n' }]);
    assert.ok(!r.ok);
    assert.deepEqual(r.problems.map(formatFileProblem), ['s.yaml:3:17: $.services[0].dependsOn[0]: a cannot depend on itself']);
  });
});

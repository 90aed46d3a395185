// Loading the catalog: the worked example (seeds 004 and 002) reads as written, and every kind of
// mistake is reported at file:line:col with its JSON path, all at once, across files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CATALOG_KEYS, formatFileProblem, hostKeyOf, parseCatalog, sloDefinitionOf, toProbeSpec, type Catalog, type CatalogFile } from '@runledger/core';

const EXAMPLE = readFileSync(new URL('../../../examples/catalog/catalog.yaml', import.meta.url), 'utf8');
const OPTS = { escalationPolicies: ['sev1'], runbooks: ['readiness', 'release-smoke', 'rollback-image', 'upgrade-rolling', 'rollback-schema'] };

function ok(files: CatalogFile[], opts = {}): Catalog {
  const r = parseCatalog(files, opts);
  assert.ok(r.ok, !r.ok ? r.problems.map(formatFileProblem).join('\n') : '');
  return r.catalog;
}
function problems(files: CatalogFile[], opts = {}): string[] {
  const r = parseCatalog(files, opts);
  assert.ok(!r.ok, 'should be refused');
  return r.problems.map(formatFileProblem);
}
const broken = (from: string, to: string, opts = {}): string[] => {
  assert.ok(EXAMPLE.includes(from), from);
  return problems([{ file: 'catalog.yaml', text: EXAMPLE.replace(from, to) }], opts);
};

describe('examples/catalog/catalog.yaml', () => {
  const c = ok([{ file: 'catalog.yaml', text: EXAMPLE }], OPTS);

  it('holds seed 004’s component table, one check per row', () => {
    assert.deepEqual(
      c.services.map((s) => s.name),
      ['backend', 'ai-engine', 'executor', 'frontend', 'postgres', 'redis', 'observability', 'demo'],
    );
    const checks = c.services.flatMap((s) => [...s.checks, ...s.components.flatMap((x) => x.checks)]);
    const byId = new Map(checks.map((k) => [k.id, k]));
    assert.deepEqual(
      [
        'backend/ping',
        'ai-engine/health',
        'executor/health',
        'frontend/root',
        'postgres/ready',
        'redis/ping',
        'observability/prometheus/healthy',
        'observability/grafana/health',
        'observability/loki/ready',
      ].map((id) => byId.get(id)?.probe.kind),
      ['http', 'http', 'http', 'http', 'command', 'redis', 'http', 'http', 'http'],
    );
    const ping = byId.get('backend/ping')!;
    assert.deepEqual(ping.probe, { kind: 'http', url: 'http://127.0.0.1:3000/api/v1/health/ping' });
    assert.deepEqual(
      [ping.intervalMs, ping.timeoutMs, ping.failureThreshold, ping.successThreshold, ping.severity, ping.hostKey],
      [30_000, 5_000, 3, 2, 'SEV-1', '127.0.0.1:3000'],
    );
    assert.deepEqual(
      ping.conditions.map((x) => x.text),
      ['status == 200', 'json.$.status == "ok"', 'latency < 500ms'],
    );
    assert.deepEqual(
      byId.get('ai-engine/health')!.conditions.map((x) => x.text),
      ['status == 200'],
      'an http check without conditions expects 200',
    );
    assert.deepEqual(byId.get('redis/ping')!.probe, { kind: 'redis', host: '127.0.0.1', port: 16379 });
    assert.equal(byId.get('backend/health')!.optional, true);
  });

  it('keeps seed 004’s dependency rule: Postgres and Redis required, the AI engine optional', () => {
    const backend = c.services.find((s) => s.name === 'backend')!;
    assert.deepEqual(backend.dependsOn, [
      { service: 'postgres', optional: false },
      { service: 'redis', optional: false },
      { service: 'ai-engine', optional: true },
    ]);
    assert.deepEqual(backend.runbooks, { verify: 'readiness', rollback: 'rollback-image' });
    assert.equal(backend.escalation, 'sev1');
    const obs = c.services.find((s) => s.name === 'observability')!;
    assert.deepEqual(
      obs.components.map((x) => [x.id, x.optional]),
      [
        ['observability/prometheus', false],
        ['observability/grafana', false],
        ['observability/loki', true],
      ],
    );
  });

  it('holds seed 002’s checklist, all eleven statements, and seed 001’s two SLOs', () => {
    const demo = c.checklists.find((l) => l.name === 'demo-healthy')!;
    assert.equal(demo.items.length, 11);
    assert.deepEqual(
      demo.items.map((i) => i.kind),
      ['check', 'check', 'check', 'check', 'check', 'prometheus', 'prometheus', 'prometheus', 'ledger', 'ledger', 'noBypass'],
    );
    assert.deepEqual(demo.items[9], { name: 'Offline verification succeeds for sampled recent artifacts', kind: 'ledger', mode: 'sampled', sample: 20 });
    assert.deepEqual(c.checklists.find((l) => l.name === 'aegis-serving')!.items[3], {
      name: 'no open SEV-1 incident',
      kind: 'noOpenIncident',
      severity: 'SEV-1',
    });
    assert.deepEqual(
      c.slos.map((s) => [s.name, s.service, s.objective, s.windowMs, s.latencyMs]),
      [
        ['backend-availability', 'backend', 99.9, 30 * 86_400_000, undefined],
        ['backend-latency', 'backend', 95, 30 * 86_400_000, 250],
      ],
    );
    // As the SLO math reads them: fractions, the latency form, and which checks count.
    const [avail, lat] = c.slos.map((s) => sloDefinitionOf(c, s));
    assert.equal(avail!.kind, 'availability');
    assert.equal(avail!.objective, 0.999);
    assert.deepEqual(avail!.checks, ['backend/ping', 'backend/health']);
    assert.deepEqual([lat!.kind, lat!.objective, lat!.latency], ['latency', 0.95, { thresholdMs: 250, percentile: 95 }]);
    assert.deepEqual(lat!.checks, ['backend/ping']);
  });

  it('maps checks to the runbooks’ ProbeSpec, carrying expectations a condition states exactly', () => {
    const root = c.services.find((s) => s.name === 'frontend')!.checks[0]!;
    assert.deepEqual(toProbeSpec(root.probe, root.timeoutMs, root.conditions), {
      kind: 'http',
      url: 'http://127.0.0.1:3001/',
      timeoutMs: 10_000,
      expectStatus: [200, 307],
    });
    const pg = c.services.find((s) => s.name === 'postgres')!.checks[0]!;
    assert.deepEqual(toProbeSpec(pg.probe, pg.timeoutMs, pg.conditions), {
      kind: 'command',
      run: 'pg_isready -h 127.0.0.1 -p 15432 -U aegis_user -d aegis_db',
      timeoutMs: 5000,
      expectExit: 0,
    });
    assert.equal(toProbeSpec({ kind: 'dns', name: 'db.internal', recordType: 'A' }, 1000, []), undefined, 'no dns ProbeSpec yet');
    assert.equal(hostKeyOf({ kind: 'http', url: 'https://example.test/x' }), 'example.test:443');
    assert.equal(hostKeyOf({ kind: 'postgres', url: 'postgres://app@db.internal/app' }), 'db.internal:5432');
    assert.equal(hostKeyOf({ kind: 'postgres', url: 'env:DATABASE_URL' }), 'env:DATABASE_URL');
  });
});

describe('catalog problems', () => {
  it('point at the exact place, with the JSON path', () => {
    assert.deepEqual(broken('interval: 30s', 'interval: soon'), [
      'catalog.yaml:31:19: $.services[0].checks[0].interval: must be a duration such as 500ms, 30s, 1m, 1h or 7d, not "soon"',
    ]);
    assert.deepEqual(broken('- status == 200\n          - json.$.status == "ok"', '- status == 200\n          - json.$.stauts = "ok"'), [
      'catalog.yaml:35:13: $.services[0].checks[0].conditions[1]: column 15: expected an operator: ==, !=, <=, >=, <, >, !contains, contains, in, matches',
    ]);
    assert.deepEqual(broken('conditions: [\'reply == "PONG"\']', "conditions: ['status == 200']"), [
      'catalog.yaml:103:22: $.services[5].checks[0].conditions[0]: status is not observed by a redis check (it observes latency, reply)',
    ]);
    assert.deepEqual(broken('        optional: true\n    checks:', '        optonal: true\n    checks:'), [
      'catalog.yaml:27:18: $.services[0].dependsOn[2].optonal: unknown key optonal (expected one of service, component, optional)',
    ]);
  });

  it('collects every problem of every kind at once', () => {
    const p = broken(
      '  - name: ai-engine\n    description: FastAPI inference service\n    owner: team-ml\n',
      '  - name: AI engine\n    description: FastAPI inference service\n    owner: [team-ml]\n    colour: blue\n',
    );
    assert.deepEqual(p, [
      'catalog.yaml:50:13: $.services[1].colour: unknown key colour (expected one of name, description, owner, system, type, lifecycle, runbooks, escalation, severity, components, dependsOn, checks, release)',
      'catalog.yaml:47:11: $.services[1].name: "AI engine" is not a name: lower-case letters, digits, _ . - (at most 63)',
      'catalog.yaml:49:12: $.services[1].owner: must be a non-empty string, not a list',
    ]);
  });

  it('refuses secrets written into the catalog and probes without one kind', () => {
    const pg = 'command: pg_isready -h 127.0.0.1 -p 15432 -U aegis_user -d aegis_db';
    const pgConditions = `${pg}\n        timeout: 5s\n        conditions: ['exit == 0']`;
    assert.deepEqual(broken(pgConditions, 'postgres: { url: "postgres://aegis:hunter2@127.0.0.1:15432/aegis_db" }'), [
      'catalog.yaml:90:26: $.services[4].checks[0].postgres.url: a password is never written in the catalog: use env:NAME or file:/path for the whole URL',
    ]);
    assert.doesNotMatch(broken(pg, 'postgres: { url: "postgres://aegis:hunter2@h/db" }').join(), /hunter2/);
    const auth = 'http: { url: http://127.0.0.1:8000/health }';
    assert.deepEqual(broken(auth, 'http: { url: http://127.0.0.1:8000/health, headers: { Authorization: Bearer abc123 } }'), [
      'catalog.yaml:56:78: $.services[1].checks[0].http.headers.Authorization: a credential header is a reference (env:NAME or file:/path), never the value',
    ]);
    ok([{ file: 'catalog.yaml', text: EXAMPLE.replace(auth, 'http: { url: http://127.0.0.1:8000/health, headers: { Authorization: env:AI_TOKEN } }') }]);
    assert.deepEqual(broken(pg, 'note: x'), [
      'catalog.yaml:90:15: $.services[4].checks[0].note: unknown key note (expected one of name, id, description, http, tcp, postgres, redis, command, dns, interval, timeout, failureThreshold, successThreshold, conditions, severity, optional)',
      'catalog.yaml:89:9: $.services[4].checks[0]: a check needs exactly one probe: http, tcp, postgres, redis, command, dns',
    ]);
    assert.deepEqual(broken("timeout: 5s\n        conditions: ['exit", "timeout: 1h\n        conditions: ['exit"), [
      'catalog.yaml:91:18: $.services[4].checks[0].timeout: must not exceed the interval (30s)',
    ]);
  });

  it('resolves names, suggesting the likely one', () => {
    assert.deepEqual(broken('      - service: redis\n', '      - service: rediss\n'), [
      'catalog.yaml:24:9: $.services[0].dependsOn[1]: no service named rediss (did you mean redis?)',
    ]);
    assert.deepEqual(broken('check: demo/worker', 'check: demo/wroker'), [
      'catalog.yaml:179:16: $.checklists[0].items[4].check: no check with id demo/wroker (did you mean demo/worker?)',
    ]);
    assert.deepEqual(broken('      - service: frontend\n', '      - service: fronted\n'), [
      'catalog.yaml:220:18: $.checklists[3].items[1].service: no service named fronted (did you mean frontend?)',
    ]);
    assert.deepEqual(broken('escalation: sev1\n    runbooks: { verify', 'escalation: sev2\n    runbooks: { verify', OPTS), [
      'catalog.yaml:20:17: $.services[0].escalation: no escalation policy named sev2 in the operations file (did you mean sev1?)',
    ]);
    assert.deepEqual(broken('rollback: rollback-image }\n    dependsOn', 'rollback: rolback-image }\n    dependsOn', OPTS), [
      'catalog.yaml:21:46: $.services[0].runbooks.rollback: no runbook with id rolback-image (did you mean rollback-image?)',
    ]);
    assert.deepEqual(
      problems([
        { file: 'c.yaml', text: 'services:\n  - name: a\n    dependsOn: [{ component: b/x }]\n  - name: b\n    checks: [{ name: t, command: "true" }]\n' },
      ]),
      ['c.yaml:3:17: $.services[0].dependsOn[0]: b has no component x (it has none)'],
    );
  });

  it('names both places of a name defined twice across files', () => {
    const a = { file: 'catalog/a.yaml', text: 'services:\n  - name: web\n    checks: [{ name: up, http: { url: "http://127.0.0.1:1/" } }]\n' };
    const b = {
      file: 'catalog/b.yaml',
      text: '# the same service again\nservices:\n  - name: web\n    checks: [{ id: web/up, name: other, tcp: { host: h, port: 80 } }]\n',
    };
    assert.deepEqual(problems([a, b]), ['catalog/b.yaml:3:11: $.services[0].name: service web is also defined at catalog/a.yaml:2:11']);
    const c = { file: 'catalog/c.yaml', text: 'services:\n  - name: api\n    checks: [{ id: web/up, name: other, tcp: { host: h, port: 80 } }]\n' };
    assert.deepEqual(problems([a, c]), ['catalog/c.yaml:3:20: $.services[0].checks[0].id: check web/up is also defined at catalog/a.yaml:3:22']);
  });

  it('reads a directory of files as one catalog, references across them', () => {
    const c = ok([
      { file: 'catalog/db.yaml', text: 'services:\n  - name: db\n    checks: [{ name: tcp, tcp: { host: 127.0.0.1, port: 5432 } }]\n' },
      {
        file: 'catalog/app.yaml',
        text: 'services:\n  - name: app\n    dependsOn: [db]\n    checks: [{ name: up, http: { url: "http://127.0.0.1:8080/health/ping" } }]\n',
      },
      { file: 'catalog/empty.yaml', text: '# nothing yet\n' },
    ]);
    assert.deepEqual(
      c.services.map((s) => [s.name, s.dependsOn]),
      [
        ['db', []],
        ['app', [{ service: 'db', optional: false }]],
      ],
    );
  });

  it('reports YAML syntax errors at their place and refuses a document that is not a mapping', () => {
    assert.match(problems([{ file: 'x.yaml', text: 'services:\n  - name: [unclosed\n' }])[0]!, /^x\.yaml:\d+:\d+: \$: /);
    assert.deepEqual(problems([{ file: 'l.yaml', text: '- a\n- b\n' }]), ['l.yaml:1:1: $: must be a mapping, not a list']);
  });

  it('reads a service’s release settings and locates their problems, a checklist that does not exist included', () => {
    const base = 'services:\n  - name: api\n    release: RELEASE\nchecklists:\n  - name: api-healthy\n    items: [{ noBypass: true }]\n';
    const c = ok([
      { file: 'c.yaml', text: base.replace('RELEASE', '{ checklist: api-healthy, bake: 2m, autoRollback: on, approvals: [production, staging] }') },
    ]);
    assert.deepEqual(c.services[0]!.release, { checklist: 'api-healthy', bakeMs: 120_000, autoRollback: 'on', approvals: ['production', 'staging'] });
    assert.deepEqual(problems([{ file: 'c.yaml', text: base.replace('RELEASE', '{ checklist: api-healthy, autoRollback: yes, maxBurnRate: -1 }') }]), [
      'c.yaml:3:72: $.services[0].release.maxBurnRate: must be a number above 0 (14.4 pages at 2% of a 30-day budget in 1 h)',
      'c.yaml:3:54: $.services[0].release.autoRollback: must be one of off, on, approval',
    ]);
    const ref = problems([{ file: 'c.yaml', text: base.replace('RELEASE', '{ postRollback: api-healty }') }]);
    assert.equal(ref.length, 1);
    assert.match(ref[0]!, /^c\.yaml:\d+:\d+: \$\.services\[0\]\.release\.postRollback: no checklist named api-healty \(did you mean api-healthy\?\)$/);
  });

  it('documents every key it accepts (the table the docs are written from)', () => {
    assert.deepEqual(CATALOG_KEYS.$, ['services', 'checklists', 'slos']);
    assert.ok(CATALOG_KEYS['$.services[]'].includes('dependsOn'));
  });
});

describe('OpenSLO documents in the catalog', () => {
  it('reads OpenSLO v1 SLO documents beside the catalog, in percent like its own, and locates their errors', () => {
    const catalog = 'services:\n  - name: pqmsg\n    checks:\n      - name: healthz\n        http: { url: http://127.0.0.1:9/healthz }\n';
    const openslo = [
      'apiVersion: openslo/v1',
      'kind: Service',
      'metadata: {name: pqmsg}',
      '---',
      'apiVersion: openslo/v1',
      'kind: SLO',
      'metadata:',
      '  name: pqmsg-availability',
      '  annotations: {runledger.dev/checks: pqmsg/healthz}',
      'spec:',
      '  service: pqmsg',
      '  indicatorRef: pqmsg-healthz',
      '  timeWindow: [{duration: 28d, isRolling: true}]',
      '  budgetingMethod: Timeslices',
      '  objectives: [{target: 0.999}]',
      '',
    ].join('\n');
    const r = parseCatalog([
      { file: 'catalog.yaml', text: catalog },
      { file: 'slos.yaml', text: openslo },
    ]);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
    assert.deepEqual(
      r.catalog.slos.map((s) => [s.name, s.service, s.objective, s.windowMs, s.checks]),
      [['pqmsg-availability', 'pqmsg', 99.9, 28 * 86_400_000, ['pqmsg/healthz']]],
    );
    assert.deepEqual(
      r.skipped.map((x) => [x.kind, x.name]),
      [['openslo Service', 'pqmsg']],
    );
    const bad = parseCatalog([
      { file: 'catalog.yaml', text: catalog },
      { file: 'slos.yaml', text: openslo.replace('budgetingMethod: Timeslices', 'budgetingMethod: RatioTimeslices') },
    ]);
    assert.ok(!bad.ok);
    assert.ok(
      bad.problems.some((p) => p.file === 'slos.yaml' && p.path === '$.spec.budgetingMethod' && p.line === 14),
      JSON.stringify(bad.problems),
    );
  });
});

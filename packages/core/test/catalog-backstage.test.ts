// Backstage catalog-info.yaml import: entities become services, dependsOn edges become required
// dependencies unless the runledger.io/optional-dependencies annotation says otherwise, and a native
// entry of the same name adds the checks Backstage cannot express.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeHealth, formatFileProblem, parseCatalog, serviceNameOfRef, type CatalogFile } from '@runledger/core';

const INFO = `apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: aegis
  description: Aegis platform
spec:
  owner: team-platform
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: backend
  description: Aegis API
  annotations:
    runledger.io/optional-dependencies: "component:default/ai-engine"
    runledger.io/escalation: sev1
  tags: [node]
spec:
  type: service
  lifecycle: production
  owner: team-platform
  system: aegis
  dependsOn: [resource:default/db, "component:ai-engine"]
  providesApis: [aegis-api]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: ai-engine }
spec: { type: service, lifecycle: production, owner: team-ml, system: aegis }
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: { name: DB }
spec: { type: database, owner: team-platform, system: aegis }
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: { name: aegis-api }
spec: { type: openapi, lifecycle: production, owner: team-platform, definition: "openapi: 3.0.0" }
`;

const CHECKS = `services:
  - name: backend
    runbooks: { verify: readiness }
    dependsOn:
      - { service: db, optional: false }
    checks: [{ name: ping, http: { url: "http://127.0.0.1:8080/health/ping" } }]
  - name: db
    checks: [{ name: ready, tcp: { host: 127.0.0.1, port: 5432 } }]
  - name: ai-engine
    checks: [{ name: health, http: { url: "http://127.0.0.1:8000/health" } }]
`;

const parse = (files: CatalogFile[]) => parseCatalog(files);

describe('Backstage import', () => {
  it('reads Component, Resource and System entities as services, and skips APIs with a reason', () => {
    const r = parse([{ file: 'catalog-info.yaml', text: INFO }]);
    assert.ok(r.ok, !r.ok ? r.problems.map(formatFileProblem).join('\n') : '');
    const s = r.catalog.services;
    assert.deepEqual(
      s.map((x) => [x.name, x.type, x.owner, x.system]),
      [
        ['aegis', 'system', 'team-platform', undefined],
        ['backend', 'service', 'team-platform', 'aegis'],
        ['ai-engine', 'service', 'team-ml', 'aegis'],
        ['db', 'database', 'team-platform', 'aegis'],
      ],
    );
    const backend = s[1]!;
    assert.deepEqual(backend.dependsOn, [
      { service: 'db', optional: false },
      { service: 'ai-engine', optional: true },
    ]);
    assert.equal(backend.escalation, 'sev1');
    assert.equal(backend.lifecycle, 'production');
    assert.deepEqual(r.skipped, [
      { file: 'catalog-info.yaml', kind: 'API', name: 'aegis-api', reason: 'an API is a contract, not something probed: its provider is the service' },
    ]);
  });

  it('takes checks and settings from a native entry of the same name', () => {
    const r = parse([
      { file: 'catalog-info.yaml', text: INFO },
      { file: 'catalog.yaml', text: CHECKS },
    ]);
    assert.ok(r.ok, !r.ok ? r.problems.map(formatFileProblem).join('\n') : '');
    const backend = r.catalog.services.find((x) => x.name === 'backend')!;
    assert.deepEqual(
      backend.checks.map((c) => c.id),
      ['backend/ping'],
    );
    assert.deepEqual(backend.runbooks, { verify: 'readiness' });
    assert.equal(backend.owner, 'team-platform', 'Backstage settings stay unless the native entry overrides them');
    assert.deepEqual(backend.dependsOn, [
      { service: 'ai-engine', optional: true },
      { service: 'db', optional: false },
    ]);
    const h = computeHealth(r.catalog, { 'backend/ping': 'up', 'db/ready': 'up', 'ai-engine/health': 'down' });
    assert.equal(h.services['backend']!.state, 'degraded', 'the annotated edge is optional');
    assert.equal(h.services['aegis']!.state, 'unknown', 'a System with nothing watching it is unknown');
  });

  it('refuses an annotation naming an edge that is not in spec.dependsOn, at its place', () => {
    const text = INFO.replace('"component:default/ai-engine"', '"component:default/ai-engine, resource:default/redis"');
    const r = parse([{ file: 'catalog-info.yaml', text }]);
    assert.ok(!r.ok);
    assert.deepEqual(r.problems.map(formatFileProblem), [
      'catalog-info.yaml:15:41: $.metadata.annotations["runledger.io/optional-dependencies"]: resource:default/redis is not in spec.dependsOn: only an existing edge can be optional',
    ]);
  });

  it('resolves edges across entities and names both places of a duplicate', () => {
    const dangling = parse([{ file: 'info.yaml', text: INFO.replace('dependsOn: [resource:default/db', 'dependsOn: [resource:default/dbb') }]);
    assert.ok(!dangling.ok);
    assert.deepEqual(dangling.problems.map(formatFileProblem), ['info.yaml:23:15: $.spec.dependsOn[0]: no service named dbb (did you mean db?)']);
    const twice = parse([
      { file: 'a/catalog-info.yaml', text: INFO },
      { file: 'b/catalog-info.yaml', text: 'apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: db\n' },
    ]);
    assert.ok(!twice.ok);
    assert.deepEqual(twice.problems.map(formatFileProblem), [
      'b/catalog-info.yaml:4:9: $.metadata.name: Backstage entity db is also defined at a/catalog-info.yaml:33:19',
    ]);
  });

  it('normalises entity refs the way Backstage compares them', () => {
    assert.equal(serviceNameOfRef('resource:default/DB'), 'db');
    assert.equal(serviceNameOfRef('component:billing/invoices'), 'billing.invoices');
    assert.equal(serviceNameOfRef('ai-engine'), 'ai-engine');
  });
});

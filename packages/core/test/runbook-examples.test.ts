// The example runbooks (examples/runbooks/, written from the seeds' procedures) lint clean, keep the
// seeds' order and gates, and docs/runbook-language.md documents every diagnostic code.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic, parseRunbook, RUNBOOK_DIAGNOSTICS, type Runbook } from '@runledger/core';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DIR = `${ROOT}examples/runbooks/`;

function load(name: string): Runbook {
  const r = parseRunbook(readFileSync(DIR + name, 'utf8'), `examples/runbooks/${name}`);
  assert.ok(r.ok, r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.runbook;
}
const ids = (rb: Runbook): string[] => rb.steps.map((s) => s.id);

describe('examples/runbooks', () => {
  test('every runbook in the folder parses with no error and no warning', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.md'));
    assert.deepEqual(
      files.filter((f) => ['release-smoke.md', 'rollback-image.md', 'safe-shutdown.md', 'readiness.md', 'rotate-signing-key.md'].includes(f)).length,
      5,
    );
    for (const f of files) {
      const r = parseRunbook(readFileSync(DIR + f, 'utf8'), `examples/runbooks/${f}`);
      assert.deepEqual(r.diagnostics.map(formatDiagnostic), [], f);
      assert.ok(r.ok, f);
    }
  });

  test('release-smoke: three checks, then the announce gate, then the announcement; "not announced" on failure', () => {
    const rb = load('release-smoke.md');
    assert.deepEqual(ids(rb), ['service-status', 'public-health', 'backend-health', 'audit-dsn-present', 'announce-gate', 'announce']);
    assert.deepEqual(
      rb.steps.slice(1, 4).map((s) => s.kind),
      ['check', 'check', 'check'],
    );
    assert.equal(rb.steps[4]?.kind, 'approve');
    assert.deepEqual(
      rb.rollback.map((s) => s.id),
      ['record-not-announced'],
    );
    const dsn = rb.steps[3];
    assert.ok(dsn?.kind === 'check' && dsn.probe.kind === 'http');
    assert.deepEqual(dsn.probe.expectJson, { audit_dsn: 'set' });
  });

  test('rollback-image: inputs from/to/reason, audit entry, health verified after; migrations and audit chain forbidden', () => {
    const rb = load('rollback-image.md');
    assert.deepEqual(
      rb.inputs.slice(0, 3).map((i) => [i.name, i.required]),
      [
        ['from', true],
        ['to', true],
        ['reason', true],
      ],
    );
    assert.deepEqual(ids(rb), [
      'image-only',
      'schema-compatible',
      'current-version',
      'running-from',
      'rollback',
      'healthy',
      'version-is-to',
      'health-after',
      'ready-after',
      'audit-entry',
    ]);
    // A release driver's reason is a sentence, with spaces and punctuation.
    const reason = new RegExp(`^(?:${rb.inputs.find((i) => i.name === 'reason')?.pattern})$`);
    assert.ok(reason.test('gate release-smoke failed: healthz 500'));
    assert.ok(!reason.test('two\nlines'));
    const audit = rb.steps.find((s) => s.id === 'audit-entry');
    assert.ok(audit?.kind === 'check' && audit.probe.kind === 'command');
    assert.match(audit.probe.run, /from=\{\{ inputs\.from \}\} \| to=\{\{ inputs\.to \}\} \| actor=/);
    assert.deepEqual(
      rb.rollback.map((s) => s.id),
      ['restore-from'],
    );
    const pats = rb.forbid.map((f) => new RegExp(f.pattern));
    for (const cmd of ['alembic downgrade -1', 'migrate down', "sed -i '1d' audit.log", 'truncate -s0 audit.log'])
      assert.ok(
        pats.some((p) => p.test(cmd)),
        cmd,
      );
  });

  test('upgrade-rolling: the five steps of seed 000 (pin, pre-checks, migrate, restart, smoke), with the inputs a release passes', () => {
    const rb = load('upgrade-rolling.md');
    assert.deepEqual(
      rb.inputs.map((i) => i.name).filter((n) => !n.startsWith('demo_')),
      ['release', 'service', 'env', 'version', 'artifact', 'digest', 'manifest_digest', 'migration', 'migration_kind', 'migration_revision'],
    );
    assert.deepEqual(ids(rb), [
      'pin-policy',
      'environment-matches',
      'ready-before',
      'current-version',
      'schema-before',
      'target-revision',
      'schema-compatible',
      'migrate',
      'restart',
      'healthy',
      'version-is-new',
      'healthz',
      'ready-after',
      'schema-at-target',
      'audit-dsn',
    ]);
    assert.deepEqual(
      rb.rollback.map((s) => s.id),
      ['restore-previous'],
    );
  });

  test('rollback-schema: explicit revision required, approved before the downgrade, downgrade before the image', () => {
    const rb = load('rollback-schema.md');
    const revision = rb.inputs.find((i) => i.name === 'revision');
    assert.equal(revision?.required, true);
    const order = ids(rb);
    assert.ok(order.indexOf('approve-downgrade') < order.indexOf('downgrade'));
    assert.ok(order.indexOf('downgrade') < order.indexOf('rollback-image'));
    assert.deepEqual(rb.approvals, [{ environment: 'production', count: 2, roles: ['sre', 'release-manager'] }]);
  });

  test('post-rollback-checks and rollback-drill: the checks of seed 003; the drill is staging only', () => {
    const checks = ids(load('post-rollback-checks.md'));
    for (const id of ['health', 'ready', 'compliance-mode', 'queue', 'audit-chain', 'notify', 'notified']) assert.ok(checks.includes(id), id);
    const drill = load('rollback-drill.md');
    assert.deepEqual(drill.environments, ['staging']);
    assert.deepEqual(ids(drill).slice(3, 6), ['deploy-bad', 'bad-detected', 'rollback']);
    assert.ok(ids(drill).includes('evidence'));
  });

  test('safe-shutdown: traffic, apps, Redis SAVE, databases, in that order; `down -v` forbidden', () => {
    const rb = load('safe-shutdown.md');
    assert.deepEqual(ids(rb), ['service-up', 'stop-traffic', 'no-new-work', 'stop-apps', 'apps-stopped', 'redis-save', 'stop-databases', 'service-down']);
    const pats = rb.forbid.map((f) => new RegExp(f.pattern));
    assert.ok(pats.some((p) => p.test('docker compose -p aegis down -v')));
    assert.ok(!pats.some((p) => p.test('docker compose -p aegis down')));
  });

  test('readiness: ready only if database, migration head, signing material and worker all pass', () => {
    const rb = load('readiness.md');
    assert.deepEqual(ids(rb), ['alive', 'database', 'migration-head', 'signing-material', 'worker', 'ready']);
    const checks = rb.steps.filter((s) => s.kind === 'check');
    assert.deepEqual(
      checks.map((s) => (s.kind === 'check' && s.probe.kind === 'http' ? s.probe.expectJson : undefined)),
      [
        { 'checks.database.ok': true },
        { 'checks.migration_head.ok': true },
        { 'checks.signing_material.ok': true },
        { 'checks.worker.ok': true },
        { ready: true },
      ],
    );
    assert.equal(rb.steps.find((s) => s.id === 'ready')?.onFail, 'stop');
  });

  test('rotate-signing-key: stop writers, snapshot, rotate, update config, restart, validate /health', () => {
    const rb = load('rotate-signing-key.md');
    assert.deepEqual(ids(rb), [
      'service-up',
      'rotation-plan',
      'stop-writers',
      'snapshot',
      'generate-key',
      'update-config',
      'restart',
      'healthy',
      'health',
      'signing-ready',
    ]);
    assert.deepEqual(rb.inputs.find((i) => i.name === 'key_passphrase')?.from, { env: 'DEMO_KEY_PASSPHRASE', prompt: true });
    assert.deepEqual(
      rb.rollback.map((s) => s.id),
      ['restore-previous-config'],
    );
  });
});

test('docs/runbook-language.md lists exactly the diagnostic codes the parser has', () => {
  const doc = readFileSync(`${ROOT}docs/runbook-language.md`, 'utf8');
  const inDoc = new Set(doc.match(/\bRB_[A-Z_]+\b/g) ?? []);
  assert.deepEqual(
    [...inDoc].filter((c) => !(c in RUNBOOK_DIAGNOSTICS)),
    [],
    'codes in the docs that do not exist',
  );
  for (const [code, { severity }] of Object.entries(RUNBOOK_DIAGNOSTICS)) {
    assert.ok(new RegExp(`\\| \`${code}\` \\| ${severity} \\|`).test(doc), `${code} (${severity}) is not in the docs' table`);
  }
});

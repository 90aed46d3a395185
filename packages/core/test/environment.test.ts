// resolveEnvironment: several environments need an explicit choice; one is the default; none is `default`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveEnvironment } from '@runledger/core';

test('several environments and none chosen: ENV_REQUIRED listing them', () => {
  const r = resolveEnvironment({ id: 'rb', environments: ['production', 'staging'] }, undefined);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.code, 'ENV_REQUIRED');
    assert.deepEqual(r.environments, ['production', 'staging']);
    assert.match(r.message, /production, staging/);
  }
});

test('a chosen environment must be declared; any name when none are', () => {
  assert.deepEqual(resolveEnvironment({ id: 'rb', environments: ['production', 'staging'] }, 'staging'), { ok: true, environment: 'staging' });
  const r = resolveEnvironment({ id: 'rb', environments: ['production', 'staging'] }, 'mars');
  assert.equal(r.ok ? 'ok' : r.code, 'ENVIRONMENT_UNKNOWN');
  assert.deepEqual(resolveEnvironment({ id: 'rb', environments: [] }, 'mars'), { ok: true, environment: 'mars' });
});

test('defaults: the only environment, or `default` when none are declared', () => {
  assert.deepEqual(resolveEnvironment({ id: 'rb', environments: ['staging'] }, undefined), { ok: true, environment: 'staging' });
  assert.deepEqual(resolveEnvironment({ id: 'rb', environments: [] }, undefined), { ok: true, environment: 'default' });
});

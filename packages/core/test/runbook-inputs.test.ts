// resolveInputs: each type, bounds, pattern, enum, defaults, required, and secrets refused on the
// command line.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDiagnostic, parseRunbook, resolveInputs, secretInputNames, type Runbook } from '@runledger/core';

const SOURCE = `---
id: inputs
inputs:
  version:
    type: string
    pattern: '\\d+\\.\\d+\\.\\d+'
  replicas:
    type: integer
    min: 1
    max: 10
    default: 2
  verbose:
    type: boolean
    default: false
  target:
    type: enum
    values: [staging, production]
  note:
    type: string
    required: false
  token:
    type: secret
    from: {env: DEPLOY_TOKEN}
  extra_key:
    type: secret
    required: false
    from: {file: /run/secrets/extra, prompt: true}
---
## Procedure
\`\`\`sh {#a}
true
\`\`\`
`;

const r = parseRunbook(SOURCE, 'in.md');
assert.ok(r.ok, JSON.stringify(r.diagnostics));
const rb: Runbook = r.runbook;
const ok = { version: '1.2.3', target: 'staging' };
const secrets = { token: 'tok' };

function errors(given: Record<string, string>, sec: Record<string, string | undefined> = secrets): string[] {
  const res = resolveInputs(rb, given, sec);
  assert.equal(res.ok, false);
  return res.ok ? [] : res.diagnostics.map(formatDiagnostic);
}

describe('resolveInputs', () => {
  test('types are converted, defaults applied, optional inputs left out', () => {
    const res = resolveInputs(rb, { ...ok, verbose: 'yes' }, secrets);
    assert.ok(res.ok);
    assert.deepEqual(res.values, { version: '1.2.3', replicas: 2, verbose: true, target: 'staging', token: 'tok' });
    assert.deepEqual(res.secretNames, ['token']);
    const res2 = resolveInputs(rb, { ...ok, replicas: '10', verbose: 'FALSE', note: '' }, { token: 'tok', extra_key: 'k' });
    assert.ok(res2.ok);
    assert.deepEqual(res2.values, { version: '1.2.3', replicas: 10, verbose: false, target: 'staging', note: '', token: 'tok', extra_key: 'k' });
    assert.deepEqual(res2.secretNames, ['token', 'extra_key']);
  });

  test('integer: not a number, below min, above max', () => {
    assert.deepEqual(errors({ ...ok, replicas: 'abc' }), ['in.md:7:3: error RB_INPUT_INVALID: --input replicas=abc: replicas must be an integer']);
    assert.deepEqual(errors({ ...ok, replicas: '2.5' }), ['in.md:7:3: error RB_INPUT_INVALID: --input replicas=2.5: replicas must be an integer']);
    assert.deepEqual(errors({ ...ok, replicas: '0' }), ['in.md:7:3: error RB_INPUT_INVALID: --input replicas=0: replicas must be at least 1']);
    assert.deepEqual(errors({ ...ok, replicas: '11' }), ['in.md:7:3: error RB_INPUT_INVALID: --input replicas=11: replicas must be at most 10']);
  });

  test('string pattern must match the whole value', () => {
    assert.deepEqual(errors({ ...ok, version: 'v1.2.3' }), [
      'in.md:4:3: error RB_INPUT_INVALID: --input version=v1.2.3: version must match \\d+\\.\\d+\\.\\d+',
    ]);
    assert.equal(errors({ ...ok, version: '1.2.3-rc1' }).length, 1);
  });

  test('boolean and enum', () => {
    assert.deepEqual(errors({ ...ok, verbose: 'maybe' }), ['in.md:12:3: error RB_INPUT_INVALID: --input verbose=maybe: verbose must be true or false']);
    assert.deepEqual(errors({ ...ok, target: 'prod' }), ['in.md:15:3: error RB_INPUT_INVALID: --input target=prod: target must be one of staging, production']);
  });

  test('required inputs without a value, and unknown inputs (whose value is not echoed)', () => {
    assert.deepEqual(errors({ nope: 'hush' }), [
      'in.md:1:1: error RB_INPUT_UNKNOWN: --input nope=…: this runbook has no input named nope (its inputs: version, replicas, verbose, target, note, token, extra_key)',
      'in.md:4:3: error RB_INPUT_REQUIRED: version is required: pass --input version=<string>',
      'in.md:15:3: error RB_INPUT_REQUIRED: target is required: pass --input target=<staging|production>',
    ]);
  });

  test('a secret on the command line is refused, and its value never appears in the message', () => {
    const msgs = errors({ ...ok, token: 'hunter2' });
    assert.deepEqual(msgs, [
      'in.md:21:3: error RB_INPUT_SECRET_ON_COMMAND_LINE: --input token=…: token is a secret and is never taken on a command line (it would show in ps and shell history); supply it through the environment variable DEPLOY_TOKEN',
    ]);
    assert.ok(!msgs.join('').includes('hunter2'));
    // Even when the same secret also arrived properly.
    assert.equal(errors({ ...ok, extra_key: 'x' }, { token: 'tok', extra_key: 'x' }).length, 1);
  });

  test('a required secret with no value names where it may come from', () => {
    assert.deepEqual(errors(ok, {}), [
      'in.md:21:3: error RB_SECRET_MISSING: token is a required secret and has no value: supply it through the environment variable DEPLOY_TOKEN',
    ]);
    assert.deepEqual(errors(ok, { token: undefined }), errors(ok, {}));
  });

  test('secretInputNames', () => {
    assert.deepEqual(secretInputNames(rb), ['token', 'extra_key']);
  });
});

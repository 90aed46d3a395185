// Policy decisions: kill switch, freeze windows, deny-wins rules, default, forbidden commands, and
// validation errors that name the JSON path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideCommand, decideStart, validatePolicy, type Policy } from '../src/policy/policy.js';
import { globMatch } from '../src/regex/index.js';

const policy = (doc: unknown): Policy => {
  const r = validatePolicy(doc);
  assert.ok(r.ok, JSON.stringify(r));
  return r.policy;
};

describe('policy', () => {
  const p = policy({
    default: 'deny',
    rules: [
      { effect: 'allow', runbooks: ['*'], environments: ['staging'], reason: 'staging is open' },
      { effect: 'allow', runbooks: ['release-*', 'readiness'], environments: ['prod'], roles: ['operator', 'admin'], reason: 'operators release to prod' },
      { effect: 'deny', runbooks: ['release-*'], environments: ['prod'], roles: ['contractor'], reason: 'contractors do not release' },
    ],
    forbid: [{ pattern: 'down\\s+-v', reason: 'destroys volumes' }],
    freeze: [{ name: 'holidays', from: '2026-12-24T00:00:00Z', to: '2026-12-27T00:00:00Z', environments: ['prod'], reason: 'change freeze' }],
  });
  const req = { runbook: 'release-smoke', environment: 'prod', roles: ['operator'], now: '2026-11-23T12:00:00Z' };

  it('allows by rule, denies by default', () => {
    assert.deepEqual(decideStart(p, req), { effect: 'allow', by: 'rule', reason: 'operators release to prod' });
    assert.equal(decideStart(p, { ...req, runbook: 'rotate-key' }).effect, 'deny');
    assert.equal(decideStart(p, { ...req, runbook: 'rotate-key' }).by, 'default');
    assert.equal(decideStart(p, { ...req, environment: 'staging', roles: [] }).effect, 'allow');
  });

  it('deny wins over allow when both match', () => {
    const d = decideStart(p, { ...req, roles: ['operator', 'contractor'] });
    assert.deepEqual(d, { effect: 'deny', by: 'rule', reason: 'contractors do not release' });
  });

  it('the kill switch and freeze windows deny before any rule', () => {
    assert.equal(decideStart(p, { ...req, frozen: { reason: 'incident 42', by: 'carol' } }).by, 'kill-switch');
    const f = decideStart(p, { ...req, now: '2026-12-25T10:00:00Z' });
    assert.equal(f.by, 'freeze-window');
    assert.match(f.reason, /holidays/);
    assert.equal(decideStart(p, { ...req, now: '2026-12-27T00:00:00Z' }).effect, 'allow', 'the window end is exclusive');
    assert.equal(decideStart(p, { ...req, environment: 'staging', now: '2026-12-25T10:00:00Z' }).effect, 'allow', 'other environments are not frozen');
  });

  it('forbidden commands: the policy’s and the runbook’s patterns', () => {
    assert.equal(decideCommand(p, [], 'docker compose -p aegis down -v').by, 'forbid');
    const rb = [{ pattern: 'DROP\\s+TABLE', reason: 'never drop tables' }];
    assert.equal(decideCommand(p, rb, 'psql -c "DROP  TABLE audit"').by, 'runbook-forbid');
    assert.equal(decideCommand(p, rb, 'systemctl restart api').effect, 'allow');
  });

  it('globs are anchored and escape regex characters', () => {
    assert.equal(globMatch('release-*', 'release-smoke'), true);
    assert.equal(globMatch('release-*', 'pre-release-smoke'), false);
    assert.equal(globMatch('a.b', 'axb'), false);
  });

  it('validation names each problem by JSON path', () => {
    const r = validatePolicy({
      default: 'maybe',
      rules: [{ effect: 'allow' }, { effect: 'nope', reason: 'x' }],
      forbid: [{ pattern: '(', reason: 'x' }],
      freeze: [{ name: 'w', from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }],
      extra: 1,
    });
    assert.equal(r.ok, false);
    if (!r.ok) {
      const paths = r.problems.map((x) => x.path);
      assert.deepEqual(paths.sort(), ['$.default', '$.extra', '$.forbid[0].pattern', '$.freeze[0].to', '$.rules[0].reason', '$.rules[1].effect'].sort());
    }
  });
});

import { parsePolicyText, formatPolicyProblem } from '../src/policy/parse.js';

describe('policy files', () => {
  it('parses YAML and points problems at file:line:col', () => {
    const ok = parsePolicyText('default: allow\nrules:\n  - effect: deny\n    environments: [prod]\n    reason: prod is frozen for the audit\n', 'policy.yaml');
    assert.ok(ok.ok);
    const bad = parsePolicyText('default: allow\nrules:\n  - effect: perhaps\n    reason: x\n', 'policy.yaml');
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(formatPolicyProblem(bad.problems[0]!), 'policy.yaml:3:13: $.rules[0].effect: must be allow or deny');
    const syntax = parsePolicyText('rules: [\n', 'p.yaml');
    assert.equal(syntax.ok, false);
    if (!syntax.ok) assert.match(formatPolicyProblem(syntax.problems[0]!), /^p\.yaml:\d+:\d+: \$: /);
  });
});

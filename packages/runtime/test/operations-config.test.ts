// The operations file on disk: where it is looked for, a missing file (the empty configuration), a
// broken one (every problem located), and secret references resolved without a value ever reaching a message.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { routeFor } from '@runledger/core';
import {
  describeError,
  EMPTY_OPERATIONS,
  heldSecretCount,
  holdSecrets,
  loadOperationsConfig,
  OperationsConfigError,
  operationsConfigPath,
  Redactor,
  REDACTION_MARK,
  resolveSecret,
  RuntimeError,
  secretRefsOf,
} from '../src/index.js';

const EXAMPLE = new URL('../../../examples/operations/operations.yaml', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'runledger-opsconfig-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sha = (b: string | Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function thrown(fn: () => unknown): RuntimeError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof RuntimeError, String(e));
    return e;
  }
  assert.fail('expected an error');
}

describe('operationsConfigPath', () => {
  it('--config wins over RUNLEDGER_CONFIG, which wins over <home>/operations.yaml; relative paths from cwd', () => {
    const env = { RUNLEDGER_CONFIG: 'env.yaml' };
    assert.equal(operationsConfigPath({ env, home: '/h', flag: 'flag.yaml', cwd: '/w' }), '/w/flag.yaml');
    assert.equal(operationsConfigPath({ env, home: '/h', cwd: '/w' }), '/w/env.yaml');
    assert.equal(operationsConfigPath({ env: {}, home: '/h', cwd: '/w' }), '/h/operations.yaml');
    assert.equal(operationsConfigPath({ env: { RUNLEDGER_CONFIG: '' }, home: 'data', cwd: '/w' }), '/w/data/operations.yaml', 'empty reads as unset');
    assert.equal(operationsConfigPath({ env: {}, home: '/h', flag: '/abs/o.yaml', cwd: '/w' }), '/abs/o.yaml');
  });
});

describe('loadOperationsConfig', () => {
  it('a missing file is the empty configuration: no receivers, default deadlines, the digest of no bytes', async () => {
    const r = await loadOperationsConfig(join(dir, 'nope.yaml'));
    assert.equal(r.exists, false);
    assert.equal(r.text, '');
    assert.equal(r.digest, sha(''));
    assert.equal(r.config, EMPTY_OPERATIONS);
    assert.deepEqual([r.config.integrations, r.config.receivers, r.config.schedules, r.config.escalationPolicies], [[], [], [], []]);
    assert.equal(r.config.rules.ackDeadlines['SEV-1'], 15 * 60_000);
    assert.throws(() => routeFor(r.config.route, { severity: 'critical' }), /root route needs a receiver/, 'nothing routes without a file');
  });

  it('the example: exists, its text and the digest of its bytes, a routable configuration', async () => {
    const path = EXAMPLE.pathname;
    const r = await loadOperationsConfig(path);
    assert.equal(r.exists, true);
    assert.equal(r.text, readFileSync(EXAMPLE, 'utf8'));
    assert.equal(r.digest, sha(readFileSync(EXAMPLE)));
    assert.match(r.digest, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(
      routeFor(r.config.route, { severity: 'high' }).map((m) => m.receiver),
      ['oncall-high'],
    );
  });

  it('a broken file throws OPERATIONS_CONFIG_INVALID listing every problem as file:line:col: $.path: message', async () => {
    const path = join(dir, 'broken.yaml');
    writeFileSync(
      path,
      [
        'receivers:',
        '  - name: team',
        '    webhook: { url: "https://hooks.example.test/x", secret: plain-secret-value }',
        'route:',
        '  receiver: nobody',
        '  groupBy: [alertname]',
        '  colour: blue',
        '',
      ].join('\n'),
    );
    const e = await loadOperationsConfig(path).then(
      () => assert.fail('should throw'),
      (x: unknown) => x,
    );
    assert.ok(e instanceof OperationsConfigError);
    assert.equal(e.code, 'OPERATIONS_CONFIG_INVALID');
    const lines = e.message.split('\n').slice(1);
    assert.equal(lines.length, 2, e.message);
    assert.equal(lines[0], `${path}:3:61: $.receivers[0].webhook.secret: a secret is a reference, env:NAME or file:/path, never the value itself`);
    assert.match(lines[1]!, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:11: \\$\\.route\\.colour: unknown key`));
    assert.doesNotMatch(e.message, /plain-secret-value/, 'a value written in place of a reference is never echoed');
    assert.deepEqual(
      e.problems.map((p) => [p.line, p.path]),
      [
        [3, '$.receivers[0].webhook.secret'],
        [7, '$.route.colour'],
      ],
    );
    assert.deepEqual(
      e.details?.map((d) => d.path),
      ['/receivers/0/webhook/secret', '/route/colour'],
    );
    const d = describeError(e);
    assert.deepEqual([d.code, d.exit, d.http], ['OPERATIONS_CONFIG_INVALID', 9, 500]);
  });

  it('references are checked once the shapes are right (an unknown receiver, at its line)', async () => {
    const path = join(dir, 'unknown-receiver.yaml');
    writeFileSync(path, 'receivers:\n  - name: team\n    chat: { url: "https://chat.example.test/hook" }\nroute:\n  receiver: nobody\n');
    await assert.rejects(loadOperationsConfig(path), (e: unknown) => {
      assert.ok(e instanceof OperationsConfigError);
      assert.equal(e.message.split('\n')[1], `${path}:5:13: $.route.receiver: no receiver named nobody`);
      return true;
    });
  });

  it('an unreadable path is IO_ERROR, not an empty configuration', async () => {
    await assert.rejects(loadOperationsConfig(dir), (e: unknown) => e instanceof RuntimeError && e.code === 'IO_ERROR' && e.message.includes(dir));
  });
});

describe('resolveSecret', () => {
  const VALUE = 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=';

  it('env:NAME reads the variable; unset or empty is OPERATIONS_SECRET_MISSING naming the reference', () => {
    assert.equal(resolveSecret({ env: 'HOOK_SECRET' }, { HOOK_SECRET: VALUE }), VALUE);
    for (const env of [{}, { HOOK_SECRET: '' }]) {
      const e = thrown(() => resolveSecret({ env: 'HOOK_SECRET' }, env));
      assert.equal(e.code, 'OPERATIONS_SECRET_MISSING');
      assert.match(e.message, /^secret env:HOOK_SECRET: the environment variable HOOK_SECRET is not set$/);
      assert.deepEqual([describeError(e).exit, describeError(e).http], [9, 500]);
    }
  });

  it('file:/path reads the file with one trailing newline trimmed; ~/ is $HOME; missing or empty is refused', () => {
    writeFileSync(join(dir, 'token'), `${VALUE}\n`);
    writeFileSync(join(dir, 'token-crlf'), `${VALUE}\r\n`);
    writeFileSync(join(dir, 'pem'), 'line one\nline two\n\n');
    writeFileSync(join(dir, 'empty'), '\n');
    assert.equal(resolveSecret({ file: join(dir, 'token') }, {}), VALUE);
    assert.equal(resolveSecret({ file: join(dir, 'token-crlf') }, {}), VALUE);
    assert.equal(resolveSecret({ file: join(dir, 'pem') }, {}), 'line one\nline two\n', 'only one newline goes');
    assert.equal(resolveSecret({ file: '~/token' }, { HOME: dir }), VALUE);
    const missing = thrown(() => resolveSecret({ file: join(dir, 'absent') }, {}));
    assert.equal(missing.code, 'OPERATIONS_SECRET_MISSING');
    assert.match(missing.message, /^secret file:\/.*absent: cannot read .*absent \(ENOENT\)$/);
    const empty = thrown(() => resolveSecret({ file: join(dir, 'empty') }, {}));
    assert.match(empty.message, /empty$/);
  });

  it('refuses control characters (other than tab and line breaks) without quoting the value', () => {
    const e = thrown(() => resolveSecret({ env: 'T' }, { T: `${VALUE}\u0000x` }));
    assert.equal(e.code, 'OPERATIONS_SECRET_MISSING');
    assert.match(e.message, /secret env:T contains the control character U\+0000/);
    assert.ok(!e.message.includes(VALUE));
    writeFileSync(join(dir, 'esc'), `${VALUE}\u001b[0m`);
    assert.match(thrown(() => resolveSecret({ file: join(dir, 'esc') }, {})).message, /U\+001B/);
    assert.equal(resolveSecret({ env: 'T' }, { T: `a\tb-value` }), 'a\tb-value', 'tabs are text');
  });

  it('a resolved value held in the registry is redacted; the example names four references', async () => {
    const before = heldSecretCount();
    const value = resolveSecret({ env: 'HOOK_SECRET' }, { HOOK_SECRET: VALUE });
    const release = holdSecrets([value]);
    assert.equal(heldSecretCount(), before + 1);
    assert.equal(new Redactor([value]).redact(`Authorization: Bearer ${value}`), `Authorization: Bearer ${REDACTION_MARK}`);
    release();
    assert.equal(heldSecretCount(), before);
    const refs = secretRefsOf((await loadOperationsConfig(EXAMPLE.pathname)).config);
    assert.deepEqual(
      refs.map((r) => [r.usedAt, r.ref]),
      [
        ['$.integrations[0].secret', { env: 'RUNLEDGER_AM_TOKEN' }],
        ['$.integrations[1].secret', { env: 'RUNLEDGER_EVENTS_ROUTING_KEY' }],
        ['$.receivers[3].webhook.secret', { env: 'RUNLEDGER_WEBHOOK_SECRET' }],
        ['$.receivers[3].webhook.previousSecret', { env: 'RUNLEDGER_WEBHOOK_SECRET_OLD' }],
      ],
    );
  });
});

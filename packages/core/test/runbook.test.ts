// Parsing a complete runbook: every section, step kind, attribute, input type, approvals, forbid rules
// and references, checked field by field against fixtures/full.md (written by hand for this test).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lintRunbook, parseRunbook, parseDuration, sectionKindOf, type Runbook, type Step } from '@runledger/core';

const FIXTURE = fileURLToPath(new URL('./fixtures/full.md', import.meta.url));
const SOURCE = readFileSync(FIXTURE, 'utf8');

function parsed(source = SOURCE, file = 'full.md'): Runbook {
  const r = parseRunbook(source, file);
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  return r.runbook;
}

function step(rb: Runbook, id: string): Step {
  const s = [...rb.steps, ...rb.rollback].find((x) => x.id === id);
  assert.ok(s, `no step ${id}`);
  return s;
}

describe('a full runbook round-trip', () => {
  const rb = parsed();

  test('parses with no diagnostics at all', () => {
    assert.deepEqual(lintRunbook(SOURCE, 'full.md'), []);
  });

  test('header fields', () => {
    assert.equal(rb.id, 'full-example');
    assert.equal(rb.title, 'Full example');
    assert.equal(rb.description, 'Every section, step kind and attribute of the runbook language.');
    assert.equal(rb.file, 'full.md');
    assert.equal(rb.contentHash, createHash('sha256').update(SOURCE, 'utf8').digest('hex'));
    assert.deepEqual(rb.environments, ['staging', 'production']);
    assert.equal(rb.lock, 'deploy-{{ env }}-{{ inputs.target }}');
    assert.equal(rb.timeoutMs, 15 * 60_000);
  });

  test('inputs of every type, with defaults and the required rule', () => {
    const strip = rb.inputs.map(({ span: _span, ...rest }) => rest);
    assert.deepEqual(strip, [
      { name: 'version', type: 'string', required: true, description: 'Version to deploy', pattern: '\\d+\\.\\d+\\.\\d+' },
      { name: 'replicas', type: 'integer', required: false, min: 1, max: 10, default: 2 },
      { name: 'dry-run', type: 'boolean', required: false, default: false },
      { name: 'target', type: 'enum', required: false, values: ['staging', 'production'], default: 'staging' },
      {
        name: 'api_token',
        type: 'secret',
        required: true,
        description: 'Deploy token',
        from: { env: 'DEPLOY_TOKEN', file: '/run/secrets/deploy_token', prompt: true },
      },
      { name: 'note', type: 'string', required: false },
    ]);
    assert.deepEqual(rb.inputs[0]?.span.start, { line: 6, column: 3, offset: SOURCE.indexOf('  version:') + 2 });
  });

  test('approvals in the mapping form, with the count shorthand', () => {
    assert.deepEqual(rb.approvals, [
      { environment: 'production', count: 2, roles: ['sre', 'release-manager'] },
      { environment: 'staging', count: 1, roles: [] },
    ]);
    const list = parsed(SOURCE.replace(/approvals:\n.*\n.*\n/, 'approvals:\n  - {environment: production, count: 3, roles: [sre]}\n  - environment: "*"\n'));
    assert.deepEqual(list.approvals, [
      { environment: 'production', count: 3, roles: ['sre'] },
      { environment: '*', count: 1, roles: [] },
    ]);
  });

  test('forbid rules from the front matter and from "What not to do" (escaped literals, reason = item text)', () => {
    assert.deepEqual(
      rb.forbid.map((f) => ({ pattern: f.pattern, reason: f.reason, source: f.source, at: `${f.span.start.line}:${f.span.start.column}` })),
      [
        { pattern: 'rm\\s+-rf\\s+/', reason: 'never delete from the root', source: 'front-matter', at: '34:5' },
        { pattern: 'docker compose down -v', reason: 'Do not run docker compose down -v: it destroys the volumes.', source: 'what-not-to-do', at: '105:14' },
        { pattern: 'DROP TABLE', reason: 'Never DROP TABLE on the ledger, nor kill -9 the writer.', source: 'what-not-to-do', at: '106:9' },
        { pattern: 'kill -9', reason: 'Never DROP TABLE on the ledger, nor kill -9 the writer.', source: 'what-not-to-do', at: '106:41' },
      ],
    );
    const special = parsed(SOURCE.replace('- Plain advice without code.', '- Never run `rm -rf /*.(x)` or `a|b`.'));
    const pats = special.forbid.filter((f) => f.source === 'what-not-to-do').map((f) => f.pattern);
    assert.deepEqual(pats.slice(3), ['rm -rf \\/\\*\\.\\(x\\)', 'a\\|b']);
    assert.ok(new RegExp(pats[3] ?? '').test('sudo rm -rf /*.(x)'));
    assert.ok(!new RegExp(pats[3] ?? '').test('rm -rf /tmp'));
  });

  test('sections in document order, with their Markdown kept', () => {
    assert.deepEqual(
      rb.sections.map((s) => [s.kind, s.title, s.depth, s.span.start.line, s.steps.map((x) => x.id)]),
      [
        ['prose', 'Full example', 1, 41, []],
        ['preconditions', 'Preconditions', 2, 45, ['current-version', 'db-up']],
        ['procedure', 'Procedure', 2, 55, ['deploy', 'notify', 'go-live', 'healthy']],
        ['verify', 'Verify', 2, 83, ['redis-ok', 'pg-ok', 'worker']],
        ['rollback', 'Rollback', 2, 97, ['roll-back']],
        ['what-not-to-do', 'What not to do', 2, 103, []],
        ['prose', 'Notes', 2, 109, []],
      ],
    );
    assert.equal(rb.sections[0]?.markdown, 'Intro prose with a [link](https://example.com).');
    assert.equal(rb.sections[6]?.markdown, '```text\ndocumentation only\n```');
    assert.deepEqual(rb.sections[6]?.span.end, { line: 113, column: 4, offset: SOURCE.trimEnd().length });
  });

  test('run order: preconditions, procedure, verify; rollback apart', () => {
    assert.deepEqual(
      rb.steps.map((s) => `${s.section}/${s.kind}/${s.id}`),
      [
        'preconditions/sh/current-version',
        'preconditions/check/db-up',
        'procedure/sh/deploy',
        'procedure/http/notify',
        'procedure/approve/go-live',
        'procedure/wait/healthy',
        'verify/check/redis-ok',
        'verify/check/pg-ok',
        'verify/check/worker',
      ],
    );
    assert.deepEqual(
      rb.rollback.map((s) => `${s.section}/${s.kind}/${s.id}`),
      ['rollback/sh/roll-back'],
    );
  });

  test('sh steps: script as written, attributes and defaults', () => {
    const cv = step(rb, 'current-version');
    assert.equal(cv.kind, 'sh');
    assert.deepEqual(
      { capture: cv.capture, timeoutMs: cv.timeoutMs, retries: cv.retries, backoffMs: cv.backoffMs, onFail: cv.onFail, attrs: cv.attrs, bodyLine: cv.bodyLine },
      {
        capture: true,
        timeoutMs: 5000,
        retries: 0,
        backoffMs: 1000,
        onFail: 'stop',
        attrs: { id: 'current-version', capture: '', timeout: '5s' },
        bodyLine: 48,
      },
    );
    assert.deepEqual(cv.span.start, { line: 47, column: 1, offset: SOURCE.indexOf('```sh {#current-version') });
    assert.equal(cv.span.end.line, 49);
    const d = step(rb, 'deploy');
    assert.ok(d.kind === 'sh');
    assert.equal(
      d.script,
      'echo "deploying {{ inputs.version }} x{{ inputs.replicas }} to {{ env }} (run {{ run.id }})"\n./deploy.sh --from "{{ steps.current-version.output }}" --token-env RL_INPUT_API_TOKEN',
    );
    assert.equal(d.body, d.script);
    assert.deepEqual({ t: d.timeoutMs, r: d.retries, b: d.backoffMs, f: d.onFail, c: d.capture }, { t: 30_000, r: 2, b: 500, f: 'stop', c: false });
  });

  test('http step: request line, headers, body and expectations', () => {
    const s = step(rb, 'notify');
    assert.ok(s.kind === 'http');
    assert.equal(s.method, 'POST');
    assert.equal(s.url, 'https://hooks.example.com/deploy?v={{ inputs.version }}');
    assert.deepEqual(s.headers, { Authorization: 'Bearer {{ inputs.api_token }}', 'Content-Type': 'application/json' });
    assert.equal(s.requestBody, '{"version": "{{ inputs.version }}", "env": "{{ env }}"}');
    assert.deepEqual(s.expectStatus, [200, 204]);
    assert.equal(s.expectBodyContains, 'queued');
    assert.equal(s.capture, true);
  });

  test('approve step: text and per-step quorum', () => {
    const s = step(rb, 'go-live');
    assert.ok(s.kind === 'approve');
    assert.equal(s.text, 'Switch traffic to **{{ inputs.version }}**.');
    assert.deepEqual(s.approvals, { count: 2, roles: ['sre', 'release-manager'] });
  });

  test('wait and check steps carry ProbeSpecs', () => {
    const w = step(rb, 'healthy');
    assert.ok(w.kind === 'wait');
    assert.equal(w.intervalMs, 2000);
    assert.equal(w.timeoutMs, 60_000);
    assert.deepEqual(w.probe, {
      kind: 'http',
      url: 'http://127.0.0.1:7390/health',
      headers: { 'X-Run': '{{ run.id }}' },
      expectStatus: [200],
      expectBodyContains: 'ok',
      expectJson: { status: 'ok', 'checks.db': 'pass' },
    });
    const probes = ['db-up', 'redis-ok', 'pg-ok', 'worker'].map((id) => {
      const s = step(rb, id);
      assert.ok(s.kind === 'check');
      return s.probe;
    });
    assert.deepEqual(probes, [
      { kind: 'tcp', host: '127.0.0.1', port: 5432, timeoutMs: 2000 },
      { kind: 'redis', host: '127.0.0.1', port: 6379, command: 'PING', expectReply: 'PONG' },
      { kind: 'postgres', url: 'postgres://app@127.0.0.1/app', query: 'SELECT 1' },
      { kind: 'command', run: 'test -n "{{ steps.notify.output }}" && echo present', expectExit: 0, expectStdoutContains: 'present' },
    ]);
    assert.equal(step(rb, 'redis-ok').onFail, 'continue');
  });

  test('the Runbook is deep-frozen', () => {
    assert.ok(Object.isFrozen(rb));
    assert.ok(Object.isFrozen(rb.steps));
    assert.ok(Object.isFrozen(rb.steps[0]));
    assert.ok(Object.isFrozen(rb.steps[0]?.attrs));
    assert.ok(Object.isFrozen(rb.inputs[0]?.span.start));
    assert.ok(Object.isFrozen(rb.sections[2]?.steps));
    const w = step(rb, 'healthy');
    assert.ok(w.kind === 'wait');
    const probe = w.probe;
    assert.ok(probe.kind === 'http');
    assert.ok(Object.isFrozen(probe.expectJson));
    assert.throws(() => {
      (rb as { id: string }).id = 'other';
    }, TypeError);
    assert.throws(() => {
      (rb.steps as Step[]).push(rb.steps[0] as Step);
    }, TypeError);
    assert.throws(() => {
      (probe.expectStatus as number[])[0] = 500;
    }, TypeError);
  });

  test('contentHash changes with one byte', () => {
    const other = parsed(SOURCE.replace('Intro prose', 'intro prose'));
    assert.notEqual(other.contentHash, rb.contentHash);
    assert.equal(other.contentHash, createHash('sha256').update(SOURCE.replace('Intro prose', 'intro prose'), 'utf8').digest('hex'));
    assert.equal(parsed(`${SOURCE} `).contentHash === rb.contentHash, false);
    assert.equal(parsed(SOURCE).contentHash, rb.contentHash);
  });
});

describe('language details', () => {
  const head = '---\nid: t\n---\n';

  test('section names: aliases, any depth, case and spacing; deeper other headings stay inside', () => {
    assert.equal(sectionKindOf('  STEPS '), 'procedure');
    assert.equal(sectionKindOf('Verification:'), 'verify');
    assert.equal(sectionKindOf('Safe   Actions'), 'rollback');
    assert.equal(sectionKindOf('what not to do'), 'what-not-to-do');
    assert.equal(sectionKindOf('Procedures'), 'prose');
    // A known heading opens its section at any depth; a shallower-or-equal other heading closes it.
    const rb = parsed(`${head}## Start\ntext\n#### steps\n\`\`\`sh {#drain}\ntrue\n\`\`\`\n## Safe actions\n\`\`\`sh {#undo}\ntrue\n\`\`\`\n`);
    assert.deepEqual(
      rb.sections.map((s) => [s.kind, s.title, s.depth]),
      [
        ['prose', 'Start', 2],
        ['procedure', 'steps', 4],
        ['rollback', 'Safe actions', 2],
      ],
    );
    assert.deepEqual(
      rb.steps.map((s) => s.id),
      ['drain'],
    );
    assert.deepEqual(
      rb.rollback.map((s) => s.id),
      ['undo'],
    );
    // A sibling heading after a deep known section is prose again: a step there is refused.
    const r = parseRunbook(`${head}## Procedure\n\`\`\`sh {#a}\ntrue\n\`\`\`\n## Appendix\n\`\`\`sh {#b}\ntrue\n\`\`\`\n`, 'x.md');
    assert.deepEqual(
      r.diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`),
      ['9:1 RB_STEP_IN_PROSE'],
    );
  });

  test('a step under a sub-heading of Procedure belongs to Procedure', () => {
    const rb = parsed(`${head}## Procedure\n### 1. Drain\n\`\`\`sh {#drain}\ntrue\n\`\`\`\n### 2. Stop\n\`\`\`sh {#stop}\ntrue\n\`\`\`\n## Notes\ntext\n`);
    assert.deepEqual(
      rb.sections.map((s) => [s.kind, s.title]),
      [
        ['procedure', 'Procedure'],
        ['prose', 'Notes'],
      ],
    );
    assert.deepEqual(
      rb.steps.map((s) => `${s.section}/${s.id}`),
      ['procedure/drain', 'procedure/stop'],
    );
    assert.match(rb.sections[0]?.markdown ?? '', /^### 1\. Drain\n```sh \{#drain\}/);
  });

  test('steps inside list items and block quotes; tilde fences; quoted attribute values', () => {
    const rb = parsed(
      `${head}## Steps\n\n1. First\n\n   ~~~sh {#one expect-body="a b"}\n   true\n   ~~~\n`
        .replace('sh {#one expect-body="a b"}', 'http {#one expect-body="a \\"b\\"" expect=204}')
        .replace('   true', '   DELETE http://x/y'),
    );
    const s = rb.steps[0];
    assert.ok(s?.kind === 'http');
    assert.equal(s.expectBodyContains, 'a "b"');
    assert.deepEqual(s.expectStatus, [204]);
    assert.equal(s.method, 'DELETE');
  });

  test('the title falls back to the first H1, then to the id', () => {
    assert.equal(parsed(`${head}# From heading\n## Procedure\n\`\`\`sh {#a}\ntrue\n\`\`\`\n`).title, 'From heading');
    assert.equal(parsed(`${head}## Procedure\n\`\`\`sh {#a}\ntrue\n\`\`\`\n`).title, 't');
  });

  test('wait defaults: interval 1s; approve without attributes has no per-step quorum', () => {
    const rb = parsed(
      `${head}## Procedure\n\`\`\`wait {#w timeout=5s}\ncommand: ./ready.sh\n\`\`\`\n\`\`\`approve {#a}\nGo?\n\`\`\`\n\`\`\`approve {#b roles=sre}\nGo?\n\`\`\`\n`,
    );
    const [w, a, b] = rb.steps;
    assert.ok(w?.kind === 'wait' && a?.kind === 'approve' && b?.kind === 'approve');
    assert.equal(w.intervalMs, 1000);
    assert.deepEqual(w.probe, { kind: 'command', run: './ready.sh' });
    assert.equal(a.approvals, undefined);
    assert.deepEqual(b.approvals, { count: 1, roles: ['sre'] });
  });

  test('parseDuration', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration(' 2s '), 2000);
    for (const bad of ['', '30', 's', '5 m', '1d', '-1s', '1s2', 'ms']) assert.equal(parseDuration(bad), undefined, bad);
  });

  test('a runbook with errors gives no Runbook, and its diagnostics are frozen too', () => {
    const r = parseRunbook(`${head}## Procedure\n\`\`\`sh {#a nope}\ntrue\n\`\`\`\n`, 'x.md');
    assert.equal(r.ok, false);
    assert.ok(!('runbook' in r));
    assert.ok(Object.isFrozen(r.diagnostics) && Object.isFrozen(r.diagnostics[0]));
  });
});

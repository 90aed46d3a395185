// References and rendering: scripts get ${RL_…} variables and never a value; data gets values, and
// displays get secrets masked.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  envForStep,
  inputEnvName,
  parseRunbook,
  renderProbe,
  renderStep,
  renderTemplate,
  SECRET_MASK,
  stepOutputEnvName,
  TemplateError,
  templateRefs,
  type Runbook,
  type TemplateContext,
} from '@runledger/core';

const SECRET = 's3cr3t-Value';
const ctx: TemplateContext = {
  inputs: { version: '1.2.3', replicas: 3, 'dry-run': false, api_token: SECRET },
  secretNames: ['api_token'],
  steps: { 'current-version': '1.2.2\n', notify: '{"queued":true}' },
  env: 'production',
  runId: 'run-42',
};

describe('templateRefs', () => {
  test('finds each reference with its kind, name and position', () => {
    const refs = templateRefs('a {{ inputs.x }}\nb {{steps.s-1.output}} {{ env }}{{ run.id }} {{ what.ever }}');
    assert.deepEqual(
      refs.map((r) => [r.expr, r.kind, r.name ?? null, r.line, r.column, r.offset, r.length]),
      [
        ['inputs.x', 'input', 'x', 1, 3, 2, 14],
        ['steps.s-1.output', 'step-output', 's-1', 2, 3, 19, 20],
        ['env', 'env', null, 2, 24, 40, 9],
        ['run.id', 'run-id', null, 2, 33, 49, 12],
        ['what.ever', 'unknown', null, 2, 46, 62, 15],
      ],
    );
  });

  test('leaves Go templates and unbalanced braces alone', () => {
    assert.deepEqual(templateRefs("docker inspect -f '{{.State.Status}}' {{ json . }} {{ inputs.x }"), []);
  });
});

describe('renderTemplate', () => {
  const text =
    'deploy {{ inputs.version }} x{{inputs.replicas}} dry={{ inputs.dry-run }} token={{ inputs.api_token }} from={{ steps.current-version.output }} env={{ env }} run={{ run.id }}';

  test("'shell' mode turns every reference into an environment variable and splices no value", () => {
    const out = renderTemplate(text, ctx, 'shell');
    assert.equal(
      out,
      'deploy ${RL_INPUT_VERSION} x${RL_INPUT_REPLICAS} dry=${RL_INPUT_DRY_RUN} token=${RL_INPUT_API_TOKEN} from=${RL_STEP_CURRENT_VERSION_OUTPUT} env=${RL_ENV} run=${RL_RUN_ID}',
    );
    assert.ok(!out.includes(SECRET) && !out.includes('1.2.3'));
  });

  test("'text' mode substitutes values (captured output without its trailing newline)", () => {
    assert.equal(renderTemplate(text, ctx, 'text'), `deploy 1.2.3 x3 dry=false token=${SECRET} from=1.2.2 env=production run=run-42`);
  });

  test("'text' mode with mask shows secrets as ${SECRET_MASK}", () => {
    const out = renderTemplate(text, ctx, 'text', { mask: true });
    assert.equal(out, `deploy 1.2.3 x3 dry=false token=${SECRET_MASK} from=1.2.2 env=production run=run-42`);
    assert.ok(!out.includes(SECRET));
    assert.equal(SECRET_MASK, '••••••');
  });

  test('missing values render empty in text mode; text without references is returned as is', () => {
    assert.equal(renderTemplate('[{{ inputs.note }}][{{ steps.none.output }}]', { inputs: {} }, 'text'), '[][]');
    assert.equal(renderTemplate('[{{ env }}][{{ run.id }}]', { inputs: {} }, 'text'), '[][]');
    assert.equal(renderTemplate('no refs {{.X}}', ctx, 'shell'), 'no refs {{.X}}');
  });

  test('an unknown reference throws TemplateError', () => {
    assert.throws(
      () => renderTemplate('{{ foo }}', ctx, 'text'),
      (e: unknown) => e instanceof TemplateError && e.code === 'RB_TEMPLATE_UNKNOWN_REF',
    );
    assert.throws(() => renderTemplate('{{ steps.a }}', ctx, 'shell'), TemplateError);
  });
});

describe('envForStep', () => {
  test('every input, every captured output, the environment and the run id', () => {
    assert.deepEqual(envForStep(ctx), {
      RL_INPUT_VERSION: '1.2.3',
      RL_INPUT_REPLICAS: '3',
      RL_INPUT_DRY_RUN: 'false',
      RL_INPUT_API_TOKEN: SECRET,
      RL_STEP_CURRENT_VERSION_OUTPUT: '1.2.2',
      RL_STEP_NOTIFY_OUTPUT: '{"queued":true}',
      RL_ENV: 'production',
      RL_RUN_ID: 'run-42',
    });
    assert.deepEqual(envForStep({ inputs: {} }), { RL_ENV: '', RL_RUN_ID: '' });
    assert.equal(inputEnvName('demo.home-dir'), 'RL_INPUT_DEMO_HOME_DIR');
    assert.equal(stepOutputEnvName('a-b_c'), 'RL_STEP_A_B_C_OUTPUT');
  });

  test('a rendered script run with envForStep sees the values (checked with a real shell)', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = renderTemplate('printf "%s|%s|%s" "{{ inputs.version }}" "{{ inputs.api_token }}" "{{ steps.current-version.output }}"', ctx, 'shell');
    const out = execFileSync('sh', ['-c', script], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...envForStep(ctx) } }).toString();
    assert.equal(out, `1.2.3|${SECRET}|1.2.2`);
    // A value that would be an injection if spliced stays inert data.
    const evil: TemplateContext = { inputs: { x: '"; echo pwned; "' } };
    const out2 = execFileSync('sh', ['-c', renderTemplate('printf "%s" "{{ inputs.x }}"', evil, 'shell')], { env: { ...envForStep(evil) } }).toString();
    assert.equal(out2, '"; echo pwned; "');
  });
});

describe('renderStep and renderProbe', () => {
  const source = readFileSync(fileURLToPath(new URL('./fixtures/full.md', import.meta.url)), 'utf8');
  const r = parseRunbook(source, 'full.md');
  assert.ok(r.ok);
  const rb: Runbook = r.runbook;
  const byId = (id: string) => [...rb.steps, ...rb.rollback].find((s) => s.id === id)!;

  test('sh: always shell mode, masked or not', () => {
    const a = renderStep(byId('deploy'), ctx);
    const b = renderStep(byId('deploy'), ctx, { mask: true });
    assert.deepEqual(a, b);
    assert.deepEqual(a, {
      kind: 'sh',
      script:
        'echo "deploying ${RL_INPUT_VERSION} x${RL_INPUT_REPLICAS} to ${RL_ENV} (run ${RL_RUN_ID})"\n./deploy.sh --from "${RL_STEP_CURRENT_VERSION_OUTPUT}" --token-env RL_INPUT_API_TOKEN',
    });
  });

  test('http: values in URL, headers and body; masked for display', () => {
    assert.deepEqual(renderStep(byId('notify'), ctx), {
      kind: 'http',
      method: 'POST',
      url: 'https://hooks.example.com/deploy?v=1.2.3',
      headers: { Authorization: `Bearer ${SECRET}`, 'Content-Type': 'application/json' },
      body: '{"version": "1.2.3", "env": "production"}',
    });
    const shown = renderStep(byId('notify'), ctx, { mask: true });
    assert.ok(shown.kind === 'http');
    assert.equal(shown.headers['Authorization'], `Bearer ${SECRET_MASK}`);
    assert.ok(!JSON.stringify(shown).includes(SECRET));
  });

  test('approve text and probes', () => {
    assert.deepEqual(renderStep(byId('go-live'), ctx), { kind: 'approve', text: 'Switch traffic to **1.2.3**.' });
    const w = renderStep(byId('healthy'), ctx);
    assert.ok(w.kind === 'wait' && w.probe.kind === 'http');
    assert.deepEqual(w.probe.headers, { 'X-Run': 'run-42' });
    // command probes are scripts: shell mode.
    const c = renderStep(byId('worker'), ctx);
    assert.deepEqual(c, {
      kind: 'check',
      probe: { kind: 'command', run: 'test -n "${RL_STEP_NOTIFY_OUTPUT}" && echo present', expectExit: 0, expectStdoutContains: 'present' },
    });
    assert.deepEqual(
      renderProbe(
        { kind: 'http', url: 'http://h/{{ inputs.version }}', expectJson: { version: '{{ inputs.version }}', n: 1, deep: { list: ['{{ env }}'] } } },
        ctx,
      ),
      { kind: 'http', url: 'http://h/1.2.3', expectJson: { version: '1.2.3', n: 1, deep: { list: ['production'] } } },
    );
    assert.deepEqual(renderProbe({ kind: 'postgres', url: 'postgres://u:{{ inputs.api_token }}@h/db' }, ctx, { mask: true }), {
      kind: 'postgres',
      url: `postgres://u:${SECRET_MASK}@h/db`,
    });
    assert.deepEqual(renderProbe({ kind: 'redis', host: '{{ env }}.cache', port: 6379, command: 'PING' }, ctx), {
      kind: 'redis',
      host: 'production.cache',
      port: 6379,
      command: 'PING',
    });
    assert.deepEqual(renderProbe({ kind: 'tcp', host: 'db-{{ env }}', port: 5432 }, ctx), { kind: 'tcp', host: 'db-production', port: 5432 });
  });
});

describe('values templated into a URL are percent-encoded after the origin', () => {
  const hostile = 'a/b?c=1&d#e f%';
  const uctx: TemplateContext = {
    inputs: { base: 'http://127.0.0.1:7390', host: '127.0.0.1', port: 7390, id: hostile, token: SECRET },
    secretNames: ['token'],
    steps: { prev: `${hostile}\n` },
    env: 'prod/eu?x',
    runId: 'run#1',
  };

  test('every kind of reference (input, step output, env, run id) in the path and the query', () => {
    const url = renderTemplate('{{ inputs.base }}/items/{{ inputs.id }}/{{ steps.prev.output }}/{{ env }}?run={{ run.id }}&q={{ inputs.id }}', uctx, 'url');
    const enc = encodeURIComponent(hostile);
    assert.equal(url, `http://127.0.0.1:7390/items/${enc}/${enc}/${encodeURIComponent('prod/eu?x')}?run=run%231&q=${enc}`);
    const u = new URL(url);
    assert.equal(u.pathname.split('/').length, 5, 'no value added a path segment');
    assert.deepEqual([...u.searchParams.keys()], ['run', 'q'], 'no value added a query parameter');
    assert.equal(u.searchParams.get('q'), hostile);
    assert.equal(u.hash, '', 'no value added a fragment');
  });

  test('a reference that forms the origin (scheme://host:port) is placed as is', () => {
    assert.equal(
      renderTemplate('http://{{ inputs.host }}:{{ inputs.port }}/x/{{ inputs.id }}', uctx, 'url'),
      `http://127.0.0.1:7390/x/${encodeURIComponent(hostile)}`,
    );
  });

  test('text mode is unchanged; a masked secret stays masked', () => {
    assert.equal(renderTemplate('/x/{{ inputs.id }}', uctx, 'text'), `/x/${hostile}`);
    assert.equal(renderTemplate('{{ inputs.base }}/t/{{ inputs.token }}', uctx, 'url', { mask: true }), `http://127.0.0.1:7390/t/${SECRET_MASK}`);
  });

  test('http steps and http probes render their URL in url mode', () => {
    const rb = parseRunbook(
      '---\nid: u\ntitle: U\ninputs:\n  id:\n    type: string\n---\n\n# U\n\n## Procedure\n\n```http {#get}\nGET http://127.0.0.1:1/items/{{ inputs.id }}\n```\n\n```check {#probe}\nhttp:\n  url: http://127.0.0.1:1/items/{{ inputs.id }}\n```\n',
      'u.md',
    );
    assert.ok(rb.ok, JSON.stringify(!rb.ok && rb.diagnostics));
    const steps = (rb as { runbook: Runbook }).runbook.steps;
    const get = renderStep(steps[0]!, uctx);
    assert.equal(get.kind === 'http' && get.url, `http://127.0.0.1:1/items/${encodeURIComponent(hostile)}`);
    const probe = steps[1]!;
    assert.ok(probe.kind === 'check');
    const p = renderProbe(probe.probe, uctx);
    assert.equal(p.kind === 'http' && p.url, `http://127.0.0.1:1/items/${encodeURIComponent(hostile)}`);
  });
});

// Every diagnostic code of the runbook language, each at its exact line:column. The sources are built
// line by line so the expected positions can be read off the arrays (line n is element n-1).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDiagnostic, lintRunbook, parseRunbook, RUNBOOK_DIAGNOSTICS, type Diagnostic } from '@runledger/core';

const FILE = 'books/t.md';
const src = (...lines: string[]): string => `${lines.join('\n')}\n`;
/** Front matter on lines 1-3 (`id: t` on line 2), a title on line 5, a Procedure heading on line 7; content from line 9. */
const proc = (...lines: string[]): string => src('---', 'id: t', '---', '', '# T', '', '## Procedure', '', ...lines);

function find(source: string, code: string): Diagnostic {
  const ds = lintRunbook(source, FILE);
  const d = ds.find((x) => x.code === code);
  assert.ok(d, `expected ${code}, got:\n${ds.map(formatDiagnostic).join('\n')}`);
  return d;
}

function expectAt(source: string, code: string, line: number, column: number, messageIncludes?: string): Diagnostic {
  const d = find(source, code);
  assert.deepEqual({ line: d.line, column: d.column }, { line, column }, formatDiagnostic(d));
  assert.equal(d.file, FILE);
  assert.equal(d.severity, RUNBOOK_DIAGNOSTICS[code as keyof typeof RUNBOOK_DIAGNOSTICS].severity);
  if (messageIncludes !== undefined) assert.ok(d.message.includes(messageIncludes), `message: ${d.message}`);
  return d;
}

const STEP = ['```sh {#ok}', 'true', '```'];

describe('front matter diagnostics', () => {
  test('RB_FRONTMATTER_MISSING at 1:1', () => {
    const s = src('# T', '', '## Procedure', '', ...STEP);
    expectAt(s, 'RB_FRONTMATTER_MISSING', 1, 1, '---');
    assert.equal(parseRunbook(s, FILE).ok, false);
  });

  test('RB_YAML_SYNTAX maps the YAML parser position into the file', () => {
    // The duplicate `id` key is on file line 3, column 1.
    expectAt(src('---', 'id: t', 'id: u', '---', ...STEP), 'RB_YAML_SYNTAX', 3, 1, 'unique');
    // A flow sequence never closed: the parser stops at the start of the next key's line.
    const d = find(src('---', 'id: t', 'title: x', 'environments: [a, b', 'lock: z', '---'), 'RB_YAML_SYNTAX');
    assert.ok(d.line >= 4 && d.line <= 6, formatDiagnostic(d));
  });

  test('RB_FRONTMATTER_TYPE when the front matter is a list', () => {
    expectAt(src('---', '- a', '- b', '---'), 'RB_FRONTMATTER_TYPE', 2, 1, 'mapping');
  });

  test('RB_FIELD_UNKNOWN points at the key; x- keys are free', () => {
    expectAt(src('---', 'id: t', 'timout: 5m', '---'), 'RB_FIELD_UNKNOWN', 3, 1, '`timout`');
    assert.equal(lintRunbook(proc(...STEP).replace('id: t', 'id: t\nx-owner: sre'), FILE).length, 0);
  });

  test('RB_FIELD_TYPE points at the value', () => {
    expectAt(src('---', 'id: t', 'title: [a, b]', '---'), 'RB_FIELD_TYPE', 3, 8, 'title must be a string');
  });

  test('RB_FIELD_REQUIRED for a forbid rule without a reason', () => {
    expectAt(src('---', 'id: t', 'forbid:', '  - pattern: x', '---'), 'RB_FIELD_REQUIRED', 4, 5, 'reason');
  });

  test('RB_FIELD_DUPLICATE for an environment listed twice', () => {
    expectAt(src('---', 'id: t', 'environments: [a, a]', '---'), 'RB_FIELD_DUPLICATE', 3, 19, 'environment a');
  });

  test('RB_ID_MISSING and RB_ID_INVALID', () => {
    expectAt(src('---', 'title: x', '---'), 'RB_ID_MISSING', 2, 1);
    expectAt(src('---', 'id: Bad_Id', '---'), 'RB_ID_INVALID', 2, 5, '[a-z0-9][a-z0-9-]*');
  });

  test('RB_DURATION_INVALID names the missing unit', () => {
    expectAt(src('---', 'id: t', 'timeout: 30', '---'), 'RB_DURATION_INVALID', 3, 10, 'no unit');
  });

  test('RB_REGEX_INVALID for a forbid pattern and an input pattern', () => {
    expectAt(src('---', 'id: t', 'forbid:', "  - pattern: '('", '    reason: r', '---'), 'RB_REGEX_INVALID', 4, 14);
    expectAt(src('---', 'id: t', 'inputs:', "  v: {type: string, pattern: '[a-'}", '---'), 'RB_REGEX_INVALID', 4, 30);
  });

  test('RB_INPUT_NAME_INVALID', () => {
    expectAt(src('---', 'id: t', 'inputs:', '  9lives: {type: string}', '---'), 'RB_INPUT_NAME_INVALID', 4, 3);
  });

  test('RB_INPUT_TYPE_UNKNOWN', () => {
    expectAt(src('---', 'id: t', 'inputs:', '  x: {type: float}', '---'), 'RB_INPUT_TYPE_UNKNOWN', 4, 13, 'string, integer, boolean, enum, secret');
  });

  test('RB_INPUT_FIELD_NOT_APPLICABLE', () => {
    expectAt(
      src('---', 'id: t', 'inputs:', '  n: {type: integer, pattern: x}', '---'),
      'RB_INPUT_FIELD_NOT_APPLICABLE',
      4,
      22,
      '`pattern` applies to string inputs only',
    );
  });

  test('RB_INPUT_DEFAULT_INVALID', () => {
    expectAt(src('---', 'id: t', 'inputs:', '  n: {type: integer, max: 5, default: 9}', '---'), 'RB_INPUT_DEFAULT_INVALID', 4, 39, 'must be at most 5');
    expectAt(src('---', 'id: t', 'inputs:', "  v: {type: string, pattern: '\\d+', default: abc}", '---'), 'RB_INPUT_DEFAULT_INVALID', 4, 46, 'must match');
  });

  test('RB_INPUT_BOUNDS', () => {
    expectAt(src('---', 'id: t', 'inputs:', '  n: {type: integer, min: 5, max: 1}', '---'), 'RB_INPUT_BOUNDS', 4, 27);
  });

  test('RB_INPUT_ENUM_VALUES for a repeated value and for no values', () => {
    expectAt(src('---', 'id: t', 'inputs:', '  e: {type: enum, values: [a, a]}', '---'), 'RB_INPUT_ENUM_VALUES', 4, 31);
    expectAt(src('---', 'id: t', 'inputs:', '  e: {type: enum}', '---'), 'RB_INPUT_ENUM_VALUES', 4, 3);
  });

  test('RB_SECRET_DEFAULT points at the default key', () => {
    expectAt(src('---', 'id: t', 'inputs:', '  s: {type: secret, default: x}', '---'), 'RB_SECRET_DEFAULT', 4, 21);
  });

  test('RB_ENV_NAME_COLLISION for inputs and for captured steps', () => {
    expectAt(src('---', 'id: t', 'inputs:', '  a-b: {type: string}', '  a_b: {type: string}', '---'), 'RB_ENV_NAME_COLLISION', 5, 3, 'RL_INPUT_A_B');
    expectAt(proc('```sh {#a-b capture}', 'x', '```', '', '```sh {#a_b capture}', 'y', '```'), 'RB_ENV_NAME_COLLISION', 13, 9, 'RL_STEP_A_B_OUTPUT');
  });

  test('RB_APPROVAL_ENV_UNKNOWN and RB_APPROVAL_COUNT', () => {
    expectAt(src('---', 'id: t', 'environments: [staging]', 'approvals:', '  prod: 2', '---'), 'RB_APPROVAL_ENV_UNKNOWN', 5, 3, 'staging');
    expectAt(src('---', 'id: t', 'approvals:', "  '*': 0", '---'), 'RB_APPROVAL_COUNT', 4, 8);
    expectAt(src('---', 'id: t', 'approvals:', '  - {environment: prod, count: 1.5}', '---'), 'RB_APPROVAL_COUNT', 4, 32);
  });
});

describe('section and step diagnostics', () => {
  test('RB_SECTION_DUPLICATE (warning) at the second heading', () => {
    expectAt(proc(...STEP, '', '## Procedure', '', '```sh {#ok2}', 'true', '```'), 'RB_SECTION_DUPLICATE', 13, 1);
  });

  test('RB_NO_STEPS (warning) on the line after the front matter', () => {
    const s = src('---', 'id: t', '---', '', '# Only prose');
    expectAt(s, 'RB_NO_STEPS', 4, 1);
    assert.equal(parseRunbook(s, FILE).ok, true, 'a warning does not fail the parse');
  });

  test('RB_FENCE_NOT_STEP (warning) at the fence, top level and inside a list item', () => {
    expectAt(proc('```sh', 'echo documentation', '```', ...STEP), 'RB_FENCE_NOT_STEP', 9, 1, '{#step-id}');
    expectAt(proc('1. Drain', '', '   ```sh', '   echo documentation', '   ```', '', ...STEP), 'RB_FENCE_NOT_STEP', 11, 4);
    // Outside an executable section a plain fence is just documentation: no warning.
    const ds = lintRunbook(proc(...STEP, '', '## Notes', '', '```text', 'x', '```'), FILE);
    assert.deepEqual(ds, []);
  });

  test('RB_STEP_IN_PROSE, including "What not to do"', () => {
    expectAt(proc(...STEP, '', '## Notes', '', '```sh {#a}', 'true', '```'), 'RB_STEP_IN_PROSE', 15, 1, 'Notes');
    expectAt(proc(...STEP, '', '## What not to do', '', '```sh {#a}', 'true', '```'), 'RB_STEP_IN_PROSE', 15, 1);
  });

  test('RB_STEP_KIND_UNKNOWN at the language word', () => {
    expectAt(proc('```bash {#a}', 'true', '```'), 'RB_STEP_KIND_UNKNOWN', 9, 4, 'shell scripts are `sh`');
    expectAt(proc('``` {#a}', 'true', '```'), 'RB_STEP_KIND_UNKNOWN', 9, 5);
  });

  test('RB_STEP_ID_MISSING (warning) at the attribute block, and the generated id', () => {
    const s = proc(...STEP, '', '```sh {timeout=5s}', 'true', '```');
    expectAt(s, 'RB_STEP_ID_MISSING', 13, 7, 'procedure-2');
    const r = parseRunbook(s, FILE);
    assert.ok(r.ok);
    assert.deepEqual(
      r.runbook.steps.map((x) => x.id),
      ['ok', 'procedure-2'],
    );
  });

  test('RB_STEP_ID_INVALID at the id', () => {
    expectAt(proc('```sh {#Bad}', 'true', '```'), 'RB_STEP_ID_INVALID', 9, 9);
    expectAt(proc('```sh {id=-x}', 'true', '```'), 'RB_STEP_ID_INVALID', 9, 11);
  });

  test('RB_STEP_ID_DUPLICATE at the second id', () => {
    expectAt(proc(...STEP, '', '## Verify', '', '```sh {timeout=1s #ok}', 'true', '```'), 'RB_STEP_ID_DUPLICATE', 15, 20, 'line 9');
  });

  test('RB_STEP_BODY_EMPTY at the fence', () => {
    expectAt(proc('```sh {#a}', '```'), 'RB_STEP_BODY_EMPTY', 9, 1);
    expectAt(proc('```approve {#a}', '   ', '```'), 'RB_STEP_BODY_EMPTY', 9, 1, 'what the approvers are approving');
  });

  test('RB_ATTR_SYNTAX', () => {
    expectAt(proc('```sh {#a timeout=5s', 'true', '```'), 'RB_ATTR_SYNTAX', 9, 7, 'not closed');
    expectAt(proc('```sh {#a} trailing', 'true', '```'), 'RB_ATTR_SYNTAX', 9, 12, 'trailing');
    expectAt(proc('```sh {#a expect-body="x}', 'true', '```'), 'RB_ATTR_SYNTAX', 9, 23);
    expectAt(proc('```sh {#a =5}', 'true', '```'), 'RB_ATTR_SYNTAX', 9, 11);
  });

  test('RB_ATTR_UNKNOWN at the attribute', () => {
    expectAt(proc('```sh {#a colour=red}', 'true', '```'), 'RB_ATTR_UNKNOWN', 9, 11, 'on-fail');
    expectAt(proc('```sh {#a .cls}', 'true', '```'), 'RB_ATTR_UNKNOWN', 9, 11);
  });

  test('RB_ATTR_DUPLICATE (`#a` and `id=` are one attribute)', () => {
    expectAt(proc('```sh {#a id=b}', 'true', '```'), 'RB_ATTR_DUPLICATE', 9, 11);
    expectAt(proc('```sh {#a retries=1 retries=2}', 'true', '```'), 'RB_ATTR_DUPLICATE', 9, 21);
  });

  test('RB_ATTR_VALUE at the value', () => {
    expectAt(proc('```sh {#a timeout=30x}', 'true', '```'), 'RB_ATTR_VALUE', 9, 19, '30s');
    expectAt(proc('```sh {#a retries=-1}', 'true', '```'), 'RB_ATTR_VALUE', 9, 19);
    expectAt(proc('```sh {#a on-fail=maybe}', 'true', '```'), 'RB_ATTR_VALUE', 9, 19, 'stop');
    expectAt(proc('```sh {#a timeout}', 'true', '```'), 'RB_ATTR_VALUE', 9, 11, 'needs a value');
    expectAt(proc('```http {#a expect=200,abc}', 'GET http://x', '```'), 'RB_ATTR_VALUE', 9, 20);
    expectAt(proc('```approve {#a approvals=0}', 'ok?', '```'), 'RB_ATTR_VALUE', 9, 26);
    expectAt(proc('```sh {#a capture=maybe}', 'true', '```'), 'RB_ATTR_VALUE', 9, 19);
    expectAt(proc('```sh {#a keep-children=maybe}', 'true', '```'), 'RB_ATTR_VALUE', 9, 25, 'keep-children is a flag');
  });

  test('RB_ATTR_NOT_APPLICABLE names the kinds that take it', () => {
    expectAt(proc('```sh {#a interval=1s}', 'true', '```'), 'RB_ATTR_NOT_APPLICABLE', 9, 11, 'wait');
    expectAt(proc('```approve {#a retries=2}', 'ok?', '```'), 'RB_ATTR_NOT_APPLICABLE', 9, 16);
    expectAt(proc('```check {#a capture}', 'tcp: {host: a, port: 1}', '```'), 'RB_ATTR_NOT_APPLICABLE', 9, 14);
    expectAt(proc('```http {#a keep-children}', 'GET http://x', '```'), 'RB_ATTR_NOT_APPLICABLE', 9, 13, 'sh');
  });

  test('RB_HTTP_REQUEST_LINE inside the fence', () => {
    expectAt(proc('```http {#a}', 'FETCH http://x', '```'), 'RB_HTTP_REQUEST_LINE', 10, 1, 'GET');
    expectAt(proc('```http {#a}', 'GET /health', '```'), 'RB_HTTP_REQUEST_LINE', 10, 5, 'absolute');
    expectAt(proc('1. Call', '', '   ```http {#a}', '   PUT relative/path', '   ```'), 'RB_HTTP_REQUEST_LINE', 12, 8);
  });

  test('RB_HTTP_HEADER inside the fence', () => {
    expectAt(proc('```http {#a}', 'POST http://x', 'Accept: */*', 'not a header', '', 'body', '```'), 'RB_HTTP_HEADER', 12, 1);
  });

  test('RB_PROBE_YAML maps the YAML position into the fence', () => {
    expectAt(proc('```check {#a}', 'http:', '  url: http://a', '  url: http://b', '```'), 'RB_PROBE_YAML', 12, 3, 'unique');
    expectAt(proc('```check {#a}', 'http: {url: {{ inputs.u }}/x}', '```'), 'RB_PROBE_YAML', 10, 1 + 'http: {url: {{ inputs.u }}'.length, 'must be quoted');
  });

  test('RB_PROBE_KIND', () => {
    expectAt(proc('```check {#a}', 'ftp: {host: x}', '```'), 'RB_PROBE_KIND', 10, 1, 'ftp');
    expectAt(proc('```check {#a}', 'http: {url: http://x}', 'tcp: {host: a, port: 1}', '```'), 'RB_PROBE_KIND', 11, 1, 'exactly one kind');
    expectAt(proc('```wait {#a timeout=5s}', '- a list', '```'), 'RB_PROBE_KIND', 10, 1);
  });

  test('RB_PROBE_FIELD at the field', () => {
    expectAt(proc('```check {#a}', 'tcp: {host: a, port: 99999}', '```'), 'RB_PROBE_FIELD', 10, 22, '1 to 65535');
    expectAt(proc('```check {#a}', 'command:', '  run: true', '  exits: 0', '```'), 'RB_PROBE_FIELD', 12, 3, 'unknown field `exits`');
    expectAt(proc('```check {#a}', 'postgres: {query: SELECT 1}', '```'), 'RB_PROBE_FIELD', 10, 1, 'needs `url`');
    expectAt(proc('```check {#a}', 'http:', '  url: http://a', '  status: [200, 42]', '```'), 'RB_PROBE_FIELD', 12, 17);
    expectAt(proc('```check {#a}', 'tcp:', '  host: a', '  port: "{{ inputs.p }}"', '```'), 'RB_PROBE_FIELD', 12, 9, 'string fields only');
  });

  test('RB_DURATION_INVALID inside a probe', () => {
    expectAt(proc('```check {#a}', 'tcp: {host: a, port: 1, timeout: soon}', '```'), 'RB_DURATION_INVALID', 10, 34);
  });

  test('RB_WAIT_TIMEOUT_MISSING (warning) at the attribute block', () => {
    expectAt(proc('```wait {#w}', 'http: {url: "http://x"}', '```'), 'RB_WAIT_TIMEOUT_MISSING', 9, 9);
  });

  test('RB_FORBIDDEN_IN_STEP at the match inside the fence, from "What not to do" and from front matter', () => {
    const s = proc('```sh {#a}', 'docker compose down -v', '```', '', '## What not to do', '', '- Never `down -v`: it destroys the data.');
    expectAt(s, 'RB_FORBIDDEN_IN_STEP', 10, 16, 'line 15: Never down -v: it destroys the data.');
    const fm = src('---', 'id: t', 'forbid:', '  - {pattern: "rm\\\\s+-rf", reason: no}', '---', '## Steps', '```sh {#a}', 'cd / &&  rm  -rf x', '```');
    expectAt(fm, 'RB_FORBIDDEN_IN_STEP', 8, 10);
  });
});

describe('template diagnostics', () => {
  const withInputs = (...lines: string[]): string =>
    src('---', 'id: t', 'inputs:', '  x: {type: string}', '  tok: {type: secret}', '---', '', '## Procedure', '', ...lines);

  test('RB_TEMPLATE_SYNTAX', () => {
    expectAt(withInputs('```sh {#a}', 'echo {{ inputs.x }', '```'), 'RB_TEMPLATE_SYNTAX', 11, 6, 'malformed');
  });

  test('RB_TEMPLATE_UNKNOWN_REF', () => {
    expectAt(withInputs('```sh {#a}', 'echo {{ foo.bar }}', '```'), 'RB_TEMPLATE_UNKNOWN_REF', 11, 6);
    expectAt(withInputs('```sh {#a}', 'true', '```', '```sh {#b}', 'echo {{ steps.a }}', '```'), 'RB_TEMPLATE_UNKNOWN_REF', 14, 6, 'steps.ID.output');
  });

  test('RB_TEMPLATE_UNKNOWN_INPUT at the exact line:col inside the fence', () => {
    expectAt(withInputs('```sh {#a}', 'true', 'echo "{{ inputs.nope }}"', '```'), 'RB_TEMPLATE_UNKNOWN_INPUT', 12, 7, 'its inputs: x, tok');
    expectAt(withInputs('1. Step', '', '   ```sh {#a}', '   echo "{{ inputs.nope }}"', '   ```'), 'RB_TEMPLATE_UNKNOWN_INPUT', 13, 10);
    expectAt(withInputs('> ```http {#a}', '> GET http://h/{{ inputs.nope }}', '> ```'), 'RB_TEMPLATE_UNKNOWN_INPUT', 11, 16);
  });

  test('RB_TEMPLATE_UNKNOWN_STEP', () => {
    expectAt(withInputs('```sh {#a}', 'echo {{ steps.ghost.output }}', '```'), 'RB_TEMPLATE_UNKNOWN_STEP', 11, 6, 'no step ghost');
  });

  test('RB_TEMPLATE_STEP_ORDER: later steps, the step itself, and rollback steps from the main run', () => {
    expectAt(withInputs('```sh {#a}', 'echo {{ steps.b.output }}', '```', '```sh {#b capture}', 'x', '```'), 'RB_TEMPLATE_STEP_ORDER', 11, 6, 'after this one');
    expectAt(withInputs('```sh {#a capture}', 'echo {{ steps.a.output }}', '```'), 'RB_TEMPLATE_STEP_ORDER', 11, 6, 'as this step');
    // Verify runs after Procedure even when it is written first.
    const s = src('---', 'id: t', '---', '## Verify', '```sh {#v}', 'echo {{ steps.p.output }}', '```', '## Procedure', '```sh {#p capture}', 'x', '```');
    assert.ok(!lintRunbook(s, FILE).some((d) => d.severity === 'error'));
    const r = src('---', 'id: t', '---', '## Rollback', '```sh {#r capture}', 'x', '```', '## Procedure', '```sh {#p}', 'echo {{ steps.r.output }}', '```');
    expectAt(r, 'RB_TEMPLATE_STEP_ORDER', 10, 6);
  });

  test('RB_TEMPLATE_NOT_CAPTURED', () => {
    expectAt(withInputs('```sh {#a}', 'x', '```', '```sh {#b}', 'echo "{{ steps.a.output }}"', '```'), 'RB_TEMPLATE_NOT_CAPTURED', 14, 7, 'capture');
  });

  test('RB_TEMPLATE_NOT_ALLOWED in lock: step outputs and secrets', () => {
    expectAt(src('---', 'id: t', "lock: 'x-{{ steps.a.output }}'", '---', '## Procedure', '```sh {#a capture}', 'x', '```'), 'RB_TEMPLATE_NOT_ALLOWED', 3, 10);
    expectAt(src('---', 'id: t', 'inputs:', '  tok: {type: secret}', 'lock: x-{{ inputs.tok }}', '---', ...STEP), 'RB_TEMPLATE_NOT_ALLOWED', 5, 9, 'secret');
    expectAt(src('---', 'id: t', 'lock: x-{{ inputs.nope }}', '---', ...STEP), 'RB_TEMPLATE_UNKNOWN_INPUT', 3, 9);
  });

  test('RB_TEMPLATE_IN_SINGLE_QUOTES (warning), not for double quotes, comments or unquoted heredocs', () => {
    expectAt(withInputs('```sh {#a}', "echo '{{ inputs.x }}'", '```'), 'RB_TEMPLATE_IN_SINGLE_QUOTES', 11, 7);
    expectAt(withInputs('```sh {#a}', "cat <<'EOF'", '{{ inputs.x }}', 'EOF', '```'), 'RB_TEMPLATE_IN_SINGLE_QUOTES', 12, 1);
    const ok = withInputs(
      '```sh {#a}',
      'echo "it\'s {{ inputs.x }}"',
      "# don't {{ inputs.x }}",
      'cat <<EOF',
      "it's {{ inputs.x }}",
      'EOF',
      'echo "{{ inputs.x }}"',
      '```',
    );
    assert.deepEqual(lintRunbook(ok, FILE).map(formatDiagnostic), []);
  });

  test('Go-style templates are left alone', () => {
    const s = withInputs('```sh {#a}', "docker inspect -f '{{.Config.Image}}' app", "docker ps --format '{{ .Names }}'", '```');
    assert.deepEqual(lintRunbook(s, FILE).map(formatDiagnostic), []);
  });
});

test('formatDiagnostic is file:line:col: severity CODE: message', () => {
  const d = find(proc('```sh {#a timeout=30x}', 'true', '```'), 'RB_ATTR_VALUE');
  assert.equal(formatDiagnostic(d), `books/t.md:9:19: error RB_ATTR_VALUE: ${d.message}`);
  const w = find(proc('```sh', 'x', '```', ...STEP), 'RB_FENCE_NOT_STEP');
  assert.match(formatDiagnostic(w), /^books\/t\.md:9:1: warning RB_FENCE_NOT_STEP: /);
});

test('diagnostics come sorted by position, and every problem of a file is reported at once', () => {
  const s = src('---', 'id: t', 'timout: 1m', '---', '## Procedure', '```sh {#a colour=red}', 'x', '```', '```bash {#b}', 'x', '```');
  const ds = lintRunbook(s, FILE);
  assert.deepEqual(
    ds.map((d) => `${d.line}:${d.column} ${d.code}`),
    ['3:1 RB_FIELD_UNKNOWN', '6:11 RB_ATTR_UNKNOWN', '9:4 RB_STEP_KIND_UNKNOWN'],
  );
});

test('CRLF sources report the same positions', () => {
  const s = proc('```sh {#a}', 'echo "{{ inputs.nope }}"', '```').replace(/\n/g, '\r\n');
  expectAt(s, 'RB_TEMPLATE_UNKNOWN_INPUT', 10, 7);
});

describe('a broken front matter does not cascade into reference errors', () => {
  const uses = ['```sh {#a}', ...['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => `echo "{{ inputs.${n} }}"`), '```'];
  const codes = (...front: string[]): string[] => lintRunbook(src('---', 'id: t', ...front, '---', '## Procedure', ...uses), FILE).map((d) => d.code);

  test('a YAML error: only the YAML error', () => {
    const cs = codes('inputs: {a: {type: string}');
    assert.ok(cs.length > 0 && cs.every((c) => c === 'RB_YAML_SYNTAX'), cs.join(' '));
  });

  test('front matter or inputs that are not a mapping: only that error', () => {
    assert.deepEqual(
      lintRunbook(src('---', '- a', '---', '## Procedure', ...uses), FILE).map((d) => d.code),
      ['RB_FRONTMATTER_TYPE'],
    );
    assert.deepEqual(codes('inputs: [a, b]'), ['RB_FIELD_TYPE']);
  });

  test('a broken input declaration is reported where it is, not at its uses; an input never declared still is', () => {
    const cs = codes(
      'inputs:',
      '  a: {type: text}',
      "  b: {type: string, pattern: '(?=x)'}",
      '  c: {type: integer, min: 5, max: 1}',
      '  d: {}',
      '  e: {}',
      '  f: {}',
    );
    assert.deepEqual(cs, ['RB_INPUT_TYPE_UNKNOWN', 'RB_REGEX_UNSUPPORTED', 'RB_INPUT_BOUNDS', 'RB_TEMPLATE_UNKNOWN_INPUT']);
    const d = lintRunbook(src('---', 'id: t', 'inputs:', '  a: {type: text}', '---', '## Procedure', ...uses), FILE).filter(
      (x) => x.code === 'RB_TEMPLATE_UNKNOWN_INPUT',
    );
    assert.deepEqual(
      d.map((x) => x.message.match(/no input (\w)/)?.[1]),
      ['b', 'c', 'd', 'e', 'f', 'g'],
    );
  });
});

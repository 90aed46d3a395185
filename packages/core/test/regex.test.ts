// User-supplied patterns run in bounded time wherever they are evaluated (lint, input validation,
// policy), and JavaScript-only constructs are refused with a located diagnostic. Each catastrophic
// case runs under `bounded`: with a backtracking engine it is interrupted and the test fails.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileUserRegex,
  decideCommand,
  decideStart,
  DEFAULT_POLICY,
  formatDiagnostic,
  globMatch,
  lintRunbook,
  parseInputValue,
  parsePolicyText,
  parseRunbook,
  resolveInputs,
  validatePolicy,
  type Diagnostic,
} from '@runledger/core';
import { bounded, CATASTROPHIC, UNSUPPORTED } from './helpers/redos.js';

const FILE = 'redos.md';
const yamlQuoted = (s: string): string => JSON.stringify(s); // a JSON string is a YAML double-quoted scalar

function runbookWith(front: string[], body: string): string {
  return ['---', 'id: redos', ...front, '---', '', '## Procedure', '', '```sh {#step}', body, '```', ''].join('\n');
}

const errorsOf = (ds: readonly Diagnostic[]): string[] => ds.filter((d) => d.severity === 'error').map((d) => d.code);

describe('compileUserRegex', () => {
  for (const { pattern, subject, match } of CATASTROPHIC) {
    test(`${pattern}: test, whole match and find on a long adversarial subject`, () => {
      const c = compileUserRegex(pattern);
      assert.ok(c.ok, JSON.stringify(c));
      assert.deepEqual(
        bounded(() => [c.regex.test(subject), c.regex.testWhole(subject), c.regex.find(subject)]),
        [false, false, undefined],
      );
      // Same answers as V8 on short subjects, where backtracking is still quick.
      for (const s of [subject.slice(0, 6), subject.slice(0, 6) + subject.slice(-1), match, 'aaab', 'xxy', 'a1', '']) {
        const js = new RegExp(pattern).exec(s);
        assert.equal(c.regex.test(s), js !== null, `${pattern} on ${s}`);
        assert.equal(c.regex.testWhole(s), new RegExp(`^(?:${pattern})$`).test(s), `${pattern} whole on ${s}`);
        assert.equal(c.regex.find(s)?.index, js?.index, `${pattern} index on ${s}`);
      }
    });
  }

  test('backreferences and lookaround are refused at their offset; valid JavaScript otherwise', () => {
    for (const { pattern, at } of UNSUPPORTED) {
      assert.doesNotThrow(() => new RegExp(pattern), pattern);
      const c = compileUserRegex(pattern);
      assert.equal(c.ok, false, pattern);
      if (!c.ok) {
        assert.equal(c.problem.kind, 'unsupported', pattern);
        assert.equal(c.problem.offset, at, pattern);
      }
    }
  });

  test('look-alikes of those constructs are accepted: in a class, an escaped backslash, a named group', () => {
    for (const [pattern, subject] of [
      ['[(?=]x', '=x'],
      ['\\\\1', '\\1'],
      ['(?<name>ab)c', 'abc'],
      ['[\\]\\\\]k<', '\\k<'],
    ] as const) {
      const c = compileUserRegex(pattern);
      assert.ok(c.ok, `${pattern}: ${JSON.stringify(c)}`);
      assert.equal(c.regex.test(subject), true, pattern);
    }
  });

  test('patterns too large to match cheaply are refused before they are compiled', () => {
    for (const pattern of ['((a{100}){100}){100}', 'a{1000}'.repeat(100), '(a|b)'.repeat(40000), 'x'.repeat(1001), '[a-z]{1,1000}[0-9]{1,1000}x{1,1000}']) {
      const c = bounded(() => compileUserRegex(pattern), 1000);
      assert.equal(c.ok ? 'ok' : c.problem.kind, 'invalid', pattern.slice(0, 40));
    }
    for (const pattern of ['a{1000}', '[0-9a-f]{64}', '(\\d{1,3}\\.){3}\\d{1,3}', '\\x{41}{3}', 'x'.repeat(1000)])
      assert.ok(compileUserRegex(pattern).ok, pattern);
  });

  test('a syntax error is invalid, not unsupported', () => {
    for (const pattern of ['(', '[a-', 'a{2,1}', '*a']) {
      const c = compileUserRegex(pattern);
      assert.equal(c.ok ? 'ok' : c.problem.kind, 'invalid', pattern);
    }
  });
});

describe('runbooks: lint and parse', () => {
  for (const { pattern, subject, match } of CATASTROPHIC) {
    test(`forbid ${pattern} against a step holding the adversarial subject`, () => {
      const lint = (body: string): string[] =>
        errorsOf(bounded(() => lintRunbook(runbookWith(['forbid:', `  - pattern: ${yamlQuoted(pattern)}`, '    reason: no'], body), FILE)));
      assert.deepEqual(lint(subject), []);
      assert.deepEqual(lint(match), ['RB_FORBIDDEN_IN_STEP']);
    });

    test(`input pattern ${pattern}: a default holding the adversarial subject`, () => {
      const ds = bounded(() =>
        lintRunbook(
          runbookWith(['inputs:', `  v: {type: string, pattern: ${yamlQuoted(pattern)}, default: ${yamlQuoted(subject)}}`], 'echo {{ inputs.v }}'),
          FILE,
        ),
      );
      assert.deepEqual(errorsOf(ds), ['RB_INPUT_DEFAULT_INVALID'], ds.map(formatDiagnostic).join('\n'));
    });

    test(`input pattern ${pattern}: a given value holding the adversarial subject`, () => {
      const r = parseRunbook(runbookWith(['inputs:', `  v: {type: string, pattern: ${yamlQuoted(pattern)}}`], 'echo {{ inputs.v }}'), FILE);
      assert.ok(r.ok, JSON.stringify(r.diagnostics));
      const res = bounded(() => resolveInputs(r.runbook, { v: subject }, {}));
      assert.equal(res.ok, false);
      if (!res.ok)
        assert.deepEqual(
          res.diagnostics.map((d) => d.code),
          ['RB_INPUT_INVALID'],
        );
      const spec = r.runbook.inputs[0];
      assert.ok(spec);
      assert.deepEqual(
        bounded(() => parseInputValue(spec, subject)),
        { problem: `must match ${pattern}` },
      );
    });
  }

  test('a long step: the match is located on its line; one huge matching line is still refused, in bounded time', () => {
    const lines = [...Array.from({ length: 2000 }, (_, i) => `echo line ${i}`), 'sudo rm -rf /srv/data', 'echo done'];
    const long = lintRunbook(runbookWith(['forbid:', "  - pattern: 'rm\\s+-rf'", '    reason: no'], lines.join('\n')), FILE).filter(
      (d) => d.code === 'RB_FORBIDDEN_IN_STEP',
    );
    assert.deepEqual(
      long.map((d) => [d.line, d.column]),
      [[11 + 2000, 6]],
    ); // the body starts on line 11
    assert.match(long[0]?.message ?? '', /contains `rm -rf`/);
    const huge = bounded(() => lintRunbook(runbookWith(['forbid:', "  - pattern: '(x|a){1,300}$'", '    reason: no'], 'a'.repeat(100_000)), FILE));
    assert.deepEqual(
      huge.map((d) => [d.code, d.line]),
      [['RB_FORBIDDEN_IN_STEP', 11]],
    );
  });

  test('RB_REGEX_UNSUPPORTED points at the construct, in forbid and in an input pattern', () => {
    for (const { pattern, at } of UNSUPPORTED) {
      const inForbid = lintRunbook(runbookWith(['forbid:', `  - pattern: '${pattern}'`, '    reason: no'], 'true'), FILE);
      const d1 = inForbid.find((d) => d.code === 'RB_REGEX_UNSUPPORTED');
      assert.ok(d1, `${pattern}: ${inForbid.map(formatDiagnostic).join('\n')}`);
      assert.deepEqual([d1.line, d1.column], [4, '  - pattern: '.length + 2 + at], formatDiagnostic(d1));
      const inInput = lintRunbook(runbookWith(['inputs:', `  v: {type: string, pattern: ${pattern}}`], 'echo {{ inputs.v }}'), FILE);
      const d2 = inInput.find((d) => d.code === 'RB_REGEX_UNSUPPORTED');
      assert.ok(d2, `${pattern}: ${inInput.map(formatDiagnostic).join('\n')}`);
      assert.deepEqual([d2.line, d2.column], [4, '  v: {type: string, pattern: '.length + 1 + at], formatDiagnostic(d2));
      assert.ok(!inInput.some((d) => d.code === 'RB_TEMPLATE_UNKNOWN_INPUT'), 'a refused input is not reported again where it is used');
    }
  });
});

describe('policy', () => {
  const manyStars = '*a*a*a*a*a*a*a*a*a*b';

  for (const { pattern, subject, match } of CATASTROPHIC) {
    test(`policy and runbook forbid ${pattern} against an adversarial command`, () => {
      const v = validatePolicy({ forbid: [{ pattern, reason: 'no' }] });
      assert.ok(v.ok, JSON.stringify(v));
      const policy = v.policy;
      for (const [command, want] of [
        [subject, 'allow'],
        [match, 'deny'],
      ] as const) {
        assert.equal(bounded(() => decideCommand(policy, [], command)).effect, want);
        assert.equal(bounded(() => decideCommand(DEFAULT_POLICY, [{ pattern, reason: 'no' }], command)).effect, want);
      }
    });
  }

  test('a rule glob with many stars against a long runbook id', () => {
    const v = validatePolicy({ default: 'deny', rules: [{ effect: 'allow', runbooks: [manyStars], reason: 'stars' }] });
    assert.ok(v.ok);
    const d = bounded(() => decideStart(v.policy, { runbook: 'a'.repeat(3000), environment: 'prod', roles: [], now: '2026-01-01T00:00:00Z' }));
    assert.equal(d.by, 'default');
    assert.equal(decideStart(v.policy, { runbook: `${'a'.repeat(30)}b`, environment: 'prod', roles: [], now: '2026-01-01T00:00:00Z' }).by, 'rule');
  });

  test('globMatch agrees with the anchored regular expression on every small glob and value', () => {
    const words = (alphabet: string, max: number): string[] => {
      const out = [''];
      for (let i = 0; i < out.length; i++) if ((out[i] ?? '').length < max) for (const c of alphabet) out.push(out[i] + c);
      return out;
    };
    const values = words('ab', 5);
    for (const g of words('ab*?', 4)) {
      const re = new RegExp(`^${g.replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
      for (const v of values) assert.equal(globMatch(g, v), re.test(v), `${g} ~ ${v}`);
    }
    assert.equal(globMatch('a.b', 'axb'), false, 'regex characters are literal');
    assert.equal(globMatch('a.b', 'a.b'), true);
  });

  test('a policy file refuses backreferences and lookaround where the pattern is written', () => {
    for (const { pattern } of UNSUPPORTED) {
      const r = parsePolicyText(`default: allow\nforbid:\n  - pattern: '${pattern}'\n    reason: no\n`, 'policy.yaml');
      assert.equal(r.ok, false, pattern);
      if (!r.ok) {
        assert.deepEqual(
          r.problems.map((p) => [p.path, p.line, p.column]),
          [['$.forbid[0].pattern', 3, 14]],
          pattern,
        );
        assert.match(r.problems[0]?.message ?? '', /not supported/);
      }
    }
  });

  test('a stored pattern that no longer compiles denies the command (fail closed)', () => {
    const d = decideCommand(DEFAULT_POLICY, [{ pattern: 'rm(?= -rf)', reason: 'old syntax' }], 'echo hi');
    assert.equal(d.effect, 'deny');
    assert.equal(d.by, 'runbook-forbid');
  });
});

// Redaction of a secret's escaped, encoded, reversed, spaced and line-split forms: each form class with
// its siblings (either hex case, every base64 alignment, one and two layers of quoting, every fold
// width), a secret holding control characters, streaming at every split point, and text that must
// stay as it is.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { parseRunbook } from '@runledger/core';
import { resolveSecretInputs } from '../src/engine/open.js';
import { MIN_FUZZY_LENGTH, REDACTION_MARK as M, Redactor } from '../src/redact.js';
import { formsOf, hexOf, leaks, MIN_FUZZY } from './helpers/secret-forms.js';
import { runShell } from '../src/shell/index.js';

const SECRET = 'TopSecr3tValue';
const CONTROL_SECRET = 'TopSecr3tValue\0tail';
const UNICODE_SECRET = 'pässwörd-Ünïcode/+=';
/** Holds what the views decode (`\\x41`, `%41`): its forms must survive being decoded once only. */
const ESCAPE_SECRET = 'c:\\x41dir%41-S3cret';

it("the oracle uses the redactor's fuzzy floor", () => assert.equal(MIN_FUZZY, MIN_FUZZY_LENGTH));

describe('Redactor: escaped, encoded, reversed, spaced and line-split forms', () => {
  for (const s of [SECRET, CONTROL_SECRET, UNICODE_SECRET, ESCAPE_SECRET]) {
    it(`masks every form of ${JSON.stringify(s)} on its own and among other text`, () => {
      const r = new Redactor([s]);
      for (const [name, f] of Object.entries(formsOf(s))) {
        const out = r.redact(`before <${f}> after`);
        assert.ok(out.includes(M), `${name}: ${out}`);
        assert.ok(out.startsWith('before <') && out.endsWith('> after'), `${name}: the surroundings stay: ${out}`);
        assert.deepEqual(leaks(out, s), [], `${name}: ${JSON.stringify(f)} → ${JSON.stringify(out)}`);
      }
    });
  }

  it('masks every form of random values (printable ASCII, \\ and %, non-ASCII, tabs, line breaks), one-shot and streamed', () => {
    let seed = 20261207;
    const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const alphabet = [...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)), 'é', 'ß', '€', '😀', '\t', '\n'];
    for (let k = 0; k < 80; k++) {
      let s = '';
      for (let i = 0, n = 8 + rand(30); i < n; i++) s += alphabet[rand(alphabet.length)];
      const r = new Redactor([s]);
      const forms = formsOf(s);
      for (const [name, f] of Object.entries(forms)) {
        const out = r.redact(`before <${f}> after`);
        assert.deepEqual(leaks(out, s), [], `${JSON.stringify(s)}: ${name}: ${JSON.stringify(f)} → ${JSON.stringify(out)}`);
      }
      const whole = Buffer.from(Object.values(forms).join(' x '));
      const stream = r.stream();
      const parts: Buffer[] = [];
      for (let i = 0; i < whole.length;) {
        const n = 1 + rand(50);
        parts.push(stream.push(whole.subarray(i, i + n)));
        i += n;
      }
      parts.push(stream.end());
      assert.deepEqual(Buffer.concat(parts), r.redactBytes(whole), `${JSON.stringify(s)}: streamed in random chunks`);
    }
  });

  it('masks the value in the error Node gives for it (the review case: util.inspect quoting)', async () => {
    const r = new Redactor([CONTROL_SECRET]);
    // A NUL in a step's environment: Node refuses to spawn and quotes the value in its message.
    const res = await runShell({ script: 'true', env: { RL_INPUT_X: CONTROL_SECRET } });
    assert.ok(res.error?.includes(inspect(CONTROL_SECRET)), res.error);
    const out = r.redact(res.error!);
    assert.ok(out.includes(`'${M}'`), out);
    assert.deepEqual(leaks(out, CONTROL_SECRET), []);
    assert.deepEqual(leaks(r.redact(JSON.stringify({ detail: res.error })), CONTROL_SECRET), []);
  });

  it('masks the printable parts of a value with control characters, but not parts too short to stand alone', () => {
    const r = new Redactor(['-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nshort\n-----END KEY-----']);
    assert.equal(r.redact('line: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'), `line: ${M}`);
    assert.equal(r.redact(`'-----BEGIN KEY-----\\n' +\n  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n'`), `'${M}\\n' +\n  '${M}\\n'`);
    assert.equal(r.redact('short and tail stay'), 'short and tail stay');
    assert.equal(new Redactor([CONTROL_SECRET]).redact('TopSecr3tValue, and a tail'), `${M}, and a tail`);
  });

  it('masks a value cut off by a truncation (a prefix of 4+ characters, then … or ...), at every cut', () => {
    const r = new Redactor([SECRET]);
    for (let n = 1; n < SECRET.length; n++) {
      for (const ellipsis of ['…', '...']) {
        const shown = `detail: ${SECRET.slice(0, n)}${ellipsis}`;
        const out = r.redact(JSON.stringify({ d: shown }));
        if (n >= 4) assert.equal(out, JSON.stringify({ d: `detail: ${M}` }), `cut after ${n}`);
        else assert.equal(out, JSON.stringify({ d: shown }), `a cut after ${n} characters is left alone`);
      }
    }
    // A prefix without the ellipsis is ordinary text.
    assert.equal(r.redact('TopSecret and TopSecr3 alone'), 'TopSecret and TopSecr3 alone');
  });

  it('matches spaced and line-split forms only for values of MIN_FUZZY_LENGTH characters or more', () => {
    const short = new Redactor(['abc1234']);
    assert.equal(short.redact('a b c 1 2 3 4'), 'a b c 1 2 3 4');
    assert.equal(short.redact('[abc1234] [4321cba]'), `[${M}] [${M}]`);
    const long = new Redactor(['abcd1234']);
    assert.equal(long.redact('[a b c d 1 2 3 4]'), `[${M}]`);
  });

  it('does not join text across a long gap', () => {
    const r = new Redactor([SECRET]);
    const far = `TopSecr${' '.repeat(17)}3tValue`;
    assert.equal(r.redact(far), far);
    assert.equal(r.redact(`TopSecr${' '.repeat(16)}3tValue`), M);
  });

  it('leaves ordinary text alone: digests, other base64 and hex, JSON, escapes and URLs', () => {
    const r = new Redactor([SECRET, CONTROL_SECRET, UNICODE_SECRET]);
    const texts = [
      'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      Buffer.from('another value entirely').toString('base64'),
      JSON.stringify({ path: 'C:\\new\\table', s: 'a\u0000b', u: 'é' }),
      'GET /api/v1/runs?q=%20x%2Fy 200 0x1f 0xdeadbeef',
      inspect('Top\x00Secret value'),
      'T o p S e c r',
    ];
    for (const t of texts) assert.equal(r.redact(t), t);
  });

  it('streams to the one-shot result at every split point, forms included', () => {
    const r = new Redactor([CONTROL_SECRET, UNICODE_SECRET, ESCAPE_SECRET]);
    const text = [
      ...Object.values(formsOf(CONTROL_SECRET)).slice(0, 24),
      ...Object.values(formsOf(UNICODE_SECRET)).slice(0, 8),
      ...Object.values(formsOf(ESCAPE_SECRET)).slice(0, 8),
    ].join(' | ');
    const whole = Buffer.from(text);
    const expected = r.redactBytes(whole).toString();
    assert.deepEqual(leaks(expected, CONTROL_SECRET), []);
    for (let cut = 0; cut <= whole.length; cut++) {
      const s = r.stream();
      const out = Buffer.concat([s.push(whole.subarray(0, cut)), s.push(whole.subarray(cut)), s.end()]).toString();
      assert.equal(out, expected, `cut at ${cut}`);
    }
    const one = r.stream();
    const parts: Buffer[] = [];
    for (let i = 0; i < whole.length; i++) parts.push(one.push(whole.subarray(i, i + 1)));
    parts.push(one.end());
    assert.equal(Buffer.concat(parts).toString(), expected);
  });

  it('holds back only what may still become a secret: live output keeps flowing', () => {
    const r = new Redactor([SECRET, CONTROL_SECRET]);
    const s = r.stream();
    const text = 'ordinary log line with no secret in it\n'.repeat(500);
    const out = s.push(text);
    // The tail held back is bounded by the longest form, not by how much was pushed.
    assert.ok(text.length - out.length < 200, `held back ${text.length - out.length} bytes`);
    assert.equal(Buffer.concat([out, s.end()]).toString(), text);
  });

  it('finds a form without redacting (what the ledger screen asks)', () => {
    const r = new Redactor([CONTROL_SECRET]);
    assert.equal(r.finds(JSON.stringify({ detail: inspect(CONTROL_SECRET) })), true);
    assert.equal(r.finds(hexOf(CONTROL_SECRET).toUpperCase()), true);
    assert.equal(r.finds('nothing to see'), false);
    assert.equal(new Redactor([]).finds(CONTROL_SECRET), false);
  });
});

describe('secrets with control characters are refused when resolved', () => {
  const source = '---\nid: s\ntitle: S\ninputs:\n  token: {type: secret, from: {env: TOKEN}}\n  key: {type: secret, from: {file: KEYFILE}}\n---\n\n# S\n';

  it('refuses NUL, ESC, DEL and C1 controls with INPUT_INVALID, naming the input and never the value', async () => {
    const parsed = parseRunbook(source.replace('KEYFILE', '/nonexistent/key'), 's.md');
    assert.ok(parsed.ok);
    for (const bad of ['TopSecr3tValue\0tail', 'abc\x1b[31mdef', 'abcd\x7f', 'abcd\u0085efg', 'a\x08bcd']) {
      await assert.rejects(resolveSecretInputs(parsed.runbook, { TOKEN: bad }), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'INPUT_INVALID');
        assert.match(e.message, /secret input token \(from \$TOKEN\) contains the control character U\+00/);
        assert.ok(!e.message.includes('abc') && !e.message.includes('TopSecr'), e.message);
        return true;
      });
    }
  });

  it('refuses one read from a file, and allows tabs and line breaks (multi-line keys)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rl-secret-'));
    const file = join(dir, 'key');
    const parsed = parseRunbook(source.replace('KEYFILE', file), 's.md');
    assert.ok(parsed.ok);
    writeFileSync(file, 'TopSecr3tValue\0tail\n');
    await assert.rejects(resolveSecretInputs(parsed.runbook, {}), /secret input key \(from .*key\) contains the control character U\+0000/);
    writeFileSync(file, '-----BEGIN KEY-----\nMIIE\tvQ\r\n-----END KEY-----\n');
    const ok = await resolveSecretInputs(parsed.runbook, { TOKEN: 'fine-token' });
    assert.equal(ok['key'], '-----BEGIN KEY-----\nMIIE\tvQ\r\n-----END KEY-----');
    assert.equal(ok['token'], 'fine-token');
  });
});

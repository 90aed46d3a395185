// Redaction by value: plain values, their common encodings, overlaps, the short-value floor, and the
// streaming variant with a secret split across chunk boundaries, including one a command prints itself.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { MIN_SECRET_LENGTH, REDACTION_MARK as M, Redactor } from '../src/redact.js';
import { runShell } from '../src/shell/index.js';

const SECRET = 'hunter2-Sup3r/S3cret+key';

describe('Redactor.redact', () => {
  it('replaces every occurrence of a value', () => {
    const r = new Redactor([SECRET]);
    assert.equal(r.redact(`a ${SECRET} b ${SECRET}${SECRET}`), `a ${M} b ${M}`);
    assert.equal(r.redact('nothing here'), 'nothing here');
    assert.equal(r.redact(''), '');
  });

  it('masks a longer secret that contains a shorter one whole, and overlapping values as their union', () => {
    const r = new Redactor(['abcd', 'xxabcdyy']);
    assert.equal(r.redact('1 xxabcdyy 2 abcd 3'), `1 ${M} 2 ${M} 3`);
    const o = new Redactor(['1234abcd', 'abcd5678']);
    assert.equal(o.redact('<1234abcd5678>'), `<${M}>`);
    // Overlapping occurrences of one value ("aaaa" in "aaaaaa") leave no 'a' behind.
    assert.equal(new Redactor(['aaaa']).redact('xaaaaaax'), `x${M}x`);
  });

  it('ignores values shorter than MIN_SECRET_LENGTH and counts them', () => {
    assert.equal(MIN_SECRET_LENGTH, 4);
    const r = new Redactor(['abc', '', 'dev', 'long-enough']);
    assert.equal(r.ignored, 2);
    assert.equal(r.redact('abc dev long-enough'), `abc dev ${M}`);
    assert.equal(new Redactor(['abc']).isEmpty, true);
  });

  it('catches base64, embedded base64 at every alignment (Basic auth), and base64url', () => {
    const r = new Redactor([SECRET]);
    assert.equal(r.redact(Buffer.from(SECRET).toString('base64')), M);
    for (const user of ['u', 'us', 'usr', 'user']) {
      const encoded = Buffer.from(`${user}:${SECRET}`).toString('base64');
      const out = r.redact(`Authorization: Basic ${encoded}`);
      const [before, after, ...more] = out.slice('Authorization: Basic '.length).split(M);
      assert.equal(more.length, 0, out);
      // Left: the characters of "user:" (up to one that mixes in the secret's first bits), and at the
      // end at most one character that mixes the secret's last bits with padding, plus the padding.
      assert.ok(encoded.startsWith(before!) && before!.length <= Math.ceil((8 * (user.length + 1)) / 6), out);
      assert.ok(encoded.endsWith(after!) && after!.replace(/=+$/, '').length <= 1, out);
    }
    const bin = 'k\u00ff\u00fe?>~~>?';
    const url64 = Buffer.from(bin).toString('base64url');
    assert.equal(new Redactor([bin]).redact(`t=${url64}`), `t=${M}`);
  });

  it('catches URL-encoded and JSON-escaped forms', () => {
    const s = 'p@ss word/with"quote\\é';
    const r = new Redactor([s]);
    assert.equal(r.redact(`https://h/?p=${encodeURIComponent(s)}`), `https://h/?p=${M}`);
    assert.equal(r.redact(`p=${new URLSearchParams({ v: s }).toString().slice(2)}`), `p=${M}`);
    assert.equal(r.redact(JSON.stringify({ password: s })), `{"password":"${M}"}`);
    assert.equal(r.redact('{"password":"p@ss word\\/with\\"quote\\\\\\u00e9"}'), `{"password":"${M}"}`);
  });

  it('redacts bytes the same way, including non-UTF-8 neighbours', () => {
    const r = new Redactor([SECRET]);
    const data = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SECRET), Buffer.from([0x00, 0xc3])]);
    assert.deepEqual(r.redactBytes(data), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(M), Buffer.from([0x00, 0xc3])]));
  });
});

describe('RedactionStream', () => {
  const secrets = [SECRET, 'tok_0123456789', 'abcd', 'naïve-ünïcode-sêcret'];
  const text =
    `start ${SECRET} mid tok_0123456789tok_0123456789 abcdabcd ` +
    `${Buffer.from(SECRET).toString('base64')} naïve-ünïcode-sêcret ${encodeURIComponent(SECRET)} end ${SECRET}`;

  it('gives the one-shot result for every split point of a two-chunk stream', () => {
    const r = new Redactor(secrets);
    const whole = Buffer.from(text);
    const expected = r.redactBytes(whole);
    assert.ok(!expected.includes(SECRET));
    for (let cut = 0; cut <= whole.length; cut++) {
      const s = r.stream();
      const out = Buffer.concat([s.push(whole.subarray(0, cut)), s.push(whole.subarray(cut)), s.end()]);
      assert.deepEqual(out.toString(), expected.toString(), `cut at ${cut}`);
    }
  });

  it('gives the one-shot result for byte-by-byte and random chunking', () => {
    const r = new Redactor(secrets);
    const whole = Buffer.from(text.repeat(3));
    const expected = r.redactBytes(whole).toString();
    const one = r.stream();
    const parts: Buffer[] = [];
    for (let i = 0; i < whole.length; i++) parts.push(one.push(whole.subarray(i, i + 1)));
    parts.push(one.end());
    assert.equal(Buffer.concat(parts).toString(), expected);

    let seed = 42;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n) + 1;
    for (let round = 0; round < 200; round++) {
      const s = r.stream();
      const got: Buffer[] = [];
      for (let i = 0; i < whole.length;) {
        const n = rand(40);
        got.push(s.push(whole.subarray(i, i + n)));
        i += n;
      }
      got.push(s.end());
      assert.equal(Buffer.concat(got).toString(), expected, `round ${round}`);
    }
  });

  it('never emits a prefix of a secret that might still complete', () => {
    const r = new Redactor([SECRET]);
    const s = r.stream();
    const first = s.push(`log: ${SECRET.slice(0, 10)}`);
    assert.ok(!first.toString().includes(SECRET.slice(0, 10)));
    const second = s.push(`${SECRET.slice(10)} done`);
    assert.equal(Buffer.concat([first, second, s.end()]).toString(), `log: ${M} done`);
  });

  it('works as a node:stream Transform', async () => {
    const r = new Redactor([SECRET]);
    const chunks = [`a ${SECRET.slice(0, 3)}`, SECRET.slice(3, 9), `${SECRET.slice(9)} b`];
    const out = await buffer(Readable.from(chunks.map((c) => Buffer.from(c))).pipe(r.transform()));
    assert.equal(out.toString(), `a ${M} b`);
  });

  it('passes bytes through untouched when there is nothing to redact', () => {
    const s = new Redactor([]).stream();
    assert.equal(Buffer.concat([s.push('abc'), s.end()]).toString(), 'abc');
  });
});

describe('redaction of a secret the command prints itself', () => {
  // The command prints the secret in two writes 150 ms apart, so it reaches us as (at least) two
  // chunks, each holding only part of it: per-chunk redaction would leak both halves.
  const script =
    'printf "token=%s" "$(printf %s "$API_TOKEN" | head -c 9)"; sleep 0.15; printf "%s|\\n" "$(printf %s "$API_TOKEN" | tail -c +10)"; echo "$API_TOKEN" >&2';

  it('arrives split across chunks (without a redactor the halves show)', async () => {
    const chunks: string[] = [];
    const r = await runShell({ script, env: { API_TOKEN: SECRET }, onOutput: (st, c) => st === 'stdout' && chunks.push(c) });
    assert.equal(r.exitCode, 0);
    assert.ok(chunks.length >= 2, JSON.stringify(chunks));
    assert.ok(
      chunks.every((c) => !c.includes(SECRET)),
      'no single chunk holds the whole secret',
    );
    assert.equal(chunks.join(''), `token=${SECRET}|\n`);
  });

  it('is redacted in live output, kept output and digests, and never reaches argv', async () => {
    const redactor = new Redactor([SECRET]);
    const live: Record<string, string[]> = { stdout: [], stderr: [] };
    let argvSeen = '';
    let done = false;
    const run = runShell({ script, env: { API_TOKEN: SECRET }, redactor, onOutput: (st, c) => live[st]!.push(c) }).finally(() => (done = true));
    // While it runs, every process's command line is visible to anyone: the secret must not be there.
    // Look until the script is seen (a loaded machine may start `ps` late), for as long as it runs.
    while (!done && !(argvSeen.includes('head -c 9') || argvSeen.includes('sleep 0.15'))) {
      argvSeen = (await runShell({ script: 'ps -eo args', inheritEnv: true })).stdout;
    }
    const r = await run;
    assert.ok(argvSeen.includes('head -c 9') || argvSeen.includes('sleep 0.15'), 'the script was running during the check');
    assert.ok(!argvSeen.includes(SECRET), 'secret visible in ps');
    assert.equal(r.stdout, `token=${M}|\n`);
    assert.equal(r.stderr, `${M}\n`);
    assert.equal(live['stdout']!.join(''), `token=${M}|\n`);
    assert.equal(live['stderr']!.join(''), `${M}\n`);
    // The digests are of the redacted stream: they can be checked against the stored output and are no
    // dictionary oracle for the secret.
    assert.equal(r.stdoutSha256, createHash('sha256').update(`token=${M}|\n`).digest('hex'));
    assert.equal(r.stderrSha256, createHash('sha256').update(`${M}\n`).digest('hex'));
  });
});

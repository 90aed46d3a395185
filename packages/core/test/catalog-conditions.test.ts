// Catalog check conditions: every form parses into what it says, every mistake names its column,
// and evaluation says what was seen, why a condition failed, and when it could not be judged at all.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateConditions, judgeObservation, parseCondition, type Condition, type Observation } from '@runledger/core';

const cond = (text: string): Condition => {
  const r = parseCondition(text);
  assert.ok(r.ok, !r.ok ? `${text}: column ${r.column}: ${r.message}` : '');
  return r.condition;
};
const fails = (text: string): { column: number; message: string } => {
  const r = parseCondition(text);
  assert.ok(!r.ok, `${text} should be refused`);
  return { column: r.column, message: r.message };
};
const NOW = Date.UTC(2026, 0, 10);
const DAY = 86_400_000;

describe('parseCondition', () => {
  it('reads every subject, operator and value form of the catalog', () => {
    const table: Array<[string, unknown, string, unknown]> = [
      ['status == 200', { kind: 'status' }, '==', 200],
      ['status in [200, 204]', { kind: 'status' }, 'in', [200, 204]],
      ['latency < 300ms', { kind: 'latency' }, '<', 300],
      ['latency <= 2s', { kind: 'latency' }, '<=', 2000],
      ['body contains "ok"', { kind: 'body' }, 'contains', 'ok'],
      ['body !contains "error"', { kind: 'body' }, '!contains', 'error'],
      ['json.$.compliance_mode == true', { kind: 'json', path: ['compliance_mode'] }, '==', true],
      ['json.$.checks.db == "up"', { kind: 'json', path: ['checks', 'db'] }, '==', 'up'],
      ['json.$.items[2]["odd key"] != null', { kind: 'json', path: ['items', 2, 'odd key'] }, '!=', null],
      ['header.Content-Type contains "json"', { kind: 'header', name: 'content-type' }, 'contains', 'json'],
      ['cert.expiry > 7d', { kind: 'cert' }, '>', 7 * DAY],
      ['exit == 0', { kind: 'exit' }, '==', 0],
      ['output contains "x"', { kind: 'output' }, 'contains', 'x'],
      ['rows[0].version == "0010"', { kind: 'rows', row: 0, column: 'version' }, '==', '0010'],
      ['result == 0010', { kind: 'result' }, '==', '0010'],
      ['reply == PONG', { kind: 'reply' }, '==', 'PONG'],
      ['dns.addresses contains "127.0.0.1"', { kind: 'addresses' }, 'contains', '127.0.0.1'],
      ["json.$.version matches '^2\\.'", { kind: 'json', path: ['version'] }, 'matches', '^2\\.'],
      ['json.$.n >= -1.5', { kind: 'json', path: ['n'] }, '>=', -1.5],
    ];
    for (const [text, subject, op, value] of table) {
      const c = cond(text);
      assert.deepEqual([c.subject, c.op, c.value], [subject, op, value], text);
      assert.equal(c.text, text);
    }
    assert.ok(cond('body matches "^o."').regex, 'matches compiles its pattern at load time');
  });

  it('refuses mistakes with the column where they start', () => {
    const table: Array<[string, number, RegExp]> = [
      ['stauts == 200', 1, /unknown subject "stauts": expected status, latency/],
      ['status = 200', 8, /expected an operator: ==, !=/],
      ['status == ok', 11, /status is compared with whole numbers/],
      ['status == 999', 11, /an HTTP status is from 100 to 599/],
      ['latency < 300', 11, /expected a duration with its unit \(300ms, 2s, 1m, 7d\), not 300/],
      ['latency == 3s', 9, /latency takes <, <=, >, >=; not ==/],
      ['body contains "ok" extra', 20, /unexpected "extra" after the value/],
      ['json.status == "UP"', 5, /a JSON path starts with json\.\$/],
      ['json.$.checks.', 15, /expected a key after \./],
      ['status in 200', 11, /in takes a list: \[200, 204\]/],
      ['status in [200 204]', 16, /expected , or \] in the list/],
      ['status in []', 12, /an empty list never matches/],
      ['body contains "unterminated', 15, /unterminated quoted value/],
      ['json.$.v < "abc"', 12, /< compares numbers/],
      ['body matches "(a"', 14, /the pattern: .*missing closing \)/],
      ['body matches "(a)\\\\1"', 14, /backreference .* RE2/],
      ['reply ==', 9, /expected a value after ==/],
      ['rows[x].v == 1', 6, /expected an index/],
      ['header. == "x"', 8, /expected a header name/],
      ['dns.addresses == "1.2.3.4"', 15, /dns\.addresses takes contains, !contains; not ==/],
    ];
    for (const [text, column, message] of table) {
      const r = fails(text);
      assert.equal(r.column, column, `${text}: ${r.message}`);
      assert.match(r.message, message, text);
    }
  });
});

describe('evaluateConditions', () => {
  const obs = (o: Partial<Observation>): Observation => ({ now: NOW, ...o });

  it('judges an HTTP answer: status, latency, body, JSON, headers, certificate', () => {
    const body = JSON.stringify({ status: 'ok', compliance_mode: true, checks: { db: 'up', n: 3 }, tags: ['a', 'b'] });
    const o = obs({ status: 200, latencyMs: 120, body, headers: { 'Content-Type': 'application/json' }, certExpiresAt: NOW + 10 * DAY });
    const texts = [
      'status == 200',
      'status in [200, 204]',
      'latency < 300ms',
      'body contains "ok"',
      'json.$.compliance_mode == true',
      'json.$.checks.db == "up"',
      'json.$.checks.n >= 3',
      'json.$.tags contains "b"',
      'header.content-type contains "json"',
      'cert.expiry > 7d',
    ];
    const r = evaluateConditions(texts.map(cond), o);
    assert.deepEqual(
      r.filter((x) => !x.ok),
      [],
    );
    assert.deepEqual(
      r.map((x) => x.actual),
      [
        '200',
        '200',
        '120ms',
        `${JSON.stringify(body.slice(0, 40) + '…')} (${body.length} bytes)`,
        'true',
        '"up"',
        '3',
        '["a","b"]',
        '"application/json"',
        'expires in 10d0h',
      ],
    );
  });

  it('names the failing part as data (reason) and what was seen', () => {
    const o = obs({ status: 503, latencyMs: 900, body: '{"status":"broken"}', certExpiresAt: NOW + 2 * DAY });
    const r = evaluateConditions(
      [cond('status == 200'), cond('latency < 300ms'), cond('json.$.status == "ok"'), cond('cert.expiry > 7d'), cond('body !contains "broken"')],
      o,
    );
    assert.deepEqual(
      r.map((x) => [x.ok, x.reason, x.actual]),
      [
        [false, 'status', '503'],
        [false, 'latency', '900ms'],
        [false, 'json', '"broken"'],
        [false, 'tls_expiring', 'expires in 2d0h'],
        [false, 'body', '"{\\"status\\":\\"broken\\"}" (19 bytes)'],
      ],
    );
    assert.equal(r[0]!.message, 'status == 200 does not hold: saw 503');
    const j = judgeObservation([cond('status == 200'), cond('latency < 300ms')], o);
    assert.equal(j.ok, false);
    assert.equal(j.reason, 'status', 'the first failure is the reason');
  });

  it('says why a condition cannot be judged instead of calling it false', () => {
    const cases: Array<[string, Partial<Observation>, RegExp]> = [
      ['json.$.status == "ok"', { status: 200, body: '<html>oops</html>' }, /the body is not JSON \(17 bytes, starting "<html>oops<\/html>"\)/],
      ['json.$.checks.db == "up"', { body: '{"checks":{}}' }, /json \$\.checks has no key "db"/],
      ['json.$.list[3] == 1', { body: '{"list":[1]}' }, /json \$\.list has no element \[3\]/],
      ['json.$.n > 3', { body: '{"n":"many"}' }, /> needs a number; saw "many"/],
      ['header.x-trace == "1"', { headers: {} }, /the response has no x-trace header/],
      ['cert.expiry > 7d', { status: 200 }, /no verified certificate chain/],
      ['rows[1].version == "1"', { rows: [{ version: '1' }] }, /the query returned 1 row\(s\); there is no row 1/],
      ['rows[0].head == "1"', { rows: [{ version: '1' }] }, /row 0 has no column head \(it has version\)/],
      ['status == 200', {}, /the probe reported no status/],
    ];
    for (const [text, o, why] of cases) {
      const [r] = evaluateConditions([cond(text)], obs(o));
      assert.equal(r!.ok, false, text);
      assert.equal(r!.reason, 'unevaluable', text);
      assert.match(r!.message ?? '', why, text);
    }
  });

  it('judges commands, queries, Redis and DNS; numbers written as text compare as numbers', () => {
    const r = evaluateConditions(
      [
        cond('exit == 0'),
        cond('output contains "accepting"'),
        cond('rows[0].version == "0010"'),
        cond('result == "0010"'),
        cond('rows[0].n == 42'),
        cond('reply == "PONG"'),
        cond('dns.addresses contains "127.0.0.1"'),
        cond('dns.addresses !contains "10.0.0.1"'),
      ],
      obs({ exit: 0, output: '/tmp:5432 - accepting connections', rows: [{ version: '0010', n: '42' }], reply: 'PONG', addresses: ['127.0.0.1', '::1'] }),
    );
    assert.deepEqual(
      r.filter((x) => !x.ok).map((x) => x.condition),
      [],
    );
    const [ten] = evaluateConditions([cond('result == 10')], obs({ result: '0010' }));
    assert.equal(ten!.ok, true, 'a number in the condition equals the same number written as text');
    const [text] = evaluateConditions([cond('result == "10"')], obs({ result: '0010' }));
    assert.equal(text!.ok, false, 'quoted text compares as text');
  });

  it('fails every condition with the probe error when the probe could not complete', () => {
    const r = evaluateConditions([cond('status == 200'), cond('latency < 1s')], obs({ error: 'connect ECONNREFUSED 127.0.0.1:3000' }));
    assert.deepEqual(
      r.map((x) => [x.ok, x.reason]),
      [
        [false, 'error'],
        [false, 'error'],
      ],
    );
    assert.deepEqual(judgeObservation([], obs({ error: 'timeout after 5s' })).ok, false, 'no conditions: the error alone fails it');
    assert.deepEqual(judgeObservation([], obs({ latencyMs: 3 })).ok, true);
  });

  it('keeps what it shows short and safe: credentials hidden, redaction applied, bodies cut', () => {
    const secret = 's3cr3t-token';
    const [auth] = evaluateConditions([cond('header.authorization == "x"')], obs({ headers: { Authorization: `Bearer ${secret}` } }));
    assert.equal(auth!.actual, '[redacted]');
    const [body] = evaluateConditions([cond('body contains "nope"')], obs({ body: `token=${secret} ${'x'.repeat(5000)}` }), {
      redact: (s) => s.replaceAll(secret, '***'),
    });
    assert.doesNotMatch(JSON.stringify(body), /s3cr3t/);
    assert.ok(body!.actual.length < 80, body!.actual);
  });

  it('matches with RE2 in linear time, even on a pattern that backtracks in V8', () => {
    const [r] = evaluateConditions([cond('body matches "^(a+)+$"')], obs({ body: `${'a'.repeat(50_000)}!` }));
    assert.equal(r!.ok, false);
    const [v] = evaluateConditions([cond("json.$.version matches '^2\\.'")], obs({ json: { version: '2.4.1' } }));
    assert.equal(v!.ok, true, 'a parsed json from the caller is used as is');
  });

  it('dates certificate expiry on the clock it is given', () => {
    const c = [cond('cert.expiry > 7d')];
    assert.equal(evaluateConditions(c, { now: NOW, certExpiresAt: NOW + 8 * DAY })[0]!.ok, true);
    const expired = evaluateConditions(c, { now: NOW + 9 * DAY, certExpiresAt: NOW + 8 * DAY })[0]!;
    assert.deepEqual([expired.ok, expired.reason, expired.actual], [false, 'tls_expiring', 'expired 1d0h ago']);
  });
});

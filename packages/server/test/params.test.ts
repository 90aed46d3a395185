// Numeric query and path parameters, as a class: every one the OpenAPI document lists is bounded on
// both sides, refuses each malformed or out-of-range text with 400 VALIDATION_FAILED located by a
// JSON pointer, and accepts its bounds' values.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sqliteFactory } from '@runledger/testkit';
import { harness, type Harness } from './helpers.js';

interface Param {
  readonly name: string;
  readonly in: 'query' | 'path';
  readonly required?: boolean;
  readonly schema: { type?: string; minimum?: number; maximum?: number };
}
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly params: Param[];
}

const BAD = [
  '1e309',
  'Infinity',
  '-Infinity',
  '-1',
  '1.5',
  '0x10',
  'NaN',
  '',
  ' 5',
  '5 ',
  '1e3',
  '+5',
  '007',
  'true',
  '99999999999999999999999',
  '9007199254740993',
];

describe('numeric parameters', () => {
  let h: Harness;
  let ops: Operation[];
  before(async () => {
    h = await harness(await sqliteFactory.create(), { rateLimits: { perToken: { capacity: 100_000, refillPerSecond: 1000 } } });
    // A few entries so that `from`/`index` 0 and 1 name real ones.
    for (const text of ['a', 'b', 'c'])
      assert.equal((await h.inject({ method: 'POST', url: '/api/v1/ledger/notes', token: h.tokens.operator, body: { text } })).status, 201);
    const doc = (await h.inject({ url: '/api/v1/openapi.json' })).json as { paths: Record<string, Record<string, { parameters?: Param[] }>> };
    ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, op]) => ({ method: method.toUpperCase(), path, params: op.parameters ?? [] })),
    );
  });
  after(async () => {
    await h.close();
    await sqliteFactory.teardown();
  });

  const numeric = (): { op: Operation; p: Param }[] =>
    ops.flatMap((op) => op.params.filter((p) => p.schema.type === 'integer' || p.schema.type === 'number').map((p) => ({ op, p })));

  /** A URL for the operation with `value` for `target` and a valid value for every other parameter. */
  const url = (op: Operation, target: Param, value: string): string => {
    let path = op.path;
    const query: string[] = [];
    for (const p of op.params) {
      const v = p === target ? value : p.schema.type === 'integer' || p.schema.type === 'number' ? String(p.schema.minimum ?? 0) : 'x';
      if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(v));
      else if (p === target || p.required) query.push(`${p.name}=${encodeURIComponent(v)}`);
    }
    return query.length > 0 ? `${path}?${query.join('&')}` : path;
  };

  it('the document lists the numeric parameters, each an integer bounded on both sides', () => {
    const all = numeric();
    const names = all.map(({ op, p }) => `${op.method} ${op.path} ${p.in}:${p.name}`).sort();
    // The known ones are there (the list grows as routes do; each new one is covered below).
    for (const n of [
      'GET /api/v1/ledger/entries query:limit',
      'GET /api/v1/ledger/entries query:from',
      'GET /api/v1/ledger/entries/{seq} path:seq',
      'GET /api/v1/runs query:limit',
      'GET /api/v1/ledger/proof/inclusion query:index',
      'GET /api/v1/ledger/proof/consistency query:from',
    ]) {
      assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
    }
    for (const { op, p } of all) {
      assert.equal(p.schema.type, 'integer', `${op.path} ${p.name}`);
      assert.equal(typeof p.schema.minimum, 'number', `${op.path} ${p.name} has a minimum`);
      assert.equal(typeof p.schema.maximum, 'number', `${op.path} ${p.name} has a maximum`);
      assert.ok(Number.isSafeInteger(p.schema.maximum), `${op.path} ${p.name}: maximum is a safe integer`);
    }
  });

  it('each malformed or out-of-range value is 400 VALIDATION_FAILED at /querystring/<name> or /params/<name>', async () => {
    for (const { op, p } of numeric()) {
      // Path parameters are checked for every method (they are validated first); query ones on GET.
      if (op.method !== 'GET' && p.in !== 'path') continue;
      const outOfRange = [String((p.schema.minimum ?? 0) - 1), String((p.schema.maximum ?? 0) + 1)];
      for (const bad of [...BAD, ...outOfRange]) {
        const u = url(op, p, bad);
        const r = await h.inject({ method: op.method as 'GET', url: u, token: h.tokens.admin, ...(op.method === 'GET' ? {} : { body: {} }) });
        assert.equal(r.status, 400, `${op.method} ${u}: ${r.text}`);
        assert.equal(r.json.error.code, 'VALIDATION_FAILED', u);
        assert.equal(r.json.error.details[0].path, `/${p.in === 'query' ? 'querystring' : 'params'}/${p.name}`, u);
      }
    }
  });

  it('values within bounds are accepted (no VALIDATION_FAILED, no 5xx), and they take effect', async () => {
    for (const { op, p } of numeric()) {
      if (op.method !== 'GET') continue;
      for (const good of [String(p.schema.minimum), String(p.schema.maximum), '1']) {
        const u = url(op, p, good);
        const r = await h.inject({ url: u, token: h.tokens.admin });
        assert.ok(r.status < 500, `${u}: ${r.text}`);
        assert.notEqual(r.json?.error?.code, 'VALIDATION_FAILED', `${u}: ${r.text}`);
      }
    }
    const page = await h.inject({ url: '/api/v1/ledger/entries?from=1&limit=2', token: h.tokens.viewer });
    assert.deepEqual(
      page.json.entries.map((e: { seq: number }) => e.seq),
      [1, 2],
    );
    assert.equal(page.json.next, 3);
    const one = await h.inject({ url: '/api/v1/ledger/entries/2', token: h.tokens.viewer });
    assert.equal(one.json.seq, 2);
  });
});

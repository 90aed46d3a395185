// parseCanonicalJson must accept exactly the texts that equal canonicalize(JSON.parse(text)).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalize, NOT_CANONICAL, parseCanonicalJson } from '@runledger/ledger';

function oracle(text: string): boolean {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return false;
  }
  try {
    return canonicalize(v) === text;
  } catch {
    return false;
  }
}

describe('parseCanonicalJson', () => {
  it('round-trips every canonical text to an equal value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = canonicalize(v);
        const parsed = parseCanonicalJson(text);
        assert.notEqual(parsed, NOT_CANONICAL, text);
        assert.equal(canonicalize(parsed), text);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with the oracle on non-canonical variants', () => {
    const variant = fc.tuple(fc.jsonValue(), fc.constantFrom(0, 1, 2, 3)).map(([v, how]) => {
      if (how === 0) return JSON.stringify(v); // JS key order, maybe not sorted
      if (how === 1) return JSON.stringify(v, null, 1);
      if (how === 2) return canonicalize(v).replace(/(\d)(?=[,\]}]|$)/, '$1.0');
      return canonicalize(v).replace(/"/, '"\\u0041');
    });
    fc.assert(
      fc.property(variant, (text) => {
        assert.equal(parseCanonicalJson(text) !== NOT_CANONICAL, oracle(text), text);
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects the classic non-canonical forms', () => {
    const bad = [
      '{"b":1,"a":2}',
      '{"a":1,"a":1}',
      '{"a":1 }',
      '[1,2,]',
      '1.0',
      '1e3',
      '-0',
      '"\\u00e9"',
      '"\\/"',
      '"\\u001F"',
      '"\\n"x',
      '',
      ' 1',
      '"\\ud800"',
      'tru',
      '01',
    ];
    for (const t of bad) assert.equal(parseCanonicalJson(t), NOT_CANONICAL, t);
    const good = ['{"a":2,"b":1}', '1e+21', '"\\u001f"', '"\\n"', '"é"', '[]', '{}', 'null', '-1.5', '"😀"', '{"\\r":1,"1":2}'];
    for (const t of good) assert.notEqual(parseCanonicalJson(t), NOT_CANONICAL, t);
  });
});

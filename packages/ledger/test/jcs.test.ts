// RFC 8785 (JSON Canonicalization Scheme) known answers.
// Vectors: RFC 8785 §3.2.2 (sample object), §3.2.3 (sorting example), §3.2.4 (UTF-8 bytes of the §3.2.2
// output) and Appendix B (IEEE-754 bit patterns → canonical number text), stored in test/vectors/jcs/;
// the other input/output pairs there are from cyberphone/json-canonicalization testdata/ (the RFC's
// reference implementation). Everything else here is derived from the RFC's rules, not from our output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { canonicalize, LedgerError } from '@runledger/ledger';

const vectorDir = new URL('./vectors/jcs/', import.meta.url);
const readVector = (name: string): string => readFileSync(new URL(name, vectorDir), 'utf8');

function assertUnsupported(value: unknown, what: string): void {
  assert.throws(
    () => canonicalize(value),
    (e: unknown) => e instanceof LedgerError && e.code === 'JCS_UNSUPPORTED_VALUE',
    `${what} must be rejected with JCS_UNSUPPORTED_VALUE`,
  );
}

test('RFC 8785 §3.2.2 sample object: exact canonical text', () => {
  const input = JSON.parse(readVector('rfc8785-3.2.2.input.json')) as unknown;
  const expected = readVector('rfc8785-3.2.2.output.json');
  assert.equal(
    expected,
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    'vector file sanity check',
  );
  assert.equal(canonicalize(input), expected);
});

test('RFC 8785 §3.2.4: UTF-8 bytes of the §3.2.2 canonical form', () => {
  const input = JSON.parse(readVector('rfc8785-3.2.2.input.json')) as unknown;
  const expectedHex = readVector('rfc8785-3.2.4.output.hex').trim().split(/\s+/).join('');
  assert.equal(expectedHex.length, 2 * 118); // the RFC's byte dump is 118 bytes
  assert.equal(Buffer.from(canonicalize(input), 'utf8').toString('hex'), expectedHex);
});

test('RFC 8785 §3.2.3 sorting example: keys ordered by UTF-16 code units', () => {
  const input = JSON.parse(readVector('rfc8785-3.2.3.input.json')) as Record<string, string>;
  const out = canonicalize(input);
  assert.equal(out, readVector('rfc8785-3.2.3.output.json'));
  // The RFC lists the expected order by property value; find each in the output and check they ascend.
  const order = [
    'Carriage Return',
    'One',
    'Control',
    'Latin Small Letter O With Diaeresis',
    'Euro Sign',
    'Emoji: Grinning Face',
    'Hebrew Letter Dalet With Dagesh',
  ].map((v) => out.indexOf(`"${v}"`));
  assert.ok(
    order.every((pos, i) => pos > 0 && (i === 0 || pos > order[i - 1]!)),
    `value positions ${order.join(',')}`,
  );
  // And the keys in that order are \r, 1, U+0080, U+00F6, U+20AC, U+1F600, U+FB33.
  const keyOrder = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'].map((k) => out.indexOf(`${JSON.stringify(k)}:`));
  assert.ok(
    keyOrder.every((pos, i) => pos > 0 && (i === 0 || pos > keyOrder[i - 1]!)),
    `key positions ${keyOrder.join(',')}`,
  );
});

test('cyberphone/json-canonicalization testdata input/output pairs', () => {
  const names = ['arrays', 'structures', 'values', 'weird', 'french'];
  for (const name of names) {
    const input = JSON.parse(readVector(`cyberphone-${name}.input.json`)) as unknown;
    assert.equal(canonicalize(input), readVector(`cyberphone-${name}.output.json`), name);
  }
});

// RFC 8785 Appendix B. NaN and Infinity rows are "(3) not permitted" and are tested separately.
const APPENDIX_B: ReadonlyArray<readonly [string, string]> = [
  ['0000000000000000', '0'],
  ['8000000000000000', '0'],
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['c340000000000000', '-9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['44b52d02c7e14af5', '9.999999999999997e+22'],
  ['44b52d02c7e14af6', '1e+23'],
  ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'],
  ['444b1ae4d6e2ef4f', '999999999999999900000'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'],
  ['41b3de4355555554', '333333333.33333325'],
  ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'],
  ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'],
  ['43143ff3c1cb0959', '1424953923781206.2'],
];

function fromBits(hex: string): number {
  return Buffer.from(hex, 'hex').readDoubleBE(0);
}

test('RFC 8785 Appendix B: IEEE-754 values serialise exactly', () => {
  for (const [bits, expected] of APPENDIX_B) {
    const value = fromBits(bits);
    assert.equal(canonicalize(value), expected, `0x${bits}`);
    // Inside structures too (the serialiser takes another path for members and elements).
    assert.equal(canonicalize([value]), `[${expected}]`, `[0x${bits}]`);
    assert.equal(canonicalize({ n: value }), `{"n":${expected}}`, `{n: 0x${bits}}`);
    // And the text reads back as the same double (except -0, which JCS writes as 0).
    assert.ok(Object.is(Number(expected), value) || (Object.is(value, -0) && expected === '0'));
  }
  assert.ok(Number.isNaN(fromBits('7fffffffffffffff')));
  assertUnsupported(fromBits('7fffffffffffffff'), 'NaN (0x7fffffffffffffff)');
  assertUnsupported(fromBits('7ff0000000000000'), 'Infinity (0x7ff0000000000000)');
});

test('number formatting at the ECMAScript exponent boundaries', () => {
  const cases: ReadonlyArray<readonly [number, string]> = [
    [0, '0'],
    [-0, '0'],
    [1, '1'],
    [-1, '-1'],
    [1e21, '1e+21'],
    [1e20, '100000000000000000000'],
    [123e18, '123000000000000000000'],
    [1e-7, '1e-7'],
    [1e-6, '0.000001'],
    [1.5e-7, '1.5e-7'],
    [0.1, '0.1'],
    [0.1 + 0.2, '0.30000000000000004'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [9007199254740992, '9007199254740992'],
    [Number('9007199254740993'), '9007199254740992'], // the decimal already rounds to 2^53 when parsed
    [295147905179352830000, '295147905179352830000'],
    [2 ** 68, '295147905179352830000'],
    [4.5, '4.5'],
    [2e-3, '0.002'],
    [1e30, '1e+30'],
    [-1e-7, '-1e-7'],
  ];
  for (const [value, expected] of cases) assert.equal(canonicalize(value), expected, `${value}`);
  // JSON text with different spellings of one value canonicalises to one text.
  for (const spelling of ['4.50', '4.5', '45e-1', '0.45E1', '4.500000000000000000000']) {
    assert.equal(canonicalize(JSON.parse(spelling)), '4.5', spelling);
  }
});

test('integer-like keys sort as strings, not in JavaScript property order', () => {
  const o: Record<string, number> = { '10': 1, '9': 2, '1': 3 };
  assert.deepEqual(Object.keys(o), ['1', '9', '10'], 'precondition: JS orders integer keys numerically');
  assert.equal(canonicalize(o), '{"1":3,"10":1,"9":2}');
  const mixed = JSON.parse('{"b":0,"2":1,"10":2,"a":3,"-1":4,"01":5,"1.5":6,"":7,"B":8}') as unknown;
  assert.equal(canonicalize(mixed), '{"":7,"-1":4,"01":5,"1.5":6,"10":2,"2":1,"B":8,"a":3,"b":0}');
  assert.equal(canonicalize({ 4294967295: 'a', 4294967294: 'b', 99: 'c' }), '{"4294967294":"b","4294967295":"a","99":"c"}');
});

test('surrogate pairs sort by code unit, not by code point', () => {
  // U+1F600 is D83D DE00 in UTF-16, which sorts before U+FB33 and U+E000 although its code point is larger.
  const o = { '\ufb33': 1, '\ud83d\ude00': 2, '\ue000': 3, '\uffff': 4, '\ud800\udc00': 5 };
  assert.equal(canonicalize(o), '{"\ud800\udc00":5,"\ud83d\ude00":2,"\ue000":3,"\ufb33":1,"\uffff":4}');
});

/** RFC 8785 §3.2.2.2 string serialisation, written out from the RFC's rules. */
function referenceString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

test('string escaping: every BMP code unit outside the surrogate range matches RFC 8785 §3.2.2.2', () => {
  for (let c = 0; c <= 0xffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const s = String.fromCharCode(c);
    const got = canonicalize(s);
    if (got !== referenceString(s)) assert.fail(`U+${c.toString(16).padStart(4, '0')}: ${JSON.stringify(got)}`);
  }
  // Spot checks the loop relies on: lowercase hex, no escaping of '/', DEL, U+2028/2029.
  assert.equal(canonicalize('\u001f\u007f/\u2028\u2029'), '"\\u001f\u007f/\u2028\u2029"');
  assert.equal(canonicalize('\b\t\n\f\r"\\'), '"\\b\\t\\n\\f\\r\\"\\\\"');
  assert.equal(canonicalize({ '\u000b': '\u000b' }), '{"\\u000b":"\\u000b"}');
});

test('literals, nesting and empty structures', () => {
  assert.equal(canonicalize(null), 'null');
  assert.equal(canonicalize(true), 'true');
  assert.equal(canonicalize(false), 'false');
  assert.equal(canonicalize(''), '""');
  assert.equal(canonicalize([]), '[]');
  assert.equal(canonicalize({}), '{}');
  assert.equal(canonicalize([[], {}, [{}], { a: [] }]), '[[],{},[{}],{"a":[]}]');
  assert.equal(canonicalize({ b: { d: 1, c: [3, { z: 0, y: null }] }, a: 'x' }), '{"a":"x","b":{"c":[3,{"y":null,"z":0}],"d":1}}');
  // Objects without a prototype are plain data.
  const bare = Object.create(null) as Record<string, unknown>;
  bare.k = 1;
  assert.equal(canonicalize(bare), '{"k":1}');
  // An own "__proto__" member (as JSON.parse creates it) is an ordinary key.
  assert.equal(canonicalize(JSON.parse('{"__proto__":1,"a":2}')), '{"__proto__":1,"a":2}');
});

test('undefined members are omitted like JSON.stringify; undefined elsewhere is rejected', () => {
  assert.equal(canonicalize({ a: undefined, b: 1 }), '{"b":1}');
  assert.equal(canonicalize({ a: undefined }), '{}');
  assertUnsupported(undefined, 'undefined at top level');
  assertUnsupported([1, undefined], 'undefined array element');
  // eslint-disable-next-line no-sparse-arrays
  assertUnsupported([1, , 3], 'array hole');
});

test('non-JSON values are rejected', () => {
  assertUnsupported(Number.NaN, 'NaN');
  assertUnsupported(Number.POSITIVE_INFINITY, 'Infinity');
  assertUnsupported(Number.NEGATIVE_INFINITY, '-Infinity');
  assertUnsupported({ a: [1, Number.NaN] }, 'nested NaN');
  assertUnsupported(() => 1, 'a function');
  assertUnsupported({ f() {} }, 'a function member');
  assertUnsupported(Symbol('s'), 'a symbol');
  assertUnsupported(10n, 'a BigInt');
  assertUnsupported({ n: 2n ** 64n }, 'a nested BigInt');
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }
  assertUnsupported(new Point(1, 2), 'a class instance');
  assertUnsupported(new Date(0), 'a Date (toJSON is not consulted)');
  assertUnsupported(new Map([['a', 1]]), 'a Map');
  assertUnsupported(new Set([1]), 'a Set');
  assertUnsupported(new Uint8Array(2), 'a typed array');
  assertUnsupported(/re/, 'a RegExp');
  assertUnsupported(Object('s'), 'a boxed string');
  assertUnsupported(Object(1), 'a boxed number');
  assertUnsupported([new Point(0, 0)], 'a class instance inside an array');
});

test('lone surrogates are rejected in values and keys (not I-JSON)', () => {
  for (const bad of ['\ud800', '\udfff', 'a\ud83d', '\ude00b', '\udc00\ud800', 'x\ud83d\ude00\ud83d']) {
    assertUnsupported(bad, `string ${JSON.stringify(bad)}`);
    assertUnsupported({ [bad]: 1 }, `key ${JSON.stringify(bad)}`);
    assertUnsupported([{ a: bad }], `nested ${JSON.stringify(bad)}`);
  }
  // A well-formed pair is fine and is written literally, not escaped.
  assert.equal(canonicalize('\ud83d\ude00'), '"\ud83d\ude00"');
});

/** Replaces -0 by 0 everywhere: the only value JSON cannot carry through a round trip. */
function normalizeZero(v: unknown): unknown {
  if (typeof v === 'number') return Object.is(v, -0) ? 0 : v;
  if (Array.isArray(v)) return v.map(normalizeZero);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: normalizeZero(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/** Rebuilds every object with its keys inserted in a different order. */
function reorder(v: unknown, seed: number): unknown {
  if (Array.isArray(v)) return v.map((x) => reorder(x, seed));
  if (v === null || typeof v !== 'object') return v;
  const entries = Object.entries(v);
  const k = entries.length === 0 ? 0 : seed % entries.length;
  const out: Record<string, unknown> = {};
  for (const [key, x] of [...entries.slice(k), ...entries.slice(0, k)].reverse()) {
    Object.defineProperty(out, key, { value: reorder(x, seed), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const anyJson = fc.jsonValue({ stringUnit: 'binary', maxDepth: 5 });

test('property: canonical text is valid JSON, idempotent and value-preserving', () => {
  fc.assert(
    fc.property(anyJson, (x) => {
      const once = canonicalize(x);
      const parsed = JSON.parse(once) as unknown; // throws if not valid JSON
      assert.equal(canonicalize(parsed), once);
      assert.deepEqual(parsed, normalizeZero(x));
      // And it is what an independent reference serialiser (written from the RFC) produces.
      assert.equal(once, referenceCanonicalize(x));
    }),
    { numRuns: 500 },
  );
});

/**
 * RFC 8785 §3.2 written out independently: members sorted by UTF-16 code units, strings per §3.2.2.2,
 * numbers per §3.2.2.3 (which is ECMAScript Number::toString, i.e. String(n), with -0 written as 0).
 */
function referenceCanonicalize(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Object.is(v, -0) ? '0' : String(v);
  if (typeof v === 'string') return referenceString(v);
  if (Array.isArray(v)) return `[${v.map(referenceCanonicalize).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort(compareCodeUnits);
  return `{${keys.map((k) => `${referenceString(k)}:${referenceCanonicalize(o[k])}`).join(',')}}`;
}

/** UTF-16 code unit comparison written out (RFC 8785 §3.2.3), independent of Array.prototype.sort's default. */
function compareCodeUnits(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

test('property: output does not depend on key insertion order', () => {
  fc.assert(
    fc.property(anyJson, fc.nat(), (x, seed) => {
      assert.equal(canonicalize(reorder(x, seed)), canonicalize(x));
    }),
    { numRuns: 300 },
  );
});

test('property: member order follows UTF-16 code units for arbitrary keys', () => {
  const key = fc.string({ unit: 'binary', maxLength: 6 });
  fc.assert(
    fc.property(fc.uniqueArray(key, { maxLength: 12 }), (keys) => {
      const o: Record<string, number> = {};
      keys.forEach((k, i) => Object.defineProperty(o, k, { value: i, enumerable: true, writable: true, configurable: true }));
      const text = canonicalize(o);
      const expected = `{${[...keys]
        .sort(compareCodeUnits)
        .map((k) => `${referenceString(k)}:${o[k]}`)
        .join(',')}}`;
      assert.equal(text, expected);
    }),
    { numRuns: 500 },
  );
});

test('property: every finite double round-trips through its canonical text', () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
      const text = canonicalize(d);
      assert.match(text, /^-?(0|[1-9][0-9]*)(\.[0-9]+)?(e[+-][1-9][0-9]*)?$/);
      assert.ok(Object.is(JSON.parse(text), Object.is(d, -0) ? 0 : d));
    }),
    { numRuns: 2000 },
  );
});

test('property: strings mixing backslashes, "u", hex digits and surrogates are rejected exactly when a surrogate is lone', () => {
  const piece = fc.constantFrom('\\', '\\\\', 'u', 'd', 'D', '8', '0', 'c', '"', 'a', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d\ude00');
  const hasLone = (s: string): boolean => {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
        else return true;
      } else if (c >= 0xdc00 && c <= 0xdfff) return true;
    }
    return false;
  };
  fc.assert(
    fc.property(
      fc.array(piece, { maxLength: 12 }).map((p) => p.join('')),
      (s) => {
        for (const value of [s, { [s]: s }, [s, 1]]) {
          if (hasLone(s)) assertUnsupported(value, JSON.stringify(s));
          else assert.equal(canonicalize(value), referenceCanonicalize(value));
        }
      },
    ),
    { numRuns: 3000 },
  );
});

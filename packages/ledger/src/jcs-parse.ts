// A single-pass parser that accepts only RFC 8785 canonical JSON text. The verifier uses it instead of
// JSON.parse + canonicalize + compare: one pass over the text, and the same answer (property-tested).
const NOT_CANONICAL: unique symbol = Symbol('not canonical');
export { NOT_CANONICAL };

// Escapes JCS (= JSON.stringify) writes: short forms for these, \u00xx (lower-case hex) for other controls.
const SHORT_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const HEX = '0123456789abcdef';

class P {
  i = 0;
  constructor(readonly s: string) {}
}

function parseString(p: P): string | typeof NOT_CANONICAL {
  const s = p.s;
  let i = p.i + 1; // after the opening quote
  let start = i;
  let out = '';
  for (;;) {
    if (i >= s.length) return NOT_CANONICAL;
    const c = s.charCodeAt(i);
    if (c === 0x22) break;
    if (c < 0x20) return NOT_CANONICAL;
    if (c >= 0xd800 && c <= 0xdfff) {
      // Raw surrogates must pair up (a lone one is not I-JSON).
      if (c >= 0xdc00) return NOT_CANONICAL;
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return NOT_CANONICAL;
      i += 2;
      continue;
    }
    if (c === 0x5c) {
      out += s.slice(start, i);
      const e = s[i + 1];
      if (e === undefined) return NOT_CANONICAL;
      const short = SHORT_ESCAPES[e];
      if (short !== undefined) {
        out += short;
        i += 2;
      } else if (e === 'u') {
        // Only controls without a short form are written as \u00xx.
        if (s[i + 2] !== '0' || s[i + 3] !== '0') return NOT_CANONICAL;
        const h1 = HEX.indexOf(s[i + 4] ?? 'x');
        const h2 = HEX.indexOf(s[i + 5] ?? 'x');
        if (h1 < 0 || h2 < 0 || h1 > 1) return NOT_CANONICAL;
        const code = h1 * 16 + h2;
        if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) return NOT_CANONICAL;
        out += String.fromCharCode(code);
        i += 6;
      } else return NOT_CANONICAL;
      start = i;
      continue;
    }
    i++;
  }
  p.i = i + 1;
  return start === p.i - 1 && out === '' ? s.slice(start, i) : out + s.slice(start, i);
}

function isNumChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}

function parseValue(p: P): unknown {
  const s = p.s;
  const c = s.charCodeAt(p.i);
  if (c === 0x22) return parseString(p);
  if (c === 0x7b) {
    p.i++;
    const o: Record<string, unknown> = {};
    if (s.charCodeAt(p.i) === 0x7d) {
      p.i++;
      return o;
    }
    let prev: string | undefined;
    for (;;) {
      if (s.charCodeAt(p.i) !== 0x22) return NOT_CANONICAL;
      const k = parseString(p);
      if (k === NOT_CANONICAL) return NOT_CANONICAL;
      // Strictly increasing in UTF-16 code units: sorted and no duplicates.
      if (prev !== undefined && !(prev < k)) return NOT_CANONICAL;
      prev = k;
      if (s.charCodeAt(p.i) !== 0x3a) return NOT_CANONICAL;
      p.i++;
      const v = parseValue(p);
      if (v === NOT_CANONICAL) return NOT_CANONICAL;
      if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      else o[k] = v;
      const d = s.charCodeAt(p.i++);
      if (d === 0x7d) return o;
      if (d !== 0x2c) return NOT_CANONICAL;
    }
  }
  if (c === 0x5b) {
    p.i++;
    const a: unknown[] = [];
    if (s.charCodeAt(p.i) === 0x5d) {
      p.i++;
      return a;
    }
    for (;;) {
      const v = parseValue(p);
      if (v === NOT_CANONICAL) return NOT_CANONICAL;
      a.push(v);
      const d = s.charCodeAt(p.i++);
      if (d === 0x5d) return a;
      if (d !== 0x2c) return NOT_CANONICAL;
    }
  }
  if (s.startsWith('true', p.i)) {
    p.i += 4;
    return true;
  }
  if (s.startsWith('false', p.i)) {
    p.i += 5;
    return false;
  }
  if (s.startsWith('null', p.i)) {
    p.i += 4;
    return null;
  }
  const start = p.i;
  while (p.i < s.length && isNumChar(s.charCodeAt(p.i))) p.i++;
  if (p.i === start) return NOT_CANONICAL;
  const text = s.slice(start, p.i);
  const n = Number(text);
  // Canonical iff ECMAScript's serialisation of the value gives the same text back (RFC 8785 §3.2.2.3).
  if (!Number.isFinite(n) || JSON.stringify(n) !== text) return NOT_CANONICAL;
  return n;
}

/**
 * Parses `text` if it is exactly the JCS serialisation of some JSON value; otherwise returns
 * NOT_CANONICAL (which covers both invalid JSON and valid but non-canonical JSON).
 */
export function parseCanonicalJson(text: string): unknown {
  if (text.length === 0) return NOT_CANONICAL;
  const p = new P(text);
  const v = parseValue(p);
  if (v === NOT_CANONICAL || p.i !== text.length) return NOT_CANONICAL;
  return v;
}

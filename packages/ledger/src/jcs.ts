// RFC 8785 JSON Canonicalization Scheme. ECMAScript's JSON.stringify already serialises numbers and
// strings exactly as JCS requires (RFC 8785 §3.2.2.2/3), so only key order and I-JSON limits are ours.
import { LedgerError } from './errors.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkString(s: string, path: string): void {
  if (LONE_SURROGATE.test(s)) throw new LedgerError('JCS_UNSUPPORTED_VALUE', `${path}: lone surrogate in string (not I-JSON)`);
}

function write(value: unknown, path: string, out: string[]): void {
  switch (typeof value) {
    case 'string':
      checkString(value, path);
      out.push(JSON.stringify(value));
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new LedgerError('JCS_UNSUPPORTED_VALUE', `${path}: ${value} is not a JSON number`);
      // -0 serialises as 0, as RFC 8785 requires; JSON.stringify does that too.
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'object': {
      if (value === null) {
        out.push('null');
        return;
      }
      if (Array.isArray(value)) {
        out.push('[');
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out.push(',');
          write(value[i], `${path}[${i}]`, out);
        }
        out.push(']');
        return;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw new LedgerError('JCS_UNSUPPORTED_VALUE', `${path}: only plain objects can be canonicalised`);
      }
      // Default sort compares UTF-16 code units, which is exactly RFC 8785 §3.2.3.
      const keys = Object.keys(value).sort();
      out.push('{');
      let first = true;
      for (const k of keys) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined) continue; // absent, as JSON.stringify treats it
        checkString(k, path);
        if (!first) out.push(',');
        first = false;
        out.push(JSON.stringify(k), ':');
        write(v, `${path}.${k}`, out);
      }
      out.push('}');
      return;
    }
    default:
      throw new LedgerError('JCS_UNSUPPORTED_VALUE', `${path}: ${typeof value} cannot be represented in JSON`);
  }
}

/** Canonical JSON text of a value (RFC 8785). Throws LedgerError JCS_UNSUPPORTED_VALUE for non-JSON input. */
export function canonicalize(value: unknown): string {
  const out: string[] = [];
  write(value, '$', out);
  return out.join('');
}

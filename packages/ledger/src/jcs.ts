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

/**
 * Fast path: string concatenation, no path bookkeeping. The verifier canonicalises every entry, so
 * this is hot. Returns undefined where the value needs the careful path (errors, lone surrogates).
 */
function fast(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let s = '[';
        for (let i = 0; i < value.length; i++) {
          const v = fast(value[i]);
          if (v === undefined) return undefined;
          s += i > 0 ? `,${v}` : v;
        }
        return `${s}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return undefined;
      const keys = Object.keys(value).sort();
      let s = '{';
      let first = true;
      for (const k of keys) {
        const raw = (value as Record<string, unknown>)[k];
        if (raw === undefined) continue;
        const v = fast(raw);
        if (v === undefined) return undefined;
        s += `${first ? '' : ','}${JSON.stringify(k)}:${v}`;
        first = false;
      }
      return `${s}}`;
    }
    default:
      return undefined;
  }
}

// JSON.stringify writes a lone surrogate as a \udXXX escape (and nothing else that way): an odd run of
// backslashes before "ud8".."udf" in the output means a lone surrogate somewhere in the input.
const ESCAPED_SURROGATE = /(?<!\\)(?:\\\\)*\\ud[89a-f]/;

/** Canonical JSON text of a value (RFC 8785). Throws LedgerError JCS_UNSUPPORTED_VALUE for non-JSON input. */
export function canonicalize(value: unknown): string {
  const s = fast(value);
  if (s !== undefined && !ESCAPED_SURROGATE.test(s)) return s;
  // Careful path: names the JSON path of the problem.
  const out: string[] = [];
  write(value, '$', out);
  return out.join('');
}

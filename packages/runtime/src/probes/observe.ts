// Caps and redaction for observations: they may be kept as history, so every string is bounded and
// passes through the same redaction as the detail line.
import { REDACTION_MARK } from '../redact.js';
import type { ProbeObservation } from './spec.js';

export const MAX_OBSERVED_HEADERS = 64;
export const MAX_OBSERVED_HEADER_CHARS = 1024;
/** Command output, Redis replies. */
export const MAX_OBSERVED_TEXT_CHARS = 64 * 1024;
export const MAX_OBSERVED_COLUMNS = 32;
export const MAX_OBSERVED_VALUE_CHARS = 1024;

/** Headers that carry credentials by design: shown as present, never their value. */
const SECRET_HEADERS = new Set(['set-cookie', 'authorization', 'proxy-authorization', 'cookie']);

export function cap(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max);
}

/** Node's response headers → lower-cased names (Node already lower-cases), joined, capped, secrets masked. */
export function observeHeaders(raw: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (n++ >= MAX_OBSERVED_HEADERS) break;
    const key = name.toLowerCase();
    out[key] = SECRET_HEADERS.has(key) ? REDACTION_MARK : cap(Array.isArray(value) ? value.join(', ') : value, MAX_OBSERVED_HEADER_CHARS);
  }
  return out;
}

/** Every string of an observation through `redact` (the caller's secrets, the URL's password). */
export function redactObservation(o: ProbeObservation, redact: (s: string) => string): ProbeObservation {
  const out: { -readonly [K in keyof ProbeObservation]: ProbeObservation[K] } = { ...o };
  if (o.headers) out.headers = Object.fromEntries(Object.entries(o.headers).map(([k, v]) => [k, redact(v)]));
  if (o.body !== undefined) out.body = redact(o.body);
  if (o.output !== undefined) out.output = redact(o.output);
  if (o.reply !== undefined) out.reply = redact(o.reply);
  if (o.rows) out.rows = o.rows.map((v) => (v === null ? null : redact(v)));
  return out;
}

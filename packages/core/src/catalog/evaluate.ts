// Judges one probe observation against a check's conditions. Each condition says whether it held,
// what was seen (short and safe to store: bodies cut, credentials' headers hidden, the caller's
// redaction applied) and, when it could not be judged at all, why: a missing JSON path is not "false".
import type { Condition, ConditionSubject, Scalar } from './conditions.js';

/** What the runtime saw. Only the fields of the probe's kind are set; `now` dates certificate expiry. */
export interface Observation {
  readonly now: number;
  /** The probe could not complete (refused, timed out, no DNS answer): every condition fails. */
  readonly error?: string;
  readonly status?: number;
  readonly latencyMs?: number;
  readonly body?: string;
  /** Parsed body, when the caller already has it; otherwise the body (or output) is parsed once here. */
  readonly json?: unknown;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** NotAfter of the verified chain (the certificate clients fail on), ms since the epoch. */
  readonly certExpiresAt?: number;
  readonly exit?: number;
  readonly output?: string;
  readonly rows?: ReadonlyArray<Readonly<Record<string, unknown>>>;
  /** A query's single value (first column of the first row) or a command's reply. */
  readonly result?: unknown;
  readonly reply?: string;
  readonly addresses?: readonly string[];
}

export type ConditionReason = 'status' | 'body' | 'latency' | 'json' | 'header' | 'tls_expiring' | 'exit' | 'output' | 'result' | 'error' | 'unevaluable';

export interface ConditionResult {
  readonly condition: string;
  readonly ok: boolean;
  /** What was seen, at most ~80 characters. */
  readonly actual: string;
  /** Set when not ok: which part failed (`unevaluable`: it could not be judged, see `message`). */
  readonly reason?: ConditionReason;
  readonly message?: string;
}

export interface EvaluateOptions {
  /** The runtime's redaction by value (secrets it knows), applied to every `actual`. */
  readonly redact?: (text: string) => string;
}

const SENSITIVE_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token']);
const REASON: Record<ConditionSubject['kind'], ConditionReason> = {
  status: 'status',
  latency: 'latency',
  body: 'body',
  json: 'json',
  header: 'header',
  cert: 'tls_expiring',
  exit: 'exit',
  output: 'output',
  rows: 'result',
  result: 'result',
  reply: 'result',
  addresses: 'result',
};
const DAY = 86_400_000;

/** Evaluates every condition (never stopping at the first failure, so the result names them all). */
export function evaluateConditions(conditions: readonly Condition[], obs: Observation, opts: EvaluateOptions = {}): ConditionResult[] {
  const redact = opts.redact ?? ((s: string) => s);
  let parsed: { ok: true; value: unknown } | { ok: false; why: string } | undefined;
  const json = (): { ok: true; value: unknown } | { ok: false; why: string } => {
    if (parsed) return parsed;
    if (obs.json !== undefined) return (parsed = { ok: true, value: obs.json });
    const text = obs.body ?? obs.output;
    if (text === undefined) return (parsed = { ok: false, why: 'there is no body to read JSON from' });
    try {
      return (parsed = { ok: true, value: JSON.parse(text) as unknown });
    } catch {
      return (parsed = { ok: false, why: `the body is not JSON (${text.length} bytes, starting ${short(text, 24)})` });
    }
  };
  return conditions.map((c) => {
    if (obs.error !== undefined)
      return { condition: c.text, ok: false, actual: short(redact(obs.error)), reason: 'error', message: `the probe failed: ${redact(obs.error)}` };
    const seen = subjectValue(c.subject, obs, json);
    if (!seen.ok) return { condition: c.text, ok: false, actual: 'n/a', reason: 'unevaluable', message: seen.why };
    const actual = redact(seen.show ?? show(seen.value, c.subject));
    const verdict = compare(c, seen.value);
    if (verdict.ok) return { condition: c.text, ok: true, actual };
    if (verdict.unevaluable) return { condition: c.text, ok: false, actual, reason: 'unevaluable', message: verdict.unevaluable };
    return { condition: c.text, ok: false, actual, reason: REASON[c.subject.kind], message: `${c.text} does not hold: saw ${actual}` };
  });
}

type Seen = { ok: true; value: unknown; show?: string } | { ok: false; why: string };

function subjectValue(s: ConditionSubject, obs: Observation, json: () => { ok: true; value: unknown } | { ok: false; why: string }): Seen {
  const need = (v: unknown, what: string): Seen => (v === undefined ? { ok: false, why: `the probe reported no ${what}` } : { ok: true, value: v });
  switch (s.kind) {
    case 'status':
      return need(obs.status, 'status');
    case 'latency':
      return obs.latencyMs === undefined ? need(undefined, 'latency') : { ok: true, value: obs.latencyMs, show: `${Math.round(obs.latencyMs)}ms` };
    case 'body':
      return need(obs.body, 'body');
    case 'output':
      return need(obs.output, 'output');
    case 'exit':
      return need(obs.exit, 'exit code');
    case 'reply':
      return need(obs.reply, 'reply');
    case 'addresses':
      return need(obs.addresses, 'DNS answer');
    case 'result':
      return need(obs.result ?? obs.rows?.[0]?.[Object.keys(obs.rows[0] ?? {})[0] ?? ''], 'query result');
    case 'rows': {
      const row = obs.rows?.[s.row];
      if (!row) return { ok: false, why: obs.rows ? `the query returned ${obs.rows.length} row(s); there is no row ${s.row}` : 'the probe reported no rows' };
      return Object.hasOwn(row, s.column)
        ? { ok: true, value: row[s.column] }
        : { ok: false, why: `row ${s.row} has no column ${s.column} (it has ${Object.keys(row).join(', ')})` };
    }
    case 'header': {
      const entry = Object.entries(obs.headers ?? {}).find(([k]) => k.toLowerCase() === s.name);
      if (!entry) return { ok: false, why: `the response has no ${s.name} header` };
      const v = typeof entry[1] === 'string' ? entry[1] : entry[1].join(', ');
      return { ok: true, value: v, ...(SENSITIVE_HEADERS.has(s.name) ? { show: '[redacted]' } : {}) };
    }
    case 'cert': {
      if (obs.certExpiresAt === undefined) return { ok: false, why: 'no verified certificate chain (not https, or the probe did not report it)' };
      const left = obs.certExpiresAt - obs.now;
      return { ok: true, value: left, show: left < 0 ? `expired ${days(-left)} ago` : `expires in ${days(left)}` };
    }
    case 'json': {
      const j = json();
      if (!j.ok) return { ok: false, why: j.why };
      let v: unknown = j.value;
      let at = '$';
      for (const k of s.path) {
        const next = typeof k === 'number' ? (Array.isArray(v) ? (v as unknown[])[k] : undefined) : isRecord(v) && Object.hasOwn(v, k) ? v[k] : undefined;
        if (next === undefined) return { ok: false, why: `json ${at} has no ${typeof k === 'number' ? `element [${k}]` : `key ${JSON.stringify(k)}`}` };
        v = next;
        at += typeof k === 'number' ? `[${k}]` : `.${k}`;
      }
      return { ok: true, value: v };
    }
  }
}

function compare(c: Condition, actual: unknown): { ok: boolean; unevaluable?: string } {
  const v = c.value;
  switch (c.op) {
    case '==':
      return { ok: same(actual, v) };
    case '!=':
      return { ok: !same(actual, v) };
    case 'in':
      return { ok: (v as readonly Scalar[]).some((x) => same(actual, x)) };
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const a = num(actual);
      if (a === undefined) return { ok: false, unevaluable: `${c.op} needs a number; saw ${show(actual, c.subject)}` };
      const b = v as number;
      return { ok: c.op === '<' ? a < b : c.op === '<=' ? a <= b : c.op === '>' ? a > b : a >= b };
    }
    case 'contains':
    case '!contains': {
      const has = Array.isArray(actual) ? actual.some((x) => same(x, v)) : typeof actual === 'string' ? actual.includes(String(v)) : undefined;
      if (has === undefined) return { ok: false, unevaluable: `${c.op} needs text or a list; saw ${show(actual, c.subject)}` };
      return { ok: c.op === 'contains' ? has : !has };
    }
    case 'matches': {
      if (typeof actual !== 'string' && typeof actual !== 'number' && typeof actual !== 'boolean')
        return { ok: false, unevaluable: `matches needs text; saw ${show(actual, c.subject)}` };
      return { ok: c.regex?.test(String(actual)) ?? false };
    }
  }
}

/** Equality of JSON values; a number in the condition also equals the same number written as text (headers, database columns). */
function same(a: unknown, b: unknown): boolean {
  if (typeof b === 'number' && typeof a === 'string') return a.trim() !== '' && Number(a) === b;
  if (typeof a === 'bigint') return typeof b === 'number' ? a === BigInt(b) : String(a) === b;
  return a === b;
}

function num(a: unknown): number | undefined {
  if (typeof a === 'number') return a;
  if (typeof a === 'bigint') return Number(a);
  if (typeof a === 'string' && a.trim() !== '' && Number.isFinite(Number(a))) return Number(a);
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown, s: ConditionSubject): string {
  if (typeof v === 'string') return s.kind === 'body' || s.kind === 'output' ? `${short(v, 40)} (${v.length} bytes)` : short(v);
  if (typeof v === 'bigint') return String(v);
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** A JSON-quoted excerpt: control characters escaped, cut at `max`. */
function short(s: string, max = 60): string {
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}

function days(ms: number): string {
  const d = Math.floor(ms / DAY);
  const h = Math.floor((ms % DAY) / 3_600_000);
  return d > 0 ? `${d}d${h}h` : `${h}h${Math.floor((ms % 3_600_000) / 60_000)}m`;
}

/** All conditions together: the check's success, and the first failure's reason as data. */
export function judgeObservation(
  conditions: readonly Condition[],
  obs: Observation,
  opts: EvaluateOptions = {},
): { readonly ok: boolean; readonly reason?: ConditionReason; readonly results: ConditionResult[] } {
  const results = evaluateConditions(conditions, obs, opts);
  if (conditions.length === 0 && obs.error !== undefined) return { ok: false, reason: 'error', results };
  const failed = results.find((r) => !r.ok);
  return failed?.reason ? { ok: false, reason: failed.reason, results } : { ok: true, results };
}

// Seed 003's rollback line: `<ISO time> | rollback | success | from=… | to=… | actor=… | reason=…`.
// `runledger release log` prints it from the ledger's release.rollback entries. Values are escaped
// (`\\`, `\|`, `\n`, `\r`) so a reason with a pipe or a newline keeps the line one parseable line.
import type { ReleaseFact } from './facts.js';

export interface RollbackLogEntry {
  readonly at: string;
  readonly outcome: 'success' | 'failure';
  readonly from: string;
  readonly to: string;
  readonly actor: string;
  readonly reason: string;
}

const ESC: Readonly<Record<string, string>> = { '\\': '\\\\', '|': '\\|', '\n': '\\n', '\r': '\\r' };
const UNESC: Readonly<Record<string, string>> = { '\\': '\\', '|': '|', n: '\n', r: '\r' };

export const escapeLogValue = (s: string): string => s.replace(/[\\|\n\r]/g, (c) => ESC[c] ?? c);

export function rollbackLogEntryOf(f: Extract<ReleaseFact, { type: 'release.rollback' }>): RollbackLogEntry {
  return { at: f.at, outcome: f.outcome, from: f.from, to: f.to, actor: f.actor, reason: f.reason };
}

export function formatRollbackLine(e: RollbackLogEntry): string {
  const kv = (k: string, v: string): string => `${k}=${escapeLogValue(v)}`;
  return [escapeLogValue(e.at), 'rollback', e.outcome, kv('from', e.from), kv('to', e.to), kv('actor', e.actor), kv('reason', e.reason)].join(' | ');
}

export type ParsedRollbackLine = { readonly ok: true; readonly entry: RollbackLogEntry } | { readonly ok: false; readonly error: string };

/** Splits on unescaped pipes and unescapes each field; a pipe inside a value is always escaped. */
function fields(line: string): string[] | string {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\') {
      const n = line[++i];
      const u = n === undefined ? undefined : UNESC[n];
      if (u === undefined) return `bad escape at column ${i}`;
      cur += u;
    } else if (c === '|') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  // The separator is " | ": drop exactly one space on each side, so a value's own spaces survive.
  return out.map((f, i) => {
    let s = f;
    if (i > 0 && s.startsWith(' ')) s = s.slice(1);
    if (i < out.length - 1 && s.endsWith(' ')) s = s.slice(0, -1);
    return s;
  });
}

export function parseRollbackLine(line: string): ParsedRollbackLine {
  const f = fields(line.replace(/\r?\n$/, ''));
  if (typeof f === 'string') return { ok: false, error: f };
  const [at, kind, outcome, ...rest] = f;
  if (at === undefined || Number.isNaN(Date.parse(at))) return { ok: false, error: `not a time: ${JSON.stringify(at)}` };
  if (kind !== 'rollback') return { ok: false, error: `not a rollback line: ${JSON.stringify(kind)}` };
  if (outcome !== 'success' && outcome !== 'failure') return { ok: false, error: `outcome ${JSON.stringify(outcome)} is not success or failure` };
  const kv: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq <= 0) return { ok: false, error: `field ${JSON.stringify(p)} is not key=value` };
    const k = p.slice(0, eq);
    if (k in kv) return { ok: false, error: `field ${k} appears twice` };
    kv[k] = p.slice(eq + 1);
  }
  for (const k of ['from', 'to', 'actor'] as const) if (kv[k] === undefined) return { ok: false, error: `missing ${k}=` };
  // The seed's own shell example leaves the reason out; read that as an empty reason rather than refuse it.
  return { ok: true, entry: { at, outcome, from: kv['from']!, to: kv['to']!, actor: kv['actor']!, reason: kv['reason'] ?? '' } };
}

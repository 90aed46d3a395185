// Collects problems as JSON paths while reading plain data (what YAML gives), so the validators can
// report every mistake at once and stay ignorant of files; parse.ts turns paths into file:line:col.
import { parseSeverity, SEVERITY_LABELS, type IncidentSeverity } from '../incidents/severity.js';
import { configDuration } from '../operations/validate.js';

export interface PathProblem {
  readonly path: string;
  readonly message: string;
}

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const NAME_RE = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/** A path step for a key: `.name` when the locator can read it back, else `["runledger.io/x"]`. */
export function keyStep(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

export class Checker {
  readonly problems: PathProblem[] = [];
  p(path: string, message: string): void {
    this.problems.push({ path, message });
  }
  /** Unknown keys are refused with the list of those allowed, so a typo cannot silently drop a setting. */
  keys(o: Obj, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.p(`${path}${keyStep(k)}`, `unknown key ${k} (expected one of ${allowed.join(', ')})`);
  }
  obj(v: unknown, path: string): Obj | undefined {
    if (isObj(v)) return v;
    this.p(path, `must be a mapping, not ${kindOf(v)}`);
    return undefined;
  }
  list(v: unknown, path: string): unknown[] {
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    this.p(path, `must be a list, not ${kindOf(v)}`);
    return [];
  }
  str(v: unknown, path: string, required = true): string | undefined {
    if (v === undefined || v === null) {
      if (required) this.p(path, 'required');
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '') {
      this.p(path, `must be a non-empty string, not ${kindOf(v)}`);
      return undefined;
    }
    return v;
  }
  name(v: unknown, path: string): string | undefined {
    const s = this.str(v, path);
    if (s !== undefined && !NAME_RE.test(s)) this.p(path, `${JSON.stringify(s)} is not a name: lower-case letters, digits, _ . - (at most 63)`);
    return s !== undefined && NAME_RE.test(s) ? s : undefined;
  }
  bool(v: unknown, path: string, dflt: boolean): boolean {
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') this.p(path, `must be true or false, not ${kindOf(v)}`);
    return v === true;
  }
  int(v: unknown, path: string, min: number, max: number, dflt?: number): number | undefined {
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      this.p(path, `must be an integer from ${min} to ${max}, not ${kindOf(v)}`);
      return dflt;
    }
    return v;
  }
  duration(v: unknown, path: string, dflt: number, min = 1): number {
    if (v === undefined) return dflt;
    const ms = typeof v === 'string' ? configDuration(v) : undefined;
    if (ms === undefined || ms < min) {
      this.p(path, `must be a duration such as 500ms, 30s, 1m, 1h or 7d, not ${kindOf(v)}`);
      return dflt;
    }
    return ms;
  }
  severity(v: unknown, path: string): IncidentSeverity | undefined {
    if (v === undefined) return undefined;
    const s = typeof v === 'string' ? (SEVERITY_LABELS[v.trim().toLowerCase()] ?? parseSeverity(v)) : undefined;
    if (s === undefined)
      this.p(path, `must be a severity: SEV-1, SEV-2, SEV-3 or one of ${Object.keys(SEVERITY_LABELS).join(', ')} (incidents know three severities)`);
    return s;
  }
  strMap(v: unknown, path: string): Record<string, string> | undefined {
    if (v === undefined) return undefined;
    const o = this.obj(v, path);
    if (!o) return undefined;
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(o)) {
      const s = this.str(x, `${path}${keyStep(k)}`);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
}

/** What a value is, for messages ("not a list" must not echo a value that may be a secret). */
export function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return v.length <= 40 ? JSON.stringify(v) : 'a long string';
  return `${typeof v} ${String(v)}`;
}

/** The closest of `names` to `wanted` by edit distance, when close enough to be a typo. */
export function didYouMean(wanted: string, names: Iterable<string>): string {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(wanted.length / 3)) + 1;
  for (const n of names) {
    const d = editDistance(wanted, n, bestD);
    if (d < bestD) [best, bestD] = [n, d];
  }
  return best === undefined ? '' : ` (did you mean ${best}?)`;
}

/** Levenshtein distance, giving up past `cap` (names are short; the cap keeps a big catalog cheap). */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin >= cap) return cap;
    prev = cur;
  }
  return prev[b.length]!;
}

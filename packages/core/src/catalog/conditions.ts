// Declarative check conditions in the spirit of Gatus (`status == 200`, `json.$.checks.db == "up"`,
// `latency < 300ms`, `cert.expiry > 7d`), parsed once at load time so a typo is reported with its
// column instead of failing every probe. `matches` runs on RE2: no pattern from a file can backtrack.
import { configDuration } from '../operations/validate.js';
import { compileUserRegex, type UserRegex } from '../regex/index.js';

export type ConditionSubject =
  | { readonly kind: 'status' | 'latency' | 'body' | 'cert' | 'exit' | 'output' | 'result' | 'reply' | 'addresses' }
  | { readonly kind: 'json'; readonly path: readonly (string | number)[] }
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'rows'; readonly row: number; readonly column: string };
export type SubjectKind = ConditionSubject['kind'];

export const CONDITION_OPS = ['==', '!=', '<=', '>=', '<', '>', '!contains', 'contains', 'in', 'matches'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];
export type Scalar = string | number | boolean | null;

export interface Condition {
  /** As written, for results and messages. */
  readonly text: string;
  readonly subject: ConditionSubject;
  readonly op: ConditionOp;
  /** Durations (latency, cert.expiry) are milliseconds; `in` takes a list. */
  readonly value: Scalar | readonly Scalar[];
  readonly regex?: UserRegex;
}

export type ParsedCondition = { readonly ok: true; readonly condition: Condition } | { readonly ok: false; readonly column: number; readonly message: string };

const NUMERIC: readonly ConditionOp[] = ['==', '!=', '<', '<=', '>', '>=', 'in'];
const TEXT: readonly ConditionOp[] = ['==', '!=', 'contains', '!contains', 'matches', 'in'];
const ANY: readonly ConditionOp[] = CONDITION_OPS;
const OPS_OF: Record<SubjectKind, readonly ConditionOp[]> = {
  status: NUMERIC,
  exit: NUMERIC,
  latency: ['<', '<=', '>', '>='],
  cert: ['<', '<=', '>', '>='],
  body: TEXT,
  output: TEXT,
  header: TEXT,
  reply: TEXT,
  json: ANY,
  rows: ANY,
  result: ANY,
  addresses: ['contains', '!contains'],
};

/** How each subject is written, for messages. */
export const SUBJECT_SYNTAX: Record<SubjectKind, string> = {
  status: 'status',
  latency: 'latency',
  body: 'body',
  json: 'json.$.path',
  header: 'header.NAME',
  cert: 'cert.expiry',
  exit: 'exit',
  output: 'output',
  rows: 'rows[N].column',
  result: 'result',
  reply: 'reply',
  addresses: 'dns.addresses',
};

class Fail extends Error {
  constructor(
    readonly at: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parses one condition. Columns in errors are 1-based positions in `text`. */
export function parseCondition(text: string): ParsedCondition {
  try {
    return { ok: true, condition: new Reader(text).condition() };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, column: e.at + 1, message: e.message };
    throw e;
  }
}

const WORD_RE = /[A-Za-z0-9_.:/+@-]+/y;
const NUMBER_RE = /^-?(0|[1-9]\d*)(\.\d+)?$/;

class Reader {
  private i = 0;
  constructor(private readonly s: string) {}

  condition(): Condition {
    this.ws();
    const subject = this.subject();
    this.ws();
    const opAt = this.i;
    const op = this.op();
    const allowed = OPS_OF[subject.kind];
    if (!allowed.includes(op)) throw new Fail(opAt, `${SUBJECT_SYNTAX[subject.kind]} takes ${allowed.join(', ')}; not ${op}`);
    this.ws();
    const valueAt = this.i;
    if (this.i >= this.s.length) throw new Fail(this.i, `expected a value after ${op}`);
    const value = op === 'in' ? this.list() : this.scalar(subject.kind === 'latency' || subject.kind === 'cert');
    this.ws();
    if (this.i < this.s.length)
      throw new Fail(this.i, `unexpected ${JSON.stringify(this.s.slice(this.i, this.i + 12))} after the value (quote a value with spaces)`);
    checkValue(subject.kind, op, value, valueAt);
    let regex: UserRegex | undefined;
    if (op === 'matches') {
      const r = compileUserRegex(String(value));
      if (!r.ok) throw new Fail(valueAt, `the pattern: ${r.problem.message}`);
      regex = r.regex;
    }
    return { text: this.s, subject, op, value, ...(regex ? { regex } : {}) };
  }

  private ws(): void {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++;
  }

  private subject(): ConditionSubject {
    const at = this.i;
    const m = /[A-Za-z_.]+/y;
    m.lastIndex = at;
    const head = m.exec(this.s)?.[0] ?? '';
    const simple: Record<string, 'status' | 'latency' | 'body' | 'exit' | 'output' | 'result' | 'reply'> = {
      status: 'status',
      latency: 'latency',
      body: 'body',
      exit: 'exit',
      output: 'output',
      result: 'result',
      reply: 'reply',
    };
    const kind = simple[head];
    if (kind && !/[[$]/.test(this.s[at + head.length] ?? '')) return ((this.i += head.length), { kind });
    if (head === 'cert.expiry') return ((this.i += head.length), { kind: 'cert' });
    if (head === 'dns.addresses') return ((this.i += head.length), { kind: 'addresses' });
    if (this.s.startsWith('header.', at)) {
      const h = /[A-Za-z0-9_-]+/y;
      h.lastIndex = at + 7;
      const name = h.exec(this.s)?.[0];
      if (!name) throw new Fail(at + 7, 'expected a header name after header. (header.content-type)');
      this.i = at + 7 + name.length;
      return { kind: 'header', name: name.toLowerCase() };
    }
    if (this.s.startsWith('json', at) && !/[A-Za-z0-9_]/.test(this.s[at + 4] ?? '')) return { kind: 'json', path: this.jsonPath() };
    if (this.s.startsWith('rows[', at)) return this.rows();
    const all = Object.values(SUBJECT_SYNTAX).join(', ');
    throw new Fail(at, head === '' ? `expected a subject (${all})` : `unknown subject ${JSON.stringify(head)}: expected ${all}`);
  }

  /** `json.$.a.b[0]["odd key"]`; `json` alone (or `json.$`) is the whole document. */
  private jsonPath(): (string | number)[] {
    this.i += 4;
    if (!this.s.startsWith('.$', this.i)) {
      if (this.i >= this.s.length || this.s[this.i] === ' ') return [];
      throw new Fail(this.i, 'a JSON path starts with json.$ (json.$.checks.db)');
    }
    this.i += 2;
    const path: (string | number)[] = [];
    for (;;) {
      const c = this.s[this.i];
      if (c === '.') {
        const k = /[A-Za-z_][A-Za-z0-9_-]*/y;
        k.lastIndex = this.i + 1;
        const key = k.exec(this.s)?.[0];
        if (!key) throw new Fail(this.i + 1, 'expected a key after . (write ["key"] for other characters)');
        path.push(key);
        this.i += 1 + key.length;
      } else if (c === '[') {
        this.i++;
        if (this.s[this.i] === '"') path.push(this.quoted());
        else path.push(this.index());
        if (this.s[this.i] !== ']') throw new Fail(this.i, 'expected ]');
        this.i++;
      } else return path;
    }
  }

  private rows(): ConditionSubject {
    this.i += 5;
    const row = this.index();
    if (!this.s.startsWith('].', this.i)) throw new Fail(this.i, 'expected ].column (rows[0].version)');
    this.i += 2;
    const k = /[A-Za-z_][A-Za-z0-9_]*/y;
    k.lastIndex = this.i;
    const column = k.exec(this.s)?.[0];
    if (!column) throw new Fail(this.i, 'expected a column name');
    this.i += column.length;
    return { kind: 'rows', row, column };
  }

  private index(): number {
    const d = /\d{1,6}/y;
    d.lastIndex = this.i;
    const n = d.exec(this.s)?.[0];
    if (n === undefined) throw new Fail(this.i, 'expected an index (a whole number)');
    this.i += n.length;
    return Number(n);
  }

  private op(): ConditionOp {
    const at = this.i;
    // Word operators need a word boundary: `containsx` is not `contains`.
    const found = CONDITION_OPS.find((o) => this.s.startsWith(o, at) && (!/[a-z]$/.test(o) || !/[A-Za-z0-9_]/.test(this.s[at + o.length] ?? '')));
    if (!found) throw new Fail(at, `expected an operator: ${CONDITION_OPS.join(', ')}`);
    this.i += found.length;
    return found;
  }

  private list(): Scalar[] {
    if (this.s[this.i] !== '[') throw new Fail(this.i, 'in takes a list: [200, 204]');
    this.i++;
    const out: Scalar[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === ']' && out.length === 0) throw new Fail(this.i, 'an empty list never matches');
      out.push(this.scalar(false));
      this.ws();
      const c = this.s[this.i];
      this.i++;
      if (c === ']') return out;
      if (c !== ',') throw new Fail(this.i - 1, 'expected , or ] in the list');
    }
  }

  private scalar(duration: boolean): Scalar {
    const at = this.i;
    const c = this.s[at];
    if (c === '"') return this.quoted();
    if (c === "'") {
      const end = this.s.indexOf("'", at + 1);
      if (end < 0) throw new Fail(at, 'unterminated quoted value');
      this.i = end + 1;
      return this.s.slice(at + 1, end);
    }
    WORD_RE.lastIndex = at;
    const w = WORD_RE.exec(this.s)?.[0];
    if (!w) throw new Fail(at, 'expected a value: a number, a duration, "text", true, false or null');
    this.i += w.length;
    if (duration) {
      const ms = configDuration(w);
      if (ms === undefined) throw new Fail(at, `expected a duration with its unit (300ms, 2s, 1m, 7d), not ${w}`);
      return ms;
    }
    if (w === 'true' || w === 'false') return w === 'true';
    if (w === 'null') return null;
    // `0010` stays text: a migration head or version is not the number 10.
    return NUMBER_RE.test(w) ? Number(w) : w;
  }

  private quoted(): string {
    const at = this.i;
    const m = /"(?:[^"\\]|\\.)*"/y;
    m.lastIndex = at;
    const q = m.exec(this.s)?.[0];
    if (!q) throw new Fail(at, 'unterminated quoted value');
    this.i += q.length;
    try {
      return JSON.parse(q) as string;
    } catch {
      throw new Fail(at, 'bad escape in a quoted value (JSON escapes: \\" \\\\ \\n \\u0041)');
    }
  }
}

/** Values a subject can never be compared with are load-time errors, not runtime false negatives. */
function checkValue(kind: SubjectKind, op: ConditionOp, value: Scalar | readonly Scalar[], at: number): void {
  const values = Array.isArray(value) ? value : [value as Scalar];
  if ((kind === 'status' || kind === 'exit') && values.some((v) => typeof v !== 'number' || !Number.isInteger(v)))
    throw new Fail(at, `${kind} is compared with whole numbers`);
  if (kind === 'status' && values.some((v) => typeof v === 'number' && (v < 100 || v > 599))) throw new Fail(at, 'an HTTP status is from 100 to 599');
  if (['<', '<=', '>', '>='].includes(op) && typeof value !== 'number') throw new Fail(at, `${op} compares numbers; the value is not a number`);
  if (op === 'matches' && typeof value !== 'string') throw new Fail(at, 'matches takes a pattern (quote it: "^v2\\.")');
}

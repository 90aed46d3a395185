// YAML front matter → the runbook's header fields. Every value is checked where it stands, and the
// YAML parser's offsets are mapped back into the Markdown file for diagnostics.
import { parseDocument, type Document } from 'yaml';
import type { ApprovalRule, Diagnostic, ForbidRule, InputSpec, InputType } from './types.js';
import { diagnostic, type RunbookDiagnosticCode } from './diagnostics.js';
import type { LineIndex } from './positions.js';
import { parseDuration } from './duration.js';
import { inputValueProblem } from './inputs.js';
import { compileUserRegex } from '../regex/index.js';
import { inputEnvName } from './template.js';
import { describe, isMap, isScalar, mapEntries, nodeStart, scalarValue, seqItems, stringOf } from './yaml-util.js';

export interface FrontMatter {
  id?: string;
  title?: string;
  description?: string;
  inputs: InputSpec[];
  environments: string[];
  approvals: ApprovalRule[];
  forbid: ForbidRule[];
  /**
   * Every input name written under `inputs:`, its declaration valid or not; undefined when the inputs
   * could not be read (a YAML error, a front matter or `inputs` that is not a mapping). References are
   * checked against it, so one broken declaration is reported once, not again at each use.
   */
  declaredInputs?: Set<string>;
  /** `lock` with the file offset where its scalar starts and the scalar's source text. */
  lock?: { value: string; at: number; source: string };
  timeoutMs?: number;
}

export const RUNBOOK_ID_RE = /^[a-z0-9][a-z0-9-]*$/;
const INPUT_NAME_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
const INPUT_TYPES: readonly InputType[] = ['string', 'integer', 'boolean', 'enum', 'secret'];
const TOP_KEYS = new Set(['id', 'title', 'description', 'inputs', 'environments', 'approvals', 'forbid', 'lock', 'timeout']);
const INPUT_KEYS = new Set(['type', 'description', 'required', 'default', 'pattern', 'min', 'max', 'values', 'from']);
/** Which types take which fields (the others are refused, so a misplaced `pattern` is not silently ignored). */
const FIELD_TYPES: Record<string, readonly InputType[]> = {
  pattern: ['string'],
  min: ['integer'],
  max: ['integer'],
  values: ['enum'],
  from: ['secret'],
};

class Reporter {
  constructor(
    readonly file: string,
    readonly li: LineIndex,
    readonly base: number,
    readonly diags: Diagnostic[],
    /** The YAML text, to point into a scalar. */
    readonly text: string,
  ) {}
  /** `at` is an offset into the YAML text. */
  at(code: RunbookDiagnosticCode, message: string, at: number): void {
    const p = this.li.pos(this.base + at);
    this.diags.push(diagnostic(code, message, this.file, p.line, p.column));
  }
}

/**
 * `yamlText` is the front matter between the `---` lines; `base` is the file offset of its first
 * character. Diagnostics are appended to `diags`.
 */
export function parseFrontMatter(yamlText: string, base: number, file: string, li: LineIndex, diags: Diagnostic[]): FrontMatter {
  const r = new Reporter(file, li, base, diags, yamlText);
  const fm: FrontMatter = { inputs: [], environments: [], approvals: [], forbid: [] };
  const doc = parseDocument(yamlText, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) r.at('RB_YAML_SYNTAX', `front matter: ${e.message}`, e.pos[0]);
    return fm;
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    r.at('RB_ID_MISSING', 'the front matter is empty: it needs at least `id: my-runbook`', 0);
    return { ...fm, declaredInputs: new Set() };
  }
  const top = mapEntries(doc, doc.contents, 0);
  if (!top) {
    r.at('RB_FRONTMATTER_TYPE', `the front matter must be a YAML mapping (key: value lines), not ${describe(doc.contents)}`, nodeStart(doc.contents, 0));
    return fm;
  }
  const byKey = new Map(top.map((e) => [e.key, e]));
  if (!byKey.has('inputs')) fm.declaredInputs = new Set();
  for (const e of top) {
    if (!TOP_KEYS.has(e.key) && !e.key.startsWith('x-')) {
      r.at(
        'RB_FIELD_UNKNOWN',
        `unknown front-matter field \`${e.key}\`: expected one of ${[...TOP_KEYS].join(', ')} (custom metadata goes under keys starting with \`x-\`)`,
        e.keyAt,
      );
    }
  }

  const id = byKey.get('id');
  if (!id) r.at('RB_ID_MISSING', 'the front matter has no `id`: add `id: my-runbook` (lowercase letters, digits and `-`)', 0);
  else {
    const v = stringOf(id.value, true);
    if (v === undefined || !RUNBOOK_ID_RE.test(v))
      r.at(
        'RB_ID_INVALID',
        `id must be lowercase letters, digits and \`-\`, starting with a letter or digit ([a-z0-9][a-z0-9-]*), not ${describe(id.value)}`,
        id.valueAt,
      );
    else fm.id = v;
  }
  for (const key of ['title', 'description'] as const) {
    const e = byKey.get(key);
    if (!e) continue;
    const v = stringOf(e.value, true);
    if (v === undefined) r.at('RB_FIELD_TYPE', `${key} must be a string, not ${describe(e.value)}`, e.valueAt);
    else fm[key] = v;
  }

  const timeout = byKey.get('timeout');
  if (timeout) {
    const ms = durationOf(r, timeout.value, timeout.valueAt, 'timeout');
    if (ms !== undefined) fm.timeoutMs = ms;
  }

  const lock = byKey.get('lock');
  if (lock) {
    const v = stringOf(lock.value, true);
    if (v === undefined || v.trim() === '')
      r.at('RB_FIELD_TYPE', `lock must be a non-empty string naming a resource, such as \`demo-service-{{ env }}\`, not ${describe(lock.value)}`, lock.valueAt);
    else {
      const range = (lock.value as { range?: [number, number, number] }).range;
      fm.lock = { value: v, at: base + lock.valueAt, source: range ? yamlText.slice(range[0], range[1]) : v };
    }
  }

  const envs = byKey.get('environments');
  if (envs) {
    const items = seqItems(doc, envs.value, envs.valueAt);
    if (!items) r.at('RB_FIELD_TYPE', `environments must be a list of names, such as [staging, production], not ${describe(envs.value)}`, envs.valueAt);
    else {
      for (const it of items) {
        const v = stringOf(it.value, true);
        if (v === undefined || v.trim() === '') r.at('RB_FIELD_TYPE', `each environment must be a name, not ${describe(it.value)}`, it.at);
        else if (fm.environments.includes(v)) r.at('RB_FIELD_DUPLICATE', `environment ${v} is listed twice`, it.at);
        else fm.environments.push(v);
      }
    }
  }

  const inputs = byKey.get('inputs');
  if (inputs) parseInputs(r, doc, inputs.value, inputs.valueAt, fm);

  const approvals = byKey.get('approvals');
  if (approvals) parseApprovals(r, doc, approvals.value, approvals.valueAt, fm);

  const forbid = byKey.get('forbid');
  if (forbid) parseForbid(r, doc, forbid.value, forbid.valueAt, fm);
  return fm;
}

/**
 * Compiles a user pattern (RE2 syntax) and reports why it cannot be used. A backreference or
 * lookaround is pointed at where it stands when the scalar is written as is (plain, or quoted
 * without escapes); a syntax error points at the value.
 */
function patternOk(r: Reporter, pattern: string, node: unknown, at: number, what: string): boolean {
  const c = compileUserRegex(pattern);
  if (c.ok) return true;
  if (c.problem.kind === 'invalid') {
    r.at('RB_REGEX_INVALID', `${what} is not a valid regular expression (${c.problem.message})`, at);
    return false;
  }
  const range = (node as { range?: [number, number, number] }).range;
  const src = range ? r.text.slice(range[0], range[1]) : '';
  const inner = src === pattern ? 0 : (src.startsWith("'") || src.startsWith('"')) && src.slice(1, -1) === pattern ? 1 : undefined;
  r.at('RB_REGEX_UNSUPPORTED', `${what}: ${c.problem.message}`, inner === undefined ? at : at + inner + c.problem.offset);
  return false;
}

function durationOf(r: Reporter, node: unknown, at: number, what: string): number | undefined {
  const v = stringOf(node);
  const ms = v === undefined ? undefined : parseDuration(v);
  if (ms === undefined || ms <= 0) {
    const got = scalarValue(node);
    const hint = typeof got?.value === 'number' ? ' (a bare number has no unit)' : '';
    r.at('RB_DURATION_INVALID', `${what} must be a positive duration such as 500ms, 30s, 5m or 1h, not ${describe(node)}${hint}`, at);
    return undefined;
  }
  return ms;
}

function parseInputs(r: Reporter, doc: Document, node: unknown, at: number, fm: FrontMatter): void {
  const entries = mapEntries(doc, node, at);
  if (!entries) {
    r.at('RB_FIELD_TYPE', `inputs must be a mapping of input name to its declaration ({type, description, …}), not ${describe(node)}`, at);
    return;
  }
  fm.declaredInputs = new Set(entries.map((e) => e.key));
  const envNames = new Map<string, string>();
  for (const e of entries) {
    const name = e.key;
    if (!INPUT_NAME_RE.test(name)) {
      r.at('RB_INPUT_NAME_INVALID', `input name \`${name}\` must start with a letter and hold only letters, digits, \`_\` and \`-\``, e.keyAt);
      continue;
    }
    const env = inputEnvName(name);
    const clash = envNames.get(env);
    if (clash !== undefined) r.at('RB_ENV_NAME_COLLISION', `inputs ${clash} and ${name} both become the variable ${env}: rename one`, e.keyAt);
    envNames.set(env, name);
    const spec = parseInput(r, doc, name, e.value, e.keyAt, e.valueAt);
    if (spec) fm.inputs.push(spec);
  }
}

function parseInput(r: Reporter, doc: Document, name: string, node: unknown, keyAt: number, at: number): InputSpec | undefined {
  const entries = mapEntries(doc, node, at);
  if (!entries) {
    r.at('RB_FIELD_TYPE', `input ${name} must be a mapping such as {type: string, description: …}, not ${describe(node)}`, at);
    return undefined;
  }
  const f = new Map(entries.map((e) => [e.key, e]));
  let ok = true;
  for (const e of entries) {
    if (!INPUT_KEYS.has(e.key)) {
      r.at('RB_FIELD_UNKNOWN', `unknown field \`${e.key}\` in input ${name}: expected one of ${[...INPUT_KEYS].join(', ')}`, e.keyAt);
      ok = false;
    }
  }
  let type: InputType = 'string';
  const t = f.get('type');
  if (t) {
    const v = stringOf(t.value);
    if (v === undefined || !(INPUT_TYPES as readonly string[]).includes(v)) {
      r.at('RB_INPUT_TYPE_UNKNOWN', `input ${name} has type ${describe(t.value)}: expected one of ${INPUT_TYPES.join(', ')}`, t.valueAt);
      return undefined;
    }
    type = v as InputType;
  }
  for (const [field, types] of Object.entries(FIELD_TYPES)) {
    const e = f.get(field);
    if (e && !types.includes(type)) {
      r.at('RB_INPUT_FIELD_NOT_APPLICABLE', `input ${name} is of type ${type}: \`${field}\` applies to ${types.join(', ')} inputs only`, e.keyAt);
      ok = false;
    }
  }
  const spec: { -readonly [K in keyof InputSpec]: InputSpec[K] } = {
    name,
    type,
    required: true,
    span: r.li.span(r.base + keyAt, r.base + ((node as { range?: number[] }).range?.[1] ?? at)),
  };

  const desc = f.get('description');
  if (desc) {
    const v = stringOf(desc.value, true);
    if (v === undefined) {
      r.at('RB_FIELD_TYPE', `input ${name}: description must be a string, not ${describe(desc.value)}`, desc.valueAt);
      ok = false;
    } else spec.description = v;
  }

  if (type === 'string') {
    const p = f.get('pattern');
    if (p) {
      const v = stringOf(p.value, true);
      if (v === undefined) {
        r.at('RB_FIELD_TYPE', `input ${name}: pattern must be a string holding a regular expression, not ${describe(p.value)}`, p.valueAt);
        ok = false;
      } else {
        if (patternOk(r, v, p.value, p.valueAt, `input ${name}: pattern`)) spec.pattern = v;
        else ok = false;
      }
    }
  }

  if (type === 'integer') {
    for (const bound of ['min', 'max'] as const) {
      const e = f.get(bound);
      if (!e) continue;
      const v = scalarValue(e.value)?.value;
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
        r.at('RB_FIELD_TYPE', `input ${name}: ${bound} must be an integer, not ${describe(e.value)}`, e.valueAt);
        ok = false;
      } else spec[bound] = v;
    }
    if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
      r.at('RB_INPUT_BOUNDS', `input ${name}: min ${spec.min} is greater than max ${spec.max}`, f.get('min')?.valueAt ?? at);
      ok = false;
    }
  }

  if (type === 'enum') {
    const e = f.get('values');
    const items = e ? seqItems(doc, e.value, e.valueAt) : undefined;
    if (!e || !items || items.length === 0) {
      r.at(
        'RB_INPUT_ENUM_VALUES',
        `input ${name} is an enum: give its allowed values as a non-empty list, such as values: [staging, production]`,
        e ? e.valueAt : keyAt,
      );
      ok = false;
    } else {
      const values: string[] = [];
      for (const it of items) {
        const v = stringOf(it.value, true);
        if (v === undefined) {
          r.at('RB_FIELD_TYPE', `input ${name}: each enum value must be a string, not ${describe(it.value)}`, it.at);
          ok = false;
        } else if (values.includes(v)) {
          r.at('RB_INPUT_ENUM_VALUES', `input ${name}: value ${v} is listed twice`, it.at);
          ok = false;
        } else values.push(v);
      }
      spec.values = values;
    }
  }

  if (type === 'secret') {
    const e = f.get('from');
    if (e) {
      const from = mapEntries(doc, e.value, e.valueAt);
      if (!from) {
        r.at(
          'RB_FIELD_TYPE',
          `input ${name}: from must be a mapping such as {env: DEPLOY_TOKEN, file: ~/secrets/token, prompt: true}, not ${describe(e.value)}`,
          e.valueAt,
        );
        ok = false;
      } else {
        const out: { env?: string; file?: string; prompt?: boolean } = {};
        for (const s of from) {
          if (s.key === 'env' || s.key === 'file') {
            const v = stringOf(s.value);
            if (v === undefined || v.trim() === '') {
              r.at('RB_FIELD_TYPE', `input ${name}: from.${s.key} must be a non-empty string, not ${describe(s.value)}`, s.valueAt);
              ok = false;
            } else out[s.key] = v;
          } else if (s.key === 'prompt') {
            const v = scalarValue(s.value)?.value;
            if (typeof v !== 'boolean') {
              r.at('RB_FIELD_TYPE', `input ${name}: from.prompt must be true or false, not ${describe(s.value)}`, s.valueAt);
              ok = false;
            } else out.prompt = v;
          } else {
            r.at('RB_FIELD_UNKNOWN', `unknown field \`${s.key}\` in input ${name}.from: expected env, file or prompt`, s.keyAt);
            ok = false;
          }
        }
        spec.from = out;
      }
    }
    const d = f.get('default');
    if (d) {
      r.at(
        'RB_SECRET_DEFAULT',
        `input ${name} is a secret and cannot have a default: the value would sit in the runbook file; use from: {env: …} or from: {file: …}`,
        d.keyAt,
      );
      ok = false;
    }
  }

  const d = f.get('default');
  if (d && type !== 'secret') {
    const raw = scalarValue(d.value);
    let value: string | number | boolean | undefined;
    if (raw && raw.value !== null) {
      if (type === 'string' || type === 'enum') value = stringOf(d.value, true);
      else if (type === 'integer' && typeof raw.value === 'number') value = raw.value;
      else if (type === 'boolean' && typeof raw.value === 'boolean') value = raw.value;
    }
    const problem =
      value === undefined
        ? type === 'boolean'
          ? 'must be true or false'
          : type === 'integer'
            ? 'must be an integer'
            : 'must be a string'
        : inputValueProblem(spec as InputSpec, value);
    if (problem !== undefined) {
      r.at('RB_INPUT_DEFAULT_INVALID', `input ${name}: the default ${describe(d.value)} ${problem}`, d.valueAt);
      ok = false;
    } else spec.default = value;
  }

  const req = f.get('required');
  if (req) {
    const v = scalarValue(req.value)?.value;
    if (typeof v !== 'boolean') {
      r.at('RB_FIELD_TYPE', `input ${name}: required must be true or false, not ${describe(req.value)}`, req.valueAt);
      ok = false;
    } else spec.required = v;
  } else spec.required = spec.default === undefined;

  return ok ? (spec as InputSpec) : undefined;
}

function approvalCount(r: Reporter, node: unknown, at: number, env: string): number | undefined {
  const v = scalarValue(node)?.value;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
    r.at('RB_APPROVAL_COUNT', `approvals for ${env}: count must be an integer of at least 1, not ${describe(node)}`, at);
    return undefined;
  }
  return v;
}

function approvalRule(r: Reporter, doc: Document, env: string, node: unknown, at: number, allowEnvironmentKey: boolean): ApprovalRule | undefined {
  if (isScalar(node)) {
    const count = approvalCount(r, node, at, env);
    return count === undefined ? undefined : { environment: env, count, roles: [] };
  }
  const entries = mapEntries(doc, node, at);
  if (!entries) {
    r.at('RB_FIELD_TYPE', `approvals for ${env} must be a mapping {count, roles} or a count, not ${describe(node)}`, at);
    return undefined;
  }
  let count = 1;
  let roles: string[] = [];
  let expiresMs: number | undefined;
  let onExpiry: 'escalate' | 'reject' | undefined;
  let ok = true;
  for (const e of entries) {
    if (e.key === 'expires') {
      const v = stringOf(e.value);
      const ms = v === undefined ? undefined : parseDuration(v);
      if (ms === undefined || ms <= 0) {
        r.at('RB_DURATION_INVALID', `approvals for ${env}: expires must be a duration like 30m or 4h, not ${describe(e.value)}`, e.valueAt);
        ok = false;
      } else expiresMs = ms;
    } else if (e.key === 'onExpiry') {
      const v = stringOf(e.value);
      if (v !== 'escalate' && v !== 'reject') {
        r.at('RB_FIELD_TYPE', `approvals for ${env}: onExpiry must be escalate or reject, not ${describe(e.value)}`, e.valueAt);
        ok = false;
      } else onExpiry = v;
    } else if (e.key === 'count') {
      const c = approvalCount(r, e.value, e.valueAt, env);
      if (c === undefined) ok = false;
      else count = c;
    } else if (e.key === 'roles') {
      const items = seqItems(doc, e.value, e.valueAt);
      const one = stringOf(e.value);
      if (one !== undefined) roles = [one];
      else if (!items) {
        r.at('RB_FIELD_TYPE', `approvals for ${env}: roles must be a list of role names, not ${describe(e.value)}`, e.valueAt);
        ok = false;
      } else {
        for (const it of items) {
          const v = stringOf(it.value);
          if (v === undefined || v.trim() === '') {
            r.at('RB_FIELD_TYPE', `approvals for ${env}: each role must be a name, not ${describe(it.value)}`, it.at);
            ok = false;
          } else roles.push(v);
        }
      }
    } else if (!(allowEnvironmentKey && e.key === 'environment')) {
      r.at(
        'RB_FIELD_UNKNOWN',
        `unknown field \`${e.key}\` in approvals for ${env}: expected ${allowEnvironmentKey ? 'environment, ' : ''}count, roles, expires and onExpiry`,
        e.keyAt,
      );
      ok = false;
    }
  }
  if (onExpiry !== undefined && expiresMs === undefined) {
    r.at('RB_FIELD_REQUIRED', `approvals for ${env}: onExpiry needs expires (how long the gate waits)`, at);
    ok = false;
  }
  return ok ? { environment: env, count, roles, ...(expiresMs !== undefined ? { expiresMs, onExpiry: onExpiry ?? 'escalate' } : {}) } : undefined;
}

function addApproval(r: Reporter, fm: FrontMatter, rule: ApprovalRule | undefined, at: number): void {
  if (!rule) return;
  if (rule.environment !== '*' && fm.environments.length > 0 && !fm.environments.includes(rule.environment)) {
    r.at(
      'RB_APPROVAL_ENV_UNKNOWN',
      `approvals name environment ${rule.environment}, which is not in environments (${fm.environments.join(', ')}); use one of those or \`*\``,
      at,
    );
    return;
  }
  if (fm.approvals.some((a) => a.environment === rule.environment)) {
    r.at('RB_FIELD_DUPLICATE', `approvals for ${rule.environment} are given twice`, at);
    return;
  }
  fm.approvals.push(rule);
}

function parseApprovals(r: Reporter, doc: Document, node: unknown, at: number, fm: FrontMatter): void {
  if (isMap(node)) {
    for (const e of mapEntries(doc, node, at) ?? []) addApproval(r, fm, approvalRule(r, doc, e.key, e.value, e.valueAt, false), e.keyAt);
    return;
  }
  const items = seqItems(doc, node, at);
  if (!items) {
    r.at('RB_FIELD_TYPE', `approvals must be a mapping (environment: {count, roles}) or a list of {environment, count, roles}, not ${describe(node)}`, at);
    return;
  }
  for (const it of items) {
    const entries = mapEntries(doc, it.value, it.at);
    const envEntry = entries?.find((e) => e.key === 'environment');
    const env = envEntry ? stringOf(envEntry.value, true) : undefined;
    if (!entries) {
      r.at('RB_FIELD_TYPE', `each approvals item must be a mapping {environment, count, roles}, not ${describe(it.value)}`, it.at);
      continue;
    }
    if (env === undefined || env.trim() === '') {
      r.at('RB_FIELD_REQUIRED', 'each approvals item needs `environment` (a name from environments, or `*`)', envEntry ? envEntry.valueAt : it.at);
      continue;
    }
    addApproval(r, fm, approvalRule(r, doc, env, it.value, it.at, true), envEntry?.valueAt ?? it.at);
  }
}

function parseForbid(r: Reporter, doc: Document, node: unknown, at: number, fm: FrontMatter): void {
  const items = seqItems(doc, node, at);
  if (!items) {
    r.at('RB_FIELD_TYPE', `forbid must be a list of {pattern, reason}, not ${describe(node)}`, at);
    return;
  }
  items.forEach((it, i) => {
    const entries = mapEntries(doc, it.value, it.at);
    if (!entries) {
      r.at('RB_FIELD_TYPE', `forbid[${i}] must be a mapping {pattern, reason}, not ${describe(it.value)}`, it.at);
      return;
    }
    let pattern: string | undefined;
    let reason: string | undefined;
    let ok = true;
    for (const e of entries) {
      if (e.key === 'pattern' || e.key === 'reason') {
        const v = stringOf(e.value, true);
        if (v === undefined || v.trim() === '') {
          r.at('RB_FIELD_TYPE', `forbid[${i}].${e.key} must be a non-empty string, not ${describe(e.value)}`, e.valueAt);
          ok = false;
        } else if (e.key === 'pattern') {
          if (patternOk(r, v, e.value, e.valueAt, `forbid[${i}].pattern`)) pattern = v;
          else ok = false;
        } else reason = v;
      } else {
        r.at('RB_FIELD_UNKNOWN', `unknown field \`${e.key}\` in forbid[${i}]: expected pattern and reason`, e.keyAt);
        ok = false;
      }
    }
    if (ok && pattern === undefined)
      r.at('RB_FIELD_REQUIRED', `forbid[${i}] needs \`pattern\`: a regular expression matched against every rendered command`, it.at);
    else if (ok && reason === undefined)
      r.at('RB_FIELD_REQUIRED', `forbid[${i}] needs \`reason\`: why the pattern is forbidden (shown when a command is refused)`, it.at);
    else if (ok && pattern !== undefined && reason !== undefined) {
      const end = (it.value as { range?: number[] }).range?.[1] ?? it.at;
      fm.forbid.push({ pattern, reason, source: 'front-matter', span: r.li.span(r.base + it.at, r.base + end) });
    }
  });
}

// A step's attribute block `{#id timeout=30s …}` → typed settings. Each problem is reported at the
// attribute through `fail`, which also marks the step invalid.
import type { StepKind } from './types.js';
import type { RunbookDiagnosticCode } from './diagnostics.js';
import type { AttrToken } from './attributes.js';
import { parseDuration } from './duration.js';

const ALL_KINDS: readonly StepKind[] = ['sh', 'http', 'check', 'approve', 'wait'];
/** Which step kinds take which attribute. Anything not listed is RB_ATTR_UNKNOWN. */
const ATTR_KINDS: Readonly<Record<string, readonly StepKind[]>> = {
  id: ALL_KINDS,
  timeout: ALL_KINDS,
  'on-fail': ALL_KINDS,
  retries: ['sh', 'http', 'check'],
  backoff: ['sh', 'http', 'check'],
  capture: ['sh', 'http'],
  'keep-children': ['sh'],
  interval: ['wait'],
  expect: ['http'],
  'expect-body': ['http'],
  approvals: ['approve'],
  roles: ['approve'],
};

const DEFAULT_BACKOFF_MS = 1000;
const DEFAULT_INTERVAL_MS = 1000;
const STEP_ID_RE = /^[a-z0-9][a-z0-9_-]*$/;

export interface StepAttributes {
  /** Raw values by key, as the AST keeps them. */
  readonly attrs: Record<string, string>;
  /** Keys given (valid or not). */
  readonly seen: ReadonlySet<string>;
  id?: string;
  /** Offset in the info string of the id's value, when `id` was given. */
  idAt?: number;
  timeoutMs?: number;
  retries: number;
  backoffMs: number;
  onFail: 'stop' | 'continue';
  capture: boolean;
  /** `keep-children`: background processes outlive the step (sh only). */
  keepChildren: boolean;
  intervalMs: number;
  expectStatus?: number[];
  expectBody?: string;
  approvalsCount?: number;
  roles?: string[];
}

export function readStepAttributes(
  tokens: readonly AttrToken[],
  kind: StepKind,
  fail: (code: RunbookDiagnosticCode, message: string, at: number) => void,
): StepAttributes {
  const seen = new Map<string, AttrToken>();
  const out: StepAttributes = {
    attrs: {},
    seen: new Set(),
    retries: 0,
    backoffMs: DEFAULT_BACKOFF_MS,
    onFail: 'stop',
    capture: false,
    keepChildren: false,
    intervalMs: DEFAULT_INTERVAL_MS,
  };
  for (const a of tokens) {
    const kinds = ATTR_KINDS[a.key];
    if (!kinds) {
      fail(
        'RB_ATTR_UNKNOWN',
        `unknown attribute \`${a.key}\`: expected ${Object.keys(ATTR_KINDS)
          .filter((k) => ATTR_KINDS[k]?.includes(kind))
          .join(', ')} on a ${kind} step`,
        a.keyAt,
      );
      continue;
    }
    if (seen.has(a.key)) {
      fail('RB_ATTR_DUPLICATE', `attribute \`${a.key}\` is given twice${a.key === 'id' ? ' (`#name` and `id=name` are the same attribute)' : ''}`, a.keyAt);
      continue;
    }
    seen.set(a.key, a);
    if (!kinds.includes(kind)) {
      fail('RB_ATTR_NOT_APPLICABLE', `a ${kind} step does not take \`${a.key}\` (it applies to ${kinds.join(', ')} steps)`, a.keyAt);
      continue;
    }
    out.attrs[a.key] = a.value ?? '';
    const v = a.value;
    if (a.key === 'capture') {
      if (v === undefined || v === 'true') out.capture = true;
      else if (v !== 'false') fail('RB_ATTR_VALUE', `capture is a flag: write \`capture\` (or capture=true / capture=false), not capture=${v}`, a.valueAt);
      continue;
    }
    if (a.key === 'keep-children') {
      if (v === undefined || v === 'true') out.keepChildren = true;
      else if (v !== 'false')
        fail(
          'RB_ATTR_VALUE',
          `keep-children is a flag: write \`keep-children\` (or keep-children=true / keep-children=false), not keep-children=${v}`,
          a.valueAt,
        );
      continue;
    }
    if (v === undefined || v === '') {
      fail('RB_ATTR_VALUE', `\`${a.key}\` needs a value, as in ${attrExample(a.key)}`, a.keyAt);
      continue;
    }
    switch (a.key) {
      case 'id':
        out.idAt = a.valueAt;
        if (!STEP_ID_RE.test(v))
          fail(
            'RB_STEP_ID_INVALID',
            `step id \`${v}\` must be lowercase letters, digits, \`_\` and \`-\`, starting with a letter or digit ([a-z0-9][a-z0-9_-]*)`,
            a.valueAt,
          );
        else out.id = v;
        break;
      case 'timeout':
      case 'interval': {
        const ms = parseDuration(v);
        if (ms === undefined || ms <= 0)
          fail('RB_ATTR_VALUE', `${a.key}=${v} is not a positive duration: expected a number with a unit, such as 500ms, 30s, 5m or 1h`, a.valueAt);
        else if (a.key === 'timeout') out.timeoutMs = ms;
        else out.intervalMs = ms;
        break;
      }
      case 'backoff': {
        const ms = parseDuration(v);
        if (ms === undefined) fail('RB_ATTR_VALUE', `backoff=${v} is not a duration: expected a number with a unit, such as 500ms, 1s or 1m`, a.valueAt);
        else out.backoffMs = ms;
        break;
      }
      case 'retries':
        if (!/^\d+$/.test(v) || Number(v) > 100)
          fail('RB_ATTR_VALUE', `retries=${v}: expected a whole number from 0 to 100 (extra attempts after the first failure)`, a.valueAt);
        else out.retries = Number(v);
        break;
      case 'on-fail':
        if (v !== 'stop' && v !== 'continue')
          fail(
            'RB_ATTR_VALUE',
            `on-fail=${v}: expected stop (the run fails and rollback runs) or continue (the failure is recorded and the run goes on)`,
            a.valueAt,
          );
        else out.onFail = v;
        break;
      case 'expect': {
        const parts = v.split(',').map((s) => s.trim());
        if (parts.some((p) => !/^\d{3}$/.test(p) || Number(p) < 100 || Number(p) > 599))
          fail('RB_ATTR_VALUE', `expect=${v}: expected HTTP status codes separated by commas, such as expect=200 or expect=200,204`, a.valueAt);
        else out.expectStatus = parts.map(Number);
        break;
      }
      case 'expect-body':
        out.expectBody = v;
        break;
      case 'approvals':
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 100)
          fail('RB_ATTR_VALUE', `approvals=${v}: expected the number of distinct approvers, from 1 to 100`, a.valueAt);
        else out.approvalsCount = Number(v);
        break;
      case 'roles': {
        const list = v.split(',').map((s) => s.trim());
        if (list.some((r) => r === ''))
          fail('RB_ATTR_VALUE', `roles=${v}: expected role names separated by commas, such as roles=sre,release-manager`, a.valueAt);
        else out.roles = list;
        break;
      }
    }
  }
  return { ...out, seen: new Set(seen.keys()) };
}

function attrExample(key: string): string {
  const examples: Record<string, string> = {
    id: 'id=restart (or #restart)',
    timeout: 'timeout=30s',
    interval: 'interval=2s',
    backoff: 'backoff=1s',
    retries: 'retries=2',
    'on-fail': 'on-fail=continue',
    expect: 'expect=200,204',
    'expect-body': 'expect-body="ok"',
    approvals: 'approvals=2',
    roles: 'roles=sre,release-manager',
  };
  return examples[key] ?? `${key}=…`;
}

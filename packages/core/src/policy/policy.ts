// ALLOW/DENY policy for automated actions. Pure: the policy document is parsed elsewhere (YAML is
// data) and every decision is a value the driver appends to the ledger, denials included.
// Patterns and globs come from policy files and runbooks: they run on RE2 and a linear glob matcher.
import { compileUserRegex, globMatch } from '../regex/index.js';

export type Effect = 'allow' | 'deny';

export interface PolicyRule {
  readonly effect: Effect;
  /** Runbook id globs (`release-*`); empty or absent: any. */
  readonly runbooks?: readonly string[];
  readonly environments?: readonly string[];
  /** Roles of the actor; empty or absent: any. */
  readonly roles?: readonly string[];
  readonly reason: string;
}

export interface ForbiddenPattern {
  /** A regular expression matched against each rendered command. */
  readonly pattern: string;
  readonly reason: string;
}

export interface FreezeWindow {
  readonly name: string;
  /** ISO 8601 instants; [from, to). */
  readonly from: string;
  readonly to: string;
  /** Empty or absent: every environment. */
  readonly environments?: readonly string[];
  readonly reason?: string;
}

export interface Policy {
  readonly default: Effect;
  readonly rules: readonly PolicyRule[];
  readonly forbid: readonly ForbiddenPattern[];
  readonly freezes: readonly FreezeWindow[];
}

export const DEFAULT_POLICY: Policy = { default: 'allow', rules: [], forbid: [], freezes: [] };

export interface PolicyDecision {
  readonly effect: Effect;
  /** Stable, for the ledger and for tests: which control decided. */
  readonly by: 'default' | 'rule' | 'forbid' | 'runbook-forbid' | 'freeze-window' | 'kill-switch';
  readonly reason: string;
}

function matches(list: readonly string[] | undefined, value: string, glob = false): boolean {
  if (!list || list.length === 0) return true;
  return list.some((x) => (glob ? globMatch(x, value) : x === value));
}

export interface StartRequest {
  readonly runbook: string;
  readonly environment: string;
  readonly roles: readonly string[];
  /** Driver's clock, ISO 8601 (freeze windows). */
  readonly now: string;
  /** The kill switch: `runledger freeze on`. */
  readonly frozen?: { readonly reason: string; readonly by: string };
}

/** May this run start (and may its next step start)? Kill switch, then freeze windows, then rules (deny wins), then the default. */
export function decideStart(policy: Policy, req: StartRequest): PolicyDecision {
  if (req.frozen) return { effect: 'deny', by: 'kill-switch', reason: `automation is frozen by ${req.frozen.by}: ${req.frozen.reason}` };
  const now = Date.parse(req.now);
  for (const w of policy.freezes) {
    if (now >= Date.parse(w.from) && now < Date.parse(w.to) && matches(w.environments, req.environment)) {
      return { effect: 'deny', by: 'freeze-window', reason: `freeze window ${w.name} (${w.from} to ${w.to})${w.reason ? `: ${w.reason}` : ''}` };
    }
  }
  const hits = policy.rules.filter(
    (r) =>
      matches(r.runbooks, req.runbook, true) &&
      matches(r.environments, req.environment) &&
      (r.roles === undefined || r.roles.length === 0 || r.roles.some((x) => req.roles.includes(x))),
  );
  const deny = hits.find((r) => r.effect === 'deny');
  if (deny) return { effect: 'deny', by: 'rule', reason: deny.reason };
  const allow = hits.find((r) => r.effect === 'allow');
  if (allow) return { effect: 'allow', by: 'rule', reason: allow.reason };
  return policy.default === 'allow'
    ? { effect: 'allow', by: 'default', reason: 'allowed by default' }
    : { effect: 'deny', by: 'default', reason: 'no rule allows this runbook here (default deny)' };
}

/**
 * Is this rendered command allowed? Checks the policy's and the runbook's forbidden patterns. Both are
 * validated where they are written; a pattern that still does not compile (a runbook stored before the
 * pattern syntax became RE2's) denies: a check that cannot run must not pass.
 */
export function decideCommand(policy: Policy, runbookForbid: readonly ForbiddenPattern[], command: string): PolicyDecision {
  const check = (f: ForbiddenPattern, by: 'forbid' | 'runbook-forbid', whose: string): PolicyDecision | undefined => {
    const c = compileUserRegex(f.pattern);
    if (!c.ok) return { effect: 'deny', by, reason: `${whose} /${f.pattern}/ cannot be checked (${c.problem.message}): ${f.reason}` };
    return c.regex.test(command) ? { effect: 'deny', by, reason: `matches ${whose} /${f.pattern}/: ${f.reason}` } : undefined;
  };
  for (const f of policy.forbid) {
    const d = check(f, 'forbid', 'forbidden pattern');
    if (d) return d;
  }
  for (const f of runbookForbid) {
    const d = check(f, 'runbook-forbid', "the runbook's forbidden pattern");
    if (d) return d;
  }
  return { effect: 'allow', by: 'default', reason: 'no forbidden pattern matches' };
}

export interface PolicyProblem {
  /** JSON path of the problem, e.g. `$.rules[2].effect`. */
  readonly path: string;
  readonly message: string;
}

/** Validates a parsed policy document (from YAML or JSON) into a Policy, naming every problem by path. */
export function validatePolicy(doc: unknown): { ok: true; policy: Policy } | { ok: false; problems: PolicyProblem[] } {
  const problems: PolicyProblem[] = [];
  const p = (path: string, message: string): void => void problems.push({ path, message });
  if (doc === null || doc === undefined) return { ok: true, policy: DEFAULT_POLICY };
  if (typeof doc !== 'object' || Array.isArray(doc))
    return { ok: false, problems: [{ path: '$', message: 'a policy is a mapping with default, rules, forbid, freeze' }] };
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!['default', 'rules', 'forbid', 'freeze'].includes(k)) p(`$.${k}`, 'unknown key (expected default, rules, forbid, freeze)');
  const def = o.default ?? 'allow';
  if (def !== 'allow' && def !== 'deny') p('$.default', 'must be allow or deny');
  const strList = (v: unknown, path: string): string[] | undefined => {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      p(path, 'must be a list of strings');
      return undefined;
    }
    return v as string[];
  };
  const list = (v: unknown, path: string): unknown[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      p(path, 'must be a list');
      return [];
    }
    return v;
  };
  const rules: PolicyRule[] = [];
  list(o.rules, '$.rules').forEach((r, i) => {
    const path = `$.rules[${i}]`;
    if (typeof r !== 'object' || r === null) return p(path, 'must be a mapping');
    const x = r as Record<string, unknown>;
    if (x.effect !== 'allow' && x.effect !== 'deny') return p(`${path}.effect`, 'must be allow or deny');
    if (typeof x.reason !== 'string' || x.reason === '') return p(`${path}.reason`, 'a rule needs a reason (it is recorded with every decision)');
    const runbooks = strList(x.runbooks, `${path}.runbooks`);
    const environments = strList(x.environments, `${path}.environments`);
    const roles = strList(x.roles, `${path}.roles`);
    rules.push({
      effect: x.effect,
      reason: x.reason,
      ...(runbooks ? { runbooks } : {}),
      ...(environments ? { environments } : {}),
      ...(roles ? { roles } : {}),
    });
  });
  const forbid: ForbiddenPattern[] = [];
  list(o.forbid, '$.forbid').forEach((f, i) => {
    const path = `$.forbid[${i}]`;
    const x = (f ?? {}) as Record<string, unknown>;
    if (typeof x.pattern !== 'string') return p(`${path}.pattern`, 'must be a regular expression string');
    const c = compileUserRegex(x.pattern);
    if (!c.ok)
      return p(`${path}.pattern`, c.problem.kind === 'unsupported' ? c.problem.message : `invalid regular expression (RE2 syntax): ${c.problem.message}`);
    if (typeof x.reason !== 'string' || x.reason === '') return p(`${path}.reason`, 'a forbidden pattern needs a reason');
    forbid.push({ pattern: x.pattern, reason: x.reason });
  });
  const freezes: FreezeWindow[] = [];
  list(o.freeze, '$.freeze').forEach((w, i) => {
    const path = `$.freeze[${i}]`;
    const x = (w ?? {}) as Record<string, unknown>;
    const from = x.from instanceof Date ? x.from.toISOString() : x.from;
    const to = x.to instanceof Date ? x.to.toISOString() : x.to;
    if (typeof x.name !== 'string') return p(`${path}.name`, 'must be a string');
    if (typeof from !== 'string' || Number.isNaN(Date.parse(from))) return p(`${path}.from`, 'must be an ISO 8601 time');
    if (typeof to !== 'string' || Number.isNaN(Date.parse(to))) return p(`${path}.to`, 'must be an ISO 8601 time');
    if (Date.parse(to) <= Date.parse(from)) return p(`${path}.to`, 'must be after from');
    const environments = strList(x.environments, `${path}.environments`);
    freezes.push({ name: x.name, from, to, ...(environments ? { environments } : {}), ...(typeof x.reason === 'string' ? { reason: x.reason } : {}) });
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, policy: { default: def as Effect, rules, forbid, freezes } };
}

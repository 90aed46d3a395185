// Checks an operations document (plain data, as YAML gives it) and builds the typed configuration.
// Every problem names its place as a JSON path; the YAML front end turns paths into file:line:col.
import { DEFAULT_ACK_DEADLINES, DEFAULT_FLAP_WINDOW_MS, type EscalationLevel, type EscalationPolicy, type IncidentRules } from '../incidents/rules.js';
import { SEVERITIES, type IncidentSeverity } from '../incidents/severity.js';
import { checkSchedule, ScheduleError, type Rotation, type Schedule } from '../oncall/schedule.js';
import { MatcherError, parseMatchers, type Matcher } from '../routing/matchers.js';
import type { RouteSpec } from '../routing/tree.js';
import { parseDuration } from '../runbook/duration.js';
import type { ConfigProblem, EmailReceiver, Integration, OperationsConfig, Person, Receiver, SecretRef } from './types.js';

/**
 * Every key the validator accepts, by where it may appear (a route's keys apply to every `routes[]`
 * below it too). docs/operations.md documents each; its test reads this table, so neither can drift.
 */
export const OPERATIONS_KEYS = {
  $: ['integrations', 'receivers', 'route', 'people', 'schedules', 'escalationPolicies', 'incidents'],
  '$.integrations[]': ['name', 'type', 'secret'],
  '$.receivers[]': ['name', 'email', 'webhook', 'chat', 'sendResolved'],
  '$.receivers[].email': ['to', 'from', 'smtp'],
  '$.receivers[].email.smtp': ['host', 'port', 'secure', 'username', 'password'],
  '$.receivers[].webhook': ['url', 'secret', 'previousSecret'],
  '$.receivers[].chat': ['url'],
  '$.route': ['matchers', 'receiver', 'groupBy', 'escalation', 'runbook', 'autoRun', 'continue', 'routes'],
  '$.people[]': ['name', 'email', 'receivers'],
  '$.schedules[]': ['name', 'timeZone', 'layers', 'overrides'],
  '$.schedules[].layers[]': ['name', 'users', 'start', 'every', 'end'],
  '$.schedules[].overrides[]': ['user', 'from', 'to', 'reason'],
  '$.escalationPolicies[]': ['name', 'levels', 'repeat', 'repeatEvery'],
  '$.escalationPolicies[].levels[]': ['after', 'targets'],
  '$.incidents': ['ackDeadlines', 'flapWindow', 'retriggerAfterAck'],
  '$.incidents.ackDeadlines': SEVERITIES,
} as const satisfies Readonly<Record<string, readonly string[]>>;
const K = OPERATIONS_KEYS;
const NAME_RE = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;
const EMAIL_RE = /^[^\s@<>]+@[^\s@<>]+$/;

/** Runbook durations (ms, s, m, h) plus days and weeks in front, for rotations: `1w`, `7d`, `1d12h`. */
export function configDuration(text: string): number | undefined {
  const m = /^\s*(?:(\d+)w)?(?:(\d+)d)?(.*?)\s*$/.exec(text);
  if (!m) return undefined;
  const days = Number(m[1] ?? 0) * 7 + Number(m[2] ?? 0);
  if (m[3] === '') return m[1] === undefined && m[2] === undefined ? undefined : days * 86_400_000;
  const rest = parseDuration(m[3]!);
  return rest === undefined ? undefined : days * 86_400_000 + rest;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly problems: ConfigProblem[] = [];
  p(path: string, message: string): void {
    this.problems.push({ path, message });
  }
  keys(o: Obj, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.p(`${path}.${k}`, `unknown key (expected ${allowed.join(', ')})`);
  }
  obj(v: unknown, path: string): Obj | undefined {
    if (isObj(v)) return v;
    this.p(path, 'must be a mapping');
    return undefined;
  }
  list(v: unknown, path: string): unknown[] {
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    this.p(path, 'must be a list');
    return [];
  }
  str(v: unknown, path: string, required = true): string | undefined {
    if (v === undefined || v === null) {
      if (required) this.p(path, 'required');
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '') {
      this.p(path, 'must be a non-empty string');
      return undefined;
    }
    return v;
  }
  name(v: unknown, path: string): string | undefined {
    const s = this.str(v, path);
    if (s !== undefined && !NAME_RE.test(s)) this.p(path, 'a name is lower-case letters, digits, _ . - (at most 63)');
    return s;
  }
  strList(v: unknown, path: string): string[] {
    const out: string[] = [];
    this.list(v, path).forEach((x, i) => {
      const s = this.str(x, `${path}[${i}]`);
      if (s !== undefined) out.push(s);
    });
    return out;
  }
  duration(v: unknown, path: string): number | undefined {
    if (v === undefined) return undefined;
    const ms = typeof v === 'string' ? configDuration(v) : undefined;
    if (ms === undefined) this.p(path, 'must be a duration such as 30s, 15m, 4h, 1h30m, 7d or 1w');
    return ms;
  }
  bool(v: unknown, path: string, dflt: boolean): boolean {
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') this.p(path, 'must be true or false');
    return v === true;
  }
  /** `env:NAME` or `file:/path`; a literal is refused so no secret is ever written in the file. */
  secret(v: unknown, path: string, required: boolean): SecretRef | undefined {
    const s = this.str(v, path, required);
    if (s === undefined) return undefined;
    const m = /^(env|file):(.+)$/.exec(s);
    if (!m) {
      this.p(path, 'a secret is a reference, env:NAME or file:/path, never the value itself');
      return undefined;
    }
    if (m[1] === 'env' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(m[2]!)) this.p(path, 'env: takes an environment variable name');
    return m[1] === 'env' ? { env: m[2]! } : { file: m[2]! };
  }
  unique<T extends { name: string }>(items: readonly T[], path: string, what: string): void {
    const seen = new Set<string>();
    items.forEach((x, i) => {
      if (seen.has(x.name)) this.p(`${path}[${i}].name`, `${what} ${x.name} is defined twice`);
      seen.add(x.name);
    });
  }
}

function integrations(c: Checker, v: unknown): Integration[] {
  const out: Integration[] = [];
  c.list(v, '$.integrations').forEach((x, i) => {
    const path = `$.integrations[${i}]`;
    const o = c.obj(x, path);
    if (!o) return;
    c.keys(o, path, K['$.integrations[]']);
    const name = c.name(o['name'], `${path}.name`);
    const type = o['type'];
    if (type !== 'alertmanager' && type !== 'events' && type !== 'internal') c.p(`${path}.type`, 'must be alertmanager, events or internal');
    const secret = type === 'internal' ? undefined : c.secret(o['secret'], `${path}.secret`, true);
    if (name && (type === 'alertmanager' || type === 'events' || type === 'internal')) out.push({ name, type, ...(secret ? { secret } : {}) });
  });
  c.unique(out, '$.integrations', 'integration');
  return out;
}

function email(c: Checker, v: unknown, path: string): EmailReceiver | undefined {
  const o = c.obj(v, path);
  if (!o) return undefined;
  c.keys(o, path, K['$.receivers[].email']);
  const to = c.strList(o['to'], `${path}.to`);
  if (to.length === 0) c.p(`${path}.to`, 'at least one address');
  to.forEach((a, i) => EMAIL_RE.test(a) || c.p(`${path}.to[${i}]`, 'not an email address'));
  const from = c.str(o['from'], `${path}.from`);
  if (from && !EMAIL_RE.test(from.replace(/^.*<(.+)>$/, '$1'))) c.p(`${path}.from`, 'not an email address');
  const s = c.obj(o['smtp'], `${path}.smtp`);
  if (!s || !from) return undefined;
  c.keys(s, `${path}.smtp`, K['$.receivers[].email.smtp']);
  const host = c.str(s['host'], `${path}.smtp.host`);
  const port = s['port'] ?? 25;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) c.p(`${path}.smtp.port`, 'must be a port number');
  const username = c.str(s['username'], `${path}.smtp.username`, false);
  const password = c.secret(s['password'], `${path}.smtp.password`, false);
  if (!host) return undefined;
  return {
    to,
    from,
    smtp: {
      host,
      port: port as number,
      secure: c.bool(s['secure'], `${path}.smtp.secure`, false),
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
    },
  };
}

function url(c: Checker, v: unknown, path: string): string | undefined {
  const s = c.str(v, path);
  if (s === undefined) return undefined;
  try {
    const u = new URL(s);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') c.p(path, 'must be an http or https URL');
    if (u.username || u.password) c.p(path, 'no credentials in a URL: use the secret fields');
  } catch {
    c.p(path, 'not a URL');
  }
  return s;
}

function receivers(c: Checker, v: unknown): Receiver[] {
  const out: Receiver[] = [];
  c.list(v, '$.receivers').forEach((x, i) => {
    const path = `$.receivers[${i}]`;
    const o = c.obj(x, path);
    if (!o) return;
    c.keys(o, path, K['$.receivers[]']);
    const name = c.name(o['name'], `${path}.name`);
    const mail = o['email'] === undefined ? undefined : email(c, o['email'], `${path}.email`);
    let webhook: Receiver['webhook'];
    if (o['webhook'] !== undefined) {
      const w = c.obj(o['webhook'], `${path}.webhook`);
      if (w) {
        c.keys(w, `${path}.webhook`, K['$.receivers[].webhook']);
        const u = url(c, w['url'], `${path}.webhook.url`);
        const s1 = c.secret(w['secret'], `${path}.webhook.secret`, true);
        const s0 = c.secret(w['previousSecret'], `${path}.webhook.previousSecret`, false);
        if (u && s1) webhook = { url: u, secrets: s0 ? [s1, s0] : [s1] };
      }
    }
    let chat: Receiver['chat'];
    if (o['chat'] !== undefined) {
      const ch = c.obj(o['chat'], `${path}.chat`);
      if (ch) {
        c.keys(ch, `${path}.chat`, K['$.receivers[].chat']);
        const u = url(c, ch['url'], `${path}.chat.url`);
        if (u) chat = { url: u };
      }
    }
    if (o['email'] === undefined && o['webhook'] === undefined && o['chat'] === undefined) c.p(path, 'a receiver needs email, webhook or chat');
    if (name)
      out.push({
        name,
        ...(mail ? { email: mail } : {}),
        ...(webhook ? { webhook } : {}),
        ...(chat ? { chat } : {}),
        sendResolved: c.bool(o['sendResolved'], `${path}.sendResolved`, true),
      });
  });
  c.unique(out, '$.receivers', 'receiver');
  return out;
}

function route(c: Checker, v: unknown, path: string, isRoot: boolean): RouteSpec {
  const o = c.obj(v, path);
  if (!o) return { receiver: 'invalid' };
  c.keys(o, path, K['$.route']);
  const matchers: Matcher[] = [];
  c.list(o['matchers'], `${path}.matchers`).forEach((m, i) => {
    const s = c.str(m, `${path}.matchers[${i}]`);
    if (s === undefined) return;
    try {
      matchers.push(...parseMatchers(s));
    } catch (e) {
      c.p(`${path}.matchers[${i}]`, e instanceof MatcherError ? e.message : String(e));
    }
  });
  if (isRoot && matchers.length > 0) c.p(`${path}.matchers`, 'the root route takes every alert: no matchers');
  const receiver = c.str(o['receiver'], `${path}.receiver`, isRoot);
  const groupBy = o['groupBy'] === undefined ? undefined : c.strList(o['groupBy'], `${path}.groupBy`);
  const escalation = c.str(o['escalation'], `${path}.escalation`, false);
  const runbook = c.str(o['runbook'], `${path}.runbook`, false);
  const routes = c.list(o['routes'], `${path}.routes`).map((r, i) => route(c, r, `${path}.routes[${i}]`, false));
  return {
    ...(matchers.length ? { matchers } : {}),
    ...(receiver ? { receiver } : {}),
    ...(groupBy ? { groupBy } : {}),
    ...(escalation ? { escalation } : {}),
    ...(runbook ? { runbook } : {}),
    ...(o['autoRun'] !== undefined ? { autoRun: c.bool(o['autoRun'], `${path}.autoRun`, false) } : {}),
    ...(o['continue'] !== undefined ? { continue: c.bool(o['continue'], `${path}.continue`, false) } : {}),
    ...(routes.length ? { routes } : {}),
  };
}

function people(c: Checker, v: unknown): Person[] {
  const out: Person[] = [];
  c.list(v, '$.people').forEach((x, i) => {
    const path = `$.people[${i}]`;
    const o = c.obj(x, path);
    if (!o) return;
    c.keys(o, path, K['$.people[]']);
    const name = c.name(o['name'], `${path}.name`);
    const mail = c.str(o['email'], `${path}.email`, false);
    if (mail && !EMAIL_RE.test(mail)) c.p(`${path}.email`, 'not an email address');
    if (name)
      out.push({ name, ...(mail ? { email: mail } : {}), receivers: o['receivers'] === undefined ? [] : c.strList(o['receivers'], `${path}.receivers`) });
  });
  c.unique(out, '$.people', 'person');
  return out;
}

function localTime(c: Checker, v: unknown, path: string): Rotation['start'] | undefined {
  const s = c.str(v, path);
  const m = s === undefined ? null : LOCAL_RE.exec(s);
  if (s !== undefined && !m) c.p(path, 'a local date and time, YYYY-MM-DDTHH:MM (in the schedule’s time zone)');
  if (!m) return undefined;
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]) };
}

function instant(c: Checker, v: unknown, path: string): number | undefined {
  const s = c.str(v, path);
  const t = s === undefined ? NaN : Date.parse(s);
  if (s !== undefined && (Number.isNaN(t) || !/[zZ]|[+-]\d{2}:\d{2}$/.test(s))) c.p(path, 'an RFC 3339 time with its offset, e.g. 2026-12-24T18:00:00+01:00');
  return Number.isNaN(t) ? undefined : t;
}

function schedules(c: Checker, v: unknown): Schedule[] {
  const out: Schedule[] = [];
  c.list(v, '$.schedules').forEach((x, i) => {
    const path = `$.schedules[${i}]`;
    const o = c.obj(x, path);
    if (!o) return;
    c.keys(o, path, K['$.schedules[]']);
    const name = c.name(o['name'], `${path}.name`);
    const timeZone = c.str(o['timeZone'], `${path}.timeZone`) ?? 'UTC';
    const layers: Rotation[] = [];
    c.list(o['layers'], `${path}.layers`).forEach((l, j) => {
      const lp = `${path}.layers[${j}]`;
      const lo = c.obj(l, lp);
      if (!lo) return;
      c.keys(lo, lp, K['$.schedules[].layers[]']);
      const users = c.strList(lo['users'], `${lp}.users`);
      const start = localTime(c, lo['start'], `${lp}.start`);
      const every = c.duration(c.str(lo['every'], `${lp}.every`), `${lp}.every`);
      const end = lo['end'] === undefined ? undefined : instant(c, lo['end'], `${lp}.end`);
      if (!start || every === undefined) return;
      const DAY = 86_400_000;
      const rot = every % DAY === 0 ? { everyDays: every / DAY } : { everyHours: every / 3_600_000 };
      layers.push({ name: typeof lo['name'] === 'string' ? lo['name'] : `layer-${j}`, users, start, ...rot, ...(end !== undefined ? { end } : {}) });
    });
    if (layers.length === 0) c.p(`${path}.layers`, 'at least one layer');
    const overrides = c.list(o['overrides'], `${path}.overrides`).flatMap((ov, j) => {
      const op = `${path}.overrides[${j}]`;
      const oo = c.obj(ov, op);
      if (!oo) return [];
      c.keys(oo, op, K['$.schedules[].overrides[]']);
      const user = c.str(oo['user'], `${op}.user`);
      const from = instant(c, oo['from'], `${op}.from`);
      const to = instant(c, oo['to'], `${op}.to`);
      return user && from !== undefined && to !== undefined ? [{ user, from, to, ...(typeof oo['reason'] === 'string' ? { reason: oo['reason'] } : {}) }] : [];
    });
    if (!name) return;
    const s: Schedule = { name, timeZone, layers, overrides };
    try {
      checkSchedule(s);
    } catch (e) {
      c.p(path, e instanceof ScheduleError ? e.message : String(e));
    }
    out.push(s);
  });
  c.unique(out, '$.schedules', 'schedule');
  return out;
}

function policies(c: Checker, v: unknown): EscalationPolicy[] {
  const out: EscalationPolicy[] = [];
  c.list(v, '$.escalationPolicies').forEach((x, i) => {
    const path = `$.escalationPolicies[${i}]`;
    const o = c.obj(x, path);
    if (!o) return;
    c.keys(o, path, K['$.escalationPolicies[]']);
    const name = c.name(o['name'], `${path}.name`);
    const levels: EscalationLevel[] = [];
    c.list(o['levels'], `${path}.levels`).forEach((l, j) => {
      const lp = `${path}.levels[${j}]`;
      const lo = c.obj(l, lp);
      if (!lo) return;
      c.keys(lo, lp, K['$.escalationPolicies[].levels[]']);
      const after = lo['after'] === 'deadline' ? 'deadline' : (c.duration(lo['after'] === 0 ? '0s' : (lo['after'] ?? '0s'), `${lp}.after`) ?? 0);
      const targets = c.strList(lo['targets'], `${lp}.targets`);
      if (targets.length === 0) c.p(`${lp}.targets`, 'at least one target (receiver:NAME, schedule:NAME or person:NAME)');
      levels.push({ after, targets });
    });
    if (levels.length === 0) c.p(`${path}.levels`, 'at least one level');
    const repeat = o['repeat'] ?? 0;
    if (typeof repeat !== 'number' || !Number.isInteger(repeat) || repeat < 0 || repeat > 10) c.p(`${path}.repeat`, 'an integer from 0 to 10');
    const every = c.duration(o['repeatEvery'], `${path}.repeatEvery`);
    if (name) out.push({ name, levels, repeat: typeof repeat === 'number' ? repeat : 0, ...(every !== undefined ? { repeatEveryMs: every } : {}) });
  });
  c.unique(out, '$.escalationPolicies', 'escalation policy');
  return out;
}

function incidentRules(c: Checker, v: unknown): IncidentRules {
  if (v === undefined) return { ackDeadlines: DEFAULT_ACK_DEADLINES, flapWindowMs: DEFAULT_FLAP_WINDOW_MS };
  const o = c.obj(v, '$.incidents');
  if (!o) return { ackDeadlines: DEFAULT_ACK_DEADLINES, flapWindowMs: DEFAULT_FLAP_WINDOW_MS };
  c.keys(o, '$.incidents', K['$.incidents']);
  const dl: Record<IncidentSeverity, number> = { ...DEFAULT_ACK_DEADLINES };
  if (o['ackDeadlines'] !== undefined) {
    const d = c.obj(o['ackDeadlines'], '$.incidents.ackDeadlines');
    if (d) {
      c.keys(d, '$.incidents.ackDeadlines', K['$.incidents.ackDeadlines']);
      for (const s of SEVERITIES) {
        const ms = c.duration(d[s], `$.incidents.ackDeadlines.${s}`);
        if (ms !== undefined) dl[s] = ms;
      }
    }
  }
  const flap = c.duration(o['flapWindow'], '$.incidents.flapWindow');
  const re = c.duration(o['retriggerAfterAck'], '$.incidents.retriggerAfterAck');
  return { ackDeadlines: dl, flapWindowMs: flap ?? DEFAULT_FLAP_WINDOW_MS, ...(re !== undefined ? { retriggerAfterAckMs: re } : {}) };
}

/** Every name a route or a level refers to must exist. */
function references(c: Checker, cfg: Omit<OperationsConfig, 'rules'>): void {
  const receivers = new Set(cfg.receivers.map((r) => r.name));
  const policyNames = new Set(cfg.escalationPolicies.map((p) => p.name));
  const scheduleNames = new Set(cfg.schedules.map((s) => s.name));
  const personNames = new Set(cfg.people.map((p) => p.name));
  const walk = (r: RouteSpec, path: string): void => {
    if (r.receiver && !receivers.has(r.receiver)) c.p(`${path}.receiver`, `no receiver named ${r.receiver}`);
    if (r.escalation && !policyNames.has(r.escalation)) c.p(`${path}.escalation`, `no escalation policy named ${r.escalation}`);
    (r.routes ?? []).forEach((x, i) => walk(x, `${path}.routes[${i}]`));
  };
  walk(cfg.route, '$.route');
  cfg.escalationPolicies.forEach((p, i) =>
    p.levels.forEach((l, j) =>
      l.targets.forEach((t, k) => {
        const m = /^(receiver|schedule|person):(.+)$/.exec(t);
        const where = `$.escalationPolicies[${i}].levels[${j}].targets[${k}]`;
        if (!m) return c.p(where, 'a target is receiver:NAME, schedule:NAME or person:NAME');
        const known = m[1] === 'receiver' ? receivers : m[1] === 'schedule' ? scheduleNames : personNames;
        if (!known.has(m[2]!)) c.p(where, `no ${m[1]} named ${m[2]}`);
      }),
    ),
  );
  cfg.people.forEach((p, i) => p.receivers.forEach((r, j) => receivers.has(r) || c.p(`$.people[${i}].receivers[${j}]`, `no receiver named ${r}`)));
}

export function validateOperations(doc: unknown): { ok: true; config: OperationsConfig } | { ok: false; problems: ConfigProblem[] } {
  const c = new Checker();
  if (doc === null || doc === undefined) return { ok: false, problems: [{ path: '$', message: 'the operations file is empty' }] };
  const o = c.obj(doc, '$');
  if (!o) return { ok: false, problems: c.problems };
  c.keys(o, '$', K.$);
  const base = {
    integrations: integrations(c, o['integrations']),
    receivers: receivers(c, o['receivers']),
    route:
      o['route'] === undefined
        ? (c.p('$.route', 'required: the routing tree (at least a root receiver)'), { receiver: 'invalid' })
        : route(c, o['route'], '$.route', true),
    people: people(c, o['people']),
    schedules: schedules(c, o['schedules']),
    escalationPolicies: policies(c, o['escalationPolicies']),
  };
  const rules = incidentRules(c, o['incidents']);
  if (c.problems.length === 0) references(c, base);
  if (c.problems.length > 0) return { ok: false, problems: c.problems };
  return { ok: true, config: { ...base, rules } };
}

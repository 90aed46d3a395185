// The schedules file (YAML) → JobSchedule[]. Every problem comes back at once as file:line:col with
// its JSON path (the catalog's Checker and YAML locator); unknown keys are refused.
import { Checker, keyStep, kindOf, type Obj } from '../catalog/checker.js';
import { DRILL_KINDS, isDrillKind } from '../drills/types.js';
import { parseYamlFile, type FileProblem } from '../operations/yaml-locate.js';
import { compileCron } from './cron.js';
import {
  CATCH_UP_POLICIES,
  OVERRUN_POLICIES,
  SCHEDULED_JOB_KINDS,
  type CatchUpPolicy,
  type JobSchedule,
  type OverrunPolicy,
  type ScheduledJob,
} from './types.js';

/** Every key the validator accepts, by place (docs/schedules.md documents each; its test reads this table). */
export const SCHEDULES_KEYS = {
  $: ['schedules'],
  '$.schedules[]': ['name', 'description', 'cron', 'timezone', 'job', 'overrun', 'catchUp', 'enabled'],
  '$.schedules[].job': SCHEDULED_JOB_KINDS,
  '$.schedules[].job.backup': ['dir', 'keep', 'daily', 'weekly'],
  '$.schedules[].job.runbook': ['name', 'path', 'inputs', 'environment'],
  '$.schedules[].job.drill': ['kind', 'env', 'options'],
} as const satisfies Readonly<Record<string, readonly string[]>>;
const K = SCHEDULES_KEYS;

export type ParsedSchedules =
  { readonly ok: true; readonly schedules: readonly JobSchedule[] } | { readonly ok: false; readonly problems: readonly FileProblem[] };

export function parseSchedulesText(text: string, file: string): ParsedSchedules {
  const y = parseYamlFile(text, file);
  if (!y.ok) return { ok: false, problems: y.problems };
  const r = validateSchedules(y.data);
  if (r.problems.length > 0) return { ok: false, problems: r.problems.map((p) => y.locate(p.path, p.message)) };
  return { ok: true, schedules: r.schedules };
}

/** Checks plain data (as YAML gives it); problems carry JSON paths. An empty document is no schedules. */
export function validateSchedules(data: unknown): { schedules: JobSchedule[]; problems: Checker['problems'] } {
  const c = new Checker();
  if (data === null || data === undefined) return { schedules: [], problems: [] };
  const o = c.obj(data, '$');
  if (!o) return { schedules: [], problems: c.problems };
  c.keys(o, '$', K.$);
  const schedules = c.list(o['schedules'], '$.schedules').flatMap((x, i) => readSchedule(c, x, `$.schedules[${i}]`) ?? []);
  const seen = new Map<string, number>();
  c.list(o['schedules'], '$.schedules').forEach((x, i) => {
    const name = (x as Obj | null)?.['name'];
    if (typeof name !== 'string') return;
    if (seen.has(name)) c.p(`$.schedules[${i}].name`, `schedule ${name} is defined twice (first at $.schedules[${seen.get(name)}])`);
    else seen.set(name, i);
  });
  return { schedules, problems: c.problems };
}

function oneOf<T extends string>(c: Checker, v: unknown, path: string, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  c.p(path, `must be one of ${allowed.join(', ')}, not ${kindOf(v)}`);
  return dflt;
}

function readSchedule(c: Checker, v: unknown, path: string): JobSchedule | undefined {
  const o = c.obj(v, path);
  if (!o) return undefined;
  c.keys(o, path, K['$.schedules[]']);
  const name = c.name(o['name'], `${path}.name`);
  const description = c.str(o['description'], `${path}.description`, false);
  const timezone = c.str(o['timezone'], `${path}.timezone`, false) ?? 'UTC';
  const cron = c.str(o['cron'], `${path}.cron`);
  if (cron !== undefined) {
    const compiled = compileCron(cron, timezone);
    if (!compiled.ok) c.p(compiled.message.startsWith('unknown time zone') ? `${path}.timezone` : `${path}.cron`, compiled.message);
  }
  const job =
    o['job'] === undefined ? (c.p(`${path}.job`, `required: one of ${SCHEDULED_JOB_KINDS.join(', ')}`), undefined) : readJob(c, o['job'], `${path}.job`);
  const overrun: OverrunPolicy = oneOf(c, o['overrun'], `${path}.overrun`, OVERRUN_POLICIES, 'skip');
  const catchUp: CatchUpPolicy = oneOf(c, o['catchUp'], `${path}.catchUp`, CATCH_UP_POLICIES, 'skip');
  const enabled = c.bool(o['enabled'], `${path}.enabled`, true);
  if (name === undefined || cron === undefined || job === undefined) return undefined;
  return { name, ...(description !== undefined ? { description } : {}), cron: cron.trim(), timezone, job, overrun, catchUp, enabled };
}

/** `{backup: {...}}`, `{runbook: {...}}` or `{drill: {...}}`: exactly one. */
function readJob(c: Checker, v: unknown, path: string): ScheduledJob | undefined {
  const o = c.obj(v, path);
  if (!o) return undefined;
  c.keys(o, path, K['$.schedules[].job']);
  const kinds = SCHEDULED_JOB_KINDS.filter((k) => k in o);
  if (kinds.length !== 1) {
    if (Object.keys(o).every((k) => (SCHEDULED_JOB_KINDS as readonly string[]).includes(k)))
      c.p(path, `a job is exactly one of ${SCHEDULED_JOB_KINDS.join(', ')}${kinds.length > 1 ? `, not ${kinds.join(' and ')}` : ''}`);
    return undefined;
  }
  const kind = kinds[0]!;
  const at = `${path}.${kind}`;
  // `backup:` with nothing after it is a backup with the defaults.
  const body = o[kind] === null ? {} : c.obj(o[kind], at);
  if (!body) return undefined;
  switch (kind) {
    case 'backup': {
      c.keys(body, at, K['$.schedules[].job.backup']);
      const dir = c.str(body['dir'], `${at}.dir`, false);
      const keep = c.int(body['keep'], `${at}.keep`, 1, 100_000);
      const daily = c.int(body['daily'], `${at}.daily`, 0, 100_000);
      const weekly = c.int(body['weekly'], `${at}.weekly`, 0, 100_000);
      if (keep === undefined && (daily !== undefined || weekly !== undefined))
        c.p(`${at}.keep`, 'daily and weekly retention need keep: N (the newest N are always kept)');
      return {
        kind,
        ...(dir !== undefined ? { dir } : {}),
        ...(keep !== undefined ? { keep } : {}),
        ...(daily !== undefined ? { daily } : {}),
        ...(weekly !== undefined ? { weekly } : {}),
      };
    }
    case 'runbook': {
      c.keys(body, at, K['$.schedules[].job.runbook']);
      const name = c.str(body['name'], `${at}.name`, false);
      const file = c.str(body['path'], `${at}.path`, false);
      if ((body['name'] === undefined) === (body['path'] === undefined))
        c.p(at, 'a runbook job names exactly one of name: ID (the server catalogue) or path: FILE (relative to this file)');
      const environment = c.str(body['environment'], `${at}.environment`, false);
      const inputs = readInputs(c, body['inputs'], `${at}.inputs`);
      if ((name === undefined) === (file === undefined)) return undefined;
      return {
        kind,
        ...(name !== undefined ? { name } : { path: file! }),
        inputs,
        ...(environment !== undefined ? { environment } : {}),
      };
    }
    case 'drill': {
      c.keys(body, at, K['$.schedules[].job.drill']);
      const dk = body['kind'];
      if (!isDrillKind(dk)) c.p(`${at}.kind`, `must be one of ${DRILL_KINDS.join(', ')}, not ${kindOf(dk)}`);
      const env = c.str(body['env'], `${at}.env`, false);
      const options = body['options'] === undefined ? {} : c.obj(body['options'], `${at}.options`);
      if (!isDrillKind(dk) || !options) return undefined;
      return { kind, drill: dk, ...(env !== undefined ? { env } : {}), options };
    }
  }
}

/** Input values are text (as on the command line); numbers and booleans are written as they read. */
function readInputs(c: Checker, v: unknown, path: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  const o = c.obj(v, path);
  if (!o) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) {
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
    else c.p(`${path}${keyStep(k)}`, `an input value is text, a number or true/false, not ${kindOf(x)}`);
  }
  return out;
}

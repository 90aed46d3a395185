// One check entry of the catalog (plain data) → Check, with defaults that follow Gatus where the
// peers agree (3 failures / 2 successes) and conditions parsed and matched to the probe's kind.
import type { IncidentSeverity } from '../incidents/severity.js';
import type { Checker } from './checker.js';
import { parseCondition, SUBJECT_SYNTAX, type Condition } from './conditions.js';
import { CATALOG_PROBE_KINDS, hostKeyOf, readProbe, SUBJECTS_OF, type CatalogProbe } from './probe.js';
import { DEFAULT_FAILURE_THRESHOLD, DEFAULT_SUCCESS_THRESHOLD } from './thresholds.js';
import type { Check } from './types.js';

export const CHECK_KEYS = [
  'name',
  'id',
  'description',
  ...CATALOG_PROBE_KINDS,
  'interval',
  'timeout',
  'failureThreshold',
  'successThreshold',
  'conditions',
  'severity',
  'optional',
] as const;

export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 10_000;
const ID_RE = /^[a-z0-9][a-z0-9_.-]*(\/[a-z0-9][a-z0-9_.-]*){0,2}$/;

/** Where a check hangs: its service, and its component when it belongs to one. */
export interface CheckOwner {
  readonly service: string;
  readonly component?: string;
  readonly severity?: IncidentSeverity;
}

export function readCheck(c: Checker, v: unknown, path: string, owner: CheckOwner): Check | undefined {
  const o = c.obj(v, path);
  if (!o) return undefined;
  c.keys(o, path, CHECK_KEYS);
  const name = c.name(o['name'], `${path}.name`);
  const given = c.str(o['id'], `${path}.id`, false);
  if (given !== undefined && !ID_RE.test(given)) c.p(`${path}.id`, 'an id is up to three names joined by / (backend/ping)');
  const probe = readProbe(c, o, path);
  const intervalMs = c.duration(o['interval'], `${path}.interval`, DEFAULT_INTERVAL_MS, 1000);
  const timeoutMs = c.duration(o['timeout'], `${path}.timeout`, Math.min(DEFAULT_TIMEOUT_MS, intervalMs));
  // A probe that may outlive its interval would overlap the next run of itself.
  if (timeoutMs > intervalMs) c.p(`${path}.timeout`, `must not exceed the interval (${intervalMs / 1000}s)`);
  const failureThreshold = c.int(o['failureThreshold'], `${path}.failureThreshold`, 1, 100, DEFAULT_FAILURE_THRESHOLD)!;
  const successThreshold = c.int(o['successThreshold'], `${path}.successThreshold`, 1, 100, DEFAULT_SUCCESS_THRESHOLD)!;
  const conditions = probe ? readConditions(c, o['conditions'], `${path}.conditions`, probe) : [];
  const severity = c.severity(o['severity'], `${path}.severity`) ?? owner.severity ?? 'SEV-3';
  const description = c.str(o['description'], `${path}.description`, false);
  if (!name || !probe) return undefined;
  return {
    id: given ?? [owner.service, owner.component, name].filter((x) => x !== undefined).join('/'),
    name,
    service: owner.service,
    ...(owner.component !== undefined ? { component: owner.component } : {}),
    ...(description !== undefined ? { description } : {}),
    probe,
    intervalMs,
    timeoutMs,
    failureThreshold,
    successThreshold,
    conditions,
    severity,
    optional: c.bool(o['optional'], `${path}.optional`, false),
    hostKey: hostKeyOf(probe),
  };
}

/**
 * Conditions, or the kind's default when none are written: http `status == 200`, redis
 * `reply == "PONG"` for its default PING, command `exit == 0`; tcp, postgres and dns need only
 * that the probe completes (a refused connection, failed query or empty answer is an error).
 */
function readConditions(c: Checker, v: unknown, path: string, probe: CatalogProbe): Condition[] {
  const texts = v === undefined ? defaultConditions(probe) : c.list(v, path);
  const out: Condition[] = [];
  texts.forEach((t, i) => {
    const at = `${path}[${i}]`;
    const text = c.str(t, at);
    if (text === undefined) return;
    const r = parseCondition(text);
    if (!r.ok) return c.p(at, `column ${r.column}: ${r.message}`);
    const allowed = SUBJECTS_OF[probe.kind];
    if (!allowed.includes(r.condition.subject.kind))
      return c.p(
        at,
        `${SUBJECT_SYNTAX[r.condition.subject.kind]} is not observed by a ${probe.kind} check (it observes ${allowed.map((k) => SUBJECT_SYNTAX[k]).join(', ')})`,
      );
    out.push(r.condition);
  });
  return out;
}

function defaultConditions(probe: CatalogProbe): string[] {
  switch (probe.kind) {
    case 'http':
      return ['status == 200'];
    case 'redis':
      return probe.command === undefined || probe.command.toUpperCase() === 'PING' ? ['reply == "PONG"'] : [];
    case 'command':
      return ['exit == 0'];
    default:
      return [];
  }
}

// Checks one native catalog document (plain data, as YAML gives it): services, their components,
// checks and dependencies, checklists and SLOs. It knows only JSON paths; names that point across
// files (dependencies, checklist items) are resolved by references.ts once every file is read.
import { Checker, keyStep, type PathProblem } from './checker.js';
import { CHECK_KEYS, readCheck } from './validate-checks.js';
import { readChecklist, readSlo, type ChecklistRead } from './validate-checklists.js';
import type { Check, Component, Dependency, Service, ServiceReleaseSettings, SloSpec } from './types.js';

/** Every key the validator accepts, by where it may appear (the docs and their test read this table). */
export const CATALOG_KEYS = {
  $: ['services', 'checklists', 'slos'],
  '$.services[]': [
    'name',
    'description',
    'owner',
    'system',
    'type',
    'lifecycle',
    'runbooks',
    'escalation',
    'severity',
    'components',
    'dependsOn',
    'checks',
    'release',
  ],
  '$.services[].release': ['checklist', 'postRollback', 'bake', 'maxBurnRate', 'failSeverity', 'autoRollback', 'approvals', 'inputs'],
  '$.services[].components[]': ['name', 'type', 'description', 'optional', 'checks'],
  '$.services[].dependsOn[]': ['service', 'component', 'optional'],
  '$.services[].checks[]': CHECK_KEYS,
  '$.checklists[]': ['name', 'description', 'items'],
} as const satisfies Readonly<Record<string, readonly string[]>>;
const K = CATALOG_KEYS;

export interface ServiceRead {
  readonly service: Service;
  readonly path: string;
  readonly namePath: string;
  /** Path of each dependency, in order. */
  readonly depPaths: readonly string[];
  /** Every check of the service and its components, with its path. */
  readonly checks: ReadonlyArray<{ readonly check: Check; readonly path: string }>;
}

export interface CatalogDocument {
  readonly services: readonly ServiceRead[];
  readonly checklists: readonly ChecklistRead[];
  readonly slos: ReadonlyArray<{ readonly slo: SloSpec; readonly path: string }>;
  readonly problems: readonly PathProblem[];
}

export function validateCatalogDocument(data: unknown): CatalogDocument {
  const c = new Checker();
  if (data === null || data === undefined) return { services: [], checklists: [], slos: [], problems: [] };
  const o = c.obj(data, '$');
  if (!o) return { services: [], checklists: [], slos: [], problems: c.problems };
  c.keys(o, '$', K.$);
  const services = c.list(o['services'], '$.services').flatMap((x, i) => readService(c, x, `$.services[${i}]`) ?? []);
  const checklists = c.list(o['checklists'], '$.checklists').flatMap((x, i) => readChecklist(c, x, `$.checklists[${i}]`) ?? []);
  const slos = c.list(o['slos'], '$.slos').flatMap((x, i) => {
    const slo = readSlo(c, x, `$.slos[${i}]`);
    return slo ? [{ slo, path: `$.slos[${i}]` }] : [];
  });
  return { services, checklists, slos, problems: c.problems };
}

function readService(c: Checker, v: unknown, path: string): ServiceRead | undefined {
  const o = c.obj(v, path);
  if (!o) return undefined;
  c.keys(o, path, K['$.services[]']);
  const name = c.name(o['name'], `${path}.name`);
  const severity = c.severity(o['severity'], `${path}.severity`);
  const svc = name ?? 'invalid';
  const checks: Array<{ check: Check; path: string }> = [];
  const read = (list: unknown, at: string, component?: string): Check[] =>
    c.list(list, at).flatMap((x, i) => {
      const check = readCheck(c, x, `${at}[${i}]`, { service: svc, ...(component !== undefined ? { component } : {}), ...(severity ? { severity } : {}) });
      if (!check) return [];
      checks.push({ check, path: `${at}[${i}]` });
      return [check];
    });
  const own = read(o['checks'], `${path}.checks`);
  const components = c.list(o['components'], `${path}.components`).flatMap((x, i): Component[] => {
    const at = `${path}.components[${i}]`;
    const co = c.obj(x, at);
    if (!co) return [];
    c.keys(co, at, K['$.services[].components[]']);
    const cname = c.name(co['name'], `${at}.name`);
    const compChecks = read(co['checks'], `${at}.checks`, cname ?? 'invalid');
    if (compChecks.length === 0 && co['checks'] === undefined) c.p(at, 'a component needs checks (else it is never known to be up)');
    const type = c.str(co['type'], `${at}.type`, false);
    const description = c.str(co['description'], `${at}.description`, false);
    if (!cname) return [];
    return [
      {
        id: `${svc}/${cname}`,
        name: cname,
        service: svc,
        ...(type !== undefined ? { type } : {}),
        ...(description !== undefined ? { description } : {}),
        optional: c.bool(co['optional'], `${at}.optional`, false),
        checks: compChecks,
      },
    ];
  });
  const seen = new Map<string, number>();
  components.forEach((x, i) => {
    if (seen.has(x.name)) c.p(`${path}.components[${i}].name`, `component ${x.name} is defined twice in ${svc}`);
    seen.set(x.name, i);
  });
  const depPaths: string[] = [];
  const dependsOn = c.list(o['dependsOn'], `${path}.dependsOn`).flatMap((x, i) => {
    const d = readDependency(c, x, `${path}.dependsOn[${i}]`);
    if (d) depPaths.push(`${path}.dependsOn[${i}]`);
    return d ? [d] : [];
  });
  const runbooks = c.strMap(o['runbooks'], `${path}.runbooks`) ?? {};
  const texts: Record<string, string> = {};
  for (const k of ['description', 'owner', 'system', 'type', 'lifecycle', 'escalation']) {
    const s = c.str(o[k], `${path}${keyStep(k)}`, false);
    if (s !== undefined) texts[k] = s;
  }
  const release = o['release'] === undefined ? undefined : readRelease(c, o['release'], `${path}.release`);
  if (!name) return undefined;
  const service: Service = {
    name,
    ...texts,
    runbooks,
    ...(severity ? { severity } : {}),
    components,
    dependsOn,
    checks: own,
    ...(release ? { release } : {}),
  };
  return { service, path, namePath: `${path}.name`, depPaths, checks };
}

const AUTO_ROLLBACK = ['off', 'on', 'approval'] as const;

/** `release: {checklist, postRollback, bake: 10m, maxBurnRate: 14.4, failSeverity: SEV-1, autoRollback: on, approvals: [production]}`. */
function readRelease(c: Checker, v: unknown, path: string): ServiceReleaseSettings | undefined {
  const o = c.obj(v, path);
  if (!o) return undefined;
  c.keys(o, path, K['$.services[].release']);
  const out: { -readonly [k in keyof ServiceReleaseSettings]: ServiceReleaseSettings[k] } = {};
  for (const k of ['checklist', 'postRollback'] as const) {
    const s = c.str(o[k], `${path}.${k}`, false);
    if (s !== undefined) out[k] = s;
  }
  if (o['bake'] !== undefined) out.bakeMs = c.duration(o['bake'], `${path}.bake`, 0, 0);
  const burn = o['maxBurnRate'];
  if (burn !== undefined) {
    if (typeof burn !== 'number' || !(burn > 0) || !Number.isFinite(burn))
      c.p(`${path}.maxBurnRate`, 'must be a number above 0 (14.4 pages at 2% of a 30-day budget in 1 h)');
    else out.maxBurnRate = burn;
  }
  const sev = c.severity(o['failSeverity'], `${path}.failSeverity`);
  if (sev) out.failSeverity = sev;
  const auto = o['autoRollback'];
  if (auto !== undefined) {
    if (typeof auto !== 'string' || !(AUTO_ROLLBACK as readonly string[]).includes(auto))
      c.p(`${path}.autoRollback`, `must be one of ${AUTO_ROLLBACK.join(', ')}`);
    else out.autoRollback = auto as ServiceReleaseSettings['autoRollback'];
  }
  if (o['inputs'] !== undefined) {
    const inputs = c.strMap(o['inputs'], `${path}.inputs`);
    if (inputs) out.inputs = inputs;
  }
  if (o['approvals'] !== undefined) out.approvals = c.list(o['approvals'], `${path}.approvals`).flatMap((x, i) => c.str(x, `${path}.approvals[${i}]`) ?? []);
  return out;
}

/** `postgres` (a required service), `{service: redis, optional: true}` or `{component: observability/loki}`. */
function readDependency(c: Checker, v: unknown, path: string): Dependency | undefined {
  if (typeof v === 'string') return c.str(v, path) === undefined ? undefined : { service: v, optional: false };
  const o = c.obj(v, path);
  if (!o) return undefined;
  c.keys(o, path, K['$.services[].dependsOn[]']);
  const optional = c.bool(o['optional'], `${path}.optional`, false);
  if ((o['service'] === undefined) === (o['component'] === undefined)) {
    c.p(path, 'a dependency names exactly one of service: NAME or component: SERVICE/NAME');
    return undefined;
  }
  if (o['service'] !== undefined) {
    const s = c.str(o['service'], `${path}.service`);
    return s === undefined ? undefined : { service: s, optional };
  }
  const comp = c.str(o['component'], `${path}.component`);
  if (comp !== undefined && !/^[^/]+\/[^/]+$/.test(comp)) c.p(`${path}.component`, 'a component is named SERVICE/NAME (observability/loki)');
  return comp === undefined || !comp.includes('/') ? undefined : { component: comp, optional };
}

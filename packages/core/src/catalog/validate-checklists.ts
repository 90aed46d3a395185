// Checklist and SLO entries of the catalog (plain data) → typed specs, problems as JSON paths.
// Names they refer to (checks, services) are resolved later, once every file is read.
import { DRILL_KINDS, isDrillKind } from '../drills/types.js';
import { parseSeverity } from '../incidents/severity.js';
import { eventQueryProblems } from '../slo/events.js';
import type { SloEventQueries } from '../slo/objectives.js';
import type { Checker, Obj } from './checker.js';
import type { Checklist, ChecklistItem, ChecklistItemSpec, ComparisonOp, HealthState, SloSpec } from './types.js';
import { HEALTH_STATES } from './types.js';

export const ITEM_KINDS = ['check', 'service', 'ledger', 'noBypass', 'noOpenIncident', 'ready', 'prometheus', 'anchors', 'backup', 'drill'] as const;
export const ITEM_KEYS: Readonly<Record<(typeof ITEM_KINDS)[number], readonly string[]>> = {
  check: ['name', 'check', 'allow'],
  service: ['name', 'service', 'allow'],
  ledger: ['name', 'ledger', 'mode', 'sample'],
  noBypass: ['name', 'noBypass'],
  noOpenIncident: ['name', 'noOpenIncident'],
  ready: ['name', 'ready'],
  prometheus: ['name', 'prometheus'],
  anchors: ['name', 'anchors'],
  backup: ['name', 'backup'],
  drill: ['name', 'drill'],
};
/** The keys of the two item kinds written as a mapping. */
export const ITEM_OBJECT_KEYS = {
  noOpenIncident: ['severity', 'service'],
  prometheus: ['query', 'op', 'threshold', 'url'],
  drill: ['kind', 'within'],
} as const;
/** Seed 001 drills monthly: a drill item holds for 31 days after the drill passed unless `within` says otherwise. */
export const DEFAULT_DRILL_WITHIN_MS = 31 * 86_400_000;
const isPrometheusUrl = (url: string): boolean => /^https?:\/\/[^/@]+(\/|$)/.test(url);
const PROMETHEUS_URL_MESSAGE = 'must be an http(s) URL without credentials';
const OPS: readonly ComparisonOp[] = ['==', '!=', '<', '<=', '>', '>='];
export const DEFAULT_LEDGER_SAMPLE = 10;

export interface ChecklistRead {
  readonly checklist: Checklist;
  readonly path: string;
  /** Path of each item, in order (for references resolved later). */
  readonly itemPaths: readonly string[];
}

export function readChecklist(c: Checker, v: unknown, path: string): ChecklistRead | undefined {
  const o = c.obj(v, path);
  if (!o) return undefined;
  c.keys(o, path, ['name', 'description', 'items']);
  const name = c.name(o['name'], `${path}.name`);
  const description = c.str(o['description'], `${path}.description`, false);
  const items: ChecklistItem[] = [];
  const itemPaths: string[] = [];
  const raw = c.list(o['items'], `${path}.items`);
  if (raw.length === 0) c.p(`${path}.items`, 'a checklist needs at least one item (an empty one would always be healthy)');
  raw.forEach((x, i) => {
    const item = readItem(c, x, `${path}.items[${i}]`);
    if (!item) return;
    items.push(item);
    itemPaths.push(`${path}.items[${i}]`);
  });
  if (!name) return undefined;
  return { checklist: { name, ...(description !== undefined ? { description } : {}), items }, path, itemPaths };
}

function readItem(c: Checker, v: unknown, path: string): ChecklistItem | undefined {
  const o = c.obj(v, path);
  if (!o) return undefined;
  const kinds = ITEM_KINDS.filter((k) => o[k] !== undefined);
  if (kinds.length !== 1) {
    c.p(path, kinds.length === 0 ? `an item is exactly one of ${ITEM_KINDS.join(', ')}` : `an item is exactly one kind, not ${kinds.join(' and ')}`);
    return undefined;
  }
  const kind = kinds[0]!;
  c.keys(o, path, ITEM_KEYS[kind]);
  const spec = readSpec(c, o, kind, path);
  if (!spec) return undefined;
  return { name: c.str(o['name'], `${path}.name`, false) ?? defaultName(spec), ...spec };
}

function readSpec(c: Checker, o: Obj, kind: (typeof ITEM_KINDS)[number], path: string): ChecklistItemSpec | undefined {
  const at = `${path}.${kind}`;
  switch (kind) {
    case 'check':
    case 'service': {
      const ref = c.str(o[kind], at);
      const allow = readAllow(c, o['allow'], `${path}.allow`);
      if (ref === undefined) return undefined;
      return kind === 'check' ? { kind, check: ref, allow } : { kind, service: ref, allow };
    }
    case 'ledger': {
      if (o['ledger'] !== 'verifies') c.p(at, 'the one ledger item is `ledger: verifies`');
      const mode = o['mode'] ?? 'full';
      if (mode !== 'full' && mode !== 'sampled') {
        c.p(`${path}.mode`, 'must be full or sampled');
        return undefined;
      }
      if (mode === 'full' && o['sample'] !== undefined) c.p(`${path}.sample`, 'sample goes with mode: sampled');
      if (mode === 'full') return { kind, mode };
      return { kind, mode, sample: c.int(o['sample'], `${path}.sample`, 1, 100_000, DEFAULT_LEDGER_SAMPLE)! };
    }
    case 'noBypass':
      if (o['noBypass'] !== true) c.p(at, 'write noBypass: true');
      return { kind };
    case 'anchors':
      if (o['anchors'] !== 'consistent') c.p(at, 'the one anchors item is `anchors: consistent`');
      return { kind };
    case 'backup':
      if (o['backup'] !== 'fresh') c.p(at, 'the one backup item is `backup: fresh`');
      return { kind };
    case 'drill': {
      const x = c.obj(o[kind], at);
      if (!x) return undefined;
      c.keys(x, at, ITEM_OBJECT_KEYS.drill);
      if (!isDrillKind(x['kind'])) {
        c.p(`${at}.kind`, `must be one of ${DRILL_KINDS.join(', ')}`);
        return undefined;
      }
      return { kind, drill: x['kind'], withinMs: c.duration(x['within'], `${at}.within`, DEFAULT_DRILL_WITHIN_MS, 60_000) };
    }
    case 'noOpenIncident': {
      // `true` means any open incident; a mapping names the least severity that counts.
      if (o[kind] === true) return { kind, severity: 'SEV-3' };
      const x = c.obj(o[kind], at);
      if (!x) return undefined;
      c.keys(x, at, ITEM_OBJECT_KEYS.noOpenIncident);
      const sev = typeof x['severity'] === 'string' ? parseSeverity(x['severity']) : undefined;
      if (sev === undefined) c.p(`${at}.severity`, 'must be SEV-1, SEV-2 or SEV-3 (that severity or worse counts)');
      const service = c.str(x['service'], `${at}.service`, false);
      return { kind, severity: sev ?? 'SEV-1', ...(service !== undefined ? { service } : {}) };
    }
    case 'ready':
      if (o['ready'] !== 'runledger') c.p(at, 'the one readiness target is runledger (services are checked with service: NAME)');
      return { kind, target: 'runledger' };
    case 'prometheus': {
      const x = c.obj(o[kind], at);
      if (!x) return undefined;
      c.keys(x, at, ITEM_OBJECT_KEYS.prometheus);
      const query = c.str(x['query'], `${at}.query`);
      const op = OPS.find((p) => p === x['op']);
      if (!op) c.p(`${at}.op`, `must be one of ${OPS.join(' ')}`);
      const threshold = x['threshold'];
      if (typeof threshold !== 'number' || !Number.isFinite(threshold)) c.p(`${at}.threshold`, 'must be a number');
      const url = c.str(x['url'], `${at}.url`, false);
      if (url !== undefined && !isPrometheusUrl(url)) c.p(`${at}.url`, PROMETHEUS_URL_MESSAGE);
      if (query === undefined || !op || typeof threshold !== 'number') return undefined;
      return { kind, query, op, threshold, ...(url !== undefined ? { url } : {}) };
    }
  }
}

function readAllow(c: Checker, v: unknown, path: string): HealthState[] {
  if (v === undefined) return ['up'];
  const out: HealthState[] = [];
  c.list(v, path).forEach((x, i) => {
    const s = HEALTH_STATES.find((h) => h === x);
    if (s) out.push(s);
    else c.p(`${path}[${i}]`, `must be one of ${HEALTH_STATES.join(', ')}`);
  });
  if (out.length === 0) c.p(path, 'at least one state');
  return out;
}

function defaultName(s: ChecklistItemSpec): string {
  switch (s.kind) {
    case 'check':
      return `check ${s.check} is ${s.allow.join(' or ')}`;
    case 'service':
      return `service ${s.service} is ${s.allow.join(' or ')}`;
    case 'ledger':
      return s.mode === 'full' ? 'the ledger verifies' : `the ledger verifies (${s.sample ?? DEFAULT_LEDGER_SAMPLE} sampled)`;
    case 'noBypass':
      return 'no bypass or override is on';
    case 'anchors':
      return 'the ledger extends its off-host anchors';
    case 'backup':
      return 'the newest verified backup is within the RPO target';
    case 'drill':
      return `the last ${s.drill} drill passed, within ${Math.round(s.withinMs / 86_400_000)} days`;
    case 'noOpenIncident':
      return `no open ${s.severity}${s.severity === 'SEV-1' ? '' : '-or-worse'} incident${s.service ? ` on ${s.service}` : ''}`;
    case 'ready':
      return `${s.target} is ready`;
    case 'prometheus':
      return `${s.query} ${s.op} ${s.threshold}`;
  }
}

/** SLOs stay a passthrough for the SLO math: name, service, objective (percent) and window are checked. */
/** Keys of an SLO entry (docs/catalog.md lists each). */
export const SLO_KEYS = ['name', 'service', 'description', 'objective', 'window', 'latency', 'checks', 'basis', 'minFailures', 'prometheus'] as const;
/** Keys of an SLO's `prometheus` mapping. */
export const SLO_PROMETHEUS_KEYS = ['good', 'bad', 'total', 'url'] as const;
/** What only an SLO over the probe history has. */
const PROBE_ONLY_SLO_KEYS = ['checks', 'latency', 'basis'] as const;

export function readSlo(c: Checker, v: unknown, path: string): SloSpec | undefined {
  const o = c.obj(v, path);
  if (!o) return undefined;
  c.keys(o, path, SLO_KEYS);
  const name = c.name(o['name'], `${path}.name`);
  const service = c.str(o['service'], `${path}.service`);
  const objective = o['objective'];
  if (objective === undefined) c.p(`${path}.objective`, 'required: a percentage above 0 and below 100, such as 99.9');
  else if (typeof objective !== 'number' || !(objective > 0 && objective < 100)) c.p(`${path}.objective`, 'a percentage above 0 and below 100, such as 99.9');
  const windowMs = o['window'] === undefined ? 30 * 86_400_000 : c.duration(o['window'], `${path}.window`, 0, 60_000);
  const latencyMs = o['latency'] === undefined ? undefined : c.duration(o['latency'], `${path}.latency`, 0, 1);
  const checks = o['checks'] === undefined ? undefined : c.list(o['checks'], `${path}.checks`).map((x, i) => c.str(x, `${path}.checks[${i}]`) ?? '');
  const basis = o['basis'];
  if (basis !== undefined && basis !== 'time' && basis !== 'samples')
    c.p(`${path}.basis`, 'time (weigh states by how long they lasted, the default) or samples (count probes)');
  const minFailures = o['minFailures'] === undefined ? undefined : c.int(o['minFailures'], `${path}.minFailures`, 1, 1000);
  const description = o['description'] === undefined ? undefined : c.str(o['description'], `${path}.description`);
  const prometheus = o['prometheus'] === undefined ? undefined : readSloPrometheus(c, o, path);
  if (!name || !service || typeof objective !== 'number' || prometheus === null) return undefined;
  return {
    name,
    service,
    objective,
    windowMs,
    ...(description ? { description } : {}),
    ...(latencyMs !== undefined && latencyMs > 0 ? { latencyMs } : {}),
    ...(checks ? { checks } : {}),
    ...(basis === 'time' || basis === 'samples' ? { basis } : {}),
    ...(minFailures !== undefined ? { minFailures } : {}),
    ...(prometheus ? { prometheus } : {}),
    spec: o,
  };
}

/** `prometheus: { good | bad, total, url? }`, each query holding `$window`; null when it is wrong. */
function readSloPrometheus(c: Checker, slo: Obj, path: string): SloEventQueries | null {
  const at = `${path}.prometheus`;
  for (const k of PROBE_ONLY_SLO_KEYS)
    if (slo[k] !== undefined) c.p(`${path}.${k}`, `an SLO over Prometheus events has no ${k}: checks, latency and basis are for SLOs over the probe history`);
  const x = c.obj(slo['prometheus'], at);
  if (!x) return null;
  c.keys(x, at, SLO_PROMETHEUS_KEYS);
  const problems = eventQueryProblems(x);
  for (const p of problems) c.p(`${at}.${p.path}`, p.message);
  const url = c.str(x['url'], `${at}.url`, false);
  const badUrl = url !== undefined && !isPrometheusUrl(url);
  if (badUrl) c.p(`${at}.url`, PROMETHEUS_URL_MESSAGE);
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const good = str(x['good']);
  const bad = str(x['bad']);
  const total = str(x['total']);
  if (problems.length > 0 || badUrl || total === undefined) return null;
  return { ...(good !== undefined ? { good } : { bad: bad ?? '' }), total, ...(url !== undefined ? { url } : {}) };
}

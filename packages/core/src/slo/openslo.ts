// OpenSLO v1 `SLO` documents → SloDefinitions. Runledger computes every SLI from its own probe history,
// so an OpenSLO indicator only names the check(s) whose history counts; its metric queries are not run.
//
// Which checks: the SLO's annotation `runledger.dev/checks` (comma-separated check names) if present,
// else the inline indicator's `metadata.name`, else `indicatorRef`. A name that no check has is the
// catalog's problem to report (this module does not know the checks).
//
// Objectives: one without `value` is an availability objective; one with `op: lte` and `value` is a
// latency objective ("good when latency ≤ value"), the value in ms unless the annotation
// `runledger.dev/threshold-unit: s` says seconds. Several objectives give one SLO each, named
// `<name>-<n>` (1-based). `runledger.dev/min-failures` sets the burn-rate guard.
//
// Budgeting: Occurrences counts probes; Timeslices weighs each instant by the probe state that held then
// (time-weighted: infinitely thin slices, so timeSliceTarget/timeSliceWindow are not used); RatioTimeslices
// averages per-slice ratios, which Runledger never does, and is refused. Only rolling windows of m, h, d
// or w are supported (calendar-aligned windows and M, Q, Y are refused).
import { isNode, LineCounter, parseAllDocuments } from 'yaml';
import { pathKeys } from '../operations/yaml-locate.js';
import type { SloDefinition } from './objectives.js';

export interface OpenSloProblem {
  /** JSONPath-like, in the document: `$.spec.timeWindow[0].duration`. */
  readonly path: string;
  readonly message: string;
  /** An error drops the objective (or the document); a warning says what is ignored. */
  readonly level: 'error' | 'warning';
}

export interface OpenSloImport {
  readonly slos: SloDefinition[];
  readonly problems: OpenSloProblem[];
}

export const OPENSLO_ANNOTATIONS = {
  checks: 'runledger.dev/checks',
  minFailures: 'runledger.dev/min-failures',
  thresholdUnit: 'runledger.dev/threshold-unit',
} as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const SPEC_KEYS = ['description', 'service', 'indicator', 'indicatorRef', 'timeWindow', 'budgetingMethod', 'objectives', 'alertPolicies'];
const OBJECTIVE_KEYS = ['displayName', 'op', 'value', 'target', 'targetPercent', 'timeSliceTarget', 'timeSliceWindow'];
const DEFAULT_WINDOW = '30d';

/** One parsed document (plain data, as YAML or JSON gives it). */
export function importOpenSlo(doc: unknown): OpenSloImport {
  const problems: OpenSloProblem[] = [];
  const error = (path: string, message: string): void => void problems.push({ path, message, level: 'error' });
  const warn = (path: string, message: string): void => void problems.push({ path, message, level: 'warning' });
  const none = (): OpenSloImport => ({ slos: [], problems });

  if (!isObj(doc)) {
    error('$', 'expected an OpenSLO document (a mapping)');
    return none();
  }
  if (doc.apiVersion !== 'openslo/v1') error('$.apiVersion', `expected openslo/v1, got ${JSON.stringify(doc.apiVersion ?? null)}`);
  if (doc.kind !== 'SLO') error('$.kind', `expected SLO, got ${JSON.stringify(doc.kind ?? null)}`);
  const meta = isObj(doc.metadata) ? doc.metadata : undefined;
  if (meta === undefined) error('$.metadata', 'expected a mapping with name');
  const name = typeof meta?.name === 'string' && meta.name.trim() !== '' ? meta.name : undefined;
  if (meta && name === undefined) error('$.metadata.name', 'expected a name');
  const annotations = isObj(meta?.annotations) ? meta.annotations : {};
  const spec = isObj(doc.spec) ? doc.spec : undefined;
  if (spec === undefined) {
    error('$.spec', 'expected a mapping');
    return none();
  }
  for (const k of Object.keys(spec)) if (!SPEC_KEYS.includes(k)) warn(`$.spec.${k}`, 'unknown key, ignored');

  const service = typeof spec.service === 'string' && spec.service.trim() !== '' ? spec.service : undefined;
  if (service === undefined) error('$.spec.service', 'expected the name of the service');

  const checks = indicatorChecks(spec, annotations, error, warn);
  const windowMs = timeWindow(spec.timeWindow, error, warn);
  const basis = budgeting(spec.budgetingMethod, error);
  const minFailures = annotationInt(annotations, OPENSLO_ANNOTATIONS.minFailures, error);
  const unit = annotations[OPENSLO_ANNOTATIONS.thresholdUnit];
  if (unit !== undefined && unit !== 'ms' && unit !== 's') error(`$.metadata.annotations["${OPENSLO_ANNOTATIONS.thresholdUnit}"]`, 'expected ms or s');
  if (spec.alertPolicies !== undefined) warn('$.spec.alertPolicies', "not imported: burn-rate alerts come from Runledger's multi-window rules");
  if (!Array.isArray(spec.objectives) || spec.objectives.length === 0) error('$.spec.objectives', 'expected at least one objective');
  if (problems.some((p) => p.level === 'error') || name === undefined || service === undefined || windowMs === undefined || basis === undefined) return none();

  const objectives = spec.objectives as unknown[];
  const slos: SloDefinition[] = [];
  objectives.forEach((o, i) => {
    const at = `$.spec.objectives[${i}]`;
    const before = problems.length;
    if (!isObj(o)) {
      error(at, 'expected a mapping with target');
      return;
    }
    for (const k of Object.keys(o)) if (!OBJECTIVE_KEYS.includes(k)) warn(`${at}.${k}`, 'unknown or unsupported key, ignored');
    const objective = target(o, at, error);
    if (o.timeSliceTarget !== undefined || o.timeSliceWindow !== undefined)
      warn(at, 'timeSliceTarget/timeSliceWindow are not used: each instant is judged by the probe state that held then');
    const latency = threshold(o, at, unit === 's' ? 1000 : 1, unit !== undefined, error, warn);
    if (problems.slice(before).some((p) => p.level === 'error') || objective === undefined || latency === null) return;
    const description = typeof o.displayName === 'string' ? o.displayName : typeof spec.description === 'string' ? spec.description : undefined;
    slos.push({
      name: objectives.length === 1 ? name : `${name}-${i + 1}`,
      service,
      ...(checks ? { checks } : {}),
      kind: latency ? 'latency' : 'availability',
      objective,
      windowMs,
      ...(latency ? { latency: { thresholdMs: latency } } : basis === 'samples' ? { basis } : {}),
      ...(minFailures !== undefined ? { minFailures } : {}),
      ...(description !== undefined ? { description } : {}),
    });
  });
  return { slos, problems };
}

function indicatorChecks(spec: Obj, annotations: Obj, error: (p: string, m: string) => void, warn: (p: string, m: string) => void): string[] | undefined {
  const { indicator, indicatorRef } = spec;
  if (indicator !== undefined && indicatorRef !== undefined) error('$.spec', 'give indicator or indicatorRef, not both');
  if (indicator === undefined && indicatorRef === undefined) error('$.spec.indicator', 'expected indicator or indicatorRef');
  if (indicatorRef !== undefined && (typeof indicatorRef !== 'string' || indicatorRef === '')) error('$.spec.indicatorRef', 'expected the name of an SLI');
  let inlineName: string | undefined;
  if (indicator !== undefined) {
    const m = isObj(indicator) && isObj(indicator.metadata) ? indicator.metadata : undefined;
    if (typeof m?.name === 'string' && m.name !== '') inlineName = m.name;
    else error('$.spec.indicator.metadata.name', 'expected the SLI’s name (it names the check)');
    if (isObj(indicator) && isObj(indicator.spec) && (indicator.spec.ratioMetric !== undefined || indicator.spec.thresholdMetric !== undefined))
      warn('$.spec.indicator.spec', 'metric queries are not run: the SLI comes from the probe history of the named check(s)');
  }
  const listed = annotations[OPENSLO_ANNOTATIONS.checks];
  if (listed !== undefined) {
    const names = typeof listed === 'string' ? listed.split(',').map((s) => s.trim()) : [];
    if (names.length === 0 || names.some((n) => n === '')) {
      error(`$.metadata.annotations["${OPENSLO_ANNOTATIONS.checks}"]`, 'expected check names separated by commas');
      return undefined;
    }
    return names;
  }
  const single = inlineName ?? (typeof indicatorRef === 'string' && indicatorRef !== '' ? indicatorRef : undefined);
  return single === undefined ? undefined : [single];
}

function timeWindow(v: unknown, error: (p: string, m: string) => void, warn: (p: string, m: string) => void): number | undefined {
  if (v === undefined) {
    warn('$.spec.timeWindow', `no window given: ${DEFAULT_WINDOW} rolling`);
    return 30 * UNIT_MS.d!;
  }
  if (!Array.isArray(v) || v.length !== 1) {
    error('$.spec.timeWindow', 'expected exactly one window');
    return undefined;
  }
  const w: unknown = v[0];
  const at = '$.spec.timeWindow[0]';
  if (!isObj(w)) {
    error(at, 'expected a mapping with duration and isRolling');
    return undefined;
  }
  const rolling = w.isRolling ?? (w.calendar === undefined ? true : false);
  if (rolling !== true) {
    error(w.isRolling === undefined ? `${at}.calendar` : `${at}.isRolling`, 'calendar-aligned windows are not supported: use isRolling: true');
    return undefined;
  }
  const m = typeof w.duration === 'string' ? /^([1-9]\d*)([mhdwMQY])$/.exec(w.duration) : null;
  if (!m) {
    error(`${at}.duration`, 'expected a duration shorthand such as 30d or 4w');
    return undefined;
  }
  const ms = UNIT_MS[m[2]!];
  if (ms === undefined) {
    error(`${at}.duration`, `${m[2]} (months, quarters, years) has no fixed length: give the window in d or w`);
    return undefined;
  }
  return Number(m[1]) * ms;
}

function budgeting(v: unknown, error: (p: string, m: string) => void): 'time' | 'samples' | undefined {
  if (v === 'Occurrences') return 'samples';
  if (v === 'Timeslices') return 'time';
  if (v === 'RatioTimeslices')
    error('$.spec.budgetingMethod', 'RatioTimeslices averages per-slice ratios; Runledger computes exact ratios: use Occurrences or Timeslices');
  else error('$.spec.budgetingMethod', 'expected Occurrences or Timeslices');
  return undefined;
}

function target(o: Obj, at: string, error: (p: string, m: string) => void): number | undefined {
  if (o.target !== undefined && o.targetPercent !== undefined) {
    error(at, 'give target or targetPercent, not both');
    return undefined;
  }
  if (o.target !== undefined) {
    if (typeof o.target === 'number' && o.target > 0 && o.target < 1) return o.target;
    {
      error(`${at}.target`, 'expected a fraction between 0 and 1, e.g. 0.999');
      return undefined;
    }
  }
  if (o.targetPercent !== undefined) {
    if (typeof o.targetPercent === 'number' && o.targetPercent > 0 && o.targetPercent < 100) return o.targetPercent / 100;
    {
      error(`${at}.targetPercent`, 'expected a percentage between 0 and 100, e.g. 99.9');
      return undefined;
    }
  }
  {
    error(`${at}.target`, 'expected target or targetPercent');
    return undefined;
  }
}

/** The latency threshold in ms (undefined: availability; null: an error was reported). */
function threshold(
  o: Obj,
  at: string,
  scale: number,
  unitGiven: boolean,
  error: (p: string, m: string) => void,
  warn: (p: string, m: string) => void,
): number | undefined | null {
  if (o.value === undefined && o.op === undefined) return undefined;
  if (o.op !== 'lte') {
    const why = o.op === 'lt' ? 'latency is counted at or below the threshold: use lte' : 'a threshold objective is a latency bound: op: lte';
    {
      error(`${at}.op`, why);
      return null;
    }
  }
  if (typeof o.value !== 'number' || !(o.value > 0) || !Number.isFinite(o.value)) {
    error(`${at}.value`, 'expected a positive latency threshold');
    return null;
  }
  if (!unitGiven && o.value < 5) warn(`${at}.value`, `read as ${o.value} ms; if it is seconds, annotate ${OPENSLO_ANNOTATIONS.thresholdUnit}: s`);
  return o.value * scale;
}

function annotationInt(annotations: Obj, key: string, error: (p: string, m: string) => void): number | undefined {
  const v = annotations[key];
  if (v === undefined) return undefined;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  {
    error(`$.metadata.annotations["${key}"]`, 'expected a whole number, as a string');
    return undefined;
  }
}

export interface OpenSloFileProblem extends OpenSloProblem {
  /** 0-based document index in the stream. */
  readonly document: number;
  readonly line: number;
  readonly column: number;
}

/**
 * A YAML stream of OpenSLO documents (`---` separated). SLO documents are imported; other kinds
 * (Service, SLI, DataSource, AlertPolicy…) are skipped with a warning. Problems are located at line:col.
 */
export function parseOpenSloText(text: string): { readonly slos: SloDefinition[]; readonly problems: OpenSloFileProblem[] } {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
  const slos: SloDefinition[] = [];
  const problems: OpenSloFileProblem[] = [];
  docs.forEach((doc, document) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = lc.linePos(e.pos[0]);
        problems.push({ document, line: pos.line, column: pos.col, path: '$', message: e.message.split('\n')[0]!, level: 'error' });
      }
      return;
    }
    const data: unknown = doc.toJS();
    if (data === null || data === undefined) return;
    const locate = (p: OpenSloProblem): OpenSloFileProblem => {
      const keys = pathKeys(p.path);
      let node: unknown;
      for (let n = keys.length; n >= 0 && !isNode(node); n--) node = n === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true);
      const pos = lc.linePos(isNode(node) && node.range ? node.range[0] : 0);
      return { ...p, document, line: pos.line, column: pos.col };
    };
    if (isObj(data) && data.apiVersion === 'openslo/v1' && data.kind !== 'SLO') {
      problems.push(locate({ path: '$.kind', message: `${String(data.kind)} skipped: only SLO documents are imported`, level: 'warning' }));
      return;
    }
    const r = importOpenSlo(data);
    slos.push(...r.slos);
    problems.push(...r.problems.map(locate));
  });
  return { slos, problems };
}

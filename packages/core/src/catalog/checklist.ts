// "Healthy if and only if" checklists (seed 002's final validation): every item must hold, and each
// result keeps its evidence. Evaluation is pure: the caller gathers the facts first (checklistNeeds
// says which) and answers through ChecklistFacts; a fact nobody could supply fails its item, because
// "no data" must never read as healthy.
import { severityRank, type IncidentSeverity } from '../incidents/severity.js';
import type { HealthVerdict } from './health.js';
import type { Checklist, ChecklistItem, CheckState, ComparisonOp } from './types.js';

export interface LedgerVerificationFact {
  readonly ok: boolean;
  readonly mode: 'full' | 'sampled';
  /** Entries or artifacts verified. */
  readonly checked?: number;
  /** When it ran (ms since the epoch), so stale evidence is visible. */
  readonly at?: number;
  readonly detail?: string;
}

export interface OpenIncidentFact {
  readonly id: string;
  readonly severity: IncidentSeverity;
  readonly title?: string;
  readonly service?: string;
}

/** The live ledger against each anchor directory (`runledger anchors check`). */
export interface AnchorsFact {
  readonly ok: boolean;
  readonly results: readonly { readonly dir: string; readonly status: string; readonly reason: string; readonly detail: string }[];
}

/** The newest verified backup against the RPO target (backups.md: "RPO measured"). */
export interface BackupFact {
  /** A verified backup exists and is no older than the target. */
  readonly ok: boolean;
  readonly dir: string;
  readonly targetSeconds: number;
  /** Age of the newest verified backup; null when there is none. */
  readonly ageSeconds: number | null;
  readonly newest?: { readonly id: string; readonly createdAt: string; readonly bytes: number };
  readonly detail: string;
}

/** The newest finished drill of one kind (drills.md), judged against the item's `within`. */
export interface DrillFact {
  readonly kind: string;
  /** Null when no drill of this kind ever finished. */
  readonly last: {
    readonly id: string;
    readonly passed: boolean;
    readonly finishedAt: string;
    readonly reasons: readonly string[];
    readonly measured: Readonly<Record<string, unknown>>;
    /** The drill.finished entry pinning its evidence. */
    readonly index: number;
  } | null;
  /** Seconds since it finished (null with no drill). */
  readonly ageSeconds: number | null;
}

export type PrometheusFact = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly error: string };

export interface ChecklistFacts {
  checkState(id: string): CheckState | undefined;
  serviceHealth(name: string): HealthVerdict | undefined;
  ledgerVerification(mode: 'full' | 'sampled', sample?: number): LedgerVerificationFact | undefined;
  /** Freeze or emergency bypasses and insecure overrides that are on right now. */
  activeBypasses(): readonly { readonly kind: string; readonly detail?: string }[] | undefined;
  openIncidents(): readonly OpenIncidentFact[] | undefined;
  readiness(target: 'runledger'): { readonly ready: boolean; readonly failed: readonly string[] } | undefined;
  prometheus(query: string, url?: string): PrometheusFact | undefined;
  /** Undefined when no anchor directory is configured, or the caller cannot tell. */
  anchors?(): AnchorsFact | undefined;
  /** Undefined when the caller cannot tell (no backup directory known). */
  backup?(): BackupFact | undefined;
  /** Undefined when the caller cannot read drills (no ledger). */
  drill?(kind: string): DrillFact | undefined;
}

export type Evidence = string | Readonly<Record<string, unknown>>;

export interface ChecklistItemResult {
  readonly name: string;
  readonly ok: boolean;
  readonly evidence: Evidence;
}

export interface ChecklistResult {
  readonly name: string;
  /** True if and only if every item holds. */
  readonly healthy: boolean;
  readonly items: readonly ChecklistItemResult[];
}

export function evaluateChecklist(checklist: Checklist, facts: ChecklistFacts): ChecklistResult {
  const items = checklist.items.map((item) => ({ name: item.name, ...evaluateItem(item, facts) }));
  return { name: checklist.name, healthy: items.every((i) => i.ok), items };
}

function evaluateItem(item: ChecklistItem, facts: ChecklistFacts): { ok: boolean; evidence: Evidence } {
  switch (item.kind) {
    case 'check': {
      const state = facts.checkState(item.check);
      if (state === undefined) return { ok: false, evidence: `no state for check ${item.check}` };
      return { ok: item.allow.includes(state), evidence: `check ${item.check} is ${state}` };
    }
    case 'service': {
      const v = facts.serviceHealth(item.service);
      if (v === undefined) return { ok: false, evidence: `no state for service ${item.service}` };
      return {
        ok: item.allow.includes(v.state),
        evidence: { service: item.service, state: v.state, ...(v.cause ? { cause: v.cause } : {}), reasons: v.reasons },
      };
    }
    case 'ledger': {
      const r = facts.ledgerVerification(item.mode, item.sample);
      if (r === undefined) return { ok: false, evidence: `no ${item.mode} ledger verification result` };
      return { ok: r.ok, evidence: { ...r } };
    }
    case 'noBypass': {
      const on = facts.activeBypasses();
      if (on === undefined) return { ok: false, evidence: 'bypass state unknown' };
      return { ok: on.length === 0, evidence: on.length === 0 ? 'no bypass or override is on' : { active: on } };
    }
    case 'anchors': {
      const r = facts.anchors?.();
      if (r === undefined) return { ok: false, evidence: 'no anchor directory configured (RUNLEDGER_ANCHORS)' };
      return { ok: r.ok, evidence: { results: r.results } };
    }
    case 'backup': {
      const r = facts.backup?.();
      if (r === undefined) return { ok: false, evidence: 'backup freshness unknown' };
      return { ok: r.ok, evidence: { ...r } };
    }
    case 'drill': {
      const r = facts.drill?.(item.drill);
      if (r === undefined) return { ok: false, evidence: `${item.drill} drills unknown` };
      const withinSeconds = item.withinMs / 1000;
      if (!r.last) return { ok: false, evidence: { kind: item.drill, withinSeconds, detail: `no ${item.drill} drill has run` } };
      const fresh = r.ageSeconds !== null && r.ageSeconds <= withinSeconds;
      const detail = !r.last.passed
        ? `the last ${item.drill} drill failed: ${r.last.reasons[0] ?? 'see its evidence'}`
        : fresh
          ? `the last ${item.drill} drill passed`
          : `the last ${item.drill} drill passed but is older than ${withinSeconds} s`;
      return { ok: r.last.passed && fresh, evidence: { kind: item.drill, withinSeconds, ageSeconds: r.ageSeconds, last: r.last, detail } };
    }
    case 'noOpenIncident': {
      const open = facts.openIncidents();
      if (open === undefined) return { ok: false, evidence: 'open incidents unknown' };
      const hits = open.filter((i) => severityRank(i.severity) <= severityRank(item.severity) && (item.service === undefined || i.service === item.service));
      const scope = `${item.severity} or worse${item.service ? ` on ${item.service}` : ''}`;
      return {
        ok: hits.length === 0,
        evidence: hits.length === 0 ? `no open incident ${scope}` : { open: hits.map((i) => ({ id: i.id, severity: i.severity, title: i.title })) },
      };
    }
    case 'ready': {
      const r = facts.readiness(item.target);
      if (r === undefined) return { ok: false, evidence: `${item.target} readiness unknown` };
      return { ok: r.ready, evidence: r.ready ? `${item.target} is ready` : { ready: false, failed: r.failed } };
    }
    case 'prometheus': {
      const r = facts.prometheus(item.query, item.url);
      const base = { query: item.query, op: item.op, threshold: item.threshold };
      if (r === undefined) return { ok: false, evidence: { ...base, error: 'no result' } };
      if (!r.ok) return { ok: false, evidence: { ...base, error: r.error } };
      return { ok: compareNumber(r.value, item.op, item.threshold), evidence: { ...base, value: r.value } };
    }
  }
}

export function compareNumber(a: number, op: ComparisonOp, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/** What the caller must gather before evaluating (so it asks Prometheus and the ledger only once each). */
export interface ChecklistNeeds {
  readonly checks: readonly string[];
  readonly services: readonly string[];
  readonly ledger: readonly { readonly mode: 'full' | 'sampled'; readonly sample?: number }[];
  readonly prometheus: readonly { readonly query: string; readonly url?: string }[];
  readonly bypasses: boolean;
  readonly incidents: boolean;
  readonly readiness: boolean;
  readonly anchors: boolean;
  readonly backup: boolean;
  readonly drills: readonly string[];
}

export function checklistNeeds(lists: readonly Checklist[]): ChecklistNeeds {
  const items = lists.flatMap((l) => l.items);
  const uniq = <T>(xs: T[]): T[] => [...new Map(xs.map((x) => [JSON.stringify(x), x])).values()];
  return {
    checks: uniq(items.flatMap((i) => (i.kind === 'check' ? [i.check] : []))),
    services: uniq(items.flatMap((i) => (i.kind === 'service' ? [i.service] : []))),
    ledger: uniq(items.flatMap((i) => (i.kind === 'ledger' ? [{ mode: i.mode, ...(i.sample !== undefined ? { sample: i.sample } : {}) }] : []))),
    prometheus: uniq(items.flatMap((i) => (i.kind === 'prometheus' ? [{ query: i.query, ...(i.url !== undefined ? { url: i.url } : {}) }] : []))),
    bypasses: items.some((i) => i.kind === 'noBypass'),
    incidents: items.some((i) => i.kind === 'noOpenIncident'),
    readiness: items.some((i) => i.kind === 'ready'),
    anchors: items.some((i) => i.kind === 'anchors'),
    backup: items.some((i) => i.kind === 'backup'),
    drills: uniq(items.flatMap((i) => (i.kind === 'drill' ? [i.drill] : []))),
  };
}

// The facts a "healthy iff" checklist needs, gathered once before it is evaluated (core/catalog's
// evaluation is pure and synchronous): check and service states from the health service, and what the
// caller can tell (the ledger's last verification, freeze and bypasses, open incidents, Runledger's
// readiness, anchors, backups); Prometheus is asked here. A source the caller cannot answer stays undefined, and the
// item that needs it fails with "no data": never healthy by default.
import {
  checklistNeeds,
  evaluateChecklist,
  type Checklist,
  type ChecklistFacts,
  type ChecklistResult,
  type AnchorsFact,
  type BackupFact,
  type DrillFact,
  type LedgerVerificationFact,
  type OpenIncidentFact,
  type PrometheusFact,
} from '@runledger/core';
import type { HealthService } from './service.js';

export interface FactSources {
  ledgerVerification?(mode: 'full' | 'sampled', sample?: number): Promise<LedgerVerificationFact | undefined>;
  activeBypasses?(): Promise<readonly { readonly kind: string; readonly detail?: string }[] | undefined>;
  openIncidents?(): Promise<readonly OpenIncidentFact[] | undefined>;
  readiness?(): Promise<{ readonly ready: boolean; readonly failed: readonly string[] } | undefined>;
  anchors?(): Promise<AnchorsFact | undefined>;
  /** The newest verified backup against the RPO target (`backup: fresh`). */
  backup?(): Promise<BackupFact | undefined>;
  /** The newest finished drill of a kind (`drill: {kind}`). */
  drill?(kind: string): Promise<DrillFact | undefined>;
  /** The Prometheus asked when an item names no `url`. */
  readonly prometheusUrl?: string;
  readonly prometheusTimeoutMs?: number;
}

export interface PrometheusQueryOptions {
  /** Evaluation time (ms since the epoch); default Prometheus's now. */
  readonly at?: number;
  /** More than one series is an error (a count that needs sum()), not its first series. */
  readonly oneSeries?: boolean;
}

/** One instant query; the value of its first series (a query answering no series is an error: "no data"). */
export async function queryPrometheus(base: string, query: string, timeoutMs = 5000, opts: PrometheusQueryOptions = {}): Promise<PrometheusFact> {
  try {
    const url = new URL('api/v1/query', base.endsWith('/') ? base : `${base}/`);
    url.searchParams.set('query', query);
    if (opts.at !== undefined) url.searchParams.set('time', String(opts.at / 1000));
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json()) as { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
    if (!res.ok || body.status !== 'success') return { ok: false, error: `Prometheus answered ${res.status}: ${body.error ?? 'no result'}` };
    const r = body.data?.result;
    if (opts.oneSeries && Array.isArray(r) && r.length > 1) return { ok: false, error: `the query returned ${r.length} series, not one (sum them)` };
    const value =
      body.data?.resultType === 'scalar'
        ? (r as [number, string])[1]
        : Array.isArray(r) && r.length > 0
          ? (r[0] as { value: [number, string] }).value[1]
          : undefined;
    if (value === undefined) return { ok: false, error: 'the query returned no series' };
    const n = Number(value);
    return Number.isNaN(n) ? { ok: false, error: `not a number: ${value}` } : { ok: true, value: n };
  } catch (e) {
    return { ok: false, error: `asking Prometheus failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export async function gatherFacts(lists: readonly Checklist[], health: HealthService | undefined, src: FactSources): Promise<ChecklistFacts> {
  const needs = checklistNeeds(lists);
  const ledger = new Map<string, LedgerVerificationFact | undefined>();
  for (const l of needs.ledger) ledger.set(`${l.mode}:${l.sample ?? ''}`, await src.ledgerVerification?.(l.mode, l.sample));
  const prom = new Map<string, PrometheusFact | undefined>();
  await Promise.all(
    needs.prometheus.map(async (p) => {
      const url = p.url ?? src.prometheusUrl;
      prom.set(`${url ?? ''} ${p.query}`, url ? await queryPrometheus(url, p.query, src.prometheusTimeoutMs) : undefined);
    }),
  );
  const bypasses = needs.bypasses ? await src.activeBypasses?.() : undefined;
  const incidents = needs.incidents ? await src.openIncidents?.() : undefined;
  const ready = needs.readiness ? await src.readiness?.() : undefined;
  const anchors = needs.anchors ? await src.anchors?.() : undefined;
  const backup = needs.backup ? await src.backup?.() : undefined;
  const drills = new Map<string, DrillFact | undefined>();
  for (const k of needs.drills) drills.set(k, await src.drill?.(k));
  const states = health?.states() ?? {};
  const services = health?.serviceVerdicts() ?? {};
  return {
    checkState: (id) => states[id],
    serviceHealth: (name) => services[name],
    ledgerVerification: (mode, sample) => ledger.get(`${mode}:${sample ?? ''}`),
    activeBypasses: () => bypasses,
    openIncidents: () => incidents,
    readiness: () => ready,
    anchors: () => anchors,
    backup: () => backup,
    drill: (kind) => drills.get(kind),
    prometheus: (query, url) => prom.get(`${url ?? src.prometheusUrl ?? ''} ${query}`),
  };
}

/** Every checklist (or the named ones) evaluated now. */
export async function evaluateChecklists(lists: readonly Checklist[], health: HealthService | undefined, src: FactSources): Promise<ChecklistResult[]> {
  const facts = await gatherFacts(lists, health, src);
  return lists.map((l) => evaluateChecklist(l, facts));
}

// Continuous health in the server: the catalog in force (reloaded on SIGHUP, its digest in the ledger),
// the health service running its checks, alerts raised through the operations layer under the
// integration name `health`, blackbox_exporter's metric names on /metrics, and the checklists
// re-evaluated on a timer so a verdict that changes is a ledger entry.
import { registerHealthMetrics, type HealthMetrics } from './metrics.js';
import {
  catalogLoadedDraft,
  catalogPath,
  computeSlos,
  evaluateChecklists,
  gatherFacts,
  HealthService,
  loadCatalog,
  resolveSecret,
  WakeLoop,
  type FactSources,
  type LoadedCatalog,
  type OperationsHost,
  type SloOptions,
} from '@runledger/runtime';
import { evaluateChecklist, type CheckState, type ChecklistResult } from '@runledger/core';
import type { Store } from '@runledger/store';
import type { Registry } from 'prom-client';

export interface HealthDeps {
  /** The catalog (file or directory); default `<data dir>/catalog.yaml`, else `<data dir>/catalog/`. */
  readonly catalogPath?: string;
  /** Off: no checks run (tests of other parts, `serve --no-health`). */
  readonly disabled?: boolean;
  /** How often the checklists are evaluated to record verdict changes (ms). Default 30000. */
  readonly checklistEveryMs?: number;
  readonly flushMs?: number;
  /** The Prometheus asked by checklist items and SLOs that name no url. */
  readonly prometheusUrl?: string;
  /** The read-only status page at /status (off by default). */
  readonly statusPage?: boolean;
  /** How long raw samples are kept (days, default 35); hourly rollups are kept. */
  readonly sampleRetentionDays?: number;
}

export interface HealthHostOptions {
  readonly deps: HealthDeps;
  readonly home: string;
  readonly store: Store;
  readonly operations: OperationsHost;
  readonly registry: Registry;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly facts: Omit<FactSources, 'prometheusUrl'>;
  readonly log: { error(o: object, msg: string): void; info(o: object, msg: string): void };
}

export class HealthHost {
  service: HealthService | undefined;
  loaded: LoadedCatalog | undefined;
  private readonly metrics: HealthMetrics;
  private readonly verdictLoop: WakeLoop;
  private last: ChecklistResult[] = [];
  private prunedAt = 0;
  /** Burn rules firing now, by alert fingerprint (raised once, resolved when they stop). */
  private burning = new Set<string>();

  constructor(private readonly o: HealthHostOptions) {
    this.metrics = registerHealthMetrics(o.registry, () => this.service);
    this.verdictLoop = new WakeLoop({
      name: 'checklists',
      pollMs: o.deps.checklistEveryMs ?? 30_000,
      work: async () => {
        await this.evaluate();
        await this.burnAlerts();
        await this.prune();
        return undefined;
      },
      onError: (err) => o.log.error({ err }, 'health: evaluating checklists failed'),
    });
  }

  get path(): string | undefined {
    return this.o.deps.catalogPath ?? catalogPath({ home: this.o.home });
  }

  /** What SLOs over Prometheus events ask when they name no url (the server's Prometheus). */
  get sloOptions(): SloOptions {
    return this.o.deps.prometheusUrl ? { prometheusUrl: this.o.deps.prometheusUrl } : {};
  }

  get statusPage(): boolean {
    return this.o.deps.statusPage === true;
  }

  /** Loads the catalog (none: health stays off) and starts checking. A bad catalog throws CATALOG_INVALID. */
  async start(): Promise<void> {
    if (this.o.deps.disabled) return;
    const path = this.path;
    if (!path) return;
    const loaded = this.load(path);
    const svc = new HealthService({
      store: this.o.store,
      catalog: loaded.catalog,
      ...(this.o.deps.flushMs ? { flushMs: this.o.deps.flushMs } : {}),
      ...(this.o.deps.sampleRetentionDays ? { sampleRetentionMs: this.o.deps.sampleRetentionDays * 86_400_000 } : {}),
      resolveSecret: (v) => this.secret(v),
      raise: async (alerts) => {
        await this.o.operations.raiseFrom('health', alerts);
      },
      onFlushed: () => this.o.operations.wake(),
      onResult: (check, outcome) => this.metrics.observe(check, outcome),
      onOverrun: (id, reason, count) => this.metrics.overrun(id, reason, count),
      onError: (what, err) => this.o.log.error({ err }, `health: ${what} failed`),
    });
    await svc.open();
    this.service = svc;
    this.loaded = loaded;
    this.record(loaded);
    svc.start();
    this.verdictLoop.start();
  }

  /** SIGHUP: reads the catalog again; a bad one is refused and the one in force stays. */
  async reload(): Promise<LoadedCatalog | undefined> {
    const path = this.path;
    if (!path || !this.service) return undefined;
    const loaded = this.load(path);
    await this.service.open(loaded.catalog);
    this.loaded = loaded;
    this.record(loaded);
    return loaded;
  }

  async evaluate(): Promise<ChecklistResult[]> {
    const lists = this.loaded?.catalog.checklists ?? [];
    if (lists.length === 0) return [];
    const results = await evaluateChecklists(lists, this.service, {
      ...this.o.facts,
      ...(this.o.deps.prometheusUrl ? { prometheusUrl: this.o.deps.prometheusUrl } : {}),
    });
    this.service?.recordVerdicts(results);
    this.last = results;
    return results;
  }

  /**
   * One checklist's verdict now (a release gate, the post-rollback checks); undefined when the catalog has
   * no such checklist. `fresh`: its checks are probed now and judged by that probe alone, not by their
   * thresholded state, which may still describe the version before a deploy or a rollback.
   */
  async evaluateOne(name: string, opts: { fresh?: boolean } = {}): Promise<ChecklistResult | undefined> {
    const list = this.loaded?.catalog.checklists.find((c) => c.name === name);
    if (!list) return undefined;
    const src = { ...this.o.facts, ...(this.o.deps.prometheusUrl ? { prometheusUrl: this.o.deps.prometheusUrl } : {}) };
    const svc = this.service;
    if (!opts.fresh || !svc) return (await evaluateChecklists([list], svc, src))[0];
    const facts = await gatherFacts([list], svc, src);
    const now = new Map<string, CheckState>();
    await Promise.all(
      list.items.map(async (i) => {
        if (i.kind !== 'check') return;
        const o = await svc.probeOnce(i.check).catch(() => undefined);
        now.set(i.check, o?.ok ? 'up' : 'down');
      }),
    );
    return evaluateChecklist(list, { ...facts, checkState: (id) => now.get(id) ?? facts.checkState(id) });
  }

  /**
   * The SLOs' multi-window burn rules: a rule that fires raises an alert through the incident path
   * (page rules as SEV-2, ticket rules as SEV-3), resolved when it stops firing.
   */
  async burnAlerts(): Promise<void> {
    const svc = this.service;
    if (!svc || svc.catalogInForce.slos.length === 0) return;
    const now = new Set<string>();
    const alerts = [];
    for (const { slo, burn } of await computeSlos(svc, Date.now(), this.sloOptions)) {
      for (const b of burn) {
        const fingerprint = `slo:${slo.name}:${b.name}`;
        if (!b.fires) continue;
        now.add(fingerprint);
        if (this.burning.has(fingerprint)) continue;
        alerts.push({
          fingerprint,
          labels: {
            alertname: 'SloBurnRate',
            service: slo.service,
            slo: slo.name,
            rule: b.name,
            severity: b.rule.severity === 'page' ? 'SEV-2' : 'SEV-3',
            source: 'runledger-health',
          },
          annotations: { summary: `${slo.name}: error budget burning (${b.name})`, description: b.reason },
          status: 'firing' as const,
        });
      }
    }
    for (const f of this.burning)
      if (!now.has(f)) alerts.push({ fingerprint: f, labels: {}, annotations: { summary: 'burn rate back under its threshold' }, status: 'resolved' as const });
    this.burning = now;
    if (alerts.length > 0) await this.o.operations.raiseFrom('health', alerts);
  }

  /** Raw samples past their retention go (at most once an hour); rollups stay for SLOs and charts. */
  private async prune(): Promise<void> {
    const svc = this.service;
    if (!svc || Date.now() - this.prunedAt < 3_600_000) return;
    this.prunedAt = Date.now();
    await svc.pruneSamples();
  }

  get lastVerdicts(): readonly ChecklistResult[] {
    return this.last;
  }

  async stop(): Promise<void> {
    await this.verdictLoop.stop();
    await this.service?.stop();
  }

  private load(path: string): LoadedCatalog {
    const ops = this.o.operations.config;
    return loadCatalog(path, { escalationPolicies: ops.escalationPolicies.map((p) => p.name) });
  }

  private record(l: LoadedCatalog): void {
    const svc = this.service;
    if (!svc) return;
    svc.recordEntry(
      catalogLoadedDraft({ path: l.path, digest: l.digest, services: l.catalog.services.length, checks: svc.checks.length, at: new Date().toISOString() }),
    );
  }

  private secret(v: string): string {
    if (v.startsWith('env:')) return resolveSecret({ env: v.slice(4) }, { ...this.o.env });
    if (v.startsWith('file:')) return resolveSecret({ file: v.slice(5) }, { ...this.o.env });
    return v;
  }
}

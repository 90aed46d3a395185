// Continuous health as a server runs it: the catalog's checks on the scheduler, each result judged and
// fed to its threshold tracker (core/catalog), samples and rollups recorded in batches, and every state
// change, of a check, a service or a checklist, a ledger entry with its evidence. A check that goes down
// raises an alert through the incident path; when its service is down because of a dependency, the alert
// joins the root cause's incident instead of paging once per dependent.
import {
  applyResult,
  applyStaleness,
  computeHealth,
  describeVerdict,
  initialTracker,
  sloThresholds,
  sloDefinitionOf,
  defaultMaxGap,
  type Catalog,
  type CatalogHealth,
  type Check,
  type CheckState,
  type CheckTracker,
  type HealthVerdict,
  type ChecklistResult,
  type ProbeResult,
  type ProbeSpec,
} from '@runledger/core';
import { HealthStore, type CheckRecord, type OutboxDraft, type Store } from '@runledger/store';
import { runProbe } from '../probes/index.js';
import { checkChangedDraft, serviceChangedDraft, verdictChangedDraft } from './drafts.js';
import { judge, probeSpecOf, type CheckOutcome } from './observe.js';
import { HealthRecorder } from './recorder.js';
import { CheckScheduler, type SchedulerOptions } from './scheduler.js';

export interface HealthAlert {
  readonly fingerprint: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly status: 'firing' | 'resolved';
}

export interface HealthServiceOptions {
  readonly store: Store;
  readonly catalog: Catalog;
  readonly now?: () => number;
  /** Resolves `env:NAME` / `file:/path` references in probes (postgres URLs, credential headers). */
  readonly resolveSecret?: (value: string) => string;
  readonly probe?: (spec: ProbeSpec, signal: AbortSignal) => Promise<ProbeResult>;
  readonly redact?: (text: string) => string;
  readonly scheduler?: Omit<SchedulerOptions, 'onError'>;
  /** How often gathered results are written (ms, default 1000). */
  readonly flushMs?: number;
  /** How long raw samples are kept (ms, default 35 days); older ones are pruned, hourly rollups stay. */
  readonly sampleRetentionMs?: number;
  /** Raises or resolves alerts through the incident path (the internal integration). */
  readonly raise?: (alerts: readonly HealthAlert[]) => Promise<void>;
  /**
   * How long a check stays down before its alert is raised (ms, default 5000): a dependency failing at
   * the same moment is confirmed within it, so the dependent's alert names it and joins its incident.
   */
  readonly alertDelayMs?: number;
  /** After each flush that queued ledger entries (wake the outbox pump). */
  readonly onFlushed?: () => void;
  readonly onResult?: (check: Check, outcome: CheckOutcome) => void;
  /** A tick skipped (still running, limits, late): counted by the server, never silent. */
  readonly onOverrun?: (checkId: string, reason: string, count: number) => void;
  readonly onError?: (what: string, e: unknown) => void;
}

export interface CheckView {
  readonly check: Check;
  readonly state: CheckState;
  readonly since?: string;
  readonly last?: LastResult;
}

export interface LastResult {
  readonly at: string;
  readonly ok: boolean;
  readonly reason: string;
  readonly detail: string;
  readonly latencyMs?: number;
  readonly status?: number;
  readonly phases?: ProbeResult['phases'];
  readonly conditions: CheckOutcome['conditions'];
}

interface Live {
  readonly check: Check;
  readonly record: CheckRecord;
  tracker: CheckTracker;
  since: string;
  last?: LastResult;
}

export class HealthService {
  readonly store: HealthStore;
  readonly scheduler: CheckScheduler;
  private readonly recorder: HealthRecorder;
  private readonly now: () => number;
  private readonly live = new Map<string, Live>();
  private health: CatalogHealth = { services: {}, components: {} };
  private serviceSince = new Map<string, string>();
  private verdicts = new Map<string, boolean>();
  private readonly pendingAlerts = new Map<string, NodeJS.Timeout>();
  private readonly firing = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private catalog: Catalog;

  constructor(private readonly o: HealthServiceOptions) {
    this.store = new HealthStore(o.store);
    this.recorder = new HealthRecorder(this.store);
    this.now = o.now ?? Date.now;
    this.catalog = o.catalog;
    this.scheduler = new CheckScheduler({
      ...o.scheduler,
      onError: (id, e) => o.onError?.(`check ${id}`, e),
      onOverrun: (ev) => {
        o.scheduler?.onOverrun?.(ev);
        o.onOverrun?.(ev.id, ev.reason, ev.count);
      },
    });
  }

  get checks(): Check[] {
    return this.catalog.services.flatMap((s) => [...s.checks, ...s.components.flatMap((c) => c.checks)]);
  }

  /** Registers the catalog's checks (numbers, trackers and history resume from the store) and schedules them. */
  async open(catalog: Catalog = this.catalog): Promise<void> {
    this.catalog = catalog;
    const checks = this.checks;
    const at = new Date(this.now()).toISOString();
    const records = await this.store.register(
      checks.map((c) => c.id),
      at,
      initialTracker(),
    );
    const thresholds = sloThresholds(catalog.slos.map((s) => sloDefinitionOf(catalog, s)));
    await this.recorder.open(checks.map((c) => ({ id: c.id, no: records.get(c.id)!.no, maxGapMs: defaultMaxGap(c.intervalMs), thresholds })));
    this.live.clear();
    for (const c of checks) {
      const r = records.get(c.id)!;
      const last = r.last as LastResult | undefined;
      this.live.set(c.id, { check: c, record: r, tracker: r.tracker as CheckTracker, since: r.since, ...(last ? { last } : {}) });
    }
    for (const s of await this.store.services()) this.serviceSince.set(s.name, s.since);
    for (const v of await this.store.verdicts()) this.verdicts.set(v.checklist, v.healthy);
    this.health = computeHealth(catalog, this.states());
    this.scheduler.set(
      checks.map((c) => ({
        id: c.id,
        intervalMs: c.intervalMs,
        timeoutMs: c.timeoutMs,
        hostKey: c.hostKey,
        run: (signal: AbortSignal) => this.runScheduled(c, signal),
      })),
    );
  }

  start(): void {
    this.scheduler.start();
    const ms = this.o.flushMs ?? 1000;
    this.flushTimer = setInterval(() => {
      this.sweepStale();
      void this.flush().catch((e: unknown) => this.o.onError?.('recording health results', e));
    }, ms);
    this.flushTimer.unref();
  }

  async stop(): Promise<void> {
    for (const t of this.pendingAlerts.values()) clearTimeout(t);
    this.pendingAlerts.clear();
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = undefined;
    await this.scheduler.stop({ waitMs: 5000 });
    await this.flush();
  }

  async flush(): Promise<void> {
    const entries = this.recorder.pending;
    await this.recorder.flush();
    if (entries > 0) this.o.onFlushed?.();
  }

  /** One probe of one check now, judged, without recording anything (`runledger checks run`). */
  async probeOnce(id: string, signal?: AbortSignal): Promise<CheckOutcome> {
    const c = this.checks.find((x) => x.id === id);
    if (!c) throw new Error(`no check ${JSON.stringify(id)} in the catalog`);
    return this.probe(c, signal ?? AbortSignal.timeout(c.timeoutMs + 1000));
  }

  private async probe(c: Check, signal: AbortSignal): Promise<CheckOutcome> {
    const spec = probeSpecOf(c, this.o.resolveSecret ?? ((v) => v));
    const r = await (this.o.probe ? this.o.probe(spec, signal) : runProbe(spec, { signal }));
    return judge(c, r, this.now(), this.o.redact);
  }

  private async runScheduled(c: Check, signal: AbortSignal): Promise<void> {
    const at = this.now();
    const outcome = await this.probe(c, signal);
    if (signal.aborted && !this.live.has(c.id)) return;
    await this.apply(c, outcome, at);
  }

  /** One result: sample, tracker, and what a state change sets off. Exposed for tests on a fake clock. */
  async apply(c: Check, outcome: CheckOutcome, at: number): Promise<void> {
    const l = this.live.get(c.id);
    if (!l) return;
    this.o.onResult?.(c, outcome);
    const iso = new Date(at).toISOString();
    this.recorder.add(c.id, {
      at,
      state: outcome.ok ? 'up' : 'down',
      ...(outcome.ok && outcome.latencyMs !== undefined ? { latencyMs: outcome.latencyMs } : {}),
      ...(outcome.ok ? {} : { reason: outcome.reason }),
    });
    const step = applyResult(l.tracker, { ok: outcome.ok, at }, c);
    l.tracker = step.tracker;
    l.last = {
      at: iso,
      ok: outcome.ok,
      reason: outcome.reason,
      detail: outcome.detail,
      ...(outcome.latencyMs !== undefined ? { latencyMs: Math.round(outcome.latencyMs * 10) / 10 } : {}),
      ...(outcome.probe.observation?.status !== undefined ? { status: outcome.probe.observation.status } : {}),
      ...(outcome.probe.phases ? { phases: outcome.probe.phases } : {}),
      conditions: outcome.conditions,
    };
    if (step.changed) l.since = iso;
    this.recorder.checkChanged({ no: l.record.no, state: step.state, since: l.since, tracker: l.tracker, last: l.last, updatedAt: iso });
    for (const cmd of step.commands) if (cmd.type === 'recheck') this.scheduler.recheck(c.id, cmd.afterMs);
    if (!step.changed) return;
    this.recorder.entry(
      checkChangedDraft({
        check: c.id,
        service: c.service,
        from: step.from,
        to: step.to,
        at: iso,
        reason: outcome.reason,
        detail: outcome.detail,
        ...(outcome.latencyMs !== undefined ? { latencyMs: Math.round(outcome.latencyMs) } : {}),
        ...(outcome.probe.observation?.status !== undefined ? { status: outcome.probe.observation.status } : {}),
      }),
    );
    this.recompute(iso);
    await this.alert(c, step.to, outcome);
  }

  /**
   * A check with no result for three intervals past its timeout (its probes hang, or the scheduler
   * cannot start them) is unknown: an old "up" must not stand for a check nobody is running.
   */
  sweepStale(now = this.now()): void {
    const iso = new Date(now).toISOString();
    let changed = false;
    for (const l of this.live.values()) {
      const step = applyStaleness(l.tracker, now, 3 * l.check.intervalMs + l.check.timeoutMs);
      if (!step.changed) continue;
      l.tracker = step.tracker;
      l.since = iso;
      changed = true;
      this.recorder.checkChanged({ no: l.record.no, state: step.state, since: iso, tracker: l.tracker, last: l.last, updatedAt: iso });
      this.recorder.entry(
        checkChangedDraft({
          check: l.check.id,
          service: l.check.service,
          from: step.from,
          to: step.to,
          at: iso,
          reason: 'stale',
          detail: `no result since ${l.last?.at ?? 'start'}`,
        }),
      );
    }
    if (changed) this.recompute(iso);
  }

  /** Service states from the check states; each change is recorded with its cause. */
  private recompute(iso: string): void {
    const before = this.health;
    this.health = computeHealth(this.catalog, this.states());
    for (const [name, v] of Object.entries(this.health.services)) {
      const was = before.services[name]?.state ?? 'unknown';
      if (was === v.state && this.serviceSince.has(name)) continue;
      this.serviceSince.set(name, iso);
      this.recorder.serviceChanged({ name, state: v.state, since: iso, cause: v.cause, updatedAt: iso });
      if (was !== v.state)
        this.recorder.entry(
          serviceChangedDraft({ service: name, from: was, to: v.state, at: iso, ...(v.cause ? { cause: v.cause } : {}), reasons: v.reasons }),
        );
    }
  }

  private async alert(c: Check, to: CheckState, outcome: CheckOutcome): Promise<void> {
    if (!this.o.raise || to === 'unknown') return;
    const pending = this.pendingAlerts.get(c.id);
    if (to === 'up') {
      // Back before its alert went out: nobody was paged, nothing to resolve.
      if (pending) {
        clearTimeout(pending);
        this.pendingAlerts.delete(c.id);
      }
      if (this.firing.delete(c.id)) await this.send(c, 'resolved', outcome);
      return;
    }
    if (pending || this.firing.has(c.id)) return;
    const delay = this.o.alertDelayMs ?? 5000;
    if (delay <= 0) return this.send(c, 'firing', outcome);
    const t = setTimeout(() => {
      this.pendingAlerts.delete(c.id);
      if (this.live.get(c.id)?.tracker.state !== 'down') return;
      void this.send(c, 'firing', outcome);
    }, delay);
    t.unref();
    this.pendingAlerts.set(c.id, t);
  }

  private async send(c: Check, status: 'firing' | 'resolved', outcome: CheckOutcome): Promise<void> {
    const raise = this.o.raise;
    if (!raise) return;
    const verdict = this.health.services[c.service];
    // Down because of a dependency: the alert joins the root cause's incident (grouped by service).
    const cause = verdict?.cause && verdict.cause.service !== c.service ? verdict.cause : undefined;
    const labels: Record<string, string> = {
      alertname: 'CheckDown',
      service: cause?.service ?? c.service,
      check: c.id,
      severity: c.severity,
      source: 'runledger-health',
      ...(cause ? { affected: c.service } : {}),
    };
    const annotations: Record<string, string> = {
      summary: status === 'firing' ? `${c.id} is down: ${outcome.reason}` : `${c.id} is up again`,
      description: cause && verdict ? describeVerdict(c.service, verdict) : outcome.detail,
    };
    if (status === 'firing') this.firing.add(c.id);
    try {
      await raise([{ fingerprint: `check:${c.id}`, labels, annotations, status }]);
    } catch (e) {
      this.o.onError?.(`raising the alert for ${c.id}`, e);
    }
  }

  /** Queues a ledger entry with the next flush (the catalog version loaded, for one). */
  recordEntry(draft: OutboxDraft): void {
    this.recorder.entry(draft);
  }

  /** Records checklist results; a verdict that changed (or is the first) is a ledger entry with the failed items. */
  recordVerdicts(results: readonly ChecklistResult[]): void {
    const iso = new Date(this.now()).toISOString();
    for (const r of results) {
      if (this.verdicts.get(r.name) === r.healthy) continue;
      this.verdicts.set(r.name, r.healthy);
      this.recorder.verdictChanged({ checklist: r.name, healthy: r.healthy, items: r.items, at: iso });
      this.recorder.entry(verdictChangedDraft({ checklist: r.name, healthy: r.healthy, at: iso, failed: r.items.filter((i) => !i.ok).map((i) => i.name) }));
    }
  }

  /** The oldest time raw samples are still kept for (as of `now`). */
  rawRetainedFrom(now: number): number {
    return now - (this.o.sampleRetentionMs ?? 35 * 86_400_000);
  }

  /** Drops raw samples past their retention (rollups stay); returns how many. */
  pruneSamples(): Promise<number> {
    return this.store.prune(this.rawRetainedFrom(this.now()));
  }

  states(): Record<string, CheckState> {
    return Object.fromEntries([...this.live.values()].map((l) => [l.check.id, l.tracker.state]));
  }

  get catalogInForce(): Catalog {
    return this.catalog;
  }

  serviceVerdicts(): Readonly<Record<string, HealthVerdict>> {
    return this.health.services;
  }

  componentVerdicts(): Readonly<Record<string, HealthVerdict>> {
    return this.health.components;
  }

  serviceSinceOf(name: string): string | undefined {
    return this.serviceSince.get(name);
  }

  checkViews(): CheckView[] {
    return [...this.live.values()].map((l) => ({ check: l.check, state: l.tracker.state, since: l.since, ...(l.last ? { last: l.last } : {}) }));
  }

  checkNo(id: string): number | undefined {
    return this.live.get(id)?.record.no;
  }
}

// Releases in the server: the driver with the server's ports (runs through the run worker, checklists
// and SLO burn from the health host, the ledger verified by the standalone verifier and recorded,
// incidents from the operations layer), its bake watch, resumption at start, and /metrics.
import type { BakeObservation, ChecklistResult, Release } from '@runledger/core';
import { computeSlos, pumpOutbox, releaseDefaultsOf, releaseRunner, ReleaseDriver, storeObserver } from '@runledger/runtime';
import type { RouteContext } from '../context.js';
import { LastVerification, verifyLedger } from '../verification.js';
import { registerReleaseMetrics } from './metrics.js';

export interface ReleasesHostOptions {
  /** How often bake windows are observed (ms). Default 5000. */
  readonly pollMs?: number;
  /** How long a checklist gate (or the post-rollback checks) may take to hold (ms). Default 60000. */
  readonly checklistWaitMs?: number;
  readonly log: { error(o: object, msg: string): void; info(o: object, msg: string): void };
}

/** A checklist verdict as a gate's reason: the items that failed, with their evidence. */
export function checklistReason(r: ChecklistResult): string | undefined {
  if (r.healthy) return undefined;
  const failed = r.items.filter((i) => !i.ok).map((i) => `${i.name}: ${typeof i.evidence === 'string' ? i.evidence : JSON.stringify(i.evidence)}`);
  return `checklist ${r.name} does not hold: ${failed.join('; ')}`;
}

export class ReleasesHost {
  readonly driver: ReleaseDriver;

  constructor(
    private readonly rc: RouteContext,
    private readonly o: ReleasesHostOptions,
  ) {
    const { ctx } = rc;
    const last = new LastVerification(rc);
    const runner = releaseRunner({
      runs: ctx.runs,
      runbooksDir: rc.runbooksDir,
      start: async (req) => {
        // Driven by the run worker like any API run (drained on shutdown); answered as soon as it exists.
        const d = await rc.worker.start(() => ctx.engine.start(req), 0);
        return { runId: d.settled ? d.outcome.runId : d.runId };
      },
    });
    const observeStore = storeObserver(ctx.ledger.store);
    this.driver = new ReleaseDriver({
      store: ctx.ledger.store,
      clock: rc.now,
      pump: () => pumpOutbox(this.driver.service.outbox, (d) => rc.append(d)).then(() => undefined),
      onError: (what, err) => o.log.error({ err }, `releases: ${what} failed`),
      ...(o.checklistWaitMs !== undefined ? { checklistWaitMs: o.checklistWaitMs } : {}),
      ports: {
        ...runner,
        evaluateChecklist: async (name) => {
          const r = await rc.health.evaluateOne(name, { fresh: true });
          if (!r) return { passed: false, reason: `no checklist named ${name} in the catalog` };
          const reason = checklistReason(r);
          return { passed: r.healthy, ...(reason !== undefined ? { reason } : {}) };
        },
        verifyLedger: async () => {
          const v = await verifyLedger(rc, last, { actor: { kind: 'system', id: 'runledger' }, requestId: 'release-rollback' });
          const detail = v.problem ? `${v.problem.reason}${v.problem.index >= 0 ? ` at entry ${v.problem.index}` : ''}: ${v.problem.detail}` : undefined;
          return { ok: v.ok, at: v.verifiedAt, ...(detail !== undefined ? { detail } : {}) };
        },
        observe: async (release, since) => [...(await observeStore(release, since)), ...(await this.burn(release))],
        defaults: (service) => releaseDefaultsOf(rc.health.loaded?.catalog, service),
        notify: (event, release) => {
          o.log.info({ release: release.id, event }, `release ${release.service} ${release.version} in ${release.env}: ${event}`);
          this.page(event, release).catch((err: unknown) => o.log.error({ err, release: release.id }, 'releases: raising the release alert failed'));
        },
      },
    });
  }

  /**
   * Who is on call hears of a failed release or a failed rollback through the incident path (an alert
   * `ReleaseFailed` routed like any other, SEV-2 for a failed rollback); a rollback that worked resolves it.
   */
  private async page(event: string, r: Release): Promise<void> {
    if (event === 'announced') return;
    const fingerprint = `release:${r.service}:${r.env}`;
    const labels = {
      alertname: 'ReleaseFailed',
      service: r.service,
      env: r.env,
      version: r.version,
      severity: event === 'rollback-failed' ? 'error' : 'warning',
    };
    const summary =
      event === 'failed'
        ? `${r.service} ${r.version} failed gate ${r.failure?.gate ?? '?'} in ${r.env}: ${r.failure?.reason ?? ''}`
        : event === 'rollback-failed'
          ? `rollback of ${r.service} ${r.version} in ${r.env} failed: ${r.rollbackRefused?.reason ?? r.rollback?.detail ?? ''}`
          : `${r.service} rolled back from ${r.rollback?.fromVersion ?? r.version} to ${r.rollback?.toVersion ?? '?'} in ${r.env}`;
    await this.rc.operations.raiseFrom('releases', [
      { fingerprint, labels, annotations: { summary, release: r.id }, status: event === 'rolled-back' ? 'resolved' : 'firing' },
    ]);
  }

  /**
   * The service's SLOs burning during the bake: the fastest burn rule's long-window rate. A rule the
   * minFailures guard holds back (one failed probe in a young window reads as a huge rate) does not count,
   * as it pages nobody: the bake gate and the burn alerts judge a burn by the same rule.
   */
  private async burn(release: Release): Promise<BakeObservation[]> {
    const svc = this.rc.health.service;
    if (!svc || svc.catalogInForce.slos.length === 0) return [];
    const out: BakeObservation[] = [];
    for (const { slo, burn } of await computeSlos(svc, this.rc.now().getTime(), { ...this.rc.health.sloOptions, only: release.service })) {
      const rates = burn.filter((b) => !b.guarded).map((b) => Math.min(b.long.burnRate ?? 0, b.short.burnRate ?? 0));
      if (rates.length > 0) out.push({ kind: 'burn', slo: slo.name, rate: Math.max(...rates) });
    }
    return out;
  }

  metrics(): void {
    registerReleaseMetrics(this.rc.metrics.registry, this.driver.service);
  }

  async start(): Promise<void> {
    await this.driver.resume();
    this.driver.start(this.o.pollMs ?? 5000);
  }

  async stop(): Promise<void> {
    await this.driver.stop();
  }
}

// The release driver: what the CLI and the server call. It owns the service (decide + commit) and the
// command runner, plans rollbacks (core's rules, the ledger verified first), keeps rollbacks that need
// someone else's approval waiting, watches bake windows (a durable timer plus observations) and, after
// a restart, picks up releases that were busy.
import {
  DEFAULT_MAX_LEDGER_AGE_MS,
  planRollback,
  ReleaseRuleError,
  releaseInputs,
  type Release,
  type RollbackPlan,
  type RollbackRequest,
} from '@runledger/core';
import { ReleaseCommands } from './commands.js';
import type { ReleaseDefaults } from './ports.js';
import { isBusy, loaded, type PendingRollback } from './record.js';
import { ReleaseService, type ReleaseServiceOptions } from './service.js';

export interface RollbackAsk {
  readonly service: string;
  readonly env: string;
  readonly from?: string;
  readonly to?: string;
  readonly revision?: string;
  readonly reason: string;
  readonly actor: string;
  readonly roles: readonly string[];
  /** An admin rolling back past a ledger that does not verify: recorded with this reason. */
  readonly override?: { readonly reason: string };
}

export type RollbackOutcome = { readonly started: Release } | { readonly pending: PendingRollback; readonly release: Release };

const APPROVER_ROLES = ['approver', 'admin'];
/** How long a checklist gate (or the post-rollback checks) may take to hold. */
export const DEFAULT_CHECKLIST_WAIT_MS = 60_000;
export const DEFAULT_APPROVAL_ENVS: readonly string[] = ['production'];

export class ReleaseDriver {
  readonly service: ReleaseService;
  private readonly commands: ReleaseCommands;
  private ticker: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(o: ReleaseServiceOptions) {
    this.service = new ReleaseService(o);
    this.commands = new ReleaseCommands(
      this.service,
      { autoRollback: (from, reason) => this.autoRollback(from, reason), proposeRollback: (from, reason) => this.propose(from, reason) },
      () => void this.tick(),
      o.checklistWaitMs ?? DEFAULT_CHECKLIST_WAIT_MS,
    );
    this.service.run = (r, d) => this.commands.run(r, d);
  }

  /** Watches bake windows every `pollMs` (observations; the bake timer also fires on its own). */
  start(pollMs = 5000): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => void this.tick(), pollMs);
    this.ticker.unref();
  }

  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    await this.commands.stop();
    await this.ticking;
  }

  /** Waits until the release rests: no work in flight here and no longer deploying, verifying or rolling back. */
  async settled(id: string, pollMs = 500): Promise<Release> {
    for (;;) {
      await this.commands.settled(id);
      const r = await this.service.get(id);
      if (!isBusy(r)) {
        await this.commands.settled(id);
        return this.service.get(id);
      }
      // Another process (or a bake timer) moves it on: wake on a change here, or look again shortly.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          this.service.events.off('changed', on);
          resolve();
        };
        const on = (x: Release): void => {
          if (x.id === id) done();
        };
        const t = setTimeout(done, pollMs);
        this.service.events.on('changed', on);
      });
    }
  }

  /** Work of every release in this process. */
  idle(): Promise<void> {
    return this.commands.idle();
  }

  approvalEnvs(service: string): readonly string[] {
    return this.defaults(service)?.approvalEnvs ?? DEFAULT_APPROVAL_ENVS;
  }

  private defaults(service: string): ReleaseDefaults | undefined {
    return this.service.ports.defaults(service);
  }

  /**
   * A person's rollback: refused by core's rules (exit 3 for policy and ledger refusals), started, or
   * kept waiting for someone else's approval (the environment asks for one, or a destructive downgrade).
   */
  async rollback(ask: RollbackAsk): Promise<RollbackOutcome> {
    const releases = await this.service.ofTarget(ask.service, ask.env);
    const at = this.service.now();
    const ledger = await this.service.ports.verifyLedger();
    const req: RollbackRequest = {
      service: ask.service,
      env: ask.env,
      at,
      actor: ask.actor,
      reason: ask.reason,
      ...(ask.from !== undefined ? { from: await this.service.releases.resolveId(ask.from) } : {}),
      ...(ask.to !== undefined ? { to: await this.service.releases.resolveId(ask.to) } : {}),
      ...(ask.revision !== undefined ? { revision: ask.revision } : {}),
      ledger,
      ...(ask.override ? { override: { by: ask.actor, roles: ask.roles, reason: ask.override.reason } } : {}),
      maxLedgerAgeMs: DEFAULT_MAX_LEDGER_AGE_MS,
    };
    let why: string | undefined = this.approvalEnvs(ask.service).includes(ask.env) ? `rollbacks in ${ask.env} need an approval` : undefined;
    let plan: RollbackPlan | undefined;
    try {
      plan = planRollback(releases, req);
    } catch (e) {
      if (!(e instanceof ReleaseRuleError && e.code === 'ROLLBACK_NEEDS_APPROVAL')) throw e;
      why = e.message;
    }
    if (why !== undefined) {
      // The rollback's own refusals (no target, busy, no revision) come first; an approval cannot lift them.
      const from = plan?.from ?? req.from ?? this.fromOf(releases, ask);
      const pending: PendingRollback = {
        actor: ask.actor,
        reason: ask.reason,
        at,
        ...(req.to !== undefined ? { to: req.to } : {}),
        ...(ask.revision !== undefined ? { revision: ask.revision } : {}),
        ...(ask.override ? { override: ask.override } : {}),
        roles: ask.roles,
        why,
      };
      await this.service.setPending(from, pending);
      return { pending, release: await this.service.get(from) };
    }
    if (!plan) throw new ReleaseRuleError('ROLLBACK_NO_TARGET', 'no rollback plan');
    return { started: await this.begin(plan, at) };
  }

  /** Someone other than who asked approves the waiting rollback: planned again now (the ledger verified again). */
  async approve(idOrPrefix: string, approver: string, roles: readonly string[]): Promise<Release> {
    const cur = await this.service.load(idOrPrefix);
    const p = cur.pending;
    if (!p) throw new ReleaseRuleError('RELEASE_STATE', `no rollback of ${cur.release.id} is waiting for an approval`);
    if (approver === p.actor) throw new ReleaseRuleError('ROLLBACK_NEEDS_APPROVAL', `${approver} asked for this rollback: someone else must approve it`);
    if (!roles.some((r) => APPROVER_ROLES.includes(r)))
      throw new ReleaseRuleError('ROLLBACK_NEEDS_APPROVAL', `${approver} cannot approve a rollback: it needs the approver or admin role`);
    const r = cur.release;
    const at = this.service.now();
    const plan = planRollback(await this.service.ofTarget(r.service, r.env), {
      service: r.service,
      env: r.env,
      at,
      from: r.id,
      actor: p.actor,
      reason: p.reason,
      ...(p.to !== undefined ? { to: p.to } : {}),
      ...(p.revision !== undefined ? { revision: p.revision } : {}),
      approvedBy: approver,
      ledger: await this.service.ports.verifyLedger(),
      ...(p.override ? { override: { by: p.actor, roles: p.roles, reason: p.override.reason } } : {}),
    });
    return this.begin({ ...plan, approvedBy: approver }, at, null);
  }

  /** Withdraws a waiting rollback (the person who asked, or an approver deciding against it). */
  async cancelPending(idOrPrefix: string): Promise<Release> {
    const cur = await this.service.load(idOrPrefix);
    if (!cur.pending) throw new ReleaseRuleError('RELEASE_STATE', `no rollback of ${cur.release.id} is waiting for an approval`);
    await this.service.setPending(cur.release.id, null);
    return cur.release;
  }

  private fromOf(releases: readonly Release[], ask: RollbackAsk): string {
    const r = releases.filter((x) => x.deployStartedAt !== undefined).at(-1);
    if (!r) throw new ReleaseRuleError('ROLLBACK_NO_TARGET', `nothing to roll back: no deployed release of ${ask.service} in ${ask.env}`);
    return r.id;
  }

  private begin(plan: RollbackPlan, at: string, pending?: null): Promise<Release> {
    return this.service.apply(plan.from, { type: 'rollback.requested', at, plan }, pending === null ? { pending: null } : {});
  }

  private async autoRollback(from: string, reason: string): Promise<void> {
    const r = await this.service.get(from);
    const at = this.service.now();
    try {
      const plan = planRollback(await this.service.ofTarget(r.service, r.env), {
        service: r.service,
        env: r.env,
        at,
        from,
        actor: 'system',
        reason,
        ledger: await this.service.ports.verifyLedger(),
      });
      await this.begin(plan, at);
    } catch (e) {
      if (!(e instanceof ReleaseRuleError)) throw e;
      await this.service.apply(from, { type: 'rollback.refused', at, code: e.code, reason: e.message });
    }
  }

  private async propose(from: string, reason: string): Promise<void> {
    await this.service.setPending(from, {
      actor: 'system',
      reason,
      at: this.service.now(),
      roles: [],
      auto: true,
      why: 'the service asks for an approval before an automatic rollback',
    });
  }

  /** Fires due bake timers and feeds bake observations; one pass at a time. */
  tick(): Promise<void> {
    if (this.ticking) return this.ticking;
    this.ticking = this.pass()
      .catch((e: unknown) => this.service.reportError('watching bake windows', e))
      .finally(() => {
        this.ticking = undefined;
      });
    return this.ticking;
  }

  private async pass(): Promise<void> {
    const s = this.service;
    const nowMs = s.clock().getTime();
    for (const row of await s.releases.dueBakes(nowMs)) {
      const r = loaded(row).release;
      if (r.bakeEndsAt !== undefined) await this.guard(r.id, s.apply(r.id, { type: 'bake.elapsed', at: s.now(), due: r.bakeEndsAt }));
    }
    for (const row of await s.releases.busy()) {
      const r = loaded(row).release;
      if (r.state !== 'verifying' || r.bakeStartedAt === undefined || row.bakeDueMs === null) continue;
      if (!this.commands.hasBakeTimer(r.id) && r.bakeEndsAt !== undefined) this.commands.armBake(r.id, r.bakeEndsAt);
      for (const obs of await s.ports.observe(r, r.bakeStartedAt)) {
        const after = await this.guard(r.id, s.apply(r.id, { type: 'bake.observation', at: s.now(), observation: obs }));
        if (after && after.state !== 'verifying') break;
      }
    }
  }

  /** A concurrent change (another process decided first) is not an error of the pass. */
  private async guard(id: string, p: Promise<Release>): Promise<Release | undefined> {
    try {
      return await p;
    } catch (e) {
      this.service.reportError(`release ${id}`, e);
      return undefined;
    }
  }

  /**
   * After a restart: releases that were busy continue. A run that started is waited for; a command
   * whose run never started is carried out again (its commit happened, its effect did not).
   */
  async resume(): Promise<void> {
    const s = this.service;
    for (const row of await s.releases.busy()) {
      const r = loaded(row).release;
      const at = (): string => s.now();
      if (r.state === 'deploying' && r.deployRunId !== undefined) {
        const runId = r.deployRunId;
        this.commands.track(
          r.id,
          s.ports
            .awaitRun(runId)
            .then((res) =>
              s.apply(r.id, { type: 'deploy.finished', at: at(), ok: res.ok, runId, ...(res.reason !== undefined ? { reason: res.reason } : {}) }),
            ),
        );
      } else if (r.state === 'verifying') {
        for (const g of r.gates) {
          if (g.passed !== null || g.kind === 'bake') continue;
          if (g.runId !== undefined) {
            const runId = g.runId;
            this.commands.track(
              r.id,
              s.ports.awaitRun(runId).then((res) =>
                s.apply(r.id, {
                  type: 'gate.result',
                  at: at(),
                  gate: g.name,
                  passed: res.ok,
                  runId,
                  ...(res.reason !== undefined ? { reason: res.reason } : {}),
                }),
              ),
            );
          } else {
            const command =
              g.kind === 'checklist'
                ? { type: 'evaluate-checklist' as const, purpose: 'gate' as const, gate: g.name, checklist: g.target ?? g.name }
                : { type: 'run-runbook' as const, purpose: 'gate' as const, gate: g.name, runbook: g.target ?? g.name, inputs: releaseInputs(r) };
            this.commands.run(r, { facts: [], commands: [command] });
          }
        }
        if (r.bakeEndsAt !== undefined && row.bakeDueMs !== null) this.commands.armBake(r.id, r.bakeEndsAt);
      } else if (r.rollback && r.rollback.outcome === undefined && r.rollback.runId !== undefined) {
        const runId = r.rollback.runId;
        this.commands.track(
          r.id,
          s.ports
            .awaitRun(runId)
            .then((res) =>
              s.apply(r.id, { type: 'rollback.finished', at: at(), ok: res.ok, runId, ...(res.reason !== undefined ? { reason: res.reason } : {}) }),
            ),
        );
      }
    }
  }
}

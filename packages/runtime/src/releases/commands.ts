// Carrying out the release machine's commands: run a runbook and report how it ended, evaluate a
// checklist, arm the bake timer, start or propose a rollback, notify. Each command's result goes back
// in as an input (the machine decides what it means); every piece of work is tracked, so a caller can
// wait for a release to settle and a stopping process for its work to end.
import type { Release, ReleaseCommand, ReleaseDecision, ReleaseInput } from '@runledger/core';
import { describeError } from '../errors.js';
import type { RunResult } from './ports.js';
import type { ReleaseService } from './service.js';

export interface RollbackStarter {
  /** An automatic rollback (`autoRollback: on`): planned like a person's, refused the same way. */
  autoRollback(from: string, reason: string): Promise<void>;
  /** `autoRollback: approval`: the rollback waits for a person. */
  proposeRollback(from: string, reason: string): Promise<void>;
}

const CHECKLIST_RETRY_MS = 2000;

export class ReleaseCommands {
  private readonly inflight = new Map<string, Set<Promise<unknown>>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly svc: ReleaseService,
    private readonly rollbacks: RollbackStarter,
    private readonly onBakeDue: () => void,
    private readonly waitMs: number,
  ) {}

  run(release: Release, decision: ReleaseDecision): void {
    for (const c of decision.commands) this.track(release.id, this.one(release, c));
  }

  /** Resolves once no work for the release is in flight in this process. */
  async settled(id: string): Promise<void> {
    for (;;) {
      const set = this.inflight.get(id);
      if (!set || set.size === 0) return;
      await Promise.allSettled([...set]);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Work of every release (the stop of a process waits for it). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.inflight.values()].flatMap((s) => [...s]));
  }

  track(id: string, p: Promise<unknown>): void {
    let set = this.inflight.get(id);
    if (!set) this.inflight.set(id, (set = new Set()));
    const s = set;
    const tracked = p
      .catch((e: unknown) => this.svc.reportError(`release ${id}`, e))
      .finally(() => {
        s.delete(tracked);
        if (s.size === 0) this.inflight.delete(id);
      });
    s.add(tracked);
  }

  /** Arms this process's timer for a bake window's end (the store holds it too, for other processes). */
  armBake(id: string, due: string): void {
    if (this.stopped) return;
    const old = this.timers.get(id);
    if (old) clearTimeout(old);
    const wait = Math.max(0, Date.parse(due) - this.svc.clock().getTime());
    // setTimeout's limit is 2^31-1 ms; a longer bake is re-armed by the periodic tick.
    const t = setTimeout(
      () => {
        this.timers.delete(id);
        this.onBakeDue();
      },
      Math.min(wait + 5, 2 ** 31 - 1),
    );
    this.timers.set(id, t);
  }

  hasBakeTimer(id: string): boolean {
    return this.timers.has(id);
  }

  private async feed(id: string, input: ReleaseInput): Promise<void> {
    await this.svc.apply(id, input);
  }

  private async one(r: Release, c: ReleaseCommand): Promise<void> {
    switch (c.type) {
      case 'run-runbook': {
        const by = c.purpose === 'rollback' ? (r.rollback?.actor ?? r.requestedBy) : r.requestedBy;
        // The run's id is recorded as soon as it exists, and before its result, so the facts keep their order.
        let linked: Promise<void> = Promise.resolve();
        const started = (runId: string): void => {
          const gate = c.gate !== undefined ? { gate: c.gate } : {};
          linked = this.feed(r.id, { type: 'run.started', at: this.svc.now(), purpose: c.purpose, runId, ...gate }).catch((e: unknown) =>
            this.svc.reportError(`release ${r.id}: linking run ${runId}`, e),
          );
        };
        const res = await this.runbook(() => this.svc.ports.runRunbook({ purpose: c.purpose, runbook: c.runbook, inputs: c.inputs, release: r, by, started }));
        await linked;
        await this.feed(r.id, resultInput(c, res, this.svc.now()));
        return;
      }
      case 'evaluate-checklist': {
        // Seed 003 reviews the audit chain after a rollback: verified now, so the checklist reads today's result.
        if (c.purpose === 'post-rollback')
          await this.svc.ports.verifyLedger().catch((e: unknown) => this.svc.reportError(`release ${r.id}: verifying the ledger`, e));
        const v = await this.checklist(c.checklist);
        const at = this.svc.now();
        const reason = v.reason !== undefined ? { reason: v.reason } : {};
        if (c.purpose === 'gate') await this.feed(r.id, { type: 'gate.result', at, gate: c.gate ?? c.checklist, passed: v.passed, ...reason });
        else await this.feed(r.id, { type: 'post-rollback.result', at, passed: v.passed, ...reason });
        return;
      }
      case 'start-bake-timer':
        this.armBake(r.id, c.due);
        return;
      case 'cancel-bake-timer': {
        const t = this.timers.get(r.id);
        if (t) clearTimeout(t);
        this.timers.delete(r.id);
        return;
      }
      case 'announce':
        return;
      case 'start-rollback':
        await this.rollbacks.autoRollback(c.from, c.reason);
        return;
      case 'request-approval':
        await this.rollbacks.proposeRollback(c.from, c.reason);
        return;
      case 'notify':
        this.svc.ports.notify?.(c.event, r);
        return;
    }
  }

  /**
   * A checklist's verdict, asked again until it holds or checklistWaitMs ran out: right after a deploy or
   * a rollback the checks may not have confirmed the new state yet (thresholds need several probes). The
   * last verdict stands, so a checklist that never holds fails with its reasons.
   */
  private async checklist(name: string): Promise<{ passed: boolean; reason?: string }> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      let v: { passed: boolean; reason?: string };
      try {
        v = await this.svc.ports.evaluateChecklist(name);
      } catch (e) {
        v = { passed: false, reason: `checklist ${name} could not be evaluated: ${describeError(e).message}` };
      }
      if (v.passed || Date.now() >= deadline || this.stopped) return v;
      await new Promise((res) => setTimeout(res, Math.min(CHECKLIST_RETRY_MS, Math.max(0, deadline - Date.now()))));
    }
  }

  private async runbook(fn: () => Promise<RunResult>): Promise<RunResult> {
    try {
      return await fn();
    } catch (e) {
      const d = describeError(e);
      return { ok: false, reason: `${d.code}: ${d.message}` };
    }
  }
}

function resultInput(c: Extract<ReleaseCommand, { type: 'run-runbook' }>, res: RunResult, at: string): ReleaseInput {
  const run = res.runId !== undefined ? { runId: res.runId } : {};
  const reason = res.reason !== undefined ? { reason: res.reason } : {};
  switch (c.purpose) {
    case 'deploy':
      return { type: 'deploy.finished', at, ok: res.ok, ...run, ...reason };
    case 'gate':
      return { type: 'gate.result', at, gate: c.gate ?? c.runbook, passed: res.ok, ...run, ...reason };
    case 'rollback':
      return { type: 'rollback.finished', at, ok: res.ok, ...run, ...reason };
  }
}

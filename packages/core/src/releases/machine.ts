// The release state machine: an input in (a person, a run, an observation or a timer), facts and commands
// out. No clock and no I/O: every input carries its time; the driver stores the facts (each a ledger
// entry), folds them (apply.ts) and carries out the commands. Announced only when every gate passed:
// the gate runbooks, the "healthy iff" checklist, then the bake window. A failed gate never announces.
import { applyReleaseFact } from './apply.js';
import { bakeFailure } from './bake.js';
import { BAKE_GATE } from './create.js';
import { ReleaseRuleError } from './errors.js';
import type { ReleaseCommand, ReleaseDecision, ReleaseFact, ReleaseInput } from './facts.js';
import { releaseInputs, rollbackInputs, runbookReason } from './runbook-inputs.js';
import type { Release } from './types.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const ms = (t: string): number => Date.parse(t);

/** Accumulates facts, folding each as it comes, so later rules see earlier facts. */
class Builder {
  readonly facts: ReleaseFact[] = [];
  readonly commands: ReleaseCommand[] = [];
  constructor(public r: Release) {}
  add(f: ReleaseFact): void {
    this.facts.push(f);
    this.r = applyReleaseFact(this.r, f);
  }
  command(c: ReleaseCommand): void {
    this.commands.push(c);
  }
  done(ignored?: string): ReleaseDecision {
    return { facts: this.facts, commands: this.commands, ...(ignored ? { ignored } : {}) };
  }
}

const pending = (r: Release, kind?: 'bake'): boolean => r.gates.some((g) => g.passed === null && (kind === 'bake' ? g.kind === 'bake' : g.kind !== 'bake'));

/** Decides what an input does to a release. A person's action the rules refuse throws ReleaseRuleError. */
export function decideRelease(r: Release, input: ReleaseInput): ReleaseDecision {
  const b = new Builder(r);
  const at = input.at;
  switch (input.type) {
    case 'deploy.started': {
      if (r.state !== 'planned') throw new ReleaseRuleError('RELEASE_STATE', `release ${r.id} is ${r.state}: only a planned release deploys`);
      const runbook = r.runbooks.deploy;
      b.add({ type: 'deploy.started', at, by: input.by, ...(runbook !== undefined ? { runbook } : {}) });
      // Without a deploy runbook the deploy happens elsewhere (CI) and reports deploy.finished.
      if (runbook !== undefined) b.command({ type: 'run-runbook', purpose: 'deploy', runbook, inputs: releaseInputs(r) });
      return b.done();
    }
    case 'deploy.finished': {
      if (r.state !== 'deploying') return b.done(`release ${r.id} is ${r.state}, not deploying`);
      const run = input.runId !== undefined ? { runId: input.runId } : {};
      if (!input.ok) {
        b.add({
          type: 'deploy.finished',
          at,
          ok: false,
          ...run,
          ...(input.reason !== undefined ? { reason: input.reason } : {}),
        });
        fail(b, at, 'deploy', input.reason ?? 'the deploy run failed');
        return b.done();
      }
      b.add({ type: 'deploy.finished', at, ok: true, ...run });
      for (const g of b.r.gates) {
        if (g.kind === 'runbook' && g.target !== undefined)
          b.command({ type: 'run-runbook', purpose: 'gate', gate: g.name, runbook: g.target, inputs: releaseInputs(b.r) });
        if (g.kind === 'checklist' && g.target !== undefined) b.command({ type: 'evaluate-checklist', purpose: 'gate', gate: g.name, checklist: g.target });
      }
      if (!pending(b.r)) startBake(b, at);
      return b.done();
    }
    case 'gate.result': {
      const g = r.gates.find((x) => x.name === input.gate);
      if (!g) throw new ReleaseRuleError('RELEASE_UNKNOWN_GATE', `release ${r.id} has no gate ${input.gate} (gates: ${r.gates.map((x) => x.name).join(', ')})`);
      if (g.kind === 'bake') throw new ReleaseRuleError('RELEASE_INVALID', 'the bake gate is decided by observations and its timer, not by a result');
      if (r.state !== 'verifying') return b.done(`release ${r.id} is ${r.state}: gate ${g.name}'s result came too late`);
      if (g.passed !== null) return b.done(`gate ${g.name} already ${g.passed ? 'passed' : 'failed'}`);
      const reason = input.reason ?? (input.passed ? undefined : `gate ${g.name} failed`);
      b.add({
        type: 'gate.decided',
        at,
        gate: g.name,
        passed: input.passed,
        ...(reason !== undefined ? { reason } : {}),
        ...(input.runId !== undefined ? { runId: input.runId } : {}),
      });
      if (!input.passed) fail(b, at, g.name, reason ?? `gate ${g.name} failed`);
      else if (!pending(b.r)) startBake(b, at);
      return b.done();
    }
    case 'bake.observation': {
      const from = r.bakeStartedAt;
      const to = r.bakeEndsAt;
      if (r.state !== 'verifying' || from === undefined || to === undefined || !pending(r, 'bake')) return b.done(`release ${r.id} is not baking`);
      // Health and burn readings count only inside the window; an incident counts by when it opened.
      if (input.observation.kind !== 'incident' && (ms(at) < ms(from) || ms(at) > ms(to))) return b.done(`observation at ${at} is outside the bake window`);
      const why = bakeFailure(input.observation, r.bake, { from, to });
      if (why === undefined) return b.done('within the bake limits');
      b.add({ type: 'gate.decided', at, gate: BAKE_GATE, passed: false, reason: why });
      b.command({ type: 'cancel-bake-timer' });
      fail(b, at, BAKE_GATE, why);
      return b.done();
    }
    case 'bake.elapsed': {
      if (r.state !== 'verifying' || r.bakeEndsAt !== input.due || !pending(r, 'bake')) return b.done(`stale bake timer for ${input.due}`);
      if (ms(at) < ms(input.due)) return b.done(`bake timer fired early (${at} before ${input.due})`);
      passBake(b, at);
      return b.done();
    }
    case 'rollback.requested':
      return requestRollback(b, input);
    case 'rollback.finished': {
      const rb = r.rollback;
      if (!rb || rb.outcome !== undefined) return b.done(`no rollback of ${r.id} is running`);
      const ok = input.ok;
      b.add({
        type: 'release.rollback',
        at,
        outcome: ok ? 'success' : 'failure',
        from: rb.fromVersion,
        to: rb.toVersion,
        actor: rb.actor,
        reason: rb.reason,
        ...(input.reason !== undefined ? { detail: input.reason } : {}),
        ...(input.runId !== undefined ? { runId: input.runId } : {}),
      });
      // Seed 003: afterwards verify health, queue, audit chain, notification and compliance mode; a failed
      // rollback leaves an even less known state, so the checks run either way.
      if (r.postRollbackChecklist !== undefined) b.command({ type: 'evaluate-checklist', purpose: 'post-rollback', checklist: r.postRollbackChecklist });
      b.command({ type: 'notify', event: ok ? 'rolled-back' : 'rollback-failed' });
      return b.done();
    }
    case 'run.started': {
      if (input.purpose === 'deploy' && r.state !== 'deploying') return b.done(`release ${r.id} is ${r.state}, not deploying`);
      if (input.purpose === 'gate' && !r.gates.some((g) => g.name === input.gate && g.passed === null)) return b.done(`gate ${input.gate} is not pending`);
      if (input.purpose === 'rollback' && (r.rollback === undefined || r.rollback.outcome !== undefined)) return b.done(`no rollback of ${r.id} is running`);
      b.add({ type: 'run.started', at, purpose: input.purpose, runId: input.runId, ...(input.gate !== undefined ? { gate: input.gate } : {}) });
      return b.done();
    }
    case 'rollback.refused':
      b.add({ type: 'rollback.refused', at, code: input.code, reason: input.reason });
      b.command({ type: 'notify', event: 'rollback-failed' });
      return b.done();
    case 'post-rollback.result': {
      if (r.rollback?.outcome === undefined) return b.done(`no finished rollback of ${r.id}`);
      b.add({ type: 'post-rollback.checked', at, passed: input.passed, ...(input.reason !== undefined ? { reason: input.reason } : {}) });
      return b.done();
    }
  }
}

function startBake(b: Builder, at: string): void {
  if (b.r.bake.durationMs === 0) {
    passBake(b, at);
    return;
  }
  const due = iso(ms(at) + b.r.bake.durationMs);
  b.add({ type: 'bake.started', at, endsAt: due });
  b.command({ type: 'start-bake-timer', due });
}

function passBake(b: Builder, at: string): void {
  const k = b.r.bake;
  const reason = `${Math.round(k.durationMs / 1000)} s without a ${k.failSeverity} incident, health ${k.failHealth.join('/')} or a burn rate of ${k.maxBurnRate}x`;
  b.add({ type: 'gate.decided', at, gate: BAKE_GATE, passed: true, reason });
  // The one way to announced: every gate has a verdict and each passed.
  if (b.r.gates.every((g) => g.passed === true)) {
    b.add({ type: 'release.announced', at });
    b.command({ type: 'announce', version: b.r.version });
    b.command({ type: 'notify', event: 'announced' });
  }
}

/**
 * Fails the release on a gate (or `deploy`), then applies the autoRollback policy: the new version may be
 * running, so `on` starts a rollback, `approval` asks a person. A destructive migration always asks:
 * seed 000's downgrade needs an explicit revision and an approval that no timer can give.
 */
function fail(b: Builder, at: string, gate: string, reason: string): void {
  b.add({ type: 'release.failed', at, gate, reason });
  b.command({ type: 'notify', event: 'failed' });
  const policy = b.r.bake.autoRollback;
  if (policy === 'off') return;
  const mode = policy === 'on' && b.r.migration?.kind !== 'destructive' ? 'on' : 'approval';
  const why = runbookReason(`gate ${gate} failed: ${reason}`);
  b.add({ type: 'rollback.proposed', at, mode, reason: why });
  const from = b.r.id;
  b.command(mode === 'on' ? { type: 'start-rollback', from, reason: why } : { type: 'request-approval', action: 'rollback', from, reason: why });
}

function requestRollback(b: Builder, input: Extract<ReleaseInput, { type: 'rollback.requested' }>): ReleaseDecision {
  const { at, plan } = input;
  const r = b.r;
  if (plan.from !== r.id) throw new ReleaseRuleError('RELEASE_INVALID', `the plan rolls back ${plan.from}, not ${r.id}`);
  if (r.rollback && r.rollback.outcome === undefined) throw new ReleaseRuleError('RELEASE_BUSY', `a rollback of ${r.id} is already running`);
  if (r.state !== 'verifying' && r.state !== 'failed' && r.state !== 'announced')
    throw new ReleaseRuleError('RELEASE_STATE', `release ${r.id} is ${r.state}: only a deployed release rolls back`);
  if (r.state === 'verifying') {
    // Rolled back mid-verification: that is a failed release, and the bake timer has nothing left to decide.
    if (r.bakeStartedAt !== undefined) b.command({ type: 'cancel-bake-timer' });
    b.add({ type: 'release.failed', at, gate: 'rollback', reason: `rolled back by ${plan.actor} during verification: ${plan.reason}` });
  }
  if (plan.override) b.add({ type: 'ledger.override', at, by: plan.override.by, reason: plan.override.reason, ledger: plan.override.ledger });
  b.add({
    type: 'rollback.started',
    at,
    to: plan.to,
    fromVersion: plan.fromVersion,
    toVersion: plan.toVersion,
    mode: plan.mode,
    ...(plan.revision !== undefined ? { revision: plan.revision } : {}),
    actor: plan.actor,
    reason: plan.reason,
    ...(plan.approvedBy !== undefined ? { approvedBy: plan.approvedBy } : {}),
  });
  // A downgrade runs the schema rollback runbook when the service names one; the image-only runbook refuses it.
  const runbook = plan.mode === 'downgrade' ? (b.r.runbooks.downgrade ?? b.r.runbooks.rollback) : b.r.runbooks.rollback;
  if (runbook !== undefined) b.command({ type: 'run-runbook', purpose: 'rollback', runbook, inputs: rollbackInputs(b.r, plan) });
  return b.done();
}

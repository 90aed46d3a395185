// The ledger entries of a run, built in one place from what the engine knows. Pure: the live path and
// crash recovery build the same bytes from the same stored events.
import { createHash } from 'node:crypto';
import type { PolicyDecision, RunCommand, RunEvent, Runbook, StepPlan, StepView } from '@runledger/core';
import type { Actor } from '@runledger/ledger';
import type { LedgerWriter, StepOutput } from '@runledger/store';
import type { Redactor } from '../redact.js';
import type { Who } from './types.js';

export type Draft = Parameters<LedgerWriter['append']>[0];

const SYSTEM: Actor = { kind: 'system', id: 'runledger' };

export function sha256hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/**
 * The ledger actor of a run's requester. Runs store the requester's id only; API tokens' ids are
 * `token:<name>`, so their steps are recorded with the same actor kind as the token's other entries.
 */
export function requesterActor(id: string): Actor {
  return { kind: id.startsWith('token:') ? 'token' : 'user', id };
}

function run(runId: string): Draft['subject'] {
  return { kind: 'run', id: runId };
}

export function runStartedEntry(
  runId: string,
  actor: Actor,
  rb: Runbook,
  environment: string,
  inputs: Readonly<Record<string, unknown>>,
  main: readonly StepPlan[],
  rollback: readonly StepPlan[],
  lock: string | null,
): Draft {
  return {
    type: 'run.started',
    actor,
    subject: run(runId),
    data: {
      runbook: { id: rb.id, title: rb.title, file: rb.file, sha256: rb.contentHash },
      environment,
      inputs,
      steps: main.map((s) => s.id),
      rollback: rollback.map((s) => s.id),
      ...(lock ? { lock } : {}),
    },
    idem: `run:${runId}:started`,
  };
}

export function policyDecisionEntry(
  runId: string,
  actor: Actor,
  decision: PolicyDecision,
  runbook: string,
  environment: string,
  step?: string,
  command?: string,
): Draft {
  return {
    type: 'policy.decision',
    actor,
    subject: run(runId),
    data: {
      effect: decision.effect,
      by: decision.by,
      reason: decision.reason,
      runbook,
      environment,
      ...(step ? { step } : {}),
      ...(command ? { commandSha256: sha256hex(command) } : {}),
    },
  };
}

/** A step's intent. `shown` is the command with secrets masked; the allow decision for it is part of the intent (a denial is its own entry). */
export function stepStartedEntry(
  runId: string,
  requester: string,
  ev: Extract<RunEvent, { type: 'step.started' }>,
  kind: string,
  shown: string | undefined,
  allowed: PolicyDecision | undefined,
): Draft {
  return {
    type: 'run.step.started',
    actor: requesterActor(requester),
    subject: run(runId),
    data: {
      step: ev.stepId,
      phase: ev.phase,
      attempt: ev.attempt,
      kind,
      ...(shown !== undefined ? { commandSha256: sha256hex(shown) } : {}),
      ...(allowed ? { policy: { effect: allowed.effect, by: allowed.by } } : {}),
    },
    idem: `run:${runId}:${ev.phase}:${ev.stepId}:${ev.attempt}:started`,
  };
}

/** A step's result entry, built from its stored event and outputs: the live path and crash backfill agree byte for byte. */
export function stepFinishedEntry(runId: string, requester: string, ev: Extract<RunEvent, { type: 'step.finished' }>, outputs: readonly StepOutput[]): Draft {
  const out = outputs.find((o) => o.stream === 'stdout');
  const err = outputs.find((o) => o.stream === 'stderr');
  return {
    type: 'run.step.finished',
    actor: requesterActor(requester),
    subject: run(runId),
    data: {
      step: ev.stepId,
      phase: ev.phase,
      attempt: ev.attempt,
      ok: ev.ok,
      ...(ev.exitCode !== undefined ? { exitCode: ev.exitCode } : {}),
      timedOut: ev.timedOut ?? false,
      durationMs: ev.durationMs,
      ...(out ? { stdoutSha256: out.sha256, stdoutBytes: out.bytesTotal } : {}),
      ...(err ? { stderrSha256: err.sha256, stderrBytes: err.bytesTotal } : {}),
      ...(ev.detail !== undefined ? { detail: ev.detail } : {}),
    },
    idem: `run:${runId}:${ev.phase}:${ev.stepId}:${ev.attempt}:finished`,
  };
}

export function runFinishedEntry(runId: string, c: Extract<RunCommand, { type: 'finish_run' }>, rb: Runbook, redactor: Redactor): Draft {
  return {
    type: 'run.finished',
    actor: SYSTEM,
    subject: run(runId),
    data: { state: c.state, ...(c.reason ? { reason: redactor.redact(c.reason) } : {}), runbook: { id: rb.id, sha256: rb.contentHash } },
    idem: `run:${runId}:finished`,
  };
}

export function approvalRequestedEntry(runId: string, c: Extract<RunCommand, { type: 'await_approval' }>): Draft {
  return {
    type: 'run.approval.requested',
    actor: SYSTEM,
    subject: run(runId),
    data: { step: c.stepId, count: c.count, roles: [...c.roles], have: c.have },
    idem: `run:${runId}:approval-requested:${c.stepId}:${c.have}`,
  };
}

export function interruptedEntry(runId: string, unknownSteps: readonly string[], seq: number): Draft {
  return {
    type: 'run.interrupted',
    actor: SYSTEM,
    subject: run(runId),
    data: { reason: 'the process driving the run stopped', unknownSteps: [...unknownSteps] },
    idem: `run:${runId}:interrupted:${seq}`,
  };
}

/** An operator's decision; `ev` is the run event it was stored as (its seq is `seq`). */
export function operatorEntry(runId: string, type: string, ev: RunEvent, who: Who, cur: StepView | undefined, seq: number): Draft {
  return {
    type: type === 'approve' || type === 'reject' ? `run.approval.${type === 'approve' ? 'granted' : 'rejected'}` : `run.operator.${type}`,
    actor: who.actor,
    subject: run(runId),
    data: {
      ...('stepId' in ev ? { step: ev.stepId } : {}),
      ...('comment' in ev ? { comment: ev.comment } : {}),
      ...('reason' in ev ? { reason: ev.reason } : {}),
      ...(ev.type === 'operator.orphan' ? { decision: ev.decision, pgid: ev.pgid } : {}),
      roles: [...who.roles],
      ...(who.osUser !== undefined ? { osUser: who.osUser } : {}),
      ...(cur ? { currentStep: cur.id, currentStatus: cur.status } : {}),
    },
    idem: `run:${runId}:event:${seq}`,
  };
}

// The release machine's vocabulary: inputs in (what a person, a run or a timer reports), facts out (what
// happened, each stored and appended to the ledger) and commands (what the driver must do next).
import type { HealthState } from '../catalog/types.js';
import type { IncidentSeverity } from '../incidents/severity.js';
import type { RollbackPlan } from './rollback.js';
import type { Release } from './types.js';

/** What the driver watches during the bake window; only a failing observation becomes a fact. */
export type BakeObservation =
  | { readonly kind: 'incident'; readonly id: string; readonly severity: IncidentSeverity; readonly openedAt: string; readonly title?: string }
  | { readonly kind: 'health'; readonly state: HealthState; readonly reason?: string }
  | { readonly kind: 'burn'; readonly slo: string; readonly rate: number };

export type ReleaseFact =
  | { readonly type: 'release.created'; readonly at: string; readonly release: Release }
  | { readonly type: 'deploy.started'; readonly at: string; readonly by: string; readonly runbook?: string }
  | {
      readonly type: 'deploy.finished';
      readonly at: string;
      readonly ok: boolean;
      readonly runId?: string;
      readonly reason?: string;
    }
  | { readonly type: 'gate.decided'; readonly at: string; readonly gate: string; readonly passed: boolean; readonly reason?: string; readonly runId?: string }
  | { readonly type: 'bake.started'; readonly at: string; readonly endsAt: string }
  | { readonly type: 'release.announced'; readonly at: string }
  | { readonly type: 'release.failed'; readonly at: string; readonly gate: string; readonly reason: string }
  | { readonly type: 'rollback.proposed'; readonly at: string; readonly mode: 'on' | 'approval'; readonly reason: string }
  /** An admin rolled back although the ledger did not verify: recorded before the rollback starts. */
  | { readonly type: 'ledger.override'; readonly at: string; readonly by: string; readonly reason: string; readonly ledger: string }
  | {
      readonly type: 'rollback.started';
      readonly at: string;
      readonly to: string;
      readonly fromVersion: string;
      readonly toVersion: string;
      readonly mode: 'image-only' | 'downgrade';
      readonly revision?: string;
      readonly actor: string;
      readonly reason: string;
      readonly approvedBy?: string;
    }
  /** Seed 003's entry, successful or not: every field its log line needs, so the line is a pure view of it. */
  | {
      readonly type: 'release.rollback';
      readonly at: string;
      readonly outcome: 'success' | 'failure';
      readonly from: string;
      readonly to: string;
      readonly actor: string;
      readonly reason: string;
      readonly detail?: string;
      readonly runId?: string;
    }
  | { readonly type: 'post-rollback.checked'; readonly at: string; readonly passed: boolean; readonly reason?: string }
  /** A runbook the release asked for now runs: its id is linked while it runs, and a restarted driver waits for it. */
  | { readonly type: 'run.started'; readonly at: string; readonly purpose: RunPurpose; readonly runId: string; readonly gate?: string }
  /** An automatic or approved rollback the rules refused (the ledger did not verify, no target): why, in the record. */
  | { readonly type: 'rollback.refused'; readonly at: string; readonly code: string; readonly reason: string };

export type RunPurpose = 'deploy' | 'gate' | 'rollback';

export type ReleaseInput =
  /** A person (or CI) asks to deploy; the driver has checked canStartDeploy and the policy's approvals. */
  | { readonly type: 'deploy.started'; readonly at: string; readonly by: string }
  | {
      readonly type: 'deploy.finished';
      readonly at: string;
      readonly ok: boolean;
      readonly runId?: string;
      readonly reason?: string;
    }
  | { readonly type: 'gate.result'; readonly at: string; readonly gate: string; readonly passed: boolean; readonly reason?: string; readonly runId?: string }
  | { readonly type: 'bake.observation'; readonly at: string; readonly observation: BakeObservation }
  | { readonly type: 'bake.elapsed'; readonly at: string; readonly due: string }
  /** A plan from planRollback: its refusals happened there, so here it only starts. */
  | { readonly type: 'rollback.requested'; readonly at: string; readonly plan: RollbackPlan }
  | { readonly type: 'rollback.finished'; readonly at: string; readonly ok: boolean; readonly runId?: string; readonly reason?: string }
  | { readonly type: 'post-rollback.result'; readonly at: string; readonly passed: boolean; readonly reason?: string }
  | { readonly type: 'run.started'; readonly at: string; readonly purpose: RunPurpose; readonly runId: string; readonly gate?: string }
  | { readonly type: 'rollback.refused'; readonly at: string; readonly code: string; readonly reason: string };

export type ReleaseCommand =
  | {
      readonly type: 'run-runbook';
      readonly purpose: 'deploy' | 'gate' | 'rollback';
      readonly runbook: string;
      readonly inputs: Readonly<Record<string, string>>;
      readonly gate?: string;
    }
  | { readonly type: 'evaluate-checklist'; readonly purpose: 'gate' | 'post-rollback'; readonly checklist: string; readonly gate?: string }
  | { readonly type: 'start-bake-timer'; readonly due: string }
  | { readonly type: 'cancel-bake-timer' }
  | { readonly type: 'announce'; readonly version: string }
  /**
   * Automatic rollback under `autoRollback: on`: the driver plans it with planRollback({ from }) like a
   * person's (same target choice, same ledger check), so no target is chosen here.
   */
  | { readonly type: 'start-rollback'; readonly from: string; readonly reason: string }
  | { readonly type: 'request-approval'; readonly action: 'rollback'; readonly from: string; readonly reason: string }
  | { readonly type: 'notify'; readonly event: 'announced' | 'failed' | 'rolled-back' | 'rollback-failed' };

export interface ReleaseDecision {
  readonly facts: readonly ReleaseFact[];
  readonly commands: readonly ReleaseCommand[];
  /** Set when the input changed nothing (and why): a late gate result, a stale timer, a healthy observation. */
  readonly ignored?: string;
}

// The engine's public request and result types. Requests are objects with optional fields, so a new
// cross-cutting option (a request id, say) is one field here and one place in the engine that reads it.
import type { Policy, PolicyDecision, RunEvent, RunModel, Runbook } from '@runledger/core';
import type { Actor } from '@runledger/ledger';
import type { LedgerWriter, RunStore } from '@runledger/store';
import type { StepExecutor } from './adapters.js';

export interface EngineDeps {
  readonly runs: RunStore;
  readonly ledger: LedgerWriter;
  readonly policy: Policy;
  readonly exec: StepExecutor;
  readonly clock?: () => Date;
  /** Working directory for sh steps. */
  readonly cwd: string;
  readonly outputCap?: number;
  /** Live progress for terminals and the API's event stream. */
  readonly observer?: EngineObserver;
}

export interface EngineObserver {
  onEvent?(runId: string, model: RunModel, event: RunEvent): void;
  onOutput?(runId: string, stepId: string, stream: 'stdout' | 'stderr', text: string): void;
  onDecision?(runId: string, decision: PolicyDecision, stepId?: string): void;
}

export interface Who {
  readonly actor: Actor;
  readonly roles: readonly string[];
  /**
   * The operating-system account that made the call, when the actor is only claimed (the CLI's
   * RUNLEDGER_ACTOR): recorded beside it in the entries of operator decisions.
   */
  readonly osUser?: string;
}

export interface StartRequest {
  readonly runbook: Runbook;
  readonly source: string;
  readonly inputs: Readonly<Record<string, string>>;
  /** Secret input values, resolved by the caller from env/file/prompt; never stored. */
  readonly secrets: Readonly<Record<string, string | undefined>>;
  readonly environment: string;
  readonly who: Who;
}

export interface RunOutcome {
  readonly runId: string;
  readonly model: RunModel;
}

export interface ApproveAction {
  readonly type: 'approve' | 'reject';
  readonly stepId?: string;
  readonly comment: string;
}

export interface ResumeAction {
  readonly type: 'resume';
}

/**
 * Actions that decide a step of unknown outcome. Refused (ORPHAN_ALIVE) while that step's process
 * group still runs from a driver that stopped, unless `killOrphan` ends it first (SIGTERM, then SIGKILL).
 */
export interface RetryAction {
  readonly type: 'retry';
  readonly killOrphan?: boolean;
}

export interface SkipAction {
  readonly type: 'skip';
  readonly reason: string;
  readonly killOrphan?: boolean;
}

export interface AbortAction {
  readonly type: 'abort';
  readonly reason: string;
}

/**
 * A decision on a step's process group that outlived its driver: `wait` until it ends by itself, or
 * `kill` it. Either is recorded; the step stays `unknown` (retry or skip it next).
 */
export interface OrphanAction {
  readonly type: 'orphan';
  readonly decision: 'wait' | 'kill';
}

export type OperatorAction = ApproveAction | ResumeAction | RetryAction | SkipAction | AbortAction | OrphanAction;

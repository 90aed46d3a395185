// The run state machine: deterministic, events in, commands out. No clock, no I/O, no randomness:
// the driver (packages/runtime/src/engine) stamps events and executes commands. Replaying a run's
// stored events rebuilds exactly the same model, which is how runs survive restarts.
import { actorLabel } from '../actor.js';

import { TERMINAL_STATES, type Phase, type RunState, type StepStatus } from './states.js';

export { PHASES, RUN_STATES, STEP_STATUSES, TERMINAL_STATES, type Phase, type RunState, type StepStatus } from './states.js';

/** What the machine needs to know of each step (a projection of the runbook's Step). */
export interface StepPlan {
  readonly id: string;
  readonly kind: 'sh' | 'http' | 'check' | 'approve' | 'wait';
  readonly onFail: 'stop' | 'continue';
  readonly retries: number;
  readonly backoffMs: number;
  /** approve steps: quorum. */
  readonly approvals?: { readonly count: number; readonly roles: readonly string[] };
}

export interface Approval {
  readonly actor: string;
  readonly comment: string;
  readonly at: string;
}

export interface StepView {
  readonly id: string;
  readonly phase: Phase;
  readonly kind: StepPlan['kind'];
  readonly status: StepStatus;
  readonly attempt: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  readonly exitCode?: number;
  readonly detail?: string;
  readonly approvals: readonly Approval[];
}

export interface RunModel {
  readonly runId: string;
  readonly state: RunState;
  readonly phase: Phase;
  /** Index of the current step in the current phase's list. */
  readonly cursor: number;
  readonly plans: { readonly main: readonly StepPlan[]; readonly rollback: readonly StepPlan[] };
  readonly steps: readonly StepView[];
  readonly rollback: readonly StepView[];
  readonly requester: string;
  readonly environment: string;
  /** Why the run failed, was interrupted or aborted. */
  readonly reason?: string;
  /** The run's failure was a policy denial (CLI exit 3). */
  readonly denied?: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * The process group a step runs in, recorded in its started event before the step runs: after a crash
 * of the driver the group can still be found, told apart from a reused pid, and waited for or ended.
 */
export interface StepProcess {
  readonly pgid: number;
  /** The group leader's start time as the system gives it (Linux: /proc/<pid>/stat field 22). */
  readonly startTime?: string;
  readonly host: string;
}

interface At {
  /** Driver's clock, ISO 8601. Metadata only; the machine never reads it for decisions. */
  readonly at: string;
}

export type RunEvent =
  | (At & {
      readonly type: 'run.created';
      readonly runId: string;
      readonly requester: string;
      readonly environment: string;
      readonly main: readonly StepPlan[];
      readonly rollback: readonly StepPlan[];
    })
  | (At & { readonly type: 'step.started'; readonly phase: Phase; readonly stepId: string; readonly attempt: number; readonly process?: StepProcess })
  | (At & {
      readonly type: 'step.finished';
      readonly phase: Phase;
      readonly stepId: string;
      readonly attempt: number;
      readonly ok: boolean;
      readonly durationMs: number;
      readonly exitCode?: number;
      readonly timedOut?: boolean;
      readonly detail?: string;
    })
  | (At & { readonly type: 'step.denied'; readonly phase: Phase; readonly stepId: string; readonly reason: string })
  | (At & { readonly type: 'approval.granted'; readonly stepId: string; readonly actor: string; readonly roles: readonly string[]; readonly comment: string })
  | (At & { readonly type: 'approval.rejected'; readonly stepId: string; readonly actor: string; readonly roles: readonly string[]; readonly comment: string })
  | (At & { readonly type: 'run.interrupted'; readonly reason: string })
  | (At & { readonly type: 'run.timed_out' })
  | (At & { readonly type: 'operator.resume'; readonly actor: string })
  | (At & { readonly type: 'operator.retry'; readonly actor: string })
  | (At & { readonly type: 'operator.skip'; readonly actor: string; readonly reason: string })
  | (At & { readonly type: 'operator.abort'; readonly actor: string; readonly reason: string })
  /** A decision on a step's process group that outlived its driver: ended by the operator, or waited for until it ended. */
  | (At & { readonly type: 'operator.orphan'; readonly actor: string; readonly stepId: string; readonly decision: 'kill' | 'wait'; readonly pgid: number });

export type RunCommand =
  | { readonly type: 'start_step'; readonly phase: Phase; readonly stepId: string; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'await_approval'; readonly stepId: string; readonly count: number; readonly roles: readonly string[]; readonly have: number }
  | { readonly type: 'finish_run'; readonly state: RunState; readonly reason?: string };

export type MachineErrorCode =
  | 'RUN_EXISTS'
  | 'RUN_NOT_STARTED'
  | 'RUN_FINISHED'
  | 'INVALID_TRANSITION'
  | 'STEP_MISMATCH'
  | 'NOT_WAITING_FOR_APPROVAL'
  | 'APPROVAL_SELF'
  | 'APPROVAL_ROLE'
  | 'APPROVAL_DUPLICATE'
  | 'RESUME_NEEDS_DECISION';

export type Decision =
  | { readonly ok: true; readonly model: RunModel; readonly commands: readonly RunCommand[] }
  | { readonly ok: false; readonly code: MachineErrorCode; readonly message: string };

function reject(code: MachineErrorCode, message: string): Decision {
  return { ok: false, code, message };
}

function view(p: StepPlan, phase: Phase): StepView {
  return { id: p.id, phase, kind: p.kind, status: 'pending', attempt: 0, approvals: [] };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

class Draft {
  m: Mutable<RunModel>;
  steps: StepView[];
  rb: StepView[];
  readonly commands: RunCommand[] = [];
  constructor(model: RunModel, at: string) {
    this.m = { ...model, updatedAt: at };
    this.steps = [...model.steps];
    this.rb = [...model.rollback];
  }
  list(phase: Phase): StepView[] {
    return phase === 'main' ? this.steps : this.rb;
  }
  plans(phase: Phase): readonly StepPlan[] {
    return phase === 'main' ? this.m.plans.main : this.m.plans.rollback;
  }
  current(): { view: StepView; plan: StepPlan } | undefined {
    const v = this.list(this.m.phase)[this.m.cursor];
    const p = this.plans(this.m.phase)[this.m.cursor];
    return v && p ? { view: v, plan: p } : undefined;
  }
  set(phase: Phase, index: number, patch: Partial<StepView>): void {
    const l = this.list(phase);
    l[index] = { ...l[index]!, ...patch };
  }
  done(): Decision {
    return { ok: true, model: { ...this.m, steps: this.steps, rollback: this.rb }, commands: this.commands };
  }

  /** Moves to the step at the cursor (or past the end) and emits what should happen next. */
  advance(delayMs = 0): void {
    const cur = this.current();
    if (!cur) return this.endPhase();
    const { view: v, plan } = cur;
    if (plan.kind === 'approve') {
      const quorum = plan.approvals ?? { count: 1, roles: [] };
      this.set(this.m.phase, this.m.cursor, { status: 'waiting_approval', attempt: Math.max(1, v.attempt) });
      this.m.state = 'waiting_approval';
      this.commands.push({ type: 'await_approval', stepId: v.id, count: quorum.count, roles: quorum.roles, have: v.approvals.length });
      return;
    }
    this.m.state = 'running';
    this.commands.push({ type: 'start_step', phase: this.m.phase, stepId: v.id, attempt: v.attempt + 1, delayMs });
  }

  endPhase(): void {
    if (this.m.phase === 'main') {
      this.finish('succeeded');
      return;
    }
    // Rollback done: the run is rolled back (the failure that caused it is kept in `reason`).
    const rbFailed = this.rb.some((s) => s.status === 'failed' || s.status === 'denied' || s.status === 'unknown');
    this.finish(rbFailed ? 'failed' : 'rolled_back', rbFailed ? `${this.m.reason ?? 'failed'}; rollback did not complete` : this.m.reason);
  }

  finish(state: RunState, reason?: string): void {
    this.m.state = state;
    if (reason !== undefined) this.m.reason = reason;
    this.commands.push({ type: 'finish_run', state, ...(this.m.reason !== undefined ? { reason: this.m.reason } : {}) });
  }

  /** A stop-on-fail failure in the main phase: roll back if there is a rollback section. */
  fail(reason: string): void {
    this.m.reason = reason;
    if (this.m.phase === 'main' && this.m.plans.rollback.length > 0) {
      this.m.phase = 'rollback';
      this.m.cursor = 0;
      this.advance();
      return;
    }
    if (this.m.phase === 'rollback') {
      // A failing rollback step stops the rollback: a human must look.
      this.finish('failed', `${reason}; rollback did not complete`);
      return;
    }
    this.finish('failed', reason);
  }
}

const ACTIVE: readonly RunState[] = ['running', 'waiting_approval'];

/** Applies one event. Pure: the same model and event always give the same decision. */
export function decide(model: RunModel | undefined, e: RunEvent): Decision {
  if (e.type === 'run.created') {
    if (model) return reject('RUN_EXISTS', `run ${model.runId} already exists`);
    const m: RunModel = {
      runId: e.runId,
      state: 'pending',
      phase: 'main',
      cursor: 0,
      plans: { main: e.main, rollback: e.rollback },
      steps: e.main.map((p) => view(p, 'main')),
      rollback: e.rollback.map((p) => view(p, 'rollback')),
      requester: e.requester,
      environment: e.environment,
      createdAt: e.at,
      updatedAt: e.at,
    };
    const d = new Draft(m, e.at);
    d.advance();
    return d.done();
  }
  if (!model) return reject('RUN_NOT_STARTED', 'no run.created event yet');
  if (TERMINAL_STATES.includes(model.state)) return reject('RUN_FINISHED', `run ${model.runId} is ${model.state}`);
  const d = new Draft(model, e.at);
  const cur = d.current();

  switch (e.type) {
    case 'step.started': {
      if (!cur || cur.view.id !== e.stepId || model.phase !== e.phase) return reject('STEP_MISMATCH', `step ${e.stepId} is not the current step`);
      if (model.state !== 'running') return reject('INVALID_TRANSITION', `cannot start a step while the run is ${model.state}`);
      d.set(d.m.phase, d.m.cursor, { status: 'running', attempt: e.attempt, startedAt: e.at });
      return d.done();
    }
    case 'step.finished': {
      if (!cur || cur.view.id !== e.stepId || model.phase !== e.phase || cur.view.attempt !== e.attempt)
        return reject('STEP_MISMATCH', `step ${e.stepId} attempt ${e.attempt} is not running`);
      if (cur.view.status !== 'running') return reject('INVALID_TRANSITION', `step ${e.stepId} is ${cur.view.status}, not running`);
      const fields = {
        finishedAt: e.at,
        durationMs: e.durationMs,
        ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}),
        ...(e.detail !== undefined ? { detail: e.detail } : {}),
      };
      if (e.ok) {
        d.set(d.m.phase, d.m.cursor, { status: 'succeeded', ...fields });
        d.m.cursor++;
        d.advance();
        return d.done();
      }
      if (cur.view.attempt <= cur.plan.retries) {
        // Retry with exponential backoff: backoff, 2×backoff, 4×backoff…
        d.set(d.m.phase, d.m.cursor, { status: 'pending', ...fields });
        d.advance(cur.plan.backoffMs * 2 ** (cur.view.attempt - 1));
        return d.done();
      }
      d.set(d.m.phase, d.m.cursor, { status: 'failed', ...fields });
      const why = `step ${e.stepId} failed${e.timedOut ? ' (timed out)' : ''}${e.detail ? `: ${e.detail}` : ''}`;
      if (cur.plan.onFail === 'continue') {
        d.m.cursor++;
        d.advance();
        return d.done();
      }
      d.fail(why);
      return d.done();
    }
    case 'step.denied': {
      if (!cur || cur.view.id !== e.stepId || model.phase !== e.phase) return reject('STEP_MISMATCH', `step ${e.stepId} is not the current step`);
      d.set(d.m.phase, d.m.cursor, { status: 'denied', detail: e.reason, finishedAt: e.at });
      d.m.denied = true;
      d.fail(`step ${e.stepId} denied by policy: ${e.reason}`);
      return d.done();
    }
    case 'approval.granted':
    case 'approval.rejected': {
      if (model.state !== 'waiting_approval' || !cur || cur.view.status !== 'waiting_approval')
        return reject('NOT_WAITING_FOR_APPROVAL', `run ${model.runId} is not waiting for approval`);
      if (cur.view.id !== e.stepId) return reject('STEP_MISMATCH', `the run waits at step ${cur.view.id}, not ${e.stepId}`);
      if (e.actor === model.requester) return reject('APPROVAL_SELF', `${e.actor} started this run and cannot approve or reject it`);
      const quorum = cur.plan.approvals ?? { count: 1, roles: [] };
      if (quorum.roles.length > 0 && !e.roles.some((r) => quorum.roles.includes(r))) {
        return reject(
          'APPROVAL_ROLE',
          `step ${e.stepId} needs an approver with role ${quorum.roles.join(' or ')}; ${e.actor} has ${e.roles.join(', ') || 'none'}`,
        );
      }
      if (cur.view.approvals.some((a) => a.actor === e.actor)) return reject('APPROVAL_DUPLICATE', `${e.actor} already approved step ${e.stepId}`);
      if (e.type === 'approval.rejected') {
        d.set(d.m.phase, d.m.cursor, { status: 'failed', detail: `rejected by ${actorLabel(e.actor)}: ${e.comment}`, finishedAt: e.at });
        d.fail(`step ${e.stepId} rejected by ${actorLabel(e.actor)}: ${e.comment}`);
        return d.done();
      }
      const approvals = [...cur.view.approvals, { actor: e.actor, comment: e.comment, at: e.at }];
      if (approvals.length >= quorum.count) {
        d.set(d.m.phase, d.m.cursor, {
          status: 'succeeded',
          approvals,
          finishedAt: e.at,
          detail: `approved by ${approvals.map((a) => actorLabel(a.actor)).join(', ')}`,
        });
        d.m.cursor++;
        d.advance();
      } else {
        d.set(d.m.phase, d.m.cursor, { approvals });
        d.commands.push({ type: 'await_approval', stepId: cur.view.id, count: quorum.count, roles: quorum.roles, have: approvals.length });
      }
      return d.done();
    }
    case 'run.interrupted': {
      // After a crash nobody knows whether a running step finished: it becomes `unknown`, never
      // `running`. A run waiting for approval is not interrupted by a restart.
      if (model.state === 'waiting_approval' && e.reason === 'process restarted') return d.done();
      for (const phase of ['main', 'rollback'] as const) {
        d.list(phase).forEach((s, i) => {
          if (s.status === 'running') d.set(phase, i, { status: 'unknown', detail: `interrupted: ${e.reason}` });
        });
      }
      d.m.state = 'interrupted';
      d.m.reason = e.reason;
      return d.done();
    }
    case 'run.timed_out': {
      if (!ACTIVE.includes(model.state)) return reject('INVALID_TRANSITION', `run ${model.runId} is ${model.state}`);
      if (cur && cur.view.status === 'running') d.set(d.m.phase, d.m.cursor, { status: 'failed', detail: 'run timeout', finishedAt: e.at });
      d.finish('failed', 'the run exceeded its timeout');
      return d.done();
    }
    case 'operator.resume': {
      if (model.state !== 'interrupted') return reject('INVALID_TRANSITION', `only an interrupted run can be resumed; run ${model.runId} is ${model.state}`);
      if (cur?.view.status === 'unknown') return reject('RESUME_NEEDS_DECISION', `step ${cur.view.id} may or may not have run: retry it or skip it`);
      delete d.m.reason;
      d.advance();
      return d.done();
    }
    case 'operator.retry': {
      if (model.state !== 'interrupted' || !cur)
        return reject('INVALID_TRANSITION', `only the current step of an interrupted run can be retried; run ${model.runId} is ${model.state}`);
      delete d.m.reason;
      d.set(d.m.phase, d.m.cursor, { status: 'pending' });
      d.advance();
      return d.done();
    }
    case 'operator.skip': {
      if (model.state !== 'interrupted' || !cur)
        return reject('INVALID_TRANSITION', `only the current step of an interrupted run can be skipped; run ${model.runId} is ${model.state}`);
      delete d.m.reason;
      d.set(d.m.phase, d.m.cursor, { status: 'skipped', detail: `skipped by ${e.actor}: ${e.reason}`, finishedAt: e.at });
      d.m.cursor++;
      d.advance();
      return d.done();
    }
    case 'operator.orphan': {
      // The step stays `unknown`: nobody knows how far it got. Only its detail says what became of it.
      if (model.state !== 'interrupted' || !cur || cur.view.status !== 'unknown')
        return reject('INVALID_TRANSITION', `run ${model.runId} has no step of unknown outcome to decide on`);
      if (cur.view.id !== e.stepId) return reject('STEP_MISMATCH', `the step of unknown outcome is ${cur.view.id}, not ${e.stepId}`);
      d.set(d.m.phase, d.m.cursor, {
        detail: e.decision === 'kill' ? `process group ${e.pgid} ended by ${e.actor}` : `process group ${e.pgid} ended on its own (waited for by ${e.actor})`,
      });
      return d.done();
    }
    case 'operator.abort': {
      for (const phase of ['main', 'rollback'] as const) {
        d.list(phase).forEach((s, i) => {
          if (s.status === 'running') d.set(phase, i, { status: 'unknown', detail: `aborted by ${e.actor}` });
        });
      }
      d.finish('aborted', `aborted by ${e.actor}: ${e.reason}`);
      return d.done();
    }
  }
}

/** Rebuilds a run from its stored events. Throws if the history is not one the machine produced. */
export function replay(events: readonly RunEvent[]): RunModel {
  let m: RunModel | undefined;
  for (const [i, e] of events.entries()) {
    const r = decide(m, e);
    if (!r.ok) throw new Error(`run history event ${i} (${e.type}) does not apply: ${r.code}: ${r.message}`);
    m = r.model;
  }
  if (!m) throw new Error('empty run history');
  return m;
}

/** The command the driver should (re)issue for a model at rest, e.g. after a restart. */
export function pendingCommands(m: RunModel): RunCommand[] {
  const v = (m.phase === 'main' ? m.steps : m.rollback)[m.cursor];
  const p = (m.phase === 'main' ? m.plans.main : m.plans.rollback)[m.cursor];
  if (m.state === 'waiting_approval' && v && p) {
    const q = p.approvals ?? { count: 1, roles: [] };
    return [{ type: 'await_approval', stepId: v.id, count: q.count, roles: q.roles, have: v.approvals.length }];
  }
  return [];
}

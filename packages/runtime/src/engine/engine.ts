// The engine driver: feeds events to the pure state machine (@runledger/core), executes the commands
// it returns through adapters, persists every event before acting on it, and writes intent and
// result of every step to the ledger. Crash-safe by construction: after a kill -9, replaying the
// stored events gives the model; steps that had started become `unknown`, the run `interrupted`.
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import {
  decide,
  decideCommand,
  decideStart,
  envForStep,
  renderTemplate,
  renderProbe,
  replay,
  resolveInputs,
  type Policy,
  type PolicyDecision,
  type ProbeResult,
  type RunCommand,
  type RunEvent,
  type RunModel,
  type Runbook,
  type Step,
  type StepPlan,
  type TemplateContext,
} from '@runledger/core';
import type { Actor } from '@runledger/ledger';
import type { LedgerWriter, RunRecord, RunStore, StepOutput } from '@runledger/store';
import { EngineError, RuntimeError } from '../errors.js';
import { Redactor, withSecrets } from '../redact.js';
import type { ExecResult, StepExecutor } from './adapters.js';
import { keep } from './executor.js';

export const DEFAULT_OUTPUT_CAP = 256 * 1024;
const LEASE_TTL_MS = 30_000;
const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;

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

export type OperatorAction =
  | { readonly type: 'approve'; readonly stepId?: string; readonly comment: string }
  | { readonly type: 'reject'; readonly stepId?: string; readonly comment: string }
  | { readonly type: 'resume' }
  | { readonly type: 'retry' }
  | { readonly type: 'skip'; readonly reason: string }
  | { readonly type: 'abort'; readonly reason: string };


export function stepPlan(s: Step): StepPlan {
  return {
    id: s.id,
    kind: s.kind,
    onFail: s.onFail,
    retries: s.retries,
    backoffMs: s.backoffMs,
    ...(s.kind === 'approve' && s.approvals ? { approvals: s.approvals } : {}),
  };
}

/** Approval quorum of a gate: the step's own, else the front-matter rule for the environment. */
function withQuorum(rb: Runbook, env: string, p: StepPlan): StepPlan {
  if (p.kind !== 'approve' || p.approvals) return p;
  const rule = rb.approvals.find((a) => a.environment === env) ?? rb.approvals.find((a) => a.environment === '*');
  return rule ? { ...p, approvals: { count: rule.count, roles: rule.roles } } : p;
}

interface Live {
  readonly rec: RunRecord;
  readonly runbook: Runbook;
  model: RunModel;
  seq: number;
  readonly inputs: Readonly<Record<string, string | number | boolean>>;
  readonly secrets: Readonly<Record<string, string>>;
  readonly redactor: Redactor;
  readonly outputs: Map<string, string>;
  /** Ledger appends issued but not yet awaited: they join the next append's group commit. */
  readonly pendingLedger: Array<Promise<unknown>>;
}

type Draft = Parameters<LedgerWriter['append']>[0];

/**
 * The ledger actor of a run's requester. Runs store the requester's id only; API tokens' ids are
 * `token:<name>`, so their steps are recorded with the same actor kind as the token's other entries.
 */
export function requesterActor(id: string): Actor {
  return { kind: id.startsWith('token:') ? 'token' : 'user', id };
}

/** A step's result entry, built from its stored event and outputs: the live path and crash backfill agree byte for byte. */
export function stepFinishedEntry(runId: string, requester: string, ev: Extract<RunEvent, { type: 'step.finished' }>, outputs: readonly StepOutput[]): Draft {
  const out = outputs.find((o) => o.stream === 'stdout');
  const err = outputs.find((o) => o.stream === 'stderr');
  return {
    type: 'run.step.finished',
    actor: requesterActor(requester),
    subject: { kind: 'run', id: runId },
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

export class Engine {
  private readonly clock: () => Date;
  private readonly cap: number;
  private readonly live = new Map<string, Live>();

  constructor(private readonly d: EngineDeps) {
    this.clock = d.clock ?? (() => new Date());
    this.cap = d.outputCap ?? DEFAULT_OUTPUT_CAP;
  }

  private now(): string {
    return this.clock().toISOString();
  }

  /** Resolves inputs, asks policy, records the start, and drives the run until it ends or waits. */
  async start(req: StartRequest): Promise<RunOutcome> {
    // Held process-wide while driven: the ledger writer's screen refuses entries holding them.
    return withSecrets(Object.values(req.secrets), () => this.startHeld(req));
  }

  private async startHeld(req: StartRequest): Promise<RunOutcome> {
    const rb = req.runbook;
    if (rb.environments.length > 0 && !rb.environments.includes(req.environment)) {
      throw new RuntimeError('INPUT_INVALID', `--env ${req.environment}: runbook ${rb.id} runs in ${rb.environments.join(', ')}`);
    }
    const resolved = resolveInputs(rb, req.inputs, req.secrets);
    // A message quotes a value given for a plain input; if that value holds a secret, it is masked.
    if (!resolved.ok) throw new RuntimeError('INPUT_INVALID', new Redactor(Object.values(req.secrets)).redact(resolved.diagnostics.map((d) => d.message).join('; ')));
    const secrets: Record<string, string> = {};
    for (const n of resolved.secretNames) {
      const v = req.secrets[n];
      if (v !== undefined) secrets[n] = v;
    }
    const redactor = new Redactor(Object.values(secrets));
    const runId = newRunId(this.clock());
    const freeze = await this.d.runs.getFreeze();
    const decision = decideStart(this.d.policy, { runbook: rb.id, environment: req.environment, roles: req.who.roles, now: this.now(), ...(freeze ? { frozen: { reason: freeze.reason, by: freeze.by } } : {}) });
    await this.recordDecision(runId, req.who.actor, decision, rb.id, req.environment);
    if (decision.effect === 'deny') throw new EngineError('POLICY_DENIED', `run of ${rb.id} in ${req.environment} denied: ${decision.reason}`);

    const hashKey = await this.d.runs.hashKey(() => randomBytes(32).toString('hex'), this.now());
    const publicInputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(resolved.values)) publicInputs[k] = v;
    for (const [k, v] of Object.entries(secrets)) publicInputs[k] = `hmac-sha256:${createHmac('sha256', hashKey).update(v).digest('hex')}`;

    const main = rb.steps.map((s) => withQuorum(rb, req.environment, stepPlan(s)));
    const rollback = rb.rollback.map((s) => withQuorum(rb, req.environment, stepPlan(s)));
    const first: RunEvent = { type: 'run.created', at: this.now(), runId, requester: req.who.actor.id, environment: req.environment, main, rollback };
    const d0 = decide(undefined, first);
    if (!d0.ok) throw new EngineError(d0.code, d0.message);
    const lockCtx = this.templateContext(runId, req.environment, resolved.values, secrets, new Map());
    // A lock named after a secret would store it with the run and in run.started: masked like output.
    const lock = rb.lock ? redactor.redact(renderTemplate(rb.lock, lockCtx, 'text')) : null;
    await this.d.runs.createRun(
      {
        id: runId,
        runbookId: rb.id,
        runbookTitle: rb.title,
        runbookHash: rb.contentHash,
        file: rb.file,
        source: req.source,
        environment: req.environment,
        requester: req.who.actor.id,
        state: d0.model.state,
        reason: null,
        inputs: publicInputs,
        lock,
        createdAt: first.at,
      },
      { seq: 0, at: first.at, type: first.type, event: first },
    );
    await this.d.ledger.append({
      type: 'run.started',
      actor: req.who.actor,
      subject: { kind: 'run', id: runId },
      data: { runbook: { id: rb.id, title: rb.title, file: rb.file, sha256: rb.contentHash }, environment: req.environment, inputs: publicInputs, steps: main.map((s) => s.id), rollback: rollback.map((s) => s.id), ...(lock ? { lock } : {}) },
      idem: `run:${runId}:started`,
    });
    const live: Live = { rec: (await this.d.runs.getRun(runId))!, runbook: rb, model: d0.model, seq: 1, inputs: resolved.values, secrets, redactor, outputs: new Map(), pendingLedger: [] };
    this.live.set(runId, live);
    this.d.observer?.onEvent?.(runId, d0.model, first);
    return this.drive(live, [...d0.commands], req.who);
  }

  /** Loads a run from storage (replaying its events) to act on it from any process. */
  async load(runIdOrPrefix: string, parse: (source: string, file: string) => Runbook, secrets: Readonly<Record<string, string | undefined>> = {}): Promise<Live> {
    const rec = await this.d.runs.findRun(runIdOrPrefix);
    const cached = this.live.get(rec.id);
    // A copy loaded without the secrets given now (recover() loads with none) would run and redact without them.
    const hasSecrets = (l: Live): boolean => Object.entries(secrets).every(([k, v]) => v === undefined || l.secrets[k] === v || !String(rec.inputs[k]).startsWith('hmac-sha256:'));
    if (cached && cached.seq === rec.eventCount && hasSecrets(cached)) return cached;
    const runbook = parse(rec.source, rec.file);
    if (runbook.contentHash !== rec.runbookHash) throw new EngineError('RUN_CORRUPT', `run ${rec.id}: stored runbook source does not match its recorded hash`);
    const stored = await this.d.runs.events(rec.id);
    const model = replay(stored.map((e) => e.event as RunEvent));
    const values: Record<string, string | number | boolean> = {};
    const secretValues: Record<string, string> = {};
    for (const [k, v] of Object.entries(rec.inputs)) {
      if (typeof v === 'string' && v.startsWith('hmac-sha256:')) {
        const s = secrets[k];
        if (s !== undefined) secretValues[k] = s;
      } else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') values[k] = v;
    }
    const outputs = new Map<string, string>();
    for (const o of await this.d.runs.outputs(rec.id)) if (o.stream === 'stdout') outputs.set(o.stepId, o.data.toString('utf8'));
    const live: Live = { rec, runbook, model, seq: stored.length, inputs: values, secrets: secretValues, redactor: new Redactor(Object.values(secretValues)), outputs, pendingLedger: [] };
    this.live.set(rec.id, live);
    return live;
  }

  /**
   * Marks runs whose driver died as interrupted: a step that had started becomes `unknown`, never
   * `running`. Runs waiting for approval stay waiting. Returns the ids it interrupted.
   */
  async recover(parse: (source: string, file: string) => Runbook): Promise<string[]> {
    const out: string[] = [];
    for (const state of ['running', 'pending'] as const) {
      for (const rec of await this.d.runs.listRuns({ state, limit: 1000 })) {
        if (await this.d.runs.leaseAlive(rec.id)) continue;
        const live = await this.load(rec.id, parse);
        const lease = await this.d.runs.acquireLease(rec.id, LEASE_TTL_MS);
        if (!lease.ok) continue;
        try {
          await this.backfill(live);
          const unknown = [...live.model.steps, ...live.model.rollback].filter((s) => s.status === 'running').map((s) => s.id);
          await this.apply(live, { type: 'run.interrupted', at: this.now(), reason: 'process restarted' });
          await this.d.ledger.append({
            type: 'run.interrupted',
            actor: { kind: 'system', id: 'runledger' },
            subject: { kind: 'run', id: rec.id },
            data: { reason: 'the process driving the run stopped', unknownSteps: unknown },
            idem: `run:${rec.id}:interrupted:${live.seq}`,
          });
          out.push(rec.id);
        } finally {
          await this.d.runs.releaseLease(rec.id);
        }
      }
    }
    return out;
  }

  /** An operator's decision on a run; then drives it on from this process. */
  async act(runIdOrPrefix: string, action: OperatorAction, who: Who, parse: (source: string, file: string) => Runbook, secrets: Readonly<Record<string, string | undefined>> = {}): Promise<RunOutcome> {
    return withSecrets(Object.values(secrets), () => this.actHeld(runIdOrPrefix, action, who, parse, secrets));
  }

  private async actHeld(runIdOrPrefix: string, action: OperatorAction, who: Who, parse: (source: string, file: string) => Runbook, secrets: Readonly<Record<string, string | undefined>>): Promise<RunOutcome> {
    await this.recover(parse);
    const live = await this.load(runIdOrPrefix, parse, secrets);
    const lease = await this.d.runs.acquireLease(live.rec.id, LEASE_TTL_MS);
    if (!lease.ok) throw new EngineError('RUN_BUSY', `run ${live.rec.id} is being driven by ${lease.owner}`);
    let commands: RunCommand[];
    try {
      const m = live.model;
      const cur = (m.phase === 'main' ? m.steps : m.rollback)[m.cursor];
      const at = this.now();
      const actor = who.actor;
      let ev: RunEvent;
      switch (action.type) {
        case 'approve':
        case 'reject': {
          const stepId = action.stepId ?? cur?.id ?? '';
          if (action.comment.trim() === '') throw new RuntimeError('INPUT_INVALID', '--comment is required: say what you checked');
          ev = { type: action.type === 'approve' ? 'approval.granted' : 'approval.rejected', at, stepId, actor: actor.id, roles: who.roles, comment: live.redactor.redact(action.comment) };
          break;
        }
        case 'resume':
          ev = { type: 'operator.resume', at, actor: actor.id };
          break;
        case 'retry':
          ev = { type: 'operator.retry', at, actor: actor.id };
          break;
        case 'skip':
          ev = { type: 'operator.skip', at, actor: actor.id, reason: live.redactor.redact(action.reason) };
          break;
        case 'abort':
          ev = { type: 'operator.abort', at, actor: actor.id, reason: live.redactor.redact(action.reason) };
          break;
      }
      commands = await this.apply(live, ev);
      await this.d.ledger.append({
        type: action.type === 'approve' || action.type === 'reject' ? `run.approval.${action.type === 'approve' ? 'granted' : 'rejected'}` : `run.operator.${action.type}`,
        actor,
        subject: { kind: 'run', id: live.rec.id },
        data: {
          ...('stepId' in ev ? { step: ev.stepId } : {}),
          ...('comment' in ev ? { comment: ev.comment } : {}),
          ...('reason' in ev ? { reason: ev.reason } : {}),
          roles: [...who.roles],
          ...(cur ? { currentStep: cur.id, currentStatus: cur.status } : {}),
        },
        idem: `run:${live.rec.id}:event:${live.seq - 1}`,
      });
    } catch (e) {
      await this.d.runs.releaseLease(live.rec.id);
      throw e;
    }
    return this.drive(live, commands, who, true);
  }

  /** Persists an event (the state machine must accept it), then returns the commands it produced. */
  private async apply(live: Live, ev: RunEvent, outputs: readonly StepOutput[] = []): Promise<RunCommand[]> {
    const d = decide(live.model, ev);
    if (!d.ok) throw new EngineError(d.code, d.message);
    await this.d.runs.appendEvent(live.rec.id, live.seq, { at: ev.at, type: ev.type, event: ev }, { state: d.model.state, reason: d.model.reason ?? null }, outputs);
    live.seq++;
    live.model = d.model;
    this.d.observer?.onEvent?.(live.rec.id, d.model, ev);
    return [...d.commands];
  }

  /** Appends now, in the same group commit as any appends still pending for this run. */
  private async ledgerNow(live: Live, draft: Draft): Promise<void> {
    await Promise.all([...live.pendingLedger.splice(0), this.d.ledger.append(draft)]);
  }

  private async flushLedger(live: Live): Promise<void> {
    await Promise.all(live.pendingLedger.splice(0));
  }

  /**
   * A driver that died between storing a step's result event and its ledger entry left the entry out:
   * rebuild every result entry from the stored events and outputs (idempotency keys make the ones that
   * exist no-ops), so nothing is lost and nothing is duplicated.
   */
  private async backfill(live: Live): Promise<void> {
    const events = await this.d.runs.events(live.rec.id);
    const outputs = await this.d.runs.outputs(live.rec.id);
    for (const e of events) {
      const ev = e.event as RunEvent;
      if (ev.type !== 'step.finished') continue;
      const mine = outputs.filter((o) => o.stepId === ev.stepId && o.phase === ev.phase && o.attempt === ev.attempt);
      await this.d.ledger.append(stepFinishedEntry(live.rec.id, live.rec.requester, ev, mine));
    }
  }

  private async drive(live: Live, commands: RunCommand[], who: Who, leased = false): Promise<RunOutcome> {
    const runId = live.rec.id;
    if (!leased) {
      const lease = await this.d.runs.acquireLease(runId, LEASE_TTL_MS);
      if (!lease.ok) throw new EngineError('RUN_BUSY', `run ${runId} is being driven by ${lease.owner}`);
    }
    const heartbeat = setInterval(() => void this.d.runs.acquireLease(runId, LEASE_TTL_MS).catch(() => undefined), LEASE_TTL_MS / 3);
    heartbeat.unref();
    try {
      while (commands.length > 0) {
        const c = commands.shift()!;
        if (c.type === 'finish_run') {
          await this.ledgerNow(live, {
            type: 'run.finished',
            actor: { kind: 'system', id: 'runledger' },
            subject: { kind: 'run', id: runId },
            data: { state: c.state, ...(c.reason ? { reason: live.redactor.redact(c.reason) } : {}), runbook: { id: live.runbook.id, sha256: live.runbook.contentHash } },
            idem: `run:${runId}:finished`,
          });
          break;
        }
        if (c.type === 'await_approval') {
          await this.ledgerNow(live, {
            type: 'run.approval.requested',
            actor: { kind: 'system', id: 'runledger' },
            subject: { kind: 'run', id: runId },
            data: { step: c.stepId, count: c.count, roles: [...c.roles], have: c.have },
            idem: `run:${runId}:approval-requested:${c.stepId}:${c.have}`,
          });
          break;
        }
        if (c.delayMs > 0) await sleep(c.delayMs);
        if (this.remainingMs(live) <= 0) {
          commands.push(...(await this.apply(live, { type: 'run.timed_out', at: this.now() })));
          continue;
        }
        commands.push(...(await this.runStep(live, c, who)));
      }
      await this.flushLedger(live);
    } finally {
      clearInterval(heartbeat);
      await this.d.runs.releaseLease(runId);
    }
    return { runId, model: live.model };
  }

  private templateContext(runId: string, env: string, inputs: Readonly<Record<string, string | number | boolean>>, secrets: Readonly<Record<string, string>>, outputs: ReadonlyMap<string, string>): TemplateContext {
    return { runId, env, inputs: { ...inputs, ...secrets }, secretNames: Object.keys(secrets), steps: Object.fromEntries(outputs) };
  }

  private async recordDecision(runId: string, actor: Actor, decision: PolicyDecision, runbook: string, environment: string, step?: string, command?: string): Promise<void> {
    this.d.observer?.onDecision?.(runId, decision, step);
    await this.d.ledger.append({
      type: 'policy.decision',
      actor,
      subject: { kind: 'run', id: runId },
      data: { effect: decision.effect, by: decision.by, reason: decision.reason, runbook, environment, ...(step ? { step } : {}), ...(command ? { commandSha256: sha256hex(command) } : {}) },
    });
  }

  private async runStep(live: Live, c: Extract<RunCommand, { type: 'start_step' }>, who: Who): Promise<RunCommand[]> {
    const runId = live.rec.id;
    const step = (c.phase === 'main' ? live.runbook.steps : live.runbook.rollback).find((s) => s.id === c.stepId);
    if (!step) throw new EngineError('RUN_CORRUPT', `run ${runId}: no step ${c.stepId} in the runbook`);

    // The kill switch: no new step starts anywhere while frozen.
    const freeze = await this.d.runs.getFreeze();
    if (freeze) {
      const decision: PolicyDecision = { effect: 'deny', by: 'kill-switch', reason: `automation is frozen by ${freeze.by}: ${freeze.reason}` };
      await this.flushLedger(live);
      await this.recordDecision(runId, who.actor, decision, live.runbook.id, live.model.environment, step.id);
      return this.apply(live, { type: 'run.interrupted', at: this.now(), reason: `frozen: ${freeze.reason}` });
    }
    const ctx = this.templateContext(runId, live.model.environment, live.inputs, live.secrets, live.outputs);
    const command = this.effectiveCommand(step, ctx);
    const shown = this.effectiveCommand(step, ctx, true);
    let allowed: PolicyDecision | undefined;
    if (command !== undefined) {
      const decision = decideCommand(this.d.policy, live.runbook.forbid, command);
      allowed = decision;
      if (decision.effect === 'deny') {
        await this.flushLedger(live);
        await this.recordDecision(runId, who.actor, decision, live.runbook.id, live.model.environment, step.id, shown);
        return this.apply(live, { type: 'step.denied', at: this.now(), phase: c.phase, stepId: step.id, reason: decision.reason });
      }
    }
    // Intent first: the event (so a crash from here on leaves the step `unknown`), then the ledger.
    await this.apply(live, { type: 'step.started', at: this.now(), phase: c.phase, stepId: step.id, attempt: c.attempt });
    // The intent must be durable before the step runs; the previous step's result joins this commit.
    await this.ledgerNow(live, {
      type: 'run.step.started',
      actor: requesterActor(live.rec.requester),
      subject: { kind: 'run', id: runId },
      // The allow decision for this command is part of the intent (a denial is its own entry).
      data: { step: step.id, phase: c.phase, attempt: c.attempt, kind: step.kind, ...(shown !== undefined ? { commandSha256: sha256hex(shown) } : {}), ...(allowed ? { policy: { effect: allowed.effect, by: allowed.by } } : {}) },
      idem: `run:${runId}:${c.phase}:${step.id}:${c.attempt}:started`,
    });
    const r = await this.execute(live, step, ctx);
    const outputs: StepOutput[] = [
      { phase: c.phase, stepId: step.id, attempt: c.attempt, stream: 'stdout', data: Buffer.from(r.stdout, 'utf8'), bytesTotal: r.stdoutBytes, truncated: r.stdoutBytes > Buffer.byteLength(r.stdout), sha256: r.stdoutSha256 },
      { phase: c.phase, stepId: step.id, attempt: c.attempt, stream: 'stderr', data: Buffer.from(r.stderr, 'utf8'), bytesTotal: r.stderrBytes, truncated: r.stderrBytes > Buffer.byteLength(r.stderr), sha256: r.stderrSha256 },
    ];
    if (step.capture && r.ok) live.outputs.set(step.id, r.stdout.trimEnd());
    const detail = live.redactor.redact(r.detail);
    const finished: Extract<RunEvent, { type: 'step.finished' }> = {
      type: 'step.finished',
      at: this.now(),
      phase: c.phase,
      stepId: step.id,
      attempt: c.attempt,
      ok: r.ok,
      durationMs: Math.round(r.durationMs),
      timedOut: r.timedOut,
      detail,
      ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
    };
    // The event (with the output) is stored first; the ledger entry is queued and joins the next
    // append's group commit. A crash in between is repaired by backfill() from this event.
    const next = await this.apply(live, finished, outputs);
    // Queued, not awaited: it joins the next intent's group commit (one durable commit fewer per step).
    // The store serialises it with the run store's transactions; a crash before it commits is repaired
    // by backfill() from the event stored above.
    const entry = this.d.ledger.append(stepFinishedEntry(runId, live.rec.requester, finished, outputs));
    entry.catch(() => undefined);
    live.pendingLedger.push(entry);
    return next;
  }

  /**
   * The text policy checks for a step: what will actually run, with input values in place. With
   * `mask`, secrets are masked: that form is the one digested into the ledger (a digest of text that
   * holds a secret would let anyone test guesses at it).
   */
  private effectiveCommand(step: Step, ctx: TemplateContext, mask = false): string | undefined {
    const t = (x: string): string => renderTemplate(x, ctx, 'text', { mask });
    if (step.kind === 'sh') return t(step.script);
    if ((step.kind === 'check' || step.kind === 'wait') && step.probe.kind === 'command') return t(step.probe.run);
    if (step.kind === 'http') return `${step.method} ${t(step.url)}`;
    return undefined;
  }

  private stepEnv(ctx: TemplateContext, live: Live): Record<string, string> {
    // Steps get a minimal base environment plus the RL_* variables: never the runner's own settings.
    return { ...envForStep(ctx), RL_ACTOR: live.model.requester };
  }

  /**
   * Time left before the runbook's overall `timeout` (Infinity without one). It counts from the run's
   * start or its latest approval, whichever is later: waiting for a person does not use it up.
   */
  private remainingMs(live: Live): number {
    if (live.runbook.timeoutMs === undefined) return Infinity;
    const approvals = [...live.model.steps, ...live.model.rollback].flatMap((s) => s.approvals.map((a) => Date.parse(a.at)));
    const from = Math.max(Date.parse(live.model.createdAt), ...approvals);
    return from + live.runbook.timeoutMs - this.clock().getTime();
  }

  private async execute(live: Live, step: Step, ctx: TemplateContext): Promise<ExecResult> {
    // A step never outlives the run's overall timeout.
    const timeoutMs = Math.max(1, Math.min(step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS, this.remainingMs(live)));
    const ac = new AbortController();
    const env = this.stepEnv(ctx, live);
    const redactor = live.redactor;
    const onOutput = (stream: 'stdout' | 'stderr', chunk: string): void => this.d.observer?.onOutput?.(live.rec.id, step.id, stream, chunk);
    const t0 = performance.now();
    const fromProbe = (r: ProbeResult, ok = r.ok, detail = r.detail, timedOut = false): ExecResult => {
      const out = keep(`${r.detail}\n`, redactor, this.cap);
      const none = keep('', redactor, this.cap);
      return { ok, timedOut, durationMs: performance.now() - t0, detail: redactor.redact(detail), stdout: out.text, stderr: '', stdoutSha256: out.sha256, stderrSha256: none.sha256, stdoutBytes: out.bytes, stderrBytes: 0, truncated: false };
    };
    switch (step.kind) {
      case 'sh':
        return this.d.exec.shell({ script: renderTemplate(step.script, ctx, 'shell'), env, cwd: this.d.cwd, timeoutMs, signal: ac.signal, onOutput, redactor, maxOutputBytes: this.cap });
      case 'http':
        return this.d.exec.http({
          method: step.method,
          url: renderTemplate(step.url, ctx, 'text'),
          headers: Object.fromEntries(Object.entries(step.headers).map(([k, v]) => [k, renderTemplate(v, ctx, 'text')])),
          ...(step.requestBody !== undefined ? { body: renderTemplate(step.requestBody, ctx, 'text') } : {}),
          ...(step.expectStatus ? { expectStatus: step.expectStatus } : {}),
          ...(step.expectBodyContains !== undefined ? { expectBodyContains: step.expectBodyContains } : {}),
          timeoutMs,
          signal: ac.signal,
          redactor,
          maxOutputBytes: this.cap,
        });
      case 'check': {
        const r = await this.d.exec.probe({ spec: renderProbe(step.probe, ctx), signal: ac.signal, redactor, env, cwd: this.d.cwd });
        onOutput('stdout', `${r.detail}\n`);
        return fromProbe(r);
      }
      case 'wait': {
        const deadline = performance.now() + timeoutMs;
        let polls = 0;
        for (;;) {
          const r = await this.d.exec.probe({ spec: renderProbe(step.probe, ctx), signal: ac.signal, redactor, env, cwd: this.d.cwd });
          polls++;
          onOutput('stdout', `${r.detail}\n`);
          if (r.ok) return fromProbe(r, true, `${r.detail} (after ${polls} poll${polls === 1 ? '' : 's'})`);
          if (performance.now() + step.intervalMs > deadline) return fromProbe(r, false, `still failing after ${(timeoutMs / 1000).toFixed(1)}s: ${r.detail}`, true);
          await sleep(step.intervalMs);
        }
      }
      case 'approve':
        throw new EngineError('RUN_CORRUPT', 'approve steps are not executed');
    }
  }
}

function sha256hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Sortable, unique run ids: time prefix, then randomness. */
export function newRunId(now: Date): string {
  const t = now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14);
  return `${t}-${randomUUID().slice(0, 8)}`;
}


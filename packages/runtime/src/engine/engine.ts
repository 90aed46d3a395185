// The engine driver: feeds events to the pure state machine (@runledger/core), executes the commands
// it returns, persists every event before acting on it, and writes intent and result of every step to
// the ledger. Crash-safe by construction: after a kill -9, replaying the stored events gives the model;
// steps that had started become `unknown`, the run `interrupted`. This file is the run lifecycle
// (start, operator decisions, the drive loop); the parts live beside it: one step (step.ts), ledger
// entries (drafts.ts), crash recovery (recovery.ts), steps that outlived their driver (orphan.ts).
import { createHmac, randomBytes } from 'node:crypto';
import { decide, decideStart, formatDiagnostic, renderTemplate, resolveInputs, type RunCommand, type RunEvent } from '@runledger/core';
import { EngineError, RuntimeError, type ErrorDetail } from '../errors.js';
import { Redactor, withSecrets } from '../redact.js';
import { RunContext } from './context.js';
import { approvalRequestedEntry, operatorEntry, runFinishedEntry, runStartedEntry } from './drafts.js';
import { loadLive, newRunId, remainingMs, stepPlan, templateContext, withQuorum, type Live, type Parse } from './live.js';
import { killOrphan, liveOrphan, orphanError, recordedGroup, waitOrphan, type Orphan } from './orphan.js';
import { recoverRuns } from './recovery.js';
import { StepRunner } from './step.js';
import type { EngineDeps, OperatorAction, OrphanAction, RunOutcome, StartRequest, Who } from './types.js';

export { DEFAULT_OUTPUT_CAP } from './context.js';
export { requesterActor, stepFinishedEntry } from './drafts.js';
export { newRunId, stepPlan, type Live } from './live.js';
export type { Orphan } from './orphan.js';
export type * from './types.js';

export class Engine {
  private readonly c: RunContext;
  private readonly steps: StepRunner;
  private readonly live = new Map<string, Live>();

  constructor(private readonly d: EngineDeps) {
    this.c = new RunContext(d);
    this.steps = new StepRunner(this.c);
  }

  /** Validates inputs (the one place they are), asks policy, records the start, and drives the run until it ends or waits. */
  async start(req: StartRequest): Promise<RunOutcome> {
    // Held process-wide while driven: the ledger writer's screen refuses entries holding them.
    return withSecrets(Object.values(req.secrets), () => this.startHeld(req));
  }

  private async startHeld(req: StartRequest): Promise<RunOutcome> {
    const c = this.c;
    const rb = req.runbook;
    if (rb.environments.length > 0 && !rb.environments.includes(req.environment)) {
      const message = `environment ${req.environment}: runbook ${rb.id} runs in ${rb.environments.join(', ')}`;
      throw new RuntimeError('INPUT_INVALID', message, { details: [{ path: '/environment', code: 'ENVIRONMENT_UNKNOWN', message }] });
    }
    const resolved = resolveInputs(rb, req.inputs, req.secrets);
    if (!resolved.ok) {
      // A message quotes a value given for a plain input; if that value holds a secret, it is masked.
      const mask = new Redactor(Object.values(req.secrets));
      const details: ErrorDetail[] = resolved.diagnostics.map((d) => ({
        path: d.input !== undefined ? `/inputs/${d.input.replace(/~/g, '~0').replace(/\//g, '~1')}` : '/inputs',
        code: d.code,
        message: mask.redact(d.message),
      }));
      throw new RuntimeError('INPUT_INVALID', mask.redact(resolved.diagnostics.map(formatDiagnostic).join('\n')), { details });
    }
    const secrets: Record<string, string> = {};
    for (const n of resolved.secretNames) {
      const v = req.secrets[n];
      if (v !== undefined) secrets[n] = v;
    }
    const redactor = new Redactor(Object.values(secrets));
    const runId = newRunId(c.clock());
    const freeze = await this.d.runs.getFreeze();
    const decision = decideStart(this.d.policy, {
      runbook: rb.id,
      environment: req.environment,
      roles: req.who.roles,
      now: c.now(),
      ...(freeze ? { frozen: { reason: freeze.reason, by: freeze.by } } : {}),
    });
    await c.recordDecision(runId, req.who.actor, decision, rb.id, req.environment);
    if (decision.effect === 'deny') throw new EngineError('POLICY_DENIED', `run of ${rb.id} in ${req.environment} denied: ${decision.reason}`);

    const hashKey = await this.d.runs.hashKey(() => randomBytes(32).toString('hex'), c.now());
    const publicInputs: Record<string, unknown> = { ...resolved.values };
    for (const [k, v] of Object.entries(secrets)) publicInputs[k] = `hmac-sha256:${createHmac('sha256', hashKey).update(v).digest('hex')}`;

    const main = rb.steps.map((s) => withQuorum(rb, req.environment, stepPlan(s)));
    const rollback = rb.rollback.map((s) => withQuorum(rb, req.environment, stepPlan(s)));
    const first: RunEvent = { type: 'run.created', at: c.now(), runId, requester: req.who.actor.id, environment: req.environment, main, rollback };
    const d0 = decide(undefined, first);
    if (!d0.ok) throw new EngineError(d0.code, d0.message);
    // A lock named after a secret would store it with the run and in run.started: masked like output.
    const lock = rb.lock
      ? redactor.redact(renderTemplate(rb.lock, templateContext(runId, req.environment, resolved.values, secrets, new Map()), 'text'))
      : null;
    const record = {
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
    };
    await this.d.runs.createRun(record, { seq: 0, at: first.at, type: first.type, event: first });
    await this.d.ledger.append(runStartedEntry(runId, req.who.actor, rb, req.environment, publicInputs, main, rollback, lock));
    const live: Live = {
      rec: { ...record, eventCount: 1, updatedAt: first.at },
      runbook: rb,
      model: d0.model,
      seq: 1,
      inputs: resolved.values,
      secrets,
      redactor,
      outputs: new Map(),
      pendingLedger: [],
      pendingEvents: [],
    };
    this.live.set(runId, live);
    this.d.observer?.onEvent?.(runId, d0.model, first);
    return this.drive(live, [...d0.commands], req.who);
  }

  /** Loads a run from storage (replaying its events) to act on it from any process. */
  async load(runIdOrPrefix: string, parse: Parse, secrets: Readonly<Record<string, string | undefined>> = {}): Promise<Live> {
    const rec = await this.d.runs.findRun(runIdOrPrefix);
    const cached = this.live.get(rec.id);
    // A copy loaded without the secrets given now (recover() loads with none) would run and redact without them.
    const hasSecrets = (l: Live): boolean =>
      Object.entries(secrets).every(([k, v]) => v === undefined || l.secrets[k] === v || !String(rec.inputs[k]).startsWith('hmac-sha256:'));
    if (cached && cached.seq === rec.eventCount && hasSecrets(cached)) return cached;
    const live = await loadLive(this.d.runs, rec, parse, secrets);
    this.live.set(rec.id, live);
    return live;
  }

  /**
   * Marks runs whose driver died as interrupted: a step that had started becomes `unknown`, never
   * `running`. Runs waiting for approval stay waiting. Returns the ids it interrupted.
   */
  recover(parse: Parse): Promise<string[]> {
    return recoverRuns(this.c, (id) => this.load(id, parse));
  }

  /** The process group of the run's step of unknown outcome, if it still runs from a driver that stopped. */
  async orphanOf(runIdOrPrefix: string, parse: Parse): Promise<Orphan | undefined> {
    return liveOrphan(this.d.runs, await this.load(runIdOrPrefix, parse));
  }

  /** An operator's decision on a run; then drives it on from this process. */
  async act(
    runIdOrPrefix: string,
    action: OperatorAction,
    who: Who,
    parse: Parse,
    secrets: Readonly<Record<string, string | undefined>> = {},
  ): Promise<RunOutcome> {
    return withSecrets(Object.values(secrets), () => this.actHeld(runIdOrPrefix, action, who, parse, secrets));
  }

  private async actHeld(
    runIdOrPrefix: string,
    action: OperatorAction,
    who: Who,
    parse: Parse,
    secrets: Readonly<Record<string, string | undefined>>,
  ): Promise<RunOutcome> {
    await this.recover(parse);
    if (action.type === 'orphan') return this.decideOrphan(runIdOrPrefix, action, who, parse);
    const live = await this.load(runIdOrPrefix, parse, secrets);
    const runId = live.rec.id;
    await this.c.lease(runId);
    let commands: RunCommand[];
    try {
      const m = live.model;
      const cur = (m.phase === 'main' ? m.steps : m.rollback)[m.cursor];
      const actor = who.actor.id;
      const eventAt = (at: string): RunEvent => {
        switch (action.type) {
          case 'approve':
          case 'reject':
            if (action.comment.trim() === '') throw new RuntimeError('INPUT_INVALID', '--comment is required: say what you checked');
            return {
              type: action.type === 'approve' ? 'approval.granted' : 'approval.rejected',
              at,
              stepId: action.stepId ?? cur?.id ?? '',
              actor,
              roles: who.roles,
              comment: live.redactor.redact(action.comment),
            };
          case 'resume':
            return { type: 'operator.resume', at, actor };
          case 'retry':
            return { type: 'operator.retry', at, actor };
          case 'skip':
            return { type: 'operator.skip', at, actor, reason: live.redactor.redact(action.reason) };
          case 'abort':
            return { type: 'operator.abort', at, actor, reason: live.redactor.redact(action.reason) };
        }
      };
      let ev = eventAt(this.c.now());
      if (action.type === 'retry' || action.type === 'skip') {
        // Nothing starts beside a step still running from a driver that stopped. (The machine refuses
        // a resume past an unknown step by itself.)
        const valid = decide(live.model, ev);
        if (!valid.ok) throw new EngineError(valid.code, valid.message);
        const orphan = await liveOrphan(this.d.runs, live);
        if (orphan && !action.killOrphan) throw orphanError(runId, orphan, action.type);
        if (orphan) {
          await this.recordOrphan(live, 'kill', orphan.process.pgid, who, () => killOrphan(runId, orphan));
          ev = eventAt(this.c.now());
        }
      }
      commands = await this.c.apply(live, ev);
      await this.d.ledger.append(operatorEntry(runId, action.type, ev, who, cur, live.seq - 1));
    } catch (e) {
      await this.d.runs.releaseLease(runId);
      throw e;
    }
    return this.drive(live, commands, who, true);
  }

  /**
   * `wait`: until the group is gone (no lease is held meanwhile), then records that it ended on its
   * own. `kill`: records the decision, then ends the group. The step stays `unknown` either way.
   */
  private async decideOrphan(runIdOrPrefix: string, action: OrphanAction, who: Who, parse: Parse): Promise<RunOutcome> {
    let live = await this.load(runIdOrPrefix, parse);
    const runId = live.rec.id;
    const recorded = await recordedGroup(this.d.runs, live);
    if (!recorded) throw new EngineError('INVALID_TRANSITION', `run ${runId} has no step of unknown outcome with a recorded process group`);
    if (action.decision === 'kill' && !(await liveOrphan(this.d.runs, live))) {
      throw new EngineError(
        'INVALID_TRANSITION',
        `run ${runId}: process group ${recorded.process.pgid} of step ${recorded.step.id} is not running: nothing to end; retry or skip the step`,
      );
    }
    if (action.decision === 'wait') {
      await waitOrphan(recorded);
      live = await this.load(runId, parse);
    }
    await this.c.lease(runId);
    try {
      await this.recordOrphan(live, action.decision, recorded.process.pgid, who, action.decision === 'kill' ? () => killOrphan(runId, recorded) : undefined);
    } finally {
      await this.d.runs.releaseLease(runId);
    }
    return { runId, model: live.model };
  }

  /** The decision is stored (run event, then ledger) before it is acted on, like every other. */
  private async recordOrphan(live: Live, decision: 'kill' | 'wait', pgid: number, who: Who, act?: () => Promise<void>): Promise<void> {
    const m = live.model;
    const cur = (m.phase === 'main' ? m.steps : m.rollback)[m.cursor];
    const ev: RunEvent = { type: 'operator.orphan', at: this.c.now(), actor: who.actor.id, stepId: cur?.id ?? '', decision, pgid };
    await this.c.apply(live, ev);
    await this.d.ledger.append(operatorEntry(live.rec.id, 'orphan', ev, who, cur, live.seq - 1));
    await act?.();
  }

  private async drive(live: Live, commands: RunCommand[], who: Who, leased = false): Promise<RunOutcome> {
    const c = this.c;
    const runId = live.rec.id;
    if (!leased) await c.lease(runId);
    const stopHeartbeat = c.heartbeat(runId);
    try {
      while (commands.length > 0) {
        const cmd = commands.shift()!;
        if (cmd.type === 'finish_run') {
          await c.flushEvents(live);
          await c.ledgerNow(live, runFinishedEntry(runId, cmd, live.runbook, live.redactor));
          break;
        }
        if (cmd.type === 'await_approval') {
          await c.flushEvents(live);
          await c.ledgerNow(live, approvalRequestedEntry(runId, cmd));
          break;
        }
        if (cmd.delayMs > 0) {
          // Nothing waits in memory: the failed attempt is stored before the backoff.
          await c.flushLedger(live);
          await new Promise((r) => setTimeout(r, cmd.delayMs));
        }
        if (remainingMs(live, c.clock().getTime()) <= 0) {
          commands.push(...(await c.apply(live, { type: 'run.timed_out', at: c.now() })));
          continue;
        }
        commands.push(...(await this.steps.run(live, cmd, who)));
      }
      await c.flushLedger(live);
    } catch (e) {
      // A step's result applied but not stored yet is stored if the store still takes it.
      await c.flushEvents(live).catch(() => undefined);
      throw e;
    } finally {
      stopHeartbeat();
      await this.d.runs.releaseLease(runId);
    }
    return { runId, model: live.model };
  }
}

export type { Parse };

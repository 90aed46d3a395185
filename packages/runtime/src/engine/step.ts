// One step: the kill switch and policy first, then its intent (run event, then ledger), then the
// step itself through an adapter, then its result (run event with the output, stored with the next
// event; the ledger entry joins the next ledger commit). A shell step's process group is recorded in its started event before it runs.
import {
  decideCommand,
  envForStep,
  renderProbe,
  renderTemplate,
  type PolicyDecision,
  type ProbeResult,
  type RunCommand,
  type RunEvent,
  type Step,
  type StepProcess,
  type TemplateContext,
} from '@runledger/core';
import type { StepOutput } from '@runledger/store';
import { EngineError } from '../errors.js';
import type { ExecResult } from './adapters.js';
import type { RunContext } from './context.js';
import { stepFinishedEntry, stepStartedEntry } from './drafts.js';
import { keep } from './executor.js';
import { remainingMs, templateContext, type Live } from './live.js';
import type { Who } from './types.js';

const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;

type StartStep = Extract<RunCommand, { type: 'start_step' }>;

export class StepRunner {
  constructor(private readonly c: RunContext) {}

  async run(live: Live, cmd: StartStep, who: Who): Promise<RunCommand[]> {
    const c = this.c;
    const runId = live.rec.id;
    const step = (cmd.phase === 'main' ? live.runbook.steps : live.runbook.rollback).find((s) => s.id === cmd.stepId);
    if (!step) throw new EngineError('RUN_CORRUPT', `run ${runId}: no step ${cmd.stepId} in the runbook`);

    // The kill switch: no new step starts anywhere while frozen.
    const freeze = await c.d.runs.getFreeze();
    if (freeze) {
      const decision: PolicyDecision = { effect: 'deny', by: 'kill-switch', reason: `automation is frozen by ${freeze.by}: ${freeze.reason}` };
      await c.flushLedger(live);
      await c.recordDecision(runId, who.actor, decision, live.runbook.id, live.model.environment, step.id);
      return c.apply(live, { type: 'run.interrupted', at: c.now(), reason: `frozen: ${freeze.reason}` });
    }
    const ctx = templateContext(runId, live.model.environment, live.inputs, live.secrets, live.outputs);
    const command = effectiveCommand(step, ctx);
    const shown = effectiveCommand(step, ctx, true);
    let allowed: PolicyDecision | undefined;
    if (command !== undefined) {
      const decision = decideCommand(c.d.policy, live.runbook.forbid, command);
      allowed = decision;
      if (decision.effect === 'deny') {
        await c.flushLedger(live);
        await c.recordDecision(runId, who.actor, decision, live.runbook.id, live.model.environment, step.id, shown);
        return c.apply(live, { type: 'step.denied', at: c.now(), phase: cmd.phase, stepId: step.id, reason: decision.reason });
      }
    }
    // Intent first: the event (so a crash from here on leaves the step `unknown`), then the ledger
    // entry, durable before the step runs (the previous step's result joins this commit).
    let begun = false;
    const begin = async (process?: StepProcess): Promise<void> => {
      begun = true;
      const started: Extract<RunEvent, { type: 'step.started' }> = {
        type: 'step.started',
        at: c.now(),
        phase: cmd.phase,
        stepId: step.id,
        attempt: cmd.attempt,
        ...(process ? { process } : {}),
      };
      await c.apply(live, started);
      await c.ledgerNow(live, stepStartedEntry(runId, live.rec.requester, started, step.kind, shown, allowed));
    };
    let r: ExecResult;
    if (step.kind === 'sh') {
      // The shell is held until `begin` has stored its group; a failure there is the step's failure to start.
      const failed: unknown[] = [];
      r = await this.execute(live, step, ctx, (p) =>
        begin(p).catch((e: unknown) => {
          failed.push(e);
          throw e;
        }),
      );
      if (failed.length > 0) throw failed[0];
      if (!begun) await begin();
    } else {
      await begin();
      r = await this.execute(live, step, ctx);
    }
    const outputs: StepOutput[] = [
      {
        phase: cmd.phase,
        stepId: step.id,
        attempt: cmd.attempt,
        stream: 'stdout',
        data: Buffer.from(r.stdout, 'utf8'),
        bytesTotal: r.stdoutBytes,
        truncated: r.stdoutBytes > Buffer.byteLength(r.stdout),
        sha256: r.stdoutSha256,
      },
      {
        phase: cmd.phase,
        stepId: step.id,
        attempt: cmd.attempt,
        stream: 'stderr',
        data: Buffer.from(r.stderr, 'utf8'),
        bytesTotal: r.stderrBytes,
        truncated: r.stderrBytes > Buffer.byteLength(r.stderr),
        sha256: r.stderrSha256,
      },
    ];
    if (step.capture && r.ok) live.outputs.set(step.id, r.stdout.trimEnd());
    const finished: Extract<RunEvent, { type: 'step.finished' }> = {
      type: 'step.finished',
      at: c.now(),
      phase: cmd.phase,
      stepId: step.id,
      attempt: cmd.attempt,
      ok: r.ok,
      durationMs: Math.round(r.durationMs),
      timedOut: r.timedOut,
      detail: live.redactor.redact(r.detail),
      ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
    };
    // The result (with the output) is stored in the next event's transaction (the next step's start,
    // or the flush before the run waits or ends), and its ledger entry in the commit after that, with
    // the next intent: two durable commits per step. A crash after the event is stored but before its
    // entry is repaired on recovery (backfill); one before the event is stored leaves the step unknown.
    return c.defer(live, finished, outputs, stepFinishedEntry(runId, live.rec.requester, finished, outputs));
  }

  private async execute(live: Live, step: Step, ctx: TemplateContext, onSpawn?: (p: StepProcess) => Promise<void>): Promise<ExecResult> {
    const { d, cap } = this.c;
    // A step never outlives the run's overall timeout.
    const timeoutMs = Math.max(1, Math.min(step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS, remainingMs(live, this.c.clock().getTime())));
    const ac = new AbortController();
    // Steps get a minimal base environment plus the RL_* variables: never the runner's own settings.
    const env = { ...envForStep(ctx), RL_ACTOR: live.model.requester };
    const redactor = live.redactor;
    const onOutput = (stream: 'stdout' | 'stderr', chunk: string): void => d.observer?.onOutput?.(live.rec.id, step.id, stream, chunk);
    const t0 = performance.now();
    const fromProbe = (r: ProbeResult, ok = r.ok, detail = r.detail, timedOut = false): ExecResult => {
      const out = keep(`${r.detail}\n`, redactor, cap);
      const none = keep('', redactor, cap);
      return {
        ok,
        timedOut,
        durationMs: performance.now() - t0,
        detail: redactor.redact(detail),
        stdout: out.text,
        stderr: '',
        stdoutSha256: out.sha256,
        stderrSha256: none.sha256,
        stdoutBytes: out.bytes,
        stderrBytes: 0,
        truncated: false,
      };
    };
    switch (step.kind) {
      case 'sh':
        return d.exec.shell({
          script: renderTemplate(step.script, ctx, 'shell'),
          env,
          cwd: d.cwd,
          timeoutMs,
          signal: ac.signal,
          onOutput,
          redactor,
          maxOutputBytes: cap,
          keepChildren: step.keepChildren === true,
          ...(onSpawn ? { onSpawn } : {}),
        });
      case 'http':
        return d.exec.http({
          method: step.method,
          url: renderTemplate(step.url, ctx, 'url'),
          headers: Object.fromEntries(Object.entries(step.headers).map(([k, v]) => [k, renderTemplate(v, ctx, 'text')])),
          ...(step.requestBody !== undefined ? { body: renderTemplate(step.requestBody, ctx, 'text') } : {}),
          ...(step.expectStatus ? { expectStatus: step.expectStatus } : {}),
          ...(step.expectBodyContains !== undefined ? { expectBodyContains: step.expectBodyContains } : {}),
          timeoutMs,
          signal: ac.signal,
          redactor,
          maxOutputBytes: cap,
        });
      case 'check': {
        const r = await d.exec.probe({ spec: renderProbe(step.probe, ctx), signal: ac.signal, redactor, env, cwd: d.cwd });
        onOutput('stdout', `${r.detail}\n`);
        return fromProbe(r);
      }
      case 'wait': {
        const deadline = performance.now() + timeoutMs;
        let polls = 0;
        for (;;) {
          const r = await d.exec.probe({ spec: renderProbe(step.probe, ctx), signal: ac.signal, redactor, env, cwd: d.cwd });
          polls++;
          onOutput('stdout', `${r.detail}\n`);
          if (r.ok) return fromProbe(r, true, `${r.detail} (after ${polls} poll${polls === 1 ? '' : 's'})`);
          if (performance.now() + step.intervalMs > deadline)
            return fromProbe(r, false, `still failing after ${(timeoutMs / 1000).toFixed(1)}s: ${r.detail}`, true);
          await new Promise((res) => setTimeout(res, step.intervalMs));
        }
      }
      case 'approve':
        throw new EngineError('RUN_CORRUPT', 'approve steps are not executed');
    }
  }
}

/**
 * The text policy checks for a step: what will actually run, with input values in place. With
 * `mask`, secrets are masked: that form is the one digested into the ledger (a digest of text that
 * holds a secret would let anyone test guesses at it).
 */
function effectiveCommand(step: Step, ctx: TemplateContext, mask = false): string | undefined {
  const t = (x: string): string => renderTemplate(x, ctx, 'text', { mask });
  if (step.kind === 'sh') return t(step.script);
  if ((step.kind === 'check' || step.kind === 'wait') && step.probe.kind === 'command') return t(step.probe.run);
  if (step.kind === 'http') return `${step.method} ${renderTemplate(step.url, ctx, 'url', { mask })}`;
  return undefined;
}

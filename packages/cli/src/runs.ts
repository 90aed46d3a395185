// Runbook and run commands: lint, plan, run, runs, show, approve/reject, resume/retry/skip/abort, freeze.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  actorLabel,
  decideCommand,
  decideStart,
  formatDiagnostic,
  lintRunbook,
  renderTemplate,
  resolveInputs,
  type RunEvent,
  type RunModel,
  type Runbook,
  type StepView,
} from '@runledger/core';
import {
  environmentOrThrow,
  gateTexts,
  openEngine,
  parseOrThrow,
  resolveSecretInputs,
  runbookFiles,
  RuntimeError,
  type EngineContext,
  type LedgerLocation,
  type OperatorAction,
  type Who,
} from '@runledger/runtime';
import type { Io } from './io.js';
import { failureTails, formatTails } from './output.js';
import { promptSecret } from './prompt.js';

/**
 * Exit code of an operator action: the command did what was asked. `abort` that aborted and `reject`
 * that ended the gate exit 0 (the run's own failure is what the operator wanted); otherwise as a run.
 */
export function exitForAction(action: OperatorAction['type'], m: RunModel): number {
  if (action === 'abort' && m.state === 'aborted') return 0;
  if (action === 'reject' && (m.state === 'failed' || m.state === 'rolled_back')) return 0;
  return exitForRun(m);
}

/** CLI exit codes for a run's outcome (docs/errors.md). */
export function exitForRun(m: RunModel): number {
  switch (m.state) {
    case 'succeeded':
      return 0;
    case 'waiting_approval':
      return 4;
    default:
      return m.denied ? 3 : 1;
  }
}

/**
 * The CLI's operator: RUNLEDGER_ACTOR (else the OS user) with RUNLEDGER_ROLES. Both are claims: the CLI
 * is exactly as trusted as the database access it has (README, "Trust model"), so the OS account that
 * ran it is recorded beside the claimed actor.
 */
export function whoFromEnv(env: Readonly<Record<string, string | undefined>>, defaultUser: string): Who {
  const roles = (env.RUNLEDGER_ROLES ?? 'operator,approver')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  return { actor: { kind: 'user', id: env.RUNLEDGER_ACTOR ?? defaultUser }, roles, osUser: osUser() };
}

function osUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

function parseInputs(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new RuntimeError('INPUT_INVALID', `--input ${JSON.stringify(kv)}: expected name=value`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

const ICON: Record<StepView['status'], string> = {
  pending: '·',
  running: '▶',
  waiting_approval: '⏸',
  succeeded: '✓',
  failed: '✗',
  skipped: '↷',
  unknown: '?',
  denied: '⛔',
};

function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** Renders run progress: live status on a terminal, plain lines elsewhere, JSON lines with --json. */
class Progress {
  private timer: NodeJS.Timeout | undefined;
  private current: { id: string; since: number } | undefined;
  private tail = '';
  private frame = 0;
  constructor(
    private readonly io: Io,
    private readonly json: boolean,
  ) {}

  onEvent(runId: string, m: RunModel, e: RunEvent): void {
    if (this.json) {
      this.io.out(`${JSON.stringify({ runId, state: m.state, ...e })}\n`);
      return;
    }
    const all = [...m.steps, ...m.rollback];
    if (e.type === 'run.created') this.line(`run ${runId} started (${m.steps.length} steps${m.rollback.length ? `, ${m.rollback.length} rollback` : ''})`);
    if (e.type === 'step.started') {
      this.current = { id: e.stepId, since: Date.now() };
      this.tail = '';
      if (this.io.tty) this.startSpinner();
      else this.line(`▶ ${e.phase === 'rollback' ? 'rollback ' : ''}${e.stepId}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`);
    }
    if (e.type === 'step.finished' || e.type === 'step.denied') {
      this.stopSpinner();
      const s = all.find((x) => x.id === e.stepId);
      if (s)
        this.line(
          `${ICON[s.status]} ${e.phase === 'rollback' ? 'rollback ' : ''}${s.id} ${fmtMs(s.durationMs)}${s.status === 'succeeded' ? '' : ` — ${s.detail ?? s.status}`}`,
        );
    }
    if (e.type === 'approval.granted') this.line(`✓ ${actorLabel(e.actor)} approved ${e.stepId}: ${e.comment}`);
    if (
      m.state === 'waiting_approval' &&
      (e.type === 'step.finished' || e.type === 'run.created' || e.type === 'approval.granted' || e.type === 'operator.resume' || e.type === 'operator.skip')
    ) {
      const s = all.find((x) => x.status === 'waiting_approval');
      if (s) this.line(`⏸ ${s.id} waits for approval — runledger approve ${runId} --comment "…"`);
    }
    if (e.type === 'run.interrupted') this.line(`interrupted: ${e.reason}`);
  }

  onOutput(text: string): void {
    if (this.json || !this.io.tty) return;
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    if (lines.length > 0) this.tail = lines[lines.length - 1]!.slice(0, 80);
  }

  private line(s: string): void {
    if (this.io.tty) this.io.err('\r\u001b[K');
    this.io.err(`${s}\n`);
  }

  private startSpinner(): void {
    this.stopSpinner();
    this.timer = setInterval(() => {
      if (!this.current) return;
      const f = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'[this.frame++ % 10];
      const secs = ((Date.now() - this.current.since) / 1000).toFixed(1);
      this.io.err(`\r\u001b[K${f} ${this.current.id} ${secs}s ${this.tail ? `│ ${this.tail}` : ''}`);
    }, 100);
    this.timer.unref();
  }

  stopSpinner(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.io.tty) this.io.err('\r\u001b[K');
  }
}

async function summary(io: Io, ctx: EngineContext, runId: string, m: RunModel, json: boolean): Promise<void> {
  const failures = await failureTails(ctx.runs, runId, m);
  if (json) {
    io.out(`${JSON.stringify({ type: 'run.summary', runId, state: m.state, ...(m.reason ? { reason: m.reason } : {}), failures })}\n`);
    return;
  }
  const why = m.reason ? `: ${m.reason}` : '';
  io.out(`run ${runId} ${m.state}${why}\n`);
  if (failures.length > 0) io.err(formatTails(runId, failures));
}

/** The text of the gate a run waits at (what the approver is asked), indented; none when it waits at none. */
async function waitingGate(ctx: EngineContext, runId: string, m: RunModel): Promise<string | undefined> {
  const s = (m.phase === 'rollback' ? m.rollback : m.steps).find((x) => x.status === 'waiting_approval');
  const rec = s && (await ctx.runs.getRun(runId));
  if (!s || !rec) return undefined;
  const g = (await gateTexts(rec, (id, step) => ctx.runs.outputs(id, step))).find((x) => x.step === s.id && x.phase === s.phase);
  return g && `${s.id} asks:\n${indent(g.text)}`;
}

function indent(text: string): string {
  return `${text
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}\n`;
}

async function withEngine<T>(loc: LedgerLocation, io: Io, progress: Progress | undefined, fn: (ctx: EngineContext) => Promise<T>): Promise<T> {
  const ctx = await openEngine(loc, {
    cwd: io.cwd,
    ...(progress ? { observer: { onEvent: (id, m, e) => progress.onEvent(id, m, e), onOutput: (_id, _step, _stream, text) => progress.onOutput(text) } } : {}),
  });
  try {
    return await fn(ctx);
  } finally {
    progress?.stopSpinner();
    await ctx.close();
  }
}

export function registerRunCommands(program: Command, io: Io, location: () => LedgerLocation, defaultUser: () => string): void {
  program
    .command('lint')
    .description('check runbooks (a file or a folder of .md files); errors as file:line:col')
    .argument('<path>')
    .action((path: string) => {
      let errors = 0;
      let warnings = 0;
      const files = runbookFiles(resolve(io.cwd, path));
      for (const f of files) {
        const shown = relative(io.cwd, f) || f;
        for (const d of lintRunbook(readFileSync(f, 'utf8'), shown)) {
          io.out(`${formatDiagnostic(d)}\n`);
          if (d.severity === 'error') errors++;
          else warnings++;
        }
      }
      io.err(
        `${files.length} runbook${files.length === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`,
      );
      if (errors > 0) throw new RuntimeError('RUNBOOK_INVALID', 'lint found errors');
    });

  program
    .command('plan')
    .description('show the resolved steps and policy verdicts; nothing is executed')
    .argument('<file>')
    .option('--input <k=v>', 'an input value (repeatable); secrets come from their env/file, never from here', collect, [])
    .option('--env <name>', 'target environment; required when the runbook declares several (one: that one; none: "default")')
    .action(async (file: string, o: { input: string[]; env?: string }) => {
      const path = resolve(io.cwd, file);
      const source = readFileSync(path, 'utf8');
      const rb = parseOrThrow(source, file);
      const envName = environmentOrThrow(rb, o.env);
      const secrets = await resolveSecretInputs(rb, io.env);
      const r = resolveInputs(rb, parseInputs(o.input), secrets);
      if (!r.ok) throw new RuntimeError('INPUT_INVALID', r.diagnostics.map(formatDiagnostic).join('\n'));
      await withEngine(location(), io, undefined, async (ctx) => {
        const who = whoFromEnv(io.env, defaultUser());
        const freeze = await ctx.runs.getFreeze();
        const start = decideStart(ctx.policy, {
          runbook: rb.id,
          environment: envName,
          roles: who.roles,
          now: new Date().toISOString(),
          ...(freeze ? { frozen: { reason: freeze.reason, by: freeze.by } } : {}),
        });
        io.out(
          `${rb.title} (${rb.id}) — sha256 ${rb.contentHash.slice(0, 16)}…\nenvironment ${envName}; start: ${start.effect.toUpperCase()} (${start.by}: ${start.reason})\n`,
        );
        const values: Record<string, string | number | boolean> = { ...r.values };
        for (const n of r.secretNames) values[n] = secrets[n] ?? '';
        const tctx = { inputs: values, secretNames: r.secretNames, env: envName, runId: '(planned)' };
        printPlan(
          io,
          rb,
          (text) => renderTemplate(text, tctx, 'text', { mask: true }),
          (cmd) => decideCommand(ctx.policy, rb.forbid, cmd),
          (text) => renderTemplate(text, tctx, 'text'),
        );
      });
    });

  program
    .command('run')
    .description('run a runbook; exit 0 succeeded, 1 failed or rolled back, 2 invalid, 3 denied, 4 waiting for approval')
    .argument('<file>')
    .option('--input <k=v>', 'an input value (repeatable)', collect, [])
    .option('--env <name>', 'target environment; required when the runbook declares several (one: that one; none: "default")')
    .option('--json', 'one JSON event a line on stdout')
    .action(async (file: string, o: { input: string[]; env?: string; json?: boolean }) => {
      const path = resolve(io.cwd, file);
      const source = readFileSync(path, 'utf8');
      const rb = parseOrThrow(source, file);
      const secrets = await resolveSecretInputs(rb, io.env, io.tty ? promptSecret : undefined);
      const progress = new Progress(io, o.json === true);
      const environment = environmentOrThrow(rb, o.env);
      const out = await withEngine(location(), io, progress, async (ctx) => {
        const r = await ctx.engine.start({ runbook: rb, source, inputs: parseInputs(o.input), secrets, environment, who: whoFromEnv(io.env, defaultUser()) });
        await summary(io, ctx, r.runId, r.model, o.json === true);
        const gate = o.json ? undefined : await waitingGate(ctx, r.runId, r.model);
        if (gate) io.out(gate);
        return r;
      });
      setExit(exitForRun(out.model));
    });

  program
    .command('runs')
    .description('list runs, newest first')
    .option('--state <state>', 'only runs in this state')
    .option('--limit <n>', 'at most this many', '20')
    .option('--json', 'JSON lines')
    .action(async (o: { state?: string; limit: string; json?: boolean }) => {
      await withEngine(location(), io, undefined, async (ctx) => {
        await ctx.engine.recover(parseOrThrow);
        const rows = await ctx.runs.listRuns({ ...(o.state ? { state: o.state } : {}), limit: Number(o.limit) || 20 });
        if (o.json) {
          for (const r of rows)
            io.out(
              `${JSON.stringify({ id: r.id, runbook: r.runbookId, state: r.state, environment: r.environment, requester: r.requester, createdAt: r.createdAt, reason: r.reason })}\n`,
            );
          return;
        }
        if (rows.length === 0) {
          io.out('no runs yet — start one with: runledger run examples/runbooks/release-smoke.md\n');
          return;
        }
        for (const r of rows)
          io.out(
            `${r.id}  ${r.state.padEnd(17)} ${r.runbookId.padEnd(22)} ${r.environment.padEnd(10)} ${r.requester.padEnd(12)} ${r.createdAt}${r.reason ? `  ${r.reason}` : ''}\n`,
          );
      });
    });

  program
    .command('show')
    .description('one run: steps, status, durations, approvals')
    .argument('<run>', 'run id or a unique prefix')
    .option('--json', 'as JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      await withEngine(location(), io, undefined, async (ctx) => {
        await ctx.engine.recover(parseOrThrow);
        const live = await ctx.engine.load(id, parseOrThrow);
        const m = live.model;
        const failures = await failureTails(ctx.runs, live.rec.id, m);
        const gates = await gateTexts(live.rec, (rid, step) => ctx.runs.outputs(rid, step), live.runbook);
        if (o.json) {
          io.out(
            `${JSON.stringify({ id: live.rec.id, runbook: { id: live.rec.runbookId, sha256: live.rec.runbookHash, file: live.rec.file }, inputs: live.rec.inputs, ...m, failures, gates })}\n`,
          );
          return;
        }
        io.out(`run ${live.rec.id}: ${live.rec.runbookTitle} (${live.rec.runbookId}, sha256 ${live.rec.runbookHash.slice(0, 16)}…)\n`);
        io.out(`state ${m.state}${m.reason ? ` — ${m.reason}` : ''}\nenvironment ${m.environment}, requested by ${m.requester} at ${m.createdAt}\n\n`);
        const rows = [...m.steps, ...m.rollback];
        for (const s of rows) {
          io.out(
            `${ICON[s.status]} ${(s.phase === 'rollback' ? `rollback/${s.id}` : s.id).padEnd(28)} ${s.status.padEnd(17)} ${fmtMs(s.durationMs).padStart(7)}  ${s.detail ?? ''}\n`,
          );
          const gate = gates.find((g) => g.step === s.id && g.phase === s.phase);
          if (gate) io.out(indent(gate.text));
          for (const a of s.approvals) io.out(`    approved by ${actorLabel(a.actor)} at ${a.at}: ${a.comment}\n`);
        }
        if (failures.length > 0) io.out(formatTails(live.rec.id, failures));
        if (m.state === 'waiting_approval') io.out(`\nnext: runledger approve ${live.rec.id} --comment "…"  (or reject)\n`);
        const orphan = m.state === 'interrupted' ? await ctx.engine.orphanOf(live.rec.id, parseOrThrow) : undefined;
        if (orphan)
          io.out(
            `\nstep ${orphan.step.id} still runs from a driver that stopped: process group ${orphan.process.pgid} since ${orphan.since}\nnext: runledger orphan ${live.rec.id} --wait|--kill, or runledger retry|skip ${live.rec.id} --kill-orphan\n`,
          );
        else if (m.state === 'interrupted') io.out(`\nnext: runledger resume|retry|skip|abort ${live.rec.id}\n`);
      });
    });

  const operator = (name: Exclude<OperatorAction['type'], 'orphan'>, description: string, needs: 'comment' | 'reason' | 'none'): void => {
    const c = program.command(name).description(description).argument('<run>', 'run id or a unique prefix').option('--json', 'one JSON event a line');
    if (name === 'approve' || name === 'reject') c.option('--step <id>', 'the gate (default: the one the run waits at)');
    if (needs === 'comment') c.requiredOption('--comment <text>', 'required: what you checked');
    if (needs === 'reason') c.requiredOption('--reason <text>', 'required: why');
    if (name === 'retry' || name === 'skip')
      c.option('--kill-orphan', "first end the step's process group if it still runs from a driver that stopped (recorded)");
    c.action(async (id: string, o: { step?: string; comment?: string; reason?: string; json?: boolean; killOrphan?: boolean }) => {
      const kill = o.killOrphan ? { killOrphan: true } : {};
      const action: OperatorAction =
        name === 'approve' || name === 'reject'
          ? { type: name, comment: o.comment ?? '', ...(o.step ? { stepId: o.step } : {}) }
          : name === 'skip'
            ? { type: name, reason: o.reason ?? '', ...kill }
            : name === 'abort'
              ? { type: name, reason: o.reason ?? '' }
              : name === 'retry'
                ? { type: name, ...kill }
                : { type: name };
      const progress = new Progress(io, o.json === true);
      const out = await withEngine(location(), io, progress, async (ctx) => {
        const rec = await ctx.runs.findRun(id);
        const rb = parseOrThrow(rec.source, rec.file);
        const secrets = await resolveSecretInputs(rb, io.env);
        const r = await ctx.engine.act(id, action, whoFromEnv(io.env, defaultUser()), parseOrThrow, secrets);
        await summary(io, ctx, r.runId, r.model, o.json === true);
        return r;
      });
      setExit(exitForAction(name, out.model));
    });
  };
  operator('approve', 'approve the gate a run waits at, then drive the run on', 'comment');
  operator('reject', 'reject the gate a run waits at (the run fails and rolls back)', 'comment');
  operator('resume', 'resume an interrupted run', 'none');
  operator('retry', 'run the current step of an interrupted run again', 'none');
  operator('skip', 'mark the current step of an interrupted run skipped and go on', 'reason');
  operator('abort', 'stop a run now (no rollback)', 'reason');

  program
    .command('orphan')
    .description(
      'decide on the process group of a step whose driver stopped while it still runs: --wait until it ends, or --kill it; the step stays unknown (retry or skip it next)',
    )
    .argument('<run>', 'run id or a unique prefix')
    .option('--wait', 'wait until the group has ended by itself')
    .option('--kill', 'end the group: SIGTERM, then SIGKILL')
    .action(async (id: string, o: { wait?: boolean; kill?: boolean }) => {
      if (o.wait === o.kill) throw new RuntimeError('USAGE', 'orphan: give exactly one of --wait and --kill');
      const out = await withEngine(location(), io, undefined, async (ctx) => {
        const r = await ctx.engine.act(id, { type: 'orphan', decision: o.kill ? 'kill' : 'wait' }, whoFromEnv(io.env, defaultUser()), parseOrThrow);
        await summary(io, ctx, r.runId, r.model, false);
        return r;
      });
      setExit(exitForRun(out.model));
    });

  program
    .command('freeze')
    .description('the kill switch: while frozen no new step starts anywhere')
    .argument('<on|off|status>')
    .option('--reason <text>', 'required for on and off')
    .action(async (what: string, o: { reason?: string }) => {
      if (!['on', 'off', 'status'].includes(what)) throw new RuntimeError('USAGE', `freeze ${what}: expected on, off or status`);
      await withEngine(location(), io, undefined, async (ctx) => {
        if (what === 'status') {
          const f = await ctx.runs.getFreeze();
          io.out(f ? `frozen since ${f.at} by ${f.by}: ${f.reason}\n` : 'not frozen\n');
          return;
        }
        if (!o.reason?.trim()) throw new RuntimeError('USAGE', `freeze ${what} needs --reason`);
        const who = whoFromEnv(io.env, defaultUser());
        const at = new Date().toISOString();
        await ctx.runs.setFreeze({ frozen: what === 'on', reason: o.reason, by: who.actor.id, at });
        const r = await ctx.ledger.writer!.append({
          type: 'automation.freeze',
          actor: who.actor,
          subject: { kind: 'automation', id: 'kill-switch' },
          data: { frozen: what === 'on', reason: o.reason },
        });
        io.out(`${what === 'on' ? 'frozen: no new step starts anywhere' : 'unfrozen'} (ledger entry ${r.seq})\n`);
      });
    });
}

function printPlan(
  io: Io,
  rb: Runbook,
  show: (text: string) => string,
  check: (cmd: string) => { effect: string; reason: string },
  raw: (text: string) => string,
): void {
  const steps = [...rb.steps.map((s) => ['', s] as const), ...rb.rollback.map((s) => ['rollback/', s] as const)];
  for (const [prefix, s] of steps) {
    const body = s.kind === 'sh' ? s.script : s.kind === 'http' ? `${s.method} ${s.url}` : s.kind === 'approve' ? s.text : JSON.stringify(s.probe);
    const cmd =
      s.kind === 'sh'
        ? raw(s.script)
        : s.kind === 'http'
          ? `${s.method} ${raw(s.url)}`
          : (s.kind === 'check' || s.kind === 'wait') && s.probe.kind === 'command'
            ? raw(s.probe.run)
            : undefined;
    const verdict =
      cmd === undefined
        ? ''
        : (() => {
            const d = check(cmd);
            return d.effect === 'deny' ? `  DENY: ${d.reason}` : '  allow';
          })();
    io.out(
      `\n${prefix}${s.id} [${s.kind}]${s.timeoutMs ? ` timeout ${s.timeoutMs}ms` : ''}${s.retries ? ` retries ${s.retries}` : ''}${s.onFail === 'continue' ? ' on-fail continue' : ''}${verdict}\n`,
    );
    for (const l of show(body).trimEnd().split('\n')) io.out(`    ${l}\n`);
  }
}

let pendingExit = 0;
function setExit(code: number): void {
  pendingExit = code;
}
/** The exit code the last run command asked for (main() reads it). */
export function takeRunExit(): number {
  const c = pendingExit;
  pendingExit = 0;
  return c;
}

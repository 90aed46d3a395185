// `runledger logs RUN [STEP] [--follow]`: a run's stored step output, in step order.
import type { Command } from 'commander';
import { TERMINAL_STATES, type RunState } from '@runledger/core';
import { openEngine, RuntimeError, type LedgerLocation } from '@runledger/runtime';
import type { RunStore, StepOutput } from '@runledger/store';
import type { Io } from './io.js';
import { outputKey } from './output.js';

/** States after which no more output can appear without an operator's action. */
const STOPS: readonly RunState[] = [...TERMINAL_STATES, 'waiting_approval', 'interrupted'];

function header(o: StepOutput): string {
  const name = `${o.phase === 'rollback' ? 'rollback/' : ''}${o.stepId}`;
  const size = o.truncated ? `, ${o.bytesTotal} bytes, capped when stored` : '';
  return `── ${name} · attempt ${o.attempt} · ${o.stream}${size} ──\n`;
}

/** Output blocks in the order the steps ran (stored rows come sorted by name), stdout before stderr. */
function inRunOrder(rows: readonly StepOutput[], started: readonly string[]): StepOutput[] {
  const rank = (o: StepOutput) => {
    const i = started.indexOf(`${o.phase}/${o.stepId}/${o.attempt}`);
    return i < 0 ? started.length : i;
  };
  return [...rows].sort((a, b) => rank(a) - rank(b) || (a.stream === b.stream ? 0 : a.stream === 'stdout' ? -1 : 1));
}

async function startOrder(runs: RunStore, runId: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await runs.events(runId)) {
    const ev = e.event as { type?: string; phase?: string; stepId?: string; attempt?: number };
    if (ev.type === 'step.started') out.push(`${ev.phase ?? 'main'}/${ev.stepId}/${ev.attempt ?? 1}`);
  }
  return out;
}

function print(io: Io, rows: readonly StepOutput[], seen: Set<string>, json: boolean): void {
  for (const o of rows) {
    const key = outputKey(o);
    if (seen.has(key)) continue;
    seen.add(key);
    if (json) {
      io.out(
        `${JSON.stringify({ step: o.stepId, phase: o.phase, attempt: o.attempt, stream: o.stream, bytesTotal: o.bytesTotal, truncated: o.truncated, sha256: o.sha256, text: o.data.toString('utf8') })}\n`,
      );
      continue;
    }
    if (o.data.length === 0) continue;
    const text = o.data.toString('utf8');
    io.out(header(o) + text + (text.endsWith('\n') ? '' : '\n'));
  }
}

export function registerLogsCommand(
  program: Command,
  io: Io,
  location: () => LedgerLocation,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): void {
  program
    .command('logs')
    .description("a run's step output (stored redacted); --follow prints each step's output as it finishes")
    .argument('<run>', 'run id or a unique prefix')
    .argument('[step]', 'only this step')
    .option('--follow', 'keep printing until the run finishes or stops at a gate')
    .option('--json', 'one JSON object per output block')
    .action(async (id: string, step: string | undefined, o: { follow?: boolean; json?: boolean }) => {
      const ctx = await openEngine(location(), { cwd: io.cwd });
      try {
        const rec = await ctx.runs.findRun(id);
        const seen = new Set<string>();
        let announced = '';
        for (;;) {
          const run = await ctx.runs.getRun(rec.id);
          const rows = await ctx.runs.outputs(rec.id, step);
          if (step && !o.follow && rows.length === 0) {
            const known = (await ctx.runs.outputs(rec.id)).map((r) => r.stepId);
            if (!known.includes(step))
              throw new RuntimeError(
                'INPUT_INVALID',
                `run ${rec.id} has no output for step ${JSON.stringify(step)}${known.length ? ` (steps with output: ${[...new Set(known)].join(', ')})` : ''}`,
              );
          }
          print(io, inRunOrder(rows, await startOrder(ctx.runs, rec.id)), seen, o.json === true);
          const state = (run?.state ?? rec.state) as RunState;
          if (!o.follow || STOPS.includes(state)) {
            if (o.follow && !o.json) io.err(`run ${rec.id} is ${state}\n`);
            return;
          }
          if (!(await ctx.runs.leaseAlive(rec.id))) {
            // Nobody drives it (its driver died): no output will come until someone resumes it.
            if (!o.json) io.err(`run ${rec.id} is ${state} but no process drives it; see runledger show ${rec.id}\n`);
            return;
          }
          if (!o.json && io.tty && announced !== state) {
            announced = state;
            io.err(`run ${rec.id} is ${state}; waiting for output (Ctrl-C stops following, not the run)\n`);
          }
          await sleep(500);
        }
      } finally {
        await ctx.close();
      }
    });
}

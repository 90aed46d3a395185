// Chaos kill-run: `runledger run` in a child process on a small runbook, SIGKILLed while its `slow`
// step sleeps. Then, as after any crash: the run must be recorded (not lost), recovery marks it
// interrupted with the step `unknown`, the step's process group that outlived its driver is found and
// ended, a retry finishes the run, the step that had finished before the kill did not run again, each
// step attempt is in the ledger once, and the ledger verifies in full. RTO: kill to the run succeeded.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DrillCheck } from '@runledger/core';
import { RunStore } from '@runledger/store';
import { Engine } from '../../engine/engine.js';
import { realExecutor } from '../../engine/executor.js';
import { loadPolicy, parseOrThrow } from '../../engine/open.js';
import { RuntimeError } from '../../errors.js';
import { requestTagged } from '../../request-context.js';
import { identityAlive } from '../../shell/process-group.js';
import type { DrillOutcome, DrillRunContext } from '../kind.js';
import { ledgerVerifiesCheck } from './verify.js';

const RUNBOOK_ID = 'drill-chaos-kill-run';
const REACH_SLOW_MS = 60_000;
const OUTPUT_CAP = 64 * 1024;

function runbookText(drill: string): string {
  return `---
id: ${RUNBOOK_ID}
title: Chaos drill — a run killed mid-step
description: Written by chaos drill ${drill}. Its driver is SIGKILLed while slow sleeps; a retry finishes it.
inputs:
  marks:
    type: string
    description: the directory where each step records that it ran
---

# Chaos drill: a run killed mid-step

## Procedure

\`\`\`sh {#first}
echo "$$" >> "$RL_INPUT_MARKS/first"
\`\`\`

The first attempt sleeps until its driver is killed; the retry finds its own earlier mark and ends at once.

\`\`\`sh {#slow timeout=10m}
echo "$$" >> "$RL_INPUT_MARKS/slow"
if [ "$(wc -l < "$RL_INPUT_MARKS/slow")" -ge 2 ]; then exit 0; fi
sleep 600
\`\`\`

\`\`\`sh {#after}
echo "$$" >> "$RL_INPUT_MARKS/after"
\`\`\`
`;
}

const lines = async (file: string): Promise<string[]> => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function runKillRun(ctx: DrillRunContext): Promise<DrillOutcome> {
  const argv = ctx.runledger;
  if (!argv || argv.length === 0) throw new RuntimeError('DRILL_NOT_AVAILABLE', 'chaos kill-run needs the `runledger` command');
  const settings = ctx.settings ?? process.env;
  const dir = join(ctx.scratch, 'kill-run');
  const marks = join(dir, 'marks');
  await mkdir(marks, { recursive: true });
  const file = join(dir, `${RUNBOOK_ID}.md`);
  const text = runbookText(ctx.id);
  await writeFile(file, text);
  const checks: DrillCheck[] = [];
  const steps: string[] = [];
  const timings: Record<string, number> = {};
  let output = '';
  let child: ChildProcess | undefined;
  let pgid: number | undefined;
  let runId: string | undefined;
  const t0 = performance.now();

  try {
    ctx.log(`starting \`runledger run ${RUNBOOK_ID}\` in a child process`);
    const c = spawn(argv[0]!, [...argv.slice(1), 'run', file, '--input', `marks=${marks}`, '--json'], {
      env: { ...settings, RUNLEDGER_HOME: ctx.ledger.home, RUNLEDGER_ACTOR: ctx.actor.id },
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    const exited = new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code)));
    const take = (d: Buffer): void => {
      if (output.length < OUTPUT_CAP) output += d.toString('utf8');
      runId ??= /"runId":"([^"]+)"/.exec(output)?.[1];
    };
    c.stdout!.on('data', take);
    c.stderr!.on('data', take);
    let exitCode: number | null | undefined;
    void exited.then((code) => (exitCode = code));
    // Mid-step: the slow step's shell has written its mark (its pid is its process group's id).
    const end = Date.now() + REACH_SLOW_MS;
    for (;;) {
      const slow = await lines(join(marks, 'slow'));
      if (slow.length > 0 && runId) {
        pgid = Number(slow[0]);
        break;
      }
      if (exitCode !== undefined)
        throw new RuntimeError('INTERNAL', `the run ended (exit ${exitCode}) before its slow step started: ${output.trim().split('\n').slice(-3).join(' / ')}`);
      if (Date.now() > end) throw new RuntimeError('INTERNAL', `the run did not reach its slow step within ${REACH_SLOW_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 25));
    }
    c.kill('SIGKILL');
    await exited;
    const killedAt = performance.now();
    timings['untilKill'] = (killedAt - t0) / 1000;
    steps.push(`started run ${runId} with \`runledger run\` (pid ${c.pid}) and SIGKILLed it while step slow ran (process group ${pgid})`);
    ctx.log(`killed the run's driver (pid ${c.pid}) mid-step; step slow (process group ${pgid}) is still running`);

    const runs = new RunStore(ctx.ledger.store);
    const rec = await runs.getRun(runId!);
    const slowStarted = await ctx.ledger.reader.entryByIdem(`run:${runId}:main:slow:1:started`);
    checks.push({
      name: 'run recorded',
      ok: rec !== undefined && rec.state === 'running' && slowStarted !== undefined,
      detail: rec
        ? `run ${runId} is stored (${rec.state}, ${rec.eventCount} events); the slow step's intent is ${slowStarted ? `ledger entry ${slowStarted.seq}` : 'NOT in the ledger'}`
        : `run ${runId} is not in the store`,
    });

    // Recovery, as any process that finds a dead driver does it.
    const { policy } = loadPolicy(ctx.ledger.home, settings);
    const engine = new Engine({ runs, ledger: requestTagged(ctx.ledger.writer!), policy, exec: realExecutor, cwd: dir });
    let t = performance.now();
    const recovered = await engine.recover(parseOrThrow);
    timings['interrupt'] = (performance.now() - t) / 1000;
    const after = await runs.getRun(runId!);
    const interruptedEntry = (await ctx.ledger.reader.entriesByIdemPrefix(`run:${runId}:interrupted:`, 10))[0];
    checks.push({
      name: 'interrupted, not lost',
      ok: recovered.includes(runId!) && after?.state === 'interrupted' && interruptedEntry !== undefined,
      detail: `recovery marked ${recovered.length} run(s) interrupted; run ${runId} is ${after?.state ?? 'gone'}${interruptedEntry ? `, run.interrupted is ledger entry ${interruptedEntry.seq}` : ', no run.interrupted entry'}`,
    });
    const orphan = await engine.orphanOf(runId!, parseOrThrow);
    checks.push({
      name: 'orphan found',
      ok: orphan !== undefined && orphan.process.pgid === pgid,
      detail: orphan
        ? `step ${orphan.step.id}'s process group ${orphan.process.pgid} outlived its driver and was found as its started event recorded it`
        : 'the step that outlived its driver was not found',
    });
    ctx.log(`recovered: run ${runId} is ${after?.state}; retrying it, ending the orphaned step first`);

    t = performance.now();
    const out = await engine.act(runId!, { type: 'retry', killOrphan: true }, { actor: ctx.actor, roles: ['operator'] }, parseOrThrow);
    timings['retry'] = (performance.now() - t) / 1000;
    const recoverySeconds = (performance.now() - killedAt) / 1000;
    const stillRuns = orphan ? identityAlive(orphan.process) : pgid !== undefined && groupAlive(pgid);
    checks.push({
      name: 'recovered',
      ok: out.model.state === 'succeeded' && !stillRuns,
      detail: `after a retry the run ${out.model.state}${stillRuns ? `; process group ${pgid} still runs` : '; the orphaned step was ended'}`,
    });
    steps.push(`recovered the run (interrupted, step unknown), ended the orphaned step and retried: ${out.model.state}`);

    // Nothing ran twice that should not have, and each step attempt is in the ledger once.
    const first = await lines(join(marks, 'first'));
    const slow = await lines(join(marks, 'slow'));
    checks.push({
      name: 'no step ran twice',
      ok: first.length === 1 && slow.length === 2,
      detail: `first ran ${first.length} time(s) (it had finished before the kill), slow ${slow.length} (the killed attempt and the retry)`,
    });
    const entries = await ctx.ledger.reader.entriesByIdemPrefix(`run:${runId}:`, 10_000);
    const idems = entries.map((e) => e.entry.idem ?? '');
    const startedKeys = idems
      .filter((k) => k.endsWith(':started') && k !== `run:${runId}:started`)
      .map((k) => k.slice(`run:${runId}:`.length, -':started'.length));
    const count = (type: string): number => entries.filter((e) => e.entry.type === type).length;
    const expected = ['main:first:1', 'main:slow:1', 'main:slow:2', 'main:after:1'];
    const unique = new Set(idems).size === idems.length && !idems.includes('');
    const okEntries =
      unique && count('run.started') === 1 && count('run.finished') === 1 && count('run.interrupted') === 1 && startedKeys.join() === expected.join();
    checks.push({
      name: 'nothing duplicated',
      ok: okEntries,
      detail: `${entries.length} ledger entries for the run, idempotency keys ${unique ? 'unique' : 'NOT unique'}; run.started ${count('run.started')}, run.interrupted ${count('run.interrupted')}, run.finished ${count('run.finished')}; step attempts started: ${startedKeys.join(', ')}`,
    });
    checks.push(await ledgerVerifiesCheck(ctx.ledger));
    ctx.log(`the run recovered in ${recoverySeconds.toFixed(2)} s from the kill`);

    return {
      measured: { rtoSeconds: recoverySeconds, steps: timings },
      checks,
      steps,
      cite: entries.filter((e) => ['run.started', 'run.interrupted', 'run.finished'].includes(e.entry.type)).map((e) => e.seq),
      files: [
        { path: 'chaos/runbook.md', bytes: text },
        { path: 'chaos/child-output.txt', bytes: output },
        {
          path: 'chaos/run.json',
          bytes: `${JSON.stringify({ scenario: 'kill-run', runId, processGroup: pgid, entries: entries.map((e) => ({ seq: e.seq, type: e.entry.type, idem: e.entry.idem })) }, null, 2)}\n`,
        },
      ],
    };
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (pgid !== undefined && groupAlive(pgid)) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // ended meanwhile
      }
    }
  }
}

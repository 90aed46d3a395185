// `runledger schedules list|check`: the job schedules (docs/schedules.md). `check FILE` validates a
// schedules file and prints each schedule's next runs in its time zone (exit 9 on problems, each at
// file:line:col); `list` shows the file in force with what the store and the ledger know of each.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { compileCron, formatFileProblem, jobSummary, nextSlots, parseSchedulesText, type JobSchedule } from '@runledger/core';
import { ScheduleStore } from '@runledger/store';
import { openLedger, RuntimeError, scheduleHistory, schedulesPath, SCHEDULES_SETTING, type LedgerLocation } from '@runledger/runtime';
import type { Io } from './io.js';

/** `2026-12-08 02:00:00 CET`: a slot as the people of its time zone read it. */
export function localTime(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(new Date(ms));
  const p = (t: string): string => parts.find((x) => x.type === t)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}:${p('second')} ${p('timeZoneName')}`;
}

function readSchedules(path: string): { schedules: readonly JobSchedule[]; problems?: ReturnType<typeof formatFileProblem>[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RuntimeError('USAGE', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const r = parseSchedulesText(text, path);
  return r.ok ? { schedules: r.schedules } : { schedules: [], problems: r.problems.map(formatFileProblem) };
}

function nextOf(s: JobSchedule, fromMs: number, n: number): number[] {
  if (!s.enabled) return [];
  const c = compileCron(s.cron, s.timezone);
  return c.ok ? nextSlots(c.clock, fromMs, n) : [];
}

export function registerScheduleCommands(program: Command, io: Io, location: () => LedgerLocation): void {
  const cmd = program.command('schedules').description('job schedules: backups, runbooks and drills on cron (docs/schedules.md)');

  cmd
    .command('check')
    .description('validate a schedules file and print the next runs of each schedule in its time zone; problems as file:line:col (exit 9)')
    .argument('<file>', 'the schedules file (YAML)')
    .option('--runs <n>', 'how many next runs to print', '3')
    .option('--from <time>', 'count the next runs from this instant (ISO 8601) instead of now')
    .option('--json', 'one JSON object')
    .action((file: string, o: { runs: string; from?: string; json?: boolean }) => {
      const path = resolve(io.cwd, file);
      const n = Number(o.runs);
      if (!Number.isInteger(n) || n < 1 || n > 100) throw new RuntimeError('USAGE', `--runs ${o.runs}: expected 1–100`);
      const from = o.from === undefined ? Date.now() : Date.parse(o.from);
      if (Number.isNaN(from)) throw new RuntimeError('USAGE', `--from ${o.from}: expected an ISO 8601 time such as 2026-12-07T10:00:00Z`);
      const r = readSchedules(path);
      if (r.problems) {
        if (o.json) io.out(`${JSON.stringify({ ok: false, path, problems: r.problems })}\n`);
        throw new RuntimeError('SCHEDULES_INVALID', `invalid schedules file:\n${r.problems.join('\n')}`);
      }
      const list = r.schedules.map((s) => ({ s, next: nextOf(s, from, n) }));
      if (o.json) {
        io.out(
          `${JSON.stringify({
            ok: true,
            path,
            schedules: list.map(({ s, next }) => ({
              name: s.name,
              cron: s.cron,
              timezone: s.timezone,
              enabled: s.enabled,
              overrun: s.overrun,
              catchUp: s.catchUp,
              job: { kind: s.job.kind, summary: jobSummary(s.job) },
              next: next.map((t) => ({ utc: new Date(t).toISOString(), local: localTime(t, s.timezone) })),
            })),
          })}\n`,
        );
        return;
      }
      if (list.length === 0) io.out(`${path}: no schedules\n`);
      for (const { s, next } of list) {
        io.out(`${s.name}  ${s.cron}  ${s.timezone}  ${jobSummary(s.job)}${s.enabled ? '' : '  (disabled)'}\n`);
        io.out(`  overrun ${s.overrun}, catch-up ${s.catchUp}\n`);
        for (const t of next) io.out(`  ${localTime(t, s.timezone)}  (${new Date(t).toISOString()})\n`);
      }
      io.out('ok\n');
    });

  cmd
    .command('list')
    .description(`the schedules of the file in force (--file, else $${SCHEDULES_SETTING}) with their next run, last outcome and recent slots from the ledger`)
    .option('--file <file>', `the schedules file (default: $${SCHEDULES_SETTING})`)
    .option('--history <n>', 'recent slots per schedule', '5')
    .option('--json', 'a JSON array')
    .action(async (o: { file?: string; history: string; json?: boolean }) => {
      const path = schedulesPath(o.file, io.env, io.cwd);
      if (!path) throw new RuntimeError('USAGE', `no schedules file: pass --file FILE or set ${SCHEDULES_SETTING}`);
      const h = Number(o.history);
      if (!Number.isInteger(h) || h < 0 || h > 100) throw new RuntimeError('USAGE', `--history ${o.history}: expected 0–100`);
      const r = readSchedules(path);
      if (r.problems) throw new RuntimeError('SCHEDULES_INVALID', `invalid schedules file:\n${r.problems.join('\n')}`);
      const ctx = await openLedger(location(), { write: false });
      try {
        const states = new Map((await new ScheduleStore(ctx.store).states()).map((s) => [s.name, s]));
        const now = Date.now();
        const rows = await Promise.all(
          r.schedules.map(async (s) => {
            const st = states.get(s.name);
            const next = nextOf(s, Math.max(now, st?.lastSlotMs ?? 0), 1)[0];
            return {
              name: s.name,
              cron: s.cron,
              timezone: s.timezone,
              enabled: s.enabled,
              job: { kind: s.job.kind, summary: jobSummary(s.job) },
              next: next === undefined ? null : new Date(next).toISOString(),
              nextLocal: next === undefined ? null : localTime(next, s.timezone),
              last:
                st?.lastOutcome && st.lastOutcome !== 'running' && st.lastOutcome !== 'queued'
                  ? {
                      outcome: st.lastOutcome,
                      slot: st.lastOutcomeSlotMs === null ? null : new Date(st.lastOutcomeSlotMs).toISOString(),
                      ref: st.lastRef,
                      detail: st.lastDetail,
                    }
                  : null,
              lastSuccessAt: st?.lastSuccessMs ? new Date(st.lastSuccessMs).toISOString() : null,
              history: h > 0 ? await scheduleHistory(ctx.reader, s.name, h) : [],
            };
          }),
        );
        if (o.json) {
          io.out(`${JSON.stringify(rows)}\n`);
          return;
        }
        if (rows.length === 0) io.out(`${path}: no schedules\n`);
        for (const x of rows) {
          io.out(`${x.name}  ${x.cron}  ${x.timezone}  ${x.job.summary}\n`);
          io.out(`  next  ${x.enabled ? (x.nextLocal ?? 'never') : 'disabled'}\n`);
          io.out(
            `  last  ${x.last ? `${x.last.outcome} (slot ${x.last.slot})${x.last.ref ? ` ${x.last.ref}` : ''}${x.last.detail ? `: ${x.last.detail}` : ''}` : 'none yet'}\n`,
          );
          if (x.history.length > 0)
            io.out(`  recent ${x.history.map((e) => `${e.outcome === 'fired' ? '✓' : e.outcome === 'failed' ? '✗' : '·'} ${e.slot}`).join('  ')}\n`);
        }
      } finally {
        await ctx.close();
      }
    });
}

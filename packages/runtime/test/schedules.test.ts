// The job scheduler on a fake clock with real stores: a cron in a time zone across DST changes fires at
// the right instants; overrun skip and queue; missed slots after downtime (catch-up skip and once); a run
// whose process died is recorded interrupted; two processes on one PostgreSQL fire each slot once; real
// backup and runbook jobs record schedule.fired with the backup id / run id; drill jobs not wired; errors redacted.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseSchedulesText, type JobSchedule } from '@runledger/core';
import type { Entry } from '@runledger/ledger';
import { OpsOutbox, ScheduleStore } from '@runledger/store';
import { FakeClock, locationOf, pgFactory, removeTempDirs, tempDir } from '@runledger/testkit';
import {
  backupJob,
  initLedger,
  jobRedactor,
  JobScheduler,
  listBackups,
  openEngine,
  openLedger,
  pumpOutbox,
  runbookJob,
  type EngineContext,
  type JobHandlers,
  type JobSchedulerOptions,
  type LedgerContext,
  type LedgerLocation,
  type ScheduleOutcome,
} from '../src/index.js';

const actor = { kind: 'user' as const, id: 'alice' };
const ORIGIN = 'ops.test.runledger/schedules';
const at = (s: string): number => Date.parse(s);
const iso = (ms: number): string => new Date(ms).toISOString();

after(removeTempDirs);

function schedules(yaml: string): JobSchedule[] {
  const r = parseSchedulesText(yaml, 'schedules.yaml');
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.problems));
  return [...r.schedules];
}

async function sqliteLedger(): Promise<{ loc: LedgerLocation & { home: string }; ctx: LedgerContext }> {
  const home = join(tempDir('runledger-sched-'), 'data');
  const loc = { home, env: {} };
  await initLedger(loc, { origin: ORIGIN, actor });
  return { loc, ctx: await openLedger(loc, { write: true }) };
}

function scheduler(
  ctx: LedgerContext,
  clock: FakeClock,
  list: JobSchedule[],
  jobs: JobHandlers,
  o: Partial<JobSchedulerOptions> = {},
): JobScheduler & { outcomes: ScheduleOutcome[]; errors: unknown[] } {
  const outbox = new OpsOutbox(ctx.store);
  const outcomes: ScheduleOutcome[] = [];
  const errors: unknown[] = [];
  const s = new JobScheduler({
    store: new ScheduleStore(ctx.store),
    schedules: list,
    jobs,
    pump: () => pumpOutbox(outbox, (d) => ctx.writer!.append(d)),
    now: clock.now,
    timers: clock,
    pollMs: 6 * 3_600_000,
    leaseMs: 12 * 3_600_000,
    onOutcome: (x) => outcomes.push(x),
    onError: (what, err) => errors.push(`${what}: ${(err as Error).message}`),
    ...o,
  });
  return Object.assign(s, { outcomes, errors });
}

/** Steps the fake clock from wake to wake up to `end`, letting each wake's store work finish. */
async function runTo(clock: FakeClock, scheds: JobScheduler[], end: number): Promise<void> {
  for (;;) {
    for (const s of scheds) await s.settled();
    const next = Math.min(...scheds.map((s) => s.nextWakeAt ?? Infinity));
    // Timers of the jobs themselves (a job "taking" 90 minutes) fire on the way.
    if (!(next <= end)) break;
    await clock.advanceTo(Math.max(next, clock.now()));
  }
  await clock.advanceTo(end);
  for (const s of scheds) await s.settled();
}

async function scheduleEntries(ctx: LedgerContext): Promise<Entry[]> {
  const page = await ctx.reader.search({ typePrefix: 'schedule.', limit: 1000 });
  return page.entries.map((e) => e.entry).reverse();
}

const brief = (e: Entry): string => {
  const d = e.data as { schedule: string; slot: string; until?: string };
  return `${e.type} ${d.schedule} ${d.slot}${d.until ? `..${d.until}` : ''}`;
};

describe('job scheduler on a fake clock (SQLite)', () => {
  it('fires a cron in a time zone at the right instants across both DST changes', async () => {
    const { ctx } = await sqliteLedger();
    try {
      const clock = new FakeClock(at('2026-03-27T12:00:00Z'));
      const fired: Array<[string, string]> = [];
      const jobs: JobHandlers = {
        backup: async (_job, jc) => {
          fired.push([jc.schedule, `${iso(jc.slotMs)} at ${jc.now().toISOString()}`]);
          return { ok: true, detail: 'done', ref: `b-${jc.slotMs}` };
        },
      };
      const list = schedules(`schedules:
  - { name: fixed, cron: "30 2 * * *", timezone: Europe/Berlin, job: { backup: {} } }
  - { name: hourly, cron: "0 1-3 29 3 *", timezone: Europe/Berlin, job: { backup: {} } }
`);
      const s = scheduler(ctx, clock, list, jobs);
      await s.start();
      await runTo(clock, [s], at('2026-03-31T12:00:00Z'));
      // The jump to summer time (02:00 CET → 03:00 CEST on 29 March): the fixed job runs at 03:00 CEST
      // that day; the hourly one's 02:00 does not exist and is not run.
      assert.deepEqual(
        fired.filter(([n]) => n === 'fixed').map(([, t]) => t),
        [
          '2026-03-28T01:30:00.000Z at 2026-03-28T01:30:00.000Z',
          '2026-03-29T01:00:00.000Z at 2026-03-29T01:00:00.000Z',
          '2026-03-30T00:30:00.000Z at 2026-03-30T00:30:00.000Z',
          '2026-03-31T00:30:00.000Z at 2026-03-31T00:30:00.000Z',
        ],
      );
      assert.deepEqual(
        fired.filter(([n]) => n === 'hourly').map(([, t]) => t.slice(0, 24)),
        ['2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z'],
      );
      await s.stop();

      // Back to winter time (03:00 CEST → 02:00 CET on 25 October): 02:30 happens twice and runs once.
      fired.length = 0;
      const clock2 = new FakeClock(at('2026-10-23T12:00:00Z'));
      const s2 = scheduler(ctx, clock2, [list[0]!], jobs);
      await s2.start();
      await runTo(clock2, [s2], at('2026-10-26T12:00:00Z'));
      assert.deepEqual(
        fired.map(([, t]) => t),
        [
          '2026-10-24T00:30:00.000Z at 2026-10-24T00:30:00.000Z',
          '2026-10-25T00:30:00.000Z at 2026-10-25T00:30:00.000Z',
          '2026-10-26T01:30:00.000Z at 2026-10-26T01:30:00.000Z',
        ],
      );
      await s2.stop();
      // One ledger entry per slot; the second scheduler started where the first had stopped, so the months between are missed.
      const entries = await scheduleEntries(ctx);
      const firedEntries = entries.filter((e) => e.type === 'schedule.fired');
      assert.equal(firedEntries.length, 4 + 2 + 3);
      assert.deepEqual(firedEntries[0]!.actor, { kind: 'system', id: 'scheduler' });
      assert.deepEqual(firedEntries[0]!.subject, { kind: 'schedule', id: 'fixed' });
      assert.equal(firedEntries[0]!.idem, 'schedule:fixed:2026-03-28T01:30:00.000Z');
      assert.equal((firedEntries[0]!.data as { ref: string }).ref, `b-${at('2026-03-28T01:30:00Z')}`);
      const missed = entries.filter((e) => e.type === 'schedule.missed');
      assert.ok(missed.length > 0 && missed.every((e) => (e.data as { reason: string }).reason === 'down'));
      assert.deepEqual(s.errors, []);
      assert.deepEqual(s2.errors, []);
    } finally {
      await ctx.close();
    }
  });

  it('overrun skip records the slot skipped; queue runs one start after the previous run', async () => {
    const { ctx } = await sqliteLedger();
    try {
      const clock = new FakeClock(at('2026-01-01T09:30:00Z'));
      const starts: string[] = [];
      // Each run takes 95 minutes on the fake clock: longer than the hourly interval (and ending off the hour, so no end ties with a slot).
      const jobs: JobHandlers = {
        backup: async (_job, jc) => {
          starts.push(`${jc.schedule} ${iso(jc.slotMs).slice(11, 16)} ${jc.trigger} at ${jc.now().toISOString().slice(11, 16)}`);
          await clock.sleep(95 * 60_000);
          return { ok: true, detail: 'ok' };
        },
      };
      const list = schedules(`schedules:
  - { name: skipper, cron: "0 * * * *", overrun: skip, job: { backup: {} } }
  - { name: queuer, cron: "0 * * * *", overrun: queue, job: { backup: {} } }
`);
      const s = scheduler(ctx, clock, list, jobs);
      await s.start();
      await runTo(clock, [s], at('2026-01-01T13:45:00Z'));
      assert.deepEqual(
        starts.filter((x) => x.startsWith('skipper')),
        ['skipper 10:00 cron at 10:00', 'skipper 12:00 cron at 12:00'],
      );
      // Queue: 11:00 waits for 10:00's run (ends 11:35); 12:00 finds 11:00's run going and queues; 13:00 finds one queued and is skipped.
      assert.deepEqual(
        starts.filter((x) => x.startsWith('queuer')),
        ['queuer 10:00 cron at 10:00', 'queuer 11:00 queued at 11:35', 'queuer 12:00 queued at 13:10'],
      );
      const entries = (await scheduleEntries(ctx)).map(brief);
      assert.ok(entries.includes('schedule.skipped skipper 2026-01-01T11:00:00.000Z'), entries.join('\n'));
      assert.ok(entries.includes('schedule.skipped skipper 2026-01-01T13:00:00.000Z'), entries.join('\n'));
      assert.ok(entries.includes('schedule.skipped queuer 2026-01-01T13:00:00.000Z'), entries.join('\n'));
      assert.ok(entries.includes('schedule.fired queuer 2026-01-01T11:00:00.000Z'));
      const skipped = (await scheduleEntries(ctx)).find((e) => e.type === 'schedule.skipped' && (e.data as { schedule: string }).schedule === 'skipper')!;
      assert.match((skipped.data as { reason: string }).reason, /the run of slot 2026-01-01T10:00:00.000Z is still going/);
      assert.equal(entries.filter((e) => e.includes('queuer 2026-01-01T12:00')).length, 0, 'the queued 12:00 run is still going');
      await runTo(clock, [s], at('2026-01-01T14:50:00Z'));
      assert.ok((await scheduleEntries(ctx)).map(brief).includes('schedule.fired queuer 2026-01-01T12:00:00.000Z'));
      // Runs still going on the fake clock are left to it.
      await s.stop(0);
      assert.deepEqual(s.errors, []);
    } finally {
      await ctx.close();
    }
  });

  it('after downtime: catch-up skip records each missed slot, catch-up once runs the newest once', async () => {
    const { ctx } = await sqliteLedger();
    try {
      const clock = new FakeClock(at('2026-01-01T09:30:00Z'));
      const runs: string[] = [];
      const jobs: JobHandlers = {
        backup: async (_job, jc) => {
          runs.push(`${jc.schedule} ${iso(jc.slotMs).slice(11, 16)} ${jc.trigger} at ${jc.now().toISOString().slice(11, 16)}`);
          return { ok: true, detail: 'ok' };
        },
      };
      const list = schedules(`schedules:
  - { name: skip, cron: "0 * * * *", job: { backup: {} } }
  - { name: once, cron: "0 * * * *", catchUp: once, job: { backup: {} } }
`);
      const a = scheduler(ctx, clock, list, jobs);
      await a.start();
      await runTo(clock, [a], at('2026-01-01T10:30:00Z'));
      await a.stop();
      // The server is down from 10:30 to 14:20.
      await clock.advanceTo(at('2026-01-01T14:20:00Z'));
      const b = scheduler(ctx, clock, list, jobs);
      await b.start();
      await b.settled();
      assert.deepEqual(runs, ['once 10:00 cron at 10:00', 'skip 10:00 cron at 10:00', 'once 14:00 catch-up at 14:20']);
      const entries = (await scheduleEntries(ctx)).map(brief);
      assert.deepEqual(
        entries.filter((e) => e.startsWith('schedule.missed skip')),
        ['11', '12', '13', '14'].map((h) => `schedule.missed skip 2026-01-01T${h}:00:00.000Z`),
      );
      assert.deepEqual(
        entries.filter((e) => e.startsWith('schedule.missed once')),
        ['11', '12', '13'].map((h) => `schedule.missed once 2026-01-01T${h}:00:00.000Z`),
      );
      assert.ok(entries.includes('schedule.fired once 2026-01-01T14:00:00.000Z'));
      const missed = (await scheduleEntries(ctx)).find((e) => e.type === 'schedule.missed')!;
      assert.equal((missed.data as { why: string }).why, 'the scheduler was not running at that time');
      // A restart inside the grace runs the slot late rather than missing it.
      await runTo(clock, [b], at('2026-01-01T14:30:00Z'));
      await b.stop();
      await clock.advanceTo(at('2026-01-01T15:00:30Z'));
      const c = scheduler(ctx, clock, list, jobs);
      await c.start();
      await c.settled();
      assert.deepEqual(runs.slice(3), ['once 15:00 cron at 15:00', 'skip 15:00 cron at 15:00']);
      await c.stop();
      // Missed and fired are counted once each: a slot has one entry.
      const all = await scheduleEntries(ctx);
      assert.equal(new Set(all.map((e) => e.idem)).size, all.length);
      assert.deepEqual([...a.outcomes, ...b.outcomes, ...c.outcomes].filter((o) => o.outcome === 'missed').length, 7);
      // Down again, and the cron changed meanwhile: the new expression starts from the restart, nothing is missed.
      await clock.advanceTo(at('2026-01-01T19:10:00Z'));
      const d = scheduler(ctx, clock, schedules('schedules:\n  - { name: skip, cron: "30 * * * *", job: { backup: {} } }\n'), jobs);
      await d.start();
      await runTo(clock, [d], at('2026-01-01T19:31:00Z'));
      await d.stop();
      assert.deepEqual(
        d.outcomes.map((o) => `${o.outcome} ${iso(o.slotMs)}`),
        ['fired 2026-01-01T19:30:00.000Z'],
      );
    } finally {
      await ctx.close();
    }
  });

  it('a run whose process died is recorded interrupted by another, and the drill job is not wired', async () => {
    const { loc, ctx } = await sqliteLedger();
    const other = await openLedger(loc, { write: true });
    try {
      const clockA = new FakeClock(at('2026-01-01T09:59:00Z'));
      const clockB = new FakeClock(at('2026-01-01T09:59:00Z'));
      const list = schedules(`schedules:
  - { name: long, cron: "0 10 * * *", job: { backup: {} } }
  - { name: drill, cron: "0 10 * * *", job: { drill: { kind: restore, env: staging } } }
`);
      // A never finishes its run: it "dies" (its clock stops, so it never renews the lease).
      const a = scheduler(ctx, clockA, list, { backup: () => new Promise(() => {}) }, { leaseMs: 5 * 60_000, pollMs: 60_000 });
      await a.start();
      await runTo(clockA, [a], at('2026-01-01T10:00:10Z'));
      const b = scheduler(other, clockB, list, { backup: async () => ({ ok: true, detail: 'x' }) }, { leaseMs: 5 * 60_000, pollMs: 60_000 });
      await b.start();
      await runTo(clockB, [b], at('2026-01-01T10:06:00Z'));
      await b.stop();
      const entries = await scheduleEntries(ctx);
      const failed = entries.filter((e) => e.type === 'schedule.failed');
      const byName = Object.fromEntries(failed.map((e) => [(e.data as { schedule: string }).schedule, e.data as { error: string; code?: string }]));
      assert.match(byName['long']!.error, /^interrupted: .* stopped renewing the lease/);
      assert.equal(byName['drill']!.code, 'SCHEDULE_JOB_NOT_WIRED');
      assert.match(byName['drill']!.error, /drill jobs are not wired/);
      assert.equal(entries.filter((e) => e.type === 'schedule.fired').length, 0, 'B did not run slot 10:00 again');
      await a.stop(0);
    } finally {
      await other.close();
      await ctx.close();
    }
  });

  it('a failed job is recorded with its error redacted', async () => {
    const { ctx } = await sqliteLedger();
    try {
      const clock = new FakeClock(at('2026-01-01T09:59:00Z'));
      const list = schedules('schedules:\n  - { name: bad, cron: "0 10 * * *", job: { backup: {} } }\n');
      const s = scheduler(
        ctx,
        clock,
        list,
        {
          backup: async () => {
            throw new Error('pg_dump: connection to postgres://app:hunter2-secret@db:5432/x failed (password hunter2-secret)');
          },
        },
        { redact: jobRedactor(['hunter2-secret']) },
      );
      await s.start();
      await runTo(clock, [s], at('2026-01-01T10:01:00Z'));
      await s.stop();
      const [failed] = (await scheduleEntries(ctx)).filter((e) => e.type === 'schedule.failed');
      const error = (failed!.data as { error: string }).error;
      assert.ok(!error.includes('hunter2'), error);
      assert.match(error, /^INTERNAL: pg_dump: connection to postgres:\/\/app:••••••@db:5432\/x failed \(password ••••••\)$/);
      const [state] = await new ScheduleStore(ctx.store).states();
      assert.equal(state!.lastOutcome, 'failed');
      assert.ok(!state!.lastDetail!.includes('hunter2'));
    } finally {
      await ctx.close();
    }
  });
});

describe('real jobs', () => {
  it('a scheduled backup fires and records schedule.fired with the backup id; keep prunes', async () => {
    const { ctx, loc } = await sqliteLedger();
    try {
      const clock = new FakeClock(at('2026-01-01T01:59:00Z'));
      const dir = join(tempDir(), 'backups');
      const list = schedules('schedules:\n  - { name: nightly, cron: "0 2 * * *", job: { backup: { keep: 1 } } }\n');
      const s = scheduler(ctx, clock, list, { backup: backupJob({ ctx, defaultDir: dir, baseDir: loc.home }) });
      await s.start();
      await runTo(clock, [s], at('2026-01-01T02:01:00Z'));
      // The backup itself takes real time (VACUUM INTO in a worker).
      await s.idle();
      const first = await listBackups(dir);
      assert.equal(first.length, 1);
      const [fired] = (await scheduleEntries(ctx)).filter((e) => e.type === 'schedule.fired');
      assert.equal((fired!.data as { ref: string }).ref, first[0]!.id);
      assert.match((fired!.data as { detail: string }).detail, new RegExp(`^backup ${first[0]!.id} `));
      const created = (await ctx.reader.search({ types: ['backup.created'], limit: 5 })).entries[0]!.entry;
      assert.deepEqual(created.subject, { kind: 'backup', id: first[0]!.id });
      assert.deepEqual(created.actor, { kind: 'system', id: 'scheduler' });
      assert.equal(first[0]!.manifest!.createdAt, '2026-01-01T02:00:00.000Z', 'the backup is stamped with the fake clock');

      await runTo(clock, [s], at('2026-01-02T02:01:00Z'));
      await s.idle();
      await s.stop();
      const second = await listBackups(dir);
      assert.equal(second.length, 1, 'keep: 1 pruned the first');
      assert.notEqual(second[0]!.id, first[0]!.id);
      assert.equal((await ctx.reader.search({ types: ['backup.pruned'], limit: 5 })).entries.length, 1);
      const [st] = await new ScheduleStore(ctx.store).states();
      assert.deepEqual([st!.lastOutcome, st!.lastRef], ['fired', second[0]!.id]);
      // When it ended (the fake clock had moved on while the real backup ran), after its slot.
      assert.ok(st!.lastSuccessMs! >= at('2026-01-02T02:00:00Z') && st!.lastSuccessMs! <= clock.now());
    } finally {
      await ctx.close();
    }
  });

  it('a scheduled runbook runs as the scheduler and records its run id', async () => {
    const home = join(tempDir('runledger-sched-'), 'data');
    const loc = { home, env: {} };
    await initLedger(loc, { origin: ORIGIN, actor });
    const engine: EngineContext = await openEngine(loc);
    try {
      const dir = join(tempDir(), 'runbooks');
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'rotate.md'),
        '---\nid: rotate-logs\ntitle: Rotate logs\ninputs:\n  service:\n    type: string\n---\n\n# Rotate\n\n## Procedure\n\n```sh {#rotate}\necho rotating {{ inputs.service }}\n```\n',
      );
      writeFileSync(join(dir, 'fail.md'), '---\nid: fails\ntitle: Fails\n---\n\n# Fails\n\n## Procedure\n\n```sh {#boom}\nexit 3\n```\n');
      const clock = new FakeClock(at('2026-01-01T09:59:00Z'));
      const list = schedules(`schedules:
  - { name: rotate, cron: "0 10 * * *", job: { runbook: { name: rotate-logs, inputs: { service: api } } } }
  - { name: by-path, cron: "0 10 * * *", job: { runbook: { path: fail.md } } }
  - { name: unknown, cron: "0 10 * * *", job: { runbook: { name: nope } } }
`);
      const job = runbookJob({
        runs: engine.runs,
        runbooksDir: dir,
        baseDir: dir,
        start: async (req) => ({ runId: (await engine.engine.start(req)).runId }),
        pollMs: 20,
      });
      const s = scheduler(engine.ledger, clock, list, { runbook: job });
      await s.start();
      await runTo(clock, [s], at('2026-01-01T10:00:30Z'));
      await s.idle();
      await s.stop();
      const entries = await scheduleEntries(engine.ledger);
      const of = (n: string) => entries.find((e) => (e.data as { schedule: string }).schedule === n)!;
      assert.equal(of('rotate').type, 'schedule.fired');
      const runId = (of('rotate').data as { ref: string }).ref;
      const run = await engine.runs.getRun(runId);
      assert.equal(run!.state, 'succeeded');
      assert.equal(run!.requester, 'scheduler');
      assert.equal(of('by-path').type, 'schedule.failed');
      assert.match((of('by-path').data as { error: string }).error, /^run \S+ of fails failed/);
      assert.equal(of('unknown').type, 'schedule.failed');
      assert.match((of('unknown').data as { error: string }).error, /^INPUT_INVALID: no runbook nope in the catalogue/);
    } finally {
      await engine.close();
    }
  });
});

describe('two processes on one PostgreSQL', () => {
  const pg = pgFactory();
  before(() => pg.setup());
  after(() => pg.teardown());

  it('each slot fires exactly once', async () => {
    const fx = await pg.create();
    const loc = locationOf(fx);
    await initLedger(loc, { origin: ORIGIN, actor });
    const c1 = await openLedger(loc, { write: true });
    const c2 = await openLedger(loc, { write: true });
    try {
      const clock = new FakeClock(at('2026-01-01T09:59:30Z'));
      const runs: Array<[string, string]> = [];
      const job = (who: string): JobHandlers => ({
        backup: async (_j, jc) => {
          runs.push([who, `${jc.schedule} ${iso(jc.slotMs)}`]);
          return { ok: true, detail: who, ref: who };
        },
      });
      const list = schedules(`schedules:
  - { name: every-minute, cron: "* * * * *", job: { backup: {} } }
  - { name: every-20s, cron: "*/20 * * * * *", job: { backup: {} } }
`);
      const p1 = scheduler(c1, clock, list, job('p1'), { pollMs: 60_000, leaseMs: 300_000 });
      const p2 = scheduler(c2, clock, list, job('p2'), { pollMs: 60_000, leaseMs: 300_000 });
      await Promise.all([p1.start(), p2.start()]);
      await runTo(clock, [p1, p2], at('2026-01-01T10:10:00Z'));
      await Promise.all([p1.idle(), p2.idle()]);
      await Promise.all([p1.stop(), p2.stop()]);
      const slots = runs.map(([, s]) => s);
      // every-minute: 10:00 … 10:10; every-20s: 09:59:40, then 10:00:00 … 10:10:00.
      assert.equal(slots.length, 11 + 32, `slots ${slots.length}`);
      assert.equal(new Set(slots).size, runs.length, 'no slot ran twice');
      const entries = await scheduleEntries(c1);
      const fired = entries.filter((e) => e.type === 'schedule.fired');
      assert.equal(fired.length, runs.length);
      assert.equal(new Set(fired.map((e) => e.idem)).size, fired.length, 'one entry per slot');
      // Every slot once: the number of distinct (schedule, slot) pairs equals the runs.
      const pairs = fired.map((e) => `${(e.data as { schedule: string }).schedule} ${(e.data as { slot: string }).slot}`);
      assert.deepEqual(pairs.sort(), [...slots].sort());
      // Each entry names the process that ran it, the one that claimed the slot.
      for (const e of fired)
        assert.equal(
          (e.data as { ref: string }).ref,
          runs.find(([, s]) => s === `${(e.data as { schedule: string }).schedule} ${(e.data as { slot: string }).slot}`)![0],
        );
      assert.equal(
        entries.filter((e) => e.type !== 'schedule.fired').length,
        0,
        entries
          .filter((e) => e.type !== 'schedule.fired')
          .map(brief)
          .join('\n'),
      );
      assert.deepEqual([...p1.errors, ...p2.errors], []);
    } finally {
      await c1.close();
      await c2.close();
    }
  });
});

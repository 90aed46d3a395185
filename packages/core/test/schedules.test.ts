// Job schedules (pure): the schedules file with located errors, cron in a time zone across DST
// changes, and the plan at a wake (missed slots, catch-up, overrun policies).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compileCron,
  formatFileProblem,
  jobSummary,
  nextSlots,
  parseSchedulesText,
  planSlots,
  scheduleIdem,
  type CronClock,
  type PlanInput,
} from '@runledger/core';

const iso = (ms: number): string => new Date(ms).toISOString();
const at = (s: string): number => Date.parse(s);

function clockOf(expr: string, tz = 'UTC'): CronClock {
  const c = compileCron(expr, tz);
  assert.ok(c.ok, c.ok ? '' : c.message);
  return c.clock;
}

describe('schedules file', () => {
  it('reads schedules with defaults', () => {
    const r = parseSchedulesText(
      `schedules:
  - name: nightly-backup
    cron: "0 2 * * *"
    timezone: Europe/Berlin
    job:
      backup: { keep: 7, daily: 7 }
    catchUp: once
  - name: rotate
    cron: "*/15 * * * *"
    overrun: queue
    job:
      runbook: { name: rotate-logs, inputs: { service: api, count: 3, dry: true }, environment: staging }
  - name: restore-drill
    cron: "0 4 1 * *"
    enabled: false
    job:
      drill: { kind: restore, env: staging, options: { target: db } }
  - name: plain
    cron: "@daily"
    job: { backup: }
`,
      'schedules.yaml',
    );
    assert.ok(r.ok, r.ok ? '' : r.problems.map(formatFileProblem).join('\n'));
    const [a, b, c, d] = r.schedules;
    assert.deepEqual(a, {
      name: 'nightly-backup',
      cron: '0 2 * * *',
      timezone: 'Europe/Berlin',
      job: { kind: 'backup', keep: 7, daily: 7 },
      overrun: 'skip',
      catchUp: 'once',
      enabled: true,
    });
    assert.deepEqual(b!.job, { kind: 'runbook', name: 'rotate-logs', inputs: { service: 'api', count: '3', dry: 'true' }, environment: 'staging' });
    assert.equal(b!.overrun, 'queue');
    assert.equal(b!.timezone, 'UTC');
    assert.deepEqual(c!.job, { kind: 'drill', drill: 'restore', env: 'staging', options: { target: 'db' } });
    assert.equal(c!.enabled, false);
    assert.deepEqual(d!.job, { kind: 'backup' });
    assert.equal(jobSummary(a!.job), 'backup keep 7 daily 7');
    assert.equal(jobSummary(b!.job), 'runbook rotate-logs (staging)');
    assert.equal(jobSummary(c!.job), 'drill restore in staging');
  });

  it('reports every problem at file:line:col with its JSON path', () => {
    const r = parseSchedulesText(
      `schedules:
  - name: a
    cron: "61 * * * *"
    job: { backup: {} }
  - name: b
    cron: "0 2 * * *"
    timezone: Mars/Olympus
    job: { backup: {}, runbook: { name: x } }
  - name: c
    cron: "0 2 * * *"
    colour: blue
    overrun: later
    job: { drill: { kind: fire } }
  - name: a
    cron: "0 0 31 2 *"
    job: { runbook: { inputs: { a: [1] } } }
  - name: e
    cron: 2026-01-01T00:00:00Z
`,
      'sched.yaml',
    );
    assert.equal(r.ok, false);
    const lines = r.ok ? [] : r.problems.map(formatFileProblem);
    const expect = [
      /^sched\.yaml:3:11: \$\.schedules\[0\]\.cron: Invalid value for minute: 61$/,
      /^sched\.yaml:7:15: \$\.schedules\[1\]\.timezone: unknown time zone "Mars\/Olympus"/,
      /^sched\.yaml:8:10: \$\.schedules\[1\]\.job: a job is exactly one of backup, runbook, drill, not backup and runbook$/,
      /^sched\.yaml:11:13: \$\.schedules\[2\]\.colour: unknown key colour/,
      /^sched\.yaml:13:27: \$\.schedules\[2\]\.job\.drill\.kind: must be one of restore, escalation, rollback, chaos, not "fire"$/,
      /^sched\.yaml:12:14: \$\.schedules\[2\]\.overrun: must be one of skip, queue, allow, not "later"$/,
      /^sched\.yaml:15:11: \$\.schedules\[3\]\.cron: "0 0 31 2 \*" never matches a date$/,
      /^sched\.yaml:16:21: \$\.schedules\[3\]\.job\.runbook: a runbook job names exactly one of name: ID/,
      /^sched\.yaml:16:36: \$\.schedules\[3\]\.job\.runbook\.inputs\.a: an input value is text/,
      /^sched\.yaml:18:11: \$\.schedules\[4\]\.cron: .* is not a cron expression/,
      /^sched\.yaml:17:5: \$\.schedules\[4\]\.job: required/,
      /^sched\.yaml:14:11: \$\.schedules\[3\]\.name: schedule a is defined twice \(first at \$\.schedules\[0\]\)$/,
    ];
    for (const re of expect)
      assert.ok(
        lines.some((l) => re.test(l)),
        `${re} in\n${lines.join('\n')}`,
      );
    assert.equal(lines.length, expect.length, lines.join('\n'));
  });

  it('a YAML syntax error is located', () => {
    const r = parseSchedulesText('schedules:\n  - name: a\n    cron: "0 2 * * *\n', 'x.yaml');
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : formatFileProblem(r.problems[0]!), /^x\.yaml:\d+:\d+: \$: /);
  });

  it('an empty file is no schedules', () => {
    const r = parseSchedulesText('# nothing yet\n', 'x.yaml');
    assert.deepEqual(r, { ok: true, schedules: [] });
  });
});

describe('cron in a time zone (croner)', () => {
  it('a fixed-time job across the spring-forward gap runs at the first valid time; across fall-back once', () => {
    const c = clockOf('30 2 * * *', 'Europe/Berlin');
    // 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day.
    assert.deepEqual(nextSlots(c, at('2026-03-27T12:00:00Z'), 4).map(iso), [
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST, the first valid time after the gap
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
    // 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice and runs once.
    assert.deepEqual(nextSlots(c, at('2026-10-23T12:00:00Z'), 3).map(iso), [
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('an interval job keeps its real-time spacing across both changes', () => {
    const c = clockOf('0 * * * *', 'America/New_York');
    // 2026-03-08 02:00 EST → 03:00 EDT: the hour 02:00 local does not exist.
    assert.deepEqual(nextSlots(c, at('2026-03-08T05:30:00Z'), 3).map(iso), [
      '2026-03-08T06:00:00.000Z',
      '2026-03-08T07:00:00.000Z',
      '2026-03-08T08:00:00.000Z',
    ]);
    // 2026-11-01 02:00 EDT → 01:00 EST: 01:00 local happens twice, both run.
    assert.deepEqual(nextSlots(c, at('2026-11-01T04:30:00Z'), 3).map(iso), [
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T07:00:00.000Z',
    ]);
  });

  it('previous is the newest slot at or before an instant', () => {
    const c = clockOf('0 * * * *');
    assert.equal(iso(c.previous(at('2026-01-01T10:00:00Z'))!), '2026-01-01T10:00:00.000Z');
    assert.equal(iso(c.previous(at('2026-01-01T09:59:59.999Z'))!), '2026-01-01T09:00:00.000Z');
    assert.equal(iso(c.next(at('2026-01-01T10:00:00Z'))!), '2026-01-01T11:00:00.000Z');
  });

  it('six fields count seconds; a year field and bare dates are refused', () => {
    assert.equal(iso(clockOf('*/20 * * * * *').next(at('2026-01-01T00:00:00Z'))!), '2026-01-01T00:00:20.000Z');
    const seven = compileCron('0 0 0 * * * 2027');
    assert.equal(seven.ok, false);
    assert.equal(compileCron('2026-01-01T00:00:00Z').ok, false);
    assert.equal(compileCron('').ok, false);
  });

  it('idempotency keys are per schedule and slot', () => {
    assert.equal(scheduleIdem('nightly', at('2026-01-01T02:00:00Z')), 'schedule:nightly:2026-01-01T02:00:00.000Z');
  });
});

describe('the plan at a wake', () => {
  const hourly = clockOf('0 * * * *');
  const base = (o: Partial<PlanInput>): PlanInput => ({
    clock: hourly,
    catchUp: 'skip',
    overrun: 'skip',
    lastSlotMs: at('2026-01-01T09:00:00Z'),
    nowMs: at('2026-01-01T10:00:00Z'),
    running: [],
    queued: false,
    startup: false,
    ...o,
  });

  it('starts the slot that is due; nothing before it', () => {
    assert.deepEqual(planSlots(base({})), {
      missed: [],
      start: { slot: at('2026-01-01T10:00:00Z'), action: 'start', trigger: 'cron' },
      through: at('2026-01-01T10:00:00Z'),
    });
    assert.deepEqual(planSlots(base({ nowMs: at('2026-01-01T09:59:59Z') })), { missed: [], through: at('2026-01-01T09:00:00Z') });
    // Within the grace (a late timer, a quick restart) it still starts.
    assert.equal(planSlots(base({ nowMs: at('2026-01-01T10:00:59Z') })).start?.action, 'start');
  });

  it('after downtime, catchUp skip records every slot missed', () => {
    const p = planSlots(base({ nowMs: at('2026-01-01T13:30:00Z'), startup: true }));
    assert.equal(p.start, undefined);
    assert.deepEqual(
      p.missed.map((m) => [iso(m.slot), m.reason]),
      [
        ['2026-01-01T10:00:00.000Z', 'down'],
        ['2026-01-01T11:00:00.000Z', 'down'],
        ['2026-01-01T12:00:00.000Z', 'down'],
        ['2026-01-01T13:00:00.000Z', 'down'],
      ],
    );
    assert.equal(iso(p.through), '2026-01-01T13:00:00.000Z');
  });

  it('after downtime, catchUp once runs the newest once and records the rest missed', () => {
    const p = planSlots(base({ nowMs: at('2026-01-01T13:30:00Z'), startup: true, catchUp: 'once' }));
    assert.deepEqual(p.start, { slot: at('2026-01-01T13:00:00Z'), action: 'start', trigger: 'catch-up' });
    assert.deepEqual(
      p.missed.map((m) => iso(m.slot)),
      ['2026-01-01T10:00:00.000Z', '2026-01-01T11:00:00.000Z', '2026-01-01T12:00:00.000Z'],
    );
  });

  it('a long gap lists the oldest missed slots and summarises the rest as one range', () => {
    const p = planSlots(base({ nowMs: at('2026-01-31T09:30:00Z'), startup: true, maxListed: 5 }));
    assert.equal(p.missed.length, 7);
    assert.deepEqual(
      p.missed.slice(0, 5).map((m) => iso(m.slot)),
      ['10', '11', '12', '13', '14'].map((h) => `2026-01-01T${h}:00:00.000Z`),
    );
    assert.deepEqual(
      { slot: iso(p.missed[5]!.slot), until: iso(p.missed[5]!.until!) },
      { slot: '2026-01-01T15:00:00.000Z', until: '2026-01-31T08:00:00.000Z' },
    );
    assert.equal(iso(p.missed[6]!.slot), '2026-01-31T09:00:00.000Z');
    assert.equal(iso(p.through), '2026-01-31T09:00:00.000Z');
  });

  it('overrun: skip, queue one, allow', () => {
    const running = [at('2026-01-01T09:00:00Z')];
    assert.deepEqual(planSlots(base({ running })).start, {
      slot: at('2026-01-01T10:00:00Z'),
      action: 'skip',
      trigger: 'cron',
      reason: 'the run of slot 2026-01-01T09:00:00.000Z is still going',
    });
    assert.equal(planSlots(base({ running, overrun: 'queue' })).start?.action, 'queue');
    assert.match(planSlots(base({ running, overrun: 'queue', queued: true })).start?.reason ?? '', /already queued/);
    assert.equal(planSlots(base({ running, overrun: 'queue', queued: true })).start?.action, 'skip');
    assert.equal(planSlots(base({ running, overrun: 'allow' })).start?.action, 'start');
  });
});

// `runledger schedules check|list` on a real SQLite store: next runs in each schedule's time zone
// (across a DST change), located problems with exit 9, and the list with what the store and the
// ledger know (a slot fired by the scheduler).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { OpsOutbox, ScheduleStore } from '@runledger/store';
import { FakeClock, removeTempDirs, tempDir } from '@runledger/testkit';
import { backupJob, JobScheduler, loadSchedulesFile, openLedger, pumpOutbox } from '@runledger/runtime';
import { cliRunner, fileIn } from './helpers.js';

after(removeTempDirs);

const SCHEDULES = `schedules:
  - name: nightly-backup
    cron: "30 2 * * *"
    timezone: Europe/Berlin
    job: { backup: { keep: 7 } }
  - name: drill
    cron: "0 4 1 * *"
    enabled: false
    job: { drill: { kind: restore, env: staging } }
`;

describe('schedules CLI', () => {
  it('check prints the next runs in each time zone; problems are located (exit 9)', async () => {
    const root = tempDir('runledger-sched-cli-');
    const run = cliRunner(root, join(root, 'data'));
    fileIn(root, 'schedules.yaml', SCHEDULES);
    const ok = await run({}, 'schedules', 'check', 'schedules.yaml', '--from', '2026-03-27T12:00:00Z');
    assert.equal(ok.code, 0, ok.err);
    assert.equal(
      ok.out,
      [
        'nightly-backup  30 2 * * *  Europe/Berlin  backup keep 7',
        '  overrun skip, catch-up skip',
        '  2026-03-28 02:30:00 CET  (2026-03-28T01:30:00.000Z)',
        '  2026-03-29 03:00:00 CEST  (2026-03-29T01:00:00.000Z)',
        '  2026-03-30 02:30:00 CEST  (2026-03-30T00:30:00.000Z)',
        'drill  0 4 1 * *  UTC  drill restore in staging  (disabled)',
        '  overrun skip, catch-up skip',
        'ok',
        '',
      ].join('\n'),
    );
    const json = await run({}, 'schedules', 'check', 'schedules.yaml', '--from', '2026-03-27T12:00:00Z', '--json', '--runs', '1');
    assert.deepEqual(JSON.parse(json.out).schedules[0].next, [{ utc: '2026-03-28T01:30:00.000Z', local: '2026-03-28 02:30:00 CET' }]);

    fileIn(root, 'bad.yaml', 'schedules:\n  - name: x\n    cron: "0 2 * * *"\n    timezone: Europe/Berlni\n    job: { backup: {}, extra: 1 }\n');
    const bad = await run({}, 'schedules', 'check', 'bad.yaml', '--json');
    assert.equal(bad.code, 9);
    const body = JSON.parse(bad.out) as { ok: boolean; problems: string[] };
    assert.equal(body.ok, false);
    assert.deepEqual(body.problems, [
      `${join(root, 'bad.yaml')}:4:15: $.schedules[0].timezone: unknown time zone "Europe/Berlni" (an IANA name such as Europe/Berlin, or UTC)`,
      `${join(root, 'bad.yaml')}:5:31: $.schedules[0].job.extra: unknown key extra (expected one of backup, runbook, drill)`,
    ]);
    assert.match(bad.err, /^runledger: SCHEDULES_INVALID: invalid schedules file:/);
    assert.equal((await run({}, 'schedules', 'check', 'missing.yaml')).code, 2);
  });

  it('list shows the next run, the last outcome and the recent slots from the ledger', async () => {
    const root = tempDir('runledger-sched-cli-');
    const home = join(root, 'data');
    const run = cliRunner(root, home);
    assert.equal((await run({}, 'init', '--origin', 'ops.test/schedules-cli')).code, 0);
    const file = fileIn(root, 'schedules.yaml', SCHEDULES);
    assert.equal((await run({}, 'schedules', 'list')).code, 2, 'no file given');

    // The scheduler (as the server runs it) fires the nightly backup once, on a fake clock.
    const ctx = await openLedger({ home, env: {} }, { write: true });
    try {
      const clock = new FakeClock(Date.parse('2026-01-01T01:29:00Z'));
      const outbox = new OpsOutbox(ctx.store);
      const s = new JobScheduler({
        store: new ScheduleStore(ctx.store),
        schedules: (await loadSchedulesFile(file)).schedules,
        jobs: { backup: backupJob({ ctx, defaultDir: join(root, 'backups'), baseDir: root }) },
        pump: () => pumpOutbox(outbox, (d) => ctx.writer!.append(d)),
        now: clock.now,
        timers: clock,
        pollMs: 3_600_000,
      });
      await s.start();
      await clock.advanceTo(Date.parse('2026-01-01T01:30:00Z'));
      await s.idle();
      await s.stop();
    } finally {
      await ctx.close();
    }
    const listed = await run({ RUNLEDGER_SCHEDULES: file }, 'schedules', 'list', '--json');
    assert.equal(listed.code, 0, listed.err);
    const [nightly, drill] = JSON.parse(listed.out) as Array<{
      name: string;
      next: string | null;
      last: { outcome: string; ref: string } | null;
      history: Array<{ outcome: string; slot: string; ref?: string }>;
    }>;
    assert.equal(nightly!.last!.outcome, 'fired');
    assert.match(nightly!.last!.ref, /^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    assert.deepEqual(
      nightly!.history.map((h) => [h.outcome, h.slot, h.ref]),
      [['fired', '2026-01-01T01:30:00.000Z', nightly!.last!.ref]],
    );
    assert.ok(nightly!.next! > new Date().toISOString());
    assert.equal(drill!.next, null);
    assert.equal(drill!.last, null);
    const text = await run({}, 'schedules', 'list', '--file', 'schedules.yaml');
    assert.equal(text.code, 0, text.err);
    assert.match(
      text.out,
      /^nightly-backup {2}30 2 \* \* \* {2}Europe\/Berlin {2}backup keep 7\n {2}next {2}\d{4}-\d\d-\d\d 02:30:00 CES?T\n {2}last {2}fired \(slot 2026-01-01T01:30:00.000Z\) \S+: backup /m,
    );
    assert.match(text.out, /recent ✓ 2026-01-01T01:30:00.000Z/);
    assert.match(text.out, /^drill .*\n {2}next {2}disabled\n {2}last {2}none yet$/m);

    // serve refuses to start on an invalid schedules file (exit 9), naming where.
    fileIn(root, 'bad.yaml', 'schedules:\n  - { name: x, cron: "0 2 * * 8", job: { backup: {} } }\n');
    const serve = await run({}, 'serve', '--port', '0', '--schedules', 'bad.yaml', '--runbooks', root);
    assert.equal(serve.code, 9, serve.err);
    assert.match(serve.err, /SCHEDULES_INVALID: invalid schedules file:\n.*bad\.yaml:2:\d+: \$\.schedules\[0\]\.cron: /);
  });
});

// Job schedules in the server (SQLite, inject): the schedules file in force, the scheduler on a fake
// clock firing a real backup, a real runbook run through the run worker and a real restore drill through
// the drills host, GET /api/v1/schedules (next runs, last outcome, history from the ledger) and the metrics;
// an invalid file keeps the server from starting.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { initLedger, listBackups, RuntimeError } from '@runledger/runtime';
import { FakeClock, removeTempDirs, sqliteFactory, tempDir, until } from '@runledger/testkit';
import { createApp, openServerEngine } from '../src/index.js';
import { harness, locOf, type Harness } from './helpers.js';

const at = (s: string): number => Date.parse(s);

after(removeTempDirs);

describe('schedules API (SQLite)', () => {
  it('fires scheduled jobs, lists schedules with next runs, outcomes and history, and counts them in /metrics', async () => {
    const fx = await sqliteFactory.create();
    const dir = tempDir('runledger-sched-api-');
    const runbooks = join(dir, 'runbooks');
    mkdirSync(runbooks);
    writeFileSync(join(runbooks, 'hello.md'), '---\nid: hello\ntitle: Hello\n---\n\n# Hello\n\n## Procedure\n\n```sh {#hi}\necho hello\n```\n');
    const file = join(dir, 'schedules.yaml');
    writeFileSync(
      file,
      `schedules:
  - name: nightly-backup
    description: the store, every night
    cron: "0 2 * * *"
    timezone: Europe/Berlin
    job: { backup: { dir: backups, keep: 3 } }
  - name: hello
    cron: "*/30 * * * *"
    job: { runbook: { name: hello } }
  - name: restore-drill
    cron: "0 3 * * *"
    timezone: Europe/Berlin
    job: { drill: { kind: restore, env: staging } }
`,
    );
    const clock = new FakeClock(at('2026-06-01T23:55:00Z'));
    let h: Harness | undefined;
    try {
      h = await harness(fx, {
        clock: () => new Date(clock.now()),
        runbooksDir: runbooks,
        schedules: { path: file, now: clock.now, timers: clock, pollMs: 3_600_000 },
      });
      const host = h.app.schedules;
      // 00:00, 00:30 and 01:00 UTC: hello; 01:00 UTC (03:00 CEST): the drill; 00:00 UTC (02:00 CEST): the backup.
      for (const t of ['2026-06-02T00:00:00Z', '2026-06-02T00:30:00Z', '2026-06-02T01:00:00Z']) {
        await clock.advanceTo(at(t));
        // The jobs run in real time (a VACUUM INTO, a shell step) while the fake clock waits.
        await until(`the jobs of ${t} to end`, async () => (await host.store.inFlight()).length === 0, { timeoutMs: 20_000 });
      }
      await until(
        'five slots in the ledger',
        async () => {
          const r = await h!.inject({ url: '/api/v1/schedules', token: h!.tokens.viewer });
          return (r.json.schedules as Array<{ history: unknown[] }>).reduce((n, s) => n + s.history.length, 0) >= 5;
        },
        { timeoutMs: 20_000 },
      );
      const r = await h.inject({ url: '/api/v1/schedules', token: h.tokens.viewer });
      assert.equal(r.status, 200, r.text);
      const body = r.json;
      assert.equal(body.configured, true);
      assert.equal(body.path, file);
      assert.deepEqual(
        body.schedules.map((s: { name: string }) => s.name),
        ['nightly-backup', 'hello', 'restore-drill'],
      );
      const [backup, hello, drill] = body.schedules;
      assert.equal(backup.job.summary, 'backup to backups keep 3');
      assert.equal(backup.next, '2026-06-03T00:00:00.000Z', '02:00 in Berlin (CEST)');
      assert.deepEqual(backup.nextRuns, ['2026-06-03T00:00:00.000Z', '2026-06-04T00:00:00.000Z', '2026-06-05T00:00:00.000Z']);
      assert.equal(backup.last.outcome, 'fired');
      const backups = await listBackups(join(dir, 'backups'));
      assert.equal(backups.length, 1, 'a relative dir is taken from the schedules file');
      assert.equal(backup.last.ref, backups[0]!.id);
      assert.equal(backup.history[0].outcome, 'fired');
      assert.equal(backup.history[0].ref, backups[0]!.id);
      assert.equal(backup.history[0].slot, '2026-06-02T00:00:00.000Z');
      assert.ok(backup.lastSuccessAt);

      assert.deepEqual(
        hello.history.map((x: { outcome: string; slot: string }) => `${x.outcome} ${x.slot}`),
        ['fired 2026-06-02T01:00:00.000Z', 'fired 2026-06-02T00:30:00.000Z', 'fired 2026-06-02T00:00:00.000Z'],
      );
      const run = await h.inject({ url: `/api/v1/runs/${hello.history[0].ref}`, token: h.tokens.viewer });
      assert.equal(run.json.state, 'succeeded');
      assert.equal(run.json.requester, 'scheduler');

      // The drill ran through the drills host: its id is the slot's ref, and the drills API has its result.
      assert.equal(drill.wired, true);
      assert.equal(drill.last.outcome, 'fired', drill.last.detail);
      assert.match(drill.last.ref, /^drill-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
      const d = await h.inject({ url: `/api/v1/drills/${drill.last.ref}`, token: h.tokens.viewer });
      assert.equal(d.json.drill.kind, 'restore');
      assert.equal(d.json.drill.passed, true, d.json.drill.reasons.join('; '));
      assert.equal(d.json.drill.actor, 'scheduler');

      const m = (await h.inject({ url: '/metrics' })).text;
      assert.match(m, /runledger_schedule_runs_total\{schedule="hello",outcome="fired"\} 3/);
      assert.match(m, /runledger_schedule_runs_total\{schedule="restore-drill",outcome="fired"\} 1/);
      assert.match(m, /runledger_schedule_last_success_timestamp_seconds\{schedule="nightly-backup"\} \d+/);
      assert.match(m, /runledger_drill_last_passed\{kind="restore"\} 1/);
      assert.match(m, /# TYPE runledger_schedule_missed_total counter/);

      // The file's content is in the ledger once.
      const loaded = await h.inject({ url: '/api/v1/ledger/search?type=schedules.loaded', token: h.tokens.viewer });
      assert.equal(loaded.json.entries.length, 1);
      assert.equal(loaded.json.entries[0].entry.data.sha256, host.loaded!.digest);
    } finally {
      await h?.close();
    }
  });

  it('without a schedules file the list is empty; an invalid file keeps the server from starting', async () => {
    const fx = await sqliteFactory.create();
    const h = await harness(fx);
    try {
      const r = await h.inject({ url: '/api/v1/schedules', token: h.tokens.viewer });
      assert.deepEqual({ ...r.json, now: undefined }, { configured: false, path: null, digest: null, now: undefined, schedules: [] });
    } finally {
      await h.close();
    }
    const bad = join(tempDir(), 'schedules.yaml');
    writeFileSync(bad, 'schedules:\n  - name: x\n    cron: "0 25 * * *"\n    job: { backup: {} }\n');
    const fx2 = await sqliteFactory.create();
    const loc = locOf(fx2);
    await initLedger(loc, { origin: 'api.test/ledger', actor: { kind: 'user', id: 'setup' } });
    const server = await openServerEngine(loc, { cwd: tempDir() });
    try {
      await assert.rejects(
        () => createApp({ engineContext: server.engineContext, events: server.events, version: 't', schedules: { path: bad } }),
        (e: unknown) =>
          e instanceof RuntimeError &&
          e.code === 'SCHEDULES_INVALID' &&
          /schedules\.yaml:3:11: \$\.schedules\[0\]\.cron: Invalid value for hour: 25/.test(e.message),
      );
    } finally {
      await server.engineContext.close();
    }
  });
});

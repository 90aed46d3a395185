// Job schedules in a real browser (Debian's Chromium) against a real server: the scheduler runs on a
// fake clock through the last twelve hours, firing real backups and real runbook runs (one of every
// five fails), a run still going when its next slot comes (skipped), an event-loop stall (missed slots)
// and a monthly drill schedule (wired through the drills host). Vera (viewer) opens Schedules from the nav: a row per
// schedule with cron and time zone, the next run, the last outcome (a run links to its page) and the
// strip of recent runs; the view is saved as a screenshot (docs/screenshots/ on request).
// Needs packages/web/dist: npm run build -w @runledger/web.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FakeClock } from '@runledger/testkit';
import { boot, launchChromium, newUser, requireDist, signIn, type Booted } from './boot.js';

const SHOTS = process.env['RUNLEDGER_SCREENSHOTS_DIR'] ?? mkdtempSync(join(tmpdir(), 'runledger-shots-'));
const COUNTER = join(mkdtempSync(join(tmpdir(), 'runledger-sched-web-')), 'rotations');
const QUARTER = 15 * 60_000;
// Twelve hours back from now, on a quarter hour: the history ends about now, so "next run" reads naturally.
const END = Math.floor(Date.now() / QUARTER) * QUARTER;
const START = END - 12 * 3_600_000 - 60_000;

const RUNBOOKS = {
  // Every fifth rotation fails (a full disk, say), deterministically.
  'rotate-logs.md': `---\nid: rotate-logs\ntitle: Rotate logs\ninputs:\n  service: {type: string}\n---\n\n# Rotate logs\n\n## Procedure\n\n\`\`\`sh {#rotate}\nn=$(cat ${COUNTER} 2>/dev/null || echo 0); echo $((n+1)) > ${COUNTER}\necho "rotating {{ inputs.service }} logs ($n)"\nif [ $((n % 5)) -eq 3 ]; then echo "no space left on device" >&2; exit 1; fi\n\`\`\`\n`,
  'cert-report.md': `---\nid: cert-report\ntitle: Certificate report\n---\n\n# Certificate report\n\n## Procedure\n\n\`\`\`sh {#report}\necho "checking certificates"; sleep 3; echo "3 certificates expire within 30 days"\n\`\`\`\n`,
};

const SCHEDULES = `schedules:
  - name: nightly-backup
    description: the store, every night; seven kept
    cron: "30 2 * * *"
    timezone: Europe/Berlin
    catchUp: once
    job: { backup: { keep: 7 } }
  - name: hourly-backup
    cron: "0 * * * *"
    job: { backup: { keep: 3 } }
  - name: rotate-logs
    cron: "*/30 * * * *"
    timezone: America/New_York
    job: { runbook: { name: rotate-logs, inputs: { service: api } } }
  - name: cert-report
    cron: "15 * * * *"
    overrun: skip
    job: { runbook: { name: cert-report } }
  - name: restore-drill
    description: monthly restore drill (seed 001)
    cron: "0 4 1 * *"
    timezone: Europe/Berlin
    job: { drill: { kind: restore, env: staging } }
`;

let srv: Booted;
let chrome: Awaited<ReturnType<typeof launchChromium>>;
const clock = new FakeClock(START);
const problems: string[] = [];

before(async () => {
  requireDist();
  srv = await boot({
    runbooks: RUNBOOKS,
    schedules: { file: SCHEDULES, options: { now: clock.now, timers: clock, pollMs: 3_600_000, runbookPollMs: 50 } },
  });
  chrome = await launchChromium();
});

after(async () => {
  await chrome?.close();
  await srv?.close();
});

/** Moves the fake clock a quarter hour at a time to `end`, letting each slot's jobs run to their end (unless held). */
async function stepTo(end: number, hold: (t: number) => boolean = () => false): Promise<void> {
  const host = srv.app.schedules;
  while (clock.now() < end) {
    const t = Math.min(end, (Math.floor(clock.now() / QUARTER) + 1) * QUARTER);
    await clock.advanceTo(t);
    await host.settled();
    if (!hold(t)) await host.idle();
  }
}

test('the schedules view: next runs, last outcomes and the strip of recent runs', async () => {
  // The first six hours. About 3 h in, the clock does not wait for cert-report's run (3 s of real time)
  // through to its next slot an hour later, which finds it still going: skipped.
  const held = Math.ceil((START + 3 * 3_600_000) / 3_600_000) * 3_600_000 + QUARTER;
  await stepTo(START + 6 * 3_600_000, (t) => t >= held && t < held + 3_600_000);
  await srv.app.schedules.idle();
  // The event loop stalls for 100 minutes: the slots in between are missed.
  clock.stall(100 * 60_000);
  await stepTo(END);
  await srv.app.schedules.idle();

  const { page } = await newUser(chrome.browser, srv.url);
  page.on('pageerror', (e) => problems.push(`pageerror on ${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`csp on ${page.url()}: ${m.text()}`);
  });
  await signIn(page, srv.tokens.vera);
  await page.getByTestId('nav-schedules').click();
  await page.getByTestId('schedule').first().waitFor();
  const rows = page.getByTestId('schedule');
  assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-schedule'))), [
    'nightly-backup',
    'hourly-backup',
    'rotate-logs',
    'cert-report',
    'restore-drill',
  ]);
  const row = (name: string) => page.locator(`[data-testid="schedule"][data-schedule="${name}"]`);
  const marks = async (name: string): Promise<string[]> =>
    row(name)
      .getByTestId('schedule-mark')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-outcome') ?? ''));

  // hourly-backup: a real backup every hour; the stall cost it one or two slots.
  const hourly = await marks('hourly-backup');
  assert.ok(hourly.filter((m) => m === 'fired').length >= 9, hourly.join(' '));
  assert.ok(hourly.includes('missed'), hourly.join(' '));
  assert.equal((await row('hourly-backup').getByTestId('schedule-last-outcome').textContent())?.trim(), '✔ ok');
  assert.match((await row('hourly-backup').getByTestId('schedule-last').textContent()) ?? '', /\d{8}T\d{6}Z-[0-9a-f]{6}/);

  // rotate-logs: every fifth run failed, the stall missed three.
  const rotate = await marks('rotate-logs');
  assert.ok(rotate.filter((m) => m === 'failed').length >= 3, rotate.join(' '));
  assert.ok(rotate.filter((m) => m === 'missed').length >= 3, rotate.join(' '));
  assert.match((await row('rotate-logs').getByTestId('schedule-tally').textContent()) ?? '', /\d+ ok · \d+ failed( · \d+ skipped)? · \d+ missed/);
  // A failed mark's tooltip says why.
  const failedTitle = await row('rotate-logs').locator('[data-outcome="failed"]').first().getAttribute('title');
  assert.match(failedTitle ?? '', /failed — run \S+ of rotate-logs failed/);

  // cert-report: one slot skipped while the previous run was still going.
  assert.ok((await marks('cert-report')).includes('skipped'), (await marks('cert-report')).join(' '));

  // restore-drill: the server runs drill jobs through its drills host, so it is wired (and monthly).
  await row('restore-drill').getByTestId('schedule-next').waitFor();
  assert.equal(await row('restore-drill').getByTestId('schedule-not-wired').count(), 0);
  // Next runs: relative and absolute, and in the schedule's own zone.
  assert.match((await row('hourly-backup').getByTestId('schedule-next').textContent()) ?? '', /in \d+m/);
  assert.match((await row('nightly-backup').getByTestId('schedule-next').textContent()) ?? '', /02:30 CES?T/);

  mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SHOTS, 'schedules.png') });

  // The last rotation's run opens from the last outcome.
  await row('rotate-logs').getByTestId('schedule-last').locator('a').click();
  await page.getByTestId('run-state').waitFor();
  assert.match(page.url(), /\/runs\/[^/]+$/);
  assert.deepEqual(problems, [], 'no script errors and no CSP violations');
});

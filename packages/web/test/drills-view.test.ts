// Drills in a real browser (Debian's Chromium) against a real server: three restore drills pass, one is
// held to an impossible RTO target and fails, and an escalation drill pages through the real intake and
// routing into the built-in mail sink. Alice (operator) opens Drills: the last result of each kind, the
// RTO/RPO/delivery charts with their targets (the failed drill a cross above the line), the drill
// schedule and the history with each drill's evidence. She opens the failed drill (why it failed, each
// check, the step timings) and then starts a restore drill from the page and watches it pass. The views
// are saved as screenshots (docs/screenshots/ on request). Needs packages/web/dist.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { until } from '@runledger/testkit';
import { boot, launchChromium, newUser, signIn, type Booted } from './boot.js';

const SHOTS = process.env['RUNLEDGER_SCREENSHOTS_DIR'] ?? mkdtempSync(join(tmpdir(), 'runledger-shots-'));

// Seed 001's escalation drill: level 1 mails who is on call, level 2 mails bob after the deadline. The
// SMTP address is never used: a drill's mail goes to its own sink.
const OPERATIONS = `route:
  receiver: oncall-mail
  routes:
    - matchers: ['alertname="RunledgerEscalationDrill"']
      receiver: oncall-mail
      escalation: drill-page
receivers:
  - name: oncall-mail
    email: { to: [oncall@example.test], from: runledger@example.test, smtp: { host: 127.0.0.1, port: 2525 } }
people:
  - name: alice
    email: alice@example.test
  - name: bob
    email: bob@example.test
schedules:
  - name: primary
    timeZone: UTC
    layers:
      - name: weekly
        users: [alice]
        start: 2026-01-05T09:00
        every: 7d
escalationPolicies:
  - name: drill-page
    levels:
      - after: 0m
        targets: [schedule:primary]
      - after: deadline
        targets: [person:bob]
`;

const SCHEDULES = `schedules:
  - name: monthly-restore-drill
    description: seed 001's monthly restore drill
    cron: "0 4 1 * *"
    timezone: Europe/Berlin
    job: { drill: { kind: restore } }
`;

let srv: Booted;
let chrome: Awaited<ReturnType<typeof launchChromium>>;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'runledger-web-drills-'));
  const ops = join(dir, 'operations.yaml');
  writeFileSync(ops, OPERATIONS);
  srv = await boot({ operations: { configPath: ops, env: {}, pollMs: 100 }, schedules: { file: SCHEDULES } });
  chrome = await launchChromium();
});

after(async () => {
  await chrome?.close();
  await srv?.close();
});

interface DrillJson {
  id: string;
  state: string;
  drill: { passed: boolean; reasons: string[] } | null;
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(new URL(`api/v1${path}`, srv.url), {
    method,
    headers: { authorization: `Bearer ${srv.tokens.alice}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

/** Runs a drill through the API and waits for its verdict. */
async function drill(body: Record<string, unknown>): Promise<DrillJson> {
  const started = await api('POST', '/drills', body);
  assert.equal(started.status, 202, JSON.stringify(started.json));
  const id = started.json['id'] as string;
  let d: DrillJson | undefined;
  await until(
    `drill ${id} to finish`,
    async () => {
      d = (await api('GET', `/drills/${id}`)).json as unknown as DrillJson;
      return d.state === 'finished';
    },
    { timeoutMs: 60_000 },
  );
  return d!;
}

test('the drills view: last results, charts against the targets, schedule, history, a failed drill, a drill started from the page', async () => {
  for (let i = 0; i < 3; i++) assert.equal((await drill({ kind: 'restore' })).drill?.passed, true);
  const failed = await drill({ kind: 'restore', targets: { rtoSeconds: 0.001 } });
  assert.equal(failed.drill?.passed, false);
  assert.match(failed.drill!.reasons.join('\n'), /RTO .* is over the target 0.001 s/);
  const esc = await drill({ kind: 'escalation' });
  assert.equal(esc.drill?.passed, true, esc.drill?.reasons.join('; '));

  const { page } = await newUser(chrome.browser, srv.url);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror on ${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`csp on ${page.url()}: ${m.text()}`);
  });
  await signIn(page, srv.tokens.alice);
  await page.getByTestId('nav-drills').click();
  await page.getByTestId('drill-row').first().waitFor();

  // The last result of each kind: restore failed (the impossible target), escalation passed, the rest never ran.
  assert.equal(await page.getByTestId('drill-card-restore').getByTestId('drill-verdict').getAttribute('data-passed'), 'false');
  assert.match((await page.getByTestId('drill-card-restore').textContent()) ?? '', /RTO .* over the target 0.001 s/);
  assert.equal(await page.getByTestId('drill-card-escalation').getByTestId('drill-verdict').getAttribute('data-passed'), 'true');
  assert.match((await page.getByTestId('drill-card-escalation').textContent()) ?? '', /delivery \d/);
  assert.match((await page.getByTestId('drill-card-chaos').textContent()) ?? '', /never run/);

  // Charts: four restores on the RTO chart (one a failed cross), the target drawn; one escalation delivery.
  const rto = page.getByTestId('chart-rto');
  assert.equal(await rto.getAttribute('data-points'), '4');
  assert.deepEqual((await rto.getByTestId('drill-dot').evaluateAll((els) => els.map((e) => e.getAttribute('data-passed')))).sort(), [
    'false',
    'true',
    'true',
    'true',
  ]);
  await rto.getByTestId('drill-target').waitFor();
  assert.equal(await page.getByTestId('chart-delivery').getAttribute('data-points'), '1');
  assert.equal(await page.getByTestId('chart-rpo').getAttribute('data-points'), '4');

  // The schedule and the history, newest first, each with its evidence.
  assert.match((await page.getByTestId('drill-schedule').textContent()) ?? '', /monthly-restore-drill.*restore/);
  const rows = page.getByTestId('drill-row');
  assert.equal(await rows.count(), 5);
  assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind'))), ['escalation', 'restore', 'restore', 'restore', 'restore']);
  const href = await rows.first().locator('a[download]').getAttribute('href');
  assert.equal(href, `/api/v1/drills/${esc.id}/evidence`);
  mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SHOTS, 'drills.png'), fullPage: true });

  // The failed drill: why, its checks, its steps and its evidence.
  await page.locator(`[data-testid="drill-row"][data-drill="${failed.id}"]`).getByTestId('drill-link').click();
  await page.getByTestId('drill-reasons').waitFor();
  assert.match((await page.getByTestId('drill-reasons').textContent()) ?? '', /RTO .* is over the target 0.001 s/);
  assert.ok((await page.getByTestId('drill-checks').locator('li[data-ok="true"]').count()) >= 3, 'the restore checks held');
  await page.getByTestId('drill-figures').locator('tr.over').first().waitFor();
  await page.getByTestId('drill-steps').waitFor();
  await page.getByTestId('drill-evidence').waitFor();
  await page.screenshot({ path: join(SHOTS, 'drill.png'), fullPage: true });

  // A restore drill started from the page: it runs on the server, and the page follows it to its verdict.
  await page.getByTestId('nav-drills').click();
  await page.getByTestId('drill-new').click();
  await page.getByTestId('drill-kind').selectOption('restore');
  await page.getByTestId('drill-start').click();
  await page.waitForURL(/\/drills\/drill-/);
  await page.getByTestId('drill-verdict').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('drill-verdict').getAttribute('data-passed'), 'true');
  assert.match((await page.getByTestId('drill-log').textContent()) ?? '', /restored and verified/);
  assert.deepEqual(problems, [], 'no script errors and no CSP violations');
});

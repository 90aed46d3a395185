// Incidents in a real browser: the server starts with an operations file (an Alertmanager
// integration, a signed webhook receiver, a chat receiver that is down, two on-call schedules, a
// SEV-1 escalation policy with a runbook), Alertmanager 0.25's captured bodies are posted with the
// integration's bearer token, and Alice (operator) signs in, sees the SEV-1 incident first with its
// live countdown, opens it, acknowledges it and sees the state and the timeline follow; the API
// agrees that she acknowledged it. Vera (viewer) sees the actions disabled with the reason. The
// incidents list, the incident and the on-call page are saved to docs/screenshots/.
// Needs packages/web/dist: npm run build -w @runledger/web.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { until } from '@runledger/testkit';
import { boot, freePort, launchChromium, newUser, REPO, requireDist, signIn, type Booted } from './boot.js';

const FIXTURES = join(REPO, 'packages/core/test/fixtures/alertmanager-0.25');
// The PNGs in docs/ are refreshed on request (RUNLEDGER_SCREENSHOTS_DIR=docs/screenshots); a plain test run
// writes them to a temporary directory, so `npm test` leaves the working tree as it found it.
const SHOTS = process.env['RUNLEDGER_SCREENSHOTS_DIR'] ?? mkdtempSync(join(tmpdir(), 'runledger-shots-'));
const AM_TOKEN = 'am-token-0123456789abcdef';
const HOOK_SECRET = `whsec_${Buffer.from('a-webhook-signing-secret-32-bytes!').toString('base64')}`;

type Body = Record<string, unknown> & { alerts: { labels: Record<string, string> }[] };
const body = (n: number): Body => JSON.parse(readFileSync(join(FIXTURES, `am025-webhook-00${n}.json`), 'utf8')) as Body;

/** A captured body with its labels changed (another alert, another severity): another incident. */
function variant(n: number, labels: Record<string, string>, summary: string): Body {
  const b = body(n);
  b.alerts = b.alerts.map((a) => ({ ...a, labels: { ...a.labels, ...labels }, annotations: { summary } }));
  b['groupLabels'] = { alertname: labels['alertname'] ?? '', service: labels['service'] ?? '' };
  b['commonLabels'] = { ...(b['commonLabels'] as Record<string, string>), ...labels };
  b['groupKey'] = `{}:{alertname="${labels['alertname']}"}`;
  return b;
}

function operationsFile(hookUrl: string, chatUrl: string): string {
  const dir = join(tmpdir(), `runledger-web-ops-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'operations.yaml');
  writeFileSync(
    file,
    `integrations:
  - name: prometheus
    type: alertmanager
    secret: env:AM_TOKEN
receivers:
  - name: ops-webhook
    webhook:
      url: ${hookUrl}
      secret: env:HOOK_SECRET
  - name: team-chat
    chat:
      url: ${chatUrl}
people:
  - name: alice
    receivers: [team-chat]
  - name: bob
    receivers: [team-chat]
  - name: carol
    receivers: [team-chat]
schedules:
  - name: primary
    timeZone: Europe/Berlin
    layers:
      - name: weekly
        users: [alice, bob]
        start: 2026-01-05T09:00
        every: 7d
  - name: database
    timeZone: America/New_York
    layers:
      - name: daily
        users: [carol, bob]
        start: 2026-01-01T08:00
        every: 1d
route:
  receiver: ops-webhook
  groupBy: [alertname, service]
  routes:
    - matchers: ['severity="critical"']
      receiver: ops-webhook
      escalation: sev1
      runbook: readiness
escalationPolicies:
  - name: sev1
    levels:
      - after: 0m
        targets: [receiver:ops-webhook, schedule:primary]
      - after: deadline
        targets: [person:carol]
incidents:
  ackDeadlines: { SEV-1: 15m, SEV-2: 30m, SEV-3: 2s }
`,
  );
  return file;
}

let srv: Booted;
let chrome: Awaited<ReturnType<typeof launchChromium>>;
let hook: Server;
const hookBodies: string[] = [];
const problems: string[] = [];

before(async () => {
  requireDist();
  hook = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString('utf8')));
    req.on('end', () => {
      hookBodies.push(data);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  // Nothing listens there: the chat deliveries fail and wait for their retry.
  const chatUrl = `http://127.0.0.1:${await freePort()}/chat`;
  srv = await boot({ operations: { configPath: operationsFile(hookUrl, chatUrl), env: { AM_TOKEN, HOOK_SECRET }, pollMs: 100 } });
  chrome = await launchChromium();
});

after(async () => {
  await chrome?.close();
  await srv?.close();
  await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()));
});

async function api(token: string, method: 'GET' | 'POST', path: string, b?: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(new URL(path, srv.url), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(b !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(b !== undefined ? { body: JSON.stringify(b) } : {}),
  });
  const text = await r.text();
  return { status: r.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown>, text };
}

const alertmanager = (b: unknown) => api(AM_TOKEN, 'POST', '/api/v1/integrations/alertmanager/prometheus', b);

async function userPage(): Promise<Page> {
  const { page } = await newUser(chrome.browser, srv.url);
  page.on('pageerror', (e) => problems.push(`pageerror on ${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`csp on ${page.url()}: ${m.text()}`);
  });
  return page;
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

test('incidents in the browser: list, countdown, acknowledge, timeline, on-call', { timeout: 180_000 }, async (t) => {
  let sev1 = '';
  let alice: Page;

  await t.test('Alertmanager bodies open incidents (with the bearer token)', async () => {
    const r = await alertmanager(body(3));
    assert.equal(r.status, 200, r.text);
    const incidents = r.json['incidents'] as unknown as string[];
    assert.equal(incidents.length, 1);
    sev1 = incidents[0]!;
    const sev2 = await alertmanager(variant(2, { alertname: 'HighLatency', service: 'api', severity: 'high' }, 'p99 latency above 2 s on api-1'));
    assert.equal(sev2.status, 200, sev2.text);
    const sev3 = await alertmanager(variant(1, { alertname: 'CertExpiring', service: 'edge', severity: 'warning' }, 'TLS certificate expires in 6 days'));
    assert.equal(sev3.status, 200, sev3.text);
    // The SEV-1's webhook is delivered; the chat receiver is down and waits for a retry.
    await until('the SEV-1 webhook delivery', async () => {
      const d = await api(srv.tokens.vera, 'GET', `/api/v1/deliveries?incident=${sev1}`);
      return (d.json['deliveries'] as unknown as { state: string }[]).some((x) => x.state === 'delivered') ? true : undefined;
    });
    // A hand-off with its risks, for the on-call page.
    const h = await api(srv.tokens.alice, 'POST', '/api/v1/handoffs', {
      schedule: 'primary',
      to: 'bob',
      risks: 'db-1/db-3 disks filling (DiskFull SEV-1 open); cleanup job scheduled 02:00.\nCert on edge expires in 6 days.',
    });
    assert.equal(h.status, 201, h.text);
    const s = await api(srv.tokens.alice, 'POST', '/api/v1/silences', {
      matchers: ['alertname="CertExpiring"', 'service="edge"'],
      duration: '4h',
      comment: 'renewal ticket OPS-311 in progress',
    });
    assert.equal(s.status, 201, s.text);
  });

  await t.test('the incidents list: SEV-1 first, with its live countdown', async () => {
    alice = await userPage();
    await signIn(alice, srv.tokens.alice, '/incidents');
    const rows = alice.getByTestId('incident-row');
    await alice.locator(`[data-testid="incident-row"][data-incident="${sev1}"]`).waitFor();
    await until('three incidents', async () => ((await rows.count()) === 3 ? true : undefined));
    assert.equal(await rows.first().getAttribute('data-incident'), sev1, 'the triggered SEV-1 comes first');
    assert.equal(await rows.first().getAttribute('data-severity'), 'SEV-1');
    const row = alice.locator(`[data-testid="incident-row"][data-incident="${sev1}"]`);
    const countdown = row.getByTestId('incident-countdown');
    assert.equal(await countdown.getAttribute('data-overdue'), 'false');
    const first = await countdown.innerText();
    assert.match(first, /1[45]m \d\ds left/);
    // It ticks on its own (no reload).
    await until('the countdown to tick', async () => ((await countdown.innerText()) !== first ? true : undefined), { timeoutMs: 5000 });
    assert.match(await row.innerText(), /2 \/ 2/, 'firing / total alerts');
    // The SEV-3's two-second deadline has passed: red, overdue.
    const sev3 = alice.locator('[data-testid="incident-row"][data-severity="SEV-3"]');
    await until('the SEV-3 to be overdue', async () =>
      (await sev3.getByTestId('incident-countdown').getAttribute('data-overdue')) === 'true' ? true : undefined,
    );
    // Still "overdue by …" once the deadline timer has fired (the list reads when it was due from the timeline).
    await alice.waitForTimeout(1500);
    assert.match(await sev3.getByTestId('incident-countdown').innerText(), /overdue by \dm \d\ds/);
    // The nav counts incidents nobody has acknowledged.
    assert.equal(await alice.getByTestId('nav-incidents-count').innerText(), '3');
    await shot(alice, 'incidents');
  });

  await t.test('the incident: acknowledge, and the state and timeline follow', async () => {
    await alice.locator(`[data-testid="incident-row"][data-incident="${sev1}"]`).getByTestId('incident-link').click();
    await alice.waitForURL(new RegExp(`/incidents/${sev1}$`));
    await alice.locator('[data-testid="incident"][data-state="triggered"]').waitFor();
    assert.match(await alice.getByTestId('incident-title').innerText(), /Disk almost full/);
    assert.equal(await alice.getByTestId('alert-row').count(), 2);
    assert.match(await alice.getByTestId('incident-runbook').innerText(), /Verify readiness/);
    // The run form gets the incident (the run joins its timeline) and the alert's labels that name inputs.
    assert.match((await alice.getByTestId('incident-run-runbook').getAttribute('href')) ?? '', new RegExp(`^/runbooks/readiness\\?incident=${sev1}`));
    // Notifications on the timeline link to their delivery records.
    await alice.locator('[data-testid="delivery-row"][data-state="delivered"]').first().waitFor();
    await alice.getByTestId('timeline-delivery').first().waitFor();

    await alice.getByTestId('incident-ack').click();
    await alice.locator('[data-testid="incident"][data-state="acknowledged"]').waitFor();
    assert.match(await alice.getByTestId('incident-state').innerText(), /^acknowledged$/i);
    assert.equal(await alice.getByTestId('incident-state').getAttribute('data-state'), 'acknowledged');
    const ackEvent = alice.locator('[data-testid="timeline-event"][data-type="acknowledged"]');
    await ackEvent.waitFor();
    assert.match(await ackEvent.innerText(), /acknowledged by alice/);
    assert.doesNotMatch(await ackEvent.innerText(), /token:/, 'people are named as everywhere else');
    assert.match(await alice.getByTestId('incident-countdown').innerText(), /acknowledged by alice/);
    assert.ok(await alice.getByTestId('incident-ack').isDisabled(), 'no second acknowledgement');
    assert.match(await alice.getByTestId('incident-actions').innerText(), /already acknowledged by alice/);
    // The nav's count of unacknowledged incidents follows at once.
    await until('the nav count to drop', async () => ((await alice.getByTestId('nav-incidents-count').innerText()) === '2' ? true : undefined), {
      timeoutMs: 5000,
    });

    // The API agrees: acknowledged by the signed-in user.
    const v = await api(srv.tokens.vera, 'GET', `/api/v1/incidents/${sev1}`);
    assert.equal(v.json['state'], 'acknowledged');
    assert.equal(v.json['owner'], 'token:alice');
    assert.equal((v.json['acknowledged'] as unknown as { by: string }).by, 'token:alice');
    await alice.evaluate(() => window.scrollTo(0, 0));
    await shot(alice, 'incident');
  });

  await t.test('a note, asked for and added to the timeline', async () => {
    await alice.getByTestId('incident-note').click();
    await alice.getByTestId('incident-submit').click();
    await alice.getByText('The note is empty.').waitFor();
    await alice.getByTestId('incident-text').fill('cleanup job started on db-1; db-3 next');
    await alice.getByTestId('incident-submit').click();
    await alice.locator('[data-testid="timeline-event"][data-type="note"]').waitFor();
  });

  await t.test('a viewer sees the actions disabled, with the reason', async () => {
    const vera = await userPage();
    await signIn(vera, srv.tokens.vera, `/incidents/${sev1}`);
    await vera.locator('[data-testid="incident"][data-state="acknowledged"]').waitFor();
    assert.ok(await vera.getByTestId('incident-resolve').isDisabled());
    assert.match(await vera.getByTestId('incident-actions').innerText(), /needs role operator \(you are viewer\)/);
    await vera.context().close();
  });

  await t.test('the on-call page: now and next per schedule, the last hand-off’s risks', async () => {
    await alice.getByTestId('nav-oncall').click();
    await alice.getByTestId('oncall-schedule').first().waitFor();
    assert.equal(await alice.getByTestId('oncall-schedule').count(), 2);
    const primary = alice.getByTestId('oncall-schedule').first();
    assert.match(await primary.getByTestId('oncall-now').innerText(), /alice|bob/);
    assert.match(await primary.innerText(), /Europe\/Berlin/);
    assert.match(await primary.getByTestId('oncall-last-handoff').innerText(), /DiskFull SEV-1 open/);
    await shot(alice, 'oncall');
  });

  await t.test('silences: the active one listed; the dashboard leads with open incidents', async () => {
    await alice.getByTestId('nav-silences').click();
    await alice.locator('[data-testid="silence-row"][data-status="active"]').waitFor();
    await shot(alice, 'silences');
    await alice.getByTestId('nav-dashboard').click();
    await alice.getByTestId('dash-incident-table').waitFor();
    assert.equal(await alice.getByTestId('dash-incident-table').getByTestId('incident-row').count(), 3);
    await shot(alice, 'dashboard-incidents');
  });

  assert.deepEqual(problems, [], 'no script errors and no CSP violations');
  assert.ok(hookBodies.length >= 1, 'the webhook receiver was called');
});

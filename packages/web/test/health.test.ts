// Continuous health in a real browser: the server starts with a service catalog (proxy → backend →
// postgres, redis optional; a worker on postgres) whose HTTP checks probe a local server this test
// controls, every second, down after two failures. Alice opens the service grid: every card is up
// (green, the word "up"); the test breaks postgres and the cards turn red, the dependents saying why
// ("down because of postgres (check postgres/ready), via backend"); the service view shows the
// dependency graph, the failing check with its reason and what its conditions saw, its history,
// a probe run now, the incident and the SLOs; the checklists show which item fails and its evidence;
// healed, the grid is green again. A viewer cannot probe; without a catalog the grid says how to add
// one. The grid, a service and the checklists are saved to docs/screenshots/ on request.
// Needs packages/web/dist: npm run build -w @runledger/web.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { until } from '@runledger/testkit';
import { boot, launchChromium, newUser, requireDist, signIn, type Booted } from './boot.js';

// The PNGs in docs/ are refreshed on request (RUNLEDGER_SCREENSHOTS_DIR=docs/screenshots); a plain test run
// writes them to a temporary directory, so `npm test` leaves the working tree as it found it.
const SHOTS_ON_REQUEST = process.env['RUNLEDGER_SCREENSHOTS_DIR'];
const SHOTS = SHOTS_ON_REQUEST ?? mkdtempSync(join(tmpdir(), 'runledger-shots-'));
// For the screenshots, a minute or so of history before and during the outage; a plain run keeps it short.
const HISTORY_MS = SHOTS_ON_REQUEST ? 45_000 : 3000;
const OUTAGE_MS = SHOTS_ON_REQUEST ? 15_000 : 0;

/** The services' endpoints: a little latency each (jitter, the odd slow answer); 503 while broken. */
const broken = new Set<string>();
const LATENCY: Record<string, [number, number]> = { proxy: [6, 16], backend: [14, 34], postgres: [2, 6], redis: [1, 3], worker: [4, 10] };
let target: Server;

function startTarget(): Promise<string> {
  target = createServer((req, res) => {
    const name = (req.url ?? '/').split('/')[1] ?? '';
    const [lo, hi] = LATENCY[name] ?? [1, 2];
    const slow = Math.random() < 0.06 ? 3 : 1;
    setTimeout(
      () => {
        const down = broken.has(name);
        res.writeHead(down ? 503 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(down ? { status: 'down', error: 'connection refused' } : { status: 'ok' }));
      },
      (lo + Math.random() * (hi - lo)) * slow,
    );
  });
  return new Promise((r) => target.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(target.address() as AddressInfo).port}`)));
}

function catalog(base: string): string {
  const check = (name: string, path: string, extra = ''): string => `      - name: ${name}
        http: { url: "${base}${path}" }
        interval: 1s
        timeout: 1s
        failureThreshold: 2
        successThreshold: 2
        conditions: ['status == 200', 'json.$.status == "ok"', 'latency < 500ms']${extra}`;
  return `services:
  - name: proxy
    description: Edge proxy (TLS, routing to the backend)
    owner: team-edge
    system: shop
    severity: SEV-2
    dependsOn: [backend]
    checks:
${check('health', '/proxy/health')}
  - name: backend
    description: The shop API
    owner: team-shop
    system: shop
    severity: SEV-1
    runbooks: { verify: readiness }
    dependsOn:
      - service: postgres
      # Sessions fall back to the database without the cache: optional.
      - service: redis
        optional: true
    checks:
${check('ping', '/backend/ping')}
  - name: worker
    description: Sends order e-mails from the database's queue
    owner: team-shop
    system: shop
    severity: SEV-3
    dependsOn: [postgres]
    checks:
${check('health', '/worker/health')}
  - name: postgres
    description: Orders database
    owner: team-data
    system: shop
    type: database
    severity: SEV-1
    checks:
${check('ready', '/postgres/ready')}
  - name: redis
    description: Session cache
    owner: team-data
    system: shop
    type: cache
    severity: SEV-3
    checks:
${check('ping', '/redis/ping')}
checklists:
  - name: shop-serving
    description: The shop serves customers
    items:
      - service: proxy
      - service: backend
        allow: [up, degraded]
      - check: postgres/ready
      - noOpenIncident: { severity: SEV-1 }
      - ready: runledger
      - name: Checkout errors stay low
        prometheus: { query: 'sum(rate(checkout_errors_total[5m]))', op: '<', threshold: 1 }
  - name: release-gate
    items:
      - ledger: verifies
      - noBypass: true
slos:
  - name: postgres-availability
    service: postgres
    objective: 99.5
    window: 30d
  - name: backend-availability
    service: backend
    objective: 99.9
    window: 30d
  - name: backend-latency
    service: backend
    checks: [backend/ping]
    objective: 95
    latency: 50ms
    window: 30d
`;
}

let srv: Booted;
let chrome: Awaited<ReturnType<typeof launchChromium>>;
const problems: string[] = [];

before(async () => {
  requireDist();
  const base = await startTarget();
  srv = await boot({ catalog: catalog(base), health: { checklistEveryMs: 2000, flushMs: 500 } });
  chrome = await launchChromium();
});

after(async () => {
  await chrome?.close();
  await srv?.close();
  await new Promise<void>((r) => (target ? target.close(() => r()) : r()));
});

async function api(token: string, path: string): Promise<Record<string, unknown>> {
  const r = await fetch(new URL(path, srv.url), { headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200, `${path}: ${r.status} ${await r.clone().text()}`);
  return (await r.json()) as Record<string, unknown>;
}

type Svc = { name: string; state: string };
const states = async (): Promise<Record<string, string>> =>
  Object.fromEntries(((await api(srv.tokens.vera, '/api/v1/services'))['services'] as Svc[]).map((s) => [s.name, s.state]));

async function userPage(): Promise<Page> {
  const { page } = await newUser(chrome.browser, srv.url);
  page.on('pageerror', (e) => problems.push(`pageerror on ${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`csp on ${page.url()}: ${m.text()}`);
  });
  return page;
}

/** Saves the page; `whole`: all of it, in a window as tall as the page (so the nav runs down the picture). */
async function shot(page: Page, name: string, whole = false): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(400);
  // Nothing wider than the window: a 1366 px laptop shows every view without scrolling sideways.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${name}: the page is ${overflow} px wider than the window`);
  const view = page.viewportSize();
  if (whole && view) {
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: view.width, height: Math.max(view.height, height) });
    await page.waitForTimeout(300);
  }
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
  if (whole && view) await page.setViewportSize(view);
}

const card = (page: Page, name: string) => page.locator(`[data-testid="service-card"][data-service="${name}"]`);

async function cardState(page: Page, name: string, state: string, timeoutMs = 20_000): Promise<void> {
  await page.locator(`[data-testid="service-card"][data-service="${name}"][data-state="${state}"]`).waitFor({ timeout: timeoutMs });
}

test('continuous health in the browser: the grid turns red and green again, a service, the checklists', { timeout: 240_000 }, async (t) => {
  let alice: Page;

  await t.test('the checks run: every service up', async () => {
    await until('every service up', async () => (Object.values(await states()).every((s) => s === 'up') ? true : undefined), { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, HISTORY_MS));
  });

  await t.test('the grid: every card green and saying "up"', async () => {
    alice = await userPage();
    await signIn(alice, srv.tokens.alice, '/services');
    await alice.getByTestId('service-grid').waitFor();
    assert.equal(await alice.getByTestId('service-card').count(), 5);
    for (const name of ['proxy', 'backend', 'worker', 'postgres', 'redis']) await cardState(alice, name, 'up', 10_000);
    const pg = card(alice, 'postgres');
    assert.match((await pg.getAttribute('class')) ?? '', /\bhs-card-up\b/);
    assert.match(await pg.getByTestId('service-state').innerText(), /\bup\b/i);
    assert.match(await pg.innerText(), /team-data/, 'the owner');
    // A sparkline per check, with a line drawn.
    assert.equal(await pg.getByTestId('sparkline').count(), 1);
    await until('a sparkline line', async () => ((await pg.locator('path.spark-line').count()) > 0 ? true : undefined), { timeoutMs: 10_000 });
    assert.equal(await alice.getByTestId('services-not-up').count(), 0);
  });

  await t.test('postgres breaks: its card turns red, its dependents say why', async () => {
    broken.add('postgres');
    await cardState(alice, 'postgres', 'down');
    const pg = card(alice, 'postgres');
    assert.match((await pg.getAttribute('class')) ?? '', /\bhs-card-down\b/);
    assert.match(await pg.getByTestId('service-state').innerText(), /\bdown\b/i);
    await cardState(alice, 'proxy', 'down');
    await cardState(alice, 'worker', 'down');
    assert.equal(await card(alice, 'proxy').getByTestId('service-explanation').innerText(), 'down because of postgres (check postgres/ready), via backend');
    assert.match(await card(alice, 'postgres').locator('[data-testid="service-check"]').innerText(), /status/, 'the failing reason');
    // The optional cache is still up; the not-up strip lists the rest.
    await cardState(alice, 'redis', 'up', 1000);
    assert.match(await alice.getByTestId('services-not-up').innerText(), /postgres/);
    await alice.waitForTimeout(OUTAGE_MS);
    await shot(alice, 'services', true);
  });

  await t.test('a service: graph, checks with reason and conditions, history, probe now, incident, SLOs', async () => {
    await card(alice, 'backend').getByTestId('service-link').click();
    await alice.waitForURL(/\/services\/backend$/);
    await alice.locator('[data-testid="service"][data-state="down"]').waitFor();
    const graph = alice.getByTestId('dependency-graph');
    await graph.locator('[data-testid="dependency-node"][data-service="postgres"][data-state="down"]').waitFor();
    await graph.locator('[data-testid="dependency-node"][data-service="redis"][data-state="up"]').waitFor();
    await graph.locator('[data-testid="dependency-node"][data-service="proxy"][data-role="dependent"]').waitFor();
    assert.equal(await graph.locator('[data-testid="dependency-edge"][data-optional="true"]').count(), 1, 'the optional cache: one dashed edge');
    assert.match(await alice.getByTestId('service-explanation').innerText(), /down because of postgres \(check postgres\/ready\)/);
    const ping = alice.locator('[data-testid="check-row"][data-check="backend/ping"]');
    assert.match(await ping.getByTestId('check-reason').innerText(), /ok/);
    await alice.locator('[data-testid="slo"][data-slo="backend-availability"]').waitFor();

    // Through the graph to the root cause.
    await graph.locator('[data-testid="dependency-node"][data-service="postgres"]').click();
    await alice.waitForURL(/\/services\/postgres$/);
    const row = alice.locator('[data-testid="check-row"][data-check="postgres/ready"]');
    await row.locator('[data-testid="check-state"][data-state="down"]').waitFor();
    assert.match(await row.getByTestId('check-reason').innerText(), /✖ status/);
    assert.match(await row.getByTestId('conditions').innerText(), /status == 200\s+saw 503/);
    await row.locator('[data-testid="check-history"] path.hc-line').waitFor();
    await until('a red band in the history', async () => ((await row.locator('rect.hc-down').count()) > 0 ? true : undefined), { timeoutMs: 15_000 });
    await alice.getByTestId('dependency-graph').locator('[data-testid="dependency-node"][data-service="backend"][data-role="dependent"]').waitFor();
    // The incident raised by postgres's health, on the service's page: opened by the check's alert, or by
    // the SLO's burn-rate alert when that one came first (the check's alert then joins it: same service).
    await alice.getByTestId('service-incident-table').getByTestId('incident-row').first().waitFor({ timeout: 15_000 });
    assert.match(await alice.getByTestId('service-incident-table').innerText(), /postgres\/ready is down|postgres-availability: error budget burning/);
    // The SLO burns.
    const slo = alice.locator('[data-testid="slo"][data-slo="postgres-availability"]');
    await slo.waitFor();
    await slo.getByTestId('budget-chart').waitFor();
    assert.match(await slo.getByTestId('slo-budget').innerText(), /budget|allowed|No probe counted/);
    // Probe now: the operator sees what the probe sees.
    await row.getByTestId('probe-now').click();
    const probe = row.getByTestId('probe-result');
    await probe.waitFor();
    assert.equal(await probe.getAttribute('data-ok'), 'false');
    assert.match(await probe.innerText(), /saw 503/);
    await alice.evaluate(() => window.scrollTo(0, 0));
    await shot(alice, 'service', true);
  });

  await t.test('the checklists: which item fails, with its evidence', async () => {
    await alice.getByTestId('nav-checklists').click();
    const shop = alice.locator('[data-testid="checklist"][data-checklist="shop-serving"]');
    await shop.waitFor();
    assert.equal(await shop.getAttribute('data-healthy'), 'false');
    assert.match(await shop.getByTestId('checklist-verdict').innerText(), /not healthy/i);
    const failing = shop.locator('[data-testid="checklist-item"][data-ok="false"]');
    assert.match(await failing.first().innerText(), /./);
    const text = await shop.innerText();
    assert.match(text, /check postgres\/ready is down/);
    assert.match(text, /Checkout errors stay low/);
    // Object evidence as key/value lines, never "[object Object]".
    assert.match(text, /query\s+sum\(rate\(checkout_errors_total\[5m\]\)\)/);
    assert.doesNotMatch(await alice.locator('main.content').innerText(), /\[object Object\]/);
    await shot(alice, 'checklists', true);
  });

  await t.test('postgres heals: the grid is green again', async () => {
    broken.delete('postgres');
    await alice.getByTestId('nav-services').click();
    await cardState(alice, 'postgres', 'up');
    await cardState(alice, 'backend', 'up');
    await cardState(alice, 'proxy', 'up');
    await cardState(alice, 'worker', 'up');
    const pg = card(alice, 'postgres');
    assert.match((await pg.getAttribute('class')) ?? '', /\bhs-card-up\b/);
    assert.match(await pg.getByTestId('service-state').innerText(), /\bup\b/i);
    assert.equal(await alice.getByTestId('services-not-up').count(), 0);
    // The dashboard's panel agrees.
    await alice.getByTestId('nav-dashboard').click();
    await alice.getByTestId('dash-services').getByText('All 5 services are up.').waitFor();
  });

  await t.test('a viewer cannot probe', async () => {
    const vera = await userPage();
    await signIn(vera, srv.tokens.vera, '/services/postgres');
    const btn = vera.locator('[data-testid="check-row"][data-check="postgres/ready"]').getByTestId('probe-now');
    await btn.waitFor();
    assert.ok(await btn.isDisabled());
    await vera.context().close();
  });

  assert.deepEqual(problems, [], 'no script errors and no CSP violations');
});

test('without a catalog the grid says how to add one', { timeout: 60_000 }, async () => {
  const bare = await boot();
  try {
    const { page, context } = await newUser(chrome.browser, bare.url);
    await signIn(page, bare.tokens.vera, '/services');
    const empty = page.getByTestId('services-empty');
    await empty.waitFor();
    assert.match(await empty.innerText(), /catalog\.yaml/);
    assert.match(await empty.innerText(), /docs\/catalog\.md/);
    await page.goto('/checklists');
    await page.getByTestId('checklists-empty').waitFor();
    await context.close();
  } finally {
    await bare.close();
  }
});

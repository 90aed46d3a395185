// Continuous health against the real demo service (examples/demo-service), as `npm run demo` shows it:
// boot() starts it on free ports with a temporary DEMO_HOME (and its front proxy), and the catalog
// describes it like scripts/demo.sh's: `demo` with a liveness check on /health (200 and status "ok",
// every second, down after two failures) and `demo-proxy`, depending on it, checking /healthz through
// the proxy. Alice opens the service grid: both cards are green and say "up". `ctl.sh break` turns
// the demo card red ("down") and the proxy's card says it is down because of demo; `ctl.sh fix` turns
// both green again. The demo service is stopped in `after`, whether the test passed or not.
// Needs packages/web/dist: npm run build -w @runledger/web.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { boot, demoCtl, launchChromium, newUser, requireDist, signIn, type Booted, type Demo } from './boot.js';

// The waits are generous: nothing here asserts how fast a state changes, only that it does.
const WAIT_MS = 60_000;
// The card's left border (styles.css: --green, --red).
const GREEN = 'rgb(26, 127, 55)';
const RED = 'rgb(201, 37, 45)';

function catalog(demo: Demo): string {
  return `services:
  - name: demo
    description: The API of seed 002's operator runbook, played by examples/demo-service
    owner: team-ledger
    severity: SEV-2
    checks:
      - name: liveness
        http: { url: "http://127.0.0.1:${demo.port}/health" }
        interval: 1s
        timeout: 1s
        failureThreshold: 2
        conditions: ['status == 200', 'json.$.status == "ok"']
  - name: demo-proxy
    description: The front proxy (seed 000's public /healthz)
    owner: team-ledger
    severity: SEV-2
    dependsOn: [{ service: demo }]
    checks:
      - name: healthz
        http: { url: "http://127.0.0.1:${demo.proxyPort}/healthz" }
        interval: 1s
        timeout: 1s
        failureThreshold: 2
`;
}

let srv: Booted | undefined;
let chrome: Awaited<ReturnType<typeof launchChromium>> | undefined;
const problems: string[] = [];

before(async () => {
  requireDist();
  srv = await boot({ catalog, health: { checklistEveryMs: 2000, flushMs: 500 } });
  chrome = await launchChromium();
});

after(async () => {
  await chrome?.close();
  // Stops the demo service (ctl.sh stop --force) and removes its home.
  await srv?.close();
});

const card = (page: Page, name: string) => page.locator(`[data-testid="service-card"][data-service="${name}"]`);

/** Waits until the card is in the state, then checks its colour and the word on its badge. */
async function cardIs(page: Page, name: string, state: 'up' | 'down'): Promise<void> {
  const c = page.locator(`[data-testid="service-card"][data-service="${name}"][data-state="${state}"]`);
  try {
    await c.waitFor({ timeout: WAIT_MS });
  } catch (e) {
    const got = await card(page, name)
      .getAttribute('data-state', { timeout: 1000 })
      .catch(() => 'no card');
    throw new Error(`${name}: waited for "${state}", the card is ${got}\n${srv?.logs.slice(-20).join('')}`, { cause: e });
  }
  assert.match((await c.getAttribute('class')) ?? '', new RegExp(`\\bhs-card-${state}\\b`));
  assert.equal(
    await c.evaluate((el) => getComputedStyle(el).borderLeftColor),
    state === 'up' ? GREEN : RED,
    `${name}: the card is ${state === 'up' ? 'green' : 'red'}`,
  );
  assert.match(await c.getByTestId('service-state').innerText(), new RegExp(`\\b${state}\\b`, 'i'));
}

test('the service grid turns red when the demo service breaks, and green again', { timeout: 300_000 }, async () => {
  const b = srv!;
  const { page, context } = await newUser(chrome!.browser, b.url);
  page.on('pageerror', (e) => problems.push(`pageerror on ${page.url()}: ${e.message}`));
  try {
    await signIn(page, b.tokens.alice, '/services');
    await page.getByTestId('service-grid').waitFor();
    assert.equal(await page.getByTestId('service-card').count(), 2);

    // The demo service as started: both cards green, "up".
    await cardIs(page, 'demo', 'up');
    await cardIs(page, 'demo-proxy', 'up');
    assert.match(await card(page, 'demo').innerText(), /team-ledger/, 'the owner');

    // Broken: /health answers 500 {"status":"broken"}; the proxy forwards /healthz to it.
    await demoCtl(b.demo, 'break');
    assert.equal((await fetch(`http://127.0.0.1:${b.demo.port}/health`)).status, 500, 'ctl.sh break took effect');
    await cardIs(page, 'demo', 'down');
    await cardIs(page, 'demo-proxy', 'down');
    assert.match(await card(page, 'demo').locator('[data-testid="service-check"][data-check="demo/liveness"]').innerText(), /status 500/, 'the failing reason');
    await page.getByTestId('services-not-up').waitFor();
    assert.match(await page.getByTestId('services-not-up').innerText(), /demo/);
    const why = card(page, 'demo-proxy').getByTestId('service-explanation');
    await why.filter({ hasText: /down because of demo\b/ }).waitFor({ timeout: WAIT_MS });
    assert.match(await why.innerText(), /^down because of demo \(check demo\/liveness\)/);

    // Fixed: both green and "up" again.
    await demoCtl(b.demo, 'fix');
    await cardIs(page, 'demo', 'up');
    await cardIs(page, 'demo-proxy', 'up');
    await page.getByTestId('services-not-up').waitFor({ state: 'detached', timeout: WAIT_MS });
    assert.equal(await card(page, 'demo-proxy').getByTestId('service-explanation').count(), 0);
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, [], 'no script errors');
});

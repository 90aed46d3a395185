// Screenshots of the operator UI at 1366×768 for the docs: boots the same server as the browser
// test (test/boot.ts), makes a realistic state through the API (a succeeded run, one waiting for
// approval, one rolled back, a verified ledger; at the end a freeze and a run it interrupted),
// then saves each view to docs/screenshots/.
//   npm run build -w @runledger/web && node --conditions=source --import tsx packages/web/scripts/screenshots.ts
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { boot, launchChromium, newUser, REPO, signIn, type Booted } from '../test/boot.js';

const OUT = join(REPO, 'docs/screenshots');

async function call(
  srv: Booted,
  token: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(new URL(path, srv.url), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await r.json()) as Record<string, unknown>;
  if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return { status: r.status, json };
}

async function runState(srv: Booted, id: string): Promise<string> {
  return String((await call(srv, srv.tokens.vera, 'GET', `/api/v1/runs/${id}`)).json.state);
}

async function until(srv: Booted, id: string, states: string[]): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (states.includes(await runState(srv, id))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${id} did not reach ${states.join('/')}`);
}

async function start(srv: Booted, environment: string, version: string, inputs: Record<string, string | number> = {}): Promise<string> {
  const r = await call(srv, srv.tokens.alice, 'POST', '/api/v1/runs', {
    runbook: 'release-smoke',
    environment,
    inputs: { version, public_url: `http://127.0.0.1:${srv.demo.proxyPort}`, demo_port: srv.demo.port, demo_home: srv.demo.home, ...inputs },
  });
  return String((r.json.run as { id: string }).id);
}

async function shot(page: Page, name: string): Promise<void> {
  // Not 'networkidle': a live run page keeps its event stream open. Panels load in well under this.
  await page.waitForTimeout(700);
  await page.screenshot({ path: join(OUT, `${name}.png`) });
  console.log(`docs/screenshots/${name}.png`);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const srv = await boot();
  const chrome = await launchChromium();
  try {
    // A release that passed its smoke checks and was approved by a release manager.
    const ok = await start(srv, 'local', '1.4.0');
    await until(srv, ok, ['waiting_approval']);
    await new Promise((r) => setTimeout(r, 1500)); // a visible wait at the gate on the timeline
    await call(srv, srv.tokens.bob, 'POST', `/api/v1/runs/${ok}/approve`, { comment: 'smoke checks green; release notes ready' });
    await until(srv, ok, ['succeeded']);
    // One whose public check failed (wrong proxy port): not announced, the safe action ran.
    const bad = await start(srv, 'staging', '1.4.1', {
      public_url: `http://127.0.0.1:${srv.demo.port + 1 === srv.demo.proxyPort ? srv.demo.port + 2 : srv.demo.port + 1}`,
    });
    await until(srv, bad, ['rolled_back', 'failed']);
    // One waiting for its release manager now.
    const waiting = await start(srv, 'staging', '1.5.0');
    await until(srv, waiting, ['waiting_approval']);
    await call(srv, srv.tokens.alice, 'POST', '/api/v1/ledger/notes', { text: 'release 1.5.0 smoke started; waiting on release manager' });
    await call(srv, srv.tokens.vera, 'POST', '/api/v1/ledger/verify');

    const { page: bob } = await newUser(chrome.browser, srv.url);
    await bob.goto('/signin');
    await shot(bob, 'signin');
    await signIn(bob, srv.tokens.bob);
    await bob.getByTestId('dash-waiting').getByTestId('run-row').first().waitFor();
    await shot(bob, 'dashboard');

    await bob.goto('/runbooks/release-smoke');
    await bob.getByTestId('run-form').waitFor();
    await shot(bob, 'runbook');

    await bob.goto(`/runs/${ok}`);
    await bob.locator('[data-testid="run-state"][data-status="succeeded"]').waitFor();
    await bob.locator('[data-testid="step-row"][data-step="service-status"]').click();
    await bob.getByTestId('step-output').waitFor();
    await shot(bob, 'run');

    await bob.goto(`/runs/${waiting}`);
    await bob.getByTestId('approve-comment').waitFor();
    await bob.getByTestId('approve-comment').fill('checked the staging dashboards; approving');
    await shot(bob, 'run-approval');

    await bob.goto(`/runs/${bad}`);
    await bob.getByTestId('run-reason').waitFor();
    await shot(bob, 'run-failed');

    await bob.goto('/ledger');
    await bob.getByTestId('verify-result').waitFor();
    await bob.getByTestId('ledger-entry').nth(2).locator('button').first().click();
    await shot(bob, 'ledger');

    // Filters live in the address: approvals only.
    await bob.goto('/ledger?type=run.approval.*');
    await bob.getByTestId('ledger-entry').first().waitFor();
    await shot(bob, 'ledger-filtered');

    await bob.goto('/runs');
    await bob.getByTestId('run-row').first().waitFor();
    await shot(bob, 'runs');
    await bob.goto('/runs?runbook=release-smoke&requester=alice&state=rolled_back');
    await bob.getByTestId('run-row').first().waitFor();
    await shot(bob, 'runs-filtered');

    // Run again: the failed release's inputs prefill the form.
    await bob.goto(`/runs/${bad}`);
    await bob.getByTestId('run-again').click();
    await bob.getByTestId('run-again-note').waitFor();
    await shot(bob, 'runbook-again');
    await bob.goto('/runbooks');
    await bob.getByTestId('runbook-row').first().waitFor();
    await shot(bob, 'runbooks');

    const { page: ada } = await newUser(chrome.browser, srv.url);
    await signIn(ada, srv.tokens.ada, '/policy');
    await ada.getByTestId('freeze-state').waitFor();
    await ada.getByTestId('freeze-reason').fill('incident INC-2231: stop all automation');
    await shot(ada, 'policy');
    await ada.getByTestId('freeze-button').click();
    await ada.locator('[data-testid="freeze-state"][data-frozen="true"]').waitFor();
    // Approved during the freeze: the decision is recorded, the next step does not start.
    await call(srv, srv.tokens.bob, 'POST', `/api/v1/runs/${waiting}/approve`, { comment: 'approved; will go on after the freeze' });
    await until(srv, waiting, ['interrupted']);
    const { page: alice } = await newUser(chrome.browser, srv.url);
    await signIn(alice, srv.tokens.alice, `/runs/${waiting}`);
    await alice.locator('[data-testid="run-state"][data-status="interrupted"]').waitFor();
    await shot(alice, 'run-interrupted');
    await ada.goto('/');
    await ada.getByTestId('freeze-banner').waitFor();
    await shot(ada, 'dashboard-frozen');
  } finally {
    await chrome.close();
    await srv.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

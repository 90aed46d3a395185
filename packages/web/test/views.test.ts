// The README's story in a real browser, then every view: alice signs in and starts the release
// smoke gate, sees what the gate asks and the evidence before it; bob signs in, approves, and the
// ledger verifies. Then the navigation that used to blank the app (a ledger entry opened from a
// run, then elsewhere), every view with its filters in the address bar, back and forward, run
// again, abort with its confirmation, and a view that throws — which shows its error boundary,
// not a blank page. No script error and no console error anywhere (the one deliberate crash aside).
// Needs packages/web/dist: npm run build -w @runledger/web.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { boot, launchChromium, LIVE_OUTPUT_RUNBOOK, newUser, requireDist, type Booted } from './boot.js';

let srv: Booted;
let chrome: Awaited<ReturnType<typeof launchChromium>>;
const problems: string[] = [];

before(async () => {
  requireDist();
  srv = await boot({ runbooks: { 'live-output.md': LIVE_OUTPUT_RUNBOOK } });
  chrome = await launchChromium();
});

after(async () => {
  await chrome?.close();
  await srv?.close();
});

const STATE_TIMEOUT = 30_000;

/**
 * A page that records script errors and console errors once `watching` is set (before sign-in the
 * session probe's 401 is expected, and Chromium logs it as a failed resource).
 */
async function userPage(): Promise<{ page: Page; watch(on: boolean): void }> {
  const { page } = await newUser(chrome.browser, srv.url);
  let watching = false;
  page.on('pageerror', (e) => problems.push(`pageerror on ${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text()) || (watching && m.type() === 'error'))
      problems.push(`console ${m.type()} on ${page.url()}: ${m.text()}`);
  });
  return { page, watch: (on) => void (watching = on) };
}

/** The signed-in shell is there and the view rendered something: not a blank page, not a crash. */
async function alive(page: Page, what: string): Promise<void> {
  await page.getByTestId('whoami').waitFor({ timeout: 10_000 });
  const text = (await page.locator('main.content').innerText()).trim();
  assert.ok(text.length > 20, `${what}: the view is empty (${JSON.stringify(text)})`);
  assert.equal(await page.getByTestId('view-error').count(), 0, `${what}: the error boundary is showing`);
}

async function signInAs(page: Page, token: string): Promise<void> {
  await page.getByTestId('signin-token').fill(token);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('whoami').waitFor();
}

test('the README story, then every view', { timeout: 240_000 }, async (t) => {
  const { page, watch } = await userPage();
  let runId = '';

  await t.test('alice signs in and starts the release smoke gate from its form', async () => {
    await page.goto('/');
    await signInAs(page, srv.tokens.alice);
    watch(true);
    await page.getByTestId('nav-runbooks').click();
    await page.getByTestId('runbook-link-release-smoke').click();
    await page.getByTestId('run-env').selectOption('local');
    await page.getByTestId('run-input-version').fill('1.0.0');
    await page.getByTestId('run-input-public_url').fill(`http://127.0.0.1:${srv.demo.proxyPort}`);
    await page.getByTestId('run-input-demo_port').fill(String(srv.demo.port));
    await page.getByTestId('run-input-demo_home').fill(srv.demo.home);
    await page.getByTestId('run-submit').click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    runId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
  });

  await t.test('the run stops at the gate: its text, rendered, with the evidence of the steps before it', async () => {
    await page.locator('[data-testid="run-state"][data-status="waiting_approval"]').waitFor({ timeout: STATE_TIMEOUT });
    const gate = page.getByTestId('approval-gate');
    const text = gate.getByTestId('gate-text');
    await text.waitFor();
    assert.equal((await text.innerText()).trim(), 'All three smoke checks passed for release 1.0.0 in local. Approve to announce the release.');
    // Markdown, through the safe renderer: the emphasis is markup, not asterisks.
    assert.deepEqual(await text.locator('strong').allInnerTexts(), ['1.0.0', 'local']);
    const evidence = gate.getByTestId('evidence-step');
    assert.deepEqual(await evidence.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-step')}:${e.getAttribute('data-status')}`)), [
      'service-status:succeeded',
      'public-health:succeeded',
      'backend-health:succeeded',
      'audit-dsn-present:succeeded',
    ]);
    // The probe results and the shell step's output tail, with links to each step's ledger entries.
    assert.match(await evidence.filter({ hasText: 'public-health' }).innerText(), /GET http:\/\/127\.0\.0\.1:\d+\/healthz → 200/);
    await gate
      .getByTestId('evidence-tail')
      .filter({ hasText: /running pid=\d+/ })
      .waitFor();
    assert.equal(await evidence.first().locator('a.seq').count(), 2, 'intent and result entries');
    // Nothing in the steps table is cut off: every badge fits its cell, every detail is shown whole.
    const clipped = await page.getByTestId('steps').evaluate((panel) => {
      const out: string[] = [];
      for (const b of panel.querySelectorAll<HTMLElement>('td .badge')) {
        const cell = b.closest('td')!.getBoundingClientRect();
        const r = b.getBoundingClientRect();
        if (r.right > cell.right + 0.5 || r.left < cell.left - 0.5 || b.scrollWidth > b.clientWidth + 1) out.push(`badge ${b.textContent}`);
      }
      for (const d of panel.querySelectorAll<HTMLElement>('[data-testid="step-detail-line"]'))
        if (d.scrollWidth > d.clientWidth + 1) out.push(`detail ${d.textContent}`);
      return out;
    });
    assert.deepEqual(clipped, []);
    // Alice requested it: she sees what is asked, not the decision controls.
    assert.equal(await page.getByTestId('approve-button').count(), 0);
    // Abort is not next to the gate: it is in the run's title row, behind a confirmation.
    assert.equal(await gate.getByTestId('abort-button').count(), 0);
  });

  await t.test('relative times keep moving on a live page', async () => {
    const created = page.locator('.run-head .fact', { hasText: 'Created' }).locator('time > span').first();
    // The page re-renders every second while the gate waits; the 5-second clock must still tick.
    await page.waitForFunction((el) => /^\d+s ago$/.test(el?.textContent ?? ''), await created.elementHandle(), { timeout: 15_000 });
  });

  await t.test('bob signs in, opens the run from the dashboard, reads the gate and approves', async () => {
    await page.getByTestId('sign-out').click();
    await page.waitForURL(/\/signin/);
    watch(false);
    await signInAs(page, srv.tokens.bob);
    watch(true);
    // Signing in again returns to where the session ended; the README's bob starts from the dashboard.
    await page.getByTestId('nav-dashboard').click();
    await page.getByTestId('dash-waiting').getByTestId('run-row').first().locator('a.mono').click();
    await page.waitForURL(new RegExp(`/runs/${runId}$`));
    assert.match(await page.getByTestId('gate-text').innerText(), /release 1\.0\.0 in local/);
    await page.getByTestId('approve-comment').fill('smoke checks green; announcing');
    await page.getByTestId('approve-button').click();
    await page.locator('[data-testid="run-state"][data-status="succeeded"]').waitFor({ timeout: STATE_TIMEOUT });
    // The decided gate still shows what it asked, and who approved it (by name, one form everywhere).
    await page.locator('[data-testid="step-row"][data-step="announce-gate"]').click();
    assert.match(await page.getByTestId('step-detail').getByTestId('gate-text').innerText(), /release 1\.0\.0/);
    const approvals = await page.getByTestId('approvals').innerText();
    assert.match(approvals, /bob \(you\).*smoke checks green/);
    assert.doesNotMatch(approvals, /token:/);
    assert.equal(await page.locator('.run-head .fact', { hasText: 'Requester' }).locator('dd').innerText(), 'alice');
  });

  await t.test('ledger → Verify now', async () => {
    await page.getByTestId('nav-ledger').click();
    await page.getByTestId('verify-button').click();
    await page.locator('[data-testid="verify-result"][data-ok="true"]').waitFor({ timeout: STATE_TIMEOUT });
  });

  await t.test('a ledger entry opened from a run, then navigating on: no blank page', async () => {
    await page.goto(`/runs/${encodeURIComponent(runId)}`);
    const link = page.locator('[data-testid="step-row"][data-step="service-status"] a.seq').first();
    const seq = (await link.innerText()).replace('#', '');
    await link.click();
    await page.waitForURL(new RegExp(`/ledger\\?seq=${seq}$`));
    await page.locator(`[data-testid="ledger-entry"][data-seq="${seq}"].focus`).waitFor();
    // Leaving the ledger runs its effects' clean-ups: this is where the app used to go blank.
    await page.getByTestId('nav-runs').click();
    await alive(page, 'runs after the ledger');
    await page.goBack();
    await page.locator(`[data-testid="ledger-entry"][data-seq="${seq}"].focus`).waitFor();
    await page.getByTestId('nav-dashboard').click();
    await alive(page, 'dashboard after the ledger');
    await page.goBack();
    await alive(page, 'ledger again');
    await page.goBack();
    await page.getByTestId('run-head').waitFor();
    await alive(page, 'the run, by back');
  });

  await t.test('every view, with filters in the address bar, and back and forward', async () => {
    const visits: Array<[string, () => Promise<void>]> = [
      ['/', () => page.getByTestId('dash-waiting').waitFor()],
      ['/runbooks', () => page.getByTestId('runbook-row').first().waitFor()],
      ['/runbooks/release-smoke', () => page.getByTestId('run-form').waitFor()],
      [`/runs/${encodeURIComponent(runId)}`, () => page.getByTestId('run-head').waitFor()],
      ['/runs', () => page.getByTestId('run-row').first().waitFor()],
      ['/ledger', () => page.getByTestId('ledger-entry').first().waitFor()],
      ['/policy', () => page.getByTestId('freeze-state').waitFor()],
      // No operations file here: the incident views say so instead of failing.
      ['/incidents', () => page.getByTestId('incidents-empty').waitFor()],
      ['/oncall', () => page.getByTestId('oncall-empty').waitFor()],
      ['/silences', () => page.getByTestId('silences-empty').waitFor()],
    ];
    for (const [path, ready] of visits) {
      await page.goto(path);
      await ready();
      await alive(page, path);
    }

    // Ledger filters: chosen in the page, kept in the address, shareable.
    await page.goto('/ledger');
    await page.getByTestId('ledger-filter-type').selectOption('run.approval.*');
    await page.waitForURL(/\/ledger\?type=run\.approval\.\*$/);
    const types = async (): Promise<string[]> => {
      await page.getByTestId('ledger-entry').first().waitFor();
      return page.getByTestId('ledger-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-type') ?? ''));
    };
    assert.deepEqual(await types(), ['run.approval.granted', 'run.approval.requested']);
    await page.getByTestId('ledger-filter-actor').fill('bob');
    await page.getByTestId('ledger-filter-actor').press('Enter');
    await page.waitForURL(/actor=bob/);
    await page.locator('[data-testid="ledger-entry"]').nth(1).waitFor({ state: 'detached' });
    assert.deepEqual(await types(), ['run.approval.granted']);
    // A day range that excludes today finds nothing, and says so.
    await page.getByTestId('ledger-filter-day-to').fill('2020-01-01');
    await page.getByTestId('ledger-no-match').waitFor();
    // Back and forward step through the filter changes, and the controls follow the address.
    await page.goBack();
    await page.waitForURL(/actor=bob$/);
    assert.deepEqual(await types(), ['run.approval.granted']);
    await page.goBack();
    await page.waitForURL(/\/ledger\?type=run\.approval\.\*$/);
    assert.deepEqual(await types(), ['run.approval.granted', 'run.approval.requested']);
    assert.equal(await page.getByTestId('ledger-filter-actor').inputValue(), '');
    await page.goForward();
    await page.waitForURL(/actor=bob$/);
    assert.deepEqual(await types(), ['run.approval.granted']);
    assert.equal(await page.getByTestId('ledger-filter-actor').inputValue(), 'bob');
    // The address alone reproduces the view (a shared link), and fills the controls.
    const shared = page.url();
    await page.goto('/');
    await page.goto(shared);
    assert.deepEqual(await types(), ['run.approval.granted']);
    assert.equal(await page.getByTestId('ledger-filter-actor').inputValue(), 'bob');
    assert.equal(await page.getByTestId('ledger-filter-type').inputValue(), 'run.approval.*');
    await page.getByTestId('filters-clear').click();
    await page.waitForURL(/\/ledger$/);

    // A run's entries, from its page.
    await page.goto(`/runs/${encodeURIComponent(runId)}`);
    await page.getByTestId('run-ledger-all').click();
    await page.waitForURL(/\/ledger\?run=/);
    // allInnerTexts does not wait: the filtered entries must be there first.
    await page.getByTestId('ledger-entry').first().waitFor();
    const subjects = await page.getByTestId('ledger-entry').locator('td.subj').allInnerTexts();
    assert.ok(subjects.length >= 10 && subjects.every((s) => s === `run:${runId}`), JSON.stringify(subjects));

    // Runs: by runbook, requester, state, days.
    await page.goto('/runs');
    await page.getByTestId('runs-filter-runbook').selectOption('release-smoke');
    await page.waitForURL(/runbook=release-smoke/);
    await page.getByTestId('runs-filter-requester').fill('bob');
    await page.getByTestId('runs-filter-requester').press('Enter');
    await page.getByTestId('runs-empty').waitFor();
    await page.getByTestId('runs-filter-requester').fill('alice');
    await page.getByTestId('runs-filter-requester').press('Enter');
    await page.locator(`[data-testid="run-row"][data-run="${runId}"]`).waitFor();
    await page.getByTestId('runs-filter').selectOption('succeeded');
    await page.waitForURL(/state=succeeded/);
    await page.locator(`[data-testid="run-row"][data-run="${runId}"]`).waitFor();
    await page.getByTestId('runs-filter-day-from').fill('2099-01-01');
    await page.getByTestId('runs-empty').waitFor();
    const runsUrl = new URL(page.url());
    assert.deepEqual(Object.fromEntries(runsUrl.searchParams), { runbook: 'release-smoke', requester: 'alice', state: 'succeeded', from: '2099-01-01' });
    await page.goBack();
    await page.locator(`[data-testid="run-row"][data-run="${runId}"]`).waitFor();
    await alive(page, 'runs, back');
  });

  await t.test('run again: the same environment and inputs, prefilled', async () => {
    await page.goto(`/runs/${encodeURIComponent(runId)}`);
    await page.getByTestId('run-again').click();
    await page.waitForURL(/\/runbooks\/release-smoke\?again=/);
    await page.getByTestId('run-again-note').waitFor();
    assert.equal(await page.getByTestId('run-env').inputValue(), 'local');
    assert.equal(await page.getByTestId('run-input-version').inputValue(), '1.0.0');
    assert.equal(await page.getByTestId('run-input-demo_port').inputValue(), String(srv.demo.port));
    assert.equal(await page.getByTestId('run-input-demo_home').inputValue(), srv.demo.home);
    // Secrets are never copied: a runbook with a secret input says so and shows no value.
    await page.goto('/runbooks/rotate-signing-key');
    await page.locator('[data-testid="run-input-key_passphrase"][data-secret="true"]').waitFor();
  });

  await t.test('abort asks first, apart from the approval controls, and needs a reason', async () => {
    await page.goto('/runbooks/live-output');
    await page.getByTestId('run-input-lines').fill('100');
    await page.getByTestId('run-submit').click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    await page.locator('[data-testid="run-state"][data-status="running"]').waitFor({ timeout: STATE_TIMEOUT });
    await page.getByTestId('abort-button').click();
    const confirm = page.getByTestId('abort-confirm');
    await confirm.waitFor();
    assert.match(await confirm.innerText(), /no rollback/);
    await page.getByTestId('abort-cancel').click();
    assert.equal(await confirm.count(), 0);
    assert.equal(await page.getByTestId('run-state').getAttribute('data-status'), 'running', 'cancel changed nothing');
    await page.getByTestId('abort-button').click();
    await page.getByTestId('abort-confirm-button').click();
    await confirm.getByText('A reason is required').waitFor();
    await page.getByTestId('abort-reason').fill('e2e: not needed');
    await page.getByTestId('abort-confirm-button').click();
    await page.locator('[data-testid="run-state"][data-status="aborted"]').waitFor({ timeout: STATE_TIMEOUT });
  });

  await t.test('a view that throws shows its error boundary with a way back; the app stays', async () => {
    const { page: p } = await newUser(chrome.browser, srv.url);
    const crashes: string[] = [];
    p.on('console', (m) => {
      if (m.type() === 'error' && m.text().startsWith('runledger:')) crashes.push(m.text());
    });
    await p.goto('/');
    await signInAs(p, srv.tokens.vera);
    // A server answer this client cannot handle: the catalogue without its list.
    await p.route('**/api/v1/runbooks', (r) =>
      r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ runbooks: null, invalid: [] }) }),
    );
    await p.getByTestId('nav-runbooks').click();
    const boundary = p.getByTestId('view-error');
    await boundary.waitFor();
    assert.match(await boundary.innerText(), /Something went wrong showing the runbooks view/);
    // The shell is still there, and so is the way out.
    await p.getByTestId('nav-policy').waitFor();
    await p.getByTestId('view-error-home').click();
    await p.getByTestId('dash-waiting').waitFor();
    assert.equal(await p.getByTestId('view-error').count(), 0, 'navigating away clears the boundary');
    // Back to the broken view, then Back: the previous view renders again.
    await p.goBack();
    await boundary.waitFor();
    await p.getByTestId('view-error-back').click();
    await p.getByTestId('dash-waiting').waitFor();
    await p.unroute('**/api/v1/runbooks');
    await p.getByTestId('nav-runbooks').click();
    await p.getByTestId('runbook-row').first().waitFor();
    // The shell itself failing (a freeze answer it cannot show) is caught by the outer boundary.
    await p.route('**/api/v1/policy', (r) =>
      r.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ file: null, policy: {}, freeze: { reason: 'x', by: 42, at: '2026-12-07T10:00:00Z' } }),
      }),
    );
    await p.reload();
    await boundary.waitFor();
    assert.match(await boundary.innerText(), /Something went wrong showing Runledger/);
    await p.unroute('**/api/v1/policy');
    await p.getByTestId('view-error-retry').click();
    await p.getByTestId('runbook-row').first().waitFor();
    // Both were real errors, logged with what failed for whoever debugs them.
    assert.ok(
      crashes.some((c) => /the runbooks view failed.*TypeError/.test(c)),
      crashes.join('\n'),
    );
    assert.ok(
      crashes.some((c) => /Runledger failed.*TypeError/.test(c)),
      crashes.join('\n'),
    );
    await p.context().close();
  });

  await page.context().close();
  assert.deepEqual(problems, [], 'no script error, no console error, no CSP violation');
});

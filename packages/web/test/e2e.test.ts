// End to end in a real browser: the built UI served by a real server (in-process, SQLite, the demo
// service), driven through Debian's Chromium. Alice (operator) starts release-smoke from its form,
// Bob (approver, release-manager) approves it from his own session, the ledger is verified from
// the Ledger page, and Ada (admin) freezes automation and sees a new run refused.
// Needs packages/web/dist: npm run build -w @runledger/web.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { boot, launchChromium, LIVE_OUTPUT_RUNBOOK, newUser, requireDist, signIn, type Booted } from './boot.js';

let srv: Booted;
let chrome: Awaited<ReturnType<typeof launchChromium>>;
const pageErrors: string[] = [];

before(async () => {
  requireDist();
  srv = await boot({ runbooks: { 'live-output.md': LIVE_OUTPUT_RUNBOOK } });
  chrome = await launchChromium();
});

after(async () => {
  await chrome?.close();
  await srv?.close();
});

/** A page that records script errors and CSP violations, which must never happen. */
async function userPage(): Promise<Page> {
  const { page } = await newUser(chrome.browser, srv.url);
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) pageErrors.push(`csp: ${m.text()}`);
  });
  return page;
}

const STATE_TIMEOUT = 30_000;

/** The release-smoke form, pointed at this test's demo service. */
async function fillRelease(page: Page, version: string): Promise<void> {
  await page.getByTestId('run-env').selectOption('local');
  await page.getByTestId('run-input-version').fill(version);
  await page.getByTestId('run-input-public_url').fill(`http://127.0.0.1:${srv.demo.proxyPort}`);
  await page.getByTestId('run-input-demo_port').fill(String(srv.demo.port));
  await page.getByTestId('run-input-demo_home').fill(srv.demo.home);
}

test('the operator UI, end to end', { timeout: 180_000 }, async (t) => {
  let alice: Page;
  let runId = '';

  await t.test('sign in: a wrong token is refused with its code, a good one opens the dashboard and is not kept', async () => {
    alice = await userPage();
    await alice.goto('/runs');
    // Not signed in: the UI goes to the sign-in page, remembering where it was going.
    await alice.waitForURL(/\/signin\?next=%2Fruns$/);
    await alice.getByTestId('signin-token').fill('rlt_not-a-real-token');
    await alice.getByTestId('signin-submit').click();
    const err = alice.getByTestId('error-banner');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-code'), 'AUTH_INVALID');
    assert.match(await err.innerText(), /request id/);
    assert.equal(await alice.getByTestId('signin-token').inputValue(), '', 'the field is cleared after a failed sign-in');

    await alice.getByTestId('signin-token').fill(srv.tokens.alice);
    await alice.getByTestId('signin-submit').click();
    await alice.getByTestId('whoami').waitFor();
    await alice.waitForURL(/\/runs$/);
    assert.equal(await alice.getByTestId('whoami-name').innerText(), 'alice');
    assert.match(await alice.getByTestId('whoami-role').innerText(), /operator/i);
    const stored = await alice.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert.ok(!stored.includes('rlt_'), 'the token is in no web storage');
    const cookies = await alice.context().cookies();
    const session = cookies.find((c) => c.name === 'rl_session');
    assert.ok(session, 'the session cookie is set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(await alice.evaluate(() => document.cookie), '', 'the page cannot read the session cookie');
    // The empty state says what to do.
    assert.match(await alice.getByTestId('runs-empty').innerText(), /start one from Runbooks/);
  });

  await t.test('start release-smoke from its form', async () => {
    await alice.getByTestId('nav-runbooks').click();
    await alice.getByTestId('runbook-link-release-smoke').click();
    await alice.getByTestId('runbook-doc').waitFor();
    // The Markdown is rendered, with the step fences and their info strings.
    assert.ok(await alice.locator('figure.md-step[data-step="announce-gate"]').count(), 'the approval gate fence is shown');
    await alice.getByTestId('run-env').selectOption('local');
    // Client-side validation: the pattern is anchored, as on the server.
    await alice.getByTestId('run-input-version').fill('1.0');
    await alice.getByTestId('run-submit').click();
    assert.match(await alice.getByTestId('run-input-error-version').innerText(), /must match/);
    assert.match(alice.url(), /\/runbooks\/release-smoke$/, 'nothing was sent');
    await alice.getByTestId('run-input-version').fill('1.0.0');
    await alice.getByTestId('run-input-public_url').fill(`http://127.0.0.1:${srv.demo.proxyPort}`);
    await alice.getByTestId('run-input-demo_port').fill(String(srv.demo.port));
    await alice.getByTestId('run-input-demo_home').fill(srv.demo.home);
    await alice.getByTestId('run-submit').click();
    await alice.waitForURL(/\/runs\/[^/]+$/);
    runId = decodeURIComponent(new URL(alice.url()).pathname.split('/').pop() ?? '');
    assert.ok(runId.length > 8, runId);
  });

  await t.test('the run reaches its approval gate, live', async () => {
    await alice.locator('[data-testid="run-state"][data-status="waiting_approval"]').waitFor({ timeout: STATE_TIMEOUT });
    for (const step of ['service-status', 'public-health', 'backend-health', 'audit-dsn-present']) {
      assert.equal(await alice.locator(`[data-testid="step-row"][data-step="${step}"]`).getAttribute('data-status'), 'succeeded', step);
    }
    assert.equal(await alice.locator('[data-testid="step-row"][data-step="announce-gate"]').getAttribute('data-status'), 'waiting_approval');
    assert.equal(await alice.locator('[data-testid="step-row"][data-step="announce"]').getAttribute('data-status'), 'pending');
    // The timeline draws one bar per step; the gate's wait is visible.
    assert.equal(await alice.getByTestId('timeline-bar').count(), 7, 'six steps and the rollback step');
    await alice.locator('[data-testid="timeline-bar"][data-step="announce-gate"] rect.g-waiting_approval').waitFor();
    // The gate is the step in focus: its detail says how long it has been waiting.
    assert.match((await alice.getByTestId('step-elapsed').textContent()) ?? '', /so far$/);
    // Alice is an operator: she sees the gate but not the approve controls.
    await alice.getByTestId('approval-gate').waitFor();
    assert.equal(await alice.getByTestId('approve-button').count(), 0);
    // Each finished step links to its ledger entries.
    await alice.locator('[data-testid="step-row"][data-step="service-status"] a.seq').first().waitFor();
  });

  await t.test('bob approves with a comment from his own session; the run finishes succeeded', async () => {
    const bob = await userPage();
    await signIn(bob, srv.tokens.bob, `/runs/${encodeURIComponent(runId)}`);
    await bob.waitForURL(new RegExp(`/runs/${runId}$`));
    await bob.getByTestId('approve-comment').waitFor();
    // The comment is required.
    await bob.getByTestId('approve-button').click();
    await bob.getByText('A comment is required').waitFor();
    await bob.getByTestId('approve-comment').fill('smoke checks green; release notes ready');
    await bob.getByTestId('approve-button').click();
    await bob.locator('[data-testid="run-state"][data-status="succeeded"]').waitFor({ timeout: STATE_TIMEOUT });
    // Alice's page follows over the event stream, without a reload.
    await alice.locator('[data-testid="run-state"][data-status="succeeded"]').waitFor({ timeout: STATE_TIMEOUT });
    assert.equal(await alice.locator('[data-testid="step-row"][data-step="announce"]').getAttribute('data-status'), 'succeeded');
    await alice.locator('[data-testid="step-row"][data-step="announce-gate"]').click();
    // One form of a person everywhere: the token's name (its recorded id is in the tooltip).
    const approvals = await alice.getByTestId('approvals').innerText();
    assert.match(approvals, /bob.*smoke checks green/);
    assert.doesNotMatch(approvals, /token:/);
    // The announce step really ran on the demo service's state.
    const log = await readFile(`${srv.demo.home}/announcements.log`, 'utf8');
    assert.match(log, new RegExp(`release 1\\.0\\.0 announced \\(run ${runId}\\)`));
    await bob.context().close();
  });

  await t.test('a step’s stored output and its inclusion receipt', async () => {
    await alice.locator('[data-testid="step-row"][data-step="service-status"]').click();
    await alice.getByTestId('step-output').waitFor();
    assert.match(await alice.getByTestId('step-output').innerText(), /running|pid/i);
    const btn = alice.getByTestId('step-ledger').locator('button').first();
    const seq = Number((await btn.getAttribute('data-testid'))?.replace('receipt-', ''));
    const [download] = await Promise.all([alice.waitForEvent('download'), btn.click()]);
    assert.equal(download.suggestedFilename(), `${seq}.tlog-proof`);
    const text = await readFile(await download.path(), 'utf8');
    assert.match(text, /^c2sp\.org\/tlog-proof@v1\nextra [A-Za-z0-9+/=]+\nindex \d+\n/);
    assert.match(text, new RegExp(`\\nindex ${seq}\\n`));
  });

  await t.test('a running step’s output streams into the run view', async () => {
    await alice.goto('/runbooks/live-output');
    await alice.getByTestId('run-input-lines').fill('20');
    await alice.getByTestId('run-submit').click();
    await alice.waitForURL(/\/runs\/[^/]+$/);
    // While the step runs, its output arrives line by line over the event stream (lines printed
    // before the page connected are not replayed; the stored output has them once the step ends).
    await alice.locator('[data-testid="step-row"][data-step="tick"][data-status="running"]').waitFor({ timeout: STATE_TIMEOUT });
    const out = alice.getByTestId('step-output');
    await out.locator('span.stdout').first().waitFor({ timeout: STATE_TIMEOUT });
    const firstSeen = await out.innerText();
    assert.equal(
      await alice.locator('[data-testid="step-row"][data-step="tick"]').getAttribute('data-status'),
      'running',
      'output was shown while the step was still running',
    );
    const last = Number(/tick (\d+)\s*$/.exec(firstSeen)?.[1]);
    assert.ok(last >= 1 && last < 20, `live output mid-run: ${JSON.stringify(firstSeen)}`);
    await out.getByText(`tick ${last + 1}`, { exact: true }).waitFor({ timeout: 5000 });
    await alice.locator('[data-testid="run-state"][data-status="succeeded"]').waitFor({ timeout: STATE_TIMEOUT });
    // Once finished, the stored output (stdout and stderr, from the first line) replaces the live pane.
    await out.getByText(/^tick 1$/m).waitFor();
    await out.getByText('all 20 ticks printed').waitFor();
  });

  await t.test('verify the ledger from the Ledger view', async () => {
    await alice.getByTestId('nav-ledger').click();
    await alice.getByTestId('ledger-entry').first().waitFor();
    await alice.getByTestId('verify-button').click();
    const result = alice.locator('[data-testid="verify-result"][data-ok="true"]');
    await result.waitFor({ timeout: STATE_TIMEOUT });
    assert.match(await result.innerText(), /verified \d+ entries, root \S+/);
    // The export is a plain link the session cookie authenticates: a tar archive.
    const [tar] = await Promise.all([alice.waitForEvent('download'), alice.getByTestId('export-link').click()]);
    assert.match(tar.suggestedFilename(), /^runledger-export-\d+\.tar$/);
    const bytes = await readFile(await tar.path());
    assert.equal(bytes.subarray(257, 262).toString('latin1'), 'ustar', 'a ustar archive');
    // Entries expand to their JSON.
    await alice.getByTestId('ledger-entry').first().locator('button').first().click();
    assert.match(await alice.locator('pre.json').first().innerText(), /"prev"/);
  });

  await t.test('freeze as admin: a new run is refused with the error shown, an approved run is interrupted; unfreeze and resume', async () => {
    // A second release waits at its gate when the freeze comes.
    await alice.goto('/runbooks/release-smoke');
    await fillRelease(alice, '1.0.1');
    await alice.getByTestId('run-submit').click();
    await alice.waitForURL(/\/runs\/[^/]+$/);
    const second = decodeURIComponent(new URL(alice.url()).pathname.split('/').pop() ?? '');
    await alice.locator('[data-testid="run-state"][data-status="waiting_approval"]').waitFor({ timeout: STATE_TIMEOUT });

    const ada = await userPage();
    await signIn(ada, srv.tokens.ada, '/policy');
    await ada.getByTestId('freeze-state').waitFor();
    assert.equal(await ada.getByTestId('freeze-state').getAttribute('data-frozen'), 'false');
    // A reason is required.
    await ada.getByTestId('freeze-button').click();
    await ada.getByText('A reason is required').waitFor();
    await ada.getByTestId('freeze-reason').fill('e2e: release window closed');
    await ada.getByTestId('freeze-button').click();
    await ada.locator('[data-testid="freeze-state"][data-frozen="true"]').waitFor();
    await ada.getByTestId('freeze-banner').waitFor();

    // Alice, on another session, sees the freeze and a new run is refused with its code.
    await alice.goto('/runbooks/release-smoke');
    await alice.getByTestId('freeze-banner').waitFor();
    await fillRelease(alice, '1.0.2');
    await alice.getByTestId('run-submit').click();
    const err = alice.getByTestId('run-form').getByTestId('error-banner');
    await err.waitFor();
    const code = await err.getAttribute('data-code');
    assert.ok(code === 'POLICY_DENIED' || code === 'AUTOMATION_FROZEN', `refused with ${code}`);
    assert.match(await err.innerText(), /frozen/i);
    assert.match(await err.innerText(), /request id/);
    assert.match(alice.url(), /\/runbooks\/release-smoke$/);

    // Bob approves the waiting run: the approval is recorded, but no step starts while frozen.
    const bob = await userPage();
    await signIn(bob, srv.tokens.bob, `/runs/${encodeURIComponent(second)}`);
    await bob.getByTestId('approve-comment').fill('approved during the freeze');
    await bob.getByTestId('approve-button').click();
    await bob.locator('[data-testid="run-state"][data-status="interrupted"]').waitFor({ timeout: STATE_TIMEOUT });
    assert.match(await bob.getByTestId('run-reason').innerText(), /frozen/);
    await bob.context().close();

    await ada.getByTestId('freeze-reason').fill('e2e: window open again');
    await ada.getByTestId('unfreeze-button').click();
    await ada.locator('[data-testid="freeze-state"][data-frozen="false"]').waitFor();
    assert.equal(await ada.getByTestId('freeze-banner').count(), 0);
    await ada.context().close();

    // Alice resumes the interrupted run; skip and abort ask for a reason first.
    await alice.goto(`/runs/${encodeURIComponent(second)}`);
    await alice.locator('[data-testid="run-state"][data-status="interrupted"]').waitFor();
    await alice.getByTestId('skip-button').click();
    await alice.getByText('A reason is required').waitFor();
    await alice.getByTestId('resume-button').click();
    await alice.locator('[data-testid="run-state"][data-status="succeeded"]').waitFor({ timeout: STATE_TIMEOUT });
    assert.equal(await alice.locator('[data-testid="step-row"][data-step="announce"]').getAttribute('data-status'), 'succeeded');
  });

  await t.test('a session ended elsewhere sends every open page to sign-in', async () => {
    const other = await alice.context().newPage();
    await other.goto('/');
    await other.getByTestId('dash-waiting').waitFor();
    await alice.getByTestId('sign-out').click();
    await alice.waitForURL(/\/signin/);
    // The other tab's next poll gets 401 and goes to sign-in, saying why.
    await other.waitForURL(/\/signin/, { timeout: 15_000 });
    await other.getByText('Your session has ended').waitFor();
    const r = await alice.request.get('/api/v1/session');
    assert.equal(r.status(), 401);
    await alice.context().close();
  });

  assert.deepEqual(pageErrors, [], 'no script errors and no CSP violations');
});

// Releases in a real browser (Debian's Chromium) against a real server with real stores: a catalog
// service `shop` whose deploy, verify and rollback runbooks are tiny shell scripts, gated by a checklist
// and a short bake window. Alice (operator) creates and deploys 1.0.0 to production from the UI and
// watches the deploy, the gates and the bake window until it is announced; 1.1.0 follows; a release
// in staging fails its verify gate. She rolls 1.1.0 back with a reason: in production it waits for an
// approval, which she cannot give; Bob (approver) approves in the UI and the release is rolled back,
// with the rollback record (from → to, who, why, approved by, post-rollback checks). The timeline,
// the release view and the waiting approval are saved as screenshots (docs/screenshots/ on request).
// Needs packages/web/dist: npm run build -w @runledger/web.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { until } from '@runledger/testkit';
import { boot, launchChromium, newUser, requireDist, signIn, type Booted } from './boot.js';

const SHOTS = process.env['RUNLEDGER_SCREENSHOTS_DIR'] ?? mkdtempSync(join(tmpdir(), 'runledger-shots-'));

function runbook(id: string, script: string, inputs: string[] = []): string {
  const decl = inputs.length ? `inputs:\n${inputs.map((n) => `  ${n}: {type: string, default: ''}`).join('\n')}\n` : '';
  return `---\nid: ${id}\ntitle: ${id}\n${decl}environments: [staging, production]\n---\n\n# ${id}\n\n## Steps\n\n\`\`\`sh {#main timeout=60s}\n${script}\n\`\`\`\n`;
}

const RUNBOOKS = {
  'shop-deploy.md': runbook('shop-deploy', 'echo "deploying shop {{ inputs.version }} to {{ inputs.env }}"; sleep 1; echo "shop {{ inputs.version }} is out"', [
    'version',
    'env',
  ]),
  // A version with "-bad" in it fails its smoke test.
  'shop-verify.md': runbook(
    'shop-verify',
    'echo "smoke testing shop {{ inputs.version }}"; sleep 1.5\ncase "{{ inputs.version }}" in *-bad*) echo "smoke: GET /healthz answered 500" >&2; exit 1;; esac\necho "smoke: ok"',
    ['version'],
  ),
  'shop-rollback.md': runbook(
    'shop-rollback',
    'echo "rolling shop back from {{ inputs.from }} to {{ inputs.to }} ({{ inputs.mode }}): {{ inputs.reason }}"; sleep 1; echo "shop {{ inputs.to }} is running"',
    ['from', 'to', 'reason', 'mode', 'revision'],
  ),
};

const CATALOG = `services:
  - name: shop
    description: The shop API
    owner: team-shop
    runbooks: { deploy: shop-deploy, verify: shop-verify, rollback: shop-rollback }
    release: { checklist: shop-release, postRollback: shop-release, bake: 4s }
checklists:
  - name: shop-release
    description: No SEV-1 incident is open
    items:
      - noOpenIncident: { severity: SEV-1 }
`;

const DIGEST = (c: string): string => `sha256:${c.repeat(64)}`;

let srv: Booted;
let chrome: Awaited<ReturnType<typeof launchChromium>>;
const problems: string[] = [];

before(async () => {
  requireDist();
  srv = await boot({ runbooks: RUNBOOKS, catalog: CATALOG, health: { checklistEveryMs: 2000, flushMs: 500 }, releases: { pollMs: 500 } });
  chrome = await launchChromium();
});

after(async () => {
  await chrome?.close();
  await srv?.close();
});

async function api(token: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(new URL(path, srv.url), {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

type Rel = { id: string; state: string; version: string };
const releaseOf = async (id: string): Promise<Rel> => (await api(srv.tokens.vera, `/api/v1/releases/${id}`)).json['release'] as Rel;
const settled = (id: string, state: string) =>
  until(`release ${id} ${state}`, async () => ((await releaseOf(id)).state === state ? true : undefined), { timeoutMs: 30_000 });

async function userPage(): Promise<Page> {
  const { page } = await newUser(chrome.browser, srv.url);
  page.on('pageerror', (e) => problems.push(`pageerror on ${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`csp on ${page.url()}: ${m.text()}`);
  });
  return page;
}

/** Saves the page; `whole`: all of it, in a window as tall as the page. */
async function shot(page: Page, name: string, whole = false): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(400);
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

const gate = (page: Page, name: string) => page.locator(`[data-testid="gate-row"][data-gate="${name}"]`);
const releaseState = (page: Page, state: string, timeout = 30_000) => page.locator(`[data-testid="release"][data-state="${state}"]`).waitFor({ timeout });

test('releases in the browser: deploy, watch the gates, roll back with an approval', { timeout: 240_000 }, async (t) => {
  let alice: Page;
  let first = '';
  let second = '';

  await t.test('alice creates and deploys 1.0.0 to production and watches the gates and the bake window', async () => {
    alice = await userPage();
    await signIn(alice, srv.tokens.alice, '/releases');
    await alice.getByTestId('releases-empty').waitFor();
    await alice.getByTestId('release-new').click();
    await alice.getByTestId('release-service').fill('shop');
    await alice.getByTestId('release-env').fill('production');
    await alice.getByTestId('release-version').fill('1.0.0');
    await alice.getByTestId('release-artifact').fill('registry.example/shop:1.0.0');
    await alice.getByTestId('release-digest').fill('sha256:not-a-digest');
    await alice.getByTestId('release-create').click();
    assert.match(await alice.locator('.field-error').innerText(), /sha256/);
    await alice.getByTestId('release-digest').fill(DIGEST('a'));
    await alice.getByTestId('release-create').click();
    await alice.waitForURL(/\/releases\/[^/]+$/);
    first = decodeURIComponent(alice.url().split('/').pop()!);
    await alice.getByTestId('release').waitFor();

    // The deploy runs (its run linked), then the gates: the verify runbook while it runs, the checklist.
    await gate(alice, 'deploy').locator('[data-testid="run-link"]').waitFor();
    await alice.locator('[data-testid="gate-row"][data-gate="shop-verify"][data-outcome="running"]').waitFor({ timeout: 20_000 });
    assert.match((await gate(alice, 'shop-verify').getByTestId('run-link').getAttribute('href')) ?? '', /^\/runs\//);
    await alice.locator('[data-testid="gate-row"][data-gate="shop-verify"][data-outcome="passed"]').waitFor({ timeout: 20_000 });
    await alice.locator('[data-testid="gate-row"][data-gate="shop-release"][data-outcome="passed"]').waitFor({ timeout: 20_000 });
    // The bake window: a bar with the time left while verifying.
    await alice.locator('[data-testid="bake-state"][data-open="true"]').waitFor({ timeout: 10_000 });
    assert.match(await alice.getByTestId('bake-left').innerText(), /left/);
    await shot(alice, 'release-verifying');
    await releaseState(alice, 'announced');
    await alice.locator('[data-testid="gate-row"][data-gate="bake"][data-outcome="passed"]').waitFor();
    assert.match(await alice.getByTestId('bake-left').innerText(), /announced/);
    assert.equal(await alice.getByTestId('release-state').innerText(), 'ANNOUNCED');
    // Its timeline tells the story.
    const facts = await alice.getByTestId('release-fact').allInnerTexts();
    assert.ok(
      facts.some((f) => /deploy started by alice/.test(f)),
      facts.join('\n'),
    );
    assert.ok(
      facts.some((f) => /gate shop-verify passed/.test(f)),
      facts.join('\n'),
    );
    assert.ok(
      facts.some((f) => /^announced/.test(f)),
      facts.join('\n'),
    );
  });

  await t.test('1.1.0 follows; 1.2.0-bad fails its gate in staging', async () => {
    const two = await api(srv.tokens.alice, '/api/v1/releases', {
      service: 'shop',
      env: 'production',
      version: '1.1.0',
      artifact: { ref: 'registry.example/shop:1.1.0', digest: DIGEST('b') },
      bakeMs: 2000,
      deploy: true,
    });
    assert.equal(two.status, 201, JSON.stringify(two.json));
    second = two.json['id'] as string;
    for (const [v, c] of [
      ['1.1.0', 'b'],
      ['1.2.0-bad', 'c'],
    ] as const) {
      const r = await api(srv.tokens.alice, '/api/v1/releases', {
        service: 'shop',
        env: 'staging',
        version: v,
        artifact: { ref: `registry.example/shop:${v}`, digest: DIGEST(c) },
        bakeMs: 0,
        deploy: true,
      });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      await settled(r.json['id'] as string, v.endsWith('-bad') ? 'failed' : 'announced');
    }
    await settled(second, 'announced');

    await alice.getByTestId('nav-releases').click();
    await alice.getByTestId('release-timeline').waitFor();
    assert.equal(await alice.getByTestId('release-lane').count(), 2, 'shop in production and in staging');
    await alice.locator(`[data-testid="release-marker"][data-release="${second}"][data-state="announced"]`).waitFor();
    const bad = alice.locator('[data-testid="release-row"][data-version="1.2.0-bad"]');
    assert.equal(await bad.getAttribute('data-state'), 'failed');
    assert.match(await bad.innerText(), /failed at shop-verify/);
    // The filters narrow the list and the picture to one lane.
    await alice.getByTestId('releases-filter-env').selectOption('staging');
    await until('one lane', async () => ((await alice.getByTestId('release-lane').count()) === 1 ? true : undefined));
    assert.equal(await alice.getByTestId('release-row').count(), 2);
    await alice.getByTestId('releases-filter-env').selectOption('');
    await until('two lanes', async () => ((await alice.getByTestId('release-lane').count()) === 2 ? true : undefined));
  });

  await t.test('alice rolls 1.1.0 back with a reason: in production it waits for an approval she cannot give', async () => {
    await alice.locator(`[data-testid="release-marker"][data-release="${second}"]`).click();
    await alice.waitForURL(new RegExp(`/releases/${second}$`));
    await releaseState(alice, 'announced');
    await alice.getByTestId('rollback-button').click();
    const form = alice.getByTestId('rollback-form');
    await form.waitFor();
    assert.match(await alice.getByTestId('rollback-consequences').innerText(), /from 1\.1\.0 to 1\.0\.0/);
    assert.match(await alice.getByTestId('rollback-consequences').innerText(), /ledger is verified first/);
    await alice.getByTestId('rollback-submit').click();
    await alice.getByTestId('rollback-reason-missing').waitFor();
    await alice.getByTestId('rollback-reason').fill('checkout latency doubled after 1.1.0');
    await alice.getByTestId('rollback-submit').click();
    const pending = alice.getByTestId('pending-rollback');
    await pending.waitFor();
    assert.match(await alice.getByTestId('pending-why').innerText(), /rollbacks in production need an approval/);
    assert.match(await alice.getByTestId('pending-reason').innerText(), /checkout latency doubled/);
    assert.ok(await alice.getByTestId('rollback-approve').isDisabled(), 'an operator cannot approve');
    assert.match(await pending.innerText(), /needs role approver or admin/);
    assert.ok(await alice.getByTestId('rollback-button').isDisabled(), 'no second rollback while one waits');
    // The staging release's failure paged (an incident labelled env=staging): not an incident of this window.
    assert.equal(await alice.getByTestId('release-incident').count(), 0);
    // Still announced: nothing rolls back before the approval.
    assert.equal((await releaseOf(second)).state, 'announced');
    await shot(alice, 'release-pending', true);
  });

  await t.test('bob (approver) approves in the UI: the release is rolled back, with the record', async () => {
    const bob = await userPage();
    await signIn(bob, srv.tokens.bob, `/releases/${second}`);
    await bob.getByTestId('pending-rollback').waitFor();
    const approve = bob.getByTestId('rollback-approve');
    assert.ok(await approve.isEnabled());
    await approve.click();
    await releaseState(bob, 'rolled_back');
    await bob.locator('[data-testid="rollback-outcome"]').getByText('rolled back').waitFor({ timeout: 20_000 });
    assert.equal(await bob.getByTestId('pending-rollback').count(), 0);
    assert.match(await bob.getByTestId('rollback-line').innerText(), /1\.1\.0 → 1\.0\.0, image-only/);
    assert.match(await bob.getByTestId('rollback-approved-by').innerText(), /bob/);
    assert.match(await bob.getByTestId('rollback-reason-shown').innerText(), /checkout latency doubled/);
    await bob.getByTestId('rollback-postchecks').getByText('checks passed').waitFor({ timeout: 20_000 });
    assert.match(await bob.getByTestId('release-rollback').innerText(), /alice/);
    // Alice's page follows by itself.
    await releaseState(alice, 'rolled_back');
    await alice.evaluate(() => window.scrollTo(0, 0));
    await shot(alice, 'release', true);

    // The evidence bundle downloads as a tar.
    const [download] = await Promise.all([bob.waitForEvent('download'), bob.getByTestId('release-evidence').click()]);
    assert.match(download.suggestedFilename(), /^release-.+-evidence\.tar$/);

    // The timeline: 1.0.0 runs again in production (the ring), an arc from 1.1.0 back to it.
    await bob.getByTestId('nav-releases').click();
    await bob.locator(`[data-testid="release-marker"][data-release="${second}"][data-state="rolled_back"]`).waitFor();
    assert.equal(await bob.getByTestId('release-rollback-arc').count(), 1);
    const now = await api(srv.tokens.vera, '/api/v1/releases/targets');
    const prod = (now.json['targets'] as { env: string; current: { id: string } | null }[]).find((x) => x.env === 'production');
    assert.equal(prod?.current?.id, first, '1.0.0 runs again');
    await shot(bob, 'releases');
    await bob.context().close();
  });

  assert.deepEqual(problems, [], 'no script errors and no CSP violations');
});

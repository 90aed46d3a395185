// A real Runledger server for the browser tests and the screenshot script: a fresh SQLite ledger in
// a temp home, the engine as `runledger serve` runs it, API tokens per role, the built web UI, and
// the demo service the example runbooks operate on. Nothing is built here: packages/web/dist must
// exist (npm run build -w @runledger/web).
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { initLedger, type LedgerLocation } from '@runledger/runtime';
import { TokenStore, type TokenRole } from '@runledger/store';
import { createApp, openServerEngine, type App, type ServerEngine } from '@runledger/server';

const run = promisify(execFile);

export const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const WEB_DIST = join(REPO, 'packages/web/dist');
const DEMO_CTL = join(REPO, 'examples/demo-service/ctl.sh');

export interface Demo {
  readonly home: string;
  readonly port: number;
  readonly proxyPort: number;
}

export interface Booted {
  /** The server's base URL, ending in `/`. */
  readonly url: string;
  readonly app: App;
  readonly server: ServerEngine;
  /** Token texts: alice (operator), bob (approver, group release-manager), carol (approver), ada (admin), vera (viewer). */
  readonly tokens: Record<'alice' | 'bob' | 'carol' | 'ada' | 'vera', string>;
  readonly demo: Demo;
  /** Server log lines (JSON), for failure messages. */
  readonly logs: string[];
  close(): Promise<void>;
}

export function requireDist(): void {
  if (!existsSync(join(WEB_DIST, 'index.html'))) {
    throw new Error(`${WEB_DIST}/index.html is missing: build the web UI first with \`npm run build -w @runledger/web\` (the tests never build it themselves)`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

/** Runs `examples/demo-service/ctl.sh ARGS` against this demo service (its home and ports). */
export async function demoCtl(demo: Demo, ...args: string[]): Promise<void> {
  await run(DEMO_CTL, args, {
    cwd: REPO,
    env: { ...process.env, DEMO_HOME: demo.home, DEMO_PORT: String(demo.port), DEMO_PROXY_PORT: String(demo.proxyPort), DEMO_ACTOR: 'e2e' },
    timeout: 20_000,
  });
}

/**
 * A runbook for watching output stream live: it prints a line every 300 ms for a few seconds,
 * long enough for a browser to see the step running and its output arrive.
 */
export const LIVE_OUTPUT_RUNBOOK = `---
id: live-output
title: Live output
description: Prints a numbered line every 300 ms, then a line on stderr.
inputs:
  lines:
    type: integer
    default: 12
    min: 1
    max: 100
---

# Live output

## Procedure

\`\`\`sh {#tick timeout=60s}
for i in $(seq 1 {{ inputs.lines }}); do echo "tick $i"; sleep 0.3; done
echo "all {{ inputs.lines }} ticks printed" >&2
\`\`\`
`;

/** The operations layer's options (the operations file, its secrets' environment, the loops' poll interval). */
export type OperationsOptions = NonNullable<Parameters<typeof createApp>[0]['operations']>;

/** Continuous health's options (catalog path, timers); see HealthDeps. */
export type HealthOptions = NonNullable<Parameters<typeof createApp>[0]['health']>;

/** Job schedules' options (timers, extra job handlers); see SchedulesDeps. The file comes from `schedules.file`. */
export type SchedulesOptions = Omit<NonNullable<Parameters<typeof createApp>[0]['schedules']>, 'path'>;

export async function boot(
  opts: {
    runbooks?: Record<string, string>;
    operations?: OperationsOptions;
    /**
     * A service catalog (YAML), written as catalog.yaml in the data directory: the checks run. A function
     * gets the demo service's home and ports, for a catalog that probes it.
     */
    catalog?: string | ((demo: Demo) => string);
    health?: HealthOptions;
    /** Releases: how often bake windows are observed (ms). */
    releases?: { pollMs?: number };
    /** A schedules file (YAML), written as schedules.yaml beside the data directory, and the scheduler's options. */
    schedules?: { file: string; options?: SchedulesOptions };
  } = {},
): Promise<Booted> {
  requireDist();
  const root = mkdtempSync(join(tmpdir(), 'runledger-web-e2e-'));
  const home = join(root, 'home');
  mkdirSync(home);
  // The catalogue: the example runbooks, plus (in a copy) any the caller adds.
  let catalogue = join(REPO, 'examples/runbooks');
  if (opts.runbooks) {
    const copy = join(root, 'runbooks');
    mkdirSync(copy);
    for (const f of readdirSync(catalogue)) if (f.endsWith('.md')) copyFileSync(join(catalogue, f), join(copy, f));
    for (const [name, text] of Object.entries(opts.runbooks)) writeFileSync(join(copy, name), text);
    catalogue = copy;
  }
  const loc: LedgerLocation = { env: { RUNLEDGER_DATABASE_URL: `sqlite:${join(home, 'runledger.db')}` }, home };
  await initLedger(loc, { origin: 'web.e2e/ledger', actor: { kind: 'user', id: 'setup' } });
  // The demo service's ports are chosen now (it starts below), so a catalog can point at them.
  const demo: Demo = { home: join(root, 'demo'), port: await freePort(), proxyPort: await freePort() };
  if (opts.catalog !== undefined) writeFileSync(join(home, 'catalog.yaml'), typeof opts.catalog === 'function' ? opts.catalog(demo) : opts.catalog);
  if (opts.schedules) writeFileSync(join(root, 'schedules.yaml'), opts.schedules.file);
  // The repository as the working directory, as `runledger serve` from a checkout: runbook defaults
  // such as examples/demo-service/ctl.sh resolve.
  const server = await openServerEngine(loc, { cwd: REPO });
  const ts = new TokenStore(server.engineContext.ledger.store);
  const now = new Date().toISOString();
  const make = async (name: string, role: TokenRole, groups: string[] = []): Promise<string> => {
    const r = await ts.create({ name, role, now, groups });
    if (!r.ok) throw new Error(`token ${name}: ${r.reason}`);
    return r.token;
  };
  const tokens = {
    alice: await make('alice', 'operator'),
    bob: await make('bob', 'approver', ['release-manager']),
    carol: await make('carol', 'approver'),
    ada: await make('ada', 'admin'),
    vera: await make('vera', 'viewer'),
  };

  mkdirSync(demo.home);
  // As scripts/demo.sh: the audit DSN the release-smoke check looks for, and the proxy port.
  writeFileSync(join(demo.home, 'env'), `DEMO_AUDIT_DSN=postgres://audit_writer@127.0.0.1:5432/audit\nDEMO_PROXY_PORT=${demo.proxyPort}\n`);

  const logs: string[] = [];
  let app: App;
  try {
    await demoCtl(demo, 'start');
    app = await createApp({
      engineContext: server.engineContext,
      events: server.events,
      version: '0.0.0-e2e',
      logger: { level: 'info', stream: { write: (l: string) => void logs.push(l) } },
      runbooksDir: catalogue,
      webDir: WEB_DIST,
      startWaitMs: 500,
      ...(opts.operations ? { operations: opts.operations } : {}),
      ...(opts.health ? { health: opts.health } : {}),
      ...(opts.releases ? { releases: opts.releases } : {}),
      ...(opts.schedules ? { schedules: { path: join(root, 'schedules.yaml'), ...opts.schedules.options } } : {}),
    });
    await app.fastify.listen({ host: '127.0.0.1', port: 0 });
  } catch (e) {
    await demoCtl(demo, 'stop', '--force').catch(() => undefined);
    await server.engineContext.close();
    throw e;
  }
  const addr = app.fastify.server.address();
  const url = typeof addr === 'object' && addr ? `http://127.0.0.1:${addr.port}/` : String(addr);

  return {
    url,
    app,
    server,
    tokens,
    demo,
    logs,
    async close() {
      await app.shutdown().catch(() => undefined);
      await server.engineContext.close().catch(() => undefined);
      await demoCtl(demo, 'stop', '--force').catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Debian's Chromium, headless; never a downloaded browser. Playwright refuses `--user-data-dir` in
 * `launch()` args (it wants launchPersistentContext, which allows one context only); it already
 * gives every launch a fresh temporary profile of its own, which is what the flag was for.
 */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const exe = '/usr/bin/chromium';
  // Chromium may still be arriving from apt: wait a little before giving up.
  for (let i = 0; i < 60 && !existsSync(exe); i++) await new Promise((r) => setTimeout(r, 1000));
  if (!existsSync(exe)) throw new Error(`${exe} is missing: install Debian's chromium package (apt-get install chromium); never npx playwright install`);
  const browser = await chromium.launch({
    executablePath: exe,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    async close() {
      await browser.close().catch(() => undefined);
    },
    browser,
  };
}

/** A browser context (its own cookie jar: one signed-in user) at the laptop size the UI is made for. */
export async function newUser(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: url, viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  const page = await context.newPage();
  return { context, page };
}

/** Signs in through the sign-in page and waits for the shell. */
export async function signIn(page: Page, token: string, path = '/'): Promise<void> {
  await page.goto(path);
  await page.getByTestId('signin-token').fill(token);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('whoami').waitFor();
}

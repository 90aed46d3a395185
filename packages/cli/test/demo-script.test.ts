// The README's first command: `npm run demo` (scripts/demo.sh) brings up the server on SQLite with the
// demo service, the example runbooks and the web UI, prints the URL and tokens that work, and stops
// both on Ctrl-C. Run here on free ports and a temporary data directory.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

const home = mkdtempSync(join(tmpdir(), 'runledger-demo-script-'));
after(() => rmSync(home, { recursive: true, force: true }));

it('npm run demo: URL and working tokens printed, UI and runbooks served, demo service up; Ctrl-C stops both', { timeout: 240_000 }, async () => {
  assert.ok(existsSync(join(REPO, 'packages/web/dist/index.html')), 'packages/web/dist is built by `npm ci` (prepare → build)');
  const [port, demoPort, proxyPort] = [await freePort(), await freePort(), await freePort()];
  const demoHome = join(home, 'svc');
  const child = spawn('bash', ['scripts/demo.sh'], {
    cwd: REPO,
    env: {
      ...process.env,
      RUNLEDGER_HOME: join(home, 'data'),
      DEMO_HOME: demoHome,
      DEMO_PORT: String(demoPort),
      DEMO_PROXY_PORT: String(proxyPort),
      RUNLEDGER_PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  child.stdout.resume();
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  try {
    for (let i = 0; i < 1800 && !err.includes('Ctrl-C stops'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(err, new RegExp(`Runledger is up: +http://127\\.0\\.0\\.1:${port}/`), err);
    // It says how to point the CLI at the same data, so CLI runs show in the UI.
    assert.ok(err.includes(`export RUNLEDGER_HOME=${join(home, 'data')}\n`), err);
    const token = (role: string): string => {
      const m = new RegExp(`^ +${role} +\\w+ +(rlt_[A-Za-z0-9_-]+)`, 'm').exec(err);
      assert.ok(m, `a ${role} token is printed:\n${err}`);
      return m[1]!;
    };
    const base = `http://127.0.0.1:${port}`;
    const html = await fetch(`${base}/`);
    assert.equal(html.status, 200);
    assert.match(await html.text(), /<div id="root">/);
    assert.equal((await fetch(`${base}/ready`)).status, 200);

    // The admin token signs in to the UI; the operator sees the example runbooks; bob's groups approve release-smoke.
    const signIn = await fetch(`${base}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: token('admin') }),
    });
    assert.equal(signIn.status, 200);
    assert.equal(((await signIn.json()) as { role: string }).role, 'admin');
    const rbs = (await (await fetch(`${base}/api/v1/runbooks`, { headers: { authorization: `Bearer ${token('operator')}` } })).json()) as {
      runbooks: { id: string }[];
    };
    assert.ok(rbs.runbooks.some((r) => r.id === 'release-smoke'));
    const me = (await (
      await fetch(`${base}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: token('approver') }),
      })
    ).json()) as { roles: string[] };
    assert.ok(me.roles.includes('release-manager'));

    // Two releases ran through the API: 1.1.0 announced after its gates and bake; 2.0.0-bad failed and was
    // rolled back to 1.1.0 automatically, seed 003's post-rollback checks holding.
    const rels = (await (await fetch(`${base}/api/v1/releases?service=demo`, { headers: { authorization: `Bearer ${token('operator')}` } })).json()) as {
      releases: {
        version: string;
        state: string;
        failure?: { gate: string };
        rollback?: { toVersion: string; outcome?: string; postChecks?: { passed: boolean; reason?: string } };
      }[];
    };
    assert.deepEqual(
      rels.releases.map((r) => [r.version, r.state]),
      [
        ['2.0.0-bad', 'rolled_back'],
        ['1.1.0', 'announced'],
      ],
      err,
    );
    const bad = rels.releases[0]!;
    assert.equal(bad.failure?.gate, 'deploy');
    assert.equal(bad.rollback?.toVersion, '1.1.0');
    assert.equal(bad.rollback?.outcome, 'success');
    assert.ok(bad.rollback?.postChecks?.passed, JSON.stringify(bad.rollback?.postChecks));

    // Two drills ran through the API: a restore drill (RTO, RPO within seed 001's targets) and an escalation
    // drill (mail in the built-in sink, level 2 after the deadline); the script verified each one's evidence
    // offline. The recovery checklist holds on them and on the first backup.
    const drills = (await (await fetch(`${base}/api/v1/drills`, { headers: { authorization: `Bearer ${token('operator')}` } })).json()) as {
      drills: { kind: string; passed: boolean; reasons: string[]; measured: { rtoSeconds?: number; deliverySeconds?: number } }[];
    };
    assert.deepEqual(
      drills.drills.map((d) => [d.kind, d.passed]),
      [
        ['escalation', true],
        ['restore', true],
      ],
      JSON.stringify(drills.drills.map((d) => d.reasons)),
    );
    assert.ok(drills.drills[1]!.measured.rtoSeconds! > 0 && drills.drills[0]!.measured.deliverySeconds! > 0);
    assert.match(err, /restore drill drill-\S+: passed; RTO .*\n.*offline verification ok/);
    assert.match(err, /escalation drill drill-\S+: passed; delivery .*\n.*offline verification ok/);
    const recovery = (await (await fetch(`${base}/api/v1/checklists`, { headers: { authorization: `Bearer ${token('operator')}` } })).json()) as {
      checklists: { name: string; healthy: boolean }[];
    };
    assert.equal(recovery.checklists.find((c) => c.name === 'runledger-recovery')?.healthy, true, JSON.stringify(recovery));

    // The demo's alert came in as an Alertmanager webhook: a SEV-1 incident, and its page reached the demo inbox.
    const incidents = (await (await fetch(`${base}/api/v1/incidents?state=open`, { headers: { authorization: `Bearer ${token('operator')}` } })).json()) as {
      incidents: { severity: string; title: string; alerts: { total: number } }[];
    };
    assert.deepEqual(
      incidents.incidents.filter((i) => i.severity === 'SEV-1').map((i) => [i.severity, i.title, i.alerts.total]),
      [['SEV-1', 'Demo service p95 latency above 250 ms', 2]],
    );
    let pages: { signed: boolean; body: { event?: string } }[] = [];
    for (let i = 0; i < 100 && pages.length === 0; i++) {
      pages = ((await (await fetch(`http://127.0.0.1:${demoPort}/notifications`)).json()) as { notifications: typeof pages }).notifications;
      if (pages.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(
      pages.some((p) => p.signed && p.body.event === 'triggered'),
      JSON.stringify(pages),
    );
    assert.equal(statSync(join(home, 'data', 'alertmanager.token')).mode & 0o077, 0);

    // Continuous health: the catalog the demo wrote is checked; breaking the demo service takes it (and the
    // proxy, because of it) down and opens an incident; fixing it brings it back.
    const auth = { headers: { authorization: `Bearer ${token('operator')}` } };
    type Svc = { name: string; state: string; cause: { service: string } | null };
    const services = async (): Promise<Svc[]> => ((await (await fetch(`${base}/api/v1/services`, auth)).json()) as { services: Svc[] }).services;
    const waitFor = async (what: string, ok: (s: Svc[]) => boolean): Promise<Svc[]> => {
      for (let i = 0; i < 300; i++) {
        const s = await services();
        if (ok(s)) return s;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.fail(`timed out waiting for ${what}: ${JSON.stringify(await services())}`);
    };
    const state = (s: Svc[], name: string): string | undefined => s.find((x) => x.name === name)?.state;
    await waitFor('demo and its proxy up', (s) => state(s, 'demo') === 'up' && state(s, 'demo-proxy') === 'up');
    const ctl = (cmd: string): void => {
      const r = spawnSync('bash', ['examples/demo-service/ctl.sh', cmd], {
        cwd: REPO,
        env: { ...process.env, DEMO_HOME: demoHome, DEMO_PORT: String(demoPort), DEMO_PROXY_PORT: String(proxyPort) },
      });
      assert.equal(r.status, 0, String(r.stderr));
    };
    ctl('break');
    const down = await waitFor('demo down', (s) => state(s, 'demo') === 'down' && state(s, 'demo-proxy') === 'down');
    assert.equal(down.find((x) => x.name === 'demo-proxy')!.cause?.service, 'demo', 'the proxy is down because of the demo service');
    // One incident for the outage: the proxy's alert joins the demo service's (its root cause).
    let titles: string[] = [];
    for (let i = 0; i < 100 && !titles.some((t) => / is down: /.test(t)); i++) {
      const open = (await (await fetch(`${base}/api/v1/incidents?state=open`, auth)).json()) as { incidents: { title: string }[] };
      titles = open.incidents.map((x) => x.title);
      if (!titles.some((t) => / is down: /.test(t))) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(titles.filter((t) => / is down: /.test(t)).length, 1, `one incident for the outage: ${JSON.stringify(titles)}`);
    ctl('fix');
    await waitFor('demo up again', (s) => state(s, 'demo') === 'up');

    // The demo service the runbooks operate is up; the tokens file is private.
    assert.equal((await fetch(`http://127.0.0.1:${demoPort}/health`)).status, 200);
    assert.equal(statSync(join(home, 'data', 'demo-tokens.env')).mode & 0o077, 0);
    assert.ok(!readFileSync(join(home, 'data', 'demo-tokens.env'), 'utf8').includes('\n\n'));
  } finally {
    child.kill('SIGINT');
  }
  const code = await exited;
  assert.notEqual(code, null);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/health`), 'the server stopped');
  await assert.rejects(fetch(`http://127.0.0.1:${demoPort}/health`), 'the demo service stopped');
});

// The demo service (examples/demo-service) driven end to end through ctl.sh, as a runbook would:
// start, status, upgrade, a bad release failing /healthz and /ready, rollback with its deploy.log line,
// break/fix, drain, readiness checks that follow configuration, and a stop that leaves no process.
// Each test run uses its own DEMO_HOME and a free port.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const CTL = resolve(fileURLToPath(import.meta.url), '../../../../examples/demo-service/ctl.sh');

interface Ctl {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

/** Running and not a zombie (this machine's init may not reap orphans). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const st = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return st !== 'Z' && st !== 'X';
  } catch {
    return false;
  }
}

function service(home: string, port: number, extraEnv: Record<string, string> = {}) {
  const env = { ...process.env, DEMO_HOME: home, DEMO_PORT: String(port), DEMO_ACTOR: 'test-operator', ...extraEnv };
  const base = `http://127.0.0.1:${port}`;
  return {
    home,
    base,
    ctl(...args: string[]): Promise<Ctl> {
      return new Promise((res) => {
        execFile('sh', [CTL, ...args], { env, timeout: 30_000 }, (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          res({ code, stdout, stderr });
        });
      });
    },
    async get(path: string): Promise<{ status: number; json: Record<string, unknown> }> {
      const r = await fetch(base + path);
      return { status: r.status, json: (await r.json()) as Record<string, unknown> };
    },
    async post(path: string): Promise<number> {
      return (await fetch(base + path, { method: 'POST' })).status;
    },
    pid(): number {
      return Number(readFileSync(join(home, 'pid'), 'utf8').trim());
    },
  };
}

describe('demo service through ctl.sh', () => {
  let svc: ReturnType<typeof service>;
  before(async () => {
    svc = service(mkdtempSync(join(tmpdir(), 'runledger-demo-')), await freePort(), { DEMO_AUDIT_DSN: 'postgres://audit:audit-pw-123@db/audit' });
  });
  after(async () => {
    await svc.ctl('stop', '--force');
    rmSync(svc.home, { recursive: true, force: true });
  });

  it('status reports stopped (exit 3) before the first start', async () => {
    const r = await svc.ctl('status');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^stopped version=1\.0\.0/);
  });

  it('starts, waits for /health, and serves health, readiness, version and the audit-DSN check', async () => {
    const r = await svc.ctl('start');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^started pid=\d+ port=\d+ version=1\.0\.0 health=200/);
    const health = await svc.get('/health');
    assert.equal(health.status, 200);
    assert.equal(health.json['status'], 'ok');
    assert.equal(health.json['version'], '1.0.0');
    assert.equal((await svc.get('/healthz')).status, 200);
    const ready = await svc.get('/ready');
    assert.equal(ready.status, 200);
    assert.equal(ready.json['ready'], true);
    const checks = ready.json['checks'] as Record<string, { ok: boolean; detail: string }>;
    assert.deepEqual(Object.keys(checks).sort(), ['database', 'migration_head', 'signing_material', 'worker']);
    for (const c of Object.values(checks)) assert.equal(c.ok, true, c.detail);
    assert.equal((await svc.get('/version')).json['version'], '1.0.0');
    const audit = await fetch(`${svc.base}/audit-dsn`);
    const text = await audit.text();
    assert.equal(audit.status, 200);
    assert.ok(!text.includes('audit-pw-123') && !text.includes('postgres://'), text);
    assert.match(readFileSync(join(svc.home, 'server.log'), 'utf8'), /started version=1\.0\.0 env=local migration_head=\S+ port=\d+/);
    // A second start is a no-op.
    const again = await svc.ctl('start');
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already running/);
  });

  it('status reports the running process', async () => {
    const r = await svc.ctl('status');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^running pid=${svc.pid()} port=\\d+ version=1\\.0\\.0 health=200 ready=200`));
  });

  it('upgrade replaces the process and records the deploy', async () => {
    const before = svc.pid();
    const r = await svc.ctl('upgrade', '1.1.0', 'routine');
    assert.equal(r.code, 0, r.stderr);
    assert.notEqual(svc.pid(), before);
    assert.equal(alive(before), false);
    assert.equal((await svc.get('/version')).json['version'], '1.1.0');
    assert.match(
      readFileSync(join(svc.home, 'deploy.log'), 'utf8'),
      /\| upgrade \| success \| from=1\.0\.0 \| to=1\.1\.0 \| actor=test-operator \| reason=routine\n$/,
    );
  });

  it('a bad release starts but fails /healthz and /ready', async () => {
    const r = await svc.ctl('upgrade', '2.0.0-bad', 'new feature');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /health=500/);
    assert.equal((await svc.get('/healthz')).status, 500);
    const ready = await svc.get('/ready');
    assert.equal(ready.status, 503);
    assert.equal(ready.json['ready'], false);
    const worker = (ready.json['checks'] as Record<string, { ok: boolean; detail: string }>)['worker']!;
    assert.equal(worker.ok, false);
    assert.match(worker.detail, /bad release 2\.0\.0-bad/);
  });

  it('rollback restores a healthy version and appends the audit line', async () => {
    const r = await svc.ctl('rollback', 'previous', 'healthz 500 after upgrade');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await svc.get('/healthz')).status, 200);
    assert.equal((await svc.get('/ready')).status, 200);
    assert.equal((await svc.get('/version')).json['version'], '1.1.0');
    const lines = readFileSync(join(svc.home, 'deploy.log'), 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 3, 'appended, never rewritten');
    assert.match(
      lines[2]!,
      /^\d{4}-\d\d-\d\dT\S+Z \| rollback \| success \| from=2\.0\.0-bad \| to=1\.1\.0 \| actor=test-operator \| reason=healthz 500 after upgrade$/,
    );
    const missing = await svc.ctl('rollback', '1.0.0');
    assert.equal(missing.code, 2, 'a rollback without a reason is refused');
  });

  it('break fails /health and /ready until fix', async () => {
    assert.equal((await svc.ctl('break')).code, 0);
    assert.equal((await svc.get('/health')).status, 500);
    assert.equal((await svc.get('/ready')).status, 503);
    assert.equal((await svc.ctl('fix')).code, 0);
    assert.equal((await svc.get('/health')).status, 200);
    assert.equal((await svc.get('/ready')).status, 200);
  });

  it('drain stops new work and fails the worker check', async () => {
    assert.equal(await svc.post('/work'), 202);
    const r = await svc.ctl('drain');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await svc.post('/work'), 503);
    const ready = await svc.get('/ready');
    assert.equal(ready.status, 503);
    assert.match((ready.json['checks'] as Record<string, { detail: string }>)['worker']!.detail, /draining/);
  });

  it('stop ends the process and leaves nothing behind', async () => {
    const pid = svc.pid();
    const r = await svc.ctl('stop');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^stopped pid=${pid}`));
    assert.equal(alive(pid), false);
    await assert.rejects(fetch(`${svc.base}/health`));
    assert.equal((await svc.ctl('status')).code, 3);
    assert.match(readFileSync(join(svc.home, 'server.log'), 'utf8'), /SIGTERM: stopping[\s\S]*stopped\n$/);
  });
});

describe('demo service readiness follows its configuration', () => {
  let svc: ReturnType<typeof service>;
  let dbPort = 0;
  let proxyPort = 0;
  before(async () => {
    dbPort = await freePort();
    proxyPort = await freePort();
    const home = mkdtempSync(join(tmpdir(), 'runledger-demo-'));
    // Configuration can also come from $DEMO_HOME/env, read at every start (so upgrades keep it).
    writeFileSync(join(home, 'env'), '# deploy config\nDEMO_ENV=staging\n');
    svc = service(home, await freePort(), {
      DEMO_PROXY_PORT: String(proxyPort),
      DEMO_SIGNING_REQUIRED: '1',
      DEMO_EXPECTED_MIGRATION_HEAD: '0004_next',
      DEMO_DATABASE_URL: `postgres://app:pw@127.0.0.1:${dbPort}/app`,
    });
  });
  after(async () => {
    await svc.ctl('stop', '--force');
    rmSync(svc.home, { recursive: true, force: true });
  });

  it('fails each check by name, and passes once the world is fixed', async () => {
    assert.equal((await svc.ctl('start')).code, 0);
    const r = await svc.get('/ready');
    assert.equal(r.status, 503);
    const c = r.json['checks'] as Record<string, { ok: boolean; detail: string }>;
    assert.equal(c['database']!.ok, false);
    assert.match(c['database']!.detail, /connection refused/);
    assert.ok(!c['database']!.detail.includes('pw'), c['database']!.detail);
    assert.equal(c['migration_head']!.ok, false);
    assert.match(c['migration_head']!.detail, /expected 0004_next/);
    assert.equal(c['signing_material']!.ok, false);
    assert.equal(c['worker']!.ok, true);
    assert.equal((await svc.get('/version')).json['env'], 'staging');
    // No audit DSN configured: the smoke check's third probe fails.
    const audit = await svc.get('/audit-dsn');
    assert.equal(audit.status, 503);
    assert.equal(audit.json['audit_dsn'], 'missing');
    // The front proxy forwards to the service (the seed's "public /healthz through the proxy").
    const viaProxy = await fetch(`http://127.0.0.1:${proxyPort}/healthz`);
    assert.equal(viaProxy.status, 200);
    assert.equal(viaProxy.headers.get('via'), '1.1 demo-proxy');
    await viaProxy.arrayBuffer();

    // The database comes up, the migration runs, a key is provisioned: ready, with the key's fingerprint.
    const db = createServer((s) => s.destroy());
    await new Promise<void>((res) => db.listen(dbPort, '127.0.0.1', res));
    try {
      writeFileSync(join(svc.home, 'migration_head'), '0004_next\n');
      writeFileSync(join(svc.home, 'signing.key'), 'not-a-real-key-material\n', { mode: 0o600 });
      const ok = await svc.get('/ready');
      assert.equal(ok.status, 200, JSON.stringify(ok.json));
      const sig = (ok.json['checks'] as Record<string, { detail: string }>)['signing_material']!.detail;
      assert.match(sig, /fingerprint sha256:[0-9a-f]{16}$/);
      assert.ok(!sig.includes('not-a-real-key-material'));
    } finally {
      await new Promise<void>((res) => db.close(() => res()));
    }
  });
});

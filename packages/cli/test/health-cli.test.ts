// Continuous health from the command line over real targets: an HTTP server the test breaks and heals
// and a TCP port nobody listens on. `checks run` (ok, refused, a failed condition; exit 0/1),
// `services` (as recorded by a health service, and --probe), `health` (a passing and a failing
// checklist with the "ledger verifies" and "no bypass" items: the verification is recorded by a real
// `runledger serve` through its API, the freeze set with `runledger freeze`), `slo report` (byte-stable
// for a period of recorded samples), `config check` (catalog problems at file:line:col, what each burn
// rule needs to fire), and `serve --catalog` with its SIGHUP reload.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { HealthService, loadCatalog, openLedger, type CheckOutcome } from '@runledger/runtime';
import { cliRunner, fileIn } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'runledger-healthcli-'));
const home = join(root, 'data');
mkdirSync(home);
const rl = cliRunner(root, home);
const children: ChildProcess[] = [];

let healthy = true;
let server: Server;
let port = 0;
let closedPort = 0;

before(async () => {
  server = createServer((_req, res) => {
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: healthy ? 'ok' : 'failing' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  // A port that was free a moment ago and is closed now: connecting is refused.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
});
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  server.close();
  rmSync(root, { recursive: true, force: true });
});

const catalogText = (): string => `services:
  - name: api
    owner: team-api
    checks:
      - name: ping
        http: { url: "http://127.0.0.1:${port}/ping" }
        interval: 5s
        conditions: ['status == 200', 'json.$.status == "ok"']
  - name: cache
    checks:
      - name: port
        tcp: { host: 127.0.0.1, port: ${closedPort} }
  - name: web
    owner: team-web
    dependsOn:
      - service: api
      - service: cache
        optional: true
checklists:
  - name: release-ready
    items:
      - check: api/ping
      - service: web
        allow: [up, degraded]
      - name: The ledger verifies
        ledger: verifies
      - name: No bypass is on
        noBypass: true
      - ready: runledger
  - name: cache-up
    items:
      - check: cache/port
slos:
  - name: api-availability
    service: api
    objective: 99
    window: 1d
`;

interface CheckRunOut {
  check: string;
  ok: boolean;
  reason: string;
  detail: string;
  status?: number;
  phases?: { connectMs?: number; totalMs: number };
  conditions: { condition: string; ok: boolean; actual: string; message?: string }[];
}
interface ServicesOut {
  catalog: { path: string } | null;
  source: string;
  services: { name: string; state: string; explanation: string; checks: { id: string; state: string; last: { reason: string } | null }[] }[];
}
interface HealthOut {
  healthy: boolean;
  target: { kind: string; name: string | null };
  items: { checklist: string; name: string; ok: boolean; evidence: unknown }[];
  checklists: { name: string; healthy: boolean }[];
}

const json = <T>(s: string): T => JSON.parse(s) as T;
const item = (h: HealthOut, name: string) => {
  const i = h.items.find((x) => x.name === name);
  assert.ok(i, `no item ${name} in ${JSON.stringify(h.items)}`);
  return i;
};

/** Samples as a health service records them, at fixed times (the test's history for `services` and `slo report`). */
async function recordHistory(): Promise<void> {
  const loaded = loadCatalog(join(home, 'catalog.yaml'));
  const ledger = await openLedger({ env: { RUNLEDGER_HOME: home }, home }, { write: false });
  try {
    const svc = new HealthService({ store: ledger.store, catalog: loaded.catalog, now: () => T0 });
    await svc.open();
    const [ping, cache] = [svc.checks.find((c) => c.id === 'api/ping')!, svc.checks.find((c) => c.id === 'cache/port')!];
    const http = (ok: boolean, latencyMs: number): CheckOutcome => ({
      ok,
      reason: ok ? 'ok' : 'status',
      detail: `GET http://127.0.0.1/ping → ${ok ? 200 : 503}`,
      latencyMs,
      conditions: [],
      probe: { ok: true, reason: 'ok', detail: '', durationMs: latencyMs, observation: { status: ok ? 200 : 503 } },
    });
    // Two hours of api/ping every 5 s; down from 00:30:00 to 00:31:00 (12 probes) and at 01:40:00 (one).
    for (let t = T0; t < T0 + 2 * HOUR; t += 5000) {
      const down = (t >= T0 + 30 * MIN && t < T0 + 31 * MIN) || t === T0 + 100 * MIN;
      await svc.apply(ping, http(!down, 20 + ((t / 5000) % 7)), t);
    }
    const refused: CheckOutcome = {
      ok: false,
      reason: 'connect_refused',
      detail: 'tcp 127.0.0.1 → connection refused, expected a connection',
      conditions: [],
      probe: { ok: false, reason: 'connect_refused', detail: 'refused', durationMs: 1 },
    };
    for (let t = T0 + HOUR; t < T0 + HOUR + 3 * 30_000; t += 30_000) await svc.apply(cache, refused, t);
    await svc.flush();
  } finally {
    await ledger.close();
  }
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-11-02T00:00:00Z');

describe('runledger checks, services, health, slo', () => {
  it('set-up: a ledger and a catalog in the data directory', async () => {
    assert.equal((await rl({}, 'init', '--origin', 'healthcli.test/x')).code, 0);
    writeFileSync(join(home, 'catalog.yaml'), catalogText());
  });

  it('checks run: one probe now, printed with its phases and conditions; exit 0 when ok, 1 when not', async () => {
    const ok = await rl({}, 'checks', 'run', 'api/ping');
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /^api\/ping {2}OK$/m);
    assert.match(ok.out, new RegExp(`^ {2}target {6}GET http://127\\.0\\.0\\.1:${port}/ping$`, 'm'));
    assert.match(ok.out, /^ {2}phases {6}connect [\d.]+ ms, first byte [\d.]+ ms, total [\d.]+ ms$/m);
    assert.match(ok.out, /^ {4}✓ json\.\$\.status == "ok" +saw "ok"$/m);

    const refused = await rl({}, 'checks', 'run', 'cache/port', '--json');
    assert.equal(refused.code, 1, 'a failing check exits 1 (FAILED), not a usage or configuration code');
    const r = json<CheckRunOut>(refused.out);
    assert.deepEqual([r.check, r.ok, r.reason], ['cache/port', false, 'connect_refused']);
    assert.match(r.detail, /connection refused/);
    assert.equal(typeof r.phases?.totalMs, 'number');

    healthy = false;
    try {
      const bad = await rl({}, 'checks', 'run', 'api/ping', '--json');
      assert.equal(bad.code, 1);
      const b = json<CheckRunOut>(bad.out);
      assert.deepEqual([b.ok, b.reason, b.status], [false, 'status', 503]);
      assert.deepEqual(
        b.conditions.map((c) => [c.condition, c.ok, c.actual]),
        [
          ['status == 200', false, '503'],
          ['json.$.status == "ok"', false, '"failing"'],
        ],
      );
      const text = await rl({}, 'checks', 'run', 'api/ping');
      assert.equal(text.code, 1);
      assert.match(text.out, /^api\/ping {2}FAILED \(status\)$/m);
      assert.match(text.out, /^ {4}✗ status == 200 +saw 503 \[status\]/m);
    } finally {
      healthy = true;
    }

    const missing = await rl({}, 'checks', 'run', 'api/nope');
    assert.equal(missing.code, 5);
    assert.match(missing.err, /^runledger: CATALOG_ENTRY_NOT_FOUND: no check "api\/nope" in .*catalog\.yaml \(checks: api\/ping, cache\/port\)/);
  });

  it('services --probe: states from one probe of each check now, a dependent degraded by its optional dependency', async () => {
    const r = await rl({}, 'services', '--probe', '--json');
    assert.equal(r.code, 0, r.err);
    const s = json<ServicesOut>(r.out);
    assert.equal(s.source, 'probed');
    assert.equal(s.catalog?.path, join(home, 'catalog.yaml'));
    assert.deepEqual(
      s.services.map((x) => [x.name, x.state]),
      [
        ['api', 'up'],
        ['cache', 'down'],
        ['web', 'degraded'],
      ],
    );
    assert.equal(s.services[2]!.explanation, 'web is degraded because of cache (check cache/port)');
    assert.equal(s.services[1]!.checks[0]!.last?.reason, 'connect_refused');
    const text = await rl({}, 'services', '--probe');
    assert.match(text.out, /^degraded +web +team-web +web is degraded because of cache \(check cache\/port\)$/m);
  });

  it('services: the states a health service recorded in the data directory; show lists checks and dependencies both ways', async () => {
    const before = json<ServicesOut>((await rl({}, 'services', '--json')).out);
    assert.deepEqual(
      before.services.map((x) => x.state),
      ['unknown', 'unknown', 'unknown'],
      'nothing recorded yet',
    );
    await recordHistory();
    const r = json<ServicesOut>((await rl({}, 'services', '--json')).out);
    assert.equal(r.source, 'recorded');
    assert.deepEqual(
      r.services.map((x) => [x.name, x.state]),
      [
        ['api', 'up'],
        ['cache', 'down'],
        ['web', 'degraded'],
      ],
    );
    const show = await rl({}, 'services', 'show', 'web');
    assert.equal(show.code, 0, show.err);
    assert.match(show.out, /^web {2}DEGRADED$/m);
    assert.match(show.out, /^ {2}required {2}api +up$/m);
    assert.match(show.out, /^ {2}optional {2}cache +down$/m);
    const cache = await rl({}, 'services', 'show', 'cache');
    assert.match(cache.out, new RegExp(`^ {2}down +cache/port +tcp 127\\.0\\.0\\.1:${closedPort}$`, 'm'));
    assert.match(cache.out, /^ +connect_refused: tcp 127\.0\.0\.1 → connection refused, expected a connection \(at 2026-11-02T01:01:00\.000Z\)$/m);
    assert.match(cache.out, /^dependents\n {2}web$/m);
    assert.equal((await rl({}, 'services', 'show', 'nope')).code, 5);
  });

  it('slo report: the same recorded history gives the same bytes; slo list and explain', async () => {
    const args = ['slo', 'report', '--from', '2026-11-02T00:00:00Z', '--to', '2026-11-02T02:00:00Z'];
    const a = await rl({}, ...args);
    assert.equal(a.code, 0, a.err);
    assert.equal(
      a.out,
      [
        'SLO report 2026-11-02T00:00:00.000Z .. 2026-11-02T02:00:00.000Z',
        '',
        'api-availability (service api, availability; checks api/ping)',
        '  SLI 99.0972 %  objective 99 %  MET',
        '  budget: 72 s budget, 65 s used, 7 s left',
        '  worst hour 2026-11-02T00:00:00.000Z: 60 s down, 12 failed probes',
        '  worst hour 2026-11-02T01:00:00.000Z: 5 s down, 1 failed probe',
        '',
      ].join('\n'),
    );
    assert.equal((await rl({}, ...args)).out, a.out, 'byte for byte');
    const j = json<{ kind: string; slos: { name: string; sli: number; met: boolean; badSamples: number }[] }>((await rl({}, ...args, '--json')).out);
    assert.equal(j.kind, 'runledger.slo-report');
    assert.deepEqual(
      j.slos.map((s) => [s.name, s.sli, s.met, s.badSamples]),
      [['api-availability', 0.990972, true, 13]],
    );
    assert.equal((await rl({}, 'slo', 'report', '--from', '2026-11-02', '--to', '2026-11-03T00:00:00Z')).code, 2, 'a time without its offset');

    const list = await rl({}, 'slo', '--json');
    assert.equal(list.code, 0, list.err);
    const l = json<{ slos: { name: string; burn: { rule: string; firing: boolean }[] }[] }>(list.out);
    assert.deepEqual(
      l.slos.map((s) => s.burn.map((b) => b.rule)),
      [['1 h/5 min at 14.4×', '6 h/30 min at 6×', '1 d/2 h at 3×', '3 d/6 h at 1×']],
    );
    const explain = await rl({}, 'slo', 'explain');
    assert.match(
      explain.out,
      /^ {2}page {4}1 h\/5 min at 14\.4× on 99 %: needs ≥ 8\.6 min down in 1 h and ≥ 43\.2 s in 5 min ≈ 104 failed probes at a 5 s interval$/m,
    );
    assert.equal(json<{ slos: { source: string }[] }>(list.out).slos[0]!.source, 'probes');
  });

  it('slo over Prometheus events: --prometheus-url is asked; one it cannot reach is the SLO’s problem', async () => {
    const events = fileIn(
      root,
      'events-catalog.yaml',
      `${catalogText()}  - name: api-requests
    service: api
    objective: 99.9
    prometheus:
      good: sum(increase(http_requests_total{code!~"5.."}[$window]))
      total: sum(increase(http_requests_total[$window]))
`,
    );
    const r = await rl({}, 'slo', '--catalog', events, '--prometheus-url', 'http://127.0.0.1:9');
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /^api-requests \(service api, availability, 30d window; source prometheus\)\n {2}SLI no data {2}objective 99\.9 % {2}PROBLEM\n {2}problem: Prometheus, good events over 30d: asking Prometheus failed: /m,
    );
    const j = json<{ slos: { name: string; source: string; checks: string[]; sli: number | null; problem: string | null }[] }>(
      (await rl({}, 'slo', '--catalog', events, '--json')).out,
    );
    assert.deepEqual(
      j.slos.map((s) => [s.name, s.source, s.checks, s.sli, s.problem]),
      [
        ['api-availability', 'probes', ['api/ping'], j.slos[0]!.sli, null],
        ['api-requests', 'prometheus', [], null, 'no Prometheus to ask: give the SLO prometheus.url, or run with --prometheus-url'],
      ],
    );
    const report = await rl(
      {},
      'slo',
      'report',
      '--catalog',
      events,
      '--from',
      '2026-11-02T00:00:00Z',
      '--to',
      '2026-11-02T02:00:00Z',
      '--prometheus-url',
      'http://127.0.0.1:9',
    );
    assert.equal(report.code, 0, report.err);
    assert.match(
      report.out,
      /\napi-requests \(service api, availability; source prometheus\)\n {2}problem: Prometheus, good events over 2h: asking Prometheus failed: /,
    );
    assert.match((await rl({}, 'slo', 'explain', '--catalog', events)).out, /^api-requests \(service api, 99\.9 %, events from Prometheus\)$/m);
    assert.equal((await rl({}, 'slo', '--prometheus-url', 'prometheus:9090')).code, 2, 'not an http(s) URL');
  });

  it('health: a failing checklist names the item and its evidence; exit 1 (nothing verified yet, a check refused)', async () => {
    const all = await rl({}, 'health', '--json');
    assert.equal(all.code, 1);
    const h = json<HealthOut>(all.out);
    assert.equal(h.healthy, false);
    assert.deepEqual(
      h.checklists.map((c) => [c.name, c.healthy]),
      [
        ['release-ready', false],
        ['cache-up', false],
      ],
    );
    assert.deepEqual(item(h, 'The ledger verifies'), {
      checklist: 'release-ready',
      name: 'The ledger verifies',
      ok: false,
      evidence: 'no full ledger verification result',
    });
    assert.deepEqual(item(h, 'No bypass is on').evidence, 'no bypass or override is on');
    assert.deepEqual(item(h, 'check cache/port is up'), {
      checklist: 'cache-up',
      name: 'check cache/port is up',
      ok: false,
      evidence: 'check cache/port is down',
    });
    const text = await rl({}, 'health', 'cache-up');
    assert.equal(text.code, 1);
    assert.equal(
      text.out.split('\n').slice(0, 5).join('\n'),
      [
        'checklist cache-up: NOT HEALTHY (1 of 1 item fail)',
        '  ✗ check cache/port is up',
        '      check cache/port is down',
        `      connect_refused: tcp 127.0.0.1:${closedPort} → connection refused, expected a connection`,
        '',
      ].join('\n'),
    );
    assert.match(text.out, /^NOT healthy at \S+; 1 check probed now \(0 up, 1 down\)$/m);
    const missing = await rl({}, 'health', 'nope');
    assert.equal(missing.code, 5, 'an unknown name is not "unhealthy"');
  });

  it('serve --catalog: the verification recorded through the API; SIGHUP keeps the catalog in force when the new one is invalid', async () => {
    const served = join(root, 'served.yaml');
    copyFileSync(join(home, 'catalog.yaml'), served);
    const token = (await rl({}, 'tokens', 'create', '--name', 'auditor', '--role', 'viewer')).out.trim();
    const child = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        fileURLToPath(new URL('./fixtures/cli-child.ts', import.meta.url)),
        'serve',
        '--port',
        '0',
        '--catalog',
        served,
        '--status-page',
      ],
      {
        env: { ...process.env, RUNLEDGER_HOME: home, RUNLEDGER_DATABASE_URL: '', RUNLEDGER_LEDGER_DATABASE_URL: '', RUNLEDGER_CONFIG: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = async (what: string, test: () => boolean): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while (!test()) {
        assert.ok(Date.now() < deadline && child.exitCode === null, `${what}:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitFor('serve did not start', () => /Server listening at http:\/\/127\.0\.0\.1:\d+/.test(out));
    const base = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    const auth = { authorization: `Bearer ${token}` };
    const start = JSON.parse(out.split('\n').find((l) => l.includes('runledger serve starting'))!) as { catalog: { path: string; digest: string } };
    assert.equal(start.catalog.path, served);

    const services = async () => (await (await fetch(`${base}/api/v1/services`, { headers: auth })).json()) as { catalog: { path: string; digest: string } };
    assert.equal((await services()).catalog.path, served);
    const v = await fetch(`${base}/api/v1/ledger/verify`, { method: 'POST', headers: auth });
    assert.equal(v.status, 200);
    assert.equal(((await v.json()) as { ok: boolean }).ok, true);

    // Readiness from the running server instead of the local approximation.
    const viaServer = json<HealthOut>((await rl({}, 'health', 'release-ready', '--server', base, '--json')).out);
    assert.equal(item(viaServer, 'runledger is ready').ok, true);

    writeFileSync(served, `${catalogText()}  - name: broken\n    service: nowhere\n    objective: 99\n`);
    child.kill('SIGHUP');
    await waitFor('no reload refusal logged', () => out.includes('service catalog NOT reloaded'));
    assert.equal((await services()).catalog.digest, start.catalog.digest, 'the catalog in force stays');
    writeFileSync(served, catalogText().replace('owner: team-web', 'owner: team-frontend'));
    child.kill('SIGHUP');
    await waitFor('no reload logged', () => out.includes('"msg":"service catalog reloaded"'));
    assert.notEqual((await services()).catalog.digest, start.catalog.digest);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, err);
  });

  it('health: a passing checklist exits 0 with every item’s evidence; the freeze fails "no bypass", a target down fails its check', async () => {
    const pass = await rl({}, 'health', 'release-ready', '--json');
    assert.equal(pass.code, 0, pass.out + pass.err);
    const h = json<HealthOut>(pass.out);
    assert.equal(h.healthy, true);
    assert.deepEqual(h.target, { kind: 'checklist', name: 'release-ready' });
    assert.deepEqual(
      h.items.map((i) => [i.name, i.ok]),
      [
        ['check api/ping is up', true],
        ['service web is up or degraded', true],
        ['The ledger verifies', true],
        ['No bypass is on', true],
        ['runledger is ready', true],
      ],
    );
    const ledger = item(h, 'The ledger verifies').evidence as { ok: boolean; mode: string; checked: number; at: number; detail: string };
    assert.deepEqual([ledger.ok, ledger.mode], [true, 'full']);
    assert.ok(ledger.checked > 1 && Date.now() - ledger.at < 120_000, JSON.stringify(ledger));
    assert.match(ledger.detail, /^\d+ entries verified offline against 1 trusted key\(s\)$/);
    assert.deepEqual(item(h, 'service web is up or degraded').evidence, {
      service: 'web',
      state: 'degraded',
      cause: { service: 'cache', check: 'cache/port' },
      reasons: ['optional cache (down)'],
    });
    const text = await rl({}, 'health', 'release-ready');
    assert.equal(text.code, 0);
    assert.match(text.out, /^checklist release-ready: HEALTHY \(all 5 items hold\)$/m);
    assert.match(
      text.out,
      /^ {2}✓ The ledger verifies\n {6}verified: \d+ entries verified offline against 1 trusted key\(s\) \(the last full verification at \S+Z\)$/m,
    );

    assert.equal((await rl({}, 'freeze', 'on', '--reason', 'drill')).code, 0);
    try {
      const frozen = await rl({}, 'health', 'release-ready', '--json');
      assert.equal(frozen.code, 1);
      const f = json<HealthOut>(frozen.out);
      assert.equal(f.healthy, false);
      const bypass = item(f, 'No bypass is on');
      assert.equal(bypass.ok, false);
      assert.deepEqual(
        (bypass.evidence as { active: { kind: string; detail: string }[] }).active.map((a) => a.kind),
        ['freeze'],
      );
      assert.match((bypass.evidence as { active: { detail: string }[] }).active[0]!.detail, /^drill \(by alice at \S+\)$/);
      assert.deepEqual(
        f.items.filter((i) => !i.ok).map((i) => i.name),
        ['No bypass is on'],
      );
      const t = await rl({}, 'health', 'release-ready');
      assert.equal(t.code, 1);
      assert.match(t.out, /^checklist release-ready: NOT HEALTHY \(1 of 5 items fail\)$/m);
      assert.match(t.out, /^ {2}✗ No bypass is on\n {6}on now: freeze drill \(by alice at \S+\)$/m);
    } finally {
      assert.equal((await rl({}, 'freeze', 'off', '--reason', 'drill over')).code, 0);
    }
    assert.equal((await rl({}, 'health', 'release-ready')).code, 0);

    healthy = false;
    try {
      const down = await rl({}, 'health', 'release-ready', '--json');
      assert.equal(down.code, 1);
      const d = json<HealthOut>(down.out);
      assert.deepEqual(item(d, 'check api/ping is up'), {
        checklist: 'release-ready',
        name: 'check api/ping is up',
        ok: false,
        evidence: 'check api/ping is down',
      });
      assert.deepEqual((item(d, 'service web is up or degraded').evidence as { state: string }).state, 'down');
      const svc = await rl({}, 'health', 'api');
      assert.equal(svc.code, 1);
      assert.match(svc.out, /^service api: NOT HEALTHY \(2 of 2 items fail\)$/m);
      assert.match(svc.out, /^ {2}✗ check api\/ping is up\n {6}check api\/ping is down \[status\]: status == 200 does not hold: saw 503 \([\d.]+ ms\)$/m);
    } finally {
      healthy = true;
    }
    assert.equal((await rl({}, 'health', 'api')).code, 0);
  });

  it('config check: the catalog’s problems at file:line:col (exit 9), or its summary with what each burn rule needs to fire', async () => {
    const ok = await rl({}, 'config', 'check');
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, new RegExp(`^service catalog +${join(home, 'catalog.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.match(ok.out, /^checks +2 +api\/ping \(http, every 5s\), cache\/port \(tcp, every 30s\)$/m);
    assert.match(ok.out, /^ {2}api-availability \(service api, 99 %, probed every 5s\)$/m);
    assert.match(ok.out, /^ {4}ticket {2}3 d\/6 h at 1× on 99 %: needs ≥ 43\.2 min down in 3 d and ≥ 3\.6 min in 6 h ≈ 519 failed probes at a 5 s interval$/m);
    assert.match(ok.out, /\nok\n$/);
    const j = json<{ ok: boolean; catalog: { slos: { name: string; rules: { rule: string; neverFires: boolean }[] }[] } }>(
      (await rl({}, 'config', 'check', '--json')).out,
    );
    assert.equal(j.ok, true);
    assert.deepEqual(
      j.catalog.slos[0]!.rules.map((r) => r.neverFires),
      [false, false, false, false],
    );

    const bad = fileIn(
      root,
      'bad-catalog.yaml',
      `services:
  - name: app
    checks:
      - name: ping
        http: { url: "http://127.0.0.1:8080/health" }
        timout: 5s
        conditions:
          - latency < 300
`,
    );
    const r = await rl({}, 'config', 'check', '--catalog', bad);
    assert.equal(r.code, 9);
    assert.deepEqual(r.err.trimEnd().split('\n'), [
      `runledger: CATALOG_INVALID: invalid service catalog ${bad}:`,
      `${bad}:6:17: $.services[0].checks[0].timout: unknown key timout (expected one of name, id, description, http, tcp, postgres, redis, command, dns, interval, timeout, failureThreshold, successThreshold, conditions, severity, optional)`,
      `${bad}:8:13: $.services[0].checks[0].conditions[0]: column 11: expected a duration with its unit (300ms, 2s, 1m, 7d), not 300`,
    ]);
    const rj = await rl({}, 'config', 'check', '--catalog', bad, '--json');
    assert.equal(rj.code, 9);
    const p = json<{ ok: boolean; catalog: { ok: boolean; problems: { file: string; line: number; column: number; path: string }[] } }>(rj.out);
    assert.deepEqual(
      [p.ok, p.catalog.ok, p.catalog.problems.map((x) => [x.line, x.column, x.path])],
      [
        false,
        false,
        [
          [6, 17, '$.services[0].checks[0].timout'],
          [8, 13, '$.services[0].checks[0].conditions[0]'],
        ],
      ],
    );
    assert.equal((await rl({}, 'health', '--catalog', bad)).code, 9, 'an invalid catalog is a configuration error, not "unhealthy"');
  });
});

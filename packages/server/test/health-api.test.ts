// Continuous health over HTTP on both dialects: the catalog's services with states and causes, a check
// probed now with its conditions, a check's history, checklists evaluated with evidence (the freeze and
// the ledger's last verification as items), SLOs with their burn rules, blackbox_exporter's metric names,
// and a check going down opening an incident through the operations layer, resolved when it is back.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pgFactory, sqliteFactory, tempDir, until, type FixtureFactory } from '@runledger/testkit';
import { assertError, harness, type Harness } from './helpers.js';

function catalogFile(port: number): string {
  const dir = tempDir('runledger-catalog-');
  const file = join(dir, 'catalog.yaml');
  writeFileSync(
    file,
    `services:
  - name: api
    owner: team-api
    severity: SEV-2
    checks:
      - name: ping
        http: { url: "http://127.0.0.1:${port}/ping" }
        interval: 1s
        timeout: 1s
        failureThreshold: 2
        successThreshold: 1
        conditions: ['status == 200', 'json.$.status == "ok"', 'latency < 5s']
  - name: web
    dependsOn: [{ service: api }]
    checks:
      - name: port
        tcp: { host: 127.0.0.1, port: ${port} }
        interval: 1s
        timeout: 1s
checklists:
  - name: prod
    items:
      - service: api
      - ledger: verifies
        mode: full
      - noBypass: true
slos:
  - name: api-availability
    service: api
    objective: 99.9
  - name: api-requests
    service: api
    objective: 99.9
    prometheus: { good: 'sum(increase(http_requests_total{code!~"5.."}[$window]))', total: 'sum(increase(http_requests_total[$window]))' }
`,
  );
  return file;
}

function suite(factory: FixtureFactory): void {
  describe(`health API on ${factory.name}`, () => {
    let h: Harness;
    let target: Server;
    let healthy = true;
    before(async () => {
      await factory.setup();
      target = createServer((_req, res) => {
        res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: healthy ? 'ok' : 'failing' }));
      });
      await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
      const port = (target.address() as AddressInfo).port;
      h = await harness(await factory.create(), {
        health: { catalogPath: catalogFile(port), flushMs: 100, checklistEveryMs: 500, statusPage: true, prometheusUrl: 'http://127.0.0.1:9' },
      });
    });
    after(async () => {
      await h.app.shutdown();
      await h.server.engineContext.close();
      target.close();
      await factory.teardown();
    });

    it('shows services with states, probes a check now, keeps its history, evaluates checklists and SLOs, and exports probe metrics', async () => {
      const t = h.tokens.viewer;
      await until('api up', async () => {
        const r = await h.inject({ url: '/api/v1/services', token: t });
        const s = (r.json as { services: { name: string; state: string }[] }).services;
        return s.find((x) => x.name === 'api')?.state === 'up' && s.find((x) => x.name === 'web')?.state === 'up';
      });
      const one = await h.inject({ url: '/api/v1/services/web', token: t });
      assert.equal(one.status, 200);
      const web = one.json as { dependsOn: { target: string; state: string; optional: boolean }[]; checks: { id: string; kind: string; target: string }[] };
      assert.deepEqual(web.dependsOn, [{ target: 'api', optional: false, state: 'up' }]);
      assert.equal(web.checks[0]!.kind, 'tcp');
      assertError(await h.inject({ url: '/api/v1/services/nope', token: t }), 404, 'CATALOG_ENTRY_NOT_FOUND');

      // Probing now is an operator's; it shows each condition with what was seen.
      assertError(await h.inject({ method: 'POST', url: '/api/v1/checks/api%2Fping/run', token: t }), 403, 'FORBIDDEN_ROLE');
      const run = await h.inject({ method: 'POST', url: '/api/v1/checks/api%2Fping/run', token: h.tokens.operator });
      assert.equal(run.status, 200, run.text);
      const ran = run.json as { ok: boolean; reason: string; conditions: { condition: string; ok: boolean; actual: string }[]; phases: { totalMs: number } };
      assert.equal(ran.ok, true);
      assert.deepEqual(
        ran.conditions.map((c) => [c.condition, c.ok]),
        [
          ['status == 200', true],
          ['json.$.status == "ok"', true],
          ['latency < 5s', true],
        ],
      );
      assert.ok(ran.phases.totalMs >= 0);

      await until(
        'samples recorded',
        async () => ((await h.inject({ url: '/api/v1/checks/api%2Fping/history', token: t })).json as { samples: unknown[] }).samples.length >= 2,
      );

      // The checklist: api up, no freeze; the ledger item fails until a verification is recorded (no data is not healthy).
      const lists = (await h.inject({ url: '/api/v1/checklists', token: t })).json as {
        checklists: { name: string; healthy: boolean; items: { name: string; ok: boolean; evidence: unknown }[] }[];
      };
      const prod = lists.checklists.find((l) => l.name === 'prod')!;
      assert.equal(prod.healthy, false);
      assert.deepEqual(
        prod.items.map((i) => i.ok),
        [true, false, true],
      );
      const verify = await h.inject({ method: 'POST', url: '/api/v1/ledger/verify', token: t });
      assert.equal(verify.status, 200, verify.text);
      const again = (await h.inject({ url: '/api/v1/checklists/prod', token: t })).json as { healthy: boolean; items: { ok: boolean }[] };
      assert.equal(again.healthy, true, JSON.stringify(again));
      // A freeze is an emergency bypass: the checklist fails on it, saying so.
      assert.equal((await h.inject({ method: 'POST', url: '/api/v1/policy/freeze', token: h.tokens.admin, body: { reason: 'incident 42' } })).status, 200);
      const frozen = (await h.inject({ url: '/api/v1/checklists/prod', token: t })).json as {
        healthy: boolean;
        items: { name: string; ok: boolean; evidence: unknown }[];
      };
      assert.equal(frozen.healthy, false);
      assert.match(JSON.stringify(frozen.items[2]!.evidence), /incident 42/);
      assert.equal((await h.inject({ method: 'POST', url: '/api/v1/policy/unfreeze', token: h.tokens.admin, body: { reason: 'over' } })).status, 200);

      const slos = (await h.inject({ url: '/api/v1/slos', token: t })).json as {
        slos: { name: string; source: string; objective: number; sli: number | null; burn: { rule: string }[]; problem: string | null }[];
      };
      assert.equal(slos.slos[0]!.name, 'api-availability');
      assert.equal(slos.slos[0]!.source, 'probes');
      // An SLO over Prometheus events asks the server's --prometheus-url; one it cannot reach is its problem.
      assert.deepEqual([slos.slos[1]!.name, slos.slos[1]!.source, slos.slos[1]!.sli], ['api-requests', 'prometheus', null]);
      assert.match(slos.slos[1]!.problem ?? '', /^Prometheus, good events over 30d: asking Prometheus failed: /);
      assert.equal(slos.slos[0]!.sli, 1, 'a new check’s first minutes count (its partial hour is read from samples)');
      assert.equal(slos.slos[0]!.objective, 0.999);
      assert.equal(slos.slos[0]!.burn.length, 4, 'the four SRE workbook rules');
      const report = await h.inject({ url: '/api/v1/slos/report', token: t });
      assert.equal(report.status, 200);
      assert.match((report.json as { text: string }).text, /api-availability/);
      assert.match(
        (report.json as { text: string }).text,
        /\napi-requests \(service api, availability; source prometheus\)\n {2}problem: Prometheus, good events over 30d: asking/,
      );

      // The status page answers without an account and names services and states only, never targets.
      const status = await h.app.fastify.inject({ url: '/status' });
      assert.equal(status.statusCode, 200);
      assert.match(status.body, /<li><span>api.*class="s up">up<\/span>/);
      assert.ok(!status.body.includes('127.0.0.1'), 'no check targets on the public page');
      assert.match(String(status.headers['content-security-policy']), /default-src 'none'/);

      const metrics = await h.app.fastify.inject({ url: '/metrics' });
      for (const name of [
        'probe_success{check="api/ping",service="api"} 1',
        'probe_http_status_code{check="api/ping",service="api"} 200',
        'runledger_service_state{service="api",state="up"} 1',
      ])
        assert.ok(metrics.body.includes(name), `/metrics has ${name}`);
      assert.match(metrics.body, /probe_duration_seconds\{check="web\/port",service="web"\}/);
    });

    it('a check going down makes its dependent down because of it and opens one incident; back up, the alert resolves', async () => {
      const t = h.tokens.viewer;
      healthy = false;
      await until('api down', async () => ((await h.inject({ url: '/api/v1/services/api', token: t })).json as { state: string }).state === 'down', {
        timeoutMs: 20_000,
      });
      const api = (await h.inject({ url: '/api/v1/services/api', token: t })).json as { checks: { last: { reason: string; status: number } }[] };
      assert.deepEqual([api.checks[0]!.last.reason, api.checks[0]!.last.status], ['status', 503]);
      const incident = await until(
        'an incident for api',
        async () =>
          (
            (await h.inject({ url: '/api/v1/incidents?state=open', token: t })).json as { incidents: { id: string; title: string; severity: string }[] }
          ).incidents.find((i) => i.title.startsWith('api/ping is down')),
        { timeoutMs: 20_000 },
      );
      assert.equal(incident.severity, 'SEV-2', 'the check’s severity from the catalog');
      // The SLO's 1 h / 5 min page rule fires on this outage (its minimum of failed probes reached): an alert
      // too. Its incident may have been opened by the 6 h / 30 min ticket rule a pass earlier (the same
      // group): the page rule's alert is found among the incident's alerts, whichever came first.
      const burn = await until(
        'the page rule’s burn-rate alert',
        async () => {
          const open = (await h.inject({ url: '/api/v1/incidents?state=open', token: t })).json as { incidents: { id: string; title: string }[] };
          for (const i of open.incidents.filter((x) => x.title.startsWith('api-availability: error budget burning'))) {
            const d = (await h.inject({ url: `/api/v1/incidents/${i.id}`, token: t })).json as { alertList: { annotations: Record<string, string> }[] };
            const a = d.alertList.find((x) => /1 h\/5 min at 14\.4×/.test(x.annotations['summary'] ?? ''));
            if (a) return a;
          }
          return undefined;
        },
        { timeoutMs: 20_000 },
      );
      assert.match(burn.annotations['summary']!, /^api-availability: error budget burning \(1 h\/5 min at 14\.4×\)$/);
      healthy = true;
      await until(
        'the incident resolves when the check is back',
        async () => ((await h.inject({ url: `/api/v1/incidents/${incident.id}`, token: t })).json as { state: string }).state === 'resolved',
        { timeoutMs: 20_000 },
      );
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());

describe('check history for charts', () => {
  it('thins a day of 1 s samples to at most 2000, keeping every outage and the slowest answer of each run', async () => {
    const { thin } = await import('../src/health/routes.js');
    const day = Array.from({ length: 86_400 }, (_, i) => ({ at: i * 1000, state: i === 50_001 ? 'down' : 'up', latencyMs: i === 70_000 ? 900 : 2 }));
    const out = thin(day, 2000);
    assert.ok(out.length <= 2000 && out.length > 1900, String(out.length));
    assert.ok(
      out.some((s) => s.at === 50_001_000 && s.state === 'down'),
      'the one failed probe survives',
    );
    assert.ok(
      out.some((s) => s.at === 70_000_000 && s.latencyMs === 900),
      'the spike survives',
    );
    assert.deepEqual(thin(day.slice(0, 10), 2000), day.slice(0, 10), 'short histories are untouched');
  });
});

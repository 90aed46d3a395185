// Continuous health over real targets (an HTTP server the test breaks and heals, PostgreSQL on
// 127.0.0.1) and a real store: thresholds before "down", a dependent service down because of its
// dependency with the alert pointing at the root cause, only state changes in the ledger queue, the
// alert resolved when the check comes back, samples recorded, and a restart resuming the state.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { parseCatalog, type Catalog } from '@runledger/core';
import { OpsOutbox, openStore } from '@runledger/store';
import { sqliteFactory, until } from '@runledger/testkit';
import { HealthService, type HealthAlert } from '../src/index.js';

function catalogFor(port: number): Catalog {
  const text = `
services:
  - name: api
    severity: SEV-2
    checks:
      - name: ping
        http: { url: "http://127.0.0.1:${port}/ping" }
        interval: 1s
        timeout: 1s
        failureThreshold: 2
        successThreshold: 1
        conditions: ['status == 200', 'json.$.status == "ok"']
  - name: web
    dependsOn: [{ service: api }]
    checks:
      - name: db
        postgres: { url: "postgres://postgres@127.0.0.1:5432/postgres", query: "SELECT 1" }
        interval: 1s
        timeout: 1s
`;
  const r = parseCatalog([{ file: 'catalog.yaml', text }]);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  return r.catalog;
}

describe('continuous health', () => {
  let server: Server;
  let healthy = true;
  let port = 0;
  before(async () => {
    await sqliteFactory.setup();
    server = createServer((_req, res) => {
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: healthy ? 'ok' : 'failing' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.close();
    await sqliteFactory.teardown();
  });

  it('takes a check down after its threshold, points the dependent at the root cause, records only changes, and resumes after a restart', async () => {
    const fx = await sqliteFactory.create();
    const store = await openStore(fx.config);
    const raised: HealthAlert[] = [];
    const catalog = catalogFor(port);
    const svc = new HealthService({ store, catalog, flushMs: 200, raise: async (a) => void raised.push(...a) });
    try {
      await svc.open();
      svc.start();
      await until('api up', () => svc.states()['api/ping'] === 'up');
      await until('web up', () => svc.serviceVerdicts()['web']?.state === 'up');

      healthy = false;
      await until('api/ping down', () => svc.states()['api/ping'] === 'down', { timeoutMs: 20_000 });
      const web = svc.serviceVerdicts()['web']!;
      assert.equal(web.state, 'down');
      assert.equal(web.cause?.service, 'api', 'web is down because of api');
      const last = svc.checkViews().find((v) => v.check.id === 'api/ping')!.last!;
      assert.equal(last.reason, 'status');
      assert.equal(last.status, 503);
      await until('alert raised', () => raised.some((a) => a.status === 'firing'));
      const firing = raised.find((a) => a.status === 'firing')!;
      assert.deepEqual([firing.fingerprint, firing.labels['service'], firing.labels['severity']], ['check:api/ping', 'api', 'SEV-2']);

      healthy = true;
      await until('api/ping up again', () => svc.states()['api/ping'] === 'up', { timeoutMs: 20_000 });
      await until('alert resolved', () => raised.some((a) => a.status === 'resolved'));
      await svc.flush();

      // The ledger queue holds state changes only: api/ping unknown→up→down→up, web/db unknown→up, and services.
      const queued = (await new OpsOutbox(store).next(1000)).map((r) => r.draft as { type: string; data: { check?: string; service?: string; to: string } });
      const checkChanges = queued.filter((d) => d.type === 'health.check.changed' && d.data.check === 'api/ping').map((d) => d.data.to);
      assert.deepEqual(checkChanges, ['up', 'down', 'up']);
      const webChanges = queued.filter((d) => d.type === 'health.service.changed' && d.data.service === 'web').map((d) => d.data.to);
      assert.deepEqual(webChanges.slice(-2), ['down', 'up']);
      const no = svc.checkNo('api/ping')!;
      const samples = await svc.store.samples(no, 0, Date.now() + 1000);
      assert.ok(samples.length >= 4, `samples recorded (${samples.length})`);
      assert.ok(samples.some((s) => s.state === 'down' && s.reason === 'status'));
      assert.ok(
        samples.length > checkChanges.length,
        `more samples (${samples.length}) than ledger entries (${checkChanges.length}): changes, not every sample`,
      );
    } finally {
      await svc.stop();
    }
    // A restart resumes each check's state and numbering.
    const again = new HealthService({ store, catalog });
    await again.open();
    assert.equal(again.states()['api/ping'], 'up');
    assert.equal(again.checkNo('api/ping'), svc.checkNo('api/ping'));
    await again.stop();
    await store.close();
  });

  it('a check with no result for three intervals past its timeout becomes unknown, recorded as a change', async () => {
    const fx = await sqliteFactory.create();
    const store = await openStore(fx.config);
    try {
      const catalog = catalogFor(port);
      const svc = new HealthService({ store, catalog });
      await svc.open();
      const check = svc.checks.find((c) => c.id === 'api/ping')!;
      const ok = { ok: true, reason: 'ok', detail: 'ok', conditions: [], probe: { ok: true, detail: 'ok', durationMs: 1, reason: 'ok' as const } };
      const t0 = Date.parse('2026-12-07T10:00:00.000Z');
      await svc.apply(check, ok, t0);
      assert.equal(svc.states()['api/ping'], 'up');
      svc.sweepStale(t0 + 3 * check.intervalMs + check.timeoutMs - 1);
      assert.equal(svc.states()['api/ping'], 'up', 'not yet stale');
      svc.sweepStale(t0 + 3 * check.intervalMs + check.timeoutMs);
      assert.equal(svc.states()['api/ping'], 'unknown');
      assert.equal(svc.serviceVerdicts()['api']!.state, 'unknown');
      await svc.flush();
      const changes = (await new OpsOutbox(store).next(100))
        .map((r) => r.draft as { type: string; data: { check?: string; to: string; reason: string } })
        .filter((d) => d.type === 'health.check.changed' && d.data.check === 'api/ping');
      assert.deepEqual(
        changes.map((d) => [d.data.to, d.data.reason]),
        [
          ['up', 'ok'],
          ['unknown', 'stale'],
        ],
      );
      await svc.stop();
    } finally {
      await store.close();
    }
  });
});

// Checklist facts from a real Prometheus (Debian's prometheus scraping a target this test serves): a
// query's value against its threshold, a query with no series and an unreachable Prometheus both fail
// their item ("no data" is never healthy); and a checklist verdict is a ledger entry only when it changes.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { parseCatalog, type Catalog } from '@runledger/core';
import { OpsOutbox, openStore } from '@runledger/store';
import { sqliteFactory, startPrometheus, until, type Prometheus } from '@runledger/testkit';
import { evaluateChecklists, HealthService, queryPrometheus } from '../src/index.js';

const CATALOG = `
services:
  - name: api
    checks:
      - name: ping
        tcp: { host: 127.0.0.1, port: 9 }
checklists:
  - name: quiet
    items:
      - name: fewer than 5 verification failures
        prometheus: { query: 'sum(demo_verification_failures_total)', op: '<', threshold: 5 }
      - name: no append-only violations
        prometheus: { query: 'sum(demo_append_only_violations_total)', op: '==', threshold: 0 }
`;

function catalog(): Catalog {
  const r = parseCatalog([{ file: 'catalog.yaml', text: CATALOG }]);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  return r.catalog;
}

describe('checklist facts from Prometheus', () => {
  let target: Server;
  let prom: Prometheus;
  let url = '';
  let failures = 2;
  before(async () => {
    target = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE demo_verification_failures_total counter\ndemo_verification_failures_total ${failures}\n`);
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const tport = (target.address() as AddressInfo).port;
    prom = await startPrometheus(`127.0.0.1:${tport}`, async (u) => (await queryPrometheus(u, 'demo_verification_failures_total')).ok);
    url = prom.url;
    await sqliteFactory.setup();
  });
  after(async () => {
    prom.stop();
    target.close();
    await sqliteFactory.teardown();
  });

  it('judges a query against its threshold; no series and no Prometheus fail the item', async () => {
    assert.deepEqual(await queryPrometheus(url, 'sum(demo_verification_failures_total)'), { ok: true, value: 2 });
    const none = await queryPrometheus(url, 'sum(demo_append_only_violations_total)');
    assert.deepEqual(none, { ok: false, error: 'the query returned no series' });
    const bad = await queryPrometheus(url, 'sum(');
    assert.equal(bad.ok, false);
    assert.match(!bad.ok ? bad.error : '', /Prometheus answered 400/);

    const [quiet] = await evaluateChecklists(catalog().checklists, undefined, { prometheusUrl: url });
    assert.deepEqual(
      quiet!.items.map((i) => [i.name, i.ok]),
      [
        ['fewer than 5 verification failures', true],
        ['no append-only violations', false],
      ],
    );
    assert.match(JSON.stringify(quiet!.items[0]!.evidence), /2/);
    assert.equal(quiet!.healthy, false, 'a query with no data is not healthy');

    failures = 7;
    await until(
      'the new value scraped',
      async () => {
        const r = await queryPrometheus(url, 'sum(demo_verification_failures_total)');
        return r.ok && r.value === 7;
      },
      { timeoutMs: 15_000, everyMs: 250 },
    );
    const [after7] = await evaluateChecklists(catalog().checklists, undefined, { prometheusUrl: url });
    assert.equal(after7!.items[0]!.ok, false);

    const down = await evaluateChecklists(catalog().checklists, undefined, { prometheusUrl: 'http://127.0.0.1:9' });
    assert.deepEqual(
      down[0]!.items.map((i) => i.ok),
      [false, false],
    );
  });

  it('records a checklist verdict in the ledger queue only when it changes', async () => {
    const fx = await sqliteFactory.create();
    const store = await openStore(fx.config);
    try {
      const svc = new HealthService({ store, catalog: catalog() });
      await svc.open();
      const verdict = (healthy: boolean) => ({ name: 'quiet', healthy, items: [{ name: 'x', ok: healthy, evidence: 'e' }] });
      svc.recordVerdicts([verdict(false)]);
      svc.recordVerdicts([verdict(false)]);
      svc.recordVerdicts([verdict(true)]);
      svc.recordVerdicts([verdict(true)]);
      await svc.flush();
      const entries = (await new OpsOutbox(store).next(100)).map((d) => d.draft as { type: string; data: { healthy: boolean; failed: string[] } });
      const changes = entries.filter((d) => d.type === 'health.checklist.changed').map((d) => [d.data.healthy, d.data.failed]);
      assert.deepEqual(changes, [
        [false, ['x']],
        [true, []],
      ]);
      assert.deepEqual(
        (await svc.store.verdicts()).map((v) => [v.checklist, v.healthy]),
        [['quiet', true]],
      );
      await svc.stop();
    } finally {
      await store.close();
    }
  });
});

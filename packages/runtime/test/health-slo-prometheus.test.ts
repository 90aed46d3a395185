// SLOs over events counted by a real Prometheus (Debian's prometheus scraping a target this test serves,
// 998 good and 2 failed requests): the SLI, met or not against its objective, the burn rules, the report
// and the budget chart are the SLO math's over the two numbers; an unreachable Prometheus, none at all
// and a query answering several series each give the SLO a problem, never a zero.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { parseCatalog, renderSloReport, sloDefinitionOf, type Catalog } from '@runledger/core';
import { openStore, type Store } from '@runledger/store';
import { sqliteFactory, startPrometheus, type Prometheus } from '@runledger/testkit';
import { budgetSeries, computeSlos, HealthService, queryPrometheus, sloReport } from '../src/index.js';

// max_over_time of a counter that does not move is its value exactly (increase() would extrapolate).
const GOOD = `sum(max_over_time(demo_requests_total{code!~"5.."}[$window]))`;
const BAD = `sum(max_over_time(demo_requests_total{code=~"5.."}[$window]))`;
const TOTAL = `sum(max_over_time(demo_requests_total[$window]))`;

const CATALOG = `
services:
  - name: api
    checks:
      - name: ping
        tcp: { host: 127.0.0.1, port: 9 }
slos:
  - name: loose
    service: api
    objective: 99.5
    prometheus: { good: '${GOOD}', total: '${TOTAL}' }
  - name: strict
    service: api
    objective: 99.9
    minFailures: 1
    prometheus: { bad: '${BAD}', total: '${TOTAL}' }
  - name: unreachable
    service: api
    objective: 99.9
    prometheus: { good: '${GOOD}', total: '${TOTAL}', url: 'http://127.0.0.1:9' }
  - name: unsummed
    service: api
    objective: 99.9
    prometheus: { good: '${GOOD}', total: 'max_over_time(demo_requests_total[$window])' }
`;

function catalog(): Catalog {
  const r = parseCatalog([{ file: 'catalog.yaml', text: CATALOG }]);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  return r.catalog;
}

describe('SLOs over Prometheus events', () => {
  let target: Server;
  let prom: Prometheus;
  let url = '';
  let store: Store;
  let svc: HealthService;
  before(async () => {
    target = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE demo_requests_total counter\ndemo_requests_total{code="200"} 998\ndemo_requests_total{code="500"} 2\n`);
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const tport = (target.address() as AddressInfo).port;
    prom = await startPrometheus(`127.0.0.1:${tport}`, async (u) => {
      const r = await queryPrometheus(u, 'sum(demo_requests_total)');
      return r.ok && r.value === 1000;
    });
    url = prom.url;
    await sqliteFactory.setup();
    store = await openStore((await sqliteFactory.create()).config);
    svc = new HealthService({ store, catalog: catalog() });
    await svc.open();
  });
  after(async () => {
    await svc?.stop();
    await store?.close();
    prom.stop();
    target.close();
    await sqliteFactory.teardown();
  });

  it('judges 998 good of 1000: SLI 0.998, met at 99.5 %, not at 99.9 %, with the burn rules', async () => {
    const list = await computeSlos(svc, Date.now(), { prometheusUrl: url });
    const by = new Map(list.map((c) => [c.slo.name, c]));
    const loose = by.get('loose')!;
    assert.deepEqual([loose.result.sli, loose.result.met, loose.result.problem, loose.result.unit], [0.998, true, null, 'events']);
    assert.deepEqual([loose.result.good, loose.result.bad, loose.result.valid], [998, 2, 1000]);
    assert.ok(
      loose.burn.every((b) => !b.fires),
      'a burn rate of 0.4 fires nothing',
    );
    assert.equal(loose.burn.length, 4);

    const strict = by.get('strict')!;
    assert.deepEqual([strict.result.sli, strict.result.met, strict.result.problem], [0.998, false, null], 'bad instead of good: the same counts');
    assert.ok(Math.abs(strict.result.burnRate! - 2) < 1e-9);
    assert.deepEqual(
      strict.burn.map((b) => [b.name, b.fires]),
      [
        ['1 h/5 min at 14.4×', false],
        ['6 h/30 min at 6×', false],
        ['1 d/2 h at 3×', false],
        ['3 d/6 h at 1×', true],
      ],
    );
    assert.equal(strict.burn[3]!.reason, 'fires: 3 d at 2×, 6 h at 2×, 2 bad events in 3 d');

    const down = by.get('unreachable')!;
    assert.deepEqual([down.result.sli, down.result.met], [null, null]);
    assert.match(down.result.problem ?? '', /^Prometheus, good events over 30d: asking Prometheus failed: /);
    assert.ok(down.burn.every((b) => !b.fires && b.long.burnRate === null));

    const unsummed = by.get('unsummed')!;
    assert.equal(unsummed.result.problem, 'Prometheus, total events over 30d: the query returned 2 series, not one (sum them)');

    const none = await computeSlos(svc, Date.now(), { only: 'loose' });
    assert.deepEqual(
      none.map((c) => [c.slo.name, c.result.sli, c.result.problem]),
      [['loose', null, 'no Prometheus to ask: give the SLO prometheus.url, or run with --prometheus-url']],
    );
  });

  it('reports a period asked at its end, and charts the budget where Prometheus has data', async () => {
    const to = Date.now();
    const report = await sloReport(svc, to - 3_600_000, to, { prometheusUrl: url });
    const loose = report.slos.find((e) => e.name === 'loose')!;
    assert.deepEqual([loose.source, loose.sli, loose.met, loose.checks, loose.worstHours], ['prometheus', 0.998, true, [], []]);
    assert.match(
      renderSloReport(report),
      /\nloose \(service api, availability; source prometheus\)\n {2}SLI 99\.8 % {2}objective 99\.5 % {2}MET\n {2}budget: 5 bad events allowed, 2 used, 3 left\n/,
    );
    assert.match(report.slos.find((e) => e.name === 'unreachable')!.problem ?? '', /^Prometheus, good events over 1h: asking Prometheus failed/);
    // Any period is a PromQL duration Prometheus reads: 1h30m500ms.
    const odd = await sloReport(svc, to - 5_400_500, to, { prometheusUrl: url });
    assert.deepEqual(odd.slos.find((e) => e.name === 'loose')!.sli, 0.998);
    assert.match(odd.slos.find((e) => e.name === 'unreachable')!.problem ?? '', /^Prometheus, good events over 1h30m500ms: /);

    const series = await budgetSeries(svc, sloDefinitionOf(svc.catalogInForce, svc.catalogInForce.slos[0]!), to, 3, 6 * 3_600_000, { prometheusUrl: url });
    assert.deepEqual(
      series.map((p) => (p.remaining === null ? null : Math.round(p.remaining * 1e9) / 1e9)),
      [null, null, 0.6],
      'before Prometheus scraped anything there is no data, not a full budget',
    );
  });
});

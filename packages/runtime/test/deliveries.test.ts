// The delivery worker against a real HTTP receiver that checks Standard Webhooks signatures: 500 and 429
// (with Retry-After) are retried with backoff until delivered, a 400 fails at once, retries run out into
// `failed`, two workers never send one attempt twice, and each final state is a ledger entry.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LedgerReader } from '@runledger/store';
import { locationOf, sqliteFactory, startWebhookSink, type WebhookSink } from '@runledger/testkit';
import { initLedger, OperationsHost, openLedger, pumpOutbox } from '../src/index.js';

const SECRET = `whsec_${Buffer.from('delivery-test-secret-0123456789ab').toString('base64')}`;

async function setup(sink: WebhookSink, maxAttempts = 5) {
  const f = await sqliteFactory.create();
  const loc = locationOf(f);
  await initLedger(loc, { origin: 'deliveries.test/ledger', actor: { kind: 'user', id: 'alice' } });
  const ledger = await openLedger(loc, { write: true });
  const file = join(f.home, 'operations.yaml');
  writeFileSync(
    file,
    `integrations:\n  - name: probes\n    type: internal\nreceivers:\n  - name: hook\n    webhook:\n      url: ${sink.url}\n      secret: env:HOOK\nroute:\n  receiver: hook\n`,
  );
  const host = await OperationsHost.open({
    store: ledger.store,
    append: (d) => ledger.writer!.append(d),
    configPath: file,
    env: { HOOK: SECRET },
    retry: { maxAttempts, baseDelayMs: 20, maxDelayMs: 100 },
  });
  return { host, ledger };
}

async function deliverAll(host: OperationsHost, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const next = await host.worker.runDue();
    if (next === undefined) return;
    if (Date.now() > end) throw new Error('deliveries still pending');
    await new Promise((r) => setTimeout(r, Math.max(5, Math.min(200, next - Date.now()))));
  }
}

describe('the delivery worker against a real webhook receiver', () => {
  after(() => sqliteFactory.teardown());

  it('retries 500 and 429 (waiting Retry-After), then delivers; the record says how', async () => {
    const sink = await startWebhookSink({ secrets: [SECRET] });
    const { host, ledger } = await setup(sink);
    try {
      sink.respondWith({ status: 500 }, { status: 429, headers: { 'retry-after': '1' } });
      const r = await host.raise('probes', [{ fingerprint: 'p1', labels: { alertname: 'Down', severity: 'critical' } }]);
      const t0 = Date.now();
      await deliverAll(host);
      const [d] = await host.service.deliveries.list({ incidentId: r.incidents[0]! });
      assert.equal(d!.state, 'delivered');
      assert.equal(d!.attempts, 3);
      assert.equal(d!.detail['status'], 200);
      assert.equal(sink.requests.length, 3);
      assert.ok(
        sink.requests.every((q) => q.signatureValid === true),
        'every attempt is signed',
      );
      assert.equal(new Set(sink.requests.map((q) => q.headers['webhook-id'])).size, 1, 'one webhook-id across retries (receivers de-duplicate on it)');
      const after429 = sink.requests[2]!.at - sink.requests[1]!.at;
      assert.ok(after429 >= 950, `the retry after the 429 waited for Retry-After (waited ${after429} ms)`);
      assert.ok(Date.now() - t0 >= 950);
      await pumpOutbox(host.service.outbox, (x) => ledger.writer!.append(x));
      const types = (await new LedgerReader(ledger.store).entries(0, 1000)).map((e) => e.entry.type);
      assert.equal(types.filter((t) => t === 'notification.delivered').length, 1, 'one final state, one entry (attempts are not entries)');
    } finally {
      await host.stop();
      await ledger.close();
      await sink.close();
    }
  });

  it('a 400 fails at once and retries that run out fail too; two workers never send one attempt twice', async () => {
    const sink = await startWebhookSink({ secrets: [SECRET] });
    const { host, ledger } = await setup(sink, 2);
    try {
      sink.respondWith({ status: 400 });
      const a = await host.raise('probes', [{ fingerprint: 'p2', labels: { alertname: 'A', severity: 'warning' } }]);
      await deliverAll(host);
      const [da] = await host.service.deliveries.list({ incidentId: a.incidents[0]! });
      assert.deepEqual([da!.state, da!.attempts], ['failed', 1]);
      assert.match(da!.reason ?? '', /HTTP 400.*not retried/);

      sink.respondWith({ status: 503 }, { status: 503 });
      const b = await host.raise('probes', [{ fingerprint: 'p3', labels: { alertname: 'B', severity: 'warning' } }]);
      await deliverAll(host);
      const [db] = await host.service.deliveries.list({ incidentId: b.incidents[0]! });
      assert.deepEqual([db!.state, db!.attempts], ['failed', 2]);
      assert.match(db!.reason ?? '', /gave up after 2 attempts/);

      // Twenty due records, two workers at once: each is sent exactly once.
      const before = sink.requests.length;
      for (let i = 0; i < 20; i++) await host.raise('probes', [{ fingerprint: `c${i}`, labels: { alertname: `C${i}`, severity: 'warning' } }]);
      await Promise.all([host.worker.runDue(4), host.worker.runDue(4)]);
      await deliverAll(host);
      assert.equal(sink.requests.length - before, 20);
      assert.equal(new Set(sink.requests.slice(before).map((q) => q.headers['webhook-id'])).size, 20);
    } finally {
      await host.stop();
      await ledger.close();
      await sink.close();
    }
  });
});

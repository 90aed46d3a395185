// Fail closed on the real PostgreSQL: with the database unreachable /ready fails and writes are refused
// with STORE_UNAVAILABLE; with only the ledger writer cut off a freeze is refused and undone, so no
// state change exists without its ledger entry. Both recover when the database comes back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pgAdmin, pgFactory } from '@runledger/testkit';
import { assertError, harness, type Harness } from './helpers.js';

describe('fail closed on postgres', () => {
  const factory = pgFactory();
  const open: Harness[] = [];
  before(() => factory.setup());
  after(async () => {
    for (const h of open.splice(0)) await h.close();
    await factory.teardown();
  });

  async function cut(database: string, role?: string): Promise<void> {
    if (role) await pgAdmin('postgres', `ALTER ROLE ${role} NOLOGIN`);
    else await pgAdmin('postgres', `ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    await pgAdmin(
      'postgres',
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() ${role ? 'AND usename = $2' : ''}`,
      role ? [database, role] : [database],
    );
  }
  async function heal(database: string, role?: string): Promise<void> {
    if (role) await pgAdmin('postgres', `ALTER ROLE ${role} LOGIN`);
    else await pgAdmin('postgres', `ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
  }

  it('database unreachable: /ready is 503 naming the database check, reads and writes answer STORE_UNAVAILABLE; it recovers', async () => {
    const f = await factory.create();
    const h = await harness(f);
    open.push(h);
    const database = new URL((f.config as { url: string }).url).pathname.slice(1);
    assert.equal((await h.inject({ method: 'POST', url: '/api/v1/ledger/notes', token: h.tokens.operator, body: { text: 'before' } })).status, 201);
    await cut(database);
    try {
      const ready = await h.inject({ url: '/ready' });
      assert.equal(ready.status, 503);
      assert.equal(ready.json.ready, false);
      const db = ready.json.checks.find((c: { name: string }) => c.name === 'database');
      assert.equal(db.ok, false);
      assert.ok(db.detail.length > 0);
      const during = await h.inject({ method: 'POST', url: '/api/v1/ledger/notes', token: h.tokens.operator, body: { text: 'during' } });
      assertError(during, 503, 'STORE_UNAVAILABLE');
      assertError(await h.inject({ method: 'POST', url: '/api/v1/policy/freeze', token: h.tokens.admin, body: { reason: 'x' } }), 503, 'STORE_UNAVAILABLE');
      assertError(await h.inject({ url: '/api/v1/runs', token: h.tokens.viewer }), 503, 'STORE_UNAVAILABLE');
      assert.equal((await h.inject({ url: '/health' })).status, 200, 'alive, just not ready');
      const m = await h.inject({ url: '/metrics' });
      assert.equal(m.status, 200, 'metrics still serve');
      assert.match(m.text, /runledger_http_requests_total\{method="GET",route="\/ready",status="503"\} 1/);
    } finally {
      await heal(database);
    }
    assert.equal((await h.inject({ url: '/ready' })).status, 200);
    const head = await h.inject({ url: '/api/v1/ledger/head', token: h.tokens.viewer });
    assert.equal(head.json.size, 2, 'nothing was written while the database was away');
    assert.equal((await h.inject({ method: 'POST', url: '/api/v1/ledger/notes', token: h.tokens.operator, body: { text: 'after' } })).json.seq, 2);
  });

  it('ledger writer cut off: a freeze is refused and undone (no state change without its entry)', async () => {
    const f = await factory.create();
    const h = await harness(f);
    open.push(h);
    const database = new URL((f.config as { url: string }).url).pathname.slice(1);
    const writerRole = factory.run().writerRole;
    await cut(database, writerRole);
    try {
      const r = await h.inject({ method: 'POST', url: '/api/v1/policy/freeze', token: h.tokens.admin, body: { reason: 'incident' } });
      assert.equal(r.status, 503, JSON.stringify(r.json));
      assert.ok(['APPEND_FAILED', 'STORE_UNAVAILABLE'].includes(r.json.error.code), r.json.error.code);
      assert.equal((await h.inject({ url: '/api/v1/policy', token: h.tokens.viewer })).json.freeze, null, 'the freeze was undone');
    } finally {
      await heal(database, writerRole);
    }
    const ok = await h.inject({ method: 'POST', url: '/api/v1/policy/freeze', token: h.tokens.admin, body: { reason: 'incident' } });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal((await h.inject({ url: '/api/v1/ledger/head', token: h.tokens.viewer })).json.size, 2);
  });
});

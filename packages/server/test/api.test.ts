// The API through createApp + inject on SQLite and on PostgreSQL: health, readiness, metrics, the
// error shape and request ids, auth and roles, rate limits, the ledger, runs and their actions, policy.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { checkReceipt, fromBase64, parseVkey, verifyConsistency } from '@runledger/ledger';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { decide, replay, type RunEvent } from '@runledger/core';
import { MIGRATION_HEAD, TokenStore } from '@runledger/store';
import { pgFactory, sqliteFactory, type FixtureFactory } from '@runledger/testkit';
import { assertError, harness, runbook, type Harness } from './helpers.js';

function suite(factory: FixtureFactory): void {
  describe(`API on ${factory.name}`, () => {
    const open: Harness[] = [];
    before(() => factory.setup());
    // Each test's servers close when it ends: on PostgreSQL every open server holds a pool of connections.
    afterEach(async () => {
      for (const h of open.splice(0)) await h.close();
    });
    after(async () => {
      for (const h of open.splice(0)) await h.close();
      await factory.teardown();
    });
    async function fresh(opts: Parameters<typeof harness>[1] = {}): Promise<Harness> {
      const h = await harness(await factory.create(), opts);
      open.push(h);
      return h;
    }

    it('health, readiness with named checks, metrics; request ids in headers, bodies and logs; one 404 shape', async () => {
      const h = await fresh();
      const health = await h.inject({ url: '/health' });
      assert.equal(health.status, 200);
      assert.equal(health.json.status, 'ok');
      assert.equal(health.json.version, '0.0.0-test');

      const ready = await h.inject({ url: '/ready' });
      assert.equal(ready.status, 200, JSON.stringify(ready.json));
      assert.deepEqual(
        ready.json.checks.map((c: { name: string }) => c.name),
        ['database', 'database-writable', 'migrations', 'ledger-writer', 'ledger-integrity', 'engine-worker'],
      );
      for (const c of ready.json.checks) assert.equal(c.ok, true, c.detail);
      assert.match(ready.json.checks[2].detail, new RegExp(MIGRATION_HEAD));

      const given = await h.inject({ url: '/nope', headers: { 'x-request-id': 'trace-abc.123' } });
      const e = assertError(given, 404, 'NOT_FOUND');
      assert.equal(e.requestId, 'trace-abc.123');
      const insane = await h.inject({ url: '/health', headers: { 'x-request-id': 'bad id\twith spaces' } });
      assert.match(String(insane.headers['x-request-id']), /^[0-9a-f-]{36}$/);

      await h.inject({ url: '/api/v1/ledger/head', token: h.tokens.viewer, headers: { 'x-request-id': 'log-me-1' } });
      const lines = h.logs
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const mine = lines.filter((l) => l.reqId === 'log-me-1');
      assert.ok(mine.length >= 2, 'request and response lines carry the request id');
      assert.ok(!h.logs.join('').includes(h.tokens.viewer), 'no token in the logs');

      const m = await h.inject({ url: '/metrics' });
      assert.equal(m.status, 200);
      assert.match(String(m.headers['content-type']), /text\/plain/);
      for (const name of [
        'runledger_http_requests_total',
        'runledger_http_request_duration_seconds_bucket',
        'runledger_runs',
        'runledger_step_duration_seconds',
        'runledger_ledger_entries',
        'runledger_ledger_append_duration_seconds',
        'runledger_auth_rejects_total',
        'runledger_rate_limited_total',
      ]) {
        assert.match(m.text, new RegExp(`^# TYPE ${name.replace(/_bucket$/, '')} `, 'm'), name);
      }
      assert.match(m.text, /runledger_http_requests_total\{method="GET",route="\/api\/v1\/ledger\/head",status="200"\} 1/);
      assert.match(m.text, /runledger_ledger_entries 1$/m);
    });

    it('/ready fails (503) naming the check: a stored tree that no longer gives the signed root; a draining worker', async () => {
      const f = await factory.create();
      const h = await harness(f);
      open.push(h);
      const zero = f.dialect === 'postgres' ? "decode(repeat('00', 32), 'hex')" : 'zeroblob(32)';
      await f.tamper(`UPDATE ${f.table('ledger_nodes')} SET hash = ${zero} WHERE level = 0 AND idx = 0`);
      const r = await h.inject({ url: '/ready' });
      assert.equal(r.status, 503);
      const byName = Object.fromEntries(r.json.checks.map((c: { name: string; ok: boolean; detail: string }) => [c.name, c]));
      assert.equal(byName['ledger-writer'].ok, false);
      assert.match(byName['ledger-writer'].detail, /signed checkpoint says/);
      assert.equal(byName.database.ok, true);
      await h.app.worker.drain();
      const r2 = await h.inject({ url: '/ready' });
      const worker = r2.json.checks.find((c: { name: string }) => c.name === 'engine-worker');
      assert.deepEqual([worker.ok, worker.detail], [false, 'draining for shutdown']);
    });

    it('auth: every failure is 401/403 with a code and counted; revoked tokens stop working; roles gate routes', async () => {
      const h = await fresh();
      assertError(await h.inject({ url: '/api/v1/ledger/head' }), 401, 'AUTH_REQUIRED');
      assertError(await h.inject({ url: '/api/v1/ledger/head', headers: { authorization: 'Basic abc' } }), 401, 'AUTH_INVALID');
      assertError(await h.inject({ url: '/api/v1/ledger/head', token: 'rlt_not-a-real-token' }), 401, 'AUTH_INVALID');
      assertError(await h.inject({ method: 'POST', url: '/api/v1/ledger/notes', token: h.tokens.viewer, body: { text: 'hi' } }), 403, 'FORBIDDEN_ROLE');
      assertError(await h.inject({ method: 'POST', url: '/api/v1/policy/freeze', token: h.tokens.approver, body: { reason: 'x' } }), 403, 'FORBIDDEN_ROLE');
      // Auth comes before validation: an anonymous malformed request learns nothing about the schema.
      assertError(await h.inject({ method: 'POST', url: '/api/v1/ledger/notes', body: { nope: 1 } }), 401, 'AUTH_REQUIRED');
      assert.equal((await h.inject({ url: '/api/v1/ledger/head', token: h.tokens.viewer })).status, 200);
      await new TokenStore(h.server.engineContext.ledger.store).revoke('vera', new Date().toISOString());
      assertError(await h.inject({ url: '/api/v1/ledger/head', token: h.tokens.viewer }), 401, 'AUTH_INVALID');
      const m = (await h.inject({ url: '/metrics' })).text;
      assert.match(m, /runledger_auth_rejects_total\{code="AUTH_REQUIRED"\} 2/);
      assert.match(m, /runledger_auth_rejects_total\{code="AUTH_INVALID"\} 3/);
      assert.match(m, /runledger_auth_rejects_total\{code="FORBIDDEN_ROLE"\} 2/);
    });

    it("roles gate every /api/v1 route: the role below is FORBIDDEN_ROLE, the route's role gets through, no token is AUTH_REQUIRED", async () => {
      const h = await fresh();
      const order = ['viewer', 'operator', 'approver', 'admin'] as const;
      const routes: Array<[method: 'GET' | 'POST' | 'DELETE', url: string, role: (typeof order)[number]]> = [
        ['GET', '/api/v1/ledger/head', 'viewer'],
        ['GET', '/api/v1/ledger/entries', 'viewer'],
        ['GET', '/api/v1/ledger/entries/0', 'viewer'],
        ['GET', '/api/v1/ledger/search', 'viewer'],
        ['GET', '/api/v1/ledger/proof/inclusion?index=0', 'viewer'],
        ['GET', '/api/v1/ledger/proof/consistency?from=1', 'viewer'],
        ['POST', '/api/v1/ledger/notes', 'operator'],
        ['GET', '/api/v1/ledger/export', 'viewer'],
        ['POST', '/api/v1/ledger/verify', 'viewer'],
        ['GET', '/api/v1/ledger/verify', 'viewer'],
        ['GET', '/api/v1/runs', 'viewer'],
        ['POST', '/api/v1/runs', 'operator'],
        ['GET', '/api/v1/runs/none', 'viewer'],
        ['GET', '/api/v1/runs/none/events', 'viewer'],
        ['GET', '/api/v1/runs/none/ledger', 'viewer'],
        ['GET', '/api/v1/runs/none/steps/s/output', 'viewer'],
        ['POST', '/api/v1/runs/none/approve', 'approver'],
        ['POST', '/api/v1/runs/none/reject', 'approver'],
        ['POST', '/api/v1/runs/none/resume', 'operator'],
        ['POST', '/api/v1/runs/none/retry', 'operator'],
        ['POST', '/api/v1/runs/none/skip', 'operator'],
        ['POST', '/api/v1/runs/none/abort', 'operator'],
        ['POST', '/api/v1/runs/none/orphan', 'operator'],
        ['GET', '/api/v1/runbooks', 'viewer'],
        ['GET', '/api/v1/runbooks/none', 'viewer'],
        ['POST', '/api/v1/runbooks/lint', 'viewer'],
        ['GET', '/api/v1/policy', 'viewer'],
        ['POST', '/api/v1/policy/freeze', 'admin'],
        ['POST', '/api/v1/policy/unfreeze', 'admin'],
        ['GET', '/api/v1/session', 'viewer'],
        ['DELETE', '/api/v1/session', 'viewer'],
        ['GET', '/api/v1/incidents', 'viewer'],
        ['GET', '/api/v1/incidents/none', 'viewer'],
        ['GET', '/api/v1/incidents/none/evidence', 'viewer'],
        ['POST', '/api/v1/incidents/none/acknowledge', 'operator'],
        ['POST', '/api/v1/incidents/none/resolve', 'operator'],
        ['POST', '/api/v1/incidents/none/notes', 'operator'],
        ['POST', '/api/v1/incidents/none/escalate', 'operator'],
        ['POST', '/api/v1/incidents/none/severity', 'operator'],
        ['GET', '/api/v1/deliveries', 'viewer'],
        ['GET', '/api/v1/silences', 'viewer'],
        ['POST', '/api/v1/silences', 'operator'],
        ['POST', '/api/v1/silences/none/expire', 'operator'],
        ['GET', '/api/v1/oncall', 'viewer'],
        ['GET', '/api/v1/handoffs', 'viewer'],
        ['POST', '/api/v1/handoffs', 'operator'],
        ['GET', '/api/v1/operations/config', 'viewer'],
        ['POST', '/api/v1/operations/reload', 'admin'],
        ['POST', '/api/v1/operations/routes/test', 'viewer'],
        ['GET', '/api/v1/services', 'viewer'],
        ['GET', '/api/v1/services/none', 'viewer'],
        ['GET', '/api/v1/checks/none/history', 'viewer'],
        ['POST', '/api/v1/checks/none/run', 'operator'],
        ['GET', '/api/v1/checklists', 'viewer'],
        ['GET', '/api/v1/checklists/none', 'viewer'],
        ['GET', '/api/v1/slos', 'viewer'],
        ['GET', '/api/v1/slos/report', 'viewer'],
        ['GET', '/api/v1/releases', 'viewer'],
        ['GET', '/api/v1/releases/targets', 'viewer'],
        ['GET', '/api/v1/releases/log', 'viewer'],
        ['GET', '/api/v1/releases/none', 'viewer'],
        ['GET', '/api/v1/releases/none/evidence', 'viewer'],
        ['POST', '/api/v1/releases', 'operator'],
        ['POST', '/api/v1/releases/none/deploy', 'operator'],
        ['POST', '/api/v1/releases/rollback', 'operator'],
        ['POST', '/api/v1/releases/none/rollback/cancel', 'operator'],
        ['POST', '/api/v1/releases/none/rollback/approve', 'approver'],
        ['GET', '/api/v1/drills', 'viewer'],
        ['GET', '/api/v1/drills/none', 'viewer'],
        ['GET', '/api/v1/drills/none/evidence', 'viewer'],
        ['POST', '/api/v1/drills', 'operator'],
        ['GET', '/api/v1/schedules', 'viewer'],
      ];
      // Every route in the OpenAPI document is in the list above, except the public sign-in and the alert
      // intake routes, which answer to their integrations' own secrets (incidents-api.test.ts).
      const doc = (await h.inject({ url: '/api/v1/openapi.json' })).json as { paths: Record<string, Record<string, unknown>> };
      const listed = new Set(
        routes.map(
          ([m, u]) =>
            `${m} ${u
              .split('?')[0]!
              .replace(/\/none(?=\/|$)/g, '/{id}')
              .replace('/entries/0', '/entries/{seq}')
              .replace('/steps/s/', '/steps/{step}/')
              .replace(/^\/api\/v1\/(services|checklists)\/\{id\}/, '/api/v1/$1/{name}')}`,
        ),
      );
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const m of Object.keys(ops)) {
          const key = `${m.toUpperCase()} ${path}`;
          if (!path.startsWith('/api/v1/') || key === 'POST /api/v1/session' || path.startsWith('/api/v1/integrations/')) continue;
          assert.ok(listed.has(key), `${key} is in the OpenAPI document but not in this role table`);
        }
      }
      const tokenOf = { viewer: h.tokens.viewer, operator: h.tokens.operator, approver: h.tokens.approver, admin: h.tokens.admin };
      for (const [method, url, role] of routes) {
        const body = method === 'POST' ? {} : undefined;
        assertError(await h.inject({ method, url, body }), 401, 'AUTH_REQUIRED');
        const below = order[order.indexOf(role) - 1];
        if (below) assertError(await h.inject({ method, url, body, token: tokenOf[below] }), 403, 'FORBIDDEN_ROLE');
        for (const r of order.slice(order.indexOf(role))) {
          const res = await h.inject({ method, url, body, token: tokenOf[r] });
          assert.ok(![401, 403, 429].includes(res.status), `${method} ${url} as ${r}: ${res.status} ${res.text}`);
        }
      }
    });

    it('rate limits: failed sign-ins per client, calls per token; 429 with Retry-After, counted', async () => {
      // A stopped clock: buckets refill only when the test moves time on.
      let t = Date.parse('2026-11-23T12:00:00.000Z');
      const clock = () => new Date(t);
      const h = await fresh({
        clock,
        rateLimits: { failedAuthPerClient: { capacity: 3, refillPerSecond: 0.1 }, perToken: { capacity: 5, refillPerSecond: 0.5 } },
      });
      for (let i = 0; i < 3; i++) assertError(await h.inject({ url: '/api/v1/runs', token: `rlt_guess${i}` }), 401, 'AUTH_INVALID');
      const limited = assertError(await h.inject({ url: '/api/v1/runs', token: 'rlt_guess3' }), 429, 'RATE_LIMITED');
      assert.match(limited.message, /failed sign-ins/);
      assert.equal((await h.inject({ url: '/api/v1/runs', token: h.tokens.viewer })).status, 200, 'valid credentials are never refused for failures');
      const r = await h.inject({ url: '/api/v1/runs', token: 'rlt_guess9' });
      assert.equal(r.headers['retry-after'], '10');
      t += 10_000;
      assertError(await h.inject({ url: '/api/v1/runs', token: 'rlt_guess10' }), 401, 'AUTH_INVALID');
      assertError(await h.inject({ url: '/api/v1/runs', token: 'rlt_guess11' }), 429, 'RATE_LIMITED');
      assert.equal((await h.inject({ url: '/health' })).status, 200, 'public routes stay open');

      const h2 = await fresh({ clock, rateLimits: { perToken: { capacity: 5, refillPerSecond: 0.5 } } });
      for (let i = 0; i < 5; i++) assert.equal((await h2.inject({ url: '/api/v1/runs', token: h2.tokens.operator })).status, 200);
      const over = await h2.inject({ url: '/api/v1/runs', token: h2.tokens.operator });
      assertError(over, 429, 'RATE_LIMITED');
      assert.equal(over.headers['retry-after'], '2');
      assert.equal((await h2.inject({ url: '/api/v1/runs', token: h2.tokens.admin })).status, 200, 'another token has its own bucket');
      t += 2000;
      assert.equal((await h2.inject({ url: '/api/v1/runs', token: h2.tokens.operator })).status, 200, 'refilled');
      const m = (await h2.inject({ url: '/metrics' })).text;
      assert.match(m, /runledger_rate_limited_total\{bucket="token"\} 1/);
    });

    it('ledger: head, entries, one entry, receipts and consistency proofs that verify; notes with idempotency', async () => {
      const h = await fresh();
      const vkeys = readFileSync(join(h.server.engineContext.ledger.home, 'trust.vkeys'), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map(parseVkey);
      const n1 = await h.inject({
        method: 'POST',
        url: '/api/v1/ledger/notes',
        token: h.tokens.operator,
        body: { text: 'disk on db-2 at 80%', subject: { kind: 'host', id: 'db-2' } },
        headers: { 'idempotency-key': 'note-1' },
      });
      assert.equal(n1.status, 201, JSON.stringify(n1.json));
      assert.deepEqual(n1.json, { seq: 1, duplicate: false, checkpointSize: 2 });
      const again = await h.inject({
        method: 'POST',
        url: '/api/v1/ledger/notes',
        token: h.tokens.operator,
        body: { text: 'disk on db-2 at 80%', subject: { kind: 'host', id: 'db-2' } },
        headers: { 'idempotency-key': 'note-1' },
      });
      assert.equal(again.status, 200);
      assert.deepEqual(again.json, { seq: 1, duplicate: true, checkpointSize: 2 });
      assertError(
        await h.inject({
          method: 'POST',
          url: '/api/v1/ledger/notes',
          token: h.tokens.operator,
          body: { text: 'something else' },
          headers: { 'idempotency-key': 'note-1' },
        }),
        409,
        'IDEMPOTENCY_CONFLICT',
      );
      assert.equal((await h.inject({ method: 'POST', url: '/api/v1/ledger/notes', token: h.tokens.admin, body: { text: 'second' } })).status, 201);
      assertError(await h.inject({ method: 'POST', url: '/api/v1/ledger/notes', token: h.tokens.operator, body: { text: '' } }), 400, 'VALIDATION_FAILED');
      assertError(
        await h.inject({ method: 'POST', url: '/api/v1/ledger/notes', token: h.tokens.operator, body: { text: 'x', extra: true } }),
        400,
        'VALIDATION_FAILED',
      );
      assertError(
        await h.inject({
          method: 'POST',
          url: '/api/v1/ledger/notes',
          token: h.tokens.operator,
          body: 'not json',
          headers: { 'content-type': 'application/json' },
        }),
        400,
        'VALIDATION_FAILED',
      );

      const head = await h.inject({ url: '/api/v1/ledger/head', token: h.tokens.viewer });
      assert.equal(head.json.size, 3);
      assert.equal(head.json.origin, 'api.test/ledger');
      assert.match(head.json.checkpoint, /^api\.test\/ledger\n3\n/);

      const page = await h.inject({ url: '/api/v1/ledger/entries?from=0&limit=2', token: h.tokens.viewer });
      assert.deepEqual(
        page.json.entries.map((e: { seq: number }) => e.seq),
        [0, 1],
      );
      assert.equal(page.json.next, 2);
      const note = page.json.entries[1].entry;
      assert.equal(note.type, 'ops.note');
      assert.deepEqual(note.actor, { kind: 'token', id: 'token:olga' });
      assert.deepEqual(note.data, { text: 'disk on db-2 at 80%', requestId: n1.headers['x-request-id'] });
      const last = await h.inject({ url: '/api/v1/ledger/entries?from=2', token: h.tokens.viewer });
      assert.equal(last.json.next, null);
      assert.equal((await h.inject({ url: '/api/v1/ledger/entries/2', token: h.tokens.viewer })).json.entry.actor.id, 'token:ada');
      assertError(await h.inject({ url: '/api/v1/ledger/entries/3', token: h.tokens.viewer }), 404, 'NOT_FOUND');
      assertError(await h.inject({ url: '/api/v1/ledger/entries/x', token: h.tokens.viewer }), 400, 'VALIDATION_FAILED');
      assertError(await h.inject({ url: '/api/v1/ledger/entries?limit=5000', token: h.tokens.viewer }), 400, 'VALIDATION_FAILED');

      const receipt = await h.inject({ url: '/api/v1/ledger/proof/inclusion?index=1', token: h.tokens.viewer });
      assert.equal(receipt.status, 200);
      assert.match(String(receipt.headers['content-type']), /^text\/plain/);
      const checked = checkReceipt(receipt.text, vkeys);
      assert.ok(checked.ok, JSON.stringify(checked));
      const atTwo = await h.inject({ url: '/api/v1/ledger/proof/inclusion?index=1&size=2', token: h.tokens.viewer });
      assert.ok(checkReceipt(atTwo.text, vkeys).ok);
      assertError(await h.inject({ url: '/api/v1/ledger/proof/inclusion?index=7', token: h.tokens.viewer }), 400, 'PROOF_RANGE');
      assertError(await h.inject({ url: '/api/v1/ledger/proof/inclusion', token: h.tokens.viewer }), 400, 'VALIDATION_FAILED');

      const cons = await h.inject({ url: '/api/v1/ledger/proof/consistency?from=1&to=3', token: h.tokens.viewer });
      assert.equal(cons.status, 200, JSON.stringify(cons.json));
      assert.equal(cons.json.from.size, 1);
      assert.ok(
        verifyConsistency(
          1,
          3,
          fromBase64(cons.json.from.root)!,
          fromBase64(cons.json.to.root)!,
          cons.json.proof.map((p: string) => fromBase64(p)!),
        ),
      );
      assertError(await h.inject({ url: '/api/v1/ledger/proof/consistency?from=3&to=1', token: h.tokens.viewer }), 400, 'USAGE');

      const m = (await h.inject({ url: '/metrics' })).text;
      assert.match(m, /runledger_ledger_append_duration_seconds_count\{outcome="ok"\} 3/);
    });

    it('runs: list and get; approve needs the approver role and a comment, never by the requester; the decision is in the ledger with the token as actor', async () => {
      const h = await fresh();
      const { engine } = h.server.engineContext;
      const { runbook: rb, source } = runbook('## Procedure\n\n```sh {#a}\necho a\n```\n\n```approve {#gate}\nGo on?\n```\n\n```sh {#b}\necho b\n```\n');
      const started = await engine.start({
        runbook: rb,
        source,
        inputs: {},
        secrets: {},
        environment: 'default',
        who: { actor: { kind: 'token', id: 'token:bob' }, roles: ['viewer', 'operator', 'approver'] },
      });
      assert.equal(started.model.state, 'waiting_approval');
      const id = started.runId;

      const list = await h.inject({ url: '/api/v1/runs?state=waiting_approval', token: h.tokens.viewer });
      assert.deepEqual(
        list.json.runs.map((r: { id: string }) => r.id),
        [id],
      );
      assert.equal(list.json.runs[0].runbook.id, 'api-rb');
      assert.deepEqual((await h.inject({ url: '/api/v1/runs?state=succeeded', token: h.tokens.viewer })).json.runs, []);
      assertError(await h.inject({ url: '/api/v1/runs?state=bogus', token: h.tokens.viewer }), 400, 'VALIDATION_FAILED');
      const one = await h.inject({ url: `/api/v1/runs/${id}`, token: h.tokens.viewer });
      assert.equal(one.json.state, 'waiting_approval');
      assert.deepEqual(
        one.json.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`),
        ['a:succeeded', 'gate:waiting_approval', 'b:pending'],
      );
      assertError(await h.inject({ url: '/api/v1/runs/nope', token: h.tokens.viewer }), 404, 'RUN_NOT_FOUND');

      assertError(
        await h.inject({ method: 'POST', url: `/api/v1/runs/${id}/approve`, token: h.tokens.operator, body: { comment: 'lgtm' } }),
        403,
        'FORBIDDEN_ROLE',
      );
      assertError(await h.inject({ method: 'POST', url: `/api/v1/runs/${id}/approve`, token: h.tokens.approver2, body: {} }), 400, 'VALIDATION_FAILED');
      assertError(
        await h.inject({ method: 'POST', url: `/api/v1/runs/${id}/approve`, token: h.tokens.approver2, body: { comment: '   ' } }),
        400,
        'VALIDATION_FAILED',
      );
      assertError(
        await h.inject({ method: 'POST', url: `/api/v1/runs/${id}/approve`, token: h.tokens.approver, body: { comment: 'mine' } }),
        403,
        'APPROVAL_SELF',
      );
      assertError(await h.inject({ method: 'POST', url: `/api/v1/runs/${id}/resume`, token: h.tokens.operator }), 409, 'INVALID_TRANSITION');

      const ok = await h.inject({ method: 'POST', url: `/api/v1/runs/${id}/approve`, token: h.tokens.approver2, body: { comment: 'smoke green' } });
      assert.ok(ok.status === 200 || ok.status === 202, JSON.stringify(ok.json));
      await h.app.worker.drain();
      const done = await h.inject({ url: `/api/v1/runs/${id}`, token: h.tokens.viewer });
      assert.equal(done.json.state, 'succeeded');
      assert.deepEqual(
        done.json.steps[1].approvals.map((a: { actor: string; comment: string }) => `${a.actor}:${a.comment}`),
        ['token:carol:smoke green'],
      );
      assertError(
        await h.inject({ method: 'POST', url: `/api/v1/runs/${id}/abort`, token: h.tokens.operator, body: { reason: 'late' } }),
        503,
        'SHUTTING_DOWN',
      );

      const entries = (await h.inject({ url: '/api/v1/ledger/entries?limit=1000', token: h.tokens.viewer })).json.entries.map(
        (e: { entry: { type: string; actor: unknown; data: Record<string, unknown> } }) => e.entry,
      );
      const granted = entries.find((e: { type: string }) => e.type === 'run.approval.granted');
      assert.deepEqual(granted.actor, { kind: 'token', id: 'token:carol' });
      assert.equal(granted.data.comment, 'smoke green');
      assert.ok(entries.some((e: { type: string }) => e.type === 'run.finished'));
      const m = (await h.inject({ url: '/metrics' })).text;
      assert.match(m, /runledger_runs\{state="succeeded"\} 1/);
      assert.match(m, /runledger_step_duration_seconds_count\{phase="main",ok="true"\} 2/);
    });

    it('runs: reject, abort and skip with a reason; a long step answers 202 while the run goes on', async () => {
      const h = await fresh();
      const { engine } = h.server.engineContext;
      const alice = { actor: { kind: 'user' as const, id: 'alice' }, roles: ['operator'] };
      const gated = runbook('## Procedure\n\n```approve {#gate}\nGo?\n```\n\n```sh {#slow}\nsleep 0.4; echo done\n```\n');
      const r1 = await engine.start({ ...gated, inputs: {}, secrets: {}, environment: 'default', who: alice });
      const rej = await h.inject({ method: 'POST', url: `/api/v1/runs/${r1.runId}/reject`, token: h.tokens.approver, body: { comment: 'not today' } });
      assert.equal(rej.status, 200, JSON.stringify(rej.json));
      assert.equal(rej.json.continuing, false);
      assert.equal(rej.json.run.state, 'failed');

      const r2 = await engine.start({ ...gated, inputs: {}, secrets: {}, environment: 'default', who: alice });
      assertError(await h.inject({ method: 'POST', url: `/api/v1/runs/${r2.runId}/abort`, token: h.tokens.operator, body: {} }), 400, 'VALIDATION_FAILED');
      const slow = await h.inject({ method: 'POST', url: `/api/v1/runs/${r2.runId}/approve`, token: h.tokens.approver, body: { comment: 'go' } });
      assert.equal(slow.status, 202, JSON.stringify(slow.json));
      assert.equal(slow.json.continuing, true);
      assert.equal(slow.json.run.state, 'running');
      const granted = (await h.inject({ url: '/api/v1/ledger/entries?limit=1000', token: h.tokens.viewer })).json.entries.filter(
        (e: { entry: { type: string; subject?: { id: string } } }) => e.entry.type === 'run.approval.granted' && e.entry.subject?.id === r2.runId,
      );
      assert.equal(granted.length, 1, 'the decision is in the ledger before the answer');
      await h.app.worker.drain();
      assert.equal((await h.inject({ url: `/api/v1/runs/${r2.runId}`, token: h.tokens.viewer })).json.state, 'succeeded');
    });

    it('interrupted runs: resume, retry, skip; a step that may have run needs retry or skip (RESUME_NEEDS_DECISION)', async () => {
      const h = await fresh();
      const ctx = h.server.engineContext;
      const alice = { actor: { kind: 'user' as const, id: 'alice' }, roles: ['operator'] };
      const gated = runbook('## Procedure\n\n```approve {#gate}\nGo?\n```\n\n```sh {#b}\necho b\n```\n\n```sh {#c}\necho c\n```\n');
      const post = (id: string, what: string, token: string, body: unknown = {}) =>
        h.inject({ method: 'POST', url: `/api/v1/runs/${id}/${what}`, token, body });
      // Acts, waits for the background drive, and answers with the run as it then is.
      const act = async (id: string, what: string, token: string, body: unknown = {}) => {
        const r = await post(id, what, token, body);
        assert.ok(r.status === 200 || r.status === 202, JSON.stringify(r.json));
        await h.app.worker.idle();
        return (await h.inject({ url: `/api/v1/runs/${id}`, token: h.tokens.viewer })).json;
      };
      // The kill switch set through the API stops the next step: the run is interrupted at b.
      const interrupted = async (): Promise<string> => {
        const r = await ctx.engine.start({ ...gated, inputs: {}, secrets: {}, environment: 'default', who: alice });
        assert.equal((await h.inject({ method: 'POST', url: '/api/v1/policy/freeze', token: h.tokens.admin, body: { reason: 'change freeze' } })).status, 200);
        const a = await post(r.runId, 'approve', h.tokens.approver, { comment: 'ok' });
        assert.equal(a.json.run.state, 'interrupted', JSON.stringify(a.json));
        assert.equal((await h.inject({ method: 'POST', url: '/api/v1/policy/unfreeze', token: h.tokens.admin, body: { reason: 'over' } })).status, 200);
        return r.runId;
      };

      const r1 = await interrupted();
      assertError(await post(r1, 'resume', h.tokens.viewer), 403, 'FORBIDDEN_ROLE');
      assert.equal((await act(r1, 'resume', h.tokens.operator)).state, 'succeeded');

      const r2 = await interrupted();
      assertError(await post(r2, 'skip', h.tokens.operator, {}), 400, 'VALIDATION_FAILED');
      const skipped = await act(r2, 'skip', h.tokens.operator, { reason: 'b is done by hand' });
      assert.equal(skipped.state, 'succeeded');
      assert.deepEqual(
        skipped.steps.map((s: { status: string }) => s.status),
        ['succeeded', 'skipped', 'succeeded'],
      );

      // A driver that died inside step b: b's start is stored, its result is not.
      const r3 = await interrupted();
      const at = new Date().toISOString();
      let model = replay((await ctx.runs.events(r3)).map((e) => e.event as RunEvent));
      let seq = (await ctx.runs.events(r3)).length;
      for (const ev of [
        { type: 'operator.resume', at, actor: 'alice' },
        { type: 'step.started', at, phase: 'main', stepId: 'b', attempt: 1 },
      ] as RunEvent[]) {
        const d = decide(model, ev);
        assert.ok(d.ok);
        await ctx.runs.appendEvent(r3, seq++, { at, type: ev.type, event: ev }, { state: d.model.state, reason: d.model.reason ?? null });
        model = d.model;
      }
      assertError(await post(r3, 'resume', h.tokens.operator), 409, 'RESUME_NEEDS_DECISION');
      assert.equal((await h.inject({ url: `/api/v1/runs/${r3}`, token: h.tokens.viewer })).json.steps[1].status, 'unknown');
      assert.equal((await act(r3, 'retry', h.tokens.operator)).state, 'succeeded');
      assertError(await post(r3, 'retry', h.tokens.operator), 409, 'RUN_FINISHED');
      const aborted = await ctx.engine.start({ ...gated, inputs: {}, secrets: {}, environment: 'default', who: alice });
      assert.equal((await act(aborted.runId, 'abort', h.tokens.operator, { reason: 'wrong window' })).state, 'aborted');
      assertError(await post(aborted.runId, 'abort', h.tokens.operator, { reason: 'again' }), 409, 'RUN_FINISHED');

      const entries = (await h.inject({ url: '/api/v1/ledger/entries?limit=1000', token: h.tokens.viewer })).json.entries.map(
        (e: { entry: { type: string; actor: { id: string } } }) => `${e.entry.type}:${e.entry.actor.id}`,
      );
      for (const t of [
        'run.operator.resume:token:olga',
        'run.operator.skip:token:olga',
        'run.operator.retry:token:olga',
        'run.operator.abort:token:olga',
        'automation.freeze:token:ada',
      ])
        assert.ok(entries.includes(t), t);
    });

    it('a step still running from a driver that stopped: retry and skip answer 409 ORPHAN_ALIVE; orphan kill or killOrphan ends it, recorded', async () => {
      const h = await fresh();
      const ctx = h.server.engineContext;
      const alice = { actor: { kind: 'user' as const, id: 'alice' }, roles: ['operator'] };
      const post = (id: string, what: string, body: unknown = {}) =>
        h.inject({ method: 'POST', url: `/api/v1/runs/${id}/${what}`, token: h.tokens.operator, body });
      // The step's group, alive after its driver "died": a real process in its own group, recorded as
      // the engine records one (pgid, the leader's start time from /proc, the host).
      const orphaned = async (): Promise<{ runId: string; pid: number }> => {
        const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
        child.unref();
        const pid = child.pid!;
        const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
        const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
        const r = await ctx.engine.start({
          ...runbook('## Procedure\n\n```approve {#gate}\nGo?\n```\n\n```sh {#b}\necho b\n```\n'),
          inputs: {},
          secrets: {},
          environment: 'default',
          who: alice,
        });
        const at = new Date().toISOString();
        let model = replay((await ctx.runs.events(r.runId)).map((e) => e.event as RunEvent));
        let seq = (await ctx.runs.events(r.runId)).length;
        const events = [
          { type: 'approval.granted', at, stepId: 'gate', actor: 'bob', roles: ['approver'], comment: 'ok' },
          { type: 'step.started', at, phase: 'main', stepId: 'b', attempt: 1, process: { pgid: pid, startTime, host: hostname() } },
          { type: 'run.interrupted', at, reason: 'process restarted' },
        ] as RunEvent[];
        for (const ev of events) {
          const d = decide(model, ev);
          assert.ok(d.ok, d.ok ? '' : d.message);
          await ctx.runs.appendEvent(r.runId, seq++, { at, type: ev.type, event: ev }, { state: d.model.state, reason: d.model.reason ?? null });
          model = d.model;
        }
        return { runId: r.runId, pid };
      };
      const gone = (pid: number): boolean => {
        try {
          return readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.startsWith('Z');
        } catch {
          return true;
        }
      };

      const a = await orphaned();
      try {
        for (const [what, body] of [
          ['retry', {}],
          ['skip', { reason: 'by hand' }],
        ] as const) {
          const e = assertError(await post(a.runId, what, body), 409, 'ORPHAN_ALIVE');
          assert.match(e.message, new RegExp(`process group ${a.pid}`));
        }
        assertError(await post(a.runId, 'orphan', { decision: 'later' }), 400, 'VALIDATION_FAILED');
        assertError(await post(a.runId, 'retry', { killOrphan: 'yes' }), 400, 'VALIDATION_FAILED');
        const k = await post(a.runId, 'orphan', { decision: 'kill' });
        assert.equal(k.status, 200, k.text);
        assert.equal(k.json.run.state, 'interrupted');
        assert.equal(k.json.run.steps[1].status, 'unknown');
        assert.equal(gone(a.pid), true, 'the group was ended');
        assertError(await post(a.runId, 'orphan', { decision: 'kill' }), 409, 'INVALID_TRANSITION');
        const ok = await post(a.runId, 'retry');
        assert.ok(ok.status === 200 || ok.status === 202, ok.text);
        await h.app.worker.idle();
      } finally {
        if (!gone(a.pid)) process.kill(a.pid, 'SIGKILL');
      }

      const b = await orphaned();
      try {
        const r = await post(b.runId, 'retry', { killOrphan: true });
        assert.ok(r.status === 200 || r.status === 202, r.text);
        await h.app.worker.idle();
        assert.equal(gone(b.pid), true);
        assert.equal((await h.inject({ url: `/api/v1/runs/${b.runId}`, token: h.tokens.viewer })).json.state, 'succeeded');
      } finally {
        if (!gone(b.pid)) process.kill(b.pid, 'SIGKILL');
      }
      const entries = (await h.inject({ url: '/api/v1/ledger/entries?limit=1000', token: h.tokens.viewer })).json.entries.map(
        (e: { entry: { type: string; actor: { id: string } } }) => `${e.entry.type}:${e.entry.actor.id}`,
      );
      assert.equal(entries.filter((t: string) => t === 'run.operator.orphan:token:olga').length, 2);
    });

    it('policy: read, freeze and unfreeze by an admin with a reason; each in the ledger; a frozen engine refuses runs', async () => {
      const h = await fresh();
      const p = await h.inject({ url: '/api/v1/policy', token: h.tokens.viewer });
      assert.equal(p.status, 200);
      assert.equal(p.json.freeze, null);
      assert.equal(p.json.file, null);
      assertError(await h.inject({ method: 'POST', url: '/api/v1/policy/freeze', token: h.tokens.admin, body: {} }), 400, 'VALIDATION_FAILED');
      const f = await h.inject({ method: 'POST', url: '/api/v1/policy/freeze', token: h.tokens.admin, body: { reason: 'incident 42' } });
      assert.equal(f.status, 200, JSON.stringify(f.json));
      assert.equal(f.json.frozen, true);
      const frozen = await h.inject({ url: '/api/v1/policy', token: h.tokens.viewer });
      assert.deepEqual({ reason: frozen.json.freeze.reason, by: frozen.json.freeze.by }, { reason: 'incident 42', by: 'token:ada' });
      const entry = (await h.inject({ url: `/api/v1/ledger/entries/${f.json.seq}`, token: h.tokens.viewer })).json.entry;
      assert.equal(entry.type, 'automation.freeze');
      assert.deepEqual(entry.actor, { kind: 'token', id: 'token:ada' });
      const { runbook: rb, source } = runbook('## Procedure\n\n```sh {#a}\ntrue\n```\n');
      await assert.rejects(
        h.server.engineContext.engine.start({
          runbook: rb,
          source,
          inputs: {},
          secrets: {},
          environment: 'default',
          who: { actor: { kind: 'user', id: 'x' }, roles: [] },
        }),
        /frozen|incident 42/,
      );
      const u = await h.inject({ method: 'POST', url: '/api/v1/policy/unfreeze', token: h.tokens.admin, body: { reason: 'resolved' } });
      assert.equal(u.json.frozen, false);
      assert.equal((await h.inject({ url: '/api/v1/policy', token: h.tokens.viewer })).json.freeze, null);
    });

    it('serves an OpenAPI document that lists every route with its schemas', async () => {
      const h = await fresh();
      const r = await h.inject({ url: '/api/v1/openapi.json' });
      assert.equal(r.status, 200);
      assert.equal(r.json.openapi, '3.0.3');
      const paths = Object.keys(r.json.paths).sort();
      for (const p of [
        '/api/v1/ledger/head',
        '/api/v1/ledger/entries',
        '/api/v1/ledger/entries/{seq}',
        '/api/v1/ledger/proof/inclusion',
        '/api/v1/ledger/proof/consistency',
        '/api/v1/ledger/notes',
        '/api/v1/runs',
        '/api/v1/runs/{id}',
        '/api/v1/runs/{id}/approve',
        '/api/v1/runs/{id}/reject',
        '/api/v1/runs/{id}/resume',
        '/api/v1/runs/{id}/retry',
        '/api/v1/runs/{id}/skip',
        '/api/v1/runs/{id}/abort',
        '/api/v1/runs/{id}/orphan',
        '/api/v1/policy',
        '/api/v1/policy/freeze',
        '/api/v1/policy/unfreeze',
        '/health',
        '/ready',
        '/metrics',
      ]) {
        assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
      }
      const note = r.json.paths['/api/v1/ledger/notes'].post;
      assert.ok(note.requestBody.content['application/json'].schema.properties.text);
      assert.ok(note.responses['409']);
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());

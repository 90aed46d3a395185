// The server's authentication paths on SQLite and PostgreSQL: revocation and sign-out end open event
// streams and refuse the very next request (whoever revoked, from whichever connection), failed-auth
// limiting that never refuses valid credentials, trusted proxies, failures recorded as aggregated
// ledger entries, the Origin check's scheme, and no token in the request log.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore, TokenStore, type Store } from '@runledger/store';
import { AuthFailureLog, CREDENTIAL_PREFIX_CHARS, OTHER_CLIENTS } from '../src/auth-failures.js';
import { loggableUrl } from '../src/auth.js';
import { pgFactory, sqliteFactory, tempDir, type Fixture, type FixtureFactory } from '@runledger/testkit';
import { assertError, harness, type Harness } from './helpers.js';

const GATED = `---
id: gated
title: Waits for an approval
---

# Gated

## Procedure

\`\`\`sh {#build}
echo built
\`\`\`

\`\`\`approve {#gate}
Ship?
\`\`\`
`;

function catalogue(): string {
  const dir = tempDir('runledger-auth-rb-');
  writeFileSync(join(dir, 'gated.md'), GATED);
  return dir;
}

function sessionCookie(setCookie: unknown): string {
  const line = String(Array.isArray(setCookie) ? setCookie[0] : setCookie);
  const m = /^rl_session=([A-Za-z0-9_-]+);/.exec(line);
  assert.ok(m, `Set-Cookie: ${line}`);
  return m[1]!;
}

interface AuthFailuresData {
  from: string;
  to: string;
  count: number;
  limited: number;
  reasons: Record<string, number>;
  credentialSha256Prefixes: string[];
}

for (const factory of [sqliteFactory, pgFactory()] as FixtureFactory[]) {
  describe(`authentication on ${factory.name}`, () => {
    const open: Harness[] = [];
    const stores: Store[] = [];
    after(async () => {
      for (const h of open.splice(0)) await h.close();
      for (const s of stores.splice(0)) await s.close();
      await factory.teardown();
    });
    async function fresh(opts: Parameters<typeof harness>[1] = {}): Promise<{ h: Harness; fx: Fixture; other: TokenStore }> {
      if (open.length === 0) await factory.setup();
      const fx = await factory.create();
      const h = await harness(fx, { runbooksDir: catalogue(), ...opts });
      open.push(h);
      // Another connection to the same database, as `runledger tokens revoke` in another process has.
      const s = await openStore(fx.config);
      stores.push(s);
      return { h, fx, other: new TokenStore(s) };
    }
    /** A run resting at its approval gate: its event stream stays open until something ends it. */
    async function waitingRun(h: Harness): Promise<string> {
      const r = await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.operator, body: { runbook: 'gated' } });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.run.state, 'waiting_approval');
      return r.json.run.id as string;
    }
    async function signIn(h: Harness, token: string): Promise<{ cookie: string; csrf: string }> {
      const r = await h.inject({ method: 'POST', url: '/api/v1/session', body: { token } });
      assert.equal(r.status, 200, r.text);
      return { cookie: `rl_session=${sessionCookie(r.headers['set-cookie'])}`, csrf: r.json.csrfToken as string };
    }
    /** Waits until `n` event streams are open (subscribed to revocations). */
    async function streamsOpen(h: Harness, n: number): Promise<void> {
      while (((await h.app.metrics.sseStreams.get()).values[0]?.value ?? 0) < n) await new Promise((res) => setTimeout(res, 10));
    }
    async function authFailures(h: Harness): Promise<Array<{ client: string; data: AuthFailuresData }>> {
      await h.app.flushAuthFailures();
      const out: Array<{ client: string; data: AuthFailuresData }> = [];
      for await (const e of h.server.engineContext.ledger.reader.iterateEntries()) {
        if (e.entry.type === 'auth.failures') out.push({ client: e.entry.subject!.id, data: e.entry.data as unknown as AuthFailuresData });
      }
      return out;
    }

    it('a revoked token, a signed-out session or plain-SQL revocation refuses the very next request, whichever connection did it', async () => {
      const { h, fx, other } = await fresh();
      // Warm the cache: each credential has been verified (and cached) before it is revoked.
      for (let i = 0; i < 3; i++) assert.equal((await h.inject({ url: '/api/v1/runs', token: h.tokens.viewer })).status, 200);
      await other.revoke('vera', new Date().toISOString());
      assertError(await h.inject({ url: '/api/v1/runs', token: h.tokens.viewer }), 401, 'AUTH_INVALID');
      assert.equal((await h.inject({ url: '/api/v1/runs', token: h.tokens.operator })).status, 200, 'other tokens still work');

      const s = await signIn(h, h.tokens.approver);
      assert.equal((await h.inject({ url: '/api/v1/runs', headers: { cookie: s.cookie } })).status, 200);
      const secret = s.cookie.slice('rl_session='.length);
      await other.deleteSession(secret);
      assertError(await h.inject({ url: '/api/v1/runs', headers: { cookie: s.cookie } }), 401, 'AUTH_INVALID');

      const s2 = await signIn(h, h.tokens.approver2);
      assert.equal((await h.inject({ url: '/api/v1/runs', headers: { cookie: s2.cookie } })).status, 200);
      await other.revoke('carol', new Date().toISOString());
      assertError(await h.inject({ url: '/api/v1/runs', headers: { cookie: s2.cookie } }), 401, 'AUTH_INVALID');

      assert.equal((await h.inject({ url: '/api/v1/runs', token: h.tokens.admin })).status, 200);
      await fx.admin(`UPDATE ${fx.dialect === 'postgres' ? 'runledger.' : ''}api_tokens SET revoked_at = '2026-01-01T00:00:00.000Z' WHERE name = 'ada'`);
      assertError(await h.inject({ url: '/api/v1/runs', token: h.tokens.admin }), 401, 'AUTH_INVALID');
    });

    it('event streams end when their token is revoked elsewhere or their session signs out', async () => {
      // Heartbeats far apart: only the revocation watch can end these streams.
      const { h, other } = await fresh({ heartbeatMs: 3600_000 });
      const id = await waitingRun(h);
      const byToken = h.inject({ url: `/api/v1/runs/${id}/events`, token: h.tokens.viewer });
      const asOperator = h.inject({ url: `/api/v1/runs/${id}/events`, token: h.tokens.operator });
      const s = await signIn(h, h.tokens.approver);
      const bySession = h.inject({ url: `/api/v1/runs/${id}/events`, headers: { cookie: s.cookie } });
      await streamsOpen(h, 3);
      await other.revoke('vera', new Date().toISOString());
      const ended = await byToken;
      assert.match(ended.text, /event: run\.created/);
      assert.match(ended.text, /: credentials revoked, signed out or expired\n\n$/);

      const out = await h.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
      assert.equal(out.status, 204);
      assert.match((await bySession).text, /: credentials revoked, signed out or expired\n\n$/);

      // The operator's stream was untouched by both; it ends with the run.
      let operatorEnded = false;
      void asOperator.then(() => (operatorEnded = true));
      await new Promise((res) => setTimeout(res, 50));
      assert.equal(operatorEnded, false, 'a stream of a live token stays open');
      const r = await h.inject({ method: 'POST', url: `/api/v1/runs/${id}/abort`, token: h.tokens.operator, body: { reason: 'test over' } });
      assert.ok(r.status < 300, r.text);
      assert.doesNotMatch((await asOperator).text, /credentials revoked/);
    });

    it('every heartbeat re-checks the stream’s credential: a session that expires ends its stream', async () => {
      let t = Date.now();
      const { h } = await fresh({ heartbeatMs: 20, sessionTtlMs: 60_000, clock: () => new Date(t) });
      const id = await waitingRun(h);
      const s = await signIn(h, h.tokens.viewer);
      const stream = h.inject({ url: `/api/v1/runs/${id}/events`, headers: { cookie: s.cookie } });
      await streamsOpen(h, 1);
      await new Promise((res) => setTimeout(res, 200)); // heartbeats (every 20 ms) while valid
      t += 61_000; // nothing is revoked: the counter does not move, only the heartbeat can notice
      const text = (await stream).text;
      assert.match(text, /: heartbeat\n\n/, 'heartbeats went out while the session was valid');
      assert.match(text, /: credentials revoked, signed out or expired\n\n$/);
    });

    it('a flood of bad tokens slows failures down but never refuses a valid token', async () => {
      const { h } = await fresh();
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await h.inject({ url: '/api/v1/runs', token: `rlt_guess${i}` })).status);
      assert.deepEqual([...new Set(statuses.slice(0, 10))], [401]);
      assert.deepEqual([...new Set(statuses.slice(10))], [429]);
      for (const t of [h.tokens.admin, h.tokens.viewer]) assert.equal((await h.inject({ url: '/api/v1/runs', token: t })).status, 200);
      assert.equal(
        (await h.inject({ method: 'POST', url: '/api/v1/session', body: { token: h.tokens.operator } })).status,
        200,
        'sign-in with a valid token too',
      );
      assertError(await h.inject({ url: '/api/v1/runs', headers: { authorization: 'Basic abc' } }), 429, 'RATE_LIMITED');
      assertError(await h.inject({ url: '/api/v1/runs', headers: { cookie: 'rl_session=forged' } }), 429, 'RATE_LIMITED');
    });

    it('behind a trusted proxy the limit is per real client; X-Forwarded-For from anyone else is ignored', async () => {
      const { h } = await fresh({ trustProxy: ['127.0.0.1/32', '::1'], rateLimits: { failedAuthPerClient: { capacity: 3, refillPerSecond: 0.001 } } });
      const from = (xff: string, remoteAddress = '127.0.0.1', token = 'rlt_guess') =>
        h.app.fastify
          .inject({ url: '/api/v1/runs', remoteAddress, headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': xff } })
          .then((r) => r.statusCode);
      for (let i = 0; i < 3; i++) assert.equal(await from('203.0.113.5'), 401);
      assert.equal(await from('203.0.113.5'), 429);
      assert.equal(await from('10.0.0.9, 203.0.113.5'), 429, 'the address the trusted proxy saw is the client');
      assert.equal(await from('203.0.113.6'), 401, 'another client behind the same proxy has its own bucket');
      // A peer that is not a trusted proxy: its X-Forwarded-For is ignored, every guess is its own.
      for (let i = 0; i < 3; i++) assert.equal(await from(`198.51.100.${i}`, '192.0.2.7'), 401);
      assert.equal(await from('198.51.100.99', '192.0.2.7'), 429);

      const plain = (await fresh({ rateLimits: { failedAuthPerClient: { capacity: 3, refillPerSecond: 0.001 } } })).h;
      const untrusted = (xff: string) =>
        plain.app.fastify.inject({ url: '/api/v1/runs', headers: { authorization: 'Bearer rlt_guess', 'x-forwarded-for': xff } }).then((r) => r.statusCode);
      for (let i = 0; i < 3; i++) assert.equal(await untrusted(`203.0.113.${i}`), 401);
      assert.equal(await untrusted('203.0.113.77'), 429, 'without --trust-proxy, X-Forwarded-For does not make a new client');
      const failures = await authFailures(h);
      assert.deepEqual(failures.map((f) => f.client).sort(), ['192.0.2.7', '203.0.113.5', '203.0.113.6']);
    });

    it('failures are recorded in the ledger, one entry per client per window, counted, with at most a hash prefix of a credential', async () => {
      const { h } = await fresh({ trustProxy: ['127.0.0.1/32'] });
      const headSize = async () => (await h.server.engineContext.ledger.reader.head()).size;
      const sizeBefore = await headSize();
      const guesses: string[] = [];
      const ask = async (client: string, headers: Record<string, string>, method: 'GET' | 'POST' = 'GET', url = '/api/v1/runs') => {
        const r = await h.app.fastify.inject({
          method,
          url,
          headers: { ...headers, 'x-forwarded-for': client },
          ...(method === 'POST' ? { payload: { reason: 'x' } } : {}),
        });
        assert.ok([401, 403, 429].includes(r.statusCode), `${r.statusCode} ${r.body}`);
      };
      for (let i = 0; i < 300; i++) {
        const g = `rlt_${'guess'.repeat(3)}${i}`;
        guesses.push(g);
        await ask('203.0.113.1', { authorization: `Bearer ${g}` });
      }
      for (let i = 0; i < 150; i++) await ask('203.0.113.2', { authorization: 'Token nope' });
      for (let i = 0; i < 40; i++) await ask('203.0.113.3', { cookie: 'rl_session=forged' });
      for (let i = 0; i < 10; i++) await ask('203.0.113.4', { authorization: `Bearer ${h.tokens.viewer}` }, 'POST', '/api/v1/policy/freeze');
      const failures = await authFailures(h);
      assert.deepEqual(failures.map((f) => [f.client, f.data.count, f.data.limited, f.data.reasons]).sort(), [
        ['203.0.113.1', 300, 290, { 'unknown-token': 300 }],
        ['203.0.113.2', 150, 140, { 'malformed-header': 150 }],
        ['203.0.113.3', 40, 30, { 'invalid-session': 40 }],
        ['203.0.113.4', 10, 0, { 'forbidden-role': 10 }],
      ]);
      assert.equal((await headSize()) - sizeBefore, 4, '500 refusals, 4 entries');
      const a = failures.find((f) => f.client === '203.0.113.1')!.data;
      assert.ok(a.credentialSha256Prefixes.length > 0 && a.credentialSha256Prefixes.length <= 8);
      for (const p of a.credentialSha256Prefixes) assert.match(p, new RegExp(`^[0-9a-f]{${CREDENTIAL_PREFIX_CHARS}}$`));
      assert.ok(a.from <= a.to);
      // No credential text anywhere in the ledger.
      const all: string[] = [];
      for await (const e of h.server.engineContext.ledger.reader.iterateEntries()) all.push(Buffer.from(e.bytes).toString('utf8'));
      const text = all.join('\n');
      for (const g of [...guesses, h.tokens.viewer, 'forged']) assert.ok(!text.includes(g), `ledger holds ${g}`);
      assert.equal((await authFailures(h)).length, 4, 'a flush with nothing new writes nothing');
    });

    it('the Origin check compares the scheme as well as the host and port', async () => {
      const { h } = await fresh({ trustProxy: ['127.0.0.1/32'] });
      const s = await signIn(h, h.tokens.operator);
      const note = (origin: string, extra: Record<string, string> = {}) =>
        h.inject({
          method: 'POST',
          url: '/api/v1/ledger/notes',
          headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, host: 'runledger.example', origin, ...extra },
          body: { text: 'n' },
        });
      assert.equal((await note('http://runledger.example')).status, 201);
      assert.equal((await note('http://runledger.example:80')).status, 201, 'the default port is the same origin');
      for (const bad of ['https://runledger.example', 'http://runledger.example:8080', 'http://evil.example', 'null', 'https://runledger.example:80']) {
        assertError(await note(bad), 403, 'CSRF_FAILED');
      }
      // Behind a trusted TLS-terminating proxy the request's scheme is https.
      assert.equal((await note('https://runledger.example', { 'x-forwarded-proto': 'https' })).status, 201);
      assertError(await note('http://runledger.example', { 'x-forwarded-proto': 'https' }), 403, 'CSRF_FAILED');
    });

    it('a token in the query string or the path never reaches the request log', async () => {
      const { h } = await fresh();
      const t = h.tokens.admin;
      const urls = [
        `/api/v1/runs?token=${t}`,
        `/api/v1/runs?limit=5&access_token=${encodeURIComponent(t)}`,
        `/api/v1/runs?password=${t.slice(4)}&rl_session=${t.slice(4)}`,
        `/api/v1/${t}`,
        `/api/v1/runs?q=${t}`,
      ];
      for (const url of urls) await h.inject({ url, token: h.tokens.viewer });
      const logs = h.logs.join('');
      assert.match(logs, /\[redacted\]/);
      for (const secret of [t, t.slice(4), encodeURIComponent(t), h.tokens.viewer]) assert.ok(!logs.includes(secret), `the log holds ${secret.slice(0, 8)}…`);
      assert.match(logs, /"url":"\/api\/v1\/runs\?limit=5&access_token=\[redacted\]"/, 'the rest of the query is kept');
    });
  });
}

describe('failed-auth aggregation', () => {
  it('bounds the entries per window however many clients fail', async () => {
    const drafts: Array<{ subject?: { id: string }; data?: Record<string, unknown> }> = [];
    const log = new AuthFailureLog({
      append: async (d) => void drafts.push(d),
      now: () => new Date('2026-12-01T00:00:00.000Z'),
      windowMs: 3600_000,
      maxClients: 5,
      onError: (e) => assert.fail(String(e)),
    });
    for (let i = 0; i < 40; i++) log.record(`10.0.0.${i}`, 'unknown-token', false, 'ab'.repeat(32));
    await log.close();
    assert.equal(drafts.length, 6);
    assert.equal(drafts.at(-1)!.subject!.id, OTHER_CLIENTS);
    assert.equal(drafts.at(-1)!.data!.count, 35);
    assert.equal(
      drafts.reduce((n, d) => n + Number(d.data!.count), 0),
      40,
    );
  });

  it('loggableUrl keeps what is not secret', () => {
    assert.equal(loggableUrl('/api/v1/runs?limit=5&state=failed'), '/api/v1/runs?limit=5&state=failed');
    assert.equal(loggableUrl('/api/v1/runs?Token=abc&limit=5'), '/api/v1/runs?Token=[redacted]&limit=5');
    assert.equal(loggableUrl('/x/rlt_abc-_9/y?z=1'), '/x/rlt_[redacted]/y?z=1');
  });
});

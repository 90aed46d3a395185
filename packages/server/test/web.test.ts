// The web UI's side of the server: sessions (cookie + CSRF), approval groups on tokens, the static
// UI with its security headers, ledger export (tar, read back by GNU tar and checked by the standalone
// verifier) and server-side verification, and the run views the UI needs (ledger entries, output).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TokenStore } from '@runledger/store';
import { pgFactory, sqliteFactory, tempDir, type Fixture, type FixtureFactory } from '@runledger/testkit';
import { assertError, harness, type Harness } from './helpers.js';

const GROUPED = `---
id: grouped
title: Needs a release manager
---

# Grouped

## Procedure

\`\`\`sh {#build}
echo built
\`\`\`

\`\`\`approve {#gate roles=release-manager}
Announce?
\`\`\`

\`\`\`sh {#announce}
echo announced
\`\`\`
`;

const CHATTY = `---
id: chatty
title: Prints, waits, prints
---

# Chatty

## Procedure

\`\`\`sh {#talk timeout=20s}
echo early
while [ ! -f "$RL_INPUT_GO" ]; do sleep 0.05; done
echo late
\`\`\`
`;

function catalogue(): string {
  const dir = tempDir('runledger-web-rb-');
  writeFileSync(join(dir, 'grouped.md'), GROUPED);
  writeFileSync(join(dir, 'chatty.md'), CHATTY.replace('---\n\n# Chatty', 'inputs:\n  go: {type: string}\n---\n\n# Chatty'));
  return dir;
}

function webDir(): string {
  const dir = tempDir('runledger-web-dist-');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>Runledger</title><div id="root"></div><script type="module" src="/assets/app-abc123.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log("ui")');
  return dir;
}

/** The session cookie's value from a Set-Cookie header, with its attributes checked. */
function sessionCookie(setCookie: unknown): string {
  const line = String(Array.isArray(setCookie) ? setCookie[0] : setCookie);
  const m = /^rl_session=([A-Za-z0-9_-]+); Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/.exec(line);
  assert.ok(m, `Set-Cookie: ${line}`);
  return m[1]!;
}

for (const factory of [sqliteFactory, pgFactory()] as FixtureFactory[]) {
  describe(`web sessions, UI and ledger export on ${factory.name}`, () => {
    const open: Harness[] = [];
    after(async () => {
      for (const h of open.splice(0)) await h.close();
      await factory.teardown();
    });
    let fx: Fixture | undefined;
    async function fresh(opts: Parameters<typeof harness>[1] = {}): Promise<Harness> {
      if (open.length === 0) await factory.setup();
      fx = await factory.create();
      const h = await harness(fx, { runbooksDir: catalogue(), ...opts });
      open.push(h);
      return h;
    }

    it('signs in with a token: httpOnly SameSite=Strict cookie, CSRF on state changes, origin check, sign-out, revocation, expiry', async () => {
      let t = Date.parse('2026-12-05T10:00:00.000Z');
      const h = await fresh({ clock: () => new Date(t), sessionTtlMs: 3600_000 });
      assertError(await h.inject({ method: 'POST', url: '/api/v1/session', body: { token: 'rlt_nope' } }), 401, 'AUTH_INVALID');
      assertError(await h.inject({ method: 'POST', url: '/api/v1/session', body: {} }), 400, 'VALIDATION_FAILED');

      const r = await h.inject({ method: 'POST', url: '/api/v1/session', body: { token: h.tokens.operator } });
      assert.equal(r.status, 200, r.text);
      const cookie = sessionCookie(r.headers['set-cookie']);
      assert.equal(r.json.actor, 'token:olga');
      assert.deepEqual(r.json.roles, ['viewer', 'operator']);
      assert.match(r.json.csrfToken, /^[A-Za-z0-9_-]{43}$/);
      assert.ok(!r.text.includes(h.tokens.operator), 'the token is never echoed');
      const csrf = r.json.csrfToken as string;
      const withCookie = { cookie: `other=1; rl_session=${cookie}` };

      const me = await h.inject({ url: '/api/v1/session', headers: withCookie });
      assert.equal(me.status, 200);
      assert.equal(me.json.csrfToken, csrf);
      assert.equal((await h.inject({ url: '/api/v1/runs', headers: withCookie })).status, 200);
      assertError(await h.inject({ url: '/api/v1/session', token: h.tokens.operator }), 404, 'NO_SESSION');

      // State changes with the cookie need the CSRF token, and no foreign Origin.
      const note = { text: 'from the UI' };
      assertError(await h.inject({ method: 'POST', url: '/api/v1/ledger/notes', headers: withCookie, body: note }), 403, 'CSRF_FAILED');
      assertError(
        await h.inject({
          method: 'POST',
          url: '/api/v1/ledger/notes',
          headers: { ...withCookie, 'x-csrf-token': `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}` },
          body: note,
        }),
        403,
        'CSRF_FAILED',
      );
      assertError(
        await h.inject({
          method: 'POST',
          url: '/api/v1/ledger/notes',
          headers: { ...withCookie, 'x-csrf-token': csrf, origin: 'https://evil.example' },
          body: note,
        }),
        403,
        'CSRF_FAILED',
      );
      const ok = await h.inject({
        method: 'POST',
        url: '/api/v1/ledger/notes',
        headers: { ...withCookie, 'x-csrf-token': csrf, origin: 'http://localhost:80', host: 'localhost:80' },
        body: note,
      });
      assert.equal(ok.status, 201, ok.text);
      const entry = await h.inject({ url: `/api/v1/ledger/entries/${ok.json.seq}`, token: h.tokens.viewer });
      assert.deepEqual(entry.json.entry.actor, { kind: 'token', id: 'token:olga' });
      // Roles still apply to sessions.
      assertError(
        await h.inject({ method: 'POST', url: '/api/v1/policy/freeze', headers: { ...withCookie, 'x-csrf-token': csrf }, body: { reason: 'x' } }),
        403,
        'FORBIDDEN_ROLE',
      );
      // Sign-in and sign-out are in the ledger.
      const types = (await h.inject({ url: '/api/v1/ledger/entries?limit=1000', token: h.tokens.viewer })).json.entries.map(
        (e: { entry: { type: string } }) => e.entry.type,
      );
      assert.ok(types.includes('auth.session.opened'));

      const out = await h.inject({ method: 'DELETE', url: '/api/v1/session', headers: { ...withCookie, 'x-csrf-token': csrf } });
      assert.equal(out.status, 204);
      assert.match(String(out.headers['set-cookie']), /^rl_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/);
      assertError(await h.inject({ url: '/api/v1/runs', headers: withCookie }), 401, 'AUTH_INVALID');

      // Revoking the token ends its sessions; sessions expire.
      const s2 = sessionCookie((await h.inject({ method: 'POST', url: '/api/v1/session', body: { token: h.tokens.viewer } })).headers['set-cookie']);
      const s3 = sessionCookie((await h.inject({ method: 'POST', url: '/api/v1/session', body: { token: h.tokens.approver } })).headers['set-cookie']);
      await new TokenStore(h.server.engineContext.ledger.store).revoke('vera', new Date(t).toISOString());
      assertError(await h.inject({ url: '/api/v1/runs', headers: { cookie: `rl_session=${s2}` } }), 401, 'AUTH_INVALID');
      assert.equal((await h.inject({ url: '/api/v1/runs', headers: { cookie: `rl_session=${s3}` } })).status, 200);
      t += 3600_000;
      assertError(await h.inject({ url: '/api/v1/runs', headers: { cookie: `rl_session=${s3}` } }), 401, 'AUTH_INVALID');
      assertError(await h.inject({ url: '/api/v1/runs', headers: { cookie: 'rl_session=forged' } }), 401, 'AUTH_INVALID');
    });

    it('failed sign-ins are rate-limited per client and counted; a valid token still signs in', async () => {
      const h = await fresh({ rateLimits: { failedAuthPerClient: { capacity: 2, refillPerSecond: 0.001 } } });
      assertError(await h.inject({ method: 'POST', url: '/api/v1/session', body: { token: 'rlt_a' } }), 401, 'AUTH_INVALID');
      assertError(await h.inject({ method: 'POST', url: '/api/v1/session', body: { token: 'rlt_b' } }), 401, 'AUTH_INVALID');
      const limited = await h.inject({ method: 'POST', url: '/api/v1/session', body: { token: 'rlt_c' } });
      assertError(limited, 429, 'RATE_LIMITED');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      assert.equal(
        (await h.inject({ method: 'POST', url: '/api/v1/session', body: { token: h.tokens.admin } })).status,
        200,
        'a valid token is never refused for others’ failures',
      );
      const metrics = (await h.inject({ url: '/metrics' })).text;
      assert.match(metrics, /runledger_auth_rejects_total\{code="AUTH_INVALID"\} 2/);
      assert.match(metrics, /runledger_rate_limited_total\{bucket="auth-failures"\} 1/);
    });

    it('approval groups on a token satisfy a gate’s roles; the API role alone does not', async () => {
      const h = await fresh();
      const ts = new TokenStore(h.server.engineContext.ledger.store);
      const rm = await ts.create({ name: 'rita', role: 'approver', groups: ['release-manager'], now: new Date().toISOString() });
      assert.ok(rm.ok);
      assert.deepEqual(rm.record.groups, ['release-manager']);
      await assert.rejects(ts.create({ name: 'x', role: 'viewer', groups: ['admin'], now: new Date().toISOString() }), /API role/);
      const run = await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.operator, body: { runbook: 'grouped' } });
      assert.equal(run.json.run.state, 'waiting_approval', run.text);
      const id = run.json.run.id as string;
      const refused = await h.inject({ method: 'POST', url: `/api/v1/runs/${id}/approve`, token: h.tokens.approver, body: { comment: 'lgtm' } });
      assert.equal(refused.status, 403, refused.text);
      const granted = await h.inject({ method: 'POST', url: `/api/v1/runs/${id}/approve`, token: rm.token, body: { comment: 'release notes ready' } });
      assert.ok(granted.status === 200 || granted.status === 202, granted.text);
      await h.app.worker.idle();
      const done = await h.inject({ url: `/api/v1/runs/${id}`, token: h.tokens.viewer });
      assert.equal(done.json.state, 'succeeded');
      assert.equal(done.json.steps[1].approvals[0].actor, 'token:rita');

      // The run's ledger entries name their steps; the stored output is there per attempt.
      const led = await h.inject({ url: `/api/v1/runs/${id}/ledger`, token: h.tokens.viewer });
      assert.equal(led.status, 200);
      const seqs = led.json.entries.map((e: { seq: number }) => e.seq);
      assert.deepEqual(
        seqs,
        [...seqs].sort((a: number, b: number) => a - b),
      );
      for (const e of led.json.entries) {
        const full = await h.inject({ url: `/api/v1/ledger/entries/${e.seq}`, token: h.tokens.viewer });
        assert.equal(full.json.entry.type, e.type);
        assert.equal(full.json.entry.subject.id, id, 'only this run’s entries');
      }
      const stepsWithEntries = new Set(led.json.entries.map((e: { step: string | null }) => e.step));
      for (const s of ['build', 'gate', 'announce']) assert.ok(stepsWithEntries.has(s), `entries for step ${s}`);
      const out = await h.inject({ url: `/api/v1/runs/${id}/steps/announce/output`, token: h.tokens.viewer });
      assert.deepEqual(out.json, { step: 'announce', attempts: [{ phase: 'main', attempt: 1, stdout: 'announced\n', stderr: '', truncated: false }] });
      assertError(await h.inject({ url: '/api/v1/runs/nope/ledger', token: h.tokens.viewer }), 404, 'RUN_NOT_FOUND');
    });

    it('a stream opened mid-step starts with the step’s output so far, then follows it live', async () => {
      const h = await fresh({ startWaitMs: 50 });
      const go = join(tempDir('runledger-web-go-'), 'go');
      const r = await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.operator, body: { runbook: 'chatty', inputs: { go } } });
      assert.equal(r.status, 202, r.text);
      const id = r.json.run.id as string;
      for (let i = 0; i < 200 && h.server.events.outputSoFar(id).length === 0; i++) await new Promise((res) => setTimeout(res, 25));
      assert.deepEqual(h.server.events.outputSoFar(id), [{ step: 'talk', stream: 'stdout', text: 'early\n' }]);
      const stream = h.inject({ url: `/api/v1/runs/${id}/events`, token: h.tokens.viewer });
      await new Promise((res) => setTimeout(res, 100));
      writeFileSync(go, '');
      const s = await stream;
      const outputs = s.text
        .split('\n\n')
        .filter((b) => b.startsWith('event: output'))
        .map((b) => JSON.parse(b.split('data: ')[1]!) as unknown);
      assert.deepEqual(outputs, [
        { step: 'talk', stream: 'stdout', text: 'early\n' },
        { step: 'talk', stream: 'stdout', text: 'late\n' },
      ]);
      assert.deepEqual(h.server.events.outputSoFar(id), [], 'nothing kept once the run ends');
    });

    it('serves the UI: index for UI routes with a strict CSP, hashed assets cached, API 404s stay JSON', async () => {
      const h = await fresh({ webDir: webDir() });
      const root = await h.inject({ url: '/' });
      assert.equal(root.status, 200);
      assert.match(String(root.headers['content-type']), /^text\/html/);
      assert.match(String(root.headers['content-security-policy']), /default-src 'self'; script-src 'self'/);
      assert.equal(root.headers['x-frame-options'], 'DENY');
      assert.equal(root.headers['cache-control'], 'no-cache');
      const deep = await h.inject({ url: '/runs/2026-abc?tab=timeline' });
      assert.equal(deep.text, root.text);
      const asset = await h.inject({ url: '/assets/app-abc123.js' });
      assert.equal(asset.text, 'console.log("ui")');
      assert.match(String(asset.headers['cache-control']), /immutable/);
      assert.equal((await h.inject({ url: '/assets/app-abc123.js', headers: { 'if-none-match': String(asset.headers.etag) } })).status, 304);
      assertError(await h.inject({ url: '/assets/missing.js' }), 404, 'NOT_FOUND');
      assertError(await h.inject({ url: '/api/v1/nothing-here' }), 404, 'NOT_FOUND');

      const bare = await fresh();
      const e = assertError(await bare.inject({ url: '/' }), 404, 'NOT_FOUND');
      assert.match(e.message, /web UI is not built/);
    });

    it('exports the ledger as a tar that GNU tar reads and the standalone verifier accepts; verifies, keeps the last result, and names tampering', async () => {
      const h = await fresh();
      for (let i = 0; i < 5; i++) await h.inject({ method: 'POST', url: '/api/v1/ledger/notes', token: h.tokens.operator, body: { text: `note ${i}` } });
      const head = (await h.inject({ url: '/api/v1/ledger/head', token: h.tokens.viewer })).json;
      const r = await h.app.fastify.inject({ url: '/api/v1/ledger/export', headers: { authorization: `Bearer ${h.tokens.viewer}` } });
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['content-type'], 'application/x-tar');
      assert.equal(r.headers['content-disposition'], `attachment; filename="runledger-export-${head.size}.tar"`);
      assert.equal(r.rawPayload.length % 512, 0);
      const dir = tempDir('runledger-web-tar-');
      writeFileSync(join(dir, 'x.tar'), r.rawPayload);
      execFileSync('tar', ['-xf', 'x.tar'], { cwd: dir });
      const bundle = join(dir, `runledger-export-${head.size}`);
      assert.deepEqual(readdirSync(bundle).sort(), ['MANIFEST.json', 'checkpoints', 'entries.jsonl']);
      const verified = execFileSync(
        process.execPath,
        [join(import.meta.dirname, '../../ledger/bin/runledger-verify.js'), bundle, '--trust', join(fx!.home, 'trust.vkeys'), '--json'],
        { encoding: 'utf8' },
      );
      assert.deepEqual(JSON.parse(verified), { ok: true, origin: 'api.test/ledger', size: head.size, root: head.root });

      assert.deepEqual((await h.inject({ url: '/api/v1/ledger/verify', token: h.tokens.viewer })).json, { last: null });
      // The export itself is now an entry (audit.export): the verification sees one more.
      const afterExport = (await h.inject({ url: '/api/v1/ledger/head', token: h.tokens.viewer })).json;
      assert.equal(afterExport.size, head.size + 1);
      const v = await h.inject({ method: 'POST', url: '/api/v1/ledger/verify', token: h.tokens.viewer });
      assert.equal(v.status, 200, v.text);
      assert.equal(v.json.ok, true);
      assert.equal(v.json.result, 'verified');
      assert.equal(v.json.size, afterExport.size);
      assert.equal(v.json.root, afterExport.root);
      assert.equal(v.json.trustedKeys, 1);
      assert.equal(v.json.by, 'token:vera');
      assert.equal(v.json.problem, null);
      assert.deepEqual((await h.inject({ url: '/api/v1/ledger/verify', token: h.tokens.viewer })).json, { last: v.json });

      // One at a time.
      const [a, b] = await Promise.all([
        h.inject({ method: 'POST', url: '/api/v1/ledger/verify', token: h.tokens.viewer }),
        h.inject({ method: 'POST', url: '/api/v1/ledger/verify', token: h.tokens.viewer }),
      ]);
      assert.deepEqual([a.status, b.status].sort(), [200, 409]);
      assertError(a.status === 409 ? a : b, 409, 'VERIFY_BUSY');

      // An entry removed behind the store's back: the verification fails and says where.
      await fx!.tamper(`DELETE FROM ${fx!.table('ledger_entries')} WHERE seq = 3`);
      const bad = await h.inject({ method: 'POST', url: '/api/v1/ledger/verify', token: h.tokens.viewer });
      assert.equal(bad.status, 200);
      assert.equal(bad.json.ok, false);
      assert.equal(bad.json.result, 'failed');
      assert.equal(bad.json.root, null);
      assert.equal(bad.json.problem.index, 3, JSON.stringify(bad.json.problem));
      assert.equal(bad.json.problem.reason, 'ENTRY_SEQ_MISMATCH');
      // verifiedPrefix counts entries under a verified signed checkpoint; the export ships only the latest.
      assert.equal(bad.json.problem.verifiedPrefix, 0);
      assert.equal((await h.inject({ url: '/api/v1/ledger/verify', token: h.tokens.viewer })).json.last.ok, false);
      assert.match((await h.inject({ url: '/metrics' })).text, /runledger_ledger_verifications_total\{result="failed"\} 1/);
    });
  });
}

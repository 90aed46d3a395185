// The runbook catalogue, starting runs through the API, and the run event stream (SSE), through
// createApp + inject on SQLite and on PostgreSQL.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pgFactory, sqliteFactory, tempDir, type FixtureFactory } from '@runledger/testkit';
import { assertError, harness, type Harness } from './helpers.js';

const QUICK = `---
id: quick
title: Quick one
description: Two shell steps.
inputs:
  who:
    type: string
    default: world
  count:
    type: integer
    min: 1
    max: 5
    required: true
  token:
    type: secret
    from: { env: RUNLEDGER_TEST_QUICK_SECRET }
    required: false
environments: [local, staging]
---

# Quick one

Says hello.

## Procedure

\`\`\`sh {#hello}
echo "hello {{ inputs.who }} {{ inputs.count }}"
\`\`\`

\`\`\`sh {#bye timeout=5s}
echo bye
\`\`\`
`;

const GATED = `---
id: gated
title: Gated
---

# Gated

## Procedure

\`\`\`sh {#before}
echo before
\`\`\`

\`\`\`approve {#gate}
Go on?
\`\`\`

\`\`\`sh {#after}
echo after
\`\`\`
`;

const SLOW = `---
id: slow
title: Slow
---

# Slow

## Procedure

\`\`\`sh {#nap}
sleep 0.5; echo awake
\`\`\`
`;

function catalogueDir(): string {
  const dir = tempDir('runledger-catalogue-');
  writeFileSync(join(dir, 'quick.md'), QUICK);
  writeFileSync(join(dir, 'gated.md'), GATED);
  writeFileSync(join(dir, 'slow.md'), SLOW);
  writeFileSync(join(dir, 'broken.md'), '---\nid: Not An Id\n---\n\n# Broken\n');
  writeFileSync(join(dir, 'notes.txt'), 'not a runbook');
  writeFileSync(join(dir, 'z-copy.md'), SLOW.replace('title: Slow', 'title: Slow again'));
  return dir;
}

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}
function parseSse(text: string): { events: SseEvent[]; comments: string[] } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    const ev: SseEvent = {};
    let any = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else {
        const i = line.indexOf(': ');
        const k = line.slice(0, i) as keyof SseEvent;
        ev[k] = line.slice(i + 2);
        any = true;
      }
    }
    if (any) events.push(ev);
  }
  return { events, comments };
}

function suite(factory: FixtureFactory): void {
  describe(`runbooks, starting runs and the event stream on ${factory.name}`, () => {
    const open: Harness[] = [];
    before(() => factory.setup());
    after(async () => {
      for (const h of open.splice(0)) await h.close();
      await factory.teardown();
    });
    async function fresh(opts: Parameters<typeof harness>[1] = {}): Promise<Harness> {
      const h = await harness(await factory.create(), { runbooksDir: catalogueDir(), ...opts });
      open.push(h);
      return h;
    }

    it('lists the catalogue with typed inputs (secrets flagged), shows one runbook, lints a draft; viewer role', async () => {
      const h = await fresh();
      assertError(await h.inject({ url: '/api/v1/runbooks' }), 401, 'AUTH_REQUIRED');
      const list = await h.inject({ url: '/api/v1/runbooks', token: h.tokens.viewer });
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(
        list.json.runbooks.map((r: { id: string }) => r.id),
        ['gated', 'quick', 'slow'],
      );
      assert.equal(list.json.invalid.length, 2);
      assert.match(list.json.invalid[0].file, /broken\.md$/);
      assert.match(list.json.invalid[1].file, /z-copy\.md$/);
      assert.equal(list.json.invalid[1].diagnostics[0].code, 'CATALOGUE_ID_DUPLICATE');
      const quick = list.json.runbooks.find((r: { id: string }) => r.id === 'quick');
      assert.equal(quick.title, 'Quick one');
      assert.equal(quick.description, 'Two shell steps.');
      assert.match(quick.sha256, /^[0-9a-f]{64}$/);
      assert.deepEqual(quick.environments, ['local', 'staging']);
      const byName = Object.fromEntries(quick.inputs.map((i: { name: string }) => [i.name, i]));
      assert.deepEqual(byName.who, { name: 'who', type: 'string', required: false, default: 'world', secret: false });
      assert.equal(byName.count.type, 'integer');
      assert.equal(byName.count.required, true);
      assert.deepEqual([byName.count.min, byName.count.max], [1, 5]);
      assert.equal(byName.token.secret, true);
      assert.deepEqual(byName.token.from, { env: 'RUNLEDGER_TEST_QUICK_SECRET' });

      const one = await h.inject({ url: '/api/v1/runbooks/quick', token: h.tokens.viewer });
      assert.equal(one.status, 200, one.text);
      assert.deepEqual(
        one.json.steps.map((s: { id: string }) => s.id),
        ['hello', 'bye'],
      );
      assert.equal(one.json.steps[1].kind, 'sh');
      assert.equal(one.json.steps[1].section, 'procedure');
      assert.equal(one.json.steps[1].attributes.timeout, '5s');
      assert.match(one.json.steps[0].body, /hello \{\{ inputs.who \}\}/);
      const proc = one.json.sections.find((s: { kind: string }) => s.kind === 'procedure');
      assert.deepEqual(proc.steps, ['hello', 'bye']);
      assert.match(proc.markdown, /```sh \{#hello\}/);
      assertError(await h.inject({ url: '/api/v1/runbooks/nope', token: h.tokens.viewer }), 404, 'RUNBOOK_NOT_FOUND');

      const lintOk = await h.inject({ method: 'POST', url: '/api/v1/runbooks/lint', token: h.tokens.viewer, body: { source: QUICK, file: 'quick.md' } });
      assert.equal(lintOk.status, 200);
      assert.equal(lintOk.json.ok, true);
      const lintBad = await h.inject({
        method: 'POST',
        url: '/api/v1/runbooks/lint',
        token: h.tokens.viewer,
        body: { source: GATED.replace('{#after}', '{#before}') },
      });
      assert.equal(lintBad.status, 200);
      assert.equal(lintBad.json.ok, false);
      const dup = lintBad.json.diagnostics.find((d: { severity: string }) => d.severity === 'error');
      assert.ok(dup, JSON.stringify(lintBad.json));
      assert.equal(dup.file, '<input>');
      assert.ok(dup.line > 1 && dup.column >= 1);
      assertError(await h.inject({ method: 'POST', url: '/api/v1/runbooks/lint', token: h.tokens.viewer, body: { nope: 1 } }), 400, 'VALIDATION_FAILED');

      const doc = await h.inject({ url: '/api/v1/openapi.json' });
      for (const path of ['/api/v1/runbooks', '/api/v1/runbooks/{id}', '/api/v1/runbooks/lint', '/api/v1/runs', '/api/v1/runs/{id}/events'])
        assert.ok(doc.json.paths[path], path);
      assert.ok(doc.json.paths['/api/v1/runs'].post.requestBody);
    });

    it('POST /runs: operator starts a run (201 when it rests at once) with the token as requester; refusals are coded', async () => {
      const h = await fresh();
      const body = { runbook: 'quick', environment: 'staging', inputs: { count: 3 } };
      assertError(await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.viewer, body }), 403, 'FORBIDDEN_ROLE');
      const r = await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.operator, body });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.continuing, false);
      assert.equal(r.json.run.state, 'succeeded');
      assert.equal(r.json.run.requester, 'token:olga');
      assert.equal(r.json.run.environment, 'staging');
      assert.deepEqual(r.json.run.inputs.count, 3);
      assert.equal(r.json.run.inputs.who, 'world');
      const entries = await h.inject({ url: '/api/v1/ledger/entries?limit=1000', token: h.tokens.viewer });
      const started = entries.json.entries.find((e: { entry: { type: string } }) => e.entry.type === 'run.started');
      assert.deepEqual(started.entry.actor, { kind: 'token', id: 'token:olga' });

      // A secret comes from the server's environment: stored only as a keyed hash.
      process.env.RUNLEDGER_TEST_QUICK_SECRET = 'from-the-server';
      try {
        const withSecret = await h.inject({
          method: 'POST',
          url: '/api/v1/runs',
          token: h.tokens.operator,
          body: { runbook: 'quick', environment: 'local', inputs: { count: 1 } },
        });
        assert.equal(withSecret.status, 201, withSecret.text);
        assert.match(String(withSecret.json.run.inputs.token), /^hmac-sha256:/);
        assert.ok(!withSecret.text.includes('from-the-server'));
      } finally {
        delete process.env.RUNLEDGER_TEST_QUICK_SECRET;
      }

      const secret = assertError(
        await h.inject({
          method: 'POST',
          url: '/api/v1/runs',
          token: h.tokens.operator,
          body: { runbook: 'quick', environment: 'local', inputs: { count: 1, token: 'hunter2' } },
        }),
        400,
        'SECRET_INPUT_IN_BODY',
      );
      assert.match(secret.message, /input token/);
      assert.ok(!secret.message.includes('hunter2'));
      const bad = assertError(
        await h.inject({
          method: 'POST',
          url: '/api/v1/runs',
          token: h.tokens.operator,
          body: { runbook: 'quick', environment: 'local', inputs: { count: 9 } },
        }),
        400,
        'INPUT_INVALID',
      );
      assert.match(bad.message, /count/);
      assert.match(bad.message, /:\d+:\d+/, 'diagnostics carry line:column');
      assertError(
        await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.operator, body: { runbook: 'quick', environment: 'local', inputs: {} } }),
        400,
        'INPUT_INVALID',
      );
      assertError(
        await h.inject({
          method: 'POST',
          url: '/api/v1/runs',
          token: h.tokens.operator,
          body: { runbook: 'quick', environment: 'production', inputs: { count: 1 } },
        }),
        400,
        'INPUT_INVALID',
      );
      // Two environments and none chosen: the caller must say which (the first might be production).
      const noEnv = assertError(
        await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.operator, body: { runbook: 'quick', inputs: { count: 1 } } }),
        400,
        'ENV_REQUIRED',
      );
      assert.match(noEnv.message, /local, staging/);
      assertError(await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.operator, body: { runbook: 'nope' } }), 404, 'RUNBOOK_NOT_FOUND');

      const frozen = await h.inject({ method: 'POST', url: '/api/v1/policy/freeze', token: h.tokens.admin, body: { reason: 'incident' } });
      assert.equal(frozen.status, 200, frozen.text);
      assertError(await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.operator, body: { runbook: 'gated' } }), 403, 'POLICY_DENIED');
    });

    it('POST /runs answers 202 for a run still going, which finishes in the background; a gated run rests waiting (201)', async () => {
      const h = await fresh({ startWaitMs: 50 });
      const r = await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.operator, body: { runbook: 'slow' } });
      assert.equal(r.status, 202, r.text);
      assert.equal(r.json.continuing, true);
      assert.equal(r.json.run.state, 'running');
      await h.app.worker.idle();
      const after = await h.inject({ url: `/api/v1/runs/${r.json.run.id}`, token: h.tokens.viewer });
      assert.equal(after.json.state, 'succeeded');

      const h2 = await fresh();
      const g = await h2.inject({ method: 'POST', url: '/api/v1/runs', token: h2.tokens.operator, body: { runbook: 'gated' } });
      assert.equal(g.status, 201, g.text);
      assert.equal(g.json.run.state, 'waiting_approval');
    });

    it('GET /runs/:id/events replays a finished run (id = seq) and ends; Last-Event-ID resumes after it; live events reach an open stream', async () => {
      const h = await fresh();
      const r = await h.inject({
        method: 'POST',
        url: '/api/v1/runs',
        token: h.tokens.operator,
        body: { runbook: 'quick', environment: 'local', inputs: { count: 2 } },
      });
      assert.equal(r.status, 201, r.text);
      const id = r.json.run.id as string;
      assertError(await h.inject({ url: `/api/v1/runs/${id}/events` }), 401, 'AUTH_REQUIRED');
      assertError(await h.inject({ url: '/api/v1/runs/nope/events', token: h.tokens.viewer }), 404, 'RUN_NOT_FOUND');

      const full = await h.inject({ url: `/api/v1/runs/${id}/events`, token: h.tokens.viewer });
      assert.equal(full.status, 200);
      assert.match(String(full.headers['content-type']), /^text\/event-stream/);
      const { events } = parseSse(full.text);
      assert.ok(events.length >= 4, full.text);
      assert.deepEqual(
        events.map((e) => Number(e.id)),
        events.map((_, i) => i),
      );
      assert.equal(events[0]!.event, 'run.created');
      const lastData = JSON.parse(events.at(-1)!.data!) as { type: string; seq: number };
      assert.equal(lastData.seq, events.length - 1);
      assert.equal(events.at(-1)!.event, lastData.type);

      const resumed = await h.inject({ url: `/api/v1/runs/${id}/events`, token: h.tokens.viewer, headers: { 'last-event-id': '2' } });
      const rest = parseSse(resumed.text).events;
      assert.deepEqual(
        rest.map((e) => e.id),
        events.slice(3).map((e) => e.id),
      );
      const none = await h.inject({ url: `/api/v1/runs/${id}/events`, token: h.tokens.viewer, headers: { 'last-event-id': String(events.length - 1) } });
      assert.equal(parseSse(none.text).events.length, 0);

      // A run waiting for approval: the stream stays open, carries the live events after the
      // approval, and ends when the run does. Heartbeats are comments.
      const h2 = await fresh({ heartbeatMs: 20 });
      const g = await h2.inject({ method: 'POST', url: '/api/v1/runs', token: h2.tokens.operator, body: { runbook: 'gated' } });
      assert.equal(g.json.run.state, 'waiting_approval');
      const gid = g.json.run.id as string;
      const stream = h2.inject({ url: `/api/v1/runs/${gid}/events`, token: h2.tokens.viewer });
      await new Promise((res) => setTimeout(res, 80));
      const ok = await h2.inject({ method: 'POST', url: `/api/v1/runs/${gid}/approve`, token: h2.tokens.approver, body: { comment: 'go' } });
      assert.ok(ok.status === 200 || ok.status === 202, ok.text);
      const s = await stream;
      const parsed = parseSse(s.text);
      // Stored events carry ids; live step output (`output`) carries none and is not replayed.
      const stored = parsed.events.filter((e) => e.event !== 'output');
      const types = stored.map((e) => e.event);
      assert.ok(types.includes('approval.granted'), types.join());
      assert.equal(types[0], 'run.created');
      assert.deepEqual(
        stored.map((e) => Number(e.id)),
        stored.map((_, i) => i),
      );
      const outputs = parsed.events.filter((e) => e.event === 'output');
      assert.ok(outputs.every((e) => e.id === undefined));
      assert.deepEqual(
        outputs.map((e) => JSON.parse(e.data!) as unknown),
        [{ step: 'after', stream: 'stdout', text: 'after\n' }],
        'the step after the gate streams its output live',
      );
      assert.ok(parsed.comments.includes('heartbeat'), 'heartbeat comments while the run waits');
      const fin = await h2.inject({ url: `/api/v1/runs/${gid}`, token: h2.tokens.viewer });
      assert.equal(fin.json.state, 'succeeded');
    });

    it('an open stream ends when the server shuts down', async () => {
      const h = await harness(await factory.create(), { runbooksDir: catalogueDir() });
      const g = await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.operator, body: { runbook: 'gated' } });
      assert.equal(g.json.run.state, 'waiting_approval');
      const stream = h.inject({ url: `/api/v1/runs/${g.json.run.id}/events`, token: h.tokens.viewer });
      await new Promise((res) => setTimeout(res, 50));
      await h.close();
      const s = await stream;
      assert.equal(s.status, 200);
      assert.equal(parseSse(s.text).events[0]?.event, 'run.created');
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());

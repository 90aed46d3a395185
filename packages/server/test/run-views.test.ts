// What the operator reads through the API: the text each approval gate asks (the run's values in
// place, secrets masked), and the filters of the runs list and the ledger search, with their checks.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Who } from '@runledger/runtime';
import { pgFactory, sqliteFactory, type FixtureFactory } from '@runledger/testkit';
import { assertError, harness, runbook, type Harness } from './helpers.js';

const GATED = runbook(
  '## Procedure\n\n```sh {#probe capture}\necho "p99=41ms"\n```\n\n```approve {#gate}\nRelease **{{ inputs.version }}** in {{ env }} (run {{ run.id }}): probe said {{ steps.probe.output }}; key {{ inputs.key }}.\n```\n\n```sh {#after}\necho done\n```\n\n## Rollback\n\n```approve {#undo-gate}\nUndo {{ inputs.version }}?\n```\n',
  'inputs:\n  version:\n    type: string\n  key:\n    type: secret\n    from: {env: RUNLEDGER_TEST_GATE_KEY}\n',
);

function suite(factory: FixtureFactory): void {
  describe(`run views on ${factory.name}`, () => {
    const open: Harness[] = [];
    before(() => factory.setup());
    after(async () => {
      for (const h of open.splice(0)) await h.close();
      await factory.teardown();
    });
    async function fresh(): Promise<Harness> {
      const h = await harness(await factory.create());
      open.push(h);
      return h;
    }

    it('an approval gate carries the text it asks: inputs, environment, run id and earlier output in place, secrets masked; other steps carry none', async () => {
      const h = await fresh();
      const secret = 'hunter2-gate-secret';
      const r = await h.server.engineContext.engine.start({
        ...GATED,
        inputs: { version: '1.4.2' },
        secrets: { key: secret },
        environment: 'staging',
        who: { actor: { kind: 'user', id: 'alice' }, roles: ['operator'] },
      });
      assert.equal(r.model.state, 'waiting_approval');
      const one = await h.inject({ url: `/api/v1/runs/${r.runId}`, token: h.tokens.viewer });
      assert.equal(one.status, 200, one.text);
      const byId = Object.fromEntries([...one.json.steps, ...one.json.rollback].map((s: { id: string; text?: string }) => [s.id, s.text]));
      assert.equal(byId.gate, `Release **1.4.2** in staging (run ${r.runId}): probe said p99=41ms; key ••••••.`);
      assert.equal(byId['undo-gate'], 'Undo 1.4.2?', 'rollback gates too');
      assert.equal(byId.probe, undefined);
      assert.equal(byId.after, undefined);
      assert.ok(!one.text.includes(secret), 'the secret is nowhere in the view');

      // The action answers carry it too (the UI replaces its view with them).
      const ok = await h.inject({ method: 'POST', url: `/api/v1/runs/${r.runId}/approve`, token: h.tokens.approver, body: { comment: 'fine' } });
      assert.ok(ok.status === 200 || ok.status === 202, ok.text);
      assert.match(ok.json.run.steps[1].text, /^Release \*\*1\.4\.2\*\*/);
      await h.app.worker.drain();
    });

    it('runs: filtered by runbook, requester (a token by its name or its id), state and creation time; bad times are located 400s', async () => {
      const h = await fresh();
      const { engine } = h.server.engineContext;
      const other = runbook('## Procedure\n\n```sh {#x}\necho x\n```\n');
      const second = { runbook: { ...other.runbook, id: 'other-rb' }, source: other.source.replace('id: api-rb', 'id: other-rb') };
      const alice: Who = { actor: { kind: 'token', id: 'token:alice' }, roles: ['operator'] };
      const cli: Who = { actor: { kind: 'user', id: 'alice' }, roles: ['operator'] };
      const bob: Who = { actor: { kind: 'token', id: 'token:bob' }, roles: ['operator'] };
      const start = async (rb: typeof second, who: Who): Promise<string> =>
        (
          await engine.start({
            ...rb,
            ...(rb === GATED ? { inputs: { version: '1.0.0' }, secrets: { key: 'k' } } : { inputs: {}, secrets: {} }),
            environment: 'local',
            who,
          })
        ).runId;
      const a = await start(GATED, alice);
      const b = await start(second, bob);
      const c = await start(second, cli);
      const list = async (query: string): Promise<string[]> => {
        const r = await h.inject({ url: `/api/v1/runs?${query}`, token: h.tokens.viewer });
        assert.equal(r.status, 200, r.text);
        return r.json.runs.map((x: { id: string }) => x.id);
      };
      assert.deepEqual(await list(''), [c, b, a]);
      assert.deepEqual(await list('runbook=other-rb'), [c, b]);
      assert.deepEqual(await list('requester=alice'), [c, a], 'a name finds the token and the command-line user');
      assert.deepEqual(await list('requester=token:alice'), [a]);
      assert.deepEqual(await list('requester=carol'), []);
      assert.deepEqual(await list('runbook=other-rb&requester=alice'), [c]);
      assert.deepEqual(await list('state=waiting_approval&requester=alice'), [a]);
      const created = (await h.inject({ url: `/api/v1/runs/${b}`, token: h.tokens.viewer })).json.createdAt as string;
      assert.deepEqual(await list(`since=${encodeURIComponent(created)}`), [c, b], 'since is inclusive');
      assert.deepEqual(await list(`until=${encodeURIComponent(created)}`), [a], 'until is exclusive');
      assert.deepEqual(await list('since=2000-01-01&until=2000-01-02'), []);
      assert.deepEqual(await list('since=2000-01-01T00:00:00%2B02:00'), [c, b, a], 'offsets');
      // The cache never answers one filter with another's rows.
      assert.deepEqual(await list('runbook=api-rb'), [a]);

      for (const [query, path] of [
        ['since=yesterday', '/querystring/since'],
        ['since=2026-13-01', '/querystring/since'],
        ['since=2026-02-31', '/querystring/since'],
        ['until=2026-12-07T25:00:00Z', '/querystring/until'],
        ['since=2026-12-08&until=2026-12-07', '/querystring/until'],
        ['limit=0', '/querystring/limit'],
        ['limit=ten', '/querystring/limit'],
        ['state=bogus', '/querystring/state'],
      ] as const) {
        const e = assertError(await h.inject({ url: `/api/v1/runs?${query}`, token: h.tokens.viewer }), 400, 'VALIDATION_FAILED');
        const details = (e as { details?: { path: string }[] }).details ?? [];
        assert.ok(
          details.some((d) => d.path === path),
          `${query}: ${JSON.stringify(details)}`,
        );
      }
      await h.app.worker.drain();
    });

    it('ledger search: by type or prefix, run, actor and time, newest first, paged by `before`; located 400s and 404 for an unknown run', async () => {
      const h = await fresh();
      const { engine } = h.server.engineContext;
      const r1 = await engine.start({
        ...GATED,
        inputs: { version: '1.0.0' },
        secrets: { key: 'k' },
        environment: 'local',
        who: { actor: { kind: 'token', id: 'token:alice' }, roles: ['operator'] },
      });
      for (const text of ['one', 'two', 'three'])
        assert.equal((await h.inject({ method: 'POST', url: '/api/v1/ledger/notes', token: h.tokens.operator, body: { text } })).status, 201);
      const search = async (query: string) => {
        const r = await h.inject({ url: `/api/v1/ledger/search?${query}`, token: h.tokens.viewer });
        assert.equal(r.status, 200, r.text);
        return r.json as {
          entries: { seq: number; entry: { type: string; actor: { id: string }; data: Record<string, unknown> } }[];
          next: number | null;
          scanned: number;
        };
      };
      const all = (await h.inject({ url: '/api/v1/ledger/entries?limit=1000', token: h.tokens.viewer })).json.entries as {
        seq: number;
        entry: { type: string; idem?: string; actor: { id: string }; ts: string };
      }[];
      const expect = (f: (e: (typeof all)[number]['entry']) => boolean): number[] =>
        all
          .filter((e) => f(e.entry))
          .map((e) => e.seq)
          .reverse();

      const notes = await search('type=ops.note');
      assert.deepEqual(
        notes.entries.map((e) => e.entry.data.text),
        ['three', 'two', 'one'],
        'newest first',
      );
      assert.deepEqual(
        (await search('type=run.*')).entries.map((e) => e.seq),
        expect((e) => e.type.startsWith('run.')),
      );
      assert.ok((await search('type=run.*')).entries.length >= 3);
      assert.deepEqual(
        (await search(`run=${r1.runId}`)).entries.map((e) => e.seq),
        expect((e) => (e.idem ?? '').startsWith(`run:${r1.runId}:`)),
      );
      assert.deepEqual(
        (await search(`run=${r1.runId.slice(0, 20)}`)).entries.map((e) => e.seq),
        expect((e) => (e.idem ?? '').startsWith(`run:${r1.runId}:`)),
        'a unique prefix of the run id',
      );
      assert.deepEqual(
        (await search('actor=olga')).entries.map((e) => e.seq),
        expect((e) => e.actor.id === 'token:olga'),
        'a token by its name',
      );
      assert.deepEqual((await search('actor=token:olga&type=ops.note')).entries.length, 3);
      assert.deepEqual((await search('actor=nobody')).entries, []);
      const mid = all.find((e) => e.entry.type === 'ops.note')!.entry.ts;
      assert.deepEqual(
        (await search(`since=${encodeURIComponent(mid)}`)).entries.map((e) => e.seq),
        expect((e) => e.ts >= mid),
      );
      assert.deepEqual(
        (await search(`until=${encodeURIComponent(mid)}`)).entries.map((e) => e.seq),
        expect((e) => e.ts < mid),
      );
      // Paging: every entry once, in order.
      const seen: number[] = [];
      let before: number | null | undefined;
      do {
        const p = await search(`limit=2${before !== undefined ? `&before=${before}` : ''}`);
        seen.push(...p.entries.map((e) => e.seq));
        before = p.next;
      } while (before !== null);
      assert.deepEqual(
        seen,
        expect(() => true),
      );

      assertError(await h.inject({ url: '/api/v1/ledger/search?run=20990101000000-00000000', token: h.tokens.viewer }), 404, 'RUN_NOT_FOUND');
      for (const [query, path] of [
        ['since=2026-02-30', '/querystring/since'],
        ['until=soon', '/querystring/until'],
        ['since=2026-12-08&until=2026-12-08', '/querystring/until'],
        ['before=-1', '/querystring/before'],
        ['before=x', '/querystring/before'],
        ['limit=501', '/querystring/limit'],
        ['type=run.%25', '/querystring/type'],
        ['run=..%2F..', '/querystring/run'],
        ['verb=1', '/querystring/verb'],
      ] as const) {
        const e = assertError(await h.inject({ url: `/api/v1/ledger/search?${query}`, token: h.tokens.viewer }), 400, 'VALIDATION_FAILED');
        const details = (e as { details?: { path: string }[] }).details ?? [];
        assert.ok(
          details.some((d) => d.path === path),
          `${query}: ${JSON.stringify(details)}`,
        );
      }
      assertError(await h.inject({ url: '/api/v1/ledger/search' }), 401, 'AUTH_REQUIRED');
      await h.app.worker.drain();
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());

// Drills over HTTP (createApp + inject): an operator runs a restore drill, follows it while it runs,
// reads it in the history with what it measured against its targets, downloads its evidence as a tar
// that `runledger-verify evidence` accepts, and sees it in /metrics; one drill at a time (a chaos
// kill-run drill holds the server while it SIGKILLs a real `runledger run`); bad input is refused with
// its code and records nothing. On PostgreSQL the restore drill restores into the scratch database of
// RUNLEDGER_DRILL_PG_DATABASE and empties it again; without one, or with the live database, it is refused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { TRUST_FILE } from '@runledger/runtime';
import { pgAdmin, pgFactory, sqliteFactory, tempDir, until, type FixtureFactory } from '@runledger/testkit';
import { assertError, harness, type Harness } from './helpers.js';

const repo = resolve(import.meta.dirname, '../../..');
const VERIFY = join(repo, 'packages/ledger/bin/runledger-verify.js');
const RUNLEDGER = [process.execPath, '--conditions=source', '--import', import.meta.resolve('tsx'), join(repo, 'packages/cli/test/fixtures/cli-child.ts')];

// Response bodies are read ad hoc in assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

/** Relations in the two Runledger schemas of `database` (zero: as set up, empty). */
async function relationsIn(database: string): Promise<number> {
  const r = await pgAdmin(
    database,
    `SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('runledger', 'runledger_ledger')`,
  );
  return Number(r[0]!.n);
}

function suite(factory: FixtureFactory, pg?: ReturnType<typeof pgFactory>): void {
  describe(`drills API on ${factory.name}`, () => {
    const open: Harness[] = [];
    before(() => factory.setup());
    afterEach(async () => {
      for (const h of open.splice(0)) await h.close();
    });
    after(() => factory.teardown());

    /** A server; on PostgreSQL with a scratch database for restore drills unless `scratch` is false. */
    async function fresh(scratch = true): Promise<{ h: Harness; dir: string; home: string; scratchDb?: string; liveDb?: string }> {
      const f = await factory.create();
      const dir = tempDir('runledger-api-drills-');
      const scratchDb = pg && scratch ? await pg.createDatabase() : undefined;
      const h = await harness(f, {
        drills: {
          dir,
          runledger: RUNLEDGER,
          settings: {
            RUNLEDGER_BACKUP_DIR: tempDir('runledger-api-drill-backups-'),
            ...(scratchDb ? { RUNLEDGER_DRILL_PG_DATABASE: scratchDb } : {}),
          },
        },
      });
      open.push(h);
      const liveDb = f.config.kind === 'postgres' ? new URL(f.config.url).pathname.slice(1) : undefined;
      return { h, dir, home: f.home, ...(scratchDb ? { scratchDb } : {}), ...(liveDb ? { liveDb } : {}) };
    }

    const finished = (h: Harness, id: string): Promise<Body> =>
      until(
        `drill ${id} to finish`,
        async () => {
          const r = await h.inject({ url: `/api/v1/drills/${id}`, token: h.tokens.viewer });
          return r.status === 200 && r.json.state === 'finished' ? r.json : undefined;
        },
        { timeoutMs: 60_000, everyMs: 50 },
      );

    it('an operator runs a restore drill: history, detail, evidence tar that verifies offline, metrics', async () => {
      const { h, home, scratchDb } = await fresh();
      const started = await h.inject({
        method: 'POST',
        url: '/api/v1/drills',
        token: h.tokens.operator,
        body: { kind: 'restore', targets: { rpoSeconds: 600 } },
      });
      assert.equal(started.status, 202, started.text);
      assert.deepEqual(Object.keys(started.json).sort(), ['env', 'id', 'kind', 'state']);
      assert.match(started.json.id, /^drill-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
      const d = await finished(h, started.json.id);
      assert.equal(d.drill.passed, true, JSON.stringify(d.drill.reasons));
      assert.equal(d.drill.actor, 'token:olga');
      assert.equal(d.drill.targets.rpoSeconds, 600, 'the request’s target');
      assert.equal(d.drill.targets.rtoSeconds, 3600, 'seed 001’s default');
      assert.equal(d.drill.evidence.available, true);
      assert.ok(
        d.log.some((l: string) => /taking a fresh backup/.test(l)),
        d.log.join('\n'),
      );
      assert.ok(d.checks.some((c: Body) => c.name === 'ledger' && c.ok));
      assert.equal(typeof d.drill.measured.rtoSeconds, 'number');
      if (scratchDb) {
        assert.ok(
          d.checks.some((c: Body) => c.name === 'scratch database' && c.ok && c.detail.startsWith(`${scratchDb} emptied`)),
          JSON.stringify(d.checks),
        );
        assert.equal(await relationsIn(scratchDb), 0, 'the scratch database is empty again');
      }

      const list = await h.inject({ url: '/api/v1/drills', token: h.tokens.viewer });
      assert.equal(list.status, 200, list.text);
      assert.equal(list.json.drills[0].id, started.json.id);
      assert.equal(list.json.running, null);
      assert.deepEqual(list.json.available, ['restore', 'escalation', 'rollback', 'chaos']);
      assert.equal((await h.inject({ url: '/api/v1/drills?kind=chaos', token: h.tokens.viewer })).json.drills.length, 0);

      const tar = await h.app.fastify.inject({ url: `/api/v1/drills/${started.json.id}/evidence`, headers: { authorization: `Bearer ${h.tokens.viewer}` } });
      assert.equal(tar.statusCode, 200, tar.body.slice(0, 300));
      assert.equal(tar.headers['content-type'], 'application/x-tar');
      assert.equal(tar.headers['x-runledger-manifest-sha256'], d.drill.evidence.manifestSha256);
      const out = tempDir('runledger-api-drill-tar-');
      writeFileSync(join(out, 'e.tar'), tar.rawPayload);
      assert.equal(spawnSync('tar', ['-xf', join(out, 'e.tar'), '-C', out]).status, 0);
      const v = spawnSync(process.execPath, [VERIFY, 'evidence', join(out, started.json.id), '--trust', join(home, TRUST_FILE), '--json'], {
        encoding: 'utf8',
      });
      assert.equal(v.status, 0, v.stdout + v.stderr);
      assert.equal(JSON.parse(v.stdout).index, d.drill.evidence.index);

      const m = (await h.inject({ url: '/metrics' })).text;
      assert.match(m, /^runledger_drill_last_passed\{kind="restore"\} 1$/m);
      assert.match(m, /^runledger_drill_last_rpo_seconds\{kind="restore"\} [\d.e-]+$/m);
      assert.match(m, /^runledger_drill_last_timestamp_seconds\{kind="restore"\} \d+(\.\d+)?$/m);
      assert.match(m, /^runledger_drill_last_rto_seconds\{kind="restore"\} [\d.e-]+$/m);

      if (scratchDb) {
        // A second drill, with the scratch database named in the request, reuses it.
        const again = await h.inject({
          method: 'POST',
          url: '/api/v1/drills',
          token: h.tokens.operator,
          body: { kind: 'restore', options: { targetDatabase: scratchDb } },
        });
        assert.equal(again.status, 202, again.text);
        const d2 = await finished(h, again.json.id);
        assert.equal(d2.drill.passed, true, JSON.stringify(d2.drill.reasons));
        assert.equal(await relationsIn(scratchDb), 0);
      }
    });

    it('refuses bad input with its code and records nothing; an unknown drill is 404', async () => {
      const { h, liveDb } = await fresh();
      const head = (await h.inject({ url: '/api/v1/ledger/head', token: h.tokens.viewer })).json.size;
      const post = (body: unknown, token = h.tokens.operator) => h.inject({ method: 'POST', url: '/api/v1/drills', token, body });
      assertError(await post({ kind: 'restore' }, h.tokens.viewer), 403, 'FORBIDDEN_ROLE');
      assertError(await post({ kind: 'fire' }), 400, 'VALIDATION_FAILED');
      assert.match(assertError(await post({ kind: 'escalation', options: { deadline: '3' } }), 400, 'DRILL_INVALID').message, /no option "deadline"/);
      assert.match(assertError(await post({ kind: 'restore', options: { speed: 'fast' } }), 400, 'DRILL_INVALID').message, /no option "speed"/);
      assert.match(assertError(await post({ kind: 'restore', targets: { rtoSeconds: 0 } }), 400, 'DRILL_INVALID').message, /rtoSeconds/);
      assert.match(
        assertError(await post({ kind: 'rollback', env: 'production', options: { service: 'shop', version: '1.0.0' } }), 403, 'DRILL_REFUSED').message,
        /--allow-production/,
      );
      assert.match(
        assertError(await post({ kind: 'rollback', options: { service: 'shop', version: '1.0.0' } }), 400, 'DRILL_INVALID').message,
        /not in the catalog/,
      );
      if (liveDb) {
        assert.match(
          assertError(await post({ kind: 'restore', options: { targetDatabase: liveDb } }), 400, 'DRILL_INVALID').message,
          new RegExp(`scratch database ${liveDb} .*is the live database`),
        );
        // A server without a scratch database refuses PostgreSQL restore drills, saying what to set up.
        const bare = await fresh(false);
        const size = (await bare.h.inject({ url: '/api/v1/ledger/head', token: bare.h.tokens.viewer })).json.size;
        assert.match(
          assertError(
            await bare.h.inject({ method: 'POST', url: '/api/v1/drills', token: bare.h.tokens.operator, body: { kind: 'restore' } }),
            400,
            'DRILL_INVALID',
          ).message,
          /scratch database: create an empty database .*docs\/sql\/postgres-roles\.sql.*RUNLEDGER_DRILL_PG_DATABASE/,
        );
        assert.equal((await bare.h.inject({ url: '/api/v1/ledger/head', token: bare.h.tokens.viewer })).json.size, size);
      } else
        assert.match(
          assertError(await post({ kind: 'restore', options: { targetDatabase: 'scratch' } }), 400, 'DRILL_INVALID').message,
          /option targetDatabase .*SQLite/,
        );
      assertError(await h.inject({ url: '/api/v1/drills/drill-20261207T000000Z-000000', token: h.tokens.viewer }), 404, 'DRILL_NOT_FOUND');
      assertError(await h.inject({ url: '/api/v1/drills/drill-20261207T000000Z-000000/evidence', token: h.tokens.viewer }), 404, 'DRILL_NOT_FOUND');
      assertError(await h.inject({ url: '/api/v1/drills/nope', token: h.tokens.viewer }), 400, 'VALIDATION_FAILED');
      assert.equal((await h.inject({ url: '/api/v1/ledger/head', token: h.tokens.viewer })).json.size, head);
    });

    if (factory.name === 'sqlite')
      it('one drill at a time: a chaos kill-run drill runs (its log followed while it runs), another is DRILL_BUSY', async () => {
        const { h } = await fresh();
        const chaos = await h.inject({
          method: 'POST',
          url: '/api/v1/drills',
          token: h.tokens.operator,
          body: { kind: 'chaos', options: { scenario: 'kill-run' } },
        });
        assert.equal(chaos.status, 202, chaos.text);
        const busy = assertError(
          await h.inject({ method: 'POST', url: '/api/v1/drills', token: h.tokens.operator, body: { kind: 'restore' } }),
          409,
          'DRILL_BUSY',
        );
        assert.match(busy.message, new RegExp(`drill ${chaos.json.id} \\(chaos\\) is running`));
        const live = await h.inject({ url: `/api/v1/drills/${chaos.json.id}`, token: h.tokens.viewer });
        assert.equal(live.json.state, 'running');
        assert.match(live.json.log[0], /chaos started by token:olga/);
        assert.equal((await h.inject({ url: '/api/v1/drills', token: h.tokens.viewer })).json.running.id, chaos.json.id);
        const d = await finished(h, chaos.json.id);
        assert.equal(d.drill.passed, true, JSON.stringify(d.drill.reasons));
        assert.deepEqual(
          d.checks.map((c: Body) => c.ok),
          d.checks.map(() => true),
        );
        const after = await h.inject({ method: 'POST', url: '/api/v1/drills', token: h.tokens.operator, body: { kind: 'restore' } });
        assert.equal(after.status, 202, 'free again once it finished');
        await finished(h, after.json.id);
      });
  });
}

suite(sqliteFactory);
const pg = pgFactory();
suite(pg, pg);

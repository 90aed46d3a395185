// Drills over a real store (SQLite and PostgreSQL): the runner records drill.started and drill.finished,
// whose evidence bundle verifies offline with `runledger-verify evidence`; a restore drill restores a
// fresh (or named) backup into scratch and measures RTO/RPO (PostgreSQL: into a scratch database that
// it empties again, so drills in a row reuse it; one it cannot empty fails the drill); chaos kill-run SIGKILLs a real `runledger run` mid-step and checks recovery;
// chaos db-pause blocks PostgreSQL and drops its connections while appends go on; the rollback drill
// deploys and rolls back through the release driver; bad input records nothing; a drill inside a
// release window is in that release's evidence.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DRILL_EVIDENCE_KIND, type LedgerVerification } from '@runledger/core';
import { locationOf, PG_ADMIN_URL, pgAdmin, pgFactory, sqliteFactory, tempDir, type FixtureFactory } from '@runledger/testkit';
import {
  backupNow,
  evidenceLedgerOf,
  getDrill,
  initLedger,
  listDrills,
  openEngine,
  openLedger,
  pumpOutbox,
  readDrillSummary,
  releaseRunner,
  ReleaseDriver,
  runDrill,
  TRUST_FILE,
  writeReleaseEvidence,
  type DrillResult,
  type EngineContext,
  type LedgerContext,
  type LedgerLocation,
  type RunDrillOptions,
} from '../src/index.js';

const repo = resolve(import.meta.dirname, '../../..');
const VERIFY = join(repo, 'packages/ledger/bin/runledger-verify.js');
/** `runledger` from source in a child process (the chaos drill's `runledger run`). */
const RUNLEDGER = [process.execPath, '--conditions=source', '--import', import.meta.resolve('tsx'), join(repo, 'packages/cli/test/fixtures/cli-child.ts')];
const alice = { kind: 'user' as const, id: 'alice' };

function verify(dir: string, trust: string): { code: number | null; json: { ok: boolean; reason?: string; index?: number; manifestSha256?: string } } {
  const s = spawnSync(process.execPath, [VERIFY, 'evidence', dir, '--trust', trust, '--json'], { encoding: 'utf8' });
  return { code: s.status, json: JSON.parse(s.stdout || '{}') as { ok: boolean } };
}

const reasonOf = (r: DrillResult, name: string): string | undefined => r.checks.find((c) => c.name === name && !c.ok)?.detail;

/** Objects in the two Runledger schemas of `database` (zero: as set up, empty). */
async function objectsIn(database: string): Promise<number> {
  const r = await pgAdmin(
    database,
    `SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('runledger', 'runledger_ledger'))
          + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname IN ('runledger', 'runledger_ledger')) AS n`,
  );
  return Number(r[0]!.n);
}

/** Superuser SQL, synchronously (from a drill's log callback, before the drill's next step). */
function psqlSync(sqlText: string): void {
  const s = spawnSync('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-q', '-d', PG_ADMIN_URL, '-c', sqlText], { encoding: 'utf8' });
  assert.equal(s.status, 0, s.stderr);
}

function suite(factory: FixtureFactory, pg?: ReturnType<typeof pgFactory>): void {
  describe(`drills on ${factory.name}`, () => {
    let loc: LedgerLocation;
    let ctx: LedgerContext;
    let trust = '';
    let drills = '';
    let settings: Record<string, string | undefined> = {};
    /** PostgreSQL: the restore drills' scratch database (RUNLEDGER_DRILL_PG_DATABASE in `settings`). */
    let scratchDb = '';
    const lines: string[] = [];
    const base = (kind: string, over: Partial<RunDrillOptions> = {}): RunDrillOptions => ({
      kind,
      actor: alice,
      ledgerCtx: ctx,
      evidenceDir: drills,
      settings,
      log: (l) => lines.push(l),
      ...over,
    });

    before(async () => {
      await factory.setup();
      const f = await factory.create();
      loc = locationOf(f);
      await initLedger(loc, { origin: `drills.test/${factory.name}`, actor: alice });
      trust = join(f.home, TRUST_FILE);
      ctx = await openLedger(loc, { write: true });
      drills = tempDir('runledger-drills-');
      settings = { ...loc.env, RUNLEDGER_BACKUP_DIR: tempDir('runledger-drill-backups-') };
      if (pg) {
        // Created and set up by an administrator (here: the testkit, as docs/sql/postgres-roles.sql does) for the same roles.
        scratchDb = await pg.createDatabase();
        settings['RUNLEDGER_DRILL_PG_DATABASE'] = scratchDb;
      }
      for (let i = 0; i < 5; i++) await ctx.writer!.append({ type: 'ops.note', actor: alice, data: { i } });
    });
    after(async () => {
      await ctx?.close();
      await factory.teardown();
    });

    it('a restore drill restores a fresh backup into scratch, measures RTO and RPO, and pins its evidence in drill.finished', async () => {
      const r = await runDrill(base('restore'));
      assert.equal(r.passed, true, r.reasons.join('; '));
      assert.ok(r.measured.rtoSeconds! > 0);
      assert.ok(r.measured.rpoSeconds! >= 0);
      assert.equal(r.measured.rpoEntries, 1, 'a fresh backup holds every entry but its own backup.created');
      const expected =
        factory.name === 'sqlite' ? ['files', 'recorded', 'ledger', 'keys'] : ['files', 'recorded', 'ledger', 'keys', 'database', 'guards', 'scratch database'];
      for (const name of expected)
        assert.ok(
          r.checks.some((c) => c.name === name && c.ok),
          `${name} in ${JSON.stringify(r.checks)}`,
        );
      if (pg) {
        assert.match(r.checks.find((c) => c.name === 'database')!.detail, new RegExp(`restored into ${scratchDb} by pg_restore`));
        assert.equal(await objectsIn(scratchDb), 0, 'the scratch database is empty again');
        assert.ok(r.steps.includes(`emptied the scratch database ${scratchDb} for the next drill`), r.steps.join('\n'));
        assert.equal(typeof r.measured.steps!['empty'], 'number');
      } else
        assert.equal(
          r.checks.some((c) => c.name === 'scratch database'),
          false,
        );
      assert.deepEqual([r.kind, r.env, r.actor], ['restore', null, 'alice']);
      assert.equal(existsSync(join(drills, `.scratch-${r.id}`)), false, 'the scratch directory is removed');
      assert.deepEqual(
        readdirSync(drills).filter((n) => !n.startsWith('.')),
        [r.id],
      );

      // The evidence bundle verifies offline; its pinning entry is drill.finished with the verdict.
      const v = verify(r.evidence.dir, trust);
      assert.equal(v.code, 0, JSON.stringify(v.json));
      assert.deepEqual([v.json.index, v.json.manifestSha256], [r.evidence.index, r.evidence.manifestSha256]);
      const entry = (await ctx.reader.entry(r.evidence.index))!.entry;
      assert.equal(entry.type, 'drill.finished');
      assert.deepEqual(entry.subject, { kind: 'drill', id: r.id });
      const data = entry.data as Record<string, unknown>;
      assert.deepEqual(
        [data['kind'], data['drill'], data['passed'], data['manifestSha256'], data['reasons']],
        [DRILL_EVIDENCE_KIND, 'restore', r.passed, r.evidence.manifestSha256, r.reasons],
      );
      assert.deepEqual(data['measured'], JSON.parse(JSON.stringify(r.measured)));
      const started = (await ctx.reader.entry(r.startedIndex))!.entry;
      assert.equal(started.type, 'drill.started');
      const files = readdirSync(r.evidence.dir, { recursive: true }).map(String).sort();
      for (const f of ['summary.json', 'log.txt', 'restore/backup-manifest.json', 'restore/result.json', `ledger/${r.startedIndex}.json`, 'MANIFEST.json'])
        assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
      const summary = JSON.parse(readFileSync(join(r.evidence.dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
      assert.deepEqual([summary['id'], summary['passed'], summary['kind']], [r.id, r.passed, 'restore']);
      assert.match(readFileSync(join(r.evidence.dir, 'log.txt'), 'utf8'), /taking a fresh backup/);
      assert.deepEqual(await readDrillSummary(drills, r.id), summary);

      // History from the ledger.
      const listed = await listDrills(ctx.reader);
      assert.equal(listed.drills[0]!.id, r.id);
      assert.deepEqual((await getDrill(ctx.reader, r.id)).evidence, { manifestSha256: r.evidence.manifestSha256, index: r.evidence.index });
    });

    it('a restore of a tampered backup fails with the reason, is recorded, and its evidence verifies; a tampered bundle does not', async () => {
      const b = await backupNow({ ctx, dir: settings['RUNLEDGER_BACKUP_DIR']!, actor: alice });
      const data = join(b.path, b.manifest.files.find((f) => f.role === 'database' || f.role === 'dump')!.path);
      writeFileSync(data, Buffer.concat([readFileSync(data), Buffer.from('x')]));
      const r = await runDrill(base('restore', { options: { backup: b.id } }));
      assert.equal(r.passed, false);
      assert.match(reasonOf(r, 'restore') ?? '', /^BACKUP_FILE_MISMATCH: .* bytes, the manifest says/);
      if (pg) {
        assert.ok(
          r.checks.some((c) => c.name === 'scratch database' && c.ok),
          JSON.stringify(r.checks),
        );
        assert.equal(await objectsIn(scratchDb), 0);
      }
      assert.equal(verify(r.evidence.dir, trust).code, 0);
      assert.equal((await getDrill(ctx.reader, r.id)).passed, false);
      writeFileSync(
        join(r.evidence.dir, 'summary.json'),
        readFileSync(join(r.evidence.dir, 'summary.json'), 'utf8').replace('"passed": false', '"passed": true'),
      );
      const t = verify(r.evidence.dir, trust);
      assert.equal(t.code, 1);
      assert.equal(t.json.reason, 'FILE_MISMATCH');
    });

    if (factory.name === 'sqlite')
      it('an RPO over its target fails the drill, naming the RPO (the newest existing backup)', async () => {
        await backupNow({ ctx, dir: settings['RUNLEDGER_BACKUP_DIR']!, actor: alice });
        await ctx.writer!.append({ type: 'ops.note', actor: alice, data: { after: 'backup' } });
        await new Promise((res) => setTimeout(res, 20));
        const r = await runDrill(base('restore', { options: { backup: 'newest' }, targets: { rpoSeconds: 0.001 } }));
        assert.equal(r.passed, false);
        assert.ok(r.checks.every((c) => c.ok));
        assert.match(r.reasons.join('\n'), /^RPO [\d.]+ s is over the target 0\.001 s$/m);
        assert.ok(r.measured.rpoEntries! >= 2, 'the note and backup.created came after the backup');
      });

    if (pg) {
      it('restore drills in a row reuse the scratch database (named by option over the setting); each empties it again and verifies offline', async () => {
        for (let i = 0; i < 2; i++) {
          const r = await runDrill(
            base('restore', { options: { targetDatabase: scratchDb }, settings: { ...settings, RUNLEDGER_DRILL_PG_DATABASE: 'rl_not_this_one' } }),
          );
          assert.equal(r.passed, true, `drill ${i + 1}: ${r.reasons.join('; ')}`);
          assert.ok(r.measured.rtoSeconds! > 0);
          assert.equal(r.measured.rpoEntries, 1);
          assert.ok(r.checks.some((c) => c.name === 'guards' && c.ok));
          assert.equal(await objectsIn(scratchDb), 0, `empty after drill ${i + 1}`);
          const result = JSON.parse(readFileSync(join(r.evidence.dir, 'restore/result.json'), 'utf8')) as Record<string, Record<string, unknown>>;
          assert.deepEqual(result['scratchDatabase'], { name: scratchDb, emptied: true });
          assert.equal((result['result']!['postgres'] as { database: string }).database, scratchDb);
          assert.equal(verify(r.evidence.dir, trust).code, 0);
          const started = (await ctx.reader.entry(r.startedIndex))!.entry;
          assert.deepEqual((started.data as { options: unknown }).options, { targetDatabase: scratchDb });
        }
      });

      it('a scratch database that cannot be emptied fails the drill, and the next drill is refused until it is made empty', async () => {
        const db = await pg!.createDatabase();
        const app = pg!.run().appRole;
        // Just after the restore is verified, the scratch database stops taking the main role's connections.
        const log = (l: string): void => {
          if (l.startsWith('restored and verified')) psqlSync(`REVOKE CONNECT ON DATABASE ${db} FROM PUBLIC, ${app}`);
        };
        const r = await runDrill(base('restore', { options: { targetDatabase: db }, log }));
        psqlSync(`GRANT CONNECT ON DATABASE ${db} TO ${app}`);
        assert.equal(r.passed, false);
        assert.ok(
          r.checks.some((c) => c.name === 'ledger' && c.ok),
          'the restore itself held',
        );
        assert.match(reasonOf(r, 'scratch database') ?? '', new RegExp(`^${db} could not be emptied \\(RESTORE_TARGET_NOT_READY: cannot connect.*drop it`));
        assert.match(r.reasons.join('\n'), /^scratch database: /m);
        assert.equal(verify(r.evidence.dir, trust).code, 0);
        assert.ok((await objectsIn(db)) > 0, 'left full');
        const size = (await ctx.reader.head()).size;
        await assert.rejects(runDrill(base('restore', { options: { targetDatabase: db } })), {
          code: 'DRILL_INVALID',
          message: new RegExp(
            `^the scratch database ${db} \\(option targetDatabase \\(--target-database\\)\\): RESTORE_TARGET_NOT_EMPTY: .*drop it and create it again`,
          ),
        });
        assert.equal((await ctx.reader.head()).size, size, 'refused before anything was recorded');
      });
    }

    it('bad input records nothing: an unknown kind, an unknown option, a bad escalation setting, a backup that does not exist', async () => {
      const size = (await ctx.reader.head()).size;
      await assert.rejects(runDrill(base('fire')), { code: 'DRILL_INVALID', message: /no drill kind "fire"/ });
      await assert.rejects(runDrill(base('escalation', { options: { deadline: '3' } })), {
        code: 'DRILL_INVALID',
        message: /escalation drill has no option "deadline"/,
      });
      await assert.rejects(runDrill(base('escalation', { settings: { RUNLEDGER_DRILL_DEADLINE_SECONDS: 'soon' } })), {
        code: 'DRILL_INVALID',
        message: /RUNLEDGER_DRILL_DEADLINE_SECONDS/,
      });
      await assert.rejects(runDrill(base('restore', { options: { backupp: 'x' } })), { code: 'DRILL_INVALID', message: /no option "backupp"/ });
      await assert.rejects(runDrill(base('restore', { options: { backup: 'nope' } })), { code: 'DRILL_INVALID', message: /no backup "nope"/ });
      if (pg) {
        // A scratch database: none named, the live one, one in use, one not set up, one that is not there.
        const unset = { ...settings, RUNLEDGER_DRILL_PG_DATABASE: undefined };
        await assert.rejects(runDrill(base('restore', { settings: unset })), {
          code: 'DRILL_INVALID',
          message:
            /restores into a scratch database: create an empty database .* docs\/sql\/postgres-roles\.sql .*--target-database NAME .*RUNLEDGER_DRILL_PG_DATABASE/,
        });
        const live = new URL(loc.env!['RUNLEDGER_DATABASE_URL']!).pathname.slice(1);
        await assert.rejects(runDrill(base('restore', { options: { targetDatabase: live } })), {
          code: 'DRILL_INVALID',
          message: new RegExp(`scratch database ${live} .*RESTORE_TARGET_NOT_EMPTY: .* is the live database`),
        });
        await assert.rejects(runDrill(base('restore', { settings: { ...settings, RUNLEDGER_DRILL_PG_DATABASE: live } })), {
          code: 'DRILL_INVALID',
          message: /\(RUNLEDGER_DRILL_PG_DATABASE\): RESTORE_TARGET_NOT_EMPTY: .* is the live database/,
        });
        const busy = await pg.createDatabase();
        await pgAdmin(busy, 'CREATE TABLE public.orders (id int)');
        await assert.rejects(runDrill(base('restore', { options: { targetDatabase: busy } })), { code: 'DRILL_INVALID', message: /is not empty \(.*orders/ });
        assert.equal(Number((await pgAdmin(busy, 'SELECT count(*) AS n FROM public.orders'))[0]!.n), 0, 'untouched');
        await assert.rejects(runDrill(base('restore', { options: { targetDatabase: `rl_nowhere_${pg.run().id}` } })), {
          code: 'DRILL_INVALID',
          message: /cannot connect.*docs\/sql\/postgres-roles\.sql/,
        });
        await assert.rejects(runDrill(base('restore', { options: { targetDatabase: 'x; drop' } })), { code: 'DRILL_INVALID', message: /database name/ });
      } else
        await assert.rejects(runDrill(base('restore', { options: { targetDatabase: 'scratch' } })), {
          code: 'DRILL_INVALID',
          message: /option targetDatabase .*SQLite/,
        });
      await assert.rejects(runDrill(base('chaos', { options: { scenario: 'meteor' } })), { code: 'DRILL_INVALID', message: /kill-run or db-pause/ });
      await assert.rejects(runDrill(base('chaos')), { code: 'DRILL_NOT_AVAILABLE', message: /`runledger`/ });
      await assert.rejects(runDrill(base('rollback', { options: { service: 'shop', version: '1.0.0' } })), { code: 'DRILL_NOT_AVAILABLE' });
      await assert.rejects(runDrill(base('rollback', { options: { service: 'shop' } })), { code: 'DRILL_INVALID', message: /--service S --release-version V/ });
      assert.equal((await ctx.reader.head()).size, size);
    });

    it('chaos kill-run: a `runledger run` SIGKILLed mid-step is recorded, recovered without running a finished step again, nothing duplicated', async () => {
      const r = await runDrill(base('chaos', { options: { scenario: 'kill-run' }, runledger: RUNLEDGER }));
      assert.equal(r.passed, true, `${r.reasons.join('; ')}\n${lines.slice(-10).join('\n')}`);
      assert.deepEqual(
        r.checks.map((c) => c.name),
        ['run recorded', 'interrupted, not lost', 'orphan found', 'recovered', 'no step ran twice', 'nothing duplicated', 'ledger verifies'],
      );
      assert.ok(r.measured.rtoSeconds! > 0);
      const run = JSON.parse(readFileSync(join(r.evidence.dir, 'chaos/run.json'), 'utf8')) as { runId: string; entries: { type: string }[] };
      // Started once, interrupted once, the operator's two decisions (end the orphan, retry), finished once.
      assert.deepEqual(
        run.entries.filter((e) => e.type.startsWith('run.') && !e.type.startsWith('run.step') && e.type !== 'run.approval.requested').map((e) => e.type),
        ['run.started', 'run.interrupted', 'run.operator.orphan', 'run.operator.retry', 'run.finished'],
      );
      assert.equal(verify(r.evidence.dir, trust).code, 0);
    });

    if (factory.name === 'postgres')
      it('chaos db-pause: the database blocks ledger writes and drops connections; no acknowledged append is lost, none duplicated', async () => {
        const r = await runDrill(base('chaos', { options: { scenario: 'db-pause', pauseSeconds: '1' } }));
        assert.equal(r.passed, true, r.reasons.join('; '));
        assert.deepEqual(
          r.checks.map((c) => c.name),
          ['outage felt', 'appends resumed', 'no acknowledged append lost', 'nothing duplicated', 'ledger verifies'],
        );
        assert.ok(r.measured.rtoSeconds! >= 0);
        const appends = JSON.parse(readFileSync(join(r.evidence.dir, 'chaos/appends.json'), 'utf8')) as { appends: { seq: number | null }[] };
        assert.ok(appends.appends.length > 3);
        assert.equal(verify(r.evidence.dir, trust).code, 0);
      });
    else
      it('chaos db-pause is PostgreSQL only: refused on SQLite before anything is recorded', async () => {
        await assert.rejects(runDrill(base('chaos', { options: { scenario: 'db-pause' } })), { code: 'DRILL_NOT_AVAILABLE', message: /SQLite/ });
      });
  });
}

suite(sqliteFactory);
const pg = pgFactory();
suite(pg, pg);

/** A small world for rollback drills: a catalog service with shell runbooks and the release driver (releases.test.ts). */
describe('rollback drill and release evidence (sqlite)', () => {
  let ctx: EngineContext;
  let driver: ReleaseDriver;
  let state = '';
  let verification: LedgerVerification = { ok: true, at: new Date().toISOString() };
  let drills = '';
  let trust = '';
  const runbook = (id: string, script: string, inputs: string[] = []): string => {
    const decl = inputs.length ? `inputs:\n${inputs.map((n) => `  ${n}: {type: string, default: ''}`).join('\n')}\n` : '';
    return `---\nid: ${id}\ntitle: ${id}\n${decl}environments: [staging, production]\n---\n\n# ${id}\n\n## Steps\n\n\`\`\`sh {#main}\n${script}\n\`\`\`\n`;
  };
  const base = (over: Partial<RunDrillOptions> = {}): RunDrillOptions => ({
    kind: 'rollback',
    actor: alice,
    ledgerCtx: ctx.ledger,
    evidenceDir: drills,
    settings: {},
    releases: driver,
    options: { service: 'shop', version: '2.0.0' },
    ...over,
  });
  /** Deploys a release and waits for its bake window (60 s) to start. */
  const baking = async (version: string) => {
    const r = await driver.service.create({
      service: 'shop',
      env: 'staging',
      version,
      artifact: { ref: `shop:${version}`, digest: `sha256:${'a'.repeat(64)}` },
      requestedBy: 'alice',
    });
    await driver.service.deploy(r.id, 'alice');
    for (;;) {
      const cur = await driver.service.get(r.id);
      if (cur.bakeStartedAt !== undefined || (cur.state !== 'verifying' && cur.state !== 'deploying')) return cur;
      await new Promise((res) => setTimeout(res, 20));
    }
  };

  before(async () => {
    await sqliteFactory.setup();
    const f = await sqliteFactory.create();
    const loc = locationOf(f);
    await initLedger(loc, { origin: 'drills.test/rollback', actor: alice });
    trust = join(f.home, TRUST_FILE);
    const dir = tempDir('runledger-drill-world-');
    const books = join(dir, 'runbooks');
    mkdirSync(books);
    state = join(dir, 'state');
    mkdirSync(state);
    writeFileSync(join(books, 'deploy.md'), runbook('deploy', `echo "{{ inputs.version }}" > ${state}/version`, ['version']));
    writeFileSync(join(books, 'smoke.md'), runbook('smoke', `test ! -e ${state}/broken || { echo "healthz 500" >&2; exit 1; }`));
    writeFileSync(join(books, 'rollback.md'), runbook('rollback', `echo "{{ inputs.to }}" > ${state}/version`, ['to', 'reason']));
    drills = join(dir, 'drills');
    ctx = await openEngine(loc, { cwd: dir });
    const runner = releaseRunner({ runs: ctx.runs, runbooksDir: books, start: (req) => ctx.engine.start(req), pollMs: 20 });
    driver = new ReleaseDriver({
      store: ctx.ledger.store,
      pump: () => pumpOutbox(driver.service.outbox, (d) => ctx.ledger.writer!.append(d)).then(() => undefined),
      ports: {
        ...runner,
        evaluateChecklist: async () => ({ passed: readFileSync(join(state, 'version'), 'utf8').trim() !== '' }),
        verifyLedger: async () => ({ ...verification, at: new Date().toISOString() }),
        observe: async () => [],
        defaults: (s) =>
          s === 'shop'
            ? {
                gates: { runbooks: ['smoke'] },
                runbooks: { deploy: 'deploy', rollback: 'rollback' },
                postRollbackChecklist: 'shop-healthy',
                bake: { durationMs: 60_000, autoRollback: 'off' },
              }
            : undefined,
      },
    });
    driver.start(50);
  });
  after(async () => {
    await driver?.stop();
    await ctx?.close();
    await sqliteFactory.teardown();
  });

  it('needs a release in place to return to, and refuses production unless allowed', async () => {
    await assert.rejects(runDrill(base()), { code: 'DRILL_INVALID', message: /no release of shop in staging to roll back to/ });
    await assert.rejects(runDrill(base({ env: 'production' })), { code: 'DRILL_REFUSED', message: /--allow-production/ });
    await assert.rejects(runDrill(base({ options: { service: 'cart', version: '1.0.0' } })), {
      code: 'DRILL_INVALID',
      message: /service cart is not in the catalog/,
    });
  });

  it('deploys, gates, rolls back to the release in place and times each step; its evidence verifies', async () => {
    const first = await baking('1.0.0');
    // The bake window is 60 s: end it as its timer would, so 1.0.0 is announced.
    await driver.service.apply(first.id, { type: 'bake.elapsed', at: first.bakeEndsAt!, due: first.bakeEndsAt! });
    assert.equal((await driver.service.get(first.id)).state, 'announced');
    const r = await runDrill(base());
    assert.equal(r.passed, true, r.reasons.join('; '));
    assert.equal(r.env, 'staging', 'staging by default');
    assert.deepEqual(
      r.checks.map((c) => [c.name, c.ok]),
      [
        ['deploy', true],
        ['rollback', true],
        ['post-rollback checks', true],
        ['in place', true],
      ],
    );
    assert.deepEqual(Object.keys(r.measured.steps!), ['deploy', 'gates', 'rollback', 'postRollbackChecks']);
    assert.equal(r.measured.rtoSeconds, r.measured.steps!['rollback']);
    assert.equal(readFileSync(join(state, 'version'), 'utf8').trim(), '1.0.0', 'the service is back on the release in place');
    const rel = JSON.parse(readFileSync(join(r.evidence.dir, 'rollback/release.json'), 'utf8')) as { release: { state: string; rollback: { to: string } } };
    assert.deepEqual([rel.release.state, rel.release.rollback.to], ['rolled_back', first.id]);
    assert.equal(verify(r.evidence.dir, trust).code, 0);
    const cited = readdirSync(join(r.evidence.dir, 'ledger')).filter((n) => n.endsWith('.json'));
    assert.ok(cited.length > 5, 'drill.started and the release’s entries are cited');
  });

  it('a drill whose rollback is refused (the ledger does not verify) is a failed drill with that reason, still recorded', async () => {
    verification = { ok: false, at: new Date().toISOString(), detail: 'entry 3: leaf hash mismatch' };
    try {
      const r = await runDrill(base({ options: { service: 'shop', version: '2.1.0' } }));
      assert.equal(r.passed, false);
      assert.match(r.reasons[0]!, /^drill: ROLLBACK_LEDGER_UNVERIFIED: .*leaf hash mismatch/);
      assert.equal((await getDrill(ctx.ledger.reader, r.id)).passed, false);
      assert.equal(verify(r.evidence.dir, trust).code, 0);
    } finally {
      verification = { ok: true, at: new Date().toISOString() };
    }
    // Put the release in place back for the next test: roll the stuck 2.1.0 back by hand.
    const out = await driver.rollback({ service: 'shop', env: 'staging', reason: 'after the drill', actor: 'alice', roles: ['operator'] });
    assert.ok('started' in out);
    await driver.settled(out.started.id);
  });

  it('a drill run inside a release window is in that release’s evidence (drills.json)', async () => {
    // 3.0.0 deploys and bakes for 60 s: its window is open while the drill runs.
    const r = await baking('3.0.0');
    assert.equal(r.state, 'verifying');
    const d = await runDrill({
      kind: 'restore',
      actor: alice,
      ledgerCtx: ctx.ledger,
      evidenceDir: drills,
      settings: { RUNLEDGER_BACKUP_DIR: tempDir('runledger-drill-backups-') },
    });
    assert.equal(d.passed, true, d.reasons.join('; '));
    const out = join(tempDir('runledger-release-evidence-'), 'bundle');
    await writeReleaseEvidence(driver.service, ctx.ledger.store, r.id, {
      dir: out,
      actor: alice,
      ledger: evidenceLedgerOf(ctx.ledger.writer!, ctx.ledger.reader),
    });
    const inWindow = JSON.parse(readFileSync(join(out, 'drills.json'), 'utf8')) as {
      seq: number;
      entry: { type: string; subject: { id: string }; data: { passed?: boolean } };
    }[];
    const mine = inWindow.filter((e) => e.entry.subject.id === d.id);
    assert.deepEqual(
      mine.map((e) => [e.seq, e.entry.type]),
      [
        [d.startedIndex, 'drill.started'],
        [d.evidence.index, 'drill.finished'],
      ],
    );
    assert.equal(mine[1]!.entry.data.passed, true);
    assert.equal(verify(out, trust).code, 0);
  });
});

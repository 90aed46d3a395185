// The PostgreSQL example runbooks run end to end against real databases this test creates on the shared
// server (and drops, with every scratch, restored and set-aside database the runs make): seed 004's
// backup and verified restore (dump, scratch restore, row counts and a checksum against the archive,
// approval, swap), and seed 002's restore that keeps an append-only audit table whole (refusing a
// partial archive and a live table whose history differs from the backup's).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { PG_ADMIN_URL, pgAdmin, sqliteFactory, tempDir } from '@runledger/testkit';
import { formatDiagnostic, lintRunbook } from '@runledger/core';
import { initLedger, openEngine, parseOrThrow, type LedgerLocation, type Who } from '../src/index.js';

const repo = resolve(import.meta.dirname, '../../..');
const RB = (name: string): string => join(repo, 'examples/runbooks', `${name}.md`);
const alice: Who = { actor: { kind: 'user', id: 'alice' }, roles: ['operator'] };
const bob: Who = { actor: { kind: 'user', id: 'bob' }, roles: ['dba'] };
const id = randomBytes(4).toString('hex');
const admin = new URL(PG_ADMIN_URL);
const conn = { pg_host: admin.hostname, pg_port: admin.port || '5432', pg_user: decodeURIComponent(admin.username) };
/** Every database this file may have made: its own names, and those the runs derive from their run ids. */
const made = new Set<string>();
const runIds: string[] = [];

async function createDb(suffix: string, sqlText: string): Promise<string> {
  const name = `rl_rb_${id}_${suffix}`;
  await pgAdmin('postgres', `CREATE DATABASE ${name}`);
  made.add(name);
  if (sqlText) await pgAdmin(name, sqlText);
  return name;
}

async function count(database: string, table: string): Promise<number> {
  return Number((await pgAdmin(database, `SELECT count(*)::int AS n FROM ${table}`))[0]!.n);
}

async function exists(database: string): Promise<boolean> {
  return (await pgAdmin('postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [database])).length === 1;
}

function pgDump(database: string, file: string, ...extra: string[]): void {
  const r = spawnSync('pg_dump', ['--format=custom', `--file=${file}`, ...extra, database], {
    env: { ...process.env, PGHOST: conn.pg_host, PGPORT: conn.pg_port, PGUSER: conn.pg_user },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
}

const AUDIT_SCHEMA = `
CREATE TABLE public.audit_log (id bigint PRIMARY KEY, at timestamptz NOT NULL, actor text NOT NULL, action text NOT NULL, prev_hash text, hash text NOT NULL);
CREATE FUNCTION public.audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.audit_append_only();
CREATE FUNCTION public.audit(p_actor text, p_action text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE last record;
BEGIN
  SELECT id, hash INTO last FROM public.audit_log ORDER BY id DESC LIMIT 1;
  INSERT INTO public.audit_log VALUES (coalesce(last.id, 0) + 1, now(), p_actor, p_action, last.hash,
    md5(coalesce(last.hash, '') || (coalesce(last.id, 0) + 1) || p_actor || p_action));
END $$;`;

describe('PostgreSQL example runbooks (seeds 004 and 002) against real databases', () => {
  let loc: LedgerLocation;

  before(async () => {
    await sqliteFactory.setup();
    const f = await sqliteFactory.create();
    loc = { env: { RUNLEDGER_DATABASE_URL: `sqlite:${f.config.kind === 'sqlite' ? f.config.file : ''}` }, home: f.home };
    await initLedger(loc, { origin: 'pg-runbooks.test/ledger', actor: alice.actor });
  });
  after(async () => {
    for (const r of runIds) {
      const tail = r.replace(/-/g, '_');
      for (const d of (await pgAdmin('postgres', 'SELECT datname FROM pg_database WHERE datname LIKE $1', [`%${tail}`])).map((x) => String(x.datname)))
        made.add(d);
    }
    for (const d of made) await pgAdmin('postgres', `DROP DATABASE IF EXISTS "${d}" WITH (FORCE)`);
    await sqliteFactory.teardown();
  });

  async function run(name: string, inputs: Record<string, string>) {
    const ctx = await openEngine(loc, { cwd: repo });
    try {
      const source = readFileSync(RB(name), 'utf8');
      const out = await ctx.engine.start({ runbook: parseOrThrow(source, RB(name)), source, inputs, secrets: {}, environment: 'local', who: alice });
      runIds.push(out.runId);
      return out;
    } finally {
      await ctx.close();
    }
  }

  async function approve(runId: string) {
    const ctx = await openEngine(loc, { cwd: repo });
    try {
      return await ctx.engine.act(runId, { type: 'approve', comment: 'figures read' }, bob, parseOrThrow);
    } finally {
      await ctx.close();
    }
  }

  async function stdout(runId: string, stepId: string): Promise<string> {
    const ctx = await openEngine(loc, { cwd: repo });
    try {
      return (await ctx.runs.outputs(runId))
        .filter((o) => o.stepId === stepId && o.stream === 'stdout')
        .map((o) => o.data.toString())
        .join('');
    } finally {
      await ctx.close();
    }
  }

  const steps = (out: { model: { steps: readonly { id: string; status: string; detail?: string }[] } }): string =>
    JSON.stringify(out.model.steps.map((s) => [s.id, s.status, s.detail]));

  it('both runbooks lint clean', () => {
    for (const name of ['pg-backup-restore', 'pg-restore-audit-whole'])
      assert.deepEqual(lintRunbook(readFileSync(RB(name), 'utf8'), name).map(formatDiagnostic), [], name);
  });

  it('seed 004: dump, restore into a scratch database, counts and checksum against the archive, approval, swap', async () => {
    const source = await createDb(
      'src',
      `CREATE TABLE public.orders (id int PRIMARY KEY, item text, qty int);
       INSERT INTO public.orders SELECT g, 'item ' || g || E'\\twith a tab', g % 7 FROM generate_series(1, 300) g;
       CREATE TABLE public.notes (id int, body text); INSERT INTO public.notes VALUES (1, E'two\\nlines'), (2, NULL);
       CREATE TABLE public.empty (x int);`,
    );
    const target = await createDb('tgt', 'CREATE TABLE public.orders (id int); INSERT INTO public.orders VALUES (1);');
    const backupDir = join(tempDir('runledger-pg-rb-'), 'backups');
    const inputs = { source_db: source, target_db: target, backup_dir: backupDir, checksum_table: 'public.orders', ...conn };

    const out = await run('pg-backup-restore', inputs);
    assert.equal(out.model.state, 'waiting_approval', steps(out));
    assert.equal(
      (await stdout(out.runId, 'archive-counts')).trim(),
      ['public.empty 0', 'public.notes 2', 'public.orders 300'].join('\n'),
      'rows per table, counted in the archive',
    );
    assert.equal(await count(target, 'public.orders'), 1, 'the target is untouched before the approval');
    const dump = (await stdout(out.runId, 'dump')).trim();
    assert.ok(existsSync(dump) && existsSync(`${dump}.sha256`));

    const done = await approve(out.runId);
    assert.equal(done.model.state, 'succeeded', steps(done));
    assert.equal(await count(target, 'public.orders'), 300);
    assert.equal(await count(target, 'public.notes'), 2);
    const aside = `${target}_replaced_${out.runId.replace(/-/g, '_')}`;
    assert.equal(await count(aside, 'public.orders'), 1, 'the previous target is kept aside');
    assert.ok(!(await exists(`rl_restore_${out.runId.replace(/-/g, '_')}`)), 'the scratch copy became the target');

    // A client connected to the target: the swap is refused after the approval, nothing changes.
    const again = await run('pg-backup-restore', inputs);
    assert.equal(again.model.state, 'waiting_approval', steps(again));
    const client = new pg.Client({ connectionString: `${PG_ADMIN_URL.replace(/\/[^/]*$/, '')}/${target}` });
    await client.connect();
    try {
      const refused = await approve(again.runId);
      assert.equal(refused.model.state, 'rolled_back', steps(refused));
      assert.equal(refused.model.steps.find((s) => s.id === 'target-idle')!.status, 'failed');
      assert.equal(refused.model.rollback.find((s) => s.id === 'undo-swap')!.status, 'succeeded');
      assert.match(await stdout(again.runId, 'undo-swap'), new RegExp(`^not swapped: ${target} is untouched; the scratch copy is rl_restore_`));
    } finally {
      await client.end();
    }
    assert.equal(await count(target, 'public.orders'), 300);
    assert.ok(await exists(`rl_restore_${again.runId.replace(/-/g, '_')}`), 'the verified scratch copy is kept for inspection');
  });

  it('seed 002: the audit table restored whole (before = after, chain linked), promoted after approval; partial archives and rewritten history refused', async () => {
    const live = await createDb('audit', `${AUDIT_SCHEMA} SELECT public.audit('u' || g, 'action ' || g) FROM generate_series(1, 40) g;`);
    const dir = tempDir('runledger-pg-rb-');
    pgDump(live, join(dir, 'whole.dump'));
    pgDump(live, join(dir, 'partial.dump'), '--exclude-table-data=public.audit_log');
    await pgAdmin(live, `SELECT public.audit('late', 'after the backup ' || g) FROM generate_series(1, 3) g`);
    const inputs = { live_db: live, audit_table: 'public.audit_log', ...conn };

    // A partial archive (the audit table's rows left out) is refused before anything is created.
    const partial = await run('pg-restore-audit-whole', { ...inputs, dump_file: join(dir, 'partial.dump') });
    assert.equal(partial.model.state, 'rolled_back', steps(partial));
    assert.match(partial.model.reason ?? '', /whole-archive/);
    assert.equal(partial.model.steps.find((s) => s.id === 'restore')!.status, 'pending');

    const out = await run('pg-restore-audit-whole', { ...inputs, dump_file: join(dir, 'whole.dump') });
    assert.equal(out.model.state, 'waiting_approval', steps(out));
    const before = (await stdout(out.runId, 'before')).trim();
    assert.match(before, /^rows=40 last=[0-9a-f]{32} sha256=[0-9a-f]{64}$/);
    assert.equal((await stdout(out.runId, 'after')).trim(), before);
    assert.equal((await stdout(out.runId, 'live-compare')).trim(), 'lost=3');

    const done = await approve(out.runId);
    assert.equal(done.model.state, 'succeeded', steps(done));
    assert.equal(await count(live, 'public.audit_log'), 40, 'the restore is live');
    assert.equal(await count(`${live}_replaced_${out.runId.replace(/-/g, '_')}`, 'public.audit_log'), 43, 'the previous one, aside');
    await assert.rejects(pgAdmin(live, 'DELETE FROM public.audit_log WHERE id = 1'), /append-only/, 'its trigger came back with it');

    // History rewritten in the live table after the backup: the run stops before any approval.
    pgDump(live, join(dir, 'second.dump'));
    await pgAdmin(
      live,
      `ALTER TABLE public.audit_log DISABLE TRIGGER audit_log_append_only; UPDATE public.audit_log SET action = 'nothing happened' WHERE id = 7`,
    );
    const rewritten = await run('pg-restore-audit-whole', { ...inputs, dump_file: join(dir, 'second.dump') });
    assert.equal(rewritten.model.state, 'rolled_back', steps(rewritten));
    assert.equal(rewritten.model.steps.find((s) => s.id === 'live-compare')!.status, 'failed');
    assert.equal(rewritten.model.steps.find((s) => s.id === 'approve-promote')!.status, 'pending');
    assert.equal(await count(live, 'public.audit_log'), 40);
  });
});

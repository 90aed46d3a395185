// PostgreSQL restore: a backup's pg_dump archive restored with pg_restore into a NEW database, never
// an existing non-empty one, then held to the same checks as a SQLite restore (restore.ts passes them
// in: the data directory, the ledger re-derived in full against the manifest and the trust file, the
// anchors), plus what only PostgreSQL can lose in a restore: the writer role's INSERT-only rights and
// the triggers that keep history append-only. All tables or nothing: one transaction, no table
// selection (a partial restore of an append-only table would break the chain).
import { mkdtemp, readdir, rm, writeFile, copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import type { BackupManifest } from '@runledger/core';
import type { VerifierKey } from '@runledger/ledger';
import {
  APP_SCHEMA,
  LEDGER_SCHEMA,
  LEDGER_TABLES,
  openStore,
  probePostgresLedgerGuards,
  redactDsn,
  resolveConfig,
  type Env,
  type PostgresConfig,
  type StoreConfig,
} from '@runledger/store';
import { RuntimeError } from '../errors.js';
import { TRUST_FILE } from '../ledger/service.js';
import { promotePostgres, type PgPromoted, type PgPromoteRequest } from './pgpromote.js';
import { runPgTool, withPgClient } from './pgtool.js';

export interface PgRestoreTarget {
  /** The new database, on the server and for the roles of RUNLEDGER_DATABASE_URL and RUNLEDGER_LEDGER_DATABASE_URL in `env`. */
  readonly database: string;
  readonly env: Env;
  readonly cwd?: string;
}

/** The checks restore.ts shares with this file (passed in, so neither imports the other's internals). */
export interface SharedRestoreChecks {
  /** The data directory is new or empty; true when it did not exist. */
  checkDataDir(): Promise<boolean>;
  /** The restored ledger re-derived in full, equal to the manifest's checkpoint, verified from the trust file. */
  verify(config: StoreConfig): Promise<void>;
  /** The restored ledger against the anchors held off-host. */
  anchors(config: StoreConfig): Promise<void>;
}

export interface PgRestoreRequest {
  readonly backup: string;
  readonly dataDir: string;
  readonly manifest: BackupManifest;
  readonly manifestSha256: string;
  readonly trusted: readonly VerifierKey[];
  /** What passed, in order; this file appends its own lines. */
  readonly checks: string[];
  readonly target: PgRestoreTarget | undefined;
  readonly promote?: PgPromoteRequest;
  readonly allowRollback?: { readonly reason: string };
  readonly now?: () => Date;
}

export interface PgRestored {
  readonly database: string;
  /** The restored database's DSNs, passwords redacted. */
  readonly url: string;
  readonly ledgerWriterUrl: string;
  readonly promoted?: PgPromoted;
}

// A plain database name: it reaches pg_restore's --dbname, where anything with '=' would be read as a connection string.
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;
const OUR_SCHEMAS = [APP_SCHEMA, LEDGER_SCHEMA];
const SYSTEM_SCHEMA = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

function databaseOf(dsn: string): string {
  const u = new URL(dsn);
  return u.searchParams.get('dbname') ?? decodeURIComponent(u.pathname.replace(/^\//, ''));
}

function withDatabase(dsn: string, name: string): string {
  const u = new URL(dsn);
  u.pathname = `/${encodeURIComponent(name)}`;
  if (u.searchParams.has('dbname')) u.searchParams.set('dbname', name);
  return u.toString();
}

/** The restore target's settings: the live server and roles, another database. */
export function pgTargetConfig(target: PgRestoreTarget, home: string): PostgresConfig & { readonly ledgerWriterUrl: string } {
  if (!NAME_RE.test(target.database))
    throw new RuntimeError(
      'USAGE',
      `--target-database ${JSON.stringify(target.database)}: a database name is a letter or _, then letters, digits, _, $ or - (at most 63)`,
    );
  const live = resolveConfig({ env: target.env, ...(target.cwd ? { cwd: target.cwd } : {}) });
  if (live.kind !== 'postgres' || !live.ledgerWriterUrl)
    throw new RuntimeError(
      'USAGE',
      'a PostgreSQL backup is restored into a PostgreSQL database: set RUNLEDGER_DATABASE_URL and RUNLEDGER_LEDGER_DATABASE_URL to the server and roles to restore with (--target-database replaces the database name in them)',
    );
  if (databaseOf(live.url) === target.database)
    throw new RuntimeError(
      'RESTORE_TARGET_NOT_EMPTY',
      `--target-database ${target.database} is the live database (${live.sources?.url ?? 'RUNLEDGER_DATABASE_URL'}): restore into a new one`,
    );
  const src = live.sources ?? { url: 'RUNLEDGER_DATABASE_URL', ledgerWriterUrl: 'RUNLEDGER_LEDGER_DATABASE_URL' };
  return {
    kind: 'postgres',
    home,
    url: withDatabase(live.url, target.database),
    ledgerWriterUrl: withDatabase(live.ledgerWriterUrl, target.database),
    sources: { url: `${src.url} (database ${target.database})`, ledgerWriterUrl: `${src.ledgerWriterUrl} (database ${target.database})` },
    warnings: [],
  };
}

/**
 * The target is ready and empty: Runledger's two schemas exist (docs/sql/postgres-roles.sql made them)
 * and belong to the main role, and no relation, function or type exists outside PostgreSQL's own schemas.
 */
async function checkTargetDatabase(config: PostgresConfig): Promise<void> {
  const name = databaseOf(config.url);
  await withPgClient(config.url, async (c) => {
    const schemas = await c.query<{ nspname: string; owner: string; me: string }>(
      'SELECT n.nspname, pg_get_userbyid(n.nspowner) AS owner, current_user AS me FROM pg_namespace n WHERE n.nspname = ANY($1)',
      [OUR_SCHEMAS],
    );
    for (const s of OUR_SCHEMAS) {
      const row = schemas.rows.find((r) => r.nspname === s);
      if (!row)
        throw new RuntimeError(
          'RESTORE_TARGET_NOT_READY',
          `database ${name} has no schema ${s}: set it up for Runledger's roles first (createdb, then psql -f docs/sql/postgres-roles.sql), then restore`,
        );
      if (row.owner !== row.me)
        throw new RuntimeError(
          'RESTORE_TARGET_NOT_READY',
          `schema ${s} of database ${name} belongs to ${row.owner}, not to the main role ${row.me} that restores`,
        );
    }
    const found = await objectsIn(c, SYSTEM_SCHEMA);
    if (found.length > 0)
      throw new RuntimeError(
        'RESTORE_TARGET_NOT_EMPTY',
        `database ${name} is not empty (${found.slice(0, 5).join(', ')}${found.length > 5 ? ', …' : ''}): restore into a new database, never over one in use`,
      );
  });
}

/** Relations, functions and types (not a table's own row and array types) in the schemas `where` selects. */
async function objectsIn(c: pg.Client, where: string): Promise<string[]> {
  const r = await c.query<{ what: string }>(
    `SELECT c.oid::regclass::text AS what FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${where}
     UNION ALL SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${where}
     UNION ALL SELECT t.oid::regtype::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ${where} AND t.typrelid = 0 AND t.typelem = 0
     LIMIT 6`,
  );
  return r.rows.map((x) => x.what);
}

const SCHEMA_TOC_RE = /^\d+; \d+ \d+ SCHEMA - (\S+) /;

/**
 * pg_restore of the whole archive in one transaction, as the main role (--no-owner: it owns what it
 * creates, as the migrations made it; the archive's grants name the writer role). The schema entries are
 * left out of the list: the bootstrap made both schemas, and CREATE SCHEMA would fail on them.
 */
async function pgRestoreInto(config: PostgresConfig, dump: string, env: Env): Promise<void> {
  let toc: string;
  try {
    toc = await runPgTool('pg_restore', ['--list', dump], { stdout: true, env });
  } catch (e) {
    throw new RuntimeError('BACKUP_LEDGER_MISMATCH', `the dump cannot be read as a pg_dump archive: ${(e as Error).message}`, { cause: e });
  }
  for (const t of LEDGER_TABLES)
    if (!toc.split('\n').some((l) => l.includes(` TABLE DATA ${LEDGER_SCHEMA} ${t} `)))
      throw new RuntimeError('BACKUP_LEDGER_MISMATCH', `the dump holds no data for ${LEDGER_SCHEMA}.${t}: a restore is all tables or nothing`);
  const list = toc
    .split('\n')
    .map((l) => {
      const m = SCHEMA_TOC_RE.exec(l);
      return m && OUR_SCHEMAS.includes(m[1]!) ? `;${l}` : l;
    })
    .join('\n');
  const tmp = await mkdtemp(join(tmpdir(), 'runledger-pgrestore-'));
  try {
    await writeFile(join(tmp, 'toc.list'), list, { mode: 0o600 });
    await runPgTool(
      'pg_restore',
      ['--no-owner', '--exit-on-error', '--single-transaction', `--use-list=${join(tmp, 'toc.list')}`, `--dbname=${databaseOf(config.url)}`, dump],
      { dsn: config.url, env },
    );
  } catch (e) {
    const msg = (e as Error).message;
    const role = /role "([^"]+)" does not exist/.exec(msg);
    throw new RuntimeError(
      'RESTORE_FAILED',
      `${msg}${role ? `; the archive's grants name role ${role[1]}: restore on a server whose roles have the backup's names (docs/sql/postgres-roles.sql -v writer_role=${role[1]})` : ''}; nothing was restored (one transaction)`,
      { cause: e },
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Drops everything a refused restore put in Runledger's two schemas (the schemas and their grants stay, as set up). */
async function emptyRestored(config: PostgresConfig): Promise<void> {
  await withPgClient(config.url, async (c) => {
    await c.query('BEGIN');
    try {
      const drops = await c.query<{ q: string }>(
        `SELECT format('DROP %s IF EXISTS %s CASCADE', CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, c.oid::regclass) AS q
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
         UNION ALL SELECT format('DROP ROUTINE IF EXISTS %s CASCADE', p.oid::regprocedure) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY($1)
         UNION ALL SELECT format('DROP TYPE IF EXISTS %s CASCADE', t.oid::regtype) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = ANY($1) AND t.typrelid = 0 AND t.typelem = 0`,
        [OUR_SCHEMAS],
      );
      for (const d of drops.rows) await c.query(d.q);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    }
    const left = await objectsIn(c, `n.nspname IN ('${APP_SCHEMA}', '${LEDGER_SCHEMA}')`);
    if (left.length > 0) throw new Error(`left behind: ${left.join(', ')}`);
  });
}

/**
 * A restore target is usable: a plain name, not the live database, reachable, set up for Runledger's
 * roles and empty (the checks a restore makes before it writes). A drill checks its scratch database
 * with this before it restores, so it only ever empties a database that it filled itself.
 */
export async function checkPgRestoreTarget(target: PgRestoreTarget): Promise<void> {
  // Only the URLs of the config are used here: the data directory is the restore's business.
  await checkTargetDatabase(pgTargetConfig(target, ''));
}

/**
 * Empties a restore target again (a restore drill's scratch database after each drill, so the next one
 * can use it): everything in Runledger's two schemas is dropped, the schemas and their grants stay as
 * set up. The live database is refused, as in a restore.
 */
export async function emptyPgRestoreTarget(target: PgRestoreTarget): Promise<void> {
  await emptyRestored(pgTargetConfig(target, ''));
}

/** The restored database refuses edits of history (append-only and tree-continuity triggers in place, enabled and working). */
async function checkGuards(config: PostgresConfig, checks: string[]): Promise<void> {
  const store = await openStore(config, { create: false });
  try {
    const problems = await probePostgresLedgerGuards(store.db);
    if (problems.length > 0)
      throw new RuntimeError('RESTORE_UNGUARDED', `the restored ledger tables do not refuse edits, so history would be editable: ${problems.join('; ')}`);
    checks.push(
      `guards: UPDATE, DELETE and TRUNCATE are refused on each ledger table, and so is a row that does not continue the tree; the writer role ${store.roles.writer ?? ''} may only append (audited)`,
    );
  } finally {
    await store.close();
  }
}

export async function restorePostgres(req: PgRestoreRequest, shared: SharedRestoreChecks): Promise<PgRestored> {
  if (!req.target)
    throw new RuntimeError(
      'USAGE',
      `${req.backup} is a PostgreSQL backup: name the new database to restore into (--target-database NAME, on the server and roles of RUNLEDGER_DATABASE_URL)`,
    );
  const config = pgTargetConfig(req.target, req.dataDir);
  const name = req.target.database;
  const created = await shared.checkDataDir();
  await checkTargetDatabase(config);
  await mkdir(req.dataDir, { recursive: true, mode: 0o700 });
  try {
    await copyFile(join(req.backup, req.manifest.files.find((f) => f.role === 'trust')!.path), join(req.dataDir, TRUST_FILE));
    const dump = req.manifest.files.find((f) => f.role === 'dump');
    if (!dump) throw new RuntimeError('BACKUP_MANIFEST_INVALID', `${req.backup}: a PostgreSQL backup's manifest lists no dump file`);
    await pgRestoreInto(config, join(req.backup, dump.path), req.target.env);
    req.checks.push(`database: the dump restored into ${name} by pg_restore, all tables in one transaction`);
    await shared.verify(config);
    await checkGuards(config, req.checks);
    await shared.anchors(config);
  } catch (e) {
    // A refused restore leaves nothing that could be mistaken for a good one: not in the directory, not in the database.
    if (created) await rm(req.dataDir, { recursive: true, force: true });
    else for (const n of await readdir(req.dataDir)) await rm(join(req.dataDir, n), { recursive: true, force: true });
    try {
      await emptyRestored(config);
    } catch (cleanup) {
      if (e instanceof Error) e.message += `; the target database ${name} could not be emptied (${(cleanup as Error).message}): drop it`;
    }
    throw e;
  }
  const out: PgRestored = { database: name, url: redactDsn(config.url), ledgerWriterUrl: redactDsn(config.ledgerWriterUrl) };
  if (!req.promote) return out;
  const promoted = await promotePostgres(config, {
    manifest: req.manifest,
    manifestSha256: req.manifestSha256,
    trusted: req.trusted,
    request: req.promote,
    now: req.now ?? (() => new Date()),
    ...(req.allowRollback ? { allowRollback: req.allowRollback } : {}),
  });
  return { ...out, promoted };
}

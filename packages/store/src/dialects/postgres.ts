// PostgreSQL backend: two pools. The main role owns the schema, migrates and reads; the ledger-writer
// role (INSERT only on the ledger tables) performs every ledger insert.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { NodeId } from '@runledger/ledger';
import { SETTINGS, redactDsn, roleOfDsn, type PostgresConfig } from '../config.js';
import { StoreError, messageOf } from '../errors.js';
import { migrateToLatest } from '../migrations.js';
import { APP_SCHEMA, LEDGER_SCHEMA, auditWriterRole } from '../postgres-roles.js';
import type { Database, LedgerTable } from '../schema.js';
import { toSafeNumber } from '../util.js';
import type { AppendSession, Backend, DialectCapabilities, StoredNode } from './types.js';

/** Advisory lock key serialising appenders across processes (per database). */
const APPEND_LOCK_KEY = '5238972113460741001';
/** A stuck appender elsewhere makes ours fail after this instead of hanging forever. */
const APPEND_LOCK_TIMEOUT = '30s';
const REFUSE_FN = `${LEDGER_SCHEMA}.refuse_ledger_change`;

export const postgresCapabilities: DialectCapabilities = {
  name: 'postgres',
  bytesType: 'bytea',
  int8Type: 'bigint',
  byteLengthFn: 'octet_length',
  ledgerSchema: LEDGER_SCHEMA,
  compositeKeyTableSuffix: '',
  appendLock: 'pg-advisory-xact-lock',
  appendOnlyPrelude: () => [
    `CREATE FUNCTION ${REFUSE_FN}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger tables are append-only: % on %.% refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING HINT = 'entries, tree nodes and checkpoints are never changed or removed';
END
$$`,
  ],
  appendOnlyTriggers: (t: LedgerTable) => [
    `CREATE TRIGGER ${t}_append_only BEFORE UPDATE OR DELETE ON ${LEDGER_SCHEMA}.${t} FOR EACH ROW EXECUTE FUNCTION ${REFUSE_FN}()`,
    `CREATE TRIGGER ${t}_no_truncate BEFORE TRUNCATE ON ${LEDGER_SCHEMA}.${t} FOR EACH STATEMENT EXECUTE FUNCTION ${REFUSE_FN}()`,
  ],
  qualified: (t) => `${LEDGER_SCHEMA}.${t}`,
};

function pool(url: string, searchPath: string, max: number): pg.Pool {
  const p = new pg.Pool({ connectionString: url, max, options: `-c search_path=${searchPath}` });
  // An idle client dropped by the server emits 'error' on the pool; unhandled, that would kill the
  // process. The next query reports the problem instead.
  p.on('error', () => {});
  return p;
}

function toNode(r: { level: number; idx: unknown; hash: Buffer }): StoredNode {
  return { level: r.level, index: toSafeNumber(r.idx, 'ledger_nodes.idx'), hash: r.hash };
}

const AUTH_CODES = new Set(['28000', '28P01']);

async function currentUser(db: Kysely<Database>): Promise<string> {
  const res = await sql<{ u: string }>`SELECT current_user AS u`.execute(db);
  return res.rows[0]!.u;
}

export async function openPostgresBackend(config: PostgresConfig): Promise<Backend> {
  const mainSource = config.sources?.url ?? SETTINGS.databaseUrl;
  const writerSource = config.sources?.ledgerWriterUrl ?? SETTINGS.ledgerDatabaseUrl;
  const writerUrl = config.ledgerWriterUrl;
  if (!writerUrl) {
    throw new StoreError(
      'CONFIG_INVALID',
      `${SETTINGS.ledgerDatabaseUrl} (or ${SETTINGS.ledgerDatabaseUrl}_FILE) is required with PostgreSQL: the ledger is written by a separate INSERT-only role`,
    );
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pool(config.url, `${APP_SCHEMA},${LEDGER_SCHEMA}`, config.poolSize ?? 10) }) });
  let ledgerDb: Kysely<Database> | undefined;
  try {
    let mainRole: string;
    try {
      mainRole = await currentUser(db);
    } catch (e) {
      throw new StoreError('STORE_UNAVAILABLE', `cannot connect to PostgreSQL with ${mainSource}=${redactDsn(config.url)}: ${messageOf(e)}`, { cause: e });
    }
    const schemas = await sql<{ nspname: string }>`SELECT nspname FROM pg_namespace WHERE nspname IN (${APP_SCHEMA}, ${LEDGER_SCHEMA})`.execute(db);
    for (const s of [APP_SCHEMA, LEDGER_SCHEMA]) {
      if (!schemas.rows.some((r) => r.nspname === s)) {
        throw new StoreError('MIGRATION_FAILED', `schema ${s} does not exist in the database of ${mainSource}; run docs/sql/postgres-roles.sql as an administrator first`);
      }
    }
    await migrateToLatest(db, postgresCapabilities);

    // The writer never needs more than one connection: appends are serialised by the advisory lock.
    ledgerDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pool(writerUrl, LEDGER_SCHEMA, 2) }) });
    let writerRole: string;
    try {
      writerRole = await currentUser(ledgerDb);
    } catch (e) {
      const code = (e as { code?: string }).code;
      const named = roleOfDsn(writerUrl);
      const what = `${writerSource}=${redactDsn(writerUrl)}`;
      if (code !== undefined && AUTH_CODES.has(code)) {
        throw new StoreError('WRITER_ROLE_MISSING', `ledger writer role "${named ?? '(default user)'}" cannot log in (${what}): ${messageOf(e)}`, { cause: e });
      }
      throw new StoreError('STORE_UNAVAILABLE', `cannot connect as the ledger writer (${what}): ${messageOf(e)}`, { cause: e });
    }
    await auditWriterRole(db, writerRole, mainRole, writerSource);

    const writer = ledgerDb;
    let closed = false;
    return {
      caps: postgresCapabilities,
      db,
      readDb: db,
      ledgerDb: writer,
      mainRole,
      writerRole,

      async withAppendTransaction<T>(fn: (s: AppendSession) => Promise<T>): Promise<T> {
        return writer.transaction().execute(async (trx) => {
          // Transaction-scoped: released by COMMIT, ROLLBACK or the connection dying with its process.
          await sql`SELECT pg_advisory_xact_lock(${sql.raw(APPEND_LOCK_KEY)}) FROM (SELECT set_config('lock_timeout', ${APPEND_LOCK_TIMEOUT}, true)) AS t`.execute(trx);
          return fn({ write: trx, read: db });
        });
      },

      async withReadSnapshot<T>(fn: (snap: Kysely<Database>) => Promise<T>): Promise<T> {
        return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute((trx) => fn(trx));
      },

      async fetchNodes(ids: readonly NodeId[], via: Kysely<Database> = db): Promise<StoredNode[]> {
        if (ids.length === 0) return [];
        const levels = ids.map((id) => id.level);
        const idxs = ids.map((id) => id.index);
        const res = await sql<{ level: number; idx: string; hash: Buffer }>`
          SELECT level, idx, hash FROM ledger_nodes
           WHERE (level, idx) IN (SELECT * FROM unnest(${levels}::int[], ${idxs}::int8[]))`.execute(via);
        return res.rows.map(toNode);
      },

      async close(): Promise<void> {
        if (closed) return;
        closed = true;
        await writer.destroy();
        await db.destroy();
      },
    };
  } catch (e) {
    await ledgerDb?.destroy();
    await db.destroy();
    throw e;
  }
}

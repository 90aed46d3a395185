// Schema migrations: a static, in-code provider (no files to ship or find at runtime), built from the
// dialect's capabilities so both databases get the same logical schema.
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { RESERVED_TYPES } from '@runledger/ledger';
import type { DialectCapabilities } from './dialects/types.js';
import { StoreError, messageOf } from './errors.js';
import { LEDGER_TABLES, type Database } from './schema.js';
import { runTablesMigration } from './runs/schema.js';
import { authEpochMigration } from './tokens/epoch.js';
import { searchIndexesMigration } from './search-indexes.js';
import { apiTokensMigration, webSessionsMigration } from './tokens/token-store.js';

/** Entry types the writer must find quickly at startup (keys come from genesis and rotations). */
export const CONTROL_TYPES: readonly string[] = RESERVED_TYPES;

function ledgerTables(caps: DialectCapabilities): Migration {
  return {
    // Migrations see an untyped database: they must not depend on today's table types.
    async up(db: Kysely<unknown>): Promise<void> {
      const schema = caps.ledgerSchema ? db.schema.withSchema(caps.ledgerSchema) : db.schema;
      const len = (col: string) => sql`${sql.raw(caps.byteLengthFn)}(${sql.ref(col)})`;

      await schema
        .createTable('ledger_entries')
        .addColumn('seq', caps.int8Type, (c) => c.primaryKey().notNull().check(sql`${sql.ref('seq')} >= 0`))
        .addColumn('idem', 'text', (c) => c.unique())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('ts', 'text', (c) => c.notNull())
        .addColumn('bytes', caps.bytesType, (c) => c.notNull().check(sql`${len('bytes')} between 2 and 65536`))
        .addColumn('leaf', caps.bytesType, (c) => c.notNull().check(sql`${len('leaf')} = 32`))
        .execute();

      await schema
        .createTable('ledger_nodes')
        .addColumn('level', 'integer', (c) => c.notNull().check(sql`${sql.ref('level')} between 0 and 63`))
        .addColumn('idx', caps.int8Type, (c) => c.notNull().check(sql`${sql.ref('idx')} >= 0`))
        .addColumn('hash', caps.bytesType, (c) => c.notNull().check(sql`${len('hash')} = 32`))
        .addPrimaryKeyConstraint('ledger_nodes_pk', ['level', 'idx'])
        .modifyEnd(sql.raw(caps.compositeKeyTableSuffix))
        .execute();

      await schema
        .createTable('ledger_checkpoints')
        .addColumn('size', caps.int8Type, (c) => c.primaryKey().notNull().check(sql`${sql.ref('size')} >= 1`))
        .addColumn('root', caps.bytesType, (c) => c.notNull().check(sql`${len('root')} = 32`))
        .addColumn('note', 'text', (c) => c.notNull())
        .execute();

      // Partial index: the writer's startup reads genesis and rotation entries without a full scan.
      // The predicate is a literal list so the query can repeat it verbatim (SQLite needs that to use it).
      await sql
        .raw(`CREATE INDEX ledger_entries_control ON ${caps.qualified('ledger_entries')} (seq) WHERE ${controlTypePredicate()}`)
        .execute(db);

      for (const stmt of caps.appendOnlyPrelude()) await sql.raw(stmt).execute(db);
      for (const table of LEDGER_TABLES) {
        for (const stmt of caps.appendOnlyTriggers(table)) await sql.raw(stmt).execute(db);
      }
    },
  };
}

/** `type IN (...)` over the reserved types, identical in the index and in the queries that use it. */
export function controlTypePredicate(): string {
  return `type IN (${CONTROL_TYPES.map((t) => `'${t}'`).join(', ')})`;
}

/** PostgreSQL: the guard the one-statement append calls (dialects/postgres.ts); nothing on SQLite. */
function appendGuard(caps: DialectCapabilities): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const stmt of caps.appendGuard()) await sql.raw(stmt).execute(db);
    },
  };
}

export const MIGRATION_NAMES = ['0001_ledger_tables', '0002_runs', '0003_append_guard', '0004_api_tokens', '0005_web_sessions', '0006_auth_epoch', '0007_search_indexes'] as const;
export const MIGRATION_HEAD: string = MIGRATION_NAMES[MIGRATION_NAMES.length - 1]!;

export function migrationProvider(caps: DialectCapabilities): MigrationProvider {
  const migrations: Record<(typeof MIGRATION_NAMES)[number], Migration> = {
    '0001_ledger_tables': ledgerTables(caps),
    '0002_runs': runTablesMigration(caps),
    '0003_append_guard': appendGuard(caps),
    '0004_api_tokens': apiTokensMigration(caps),
    '0005_web_sessions': webSessionsMigration(caps),
    '0006_auth_epoch': authEpochMigration(caps),
    '0007_search_indexes': searchIndexesMigration(caps),
  };
  return { getMigrations: async () => migrations };
}

/** Migrates to the latest version; throws MIGRATION_FAILED naming the failing migration. */
export async function migrateToLatest(db: Kysely<Database>, caps: DialectCapabilities): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(caps) });
  let outcome: Awaited<ReturnType<Migrator['migrateToLatest']>>;
  try {
    outcome = await migrator.migrateToLatest();
  } catch (e) {
    throw new StoreError('MIGRATION_FAILED', `migrating the ${caps.name} database failed: ${messageOf(e)}`, { cause: e });
  }
  if (outcome.error !== undefined) {
    const failed = outcome.results?.find((r) => r.status === 'Error')?.migrationName;
    throw new StoreError(
      'MIGRATION_FAILED',
      `migration ${failed ?? '(before any migration ran)'} failed on ${caps.name}: ${messageOf(outcome.error)}`,
      { cause: outcome.error },
    );
  }
}

/** Name of the newest applied migration, or undefined on an empty database. */
export async function appliedHead(db: Kysely<Database>, caps: DialectCapabilities): Promise<string | undefined> {
  const migrator = new Migrator({ db, provider: migrationProvider(caps) });
  const all = await migrator.getMigrations();
  let head: string | undefined;
  for (const m of all) if (m.executedAt !== undefined) head = m.name;
  return head;
}

// Schema migrations: a static, in-code provider (no files to ship or find at runtime), built from the
// dialect's capabilities so both databases get the same logical schema. One file per migration; this
// list is their order. A schema change is always a NEW migration appended here, never an edit.
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';
import { StoreError, messageOf } from '../errors.js';
import type { Database } from '../schema.js';
import { ledgerTablesMigration } from './0001-ledger-tables.js';
import { runTablesMigration } from './0002-runs.js';
import { appendGuardMigration } from './0003-append-guard.js';
import { apiTokensMigration } from './0004-api-tokens.js';
import { webSessionsMigration } from './0005-web-sessions.js';
import { functionPrivilegesMigration } from './0006-function-privileges.js';
import { treeContinuityMigration } from './0007-tree-continuity.js';
import { authEpochMigration } from './0008-auth-epoch.js';
import { searchIndexesMigration } from './0009-search-indexes.js';
import { operationsMigration } from './0010-operations.js';
import { healthMigration } from './0011-health.js';
import { releasesMigration } from './0012-releases.js';
import { schedulesMigration } from './0013-schedules.js';

const MIGRATIONS = [
  ['0001_ledger_tables', ledgerTablesMigration],
  ['0002_runs', runTablesMigration],
  ['0003_append_guard', appendGuardMigration],
  ['0004_api_tokens', apiTokensMigration],
  ['0005_web_sessions', webSessionsMigration],
  ['0006_function_privileges', functionPrivilegesMigration],
  ['0007_tree_continuity', treeContinuityMigration],
  ['0008_auth_epoch', authEpochMigration],
  ['0009_search_indexes', searchIndexesMigration],
  ['0010_operations', operationsMigration],
  ['0011_health', healthMigration],
  ['0012_releases', releasesMigration],
  ['0013_schedules', schedulesMigration],
] as const satisfies ReadonlyArray<readonly [string, (caps: DialectCapabilities) => Migration]>;

export const MIGRATION_NAMES: readonly string[] = MIGRATIONS.map(([name]) => name);
export const MIGRATION_HEAD: string = MIGRATION_NAMES[MIGRATION_NAMES.length - 1]!;

export function migrationProvider(caps: DialectCapabilities): MigrationProvider {
  const migrations: Record<string, Migration> = {};
  for (const [name, make] of MIGRATIONS) migrations[name] = make(caps);
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
    throw new StoreError('MIGRATION_FAILED', `migration ${failed ?? '(before any migration ran)'} failed on ${caps.name}: ${messageOf(outcome.error)}`, {
      cause: outcome.error,
    });
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

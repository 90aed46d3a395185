// 0003: PostgreSQL's append guard, which the one-statement append calls (dialects/postgres.ts); nothing on SQLite.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function appendGuardMigration(caps: DialectCapabilities): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const stmt of caps.appendGuard()) await sql.raw(stmt).execute(db);
    },
  };
}

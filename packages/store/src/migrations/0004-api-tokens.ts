// 0004: API tokens (only hashes stored; see tokens/token-store.ts).
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function apiTokensMigration(_caps: DialectCapabilities): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`${sql.ref('role')} in ('viewer', 'operator', 'approver', 'admin')`))
        .addColumn('token_sha256', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('last_used_at', 'text')
        .execute();
    },
  };
}

// 0005: approval groups on tokens, web sessions, the ledger's idem-prefix index and the runs list's index.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

/** The UI's cookie sessions are bound to a token. */
export function webSessionsMigration(caps: DialectCapabilities): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Also: the index that finds a run's ledger entries by their idempotency-key prefix.
      for (const stmt of caps.idemPrefixIndex()) await sql.raw(stmt).execute(db);
      await db.schema
        .alterTable('api_tokens')
        .addColumn('groups_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema
        .createTable('web_sessions')
        .addColumn('id_sha256', 'text', (c) => c.primaryKey())
        .addColumn('token_id', 'text', (c) => c.notNull().references('api_tokens.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('web_sessions_expires').on('web_sessions').column('expires_at').execute();
      // The runs list's order (newest first, id breaking ties) straight from an index: no sort step.
      await db.schema.createIndex('runs_created_id').on('runs').columns(['created_at', 'id']).execute();
    },
  };
}

// Indexes behind the operator's filters: ledger entries by type and by time (newest first, so each
// is paired with seq), runs by runbook and by requester. Additive only: no table changes, and the
// append-only triggers do not fire on CREATE INDEX.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function searchIndexesMigration(caps: DialectCapabilities): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const entries = caps.qualified('ledger_entries');
      await sql.raw(`CREATE INDEX ledger_entries_type_seq ON ${entries} (type, seq)`).execute(db);
      await sql.raw(`CREATE INDEX ledger_entries_ts ON ${entries} (ts)`).execute(db);
      await db.schema.createIndex('runs_runbook').on('runs').columns(['runbook_id', 'created_at']).execute();
      await db.schema.createIndex('runs_requester').on('runs').columns(['requester', 'created_at']).execute();
    },
  };
}

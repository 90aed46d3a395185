// The ledger tables must exist once migrated: a dropped one is tampering (or a lost restore), reported
// as LEDGER_TABLE_MISSING before anything reads or prepares statements on it, not as a driver error.
import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';
import { StoreError } from '../errors.js';
import { LEDGER_TABLES, type Database } from '../schema.js';

/** Run by each dialect right after its migrations. */
export async function requireLedgerTables(db: Kysely<Database>, caps: DialectCapabilities): Promise<void> {
  const present = await db.introspection.getTables();
  for (const t of LEDGER_TABLES) {
    if (!present.some((p) => p.name === t && !p.isView && (caps.ledgerSchema === undefined || p.schema === caps.ledgerSchema))) {
      throw new StoreError(
        'LEDGER_TABLE_MISSING',
        `ledger table ${caps.qualified(t)} is missing, though the migrations that create it have run: it was dropped; restore the database from a backup`,
      );
    }
  }
}

// 0007: the database refuses ledger rows that do not continue the stored tree: an entry after a gap
// or with a wrong leaf, a node whose hash is not that of what it covers, a checkpoint behind the head,
// not matching the stored entries, or with a root or note the stored tree does not give. Rows stored
// before this migration are not re-checked (docs/storage.md, "Repairing").
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function treeContinuityMigration(caps: DialectCapabilities): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const stmt of caps.treeContinuity()) await sql.raw(stmt).execute(db);
    },
  };
}

// 0006: PostgreSQL gives PUBLIC EXECUTE on every new function; the ledger writer may call only the
// append guard (the open-time audit refuses a writer that can execute anything else of ours).
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function functionPrivilegesMigration(caps: DialectCapabilities): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const stmt of caps.privateFunctions()) await sql.raw(stmt).execute(db);
    },
  };
}

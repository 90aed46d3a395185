// PostgreSQL snapshot: pg_dump --format=custom of Runledger's schemas. The DSN goes to pg_dump as PG*
// variables in its environment, never on its command line (where `ps` would show a password).
import { APP_SCHEMA, LEDGER_SCHEMA, type Env } from '@runledger/store';
import { runPgTool } from './pgtool.js';

export { pgEnvOf } from './pgtool.js';

/**
 * Dumps Runledger's schemas of `dsn` into `file`. `snapshot` (pg_export_snapshot) makes the dump see
 * exactly what the caller's open transaction sees. Rejects with pg_dump's stderr (it never holds the password).
 */
export async function pgDump(dsn: string, file: string, opts: { snapshot?: string; env?: Env } = {}): Promise<void> {
  // Owners and grants stay in the archive (the writer role's INSERT-only grants matter); pg_restore can drop them.
  const args = ['--format=custom', `--schema=${APP_SCHEMA}`, `--schema=${LEDGER_SCHEMA}`, `--file=${file}`];
  if (opts.snapshot) args.push(`--snapshot=${opts.snapshot}`);
  await runPgTool('pg_dump', args, { dsn, ...(opts.env ? { env: opts.env } : {}) });
}

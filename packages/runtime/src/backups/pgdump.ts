// PostgreSQL snapshot: pg_dump --format=custom of Runledger's schemas. The DSN goes to pg_dump as PG*
// variables in its environment, never on its command line (where `ps` would show a password).
import { APP_SCHEMA, LEDGER_SCHEMA, type Env } from '@runledger/store';
import { runPgTool } from './pgtool.js';

export { pgEnvOf } from './pgtool.js';

/**
 * No compression by default, like the SQLite backup's page copy: pg_dump's default zlib held a
 * 1M-entry dump to 37–39 MB/s here, uncompressed 196–243 MB/s (BENCHMARKS.md). Compress off the hot
 * path (a destination command) or ask for a level (backup now --pg-compress N).
 */
export const DEFAULT_PG_DUMP_COMPRESS = 0;

/**
 * Dumps Runledger's schemas of `dsn` into `file`. `snapshot` (pg_export_snapshot) makes the dump see
 * exactly what the caller's open transaction sees. Rejects with pg_dump's stderr (it never holds the password).
 */
export async function pgDump(dsn: string, file: string, opts: { snapshot?: string; env?: Env; compress?: number } = {}): Promise<void> {
  const compress = opts.compress ?? DEFAULT_PG_DUMP_COMPRESS;
  if (!Number.isInteger(compress) || compress < 0 || compress > 9) throw new RangeError(`pg_dump compression must be 0–9, not ${compress}`);
  // Owners and grants stay in the archive (the writer role's INSERT-only grants matter); pg_restore can drop them.
  const args = ['--format=custom', `--compress=${compress}`, `--schema=${APP_SCHEMA}`, `--schema=${LEDGER_SCHEMA}`, `--file=${file}`];
  if (opts.snapshot) args.push(`--snapshot=${opts.snapshot}`);
  await runPgTool('pg_dump', args, { dsn, ...(opts.env ? { env: opts.env } : {}) });
}

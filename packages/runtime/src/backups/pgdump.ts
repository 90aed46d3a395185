// PostgreSQL snapshot: pg_dump --format=custom of Runledger's schemas. The DSN goes to pg_dump as PG*
// variables in its environment, never on its command line (where `ps` would show a password).
import { spawn } from 'node:child_process';
import { APP_SCHEMA, LEDGER_SCHEMA, type Env } from '@runledger/store';

/** PG* variables for a postgres:// URL (libpq reads them; see the libpq "Environment Variables" page). */
export function pgEnvOf(dsn: string): Record<string, string> {
  const u = new URL(dsn);
  const out: Record<string, string> = {};
  if (u.hostname) out.PGHOST = decodeURIComponent(u.hostname.replace(/^\[|\]$/g, ''));
  if (u.port) out.PGPORT = u.port;
  if (u.username) out.PGUSER = decodeURIComponent(u.username);
  if (u.password) out.PGPASSWORD = decodeURIComponent(u.password);
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (db) out.PGDATABASE = db;
  const q = u.searchParams;
  for (const [param, name] of [
    ['host', 'PGHOST'],
    ['port', 'PGPORT'],
    ['user', 'PGUSER'],
    ['password', 'PGPASSWORD'],
    ['dbname', 'PGDATABASE'],
    ['sslmode', 'PGSSLMODE'],
    ['sslrootcert', 'PGSSLROOTCERT'],
    ['application_name', 'PGAPPNAME'],
  ] as const) {
    const v = q.get(param);
    if (v) out[name] = v;
  }
  return out;
}

/**
 * Dumps Runledger's schemas of `dsn` into `file`. `snapshot` (pg_export_snapshot) makes the dump see
 * exactly what the caller's open transaction sees. Rejects with pg_dump's stderr (it never holds the password).
 */
export async function pgDump(dsn: string, file: string, opts: { snapshot?: string; env?: Env } = {}): Promise<void> {
  // Owners and grants stay in the archive (the writer role's INSERT-only grants matter); pg_restore can drop them.
  const args = ['--format=custom', `--schema=${APP_SCHEMA}`, `--schema=${LEDGER_SCHEMA}`, `--file=${file}`];
  if (opts.snapshot) args.push(`--snapshot=${opts.snapshot}`);
  // Only what pg_dump needs: PATH and locale from our environment, the connection from the DSN.
  const base = opts.env ?? process.env;
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ']) if (base[k]) env[k] = base[k]!;
  Object.assign(env, pgEnvOf(dsn));
  await new Promise<void>((resolve, reject) => {
    const child = spawn('pg_dump', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`pg_dump exited with ${code}: ${err.trim()}`))));
  });
}

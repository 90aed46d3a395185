// PostgreSQL clients for backups and restores: a client program (pg_dump, pg_restore) run with only
// what it needs in its environment (PATH and locale from ours, the connection as PG* variables from the
// DSN, never on its command line, where `ps` would show a password), and one short-lived connection.
import { spawn } from 'node:child_process';
import pg from 'pg';
import { redactDsn, type Env } from '@runledger/store';
import { RuntimeError } from '../errors.js';

export interface PgToolOptions {
  /** The connection, if the program needs one. */
  readonly dsn?: string;
  /** Where PATH and the locale come from (default: process.env). */
  readonly env?: Env;
  /** Keep stdout (default: ignored). */
  readonly stdout?: boolean;
}

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

export function pgToolEnv(dsn: string | undefined, base: Env = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ']) if (base[k]) env[k] = base[k]!;
  if (dsn) Object.assign(env, pgEnvOf(dsn));
  return env;
}

/** Resolves with stdout (when kept); rejects with the exit code and the end of stderr (which never holds the password). */
export async function runPgTool(cmd: string, args: readonly string[], opts: PgToolOptions = {}): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(cmd, args, { env: pgToolEnv(opts.dsn, opts.env), stdio: ['ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}: ${err.trim()}`))));
  });
}

/** One connection; a failure to connect becomes `unreachable(message)` (default RESTORE_TARGET_NOT_READY), naming the DSN without its password. */
export async function withPgClient<T>(
  url: string,
  fn: (c: pg.Client) => Promise<T>,
  unreachable: (message: string, cause: unknown) => Error = (m, cause) => new RuntimeError('RESTORE_TARGET_NOT_READY', m, { cause }),
): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  c.on('error', () => {});
  try {
    await c.connect();
  } catch (e) {
    await c.end().catch(() => {});
    throw unreachable(`cannot connect to ${redactDsn(url)}: ${(e as Error).message}`, e);
  }
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

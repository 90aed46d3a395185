// Settings come from an env object (process.env by default) so tests and the CLI resolve them the same way.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { StoreError, messageOf } from './errors.js';

export const SETTINGS = {
  home: 'RUNLEDGER_HOME',
  databaseUrl: 'RUNLEDGER_DATABASE_URL',
  ledgerDatabaseUrl: 'RUNLEDGER_LEDGER_DATABASE_URL',
} as const;

/** Settings that may hold secrets (DSN passwords): each also accepts `<NAME>_FILE`. */
export const SECRET_SETTINGS: readonly string[] = [SETTINGS.databaseUrl, SETTINGS.ledgerDatabaseUrl];

export const DEFAULT_HOME = './.runledger';
export const SQLITE_FILE_NAME = 'runledger.db';
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export interface SqliteConfig {
  readonly kind: 'sqlite';
  /** Absolute data directory. */
  readonly home: string;
  /** Absolute path of the database file. */
  readonly file: string;
  readonly busyTimeoutMs: number;
  /** Settings that were set but do not apply (e.g. a writer DSN next to SQLite). */
  readonly warnings: readonly string[];
}

export interface PostgresConfig {
  readonly kind: 'postgres';
  readonly home: string;
  /** Main role DSN: owns the schema, runs migrations and all reads. */
  readonly url: string;
  /** Ledger-writer DSN: a role with INSERT only on the ledger tables. Required; optional in the type so openStore can name it when absent. */
  readonly ledgerWriterUrl?: string | undefined;
  /** Where each DSN came from, for error messages (e.g. RUNLEDGER_DATABASE_URL_FILE). */
  readonly sources?: { readonly url: string; readonly ledgerWriterUrl: string } | undefined;
  readonly poolSize?: number | undefined;
  readonly warnings: readonly string[];
}

export type StoreConfig = SqliteConfig | PostgresConfig;

export type Env = Readonly<Record<string, string | undefined>>;

export interface ResolveConfigOptions {
  env?: Env;
  /** Overrides RUNLEDGER_HOME (e.g. a --home flag). */
  home?: string;
  /** Base for relative paths; default process.cwd(). */
  cwd?: string;
}

/** Replaces the password of a DSN (userinfo or ?password=) with ***; unparsable input is not echoed at all. */
export function redactDsn(dsn: string): string {
  try {
    const u = new URL(dsn);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    return '<unparsable DSN>';
  }
}

/** The role name written in a DSN, if any (pg falls back to PGUSER or the OS user otherwise). */
export function roleOfDsn(dsn: string): string | undefined {
  try {
    const u = new URL(dsn);
    const name = u.username ? decodeURIComponent(u.username) : u.searchParams.get('user');
    return name || undefined;
  } catch {
    return undefined;
  }
}

interface Setting {
  readonly value: string;
  /** The variable it came from: NAME or NAME_FILE. */
  readonly source: string;
}

function readSetting(env: Env, name: string, cwd: string): Setting | undefined {
  const direct = env[name];
  const fileVar = `${name}_FILE`;
  const filePath = SECRET_SETTINGS.includes(name) ? env[fileVar] : undefined;
  const hasDirect = direct !== undefined && direct !== '';
  const hasFile = filePath !== undefined && filePath !== '';
  if (hasDirect && hasFile) {
    throw new StoreError('CONFIG_INVALID', `${name} and ${fileVar} are both set; set only one of them`);
  }
  if (hasDirect) return { value: direct, source: name };
  if (!hasFile) return undefined;
  const path = resolve(cwd, filePath);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? messageOf(e);
    throw new StoreError('CONFIG_INVALID', `${fileVar}: cannot read ${path} (${code})`, { cause: e });
  }
  const value = text.replace(/(\r?\n)+$/, '');
  if (value === '') throw new StoreError('CONFIG_INVALID', `${fileVar}: ${path} is empty`);
  return { value, source: fileVar };
}

function schemeOf(dsn: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(dsn);
  return m ? m[1]!.toLowerCase() : '';
}

function checkPostgresUrl(s: Setting): void {
  try {
    new URL(s.value);
  } catch {
    // The value may hold a password: name the setting, not the value.
    throw new StoreError('CONFIG_INVALID', `${s.source} is not a valid postgres:// URL`);
  }
}

/** Resolves the store settings. Throws StoreError CONFIG_INVALID naming the setting at fault. */
export function resolveConfig(options: ResolveConfigOptions = {}): StoreConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const homeSetting = options.home ?? (env[SETTINGS.home] || undefined) ?? DEFAULT_HOME;
  const home = resolve(cwd, homeSetting);
  const db = readSetting(env, SETTINGS.databaseUrl, cwd);
  const writer = readSetting(env, SETTINGS.ledgerDatabaseUrl, cwd);

  if (!db) {
    return sqliteConfig(home, resolve(home, SQLITE_FILE_NAME), writer);
  }
  const scheme = schemeOf(db.value);
  if (scheme === 'sqlite') {
    let path = db.value.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2); // sqlite:///abs/path
    if (path === '' || path === ':memory:') {
      throw new StoreError('CONFIG_INVALID', `${db.source}: give a file path (sqlite:/path/to/runledger.db); in-memory databases are not durable`);
    }
    return sqliteConfig(home, isAbsolute(path) ? path : resolve(cwd, path), writer);
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    checkPostgresUrl(db);
    if (!writer) {
      throw new StoreError(
        'CONFIG_INVALID',
        `${SETTINGS.ledgerDatabaseUrl} (or ${SETTINGS.ledgerDatabaseUrl}_FILE) is required with PostgreSQL: the ledger is written by a separate INSERT-only role (see docs/sql/postgres-roles.sql)`,
      );
    }
    const ws = schemeOf(writer.value);
    if (ws !== 'postgres' && ws !== 'postgresql') {
      throw new StoreError('CONFIG_INVALID', `${writer.source} must be a postgres:// URL like ${db.source}`);
    }
    checkPostgresUrl(writer);
    return {
      kind: 'postgres',
      home,
      url: db.value,
      ledgerWriterUrl: writer.value,
      sources: { url: db.source, ledgerWriterUrl: writer.source },
      warnings: [],
    };
  }
  throw new StoreError('CONFIG_INVALID', `${db.source} must start with sqlite:, postgres:// or postgresql://${scheme ? ` (got ${scheme}:)` : ''}`);
}

function sqliteConfig(home: string, file: string, writer: Setting | undefined): SqliteConfig {
  return {
    kind: 'sqlite',
    home,
    file,
    busyTimeoutMs: DEFAULT_BUSY_TIMEOUT_MS,
    warnings: writer ? [`${writer.source} is ignored with SQLite (there are no database roles)`] : [],
  };
}

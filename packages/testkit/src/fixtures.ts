// Database fixtures for the shared store suite: a fresh SQLite file or a fresh PostgreSQL database
// (with freshly bootstrapped, uniquely named roles) per test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { LEDGER_SCHEMA, LEDGER_TABLES, bootstrapPostgresRoles, type StoreConfig } from '@runledger/store';

export interface Fixture {
  readonly dialect: 'sqlite' | 'postgres';
  readonly config: StoreConfig;
  readonly home: string;
  /** A ledger table's name as the admin connection must write it. */
  table(name: string): string;
  /** Runs SQL with full powers (PostgreSQL: superuser; SQLite: a separate raw connection). */
  admin(sqlText: string): Promise<Array<Record<string, unknown>>>;
  /** Runs SQL with the append-only and tree-continuity triggers out of the way, as an attacker with admin rights could. */
  tamper(sqlText: string): Promise<void>;
  /** Number of rows in a ledger table. */
  count(table: string): Promise<number>;
}

export interface FixtureFactory {
  readonly name: 'sqlite' | 'postgres';
  setup(): Promise<void>;
  create(): Promise<Fixture>;
  teardown(): Promise<void>;
}

const tempDirs: string[] = [];
export function tempDir(prefix = 'runledger-store-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}
export function removeTempDirs(): void {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export const sqliteFactory: FixtureFactory = {
  name: 'sqlite',
  async setup() {},
  async create() {
    const home = tempDir();
    const file = join(home, 'runledger.db');
    const config: StoreConfig = { kind: 'sqlite', home, file, busyTimeoutMs: 5000, warnings: [] };
    const withRaw = <T>(fn: (db: BetterSqlite3.Database) => T): T => {
      const db = new BetterSqlite3(file, { timeout: 5000 });
      try {
        return fn(db);
      } finally {
        db.close();
      }
    };
    return {
      dialect: 'sqlite',
      config,
      home,
      table: (n) => n,
      admin: async (s) =>
        withRaw((db) => {
          const st = db.prepare(s);
          return st.reader ? (st.all() as Array<Record<string, unknown>>) : (st.run(), []);
        }),
      tamper: async (s) =>
        withRaw((db) => {
          for (const t of LEDGER_TABLES)
            db.exec(`DROP TRIGGER IF EXISTS ${t}_no_update; DROP TRIGGER IF EXISTS ${t}_no_delete; DROP TRIGGER IF EXISTS ${t}_continue;`);
          db.exec(s);
        }),
      count: async (t) => withRaw((db) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n),
    };
  },
  async teardown() {
    removeTempDirs();
  },
};

export const PG_ADMIN_URL = process.env.RUNLEDGER_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function dbUrl(base: string, user: string, database: string): string {
  const u = new URL(base);
  u.username = user;
  u.password = '';
  u.pathname = `/${database}`;
  return u.toString();
}

/** Superuser query in `database`. */
export async function pgAdmin(database: string, sqlText: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const c = new pg.Client({ connectionString: dbUrl(PG_ADMIN_URL, new URL(PG_ADMIN_URL).username, database) });
  await c.connect();
  try {
    return (await c.query(sqlText, params)).rows as Array<Record<string, unknown>>;
  } finally {
    await c.end();
  }
}

export interface PgRun {
  readonly id: string;
  readonly appRole: string;
  readonly writerRole: string;
  readonly databases: string[];
}

export function pgFactory(): FixtureFactory & { run(): PgRun; createDatabase(): Promise<string>; urls(database: string): { main: string; writer: string } } {
  const id = randomBytes(4).toString('hex');
  const run: PgRun = { id, appRole: `rl_app_${id}`, writerRole: `rl_writer_${id}`, databases: [] };
  let counter = 0;
  const createDatabase = async (): Promise<string> => {
    const database = `rl_test_${id}_${++counter}`;
    await pgAdmin('postgres', `CREATE DATABASE ${database}`);
    run.databases.push(database);
    await bootstrapPostgresRoles(PG_ADMIN_URL, { appRole: run.appRole, writerRole: run.writerRole, database });
    return database;
  };
  const urls = (database: string) => ({ main: dbUrl(PG_ADMIN_URL, run.appRole, database), writer: dbUrl(PG_ADMIN_URL, run.writerRole, database) });
  return {
    name: 'postgres',
    run: () => run,
    createDatabase,
    urls,
    async setup() {
      try {
        await pgAdmin('postgres', 'SELECT 1');
      } catch (e) {
        throw new Error(
          `PostgreSQL is required for these tests and is not reachable at ${PG_ADMIN_URL} (${(e as Error).message}). ` +
            'Start it (pg_ctlcluster <version> main start) or set RUNLEDGER_TEST_PG_ADMIN_URL; the tests do not skip.',
        );
      }
    },
    async create() {
      const database = await createDatabase();
      const home = tempDir();
      const { main, writer } = urls(database);
      const config: StoreConfig = { kind: 'postgres', home, url: main, ledgerWriterUrl: writer, warnings: [] };
      return {
        dialect: 'postgres',
        config,
        home,
        table: (n) => `${LEDGER_SCHEMA}.${n}`,
        admin: (s) => pgAdmin(database, s),
        // session_replication_role = replica skips ordinary triggers: a superuser can always do this,
        // which is why signatures and external anchors, not triggers, are the control.
        tamper: async (s) => void (await pgAdmin(database, `SET session_replication_role = replica; ${s}`)),
        count: async (t) => Number((await pgAdmin(database, `SELECT count(*)::int AS n FROM ${LEDGER_SCHEMA}.${t}`))[0]!.n),
      };
    },
    async teardown() {
      for (const d of run.databases.splice(0)) await pgAdmin('postgres', `DROP DATABASE IF EXISTS ${d} WITH (FORCE)`);
      for (const r of [run.appRole, run.writerRole]) await pgAdmin('postgres', `DROP ROLE IF EXISTS ${r}`);
      removeTempDirs();
    },
  };
}

/** Where a fixture's ledger is, as the runtime opens it: its database settings and data directory. */
export function locationOf(f: Fixture): { env: Record<string, string | undefined>; home: string } {
  const env =
    f.config.kind === 'postgres'
      ? { RUNLEDGER_DATABASE_URL: f.config.url, RUNLEDGER_LEDGER_DATABASE_URL: f.config.ledgerWriterUrl }
      : { RUNLEDGER_DATABASE_URL: `sqlite:${f.config.file}` };
  return { env, home: f.home };
}

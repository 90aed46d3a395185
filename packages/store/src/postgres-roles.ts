// PostgreSQL role setup (the open-time audit of the ledger-writer role is dialects/postgres-audit.ts).
// The bootstrap statements below are also shipped as docs/sql/postgres-roles.sql (a test keeps the two
// identical), in psql syntax: :"var" is an identifier, :'var' a literal, \gexec runs each result cell.
import pg from 'pg';
import { redactDsn } from './config.js';
import { StoreError, messageOf } from './errors.js';

/** Main schema: everything the application owns, including Kysely's migration tables. */
export const APP_SCHEMA = 'runledger';
/** Holds exactly the ledger tables, so default privileges can grant the writer INSERT on them and nothing else. */
export const LEDGER_SCHEMA = 'runledger_ledger';
export const DEFAULT_APP_ROLE = 'runledger_app';
export const DEFAULT_WRITER_ROLE = 'runledger_ledger_writer';

/** Bootstrap statements, run by an administrator in the target database (psql variables: app_role, writer_role, database). */
export const POSTGRES_ROLES_STATEMENTS: readonly string[] = [
  `SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', :'app_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role')
\\gexec`,
  `SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT', :'writer_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'writer_role')
\\gexec`,
  `GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"app_role";`,
  `GRANT CONNECT ON DATABASE :"database" TO :"writer_role";`,
  // PUBLIC gets TEMPORARY on every new database; the writer needs no temporary tables.
  `REVOKE TEMPORARY ON DATABASE :"database" FROM PUBLIC;`,
  // PostgreSQL before 15 lets PUBLIC create in schema public.
  `SELECT 'REVOKE CREATE ON SCHEMA public FROM PUBLIC' WHERE EXISTS (SELECT FROM pg_namespace WHERE nspname = 'public')
\\gexec`,
  `CREATE SCHEMA IF NOT EXISTS ${APP_SCHEMA} AUTHORIZATION :"app_role";`,
  `CREATE SCHEMA IF NOT EXISTS ${LEDGER_SCHEMA} AUTHORIZATION :"app_role";`,
  `GRANT USAGE ON SCHEMA ${LEDGER_SCHEMA} TO :"writer_role";`,
  `ALTER DEFAULT PRIVILEGES FOR ROLE :"app_role" IN SCHEMA ${LEDGER_SCHEMA} GRANT INSERT ON TABLES TO :"writer_role";`,
  `GRANT INSERT ON ALL TABLES IN SCHEMA ${LEDGER_SCHEMA} TO :"writer_role";`,
  `ALTER ROLE :"app_role" IN DATABASE :"database" SET search_path = ${APP_SCHEMA}, ${LEDGER_SCHEMA};`,
  `ALTER ROLE :"writer_role" IN DATABASE :"database" SET search_path = ${LEDGER_SCHEMA};`,
];

export interface BootstrapOptions {
  readonly appRole?: string;
  readonly writerRole?: string;
  /** Database to set up; default: the one in adminUrl. */
  readonly database?: string;
  readonly appPassword?: string;
  readonly writerPassword?: string;
}

const ROLE_RE = /^[a-z_][a-z0-9_$]{0,62}$/;

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}
function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Substitutes psql variables the way psql does (:"v" as an identifier, :'v' as a literal). */
export function renderPsqlVariables(statement: string, vars: Readonly<Record<string, string>>): string {
  const get = (name: string): string => {
    const v = vars[name];
    if (v === undefined) throw new StoreError('CONFIG_INVALID', `psql variable ${name} is not set`);
    return v;
  };
  return statement.replace(/:"([a-z_]+)"/g, (_, n: string) => quoteIdent(get(n))).replace(/:'([a-z_]+)'/g, (_, n: string) => quoteLiteral(get(n)));
}

/**
 * Creates (if missing) the main and ledger-writer roles and sets up `database` for them, running the
 * same statements as docs/sql/postgres-roles.sql. adminUrl: a role allowed to create roles (e.g. postgres).
 */
export async function bootstrapPostgresRoles(
  adminUrl: string,
  options: BootstrapOptions = {},
): Promise<{ appRole: string; writerRole: string; database: string }> {
  const appRole = options.appRole ?? DEFAULT_APP_ROLE;
  const writerRole = options.writerRole ?? DEFAULT_WRITER_ROLE;
  for (const [what, name] of [
    ['appRole', appRole],
    ['writerRole', writerRole],
  ] as const) {
    if (!ROLE_RE.test(name)) throw new StoreError('CONFIG_INVALID', `${what} ${JSON.stringify(name)}: use lower-case letters, digits and _`);
  }
  if (appRole === writerRole)
    throw new StoreError('WRITER_ROLE_SAME_AS_MAIN', `appRole and writerRole are both ${appRole}; the ledger writer must be a separate role`);
  let url: URL;
  try {
    url = new URL(adminUrl);
  } catch {
    throw new StoreError('CONFIG_INVALID', 'bootstrapPostgresRoles: adminUrl is not a valid postgres:// URL');
  }
  const database = options.database ?? decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new StoreError('CONFIG_INVALID', 'bootstrapPostgresRoles: no database given and none in adminUrl');
  url.pathname = `/${encodeURIComponent(database)}`;
  const client = new pg.Client({ connectionString: url.toString() });
  try {
    await client.connect();
  } catch (e) {
    throw new StoreError('STORE_UNAVAILABLE', `cannot connect to ${redactDsn(url.toString())} to bootstrap roles: ${messageOf(e)}`, { cause: e });
  }
  try {
    const vars = { app_role: appRole, writer_role: writerRole, database };
    await client.query('BEGIN');
    for (const stmt of POSTGRES_ROLES_STATEMENTS) {
      const text = renderPsqlVariables(stmt, vars);
      if (text.endsWith('\\gexec')) {
        const res = await client.query<Record<string, string>>(text.slice(0, -'\\gexec'.length));
        for (const row of res.rows) for (const cell of Object.values(row)) await client.query(cell);
      } else {
        await client.query(text);
      }
    }
    for (const [role, password] of [
      [appRole, options.appPassword],
      [writerRole, options.writerPassword],
    ] as const) {
      if (password === undefined) continue;
      const res = await client.query<{ q: string }>(`SELECT format('ALTER ROLE %I PASSWORD %L', $1::text, $2::text) AS q`, [role, password]);
      await client.query(res.rows[0]!.q);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw new StoreError('MIGRATION_FAILED', `bootstrapping roles ${appRole}/${writerRole} in database ${database} failed: ${messageOf(e)}`, { cause: e });
  } finally {
    await client.end();
  }
  return { appRole, writerRole, database };
}

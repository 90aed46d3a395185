// PostgreSQL-only: the ledger-writer role's privileges, the open-time audit, and the bootstrap SQL file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateSigner } from '@runledger/ledger';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import {
  APP_SCHEMA,
  LEDGER_SCHEMA,
  LedgerWriter,
  auditWriterRole,
  POSTGRES_ROLES_STATEMENTS,
  bootstrapPostgresRoles,
  openStore,
  renderPsqlVariables,
  type Database,
  type PostgresConfig,
  type Store,
} from '../src/index.js';
import { PG_ADMIN_URL, pgAdmin, pgFactory } from '@runledger/testkit';
import { ORIGIN, rejectsWith } from './helpers/suite.js';

const f = pgFactory();
const stores: Store[] = [];

async function fresh(): Promise<{ config: PostgresConfig; database: string }> {
  const database = await f.createDatabase();
  const { main, writer } = f.urls(database);
  return { config: { kind: 'postgres', home: '/nonexistent', url: main, ledgerWriterUrl: writer, warnings: [] }, database };
}

async function opened(config: PostgresConfig): Promise<Store> {
  const s = await openStore(config);
  stores.push(s);
  return s;
}

describe('PostgreSQL roles', () => {
  before(() => f.setup());
  after(async () => {
    for (const s of stores) await s.close();
    await f.teardown();
  });

  it('the writer role can INSERT only: UPDATE, DELETE, TRUNCATE, SELECT, RETURNING and ON CONFLICT are refused', async () => {
    const { config } = await fresh();
    const store = await opened(config);
    const key = generateSigner(ORIGIN);
    const writer = await LedgerWriter.open({ store, origin: ORIGIN, signers: [key] });
    await writer.init({ actor: { kind: 'system', id: 'setup' } });
    assert.equal(store.roles.writer, f.run().writerRole);
    const client = new pg.Client({ connectionString: config.ledgerWriterUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ u: string }>('SELECT current_user AS u');
      assert.equal(rows[0]!.u, f.run().writerRole);
      const refused = [
        'UPDATE ledger_entries SET ts = ts',
        'DELETE FROM ledger_entries',
        'TRUNCATE ledger_entries',
        'UPDATE ledger_nodes SET hash = hash',
        'DELETE FROM ledger_nodes',
        'TRUNCATE ledger_nodes',
        'UPDATE ledger_checkpoints SET note = note',
        'DELETE FROM ledger_checkpoints',
        'TRUNCATE ledger_checkpoints',
        'SELECT * FROM ledger_entries',
        'SELECT count(*) FROM ledger_nodes',
        // The spec's pitfall: both need SELECT, so the writer uses plain INSERTs.
        `INSERT INTO ledger_checkpoints (size, root, note) VALUES (999, decode(repeat('00', 32), 'hex'), 'x') RETURNING size`,
        `INSERT INTO ledger_checkpoints (size, root, note) VALUES (1, decode(repeat('00', 32), 'hex'), 'x') ON CONFLICT (size) DO UPDATE SET note = 'y'`,
        `ALTER TABLE ledger_entries DISABLE TRIGGER USER`,
        `DROP TRIGGER ledger_entries_append_only ON ledger_entries`,
        `CREATE TABLE ${LEDGER_SCHEMA}.sneaky (x int)`,
      ];
      for (const q of refused) {
        await assert.rejects(client.query(q), (e: { code?: string; message: string }) => {
          assert.ok(e.code === '42501', `${q}: expected permission denied (42501), got ${e.code} ${e.message}`);
          return true;
        });
      }
      // A plain INSERT is allowed (here it violates a CHECK, which proves it got past the privilege check).
      await assert.rejects(client.query(`INSERT INTO ledger_checkpoints (size, root, note) VALUES (0, decode('00', 'hex'), 'x')`), /check constraint/);
    } finally {
      await client.end();
    }
  });

  it('refuses to open without a writer DSN', async () => {
    const { config } = await fresh();
    await rejectsWith(openStore({ ...config, ledgerWriterUrl: undefined }), 'CONFIG_INVALID', /RUNLEDGER_LEDGER_DATABASE_URL/);
  });

  it('refuses a writer DSN for the main role', async () => {
    const { config } = await fresh();
    await rejectsWith(openStore({ ...config, ledgerWriterUrl: config.url }), 'WRITER_ROLE_SAME_AS_MAIN', new RegExp(`"${f.run().appRole}"`));
  });

  it('refuses a missing writer role and the postgres superuser', async () => {
    const { config } = await fresh();
    const ghost = `rl_ghost_${randomBytes(3).toString('hex')}`;
    const url = (user: string) => {
      const u = new URL(config.url);
      u.username = user;
      return u.toString();
    };
    await rejectsWith(openStore({ ...config, ledgerWriterUrl: url(ghost) }), 'WRITER_ROLE_MISSING', new RegExp(ghost));
    await rejectsWith(openStore({ ...config, ledgerWriterUrl: url('postgres') }), 'WRITER_ROLE_TOO_POWERFUL', /role attribute SUPERUSER/);
  });

  describe('a writer role with anything beyond appending is refused, naming it', () => {
    type Ctx = { readonly w: string; readonly app: string; readonly db: string; readonly mid: string };
    const L = LEDGER_SCHEMA;
    const A = APP_SCHEMA;
    let db = '';
    let n = 0;
    let auditDb: Kysely<Database>;
    before(async () => {
      db = await f.createDatabase();
      const { main, writer } = f.urls(db);
      await (await openStore({ kind: 'postgres', home: '/nonexistent', url: main, ledgerWriterUrl: writer, warnings: [] })).close(); // migrate
      auditDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: main, max: 1 }) }) });
    });
    after(() => auditDb.destroy());

    /**
     * A brand-new writer role set up by the bootstrap, shown to pass the audit before the case adds
     * anything (so a leftover from another case cannot make a case pass). One database for all cases:
     * dropping one per case would cost a checkpoint each.
     */
    async function freshWriter(): Promise<{ config: PostgresConfig; c: Ctx }> {
      const id = `${f.run().id}_${++n}`;
      const c = { w: `rl_w_${id}`, mid: `rl_mid_${id}`, app: f.run().appRole, db };
      await bootstrapPostgresRoles(PG_ADMIN_URL, { appRole: c.app, writerRole: c.w, database: db });
      await pgAdmin(db, `CREATE ROLE ${c.mid} NOLOGIN`);
      const { main } = f.urls(db);
      const writer = new URL(main);
      writer.username = c.w;
      const config: PostgresConfig = { kind: 'postgres', home: '/nonexistent', url: main, ledgerWriterUrl: writer.toString(), warnings: [] };
      // The baseline through the audit alone (openStore, below, is the start-up under test).
      await auditWriterRole(auditDb, c.w, c.app, 'baseline');
      return { config, c };
    }

    /** Undoes a case: its own statements first, then everything the roles own or were granted. */
    async function dropWriter(c: Ctx, undo: readonly string[]): Promise<void> {
      for (const q of undo) await pgAdmin(db, q);
      await pgAdmin(db, `DROP OWNED BY ${c.w}, ${c.mid}`);
      await pgAdmin(db, `DROP ROLE ${c.w}`);
      await pgAdmin(db, `DROP ROLE ${c.mid}`);
    }

    type Case = readonly [what: string, grant: (c: Ctx) => string[], expected: RegExp, undo?: (c: Ctx) => string[]];
    const tables = ['ledger_entries', 'ledger_nodes', 'ledger_checkpoints'];
    const cases: Case[] = [
      // Role attributes.
      ...['SUPERUSER', 'CREATEDB', 'CREATEROLE', 'REPLICATION', 'BYPASSRLS', 'INHERIT'].map((a): Case => [
        `attribute ${a}`,
        (c) => [`ALTER ROLE ${c.w} ${a}`],
        new RegExp(`role attribute ${a} `),
      ]),
      // Memberships: the main role, every predefined role, and indirect ones.
      ['member of the main role', (c) => [`GRANT ${c.app} TO ${c.w}`], /member of the main role/],
      ['indirect member of the main role', (c) => [`GRANT ${c.app} TO ${c.mid}`, `GRANT ${c.mid} TO ${c.w}`], /member of the main role/],
      ...[
        'pg_read_all_data',
        'pg_write_all_data',
        'pg_signal_backend',
        'pg_execute_server_program',
        'pg_read_server_files',
        'pg_write_server_files',
        'pg_monitor',
        'pg_read_all_settings',
        'pg_read_all_stats',
        'pg_stat_scan_tables',
        'pg_checkpoint',
      ].flatMap((r): Case[] => [
        [`member of ${r}`, (c) => [`GRANT ${r} TO ${c.w}`], new RegExp(`member of role "${r}"`)],
        [`indirect member of ${r}`, (c) => [`GRANT ${r} TO ${c.mid}`, `GRANT ${c.mid} TO ${c.w}`], new RegExp(`member of role "${r}"`)],
      ]),
      // Ownership.
      [
        'owns the database',
        (c) => [`ALTER DATABASE ${c.db} OWNER TO ${c.w}`],
        /owns database rl_test_/,
        (c) => [`ALTER DATABASE ${c.db} OWNER TO CURRENT_USER`],
      ],
      [
        'owns a ledger table',
        (c) => [`ALTER TABLE ${L}.ledger_nodes OWNER TO ${c.w}`],
        /owns table runledger_ledger\.ledger_nodes/,
        (c) => [`ALTER TABLE ${L}.ledger_nodes OWNER TO ${c.app}`],
      ],
      ['owns a table elsewhere', (c) => [`CREATE TABLE public.w_owned (x int)`, `ALTER TABLE public.w_owned OWNER TO ${c.w}`], /owns table public\.w_owned/],
      ['owns a schema', (c) => [`CREATE SCHEMA w_schema AUTHORIZATION ${c.w}`], /owns schema w_schema/],
      [
        'owns a function',
        (c) => [`CREATE FUNCTION public.w_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'`, `ALTER FUNCTION public.w_fn() OWNER TO ${c.w}`],
        /owns function public\.w_fn\(\)/,
      ],
      ['owns a type', (c) => [`CREATE TYPE public.w_type AS ENUM ('a')`, `ALTER TYPE public.w_type OWNER TO ${c.w}`], /owns type public\.w_type/],
      // Privileges on the ledger tables other than INSERT, column grants and grant options included.
      ...tables.flatMap((t) =>
        ['SELECT', 'UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER', 'REFERENCES'].map((p): Case => [
          `${p} on ${t}`,
          (c) => [`GRANT ${p} ON ${L}.${t} TO ${c.w}`],
          new RegExp(`has ${p} on table runledger_ledger\\.${t}`),
        ]),
      ),
      ['column UPDATE', (c) => [`GRANT UPDATE (note) ON ${L}.ledger_checkpoints TO ${c.w}`], /has UPDATE on table runledger_ledger\.ledger_checkpoints/],
      ['column SELECT', (c) => [`GRANT SELECT (size) ON ${L}.ledger_checkpoints TO ${c.w}`], /has SELECT on table runledger_ledger\.ledger_checkpoints/],
      [
        'INSERT WITH GRANT OPTION',
        (c) => [`GRANT INSERT ON ${L}.ledger_entries TO ${c.w} WITH GRANT OPTION`],
        /has INSERT WITH GRANT OPTION on table runledger_ledger\.ledger_entries/,
      ],
      // Any other relation, directly or through PUBLIC.
      ['INSERT on an application table', (c) => [`GRANT INSERT ON ${A}.runs TO ${c.w}`], /has INSERT on table runledger\.runs/],
      ['SELECT on the token table', (c) => [`GRANT SELECT ON ${A}.api_tokens TO ${c.w}`], /has SELECT on table runledger\.api_tokens/],
      [
        'SELECT through PUBLIC',
        () => [`CREATE TABLE public.open_t (x int)`, `GRANT SELECT ON public.open_t TO PUBLIC`],
        /has SELECT on table public\.open_t/,
        () => ['DROP TABLE public.open_t'],
      ],
      [
        'a view',
        (c) => [`CREATE VIEW public.w_view AS SELECT 1 AS x`, `GRANT SELECT ON public.w_view TO ${c.w}`],
        /has SELECT on view public\.w_view/,
        () => ['DROP VIEW public.w_view'],
      ],
      [
        'a sequence',
        (c) => [`CREATE SEQUENCE public.w_seq`, `GRANT USAGE ON SEQUENCE public.w_seq TO ${c.w}`],
        /has USAGE on sequence public\.w_seq/,
        () => ['DROP SEQUENCE public.w_seq'],
      ],
      // Schemas and the database.
      ['CREATE on the ledger schema', (c) => [`GRANT CREATE ON SCHEMA ${L} TO ${c.w}`], /has CREATE on schema runledger_ledger/],
      ['CREATE on the application schema', (c) => [`GRANT CREATE ON SCHEMA ${A} TO ${c.w}`], /has CREATE on schema runledger\b/],
      ['USAGE on the application schema', (c) => [`GRANT USAGE ON SCHEMA ${A} TO ${c.w}`], /has USAGE on schema runledger\b/],
      [
        'CREATE on schema public through PUBLIC',
        () => [`GRANT CREATE ON SCHEMA public TO PUBLIC`],
        /has CREATE on schema public/,
        () => ['REVOKE CREATE ON SCHEMA public FROM PUBLIC'],
      ],
      ['CREATE on the database', (c) => [`GRANT CREATE ON DATABASE ${c.db} TO ${c.w}`], /has CREATE on database rl_test_/],
      ['TEMPORARY on the database', (c) => [`GRANT TEMPORARY ON DATABASE ${c.db} TO ${c.w}`], /has TEMPORARY on database rl_test_/],
      [
        'TEMPORARY through PUBLIC',
        (c) => [`GRANT TEMPORARY ON DATABASE ${c.db} TO PUBLIC`],
        /has TEMPORARY on database rl_test_/,
        (c) => [`REVOKE TEMPORARY ON DATABASE ${c.db} FROM PUBLIC`],
      ],
      ['CONNECT WITH GRANT OPTION', (c) => [`GRANT CONNECT ON DATABASE ${c.db} TO ${c.w} WITH GRANT OPTION`], /has CONNECT WITH GRANT OPTION on database/],
      // Functions.
      [
        'EXECUTE on an application function (PUBLIC default)',
        () => [`CREATE FUNCTION ${A}.app_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'`],
        /has EXECUTE on function runledger\.app_fn\(\)/,
        () => [`DROP FUNCTION ${A}.app_fn()`],
      ],
      [
        'EXECUTE on the trigger function',
        (c) => [`GRANT EXECUTE ON FUNCTION ${L}.refuse_ledger_change() TO ${c.w}`],
        /has EXECUTE on function runledger_ledger\.refuse_ledger_change\(\)/,
      ],
      [
        'EXECUTE on a SECURITY DEFINER function',
        () => [`CREATE FUNCTION public.sd_fn() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'`],
        /has EXECUTE on function public\.sd_fn\(\)/,
        () => ['DROP FUNCTION public.sd_fn()'],
      ],
      [
        'the append guard WITH GRANT OPTION',
        (c) => [`GRANT EXECUTE ON FUNCTION ${L}.append_guard(bigint, bytea) TO ${c.w} WITH GRANT OPTION`],
        /has EXECUTE WITH GRANT OPTION on function runledger_ledger\.append_guard/,
      ],
      // Anything else whose ACL names the role.
      [
        'default privileges on the application schema',
        (c) => [`ALTER DEFAULT PRIVILEGES FOR ROLE ${c.app} IN SCHEMA ${A} GRANT SELECT ON TABLES TO ${c.w}`],
        /privileges on default privileges/,
      ],
      [
        'default SELECT on new ledger tables',
        (c) => [`ALTER DEFAULT PRIVILEGES FOR ROLE ${c.app} IN SCHEMA ${L} GRANT SELECT ON TABLES TO ${c.w}`],
        /privileges on default privileges/,
      ],
      [
        'USAGE on a type',
        (c) => [`CREATE TYPE public.t_enum AS ENUM ('a')`, `GRANT USAGE ON TYPE public.t_enum TO ${c.w}`],
        /privileges on type public\.t_enum/,
        () => ['DROP TYPE public.t_enum'],
      ],
      [
        'a large object',
        (c) => [`SELECT lo_create(4242)`, `GRANT SELECT ON LARGE OBJECT 4242 TO ${c.w}`],
        /privileges on large object 4242/,
        () => ['SELECT lo_unlink(4242)'],
      ],
      ['SET on a parameter', (c) => [`GRANT SET ON PARAMETER work_mem TO ${c.w}`], /privileges on parameter work_mem/],
    ];

    for (const [what, grant, expected, undo] of cases) {
      it(`refuses ${what}`, async () => {
        const { config, c } = await freshWriter();
        try {
          for (const q of grant(c)) await pgAdmin(db, q);
          const e = await rejectsWith(openStore(config), 'WRITER_ROLE_TOO_POWERFUL', expected);
          assert.match(e.message, new RegExp(`"${c.w}"`));
        } finally {
          await dropWriter(c, undo?.(c) ?? []);
        }
      });
    }

    const insufficient: Array<[string, (c: Ctx) => string, RegExp, ((c: Ctx) => string)?]> = [
      ['no INSERT on a ledger table', (c) => `REVOKE INSERT ON ${L}.ledger_checkpoints FROM ${c.w}`, /lacks INSERT on runledger_ledger\.ledger_checkpoints/],
      ['no USAGE on the ledger schema', (c) => `REVOKE USAGE ON SCHEMA ${L} FROM ${c.w}`, /lacks USAGE on schema runledger_ledger/],
      [
        'no EXECUTE on the append guard',
        () => `REVOKE EXECUTE ON FUNCTION ${L}.append_guard(bigint, bytea) FROM PUBLIC`,
        /lacks EXECUTE on function runledger_ledger\.append_guard/,
        () => `GRANT EXECUTE ON FUNCTION ${L}.append_guard(bigint, bytea) TO PUBLIC`,
      ],
    ];
    for (const [what, revoke, expected, undo] of insufficient) {
      it(`refuses a writer with ${what} (WRITER_ROLE_INSUFFICIENT)`, async () => {
        const { config, c } = await freshWriter();
        try {
          await pgAdmin(db, revoke(c));
          await rejectsWith(openStore(config), 'WRITER_ROLE_INSUFFICIENT', expected);
        } finally {
          await dropWriter(c, undo ? [undo(c)] : []);
        }
      });
    }
  });

  it('never puts a DSN password into an error message', async () => {
    const { config } = await fresh();
    const withPw = (u: string, db = '') => {
      const x = new URL(u);
      x.password = 'S3cret-pw';
      if (db) x.pathname = `/${db}`;
      return x.toString();
    };
    const e1 = await rejectsWith(openStore({ ...config, url: withPw(config.url, 'no_such_db_x') }), 'STORE_UNAVAILABLE');
    assert.ok(!e1.message.includes('S3cret-pw') && e1.message.includes('***'), e1.message);
    const ghost = new URL(withPw(config.ledgerWriterUrl!));
    ghost.username = 'rl_nobody_here';
    const e2 = await rejectsWith(openStore({ ...config, ledgerWriterUrl: ghost.toString() }), 'WRITER_ROLE_MISSING', /rl_nobody_here/);
    assert.ok(!e2.message.includes('S3cret-pw') && e2.message.includes('***'), e2.message);
  });

  it('docs/sql/postgres-roles.sql holds the same statements and works under psql', async () => {
    const file = fileURLToPath(new URL('../../../docs/sql/postgres-roles.sql', import.meta.url));
    const text = readFileSync(file, 'utf8');
    for (const stmt of POSTGRES_ROLES_STATEMENTS) assert.ok(text.includes(stmt), `docs/sql/postgres-roles.sql lacks:\n${stmt}`);
    const id = randomBytes(4).toString('hex');
    const database = `rl_doc_${id}`;
    const app = `rl_docapp_${id}`;
    const wr = `rl_docw_${id}`;
    await pgAdmin('postgres', `CREATE DATABASE ${database}`);
    try {
      const admin = new URL(PG_ADMIN_URL);
      admin.pathname = `/${database}`;
      const run = () =>
        execFileSync('psql', ['-X', '-q', '-v', `app_role=${app}`, '-v', `writer_role=${wr}`, '-f', file, admin.toString()], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      run();
      run(); // idempotent: roles and schemas that exist are kept
      const u = (user: string) => {
        const x = new URL(admin.toString());
        x.username = user;
        return x.toString();
      };
      const store = await openStore({ kind: 'postgres', home: '/nonexistent', url: u(app), ledgerWriterUrl: u(wr), warnings: [] });
      assert.deepEqual(store.roles, { main: app, writer: wr });
      await store.close();
      // The renderer quotes like psql does.
      assert.equal(renderPsqlVariables(`GRANT :"r" TO :'s';`, { r: 'a"b', s: "o'k" }), `GRANT "a""b" TO 'o''k';`);
    } finally {
      await pgAdmin('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await pgAdmin('postgres', `DROP ROLE IF EXISTS ${app}`);
      await pgAdmin('postgres', `DROP ROLE IF EXISTS ${wr}`);
    }
  });
});

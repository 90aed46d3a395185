// PostgreSQL-only: the ledger-writer role's privileges, the open-time audit, and the bootstrap SQL file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateSigner } from '@runledger/ledger';
import pg from 'pg';
import { LEDGER_SCHEMA, LedgerWriter, POSTGRES_ROLES_STATEMENTS, openStore, renderPsqlVariables, type PostgresConfig, type Store } from '../src/index.js';
import { PG_ADMIN_URL, pgAdmin, pgFactory } from './helpers/fixtures.js';
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

  it('refuses a writer role with UPDATE, SELECT or DELETE on a ledger table, and one without INSERT', async () => {
    const w = f.run().writerRole;
    const cases: Array<[string, RegExp, 'WRITER_ROLE_TOO_POWERFUL' | 'WRITER_ROLE_INSUFFICIENT']> = [
      [`GRANT UPDATE ON ${LEDGER_SCHEMA}.ledger_nodes TO ${w}`, /has UPDATE on runledger_ledger\.ledger_nodes/, 'WRITER_ROLE_TOO_POWERFUL'],
      [`GRANT UPDATE (note) ON ${LEDGER_SCHEMA}.ledger_checkpoints TO ${w}`, /has UPDATE on runledger_ledger\.ledger_checkpoints/, 'WRITER_ROLE_TOO_POWERFUL'],
      [`GRANT SELECT ON ${LEDGER_SCHEMA}.ledger_entries TO ${w}`, /has SELECT on runledger_ledger\.ledger_entries/, 'WRITER_ROLE_TOO_POWERFUL'],
      [`GRANT DELETE, TRUNCATE ON ${LEDGER_SCHEMA}.ledger_entries TO ${w}`, /has DELETE, TRUNCATE/, 'WRITER_ROLE_TOO_POWERFUL'],
      [`GRANT CREATE ON SCHEMA ${LEDGER_SCHEMA} TO ${w}`, /CREATE on schema/, 'WRITER_ROLE_TOO_POWERFUL'],
      [`REVOKE INSERT ON ${LEDGER_SCHEMA}.ledger_checkpoints FROM ${w}`, /lacks INSERT on runledger_ledger\.ledger_checkpoints/, 'WRITER_ROLE_INSUFFICIENT'],
    ];
    for (const [grant, message, code] of cases) {
      const { config, database } = await fresh();
      await (await openStore(config)).close(); // migrate, so the tables exist to grant on
      await pgAdmin(database, grant);
      const e = await rejectsWith(openStore(config), code, message);
      assert.match(e.message, new RegExp(`"${w}"`));
    }
  });

  it('refuses a missing writer role, a superuser writer, and a writer that is a member of the main role', async () => {
    const { config, database } = await fresh();
    const ghost = `rl_ghost_${randomBytes(3).toString('hex')}`;
    const url = (user: string) => {
      const u = new URL(config.url);
      u.username = user;
      return u.toString();
    };
    await rejectsWith(openStore({ ...config, ledgerWriterUrl: url(ghost) }), 'WRITER_ROLE_MISSING', new RegExp(ghost));
    await rejectsWith(openStore({ ...config, ledgerWriterUrl: url('postgres') }), 'WRITER_ROLE_TOO_POWERFUL', /superuser/);
    const { appRole, writerRole } = f.run();
    await pgAdmin(database, `GRANT ${appRole} TO ${writerRole}`);
    try {
      await rejectsWith(openStore(config), 'WRITER_ROLE_TOO_POWERFUL', /member of the main role/);
    } finally {
      await pgAdmin(database, `REVOKE ${appRole} FROM ${writerRole}`);
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
        execFileSync('psql', ['-X', '-q', '-v', `app_role=${app}`, '-v', `writer_role=${wr}`, '-f', file, admin.toString()], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
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

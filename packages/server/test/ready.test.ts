// /ready tests what it promises: a database that takes no writes fails the `database-writable` check
// (and writes really fail), on SQLite and PostgreSQL; the root re-derivation is cached per ledger head.
//
// The tests run as root, which ignores file modes, so a chmod'ed file proves nothing. SQLite is made
// read-only two ways: `PRAGMA query_only` on the server's own connection (SQLite then refuses every
// write with SQLITE_READONLY, the same error a file opened read-only gives, through the same code
// path), and, where the filesystem allows it, `chattr +i` on the database and WAL files, which even
// root cannot write (the case of a read-only mount or a file made immutable under a running server).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { pgAdmin, pgFactory, sqliteFactory } from '@runledger/testkit';
import { ROOT_CHECK_TTL_MS } from '../src/routes/system.js';
import { harness, type Harness } from './helpers.js';

type Check = { name: string; ok: boolean; detail: string };
const checksOf = (json: { checks: Check[] }): Record<string, Check> => Object.fromEntries(json.checks.map((c) => [c.name, c]));

async function note(h: Harness, text: string): Promise<number> {
  return (await h.inject({ method: 'POST', url: '/api/v1/ledger/notes', token: h.tokens.operator, body: { text } })).status;
}

describe('/ready on sqlite', () => {
  const open: Harness[] = [];
  after(async () => {
    for (const h of open.splice(0)) await h.close();
    await sqliteFactory.teardown();
  });

  it('a connection that cannot write (query_only): database-writable fails, /ready 503, writes 503; back to 200 once writable', async () => {
    const h = await harness(await sqliteFactory.create());
    open.push(h);
    const ok = await h.inject({ url: '/ready' });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal(checksOf(ok.json)['database-writable']!.ok, true);

    const db = h.server.engineContext.ledger.store.db;
    await sql`PRAGMA query_only = ON`.execute(db);
    try {
      assert.equal(await note(h, 'refused'), 503);
      const r = await h.inject({ url: '/ready' });
      assert.equal(r.status, 503);
      const c = checksOf(r.json);
      assert.equal(c.database!.ok, true, 'reads still work: the old check alone said ready');
      assert.equal(c['database-writable']!.ok, false);
      assert.match(c['database-writable']!.detail, /runledger\.db.*readonly/);
    } finally {
      await sql`PRAGMA query_only = OFF`.execute(db);
    }
    assert.equal((await h.inject({ url: '/ready' })).status, 200);
    assert.equal(await note(h, 'accepted'), 201);
  });

  it('database and WAL files made immutable (chattr +i, binding even for root): database-writable fails, writes 503', async (t) => {
    const f = await sqliteFactory.create();
    const h = await harness(f);
    open.push(h);
    const file = f.config.kind === 'sqlite' ? f.config.file : '';
    // Not the -shm file: SQLite maps it into memory, and a write to an immutable mapping is a SIGBUS.
    const files = [file, `${file}-wal`];
    try {
      execFileSync('chattr', ['+i', ...files], { stdio: 'pipe' });
    } catch (e) {
      t.skip(`chattr +i is not available here (${(e as Error).message.split('\n')[0]}); the query_only test covers the check`);
      return;
    }
    try {
      assert.equal(await note(h, 'refused'), 503);
      const r = await h.inject({ url: '/ready' });
      assert.equal(r.status, 503);
      const c = checksOf(r.json)['database-writable']!;
      assert.equal(c.ok, false);
      assert.match(c.detail, /not writable \(EPERM\)/);
    } finally {
      execFileSync('chattr', ['-i', ...files]);
    }
    assert.equal(checksOf((await h.inject({ url: '/ready' })).json)['database-writable']!.ok, true);
  });

  it('the root is re-derived once per ledger head (and again after the TTL), not on every call', async () => {
    let t = Date.parse('2026-12-07T10:00:00.000Z');
    const f = await sqliteFactory.create();
    const h = await harness(f, { clock: () => new Date(t) });
    open.push(h);
    const reader = h.server.engineContext.ledger.reader;
    const rootAt = reader.rootAt.bind(reader);
    let derived = 0;
    reader.rootAt = async (size: number) => {
      derived++;
      return rootAt(size);
    };
    const ready = async (): Promise<number> => (await h.inject({ url: '/ready' })).status;
    assert.deepEqual([await ready(), await ready(), await ready()], [200, 200, 200]);
    assert.equal(derived, 1);
    assert.equal(await note(h, 'moves the head'), 201);
    assert.equal(await ready(), 200);
    assert.equal(derived, 2);

    // A tree changed behind the store's back at the same head is found once the cached result expires.
    await f.tamper('UPDATE ledger_nodes SET hash = zeroblob(32)');
    assert.equal(await ready(), 200);
    assert.equal(derived, 2);
    t += ROOT_CHECK_TTL_MS;
    const r = await h.inject({ url: '/ready' });
    assert.equal(r.status, 503);
    assert.match(checksOf(r.json)['ledger-writer']!.detail, /signed checkpoint says/);
    assert.equal(derived, 3);
    // A failure is not cached.
    assert.equal(await ready(), 503);
    assert.equal(derived, 4);
  });
});

describe('/ready on postgres', () => {
  const factory = pgFactory();
  let h: Harness | undefined;
  after(async () => {
    await h?.close();
    await factory.teardown();
  });

  it('a read-only database (default_transaction_read_only): database-writable fails naming it, writes 503', async () => {
    await factory.setup();
    const f = await factory.create();
    h = await harness(f);
    assert.equal((await h.inject({ url: '/ready' })).status, 200);
    const database = f.config.kind === 'postgres' ? new URL(f.config.url).pathname.slice(1) : '';
    // New sessions start read-only; the pools' current connections are ended so that they reconnect.
    const reconnect = (): Promise<unknown> =>
      pgAdmin('postgres', `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database]);
    await pgAdmin('postgres', `ALTER DATABASE ${database} SET default_transaction_read_only = on`);
    try {
      await reconnect();
      // The first use of a pool after its connections were ended may fail on the dead ones: ask until
      // the pools hold fresh (read-only) connections.
      let c: Check | undefined;
      for (let i = 0; i < 10 && !/read-only/.test(c?.detail ?? ''); i++) c = checksOf((await h.inject({ url: '/ready' })).json)['database-writable'];
      assert.equal(c!.ok, false);
      assert.match(c!.detail, /read-only/);
      const r = await h.inject({ url: '/ready' });
      assert.equal(r.status, 503);
      assert.equal(checksOf(r.json).database!.ok, true, 'reads still work: the old check alone said ready');
      assert.equal(await note(h, 'refused'), 503);
    } finally {
      await pgAdmin('postgres', `ALTER DATABASE ${database} RESET default_transaction_read_only`);
      await reconnect();
    }
    let status = 0;
    for (let i = 0; i < 10 && status !== 200; i++) status = (await h.inject({ url: '/ready' })).status;
    assert.equal(status, 200);
  });
});

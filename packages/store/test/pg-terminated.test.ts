// PostgreSQL: a backend terminated while its client is checked out between two statements (a
// transaction awaiting its caller) fails that transaction's next statement, not the process: the
// client's 'error' event, which the pool does not listen to, is handled. Afterwards the store works.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { pgAdmin, pgFactory } from '@runledger/testkit';
import { openStore } from '../src/index.js';

const factory = pgFactory();
before(() => factory.setup());
after(() => factory.teardown());

it('a terminated backend mid-transaction fails the transaction, and the store goes on', async () => {
  const f = await factory.create();
  assert.equal(f.config.kind, 'postgres');
  const database = f.config.kind === 'postgres' ? new URL(f.config.url).pathname.slice(1) : '';
  const store = await openStore(f.config);
  try {
    await assert.rejects(
      store.writeTransaction(async (trx) => {
        const pid = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx)).rows[0]!.pid;
        await pgAdmin('postgres', 'SELECT pg_terminate_backend($1) FROM pg_stat_activity WHERE datname = $2 AND pid = $1', [pid, database]);
        // Give the socket time to close: the client emits 'error' while nobody is querying on it.
        await new Promise((r) => setTimeout(r, 300));
        await sql`SELECT 1`.execute(trx);
      }),
    );
    // A fresh connection serves the next request.
    const r = await sql<{ one: number }>`SELECT 1 AS one`.execute(store.db);
    assert.equal(r.rows[0]!.one, 1);
  } finally {
    await store.close();
  }
});

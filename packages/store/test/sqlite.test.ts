// SQLite-only: file layout and connection settings.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { generateSigner, rootOfLeaves, toBase64 } from '@runledger/ledger';
import { LedgerReader, LedgerWriter, MIGRATION_HEAD, openStore, resolveConfig } from '../src/index.js';
import { removeTempDirs, tempDir } from '@runledger/testkit';

after(removeTempDirs);

describe('SQLite store', () => {
  it('creates a 0700 data dir and opens WAL, synchronous=FULL, foreign keys, busy timeout', async () => {
    const home = join(tempDir(), 'nested', 'home');
    const store = await openStore(resolveConfig({ env: { RUNLEDGER_HOME: home } }));
    try {
      assert.equal(statSync(home).mode & 0o777, 0o700);
      assert.ok(statSync(join(home, 'runledger.db')).isFile());
      const pragma = async (name: string) => Object.values((await sql.raw(`PRAGMA ${name}`).execute(store.db)).rows[0] as object)[0];
      assert.equal(String(await pragma('journal_mode')), 'wal');
      assert.equal(Number(await pragma('synchronous')), 2);
      assert.equal(Number(await pragma('foreign_keys')), 1);
      assert.ok(Number(await pragma('busy_timeout')) >= 1000);
      assert.equal(await store.migrationHead(), MIGRATION_HEAD);
      // The read connection refuses writes.
      await assert.rejects(sql`CREATE TABLE x (a int)`.execute(store.readDb), /readonly|query_only|attempt to write/i);
    } finally {
      await store.close();
    }
  });

  it('a deferSync write commits without the synchronous fsync, flushes the WAL before resolving, and restores synchronous=FULL even when it fails', async () => {
    const store = await openStore(resolveConfig({ env: { RUNLEDGER_HOME: tempDir() } }));
    try {
      const level = async (on: Parameters<ReturnType<typeof sql.raw>['execute']>[0]) =>
        Number(Object.values((await sql.raw('PRAGMA synchronous').execute(on)).rows[0] as object)[0]);
      await store.writeTransaction(async (trx) => {
        await sql`CREATE TABLE deferred (a int)`.execute(trx);
      });
      const inside = await store.writeTransaction(
        async (trx) => {
          await sql`INSERT INTO deferred VALUES (1)`.execute(trx);
          return level(trx);
        },
        { deferSync: true },
      );
      assert.equal(inside, 1, 'NORMAL inside: COMMIT does not fsync on the event loop');
      assert.equal(await level(store.db), 2, 'FULL again after');
      await assert.rejects(
        store.writeTransaction(
          async (trx) => {
            await sql`INSERT INTO deferred VALUES (2)`.execute(trx);
            throw new Error('boom');
          },
          { deferSync: true },
        ),
        /boom/,
      );
      assert.equal(await level(store.db), 2, 'FULL again after a failed transaction');
      // Committed and visible to another connection (the read connection) once it resolved; the failed one rolled back.
      const rows = (await sql<{ a: number }>`SELECT a FROM deferred`.execute(store.readDb)).rows.map((r) => r.a);
      assert.deepEqual(rows, [1]);
    } finally {
      await store.close();
    }
  });

  it('opens the same file from two stores at once (two processes would do the same)', async () => {
    const home = tempDir();
    const config = resolveConfig({ env: { RUNLEDGER_HOME: home } });
    const [a, b] = await Promise.all([openStore(config), openStore(config)]);
    assert.equal(await a.migrationHead(), MIGRATION_HEAD);
    assert.equal(await b.migrationHead(), MIGRATION_HEAD);
    await a.close();
    await b.close();
  });

  it('two writers on one file in one process append concurrently without deadlocking', async () => {
    // better-sqlite3 waits for locks synchronously; without the in-process queue the second
    // BEGIN IMMEDIATE would block the event loop while the first transaction awaits its COMMIT.
    const config = resolveConfig({ env: { RUNLEDGER_HOME: tempDir() } });
    const key = generateSigner('runledger.test/ledger');
    const s1 = await openStore(config);
    const s2 = await openStore(config);
    try {
      const w1 = await LedgerWriter.open({ store: s1, origin: key.name, signers: [key], hooks: { beforeCommit: () => new Promise((r) => setTimeout(r, 2)) } });
      await w1.init({ actor: { kind: 'system', id: 'setup' } });
      const w2 = await LedgerWriter.open({ store: s2, origin: key.name, signers: [key] });
      const t0 = Date.now();
      const drafts = (who: string) =>
        Array.from({ length: 40 }, (_, i) => ({ type: 'test.appended', actor: { kind: 'service' as const, id: who }, data: { i } }));
      const results = await Promise.all([...drafts('a').map((d) => w1.append(d)), ...drafts('b').map((d) => w2.append(d))]);
      assert.ok(Date.now() - t0 < 3000, 'appends waited for busy_timeout');
      assert.deepEqual(
        results.map((r) => r.seq).sort((x, y) => x - y),
        Array.from({ length: 80 }, (_, i) => i + 1),
      );
      const leaves: Uint8Array[] = [];
      const reader = new LedgerReader(s1);
      for await (const e of reader.iterateEntries()) {
        assert.equal(e.entry.prev, toBase64(rootOfLeaves(leaves)));
        leaves.push(e.leaf);
      }
      assert.equal(leaves.length, 81);
    } finally {
      await s1.close();
      await s2.close();
    }
  });
});

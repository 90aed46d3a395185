// openStore({ create: false }) never creates a database or its schema: a missing one is
// LEDGER_NOT_INITIALISED naming where it looked (every command but `init` opens this way).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore, StoreError, type StoreConfig } from '../src/index.js';
import { pgAdmin, pgFactory, tempDir, removeTempDirs } from '@runledger/testkit';

const notInitialised = (where: RegExp) => (e: unknown) =>
  e instanceof StoreError && e.code === 'LEDGER_NOT_INITIALISED' && where.test(e.message) && /runledger init/.test(e.message);

describe('opening an existing store only', () => {
  after(() => removeTempDirs());

  it('SQLite: no file is created; once created, it opens', async () => {
    const home = join(tempDir(), 'data');
    const config: StoreConfig = { kind: 'sqlite', home, file: join(home, 'runledger.db'), busyTimeoutMs: 5000, warnings: [] };
    await assert.rejects(openStore(config, { create: false }), notInitialised(/runledger\.db/));
    assert.equal(existsSync(home), false);
    await (await openStore(config)).close();
    await (await openStore(config, { create: false })).close();
  });

  it('PostgreSQL: no schema is created in an empty database; once created, it opens', async () => {
    const pg = pgFactory();
    await pg.setup();
    try {
      const database = await pg.createDatabase();
      const { main, writer } = pg.urls(database);
      const config: StoreConfig = { kind: 'postgres', home: tempDir(), url: main, ledgerWriterUrl: writer, warnings: [] };
      await assert.rejects(openStore(config, { create: false }), notInitialised(new RegExp(database)));
      const tables = await pgAdmin(
        database,
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
      );
      assert.equal(tables[0]!.n, 0);
      await (await openStore(config)).close();
      await (await openStore(config, { create: false })).close();
    } finally {
      await pg.teardown();
    }
  });
});

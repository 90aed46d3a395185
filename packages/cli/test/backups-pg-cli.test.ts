// `runledger restore --target-database` on the real PostgreSQL server: exit codes, the --json result
// and the text that says exactly what promote did (environment variables: what to set).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pgAdmin, pgFactory, tempDir, until } from '@runledger/testkit';
import { cliRunner } from './helpers.js';

const pg = pgFactory();

describe('restore CLI (PostgreSQL)', () => {
  before(() => pg.setup());
  after(() => pg.teardown());

  it('restores into a new database, refuses a non-empty one (exit 2), and promote says what to set', async () => {
    const live = await pg.createDatabase();
    const u = pg.urls(live);
    const env = { RUNLEDGER_DATABASE_URL: u.main, RUNLEDGER_LEDGER_DATABASE_URL: u.writer };
    const root = tempDir('runledger-pgrestore-cli-');
    const run = cliRunner(root, join(root, 'data'));
    assert.equal((await run(env, 'init', '--origin', 'ops.test/pg-restore-cli')).code, 0);
    const made = await run(env, 'backup', 'now', '--json');
    assert.equal(made.code, 0, made.err);
    const b = JSON.parse(made.out) as { path: string; entry: number; ledger: { size: number } };

    // The newest backup's age, and the WAL archiver of the shared server (archiving off there).
    const status = await run(env, 'backup', 'status', '--rpo-target', '1h', '--json');
    assert.equal(status.code, 0, status.err);
    const s = JSON.parse(status.out) as {
      backups: number;
      newest: { ledgerSize: number };
      rpo: { ok: boolean; targetSeconds: number };
      wal: { archiveMode: string };
    };
    assert.deepEqual([s.backups, s.newest.ledgerSize, s.rpo.ok, s.rpo.targetSeconds], [1, b.ledger.size, true, 3600]);
    assert.equal(s.wal.archiveMode, 'off');
    assert.match((await run(env, 'backup', 'status')).out, /wal {7}archive_mode is off: no point-in-time recovery/);
    assert.equal((await run(env, 'backup', 'status', '--rpo-target', '5')).code, 2, 'a bare number is refused');

    const noTarget = await run(env, 'restore', b.path, '--data-dir', join(root, 'r0'));
    assert.equal(noTarget.code, 2);
    assert.match(noTarget.err, /--target-database/);

    const target = await pg.createDatabase();
    const ok = await run(env, 'restore', b.path, '--data-dir', join(root, 'r1'), '--target-database', target, '--json');
    assert.equal(ok.code, 0, ok.err);
    const r = JSON.parse(ok.out) as { ledger: { size: number }; checks: string[]; postgres: { database: string } };
    assert.equal(r.ledger.size, b.ledger.size);
    assert.equal(r.postgres.database, target);
    assert.ok(r.checks.some((c) => c.includes(`ledger entry ${b.entry} (backup.created)`)));

    const again = await run(env, 'restore', b.path, '--data-dir', join(root, 'r2'), '--target-database', target);
    assert.equal(again.code, 2);
    assert.match(again.err, /RESTORE_TARGET_NOT_EMPTY/);

    await until('no session left on the live database', async () => {
      const rows = await pgAdmin('postgres', 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [live]);
      return rows[0]!.n === 0;
    });
    const next = await pg.createDatabase();
    const promoted = await run(env, 'restore', b.path, '--data-dir', join(root, 'r3'), '--target-database', next, '--promote');
    assert.equal(promoted.code, 0, promoted.err);
    assert.match(promoted.out, new RegExp(`promoted: restore.promoted is entry ${b.ledger.size} of the restored ledger; ${live} is left as it was`));
    assert.match(promoted.out, /the DSNs are environment variables, which this command cannot change: set/);
    assert.match(promoted.out, new RegExp(`RUNLEDGER_DATABASE_URL=postgres://${pg.run().appRole}@[^ ]+/${next}\\n`));
    // Pointed at it, the restored database holds the promote entry.
    const checked = await run({ RUNLEDGER_DATABASE_URL: pg.urls(next).main, RUNLEDGER_LEDGER_DATABASE_URL: pg.urls(next).writer }, 'ledger', 'check');
    assert.equal(checked.code, 0, checked.err);
    assert.match(checked.out, new RegExp(`ok: ${b.ledger.size + 1} entries`));
  });
});

// PostgreSQL backups restored with pg_restore into a new database on the real server: a backup taken
// while appends go on restores to a ledger equal to the manifest's checkpoint, with the writer role
// still INSERT-only and the append-only triggers in place; tampered dumps and non-empty or unprepared
// targets are refused and leave nothing behind; promote records restore.promoted and switches the DSN
// files (or says what to set). Every database is created here and dropped at the end.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BACKUP_MANIFEST_FILE, type BackupManifest } from '@runledger/core';
import pgClient from 'pg';
import { pgAdmin, pgFactory, tempDir, until } from '@runledger/testkit';
import { backupNow, emptyPgRestoreTarget, initLedger, openLedger, restoreBackup, type LedgerContext } from '../src/index.js';
import { pgDump } from '../src/backups/pgdump.js';

const actor = { kind: 'user' as const, id: 'alice' };
const ORIGIN = 'ops.test.runledger/pg-backup';
const pg = pgFactory();

function code(e: unknown): string {
  return e instanceof Error && 'code' in e ? String((e as { code: unknown }).code) : `no code: ${String(e)}`;
}

/** Rewrites the manifest's digest of the dump, as someone who also edits the manifest would. */
function resealDump(backup: string): void {
  const m = JSON.parse(readFileSync(join(backup, BACKUP_MANIFEST_FILE), 'utf8')) as BackupManifest;
  const bytes = readFileSync(join(backup, 'runledger.dump'));
  const files = m.files.map((f) => (f.path === 'runledger.dump' ? { ...f, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length } : f));
  writeFileSync(join(backup, BACKUP_MANIFEST_FILE), `${JSON.stringify({ ...m, files }, null, 2)}\n`);
}

/** Objects in the two Runledger schemas of `database` (zero: as set up, empty). */
async function objectsIn(database: string): Promise<number> {
  const r = await pgAdmin(
    database,
    `SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('runledger', 'runledger_ledger'))
          + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname IN ('runledger', 'runledger_ledger')) AS n`,
  );
  return Number(r[0]!.n);
}

describe('restore of a PostgreSQL backup into a new database', () => {
  let env: Record<string, string>;
  let home: string;
  let ctx: LedgerContext;
  let liveDb: string;
  const envFor = (database: string): Record<string, string> => {
    const u = pg.urls(database);
    return { RUNLEDGER_DATABASE_URL: u.main, RUNLEDGER_LEDGER_DATABASE_URL: u.writer };
  };

  before(async () => {
    await pg.setup();
    liveDb = await pg.createDatabase();
    env = envFor(liveDb);
    home = join(tempDir('runledger-pgbackup-'), 'data');
    await initLedger({ home, env }, { origin: ORIGIN, actor });
    ctx = await openLedger({ home, env }, { write: true });
    for (let i = 0; i < 40; i++) await ctx.writer!.append({ type: 'ops.note', actor, data: { i } });
  });
  after(async () => {
    await ctx?.close();
    await pg.teardown();
  });

  it('backs up while appends go on; the restore equals the manifest checkpoint, the writer role appends, the triggers refuse edits', async () => {
    const dir = join(tempDir(), 'backups');
    let stop = false;
    let appended = 0;
    const writer = (async () => {
      while (!stop) await ctx.writer!.append({ type: 'ops.note', actor, data: { during: appended++ } });
    })();
    let r;
    try {
      while (appended < 5) await new Promise((res) => setTimeout(res, 1));
      const before = appended;
      r = await backupNow({ ctx, dir, actor });
      assert.ok(appended > before, `appends went on during the backup (${appended - before})`);
      await new Promise((res) => setTimeout(res, 50));
    } finally {
      stop = true;
      await writer;
    }
    const live = await ctx.reader.head();
    assert.ok(live.size > r.manifest.ledger.size, 'the live ledger moved on after the snapshot');

    const target = await pg.createDatabase();
    const dataDir = join(tempDir(), 'restored');
    const restored = await restoreBackup({ backup: r.path, dataDir, recordedIn: { home, env }, pgTarget: { database: target, env } });
    assert.equal(restored.postgres?.database, target);
    assert.equal(restored.ledger.size, r.manifest.ledger.size);
    assert.ok(
      restored.checks.some((c) => c.startsWith(`recorded: the manifest's digest equals ledger entry ${r.entry}`)),
      restored.checks.join('\n'),
    );
    assert.ok(
      restored.checks.some((c) => c.startsWith('guards: UPDATE, DELETE and TRUNCATE are refused')),
      restored.checks.join('\n'),
    );
    assert.deepEqual(readdirSync(dataDir), ['trust.vkeys']);

    // The restored database: exactly the manifest's checkpoint, re-derived in full.
    const back = await openLedger({ home, env: envFor(target) }, { write: true, startupCheck: 'full' });
    try {
      const head = await back.reader.head();
      assert.equal(head.size, r.manifest.ledger.size);
      assert.equal(head.checkpoint!.note, r.manifest.ledger.checkpoint);
      // Appends work with the restricted writer role (the store audits it on open: INSERT only) ...
      const appendedBack = await back.writer!.append({ type: 'ops.note', actor, data: { after: 'restore' } });
      assert.equal(appendedBack.seq, r.manifest.ledger.size);
      assert.equal(back.store.roles.writer, pg.run().writerRole);
    } finally {
      await back.close();
    }
    // ... and history stays uneditable: the writer role cannot, and the triggers refuse even the owner.
    const u = pg.urls(target);
    for (const [who, url, expect] of [
      ['writer', u.writer, /permission denied/],
      ['main role', u.main, /ledger tables are append-only: UPDATE/],
    ] as const) {
      const c = new pgClient.Client({ connectionString: url });
      await c.connect();
      try {
        await assert.rejects(c.query('UPDATE runledger_ledger.ledger_entries SET type = type WHERE seq = 1'), expect, who);
      } finally {
        await c.end();
      }
    }
    await assert.rejects(
      pgAdmin(target, 'DELETE FROM runledger_ledger.ledger_checkpoints WHERE size = 1'),
      /ledger tables are append-only: DELETE/,
      'even a superuser (the triggers fire for every role)',
    );
  });

  it('dumps uncompressed by default (the fast path), compressed when asked; both restore', async () => {
    const compressionOf = (dump: string): string => {
      const r = spawnSync('pg_restore', ['-l', dump], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return /^;\s+Compression: (\S+)/m.exec(r.stdout)?.[1] ?? `(no compression line in ${r.stdout.slice(0, 300)})`;
    };
    const plain = await backupNow({ ctx, dir: join(tempDir(), 'backups'), actor });
    const packed = await backupNow({ ctx, dir: join(tempDir(), 'backups'), actor, pgCompress: 9 });
    assert.equal(compressionOf(join(plain.path, 'runledger.dump')), '0');
    assert.match(compressionOf(join(packed.path, 'runledger.dump')), /^(9|gzip(:level=)?9?)$/);
    assert.ok(packed.bytes < plain.bytes, `compressed ${packed.bytes} B < plain ${plain.bytes} B`);
    for (const b of [plain, packed]) {
      const target = await pg.createDatabase();
      const restored = await restoreBackup({ backup: b.path, dataDir: join(tempDir(), 'restored'), pgTarget: { database: target, env } });
      assert.equal(restored.ledger.size, b.manifest.ledger.size);
    }
    await assert.rejects(backupNow({ ctx, dir: join(tempDir(), 'backups'), actor, pgCompress: 10 }), /0–9/);
  });

  it('refuses tampered dumps with their reason, and leaves the target database empty', async () => {
    const good = await backupNow({ ctx, dir: join(tempDir(), 'backups'), actor });
    const copy = (): string => {
      const d = join(tempDir(), 'tampered');
      cpSync(good.path, d, { recursive: true });
      return d;
    };

    // A changed byte: the file's digest is not the manifest's.
    const flipped = copy();
    const dump = readFileSync(join(flipped, 'runledger.dump'));
    dump[dump.length - 10] = dump[dump.length - 10]! ^ 0xff;
    writeFileSync(join(flipped, 'runledger.dump'), dump);
    const t1 = await pg.createDatabase();
    await assert.rejects(
      restoreBackup({ backup: flipped, dataDir: join(tempDir(), 'r'), pgTarget: { database: t1, env } }),
      (e) => code(e) === 'BACKUP_FILE_MISMATCH',
    );
    // With the live ledger at hand, a resealed manifest is not the one it recorded.
    resealDump(flipped);
    await assert.rejects(
      restoreBackup({ backup: flipped, dataDir: join(tempDir(), 'r'), recordedIn: { home, env }, pgTarget: { database: t1, env } }),
      (e) => code(e) === 'BACKUP_MANIFEST_INVALID' && /recorded/.test((e as Error).message),
    );

    // A truncated dump, resealed: pg_restore fails in its one transaction; nothing restored.
    const cut = copy();
    truncateSync(join(cut, 'runledger.dump'), Math.floor(statSync(join(cut, 'runledger.dump')).size * 0.6));
    resealDump(cut);
    const cutDir = join(tempDir(), 'r-cut');
    await assert.rejects(restoreBackup({ backup: cut, dataDir: cutDir, pgTarget: { database: t1, env } }), (e) =>
      ['RESTORE_FAILED', 'BACKUP_LEDGER_MISMATCH'].includes(code(e)),
    );
    assert.equal(await objectsIn(t1), 0, 'the target holds nothing');
    assert.ok(!existsSync(cutDir), 'the data directory is gone');

    // Dumps of an edited database, resealed: the restore is made, checked, refused and emptied.
    const edited = async (edit: string): Promise<string> => {
      const scratch = await pg.createDatabase();
      await restoreBackup({ backup: good.path, dataDir: join(tempDir(), 'scratch'), pgTarget: { database: scratch, env } });
      await pgAdmin(scratch, edit);
      const d = copy();
      await pgDump(pg.urls(scratch).main, join(d, 'runledger.dump'));
      resealDump(d);
      return d;
    };
    // History rewritten (an entry's bytes, triggers bypassed): the ledger does not verify.
    const rewritten = await edited(
      `SET session_replication_role = replica; UPDATE runledger_ledger.ledger_entries SET bytes = overlay(bytes PLACING '9' FROM length(bytes) - 2 FOR 1) WHERE seq = 3`,
    );
    const t2 = await pg.createDatabase();
    const dir2 = join(tempDir(), 'r2');
    await assert.rejects(restoreBackup({ backup: rewritten, dataDir: dir2, pgTarget: { database: t2, env } }), (e) => code(e) === 'BACKUP_LEDGER_MISMATCH');
    assert.equal(await objectsIn(t2), 0);
    assert.ok(!existsSync(dir2));

    // History intact but the guards gone (a trigger dropped, another disabled): it would be editable.
    const unguarded = await edited(
      'DROP TRIGGER ledger_entries_append_only ON runledger_ledger.ledger_entries; ALTER TABLE runledger_ledger.ledger_nodes DISABLE TRIGGER ledger_nodes_continue',
    );
    await assert.rejects(restoreBackup({ backup: unguarded, dataDir: join(tempDir(), 'r3'), pgTarget: { database: t2, env } }), (e) => {
      const m = (e as Error).message;
      return code(e) === 'RESTORE_UNGUARDED' && /UPDATE on runledger_ledger\.ledger_entries went through/.test(m) && /ledger_nodes_continue/.test(m);
    });
    assert.equal(await objectsIn(t2), 0);
    // The same target takes a good restore afterwards.
    const ok = await restoreBackup({ backup: good.path, dataDir: join(tempDir(), 'r4'), pgTarget: { database: t2, env } });
    assert.equal(ok.ledger.size, good.manifest.ledger.size);
    // Emptied again (as a restore drill does with its scratch database), it takes the same restore once more.
    await emptyPgRestoreTarget({ database: t2, env });
    assert.equal(await objectsIn(t2), 0);
    const again = await restoreBackup({ backup: good.path, dataDir: join(tempDir(), 'r5'), pgTarget: { database: t2, env } });
    assert.equal(again.ledger.size, good.manifest.ledger.size);
  });

  it('refuses a target that is live, not empty or not set up, and a PostgreSQL backup without a target', async () => {
    const b = await backupNow({ ctx, dir: join(tempDir(), 'backups'), actor });
    const refused = async (database: string | undefined, expected: string, pattern: RegExp): Promise<void> => {
      const dataDir = join(tempDir(), 'r');
      await assert.rejects(
        restoreBackup({ backup: b.path, dataDir, ...(database !== undefined ? { pgTarget: { database, env } } : {}) }),
        (e) => code(e) === expected && pattern.test((e as Error).message),
      );
      assert.ok(!existsSync(dataDir) || readdirSync(dataDir).length === 0);
    };
    await refused(undefined, 'USAGE', /--target-database/);
    await refused(liveDb, 'RESTORE_TARGET_NOT_EMPTY', /is the live database/);
    // Nor is the live database ever emptied.
    const liveObjects = await objectsIn(liveDb);
    await assert.rejects(
      emptyPgRestoreTarget({ database: liveDb, env }),
      (e) => code(e) === 'RESTORE_TARGET_NOT_EMPTY' && /is the live database/.test((e as Error).message),
    );
    assert.equal(await objectsIn(liveDb), liveObjects);
    const busy = await pg.createDatabase();
    await pgAdmin(busy, 'CREATE TABLE public.orders (id int)');
    await refused(busy, 'RESTORE_TARGET_NOT_EMPTY', /is not empty \(public\.orders|is not empty \(orders/);
    assert.equal(Number((await pgAdmin(busy, 'SELECT count(*) AS n FROM public.orders'))[0]!.n), 0, 'untouched');
    const bare = `rl_bare_${pg.run().id}`;
    await pgAdmin('postgres', `CREATE DATABASE ${bare}`);
    pg.run().databases.push(bare);
    await refused(bare, 'RESTORE_TARGET_NOT_READY', /has no schema runledger: set it up/);
    await refused('rl_nowhere_db_at_all', 'RESTORE_TARGET_NOT_READY', /cannot connect/);
    await refused('bad name; drop', 'USAGE', /database name/);
    // A data directory that is not empty is refused before the database is touched.
    const full = join(tempDir(), 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'x'), 'x');
    const fresh = await pg.createDatabase();
    await assert.rejects(restoreBackup({ backup: b.path, dataDir: full, pgTarget: { database: fresh, env } }), (e) => code(e) === 'RESTORE_TARGET_NOT_EMPTY');
    assert.equal(await objectsIn(fresh), 0);
    // --target-database belongs to PostgreSQL backups: with a SQLite backup it is a mistake, not ignored.
    const sqliteHome = join(tempDir(), 'sqlite-data');
    await initLedger({ home: sqliteHome, env: {} }, { origin: ORIGIN, actor });
    const lite = await openLedger({ home: sqliteHome, env: {} }, { write: true });
    try {
      const sb = await backupNow({ ctx: lite, dir: join(tempDir(), 'backups'), actor });
      await assert.rejects(
        restoreBackup({ backup: sb.path, dataDir: join(tempDir(), 'r'), pgTarget: { database: fresh, env } }),
        (e) => code(e) === 'USAGE' && /SQLite backup/.test((e as Error).message),
      );
    } finally {
      await lite.close();
    }
  });

  it('promote: refused while the live database is in use; then records restore.promoted and rewrites the DSN files, or says what to set', async () => {
    const b = await backupNow({ ctx, dir: join(tempDir(), 'backups'), actor });
    const promote = { actor, liveHome: home, env };
    // The test's own ledger holds sessions on the live database: a server would write on there.
    const held = await pg.createDatabase();
    await assert.rejects(
      restoreBackup({ backup: b.path, dataDir: join(tempDir(), 'p0'), pgTarget: { database: held, env }, promote }),
      (e) => code(e) === 'RESTORE_LIVE_IN_USE' && new RegExp(`live database ${liveDb}`).test((e as Error).message),
    );
    await ctx.close();
    // Wait for the server to end the closed sessions (it does so just after the client leaves).
    await until('the live sessions to end', async () => {
      const r = await pgAdmin('postgres', 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [liveDb]);
      return r[0]!.n === 0;
    });
    try {
      // Environment variables: nothing this process can switch; it says what to set and records that.
      const t1 = await pg.createDatabase();
      const manual = await restoreBackup({ backup: b.path, dataDir: join(tempDir(), 'p1'), pgTarget: { database: t1, env }, promote });
      const m = manual.postgres!.promoted!;
      assert.equal(m.switched.kind, 'manual');
      assert.ok(m.switched.kind === 'manual' && m.switched.set['RUNLEDGER_DATABASE_URL']!.endsWith(`/${t1}`));
      assert.equal(m.replaced, liveDb);
      assert.equal(m.entry, b.manifest.ledger.size);

      // DSN files: rewritten in place (staged, renamed), the previous ones kept beside them.
      const cfg = tempDir('runledger-dsn-');
      writeFileSync(join(cfg, 'db.url'), `${env['RUNLEDGER_DATABASE_URL']}\n`, { mode: 0o600 });
      writeFileSync(join(cfg, 'writer.url'), `${env['RUNLEDGER_LEDGER_DATABASE_URL']}\n`, { mode: 0o600 });
      const fileEnv = { RUNLEDGER_DATABASE_URL_FILE: join(cfg, 'db.url'), RUNLEDGER_LEDGER_DATABASE_URL_FILE: join(cfg, 'writer.url') };
      const t2 = await pg.createDatabase();
      const res = await restoreBackup({
        backup: b.path,
        dataDir: join(tempDir(), 'p2'),
        pgTarget: { database: t2, env: fileEnv },
        promote: { actor, liveHome: home, env: fileEnv },
      });
      const p = res.postgres!.promoted!;
      assert.equal(p.switched.kind, 'files');
      assert.equal(readFileSync(join(cfg, 'db.url'), 'utf8').trim(), pg.urls(t2).main);
      assert.equal(readFileSync(join(cfg, 'writer.url'), 'utf8').trim(), pg.urls(t2).writer);
      assert.ok(p.switched.kind === 'files' && readFileSync(p.switched.movedAside[0]!, 'utf8').includes(`/${liveDb}`));
      assert.equal((statSync(join(cfg, 'db.url')).mode & 0o777).toString(8), '600');
      // The settings now open the restored ledger, whose newest entry records the promote.
      const now = await openLedger({ home, env: fileEnv }, { write: true, startupCheck: 'full' });
      try {
        const e = await now.reader.entry(p.entry);
        assert.equal(e!.entry.type, 'restore.promoted');
        assert.deepEqual(
          { ...(e!.entry.data as Record<string, unknown>), manifestSha256: undefined },
          {
            manifestSha256: undefined,
            restoredSize: b.manifest.ledger.size,
            restoredRoot: b.manifest.ledger.root,
            dialect: 'postgres',
            database: t2,
            replaced: liveDb,
            pointer: 'files',
          },
        );
      } finally {
        await now.close();
      }
    } finally {
      ctx = await openLedger({ home, env }, { write: true });
    }
  });
});

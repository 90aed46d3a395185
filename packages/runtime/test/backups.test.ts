// Backups and restore on SQLite with real stores: a backup taken while appends go on restores to a
// ledger that verifies and equals the manifest's checkpoint; tampered backups are refused with their reason.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BACKUP_MANIFEST_FILE, type BackupManifest } from '@runledger/core';
import { generateSigner } from '@runledger/ledger';
import { pgFactory, removeTempDirs, tempDir } from '@runledger/testkit';
import {
  AnchorShipper,
  backupNow,
  initLedger,
  parseDestination,
  listBackups,
  openLedger,
  pgEnvOf,
  pruneBackups,
  restoreBackup,
  RuntimeError,
  type LedgerContext,
} from '../src/index.js';

const actor = { kind: 'user' as const, id: 'alice' };
const ORIGIN = 'ops.test.runledger/backup';

after(removeTempDirs);

async function freshLedger(n: number): Promise<{ home: string; ctx: LedgerContext }> {
  const home = join(tempDir('runledger-backup-'), 'data');
  await initLedger({ home, env: {} }, { origin: ORIGIN, actor });
  const ctx = await openLedger({ home, env: {} }, { write: true });
  for (let i = 0; i < n; i++) await ctx.writer!.append({ type: 'ops.note', actor, data: { i } });
  return { home, ctx };
}

function code(e: unknown): string {
  return e instanceof RuntimeError ? e.code : `not a RuntimeError: ${String(e)}`;
}

/** Rewrites the manifest's digest of `path` to the file's current bytes, as an attacker who also edits the manifest would. */
function reseal(backup: string, path: string): void {
  const m = JSON.parse(readFileSync(join(backup, BACKUP_MANIFEST_FILE), 'utf8')) as BackupManifest;
  const bytes = readFileSync(join(backup, path));
  const files = m.files.filter((f) => f.path !== path);
  const role = path === 'trust.vkeys' ? 'trust' : path.startsWith('keys/') ? 'vkey' : 'database';
  files.push({ path, role, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
  writeFileSync(join(backup, BACKUP_MANIFEST_FILE), `${JSON.stringify({ ...m, files }, null, 2)}\n`);
}

describe('backups (SQLite)', () => {
  it('backs up while appends go on; the restore verifies and equals the manifest checkpoint', async () => {
    const { home, ctx } = await freshLedger(200);
    const dir = join(tempDir(), 'backups');
    let stop = false;
    let appended = 0;
    const writer = (async () => {
      while (!stop) {
        await ctx.writer!.append({ type: 'ops.note', actor, data: { during: appended++ } });
      }
    })();
    const seen: number[] = [];
    try {
      while (appended < 5) await new Promise((res) => setTimeout(res, 1));
      const before = appended;
      const r = await backupNow({ ctx, dir, actor, progress: (d) => seen.push(d) });
      assert.ok(appended > before, `appends went on during the backup (${appended - before})`);
      // Let appends run on after the snapshot too.
      await new Promise((res) => setTimeout(res, 50));
      stop = true;
      await writer;
      assert.ok(appended > 0, 'appends ran during the backup');
      assert.ok(seen.length >= 2);
      assert.ok(!readdirSync(dir).some((n) => n.startsWith('.')), 'no staging left');
      assert.ok(r.manifest.ledger.size >= 201);
      const created = await ctx.reader.entry(r.entry);
      assert.equal(created!.entry.type, 'backup.created');
      assert.equal((created!.entry.data as { manifestSha256: string }).manifestSha256, r.manifestSha256);
      assert.ok(
        readdirSync(join(r.path, 'keys')).every((n) => n.endsWith('.vkey')),
        'public parts only',
      );

      const listed = await listBackups(dir);
      assert.equal(listed.length, 1);
      assert.equal(listed[0]!.manifestSha256, r.manifestSha256);

      const target = join(tempDir(), 'restored');
      const restored = await restoreBackup({ backup: r.path, dataDir: target, recordedIn: { home, env: {} } });
      assert.ok(
        restored.checks.some((c) => c.startsWith(`recorded: the manifest's digest equals ledger entry ${r.entry}`)),
        restored.checks.join('\n'),
      );
      assert.equal(restored.ledger.size, r.manifest.ledger.size);
      assert.equal(restored.manifestSha256, r.manifestSha256);
      const back = await openLedger({ home: target, env: {} }, { write: false });
      try {
        const head = await back.reader.head();
        assert.equal(head.size, r.manifest.ledger.size);
        assert.equal(head.checkpoint!.note, r.manifest.ledger.checkpoint);
      } finally {
        await back.close();
      }
      assert.ok(!existsSync(join(target, 'keys')), 'no private keys restored without promote');

      // A restore into a non-empty directory is refused; so is one beside a stale -wal file.
      await assert.rejects(restoreBackup({ backup: r.path, dataDir: target }), (e) => code(e) === 'RESTORE_TARGET_NOT_EMPTY');
      const stale = join(tempDir(), 'stale');
      mkdirSync(stale);
      writeFileSync(join(stale, 'runledger.db-wal'), 'x');
      await assert.rejects(
        restoreBackup({ backup: r.path, dataDir: stale }),
        (e) => code(e) === 'RESTORE_TARGET_NOT_EMPTY' && /-wal/.test((e as Error).message),
      );
      await assert.rejects(restoreBackup({ backup: r.path, dataDir: home }), (e) => code(e) === 'RESTORE_TARGET_NOT_EMPTY');
    } finally {
      stop = true;
      await writer;
      await ctx.close();
    }
  });

  it('refuses tampered backups, each with its reason', async () => {
    const { ctx } = await freshLedger(30);
    const dir = join(tempDir(), 'backups');
    const take = async () => (await backupNow({ ctx, dir, actor })).path;
    try {
      // A changed file.
      const changed = await take();
      writeFileSync(join(changed, 'trust.vkeys'), `${readFileSync(join(changed, 'trust.vkeys'), 'utf8')}# edited\n`);
      await assert.rejects(restoreBackup({ backup: changed, dataDir: join(tempDir(), 't') }), (e) => code(e) === 'BACKUP_FILE_MISMATCH');

      // A truncated ledger database, the manifest resealed to match: the ledger checks catch it.
      const truncated = await take();
      const db = join(truncated, 'runledger.db');
      truncateSync(db, Math.floor(statSync(db).size / 2));
      reseal(truncated, 'runledger.db');
      // With the live ledger at hand, the resealed manifest is not the one it recorded.
      await assert.rejects(
        restoreBackup({ backup: truncated, dataDir: join(tempDir(), 't'), recordedIn: { home: ctx.home, env: {} } }),
        (e) => code(e) === 'BACKUP_MANIFEST_INVALID' && /recorded/.test((e as Error).message),
      );
      const t2 = join(tempDir(), 't');
      await assert.rejects(restoreBackup({ backup: truncated, dataDir: t2 }), (e) => code(e) === 'BACKUP_LEDGER_MISMATCH');
      assert.ok(!existsSync(t2), 'a refused restore leaves nothing behind');

      // Another key among the keys, the manifest resealed: it is not the trust file's.
      const keyed = await take();
      const other = generateSigner(ORIGIN);
      writeFileSync(join(keyed, 'keys', 'intruder.vkey'), `${other.vkey}\n`);
      reseal(keyed, 'keys/intruder.vkey');
      await assert.rejects(restoreBackup({ backup: keyed, dataDir: join(tempDir(), 't') }), (e) => code(e) === 'BACKUP_KEYS_MISMATCH');

      // A trust file naming another key: the ledger does not verify from it.
      const trust = await take();
      writeFileSync(join(trust, 'trust.vkeys'), `${other.vkey}\n`);
      reseal(trust, 'trust.vkeys');
      await assert.rejects(restoreBackup({ backup: trust, dataDir: join(tempDir(), 't') }), (e) => code(e) === 'BACKUP_KEYS_MISMATCH');

      // An extra file not in the manifest.
      const extra = await take();
      writeFileSync(join(extra, 'note.txt'), 'hi');
      await assert.rejects(restoreBackup({ backup: extra, dataDir: join(tempDir(), 't') }), (e) => code(e) === 'BACKUP_FILE_MISMATCH');
    } finally {
      await ctx.close();
    }
  });

  it('refuses a restore behind an anchor held off-host (entries it proves existed would be lost), unless allowed with a reason', async () => {
    const { home, ctx } = await freshLedger(20);
    try {
      const dir = join(tempDir(), 'backups');
      const anchors = join(tempDir(), 'anchors');
      const ship = () => new AnchorShipper({ reader: ctx.reader, destinations: [parseDestination(anchors, home)], stateDir: join(home, 'anchors') }).shipNow();
      await ship();
      const old = await backupNow({ ctx, dir, actor });
      // The anchor at the backup's size: the restore extends it.
      const same = await restoreBackup({ backup: old.path, dataDir: join(tempDir(), 'r1'), anchors: [anchors] });
      assert.ok(
        same.checks.some((c) => c.startsWith('anchors: the restored ledger extends the newest anchor')),
        same.checks.join('\n'),
      );
      // More entries, shipped off-host: the old backup is now behind what the anchor proves.
      for (let i = 0; i < 10; i++) await ctx.writer!.append({ type: 'ops.note', actor, data: { later: i } });
      await ship();
      const behind = join(tempDir(), 'r2');
      await assert.rejects(
        restoreBackup({ backup: old.path, dataDir: behind, anchors: [anchors] }),
        (e) => code(e) === 'RESTORE_ROLLBACK' && /behind the newest anchor/.test((e as Error).message),
      );
      assert.ok(!existsSync(behind) || readdirSync(behind).length === 0, 'a refused restore leaves nothing');
      const allowed = await restoreBackup({
        backup: old.path,
        dataDir: join(tempDir(), 'r3'),
        anchors: [anchors],
        allowRollback: { reason: 'the disk with the newer data is gone; ticket OPS-9' },
      });
      assert.ok(
        allowed.checks.some((c) => /BEHIND the newest anchor .*allowed: the disk with the newer data is gone/.test(c)),
        allowed.checks.join('\n'),
      );
    } finally {
      await ctx.close();
    }
  });

  it('promotes a verified restore and records it; prunes by policy and records it', async () => {
    const { home, ctx } = await freshLedger(5);
    const dir = join(tempDir(), 'backups');
    let r;
    try {
      r = await backupNow({ ctx, dir, actor, now: () => new Date('2026-12-01T10:00:00Z') });
      await backupNow({ ctx, dir, actor, now: () => new Date('2026-12-02T10:00:00Z') });
      await backupNow({ ctx, dir, actor, now: () => new Date('2026-12-02T11:00:00Z') });
      const p = await pruneBackups({ ctx, dir, actor, policy: { keepLast: 1, daily: 2 } });
      assert.equal(p.removed.length, 1);
      assert.equal((await ctx.reader.entry(p.entry!))!.entry.type, 'backup.pruned');
      assert.equal((await listBackups(dir)).length, 2);
      await assert.rejects(pruneBackups({ ctx, dir, actor, policy: { keepLast: 0 } }), (e) => code(e) === 'USAGE');
    } finally {
      await ctx.close();
    }
    // While the live store is open, promote refuses (the verified restore stays where it is).
    const live = await openLedger({ home, env: {} }, { write: false });
    const held = join(tempDir(), 'held');
    try {
      await assert.rejects(
        restoreBackup({ backup: r.path, dataDir: held, promote: { actor, liveHome: home, env: {} } }),
        (e) => code(e) === 'RESTORE_LIVE_IN_USE',
      );
    } finally {
      await live.close();
    }
    assert.ok(existsSync(join(held, 'runledger.db')));
    const target = join(tempDir(), 'restored');
    const res = await restoreBackup({ backup: r.path, dataDir: target, promote: { actor, liveHome: home, env: {} } });
    assert.ok(res.promoted);
    assert.ok(existsSync(res.promoted.movedAside));
    assert.ok(!existsSync(target));
    const back = await openLedger({ home, env: {} }, { write: true, startupCheck: 'full' });
    try {
      const e = await back.reader.entry(res.promoted.entry);
      assert.equal(e!.entry.type, 'restore.promoted');
      assert.equal(res.promoted.entry, r.manifest.ledger.size);
    } finally {
      await back.close();
    }
  });
});

describe('pgEnvOf', () => {
  it('turns a DSN into PG* variables (pg_dump gets no DSN on its command line)', () => {
    assert.deepEqual(pgEnvOf('postgres://app:s%40cret@db.example:6543/runledger?sslmode=require'), {
      PGHOST: 'db.example',
      PGPORT: '6543',
      PGUSER: 'app',
      PGPASSWORD: 's@cret',
      PGDATABASE: 'runledger',
      PGSSLMODE: 'require',
    });
  });
});

describe('backups (PostgreSQL)', () => {
  const pg = pgFactory();
  before(() => pg.setup());
  after(() => pg.teardown());

  it('dumps the schemas with pg_dump from the snapshot the manifest head was read in (restore: backups-pg.test.ts)', async () => {
    const f = await pg.create();
    if (f.config.kind !== 'postgres') throw new Error('expected a PostgreSQL fixture');
    const env = { RUNLEDGER_DATABASE_URL: f.config.url, RUNLEDGER_LEDGER_DATABASE_URL: f.config.ledgerWriterUrl! };
    await initLedger({ home: f.home, env }, { origin: ORIGIN, actor });
    const ctx = await openLedger({ home: f.home, env }, { write: true });
    try {
      for (let i = 0; i < 5; i++) await ctx.writer!.append({ type: 'ops.note', actor, data: { i } });
      const r = await backupNow({ ctx, dir: join(tempDir(), 'backups'), actor });
      assert.equal(r.manifest.dialect, 'postgres');
      assert.equal(r.manifest.ledger.size, 6);
      assert.ok(readFileSync(join(r.path, 'runledger.dump')).subarray(0, 5).toString() === 'PGDMP', 'a custom-format archive');
    } finally {
      await ctx.close();
    }
  });
});

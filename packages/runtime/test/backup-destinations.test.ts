// After a backup: destinations (a directory: staged copy, digests re-checked there, renamed; a command:
// the path as {path} and RUNLEDGER_BACKUP_PATH, a timeout, output captured and redacted), each outcome a
// backup.copied entry naming the destination without the command's arguments. Retention on fixed dates,
// and the newest VERIFIED backup with its verification cached until the directory changes.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { removeTempDirs, tempDir } from '@runledger/testkit';
import {
  backupDestinationsOf,
  backupFact,
  backupNow,
  BackupVerifier,
  initLedger,
  listBackups,
  openLedger,
  parseDestination,
  pruneBackups,
  REDACTION_MARK,
  runBackupDestinations,
  RuntimeError,
  type LedgerContext,
} from '../src/index.js';

const actor = { kind: 'user' as const, id: 'alice' };
const ORIGIN = 'ops.test.runledger/backup-destinations';

after(removeTempDirs);

async function fresh(): Promise<{ root: string; ctx: LedgerContext }> {
  const root = tempDir('runledger-backup-dest-');
  const home = join(root, 'data');
  await initLedger({ home, env: {} }, { origin: ORIGIN, actor });
  return { root, ctx: await openLedger({ home, env: {} }, { write: true }) };
}

describe('backup destinations', () => {
  it('copies to a directory (staged, digests checked there) and runs commands with the path; each outcome is a ledger entry', async () => {
    const { root, ctx } = await fresh();
    try {
      const b = await backupNow({ ctx, dir: join(root, 'backups'), actor });
      const mirror = join(root, 'mnt', 'offsite');
      const seen = (arg: string): string => join(root, `seen-${arg}.txt`);
      const leaked = join(root, 'leaked.txt');
      const token = 'tok-7f3a9c2e55d14b0a';
      writeFileSync(leaked, `${token}\n`);
      const script = join(root, 'push.sh');
      writeFileSync(
        script,
        `out=${root}/seen-$1.txt\nprintf 'args:%s\\n' "$@" > $out\nprintf 'env:%s\\n' "$RUNLEDGER_BACKUP_PATH" >> $out\nprintf 'db:%s\\n' "$RUNLEDGER_DATABASE_URL" >> $out\ncat ${leaked}\ncase "$1" in fail) echo "upload refused for $(cat ${leaked})" >&2; exit 3;; esac\n`,
      );
      const env = { ...process.env, RUNLEDGER_DATABASE_URL: 'postgres://app:hunter2hunter2@db/rl' };
      const outcomes = await runBackupDestinations({
        ctx,
        backup: b,
        actor,
        env,
        secrets: [token],
        destinations: [
          parseDestination(mirror, root),
          parseDestination(`cmd:/bin/sh ${script} ok --to {path} --token=${token}`, root),
          parseDestination(`cmd:/bin/sh ${script} fail`, root),
        ],
      });
      assert.deepEqual(
        outcomes.map((o) => [o.destination, o.kind, o.ok]),
        [
          [mirror, 'dir', true],
          ['cmd:sh', 'command', true],
          ['cmd:sh', 'command', false],
        ],
      );
      // The directory copy: whole, under the backup's id, no staging left.
      assert.deepEqual(readdirSync(mirror), [b.id]);
      assert.equal(readFileSync(join(mirror, b.id, 'MANIFEST.json'), 'utf8'), readFileSync(join(b.path, 'MANIFEST.json'), 'utf8'));
      assert.deepEqual(readdirSync(join(mirror, b.id)).sort(), readdirSync(b.path).sort());
      // The command: {path} substituted, RUNLEDGER_BACKUP_PATH set, the store's DSN kept out, output redacted.
      const got = readFileSync(seen('ok'), 'utf8');
      assert.ok(got.startsWith(`args:ok\nargs:--to\nargs:${b.path}\nargs:--token=${token}\n`), got);
      assert.ok(readFileSync(seen('fail'), 'utf8').startsWith(`args:fail\nargs:${b.path}\n`), 'without {path}, the path is the last argument');
      const ok = outcomes[1]!;
      assert.equal(ok.output?.stdout.trim(), REDACTION_MARK, 'the token the command printed is redacted');
      const failed = outcomes[2]!;
      assert.equal(failed.detail, 'exit 3');
      assert.match(failed.output!.stderr, new RegExp(`upload refused for ${REDACTION_MARK}`));
      assert.match(got, new RegExp(`env:${b.path}\\n`));
      assert.match(got, /db:\n/, 'no DSN in the command’s environment');
      // Each outcome is a backup.copied entry; none holds the command's arguments or output.
      for (const o of outcomes) {
        const e = (await ctx.reader.entry(o.entry))!;
        assert.equal(e.entry.type, 'backup.copied');
        assert.deepEqual(e.entry.subject, { kind: 'backup', id: b.id });
        const d = e.entry.data as { destination: string; outcome: string; manifestSha256: string };
        assert.deepEqual([d.destination, d.outcome, d.manifestSha256], [o.destination, o.ok ? 'ok' : 'failed', b.manifestSha256]);
        const text = Buffer.from(e.bytes).toString('utf8');
        assert.ok(!text.includes(token) && !text.includes(script) && !text.includes('hunter2'), text);
      }
      // The local backup stays whatever a destination did.
      assert.equal((await listBackups(join(root, 'backups')))[0]!.id, b.id);

      // Again: the copy already there is checked, not redone; a copy that differs there is a failure.
      const again = await runBackupDestinations({ ctx, backup: b, actor, destinations: [parseDestination(mirror, root)] });
      assert.match(again[0]!.detail, /already there; digests match/);
      writeFileSync(join(mirror, b.id, 'trust.vkeys'), '# altered\n');
      const bad = await runBackupDestinations({ ctx, backup: b, actor, destinations: [parseDestination(mirror, root)] });
      assert.equal(bad[0]!.ok, false);
      assert.match(bad[0]!.detail, /trust\.vkeys has/);

      // A command that outlives its timeout is ended and reported.
      writeFileSync(join(root, 'slow.sh'), 'sleep 30\n');
      const slow = await runBackupDestinations({
        ctx,
        backup: b,
        actor,
        commandTimeoutMs: 300,
        destinations: [parseDestination(`cmd:/bin/sh ${join(root, 'slow.sh')}`, root)],
      });
      assert.equal(slow[0]!.ok, false);
      assert.match(slow[0]!.detail, /^timed out after 0\.3 s$/);
    } finally {
      await ctx.close();
    }
  });

  it('RUNLEDGER_BACKUP_DESTINATIONS has the anchors’ syntax', () => {
    const d = backupDestinationsOf({ RUNLEDGER_BACKUP_DESTINATIONS: 'offsite, cmd:rclone copy {path} remote:bk' }, '/srv');
    assert.deepEqual(d, [
      { kind: 'dir', id: '/srv/offsite', dir: '/srv/offsite' },
      { kind: 'command', id: 'cmd:rclone copy {path} remote:bk', argv: ['rclone', 'copy', '{path}', 'remote:bk'] },
    ]);
    assert.throws(
      () => backupDestinationsOf({ RUNLEDGER_BACKUP_DESTINATIONS: 'cmd:' }, '/'),
      (e) => e instanceof RuntimeError && e.code === 'USAGE' && /RUNLEDGER_BACKUP_DESTINATIONS/.test(e.message),
    );
  });
});

describe('backup retention on fixed dates', () => {
  it('keep-last, keep-daily and keep-weekly together; keep-last 0 with daily still keeps the newest; all zero is refused', async () => {
    const { root, ctx } = await fresh();
    const dir = join(root, 'backups');
    try {
      const ids: Record<string, string> = {};
      // Mon 2026-11-23 … Mon 2026-12-07: two a day on the 7th, one a day otherwise on some days.
      for (const t of [
        '2026-11-23T10:00:00Z',
        '2026-11-30T10:00:00Z',
        '2026-12-04T10:00:00Z',
        '2026-12-05T10:00:00Z',
        '2026-12-06T10:00:00Z',
        '2026-12-07T08:00:00Z',
        '2026-12-07T20:00:00Z',
      ])
        ids[t] = (await backupNow({ ctx, dir, actor, now: () => new Date(t) })).id;
      const dry = await pruneBackups({ ctx, dir, actor, policy: { keepLast: 0, daily: 2 }, dryRun: true });
      assert.deepEqual(dry.kept, [ids['2026-12-07T20:00:00Z'], ids['2026-12-06T10:00:00Z']]);
      assert.equal(dry.entry, undefined);
      assert.equal((await listBackups(dir)).length, 7, 'a dry run deletes nothing');
      const p = await pruneBackups({ ctx, dir, actor, policy: { keepLast: 1, daily: 3, weekly: 3 } });
      // last 1: Dec 7 20:00; days: Dec 7, 6, 5; ISO weeks (Monday to Sunday): W50 → Dec 7 20:00, W49 (Nov 30 – Dec 6) → Dec 6,
      // W48 (Nov 23 – 29) → Nov 23.
      assert.deepEqual(p.kept, [ids['2026-12-07T20:00:00Z'], ids['2026-12-06T10:00:00Z'], ids['2026-12-05T10:00:00Z'], ids['2026-11-23T10:00:00Z']]);
      assert.deepEqual(p.removed, [ids['2026-12-07T08:00:00Z'], ids['2026-12-04T10:00:00Z'], ids['2026-11-30T10:00:00Z']]);
      const e = (await ctx.reader.entry(p.entry!))!;
      assert.deepEqual((e.entry.data as { policy: unknown }).policy, { keepLast: 1, daily: 3, weekly: 3 });
      await assert.rejects(
        pruneBackups({ ctx, dir, actor, policy: { keepLast: 0, daily: 0, weekly: 0 } }),
        (x) => x instanceof RuntimeError && x.code === 'USAGE',
      );
    } finally {
      await ctx.close();
    }
  });
});

describe('the newest verified backup', () => {
  it('is cached until its directory changes; a backup whose files no longer match does not count', async () => {
    const { root, ctx } = await fresh();
    const dir = join(root, 'backups');
    try {
      const v = new BackupVerifier(dir);
      assert.equal(await v.newest(), undefined);
      const none = await backupFact(v, new Date('2026-12-07T12:00:00Z'), 900);
      assert.deepEqual([none.ok, none.ageSeconds], [false, null]);
      assert.match(none.detail, /no verified backup/);

      const older = await backupNow({ ctx, dir, actor, now: () => new Date('2026-12-07T11:00:00Z') });
      const newer = await backupNow({ ctx, dir, actor, now: () => new Date('2026-12-07T11:50:00Z') });
      assert.equal((await v.newest())?.id, newer.id);
      const hashed = v.hashed;
      assert.equal((await v.newest())?.id, newer.id);
      assert.equal(v.hashed, hashed, 'not hashed again while nothing changed');

      const fresh = await backupFact(v, new Date('2026-12-07T12:00:00Z'), 900);
      assert.deepEqual([fresh.ok, fresh.ageSeconds, fresh.newest?.id, fresh.newest?.bytes], [true, 600, newer.id, newer.bytes]);
      const late = await backupFact(v, new Date('2026-12-07T12:30:00Z'), 900);
      assert.deepEqual([late.ok, late.ageSeconds], [false, 2400]);

      // The newer backup's trust file changes: it no longer verifies, and the older one is the newest verified.
      writeFileSync(join(newer.path, 'trust.vkeys'), `${readFileSync(join(newer.path, 'trust.vkeys'), 'utf8')}# edited\n`);
      assert.equal((await v.newest())?.id, older.id);
      assert.ok(v.hashed > hashed);
      assert.match(v.problemOf(newer.id)!, /trust\.vkeys/);
      assert.ok(existsSync(newer.path), 'verification deletes nothing');
    } finally {
      await ctx.close();
    }
  });
});

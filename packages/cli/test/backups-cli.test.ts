// `runledger backup now|list|prune` and `runledger restore`: exit codes and output on a real SQLite store.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { removeTempDirs, tempDir } from '@runledger/testkit';
import { cliRunner, type Ran } from './helpers.js';

/** The CLI in a child process of its own (so its command line is a real one, as `ps` shows it). */
function spawnCli(home: string, env: Record<string, string>, ...args: string[]): Promise<Ran> {
  const child = fileURLToPath(new URL('./fixtures/cli-child.ts', import.meta.url));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', child, ...args],
      {
        env: { ...process.env, RUNLEDGER_HOME: home, RUNLEDGER_ACTOR: 'alice', RUNLEDGER_DATABASE_URL: '', RUNLEDGER_LEDGER_DATABASE_URL: '', ...env },
      },
      (err, out, errOut) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: String(out), err: String(errOut) }),
    );
  });
}

after(removeTempDirs);

describe('backup and restore CLI', () => {
  it('backs up, lists, restores, refuses a tampered backup and bad input', async () => {
    const root = tempDir('runledger-backup-cli-');
    const home = join(root, 'data');
    const run = cliRunner(root, home);
    assert.equal((await run({}, 'init', '--origin', 'ops.test/backup-cli')).code, 0);
    const made = await run({}, 'backup', 'now', '--json');
    assert.equal(made.code, 0, made.err);
    const b = JSON.parse(made.out) as { id: string; path: string; manifestSha256: string; ledger: { size: number } };
    assert.ok(b.path.startsWith(join(root, 'data-backups')), 'default: beside the data directory');

    const listed = await run({}, 'backup', 'list', '--json');
    assert.equal(listed.code, 0);
    assert.equal((JSON.parse(listed.out) as { id: string }[])[0]!.id, b.id);

    const ok = await run({}, 'restore', b.path, '--data-dir', join(root, 'restored'), '--json');
    assert.equal(ok.code, 0, ok.err);
    const restored = JSON.parse(ok.out) as { ledger: { size: number }; checks: string[] };
    assert.equal(restored.ledger.size, b.ledger.size);
    assert.ok(restored.checks.some((c) => c.includes(`ledger entry ${(JSON.parse(made.out) as { entry: number }).entry} (backup.created)`)));

    // No ledger at RUNLEDGER_HOME: the recorded-digest check is skipped, and says so.
    const elsewhere = await run({ RUNLEDGER_HOME: join(root, 'nothing') }, 'restore', b.path, '--data-dir', join(root, 'restored-2'), '--json');
    assert.equal(elsewhere.code, 0, elsewhere.err);
    assert.ok((JSON.parse(elsewhere.out) as { checks: string[] }).checks.some((c) => c.startsWith('recorded: not checked')));

    const again = await run({}, 'restore', b.path, '--data-dir', join(root, 'restored'));
    assert.equal(again.code, 2);
    assert.match(again.err, /RESTORE_TARGET_NOT_EMPTY/);

    writeFileSync(join(b.path, 'trust.vkeys'), '# emptied\n');
    const bad = await run({}, 'restore', b.path, '--data-dir', join(root, 'r2'));
    assert.equal(bad.code, 1);
    assert.match(bad.err, /BACKUP_FILE_MISMATCH/);

    // Promote: a fresh backup restored and swapped in for the live data directory.
    const second = JSON.parse((await run({}, 'backup', 'now', '--json')).out) as { path: string };
    const promoted = await run({}, 'restore', second.path, '--data-dir', join(root, 'p'), '--promote', '--json');
    assert.equal(promoted.code, 0, promoted.err);
    const p = JSON.parse(promoted.out) as { promoted: { home: string; entry: number } };
    assert.equal(p.promoted.home, home);
    assert.equal((await run({}, 'ledger', 'check')).code, 0);

    assert.equal((await run({}, 'backup', 'prune', '--keep-last', '0')).code, 2);
    assert.equal((await run({}, 'backup', 'prune')).code, 2, 'no count: the newest would not be kept');
    assert.equal((await run({}, 'restore', second.path)).code, 2, 'no --data-dir');
    const pruned = await run({}, 'backup', 'prune', '--keep-last', '1', '--json');
    assert.equal(pruned.code, 0, pruned.err);
  });
});

describe('backup destinations, private keys and anchors on the command line', () => {
  it('--with-private-keys seals with a passphrase from the environment, never on a command line; --copy-to and --then run after', async () => {
    const root = tempDir('runledger-backup-keys-cli-');
    const home = join(root, 'data');
    const run = cliRunner(root, home);
    assert.equal((await run({}, 'init', '--origin', 'ops.test/backup-keys-cli')).code, 0);
    const passphrase = 'violet-meridian-anchor-4471';
    const seen = join(root, 'seen.txt');
    const script = join(root, 'push.sh');
    // The command records its arguments, its environment and its parent's (the CLI's) command line.
    writeFileSync(script, `{ printf '%s\\n' "$@"; env; tr '\\0' ' ' < /proc/$PPID/cmdline; } > ${seen}\n`);
    const mirror = join(root, 'mirror');
    const made = await spawnCli(
      home,
      { RUNLEDGER_BACKUP_PASSPHRASE: passphrase },
      'backup',
      'now',
      '--with-private-keys',
      '--copy-to',
      mirror,
      '--then',
      `/bin/sh ${script} {path}`,
      '--json',
    );
    assert.equal(made.code, 0, made.err);
    const b = JSON.parse(made.out) as { id: string; path: string; privateKeys: boolean; destinations: { destination: string; ok: boolean; entry: number }[] };
    assert.equal(b.privateKeys, true);
    assert.deepEqual(
      b.destinations.map((d) => [d.destination, d.ok]),
      [
        [mirror, true],
        ['cmd:sh', true],
      ],
    );
    assert.ok(existsSync(join(mirror, b.id, 'MANIFEST.json')));
    const got = readFileSync(seen, 'utf8');
    assert.ok(got.startsWith(`${b.path}\n`), got);
    assert.match(got, /backup now --with-private-keys/, 'the CLI’s own command line was read');
    assert.ok(!got.includes(passphrase), 'the passphrase is neither in the command’s arguments, its environment nor the CLI’s command line');
    for (const n of readdirSync(join(b.path, 'keys'))) assert.ok(!readFileSync(join(b.path, 'keys', n), 'utf8').includes(passphrase));

    // Restore with the passphrase from a file: the keys come back 0600; without one, the signer must be provided.
    writeFileSync(join(root, 'pass'), `${passphrase}\n`, { mode: 0o600 });
    const withKeys = await run({}, 'restore', b.path, '--data-dir', join(root, 'r1'), '--passphrase-file', 'pass', '--json');
    assert.equal(withKeys.code, 0, withKeys.err);
    assert.deepEqual((JSON.parse(withKeys.out) as { privateKeys: unknown }).privateKeys, { sealed: 1, restored: 1 });
    const keyFile = readdirSync(join(root, 'r1', 'keys'))[0]!;
    assert.equal(statSync(join(root, 'r1', 'keys', keyFile)).mode & 0o777, 0o600);
    const without = await run({}, 'restore', b.path, '--data-dir', join(root, 'r2'));
    assert.equal(without.code, 0, without.err);
    assert.match(without.out, /the signer must be provided/);
    writeFileSync(join(root, 'wrong'), 'definitely-not-it-42\n');
    const wrong = await run({}, 'restore', b.path, '--data-dir', join(root, 'r3'), '--passphrase-file', 'wrong');
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /BACKUP_DECRYPT_FAILED/);
    assert.ok(!existsSync(join(root, 'r3')));

    // Bad input: private keys without a passphrase; a passphrase file without private keys.
    assert.equal((await run({}, 'backup', 'now', '--with-private-keys')).code, 2);
    assert.equal((await run({}, 'backup', 'now', '--passphrase-file', 'pass')).code, 2);

    // A failing destination: exit 1, recorded, and the local backup stays. RUNLEDGER_BACKUP_DESTINATIONS when no flag.
    const failing = await run({ RUNLEDGER_BACKUP_DESTINATIONS: 'cmd:false' }, 'backup', 'now', '--json');
    assert.equal(failing.code, 1, failing.err);
    assert.match(failing.err, /BACKUP_COPY_FAILED/);
    const f = JSON.parse(failing.out) as { path: string; destinations: { ok: boolean; detail: string }[] };
    assert.equal(f.destinations[0]!.ok, false);
    assert.ok(existsSync(join(f.path, 'MANIFEST.json')), 'the local backup stays');
  });

  it('--anchor NOTE: a restore behind a signed checkpoint given on the command line is refused as a rollback', async () => {
    const root = tempDir('runledger-anchor-cli-');
    const home = join(root, 'data');
    const run = cliRunner(root, home);
    assert.equal((await run({}, 'init', '--origin', 'ops.test/anchor-note-cli')).code, 0);
    const old = JSON.parse((await run({}, 'backup', 'now', '--json')).out) as { path: string };
    const anchors = join(root, 'offhost');
    assert.equal((await run({}, 'anchors', 'ship', '--to', anchors)).code, 0);
    const note = join(anchors, readdirSync(anchors)[0]!);
    const refused = await run({}, 'restore', old.path, '--data-dir', join(root, 'r1'), '--anchor', note);
    assert.equal(refused.code, 1, refused.out);
    assert.match(refused.err, /RESTORE_ROLLBACK/);
    const allowed = await run({}, 'restore', old.path, '--data-dir', join(root, 'r2'), '--anchor', note, '--allow-rollback', 'drill');
    assert.equal(allowed.code, 0, allowed.err);
    assert.equal((await run({}, 'restore', old.path, '--data-dir', join(root, 'r3'), '--anchor', 'missing.note')).code, 2);

    // anchors prune: keeps the newest N of a directory that verifies and that the live ledger extends.
    await run({}, 'backup', 'now');
    assert.equal((await run({}, 'anchors', 'ship', '--to', anchors)).code, 0);
    await run({}, 'backup', 'now');
    assert.equal((await run({}, 'anchors', 'ship', '--to', anchors)).code, 0);
    assert.equal(readdirSync(anchors).length, 3);
    const pruned = await run({}, 'anchors', 'prune', '--dir', anchors, '--keep', '1', '--json');
    assert.equal(pruned.code, 0, pruned.err);
    assert.deepEqual(readdirSync(anchors), [(JSON.parse(pruned.out) as { kept: string[] }).kept[0]]);
    assert.equal((await run({}, 'anchors', 'check', '--dir', anchors)).code, 0, 'the pruned directory still checks');
    assert.equal((await run({}, 'anchors', 'prune', '--dir', anchors, '--keep', '0')).code, 2);

    // `runledger health` judges `backup: fresh` like the server: the newest verified backup against RUNLEDGER_BACKUP_RPO.
    writeFileSync(join(home, 'catalog.yaml'), 'checklists:\n  - name: backed-up\n    items:\n      - backup: fresh\n');
    const fresh = await run({ RUNLEDGER_BACKUP_RPO: '1h' }, 'health', 'backed-up', '--json');
    assert.equal(fresh.code, 0, fresh.out + fresh.err);
    const none = await run({ RUNLEDGER_BACKUP_DIR: join(root, 'empty') }, 'health', 'backed-up', '--json');
    assert.equal(none.code, 1, none.out + none.err);
    assert.match(none.out, /no verified backup in/);
    assert.equal((await run({ RUNLEDGER_BACKUP_RPO: 'soon' }, 'health', 'backed-up')).code, 2, 'a setting that is no duration');
  });
});

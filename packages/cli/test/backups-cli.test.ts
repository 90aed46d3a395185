// `runledger backup now|list|prune` and `runledger restore`: exit codes and output on a real SQLite store.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { removeTempDirs, tempDir } from '@runledger/testkit';
import { cliRunner } from './helpers.js';

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

    assert.equal((await run({}, 'backup', 'prune', '--keep', '0')).code, 2);
    assert.equal((await run({}, 'restore', second.path)).code, 2, 'no --data-dir');
    const pruned = await run({}, 'backup', 'prune', '--keep', '1', '--json');
    assert.equal(pruned.code, 0, pruned.err);
  });
});

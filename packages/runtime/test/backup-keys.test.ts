// Private keys in a backup, only when asked: sealed with scrypt → AES-256-GCM under a passphrase; the
// restore opens them with it (0600, checked against the trust file), refuses a wrong passphrase or a
// tampered ciphertext before writing anything, and without a passphrase restores the public parts and
// says the signer must be provided. The passphrase appears nowhere: backup directory, ledger, commands.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BACKUP_MANIFEST_FILE, parseSealedKey, type BackupManifest } from '@runledger/core';
import { KEYS_DIR, loadSigners } from '@runledger/store';
import { removeTempDirs, tempDir } from '@runledger/testkit';
import {
  backupNow,
  initLedger,
  openLedger,
  readPassphrase,
  Redactor,
  restoreBackup,
  RuntimeError,
  runBackupDestinations,
  parseDestination,
} from '../src/index.js';

const actor = { kind: 'user' as const, id: 'alice' };
const ORIGIN = 'ops.test.runledger/backup-keys';
const PASSPHRASE = 'tangerine-orbit-quartz-1729';

after(removeTempDirs);

function code(e: unknown): string {
  return e instanceof RuntimeError ? e.code : `not a RuntimeError: ${String(e)}`;
}

/** Every file under `dir`, recursively, as bytes. */
function allFiles(dir: string): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...allFiles(p));
    else out.push([p, readFileSync(p)]);
  }
  return out;
}

/** Rewrites the manifest's digest of `path` to its current bytes, as an attacker who edits both would. */
function reseal(backup: string, path: string): void {
  const m = JSON.parse(readFileSync(join(backup, BACKUP_MANIFEST_FILE), 'utf8')) as BackupManifest;
  const bytes = readFileSync(join(backup, path));
  const files = m.files.map((f) => (f.path === path ? { ...f, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length } : f));
  writeFileSync(join(backup, BACKUP_MANIFEST_FILE), `${JSON.stringify({ ...m, files }, null, 2)}\n`);
}

describe('private keys in a backup', () => {
  it('seals them only when asked, restores them with the passphrase (0600, the trust file’s keys), and refuses a wrong one or a tampered file', async () => {
    const root = tempDir('runledger-backup-keys-');
    const home = join(root, 'data');
    await initLedger({ home, env: {} }, { origin: ORIGIN, actor });
    const ctx = await openLedger({ home, env: {} }, { write: true });
    const dir = join(root, 'backups');
    const received = join(root, 'received.txt');
    const script = join(root, 'record.sh');
    // A command destination that records its arguments, its environment and its parent's command line.
    writeFileSync(script, `{ printf '%s\\n' "$@"; env; tr '\\0' ' ' < /proc/$PPID/cmdline; } > ${received}\necho "$RUNLEDGER_BACKUP_PASSPHRASE"\n`);
    let sealedPath: string;
    let plainPath: string;
    try {
      const plain = await backupNow({ ctx, dir, actor });
      plainPath = plain.path;
      assert.equal(plain.manifest.keys.private, false);
      assert.ok(!plain.manifest.files.some((f) => f.role === 'skey-encrypted'));

      const sealed = await backupNow({ ctx, dir, actor, privateKeys: { passphrase: PASSPHRASE } });
      sealedPath = sealed.path;
      assert.equal(sealed.manifest.keys.private, true);
      const files = sealed.manifest.files.filter((f) => f.role === 'skey-encrypted');
      assert.equal(files.length, 1);
      assert.match(files[0]!.path, /^keys\/.+\.skey\.sealed$/);
      assert.equal(statSync(join(sealed.path, files[0]!.path)).mode & 0o777, 0o600);
      const s = parseSealedKey(readFileSync(join(sealed.path, files[0]!.path), 'utf8'));
      assert.ok(s.ok);
      assert.deepEqual([s.sealed.kdf.name, s.sealed.kdf.N, s.sealed.kdf.r, s.sealed.kdf.p], ['scrypt', 32768, 8, 1], 'the parameters are recorded');
      assert.equal(s.sealed.cipher.name, 'aes-256-gcm');
      const created = await ctx.reader.entry(sealed.entry);
      assert.equal((created!.entry.data as { privateKeys: boolean }).privateKeys, true);

      // A command run after the backup gets neither the passphrase in its arguments nor in its environment.
      const outcomes = await runBackupDestinations({
        ctx,
        backup: sealed,
        destinations: [parseDestination(`cmd:/bin/sh ${script}`, root)],
        actor,
        env: { ...process.env, RUNLEDGER_BACKUP_PASSPHRASE: PASSPHRASE },
        secrets: [PASSPHRASE],
      });
      assert.equal(outcomes[0]!.ok, true, outcomes[0]!.detail);
      assert.ok(readFileSync(received, 'utf8').includes(sealed.path), 'the command got the path');

      // Nowhere: not in the backup directory (in any form the redactor knows), the ledger, the command's view.
      const finder = new Redactor([PASSPHRASE]);
      for (const [p, bytes] of allFiles(sealed.path)) assert.ok(!finder.finds(bytes), `${p} holds the passphrase`);
      assert.ok(!finder.finds(readFileSync(received)), 'the command saw the passphrase');
      for await (const e of ctx.reader.iterateEntries()) assert.ok(!finder.finds(e.bytes), `ledger entry ${e.seq} holds the passphrase`);
    } finally {
      await ctx.close();
    }
    const trusted = (await loadSigners(home)).map((k) => k.vkey);

    // Without a passphrase: the public parts, and the result says the signer must be provided.
    const publicOnly = await restoreBackup({ backup: sealedPath, dataDir: join(root, 'r-public') });
    assert.deepEqual(publicOnly.privateKeys, { sealed: 1, restored: 0 });
    assert.ok(
      publicOnly.checks.some((c) => /not restored \(no passphrase\): provide the signer/.test(c)),
      publicOnly.checks.join('\n'),
    );
    assert.ok(!existsSync(join(root, 'r-public', KEYS_DIR)));

    // A wrong passphrase: refused, nothing written.
    const wrong = join(root, 'r-wrong');
    await assert.rejects(
      restoreBackup({ backup: sealedPath, dataDir: wrong, passphrase: 'not-the-passphrase-at-all' }),
      (e) => code(e) === 'BACKUP_DECRYPT_FAILED' && !(e as Error).message.includes('not-the-passphrase'),
    );
    assert.ok(!existsSync(wrong), 'nothing written');

    // With it: the keys come back 0600 and are the ledger's.
    const target = join(root, 'r-keys');
    const back = await restoreBackup({ backup: sealedPath, dataDir: target, passphrase: PASSPHRASE });
    assert.deepEqual(back.privateKeys, { sealed: 1, restored: 1 });
    const restored = await loadSigners(target);
    assert.deepEqual(
      restored.map((k) => k.vkey),
      trusted,
    );
    for (const n of readdirSync(join(target, KEYS_DIR))) assert.equal(statSync(join(target, KEYS_DIR, n)).mode & 0o777, 0o600);
    assert.equal(statSync(join(target, KEYS_DIR)).mode & 0o777, 0o700);
    // The restored store can append: the signer is there.
    const reopened = await openLedger({ home: target, env: {} }, { write: true, startupCheck: 'full' });
    try {
      await reopened.writer!.append({ type: 'ops.note', actor, data: { after: 'restore' } });
    } finally {
      await reopened.close();
    }
    // A backup without sealed keys restores with a passphrase given too (nothing to open).
    const none = await restoreBackup({ backup: plainPath, dataDir: join(root, 'r-plain'), passphrase: PASSPHRASE });
    assert.deepEqual(none.privateKeys, { sealed: 0, restored: 0 });

    // The live signing keys lost: promote takes the restored ones, and the promoted ledger signs with them.
    rmSync(join(home, KEYS_DIR), { recursive: true });
    const promoted = await restoreBackup({
      backup: sealedPath,
      dataDir: join(root, 'r-promote'),
      passphrase: PASSPHRASE,
      promote: { actor, liveHome: home, env: {} },
    });
    assert.ok(promoted.promoted);
    assert.deepEqual(
      (await loadSigners(home)).map((k) => k.vkey),
      trusted,
    );
    const promotedLedger = await openLedger({ home, env: {} }, { write: false, startupCheck: 'full' });
    try {
      assert.equal((await promotedLedger.reader.entry(promoted.promoted.entry))!.entry.type, 'restore.promoted');
    } finally {
      await promotedLedger.close();
    }

    // A tampered ciphertext, the manifest resealed to match: the GCM tag refuses it, whatever the passphrase.
    const sealedFile = readdirSync(join(sealedPath, 'keys')).find((n) => n.endsWith('.skey.sealed'))!;
    const text = JSON.parse(readFileSync(join(sealedPath, 'keys', sealedFile), 'utf8')) as { ciphertext: string };
    const ct = Buffer.from(text.ciphertext, 'base64');
    ct[3] = ct[3]! ^ 0x01;
    writeFileSync(join(sealedPath, 'keys', sealedFile), `${JSON.stringify({ ...text, ciphertext: ct.toString('base64') }, null, 2)}\n`);
    reseal(sealedPath, `keys/${sealedFile}`);
    const tampered = join(root, 'r-tampered');
    await assert.rejects(
      restoreBackup({ backup: sealedPath, dataDir: tampered, passphrase: PASSPHRASE }),
      (e) => code(e) === 'BACKUP_DECRYPT_FAILED' && /AES-GCM tag/.test((e as Error).message),
    );
    assert.ok(!existsSync(tampered), 'nothing written');
  });

  it('reads the passphrase from a file or RUNLEDGER_BACKUP_PASSPHRASE, and refuses a short one', async () => {
    const root = tempDir('runledger-passphrase-');
    writeFileSync(join(root, 'pass'), `${PASSPHRASE}\n`);
    assert.equal(await readPassphrase({ file: 'pass', env: {}, cwd: root }), PASSPHRASE, 'one final line break dropped');
    assert.equal(await readPassphrase({ env: { RUNLEDGER_BACKUP_PASSPHRASE: PASSPHRASE }, cwd: root }), PASSPHRASE);
    assert.equal(await readPassphrase({ env: { RUNLEDGER_BACKUP_PASSPHRASE_FILE: join(root, 'pass') }, cwd: root }), PASSPHRASE);
    assert.equal(await readPassphrase({ env: {}, cwd: root }), undefined);
    await assert.rejects(readPassphrase({ env: { RUNLEDGER_BACKUP_PASSPHRASE: 'short' }, cwd: root }), (e) => code(e) === 'USAGE');
    await assert.rejects(readPassphrase({ file: 'missing', env: {}, cwd: root }), (e) => code(e) === 'USAGE' && /ENOENT/.test((e as Error).message));
  });
});

// Restoring the private keys a backup sealed (backup now --with-private-keys): opened with the passphrase
// before anything is written, each checked against the trust file's public keys, written 0600 only
// after the restore's checks pass. Without a passphrase the public parts are restored and the result
// says the signer must be provided.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupManifest } from '@runledger/core';
import type { SignerKey, VerifierKey } from '@runledger/ledger';
import { KEYS_DIR, writeKeyFile } from '@runledger/store';
import { withSecrets } from '../redact.js';
import { openSealedKey } from './sealed-keys.js';

export interface OpenedKeys {
  /** Sealed key files in the backup. */
  readonly sealed: number;
  /** Opened (restored once the checks pass). */
  readonly signers: readonly SignerKey[];
}

/** Opens every sealed key of the backup with `passphrase` (none without one); a check line says what happened. */
export async function openBackupKeys(
  backup: string,
  manifest: BackupManifest,
  trusted: readonly VerifierKey[],
  passphrase: string | undefined,
  checks: string[],
): Promise<OpenedKeys> {
  const files = manifest.files.filter((f) => f.role === 'skey-encrypted');
  if (files.length === 0) return { sealed: 0, signers: [] };
  if (passphrase === undefined) {
    checks.push(
      `keys: ${files.length} private key(s) sealed in the backup, not restored (no passphrase): provide the signer (RUNLEDGER_BACKUP_PASSPHRASE or --passphrase-file, or the key files) before this ledger appends`,
    );
    return { sealed: files.length, signers: [] };
  }
  const known = new Set(trusted.map((k) => k.vkey));
  const signers = await withSecrets([passphrase], async () => {
    const out: SignerKey[] = [];
    for (const f of files) out.push(await openSealedKey(await readFile(join(backup, f.path), 'utf8'), passphrase, known, f.path));
    return out;
  });
  checks.push(`keys: ${signers.length} private key(s) opened with the passphrase; each is a key of the trust file`);
  return { sealed: files.length, signers };
}

/** keys/<name>-<keyid>.skey, mode 0600, in a 0700 directory (the store's key file rule). */
export async function writeRestoredKeys(dataDir: string, keys: OpenedKeys, checks: string[]): Promise<void> {
  for (const s of keys.signers) await writeKeyFile(dataDir, s);
  if (keys.signers.length > 0) checks.push(`keys: ${keys.signers.length} private key(s) restored to ${join(dataDir, KEYS_DIR)} (mode 0600)`);
}

// Private signing keys in a backup, sealed with a passphrase (format and rules: core/backups/sealed.ts):
// scrypt derives the AES-256-GCM key, node:crypto only. The passphrase comes from a file or the
// environment, never a command line (where `ps` shows it), and is held while used so the ledger writer
// refuses an entry that would carry it.
import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  IV_BYTES,
  parseSealedKey,
  passphraseProblem,
  SALT_BYTES,
  SEAL_PARAMS,
  SEALED_KEY_FORMAT,
  sealedKeyAad,
  formatSealedKey,
  type ScryptParams,
  type SealedKeyHeader,
} from '@runledger/core';
import { parseSkey, type SignerKey } from '@runledger/ledger';
import { RuntimeError } from '../errors.js';

export const PASSPHRASE_SETTING = 'RUNLEDGER_BACKUP_PASSPHRASE';

function deriveKey(passphrase: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  // maxmem above scrypt's 128·N·r bytes (Node's default of 32 MiB is exactly N=2^15, r=8, and refused).
  const opts: ScryptOptions = { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r };
  return new Promise((res, rej) => scrypt(passphrase.normalize('NFC'), salt, 32, opts, (e, k) => (e ? rej(e) : res(k))));
}

/** The sealed file's text for one signing key. */
export async function sealSigner(signer: SignerKey, passphrase: string, params: ScryptParams = SEAL_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const header: SealedKeyHeader = {
    format: SEALED_KEY_FORMAT,
    vkey: signer.vkey,
    kdf: { name: 'scrypt', N: params.N, r: params.r, p: params.p, salt: salt.toString('base64') },
    cipher: { name: 'aes-256-gcm', iv: iv.toString('base64') },
  };
  const key = await deriveKey(passphrase, salt, params);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(sealedKeyAad(header));
  const ciphertext = Buffer.concat([c.update(signer.skey, 'utf8'), c.final()]);
  return formatSealedKey({ ...header, cipher: { ...header.cipher, tag: c.getAuthTag().toString('base64') }, ciphertext: ciphertext.toString('base64') });
}

/**
 * Opens one sealed file. A wrong passphrase and an altered file look the same to AES-GCM (the tag does
 * not verify): both are BACKUP_DECRYPT_FAILED. The key inside must be the public key named beside it,
 * and that key must be trusted (`trusted`: vkey texts of the trust file).
 */
export async function openSealedKey(text: string, passphrase: string, trusted: ReadonlySet<string>, where: string): Promise<SignerKey> {
  const parsed = parseSealedKey(text);
  if (!parsed.ok) throw new RuntimeError('BACKUP_DECRYPT_FAILED', `${where} is not a sealed key: ${parsed.problems.join('; ')}`);
  const s = parsed.sealed;
  if (!trusted.has(s.vkey)) throw new RuntimeError('BACKUP_KEYS_MISMATCH', `${where} seals key ${s.vkey}, which the trust file does not hold`);
  let plain: string;
  try {
    const key = await deriveKey(passphrase, Buffer.from(s.kdf.salt, 'base64'), s.kdf);
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(s.cipher.iv, 'base64'));
    d.setAAD(sealedKeyAad(s));
    d.setAuthTag(Buffer.from(s.cipher.tag, 'base64'));
    plain = Buffer.concat([d.update(Buffer.from(s.ciphertext, 'base64')), d.final()]).toString('utf8');
  } catch {
    // Never the cause: it says nothing more, and the passphrase must not travel with an error.
    throw new RuntimeError('BACKUP_DECRYPT_FAILED', `${where}: the passphrase is wrong, or the file was altered (its AES-GCM tag does not verify)`);
  }
  let signer: SignerKey;
  try {
    signer = parseSkey(plain.trim());
  } catch (e) {
    throw new RuntimeError('BACKUP_DECRYPT_FAILED', `${where} opened, but does not hold a signing key: ${(e as Error).message}`);
  }
  if (signer.vkey !== s.vkey) throw new RuntimeError('BACKUP_KEYS_MISMATCH', `${where} holds another key than the public key named beside it`);
  return signer;
}

/**
 * The passphrase from `--passphrase-file FILE`, else RUNLEDGER_BACKUP_PASSPHRASE_FILE, else
 * RUNLEDGER_BACKUP_PASSPHRASE; undefined when none is given. One final line break of a file is dropped.
 */
export async function readPassphrase(o: { file?: string; env: Readonly<Record<string, string | undefined>>; cwd: string }): Promise<string | undefined> {
  const file = o.file ?? o.env[`${PASSPHRASE_SETTING}_FILE`];
  const from = o.file !== undefined ? '--passphrase-file' : `${PASSPHRASE_SETTING}_FILE`;
  let value: string | undefined;
  let source: string;
  if (file !== undefined && file !== '') {
    const path = resolve(o.cwd, file);
    try {
      value = (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
    } catch (e) {
      throw new RuntimeError('USAGE', `${from} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    source = `${from} ${path}`;
  } else {
    value = o.env[PASSPHRASE_SETTING];
    source = PASSPHRASE_SETTING;
    if (value === undefined || value === '') return undefined;
  }
  const problem = passphraseProblem(value);
  if (problem) throw new RuntimeError('USAGE', `${source}: ${problem}`);
  return value;
}

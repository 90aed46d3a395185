// Signing key files: one skey per file under <home>/keys, readable by the owner only.
import { constants } from 'node:fs';
import { chmod, mkdir, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { keyIdHex, parseSkey, type SignerKey } from '@runledger/ledger';
import { StoreError, messageOf } from './errors.js';

export const KEYS_DIR = 'keys';
export const KEY_FILE_SUFFIX = '.skey';

/** File name for a key: the name with anything outside [A-Za-z0-9._-] replaced, then the key ID. */
export function keyFileName(signer: Pick<SignerKey, 'name' | 'keyId'>): string {
  return `${signer.name.replace(/[^A-Za-z0-9._-]/g, '_')}-${keyIdHex(signer.keyId)}${KEY_FILE_SUFFIX}`;
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/**
 * Writes signer.skey to <dir>/keys/<name>-<keyid>.skey with mode 0600, refusing to overwrite
 * (O_EXCL). The keys directory is created (or tightened) to 0700. Returns the file path.
 */
export async function writeKeyFile(dir: string, signer: SignerKey): Promise<string> {
  const keysDir = join(dir, KEYS_DIR);
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  await chmod(keysDir, 0o700);
  const path = join(keysDir, keyFileName(signer));
  let fh;
  try {
    fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new StoreError('KEY_FILE_INSECURE', `key file ${path} already exists; refusing to overwrite a signing key`, { cause: e });
    }
    throw new StoreError('KEY_FILE_MISSING', `cannot create key file ${path}: ${messageOf(e)}`, { cause: e });
  }
  try {
    // The umask may only narrow 0600; chmod anyway so the mode is exactly 0600.
    await fh.chmod(0o600);
    await fh.writeFile(`${signer.skey}\n`, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  return path;
}

/** Reads one key file. Refuses (KEY_FILE_INSECURE) a file that group or others can access. */
export async function readKeyFile(path: string): Promise<SignerKey> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StoreError(code === 'ENOENT' ? 'KEY_FILE_MISSING' : 'KEY_FILE_INVALID', `cannot open key file ${path}: ${code ?? messageOf(e)}`, { cause: e });
  }
  try {
    // fstat the opened file, not the path, so a swapped file cannot slip past the check.
    const st = await fh.stat();
    if (!st.isFile()) throw new StoreError('KEY_FILE_INVALID', `key file ${path} is not a regular file`);
    if ((st.mode & 0o077) !== 0) {
      throw new StoreError('KEY_FILE_INSECURE', `key file ${path} has mode ${octal(st.mode)}; group and others must have no access (chmod 600 ${path})`);
    }
    const text = await fh.readFile('utf8');
    try {
      return parseSkey(text);
    } catch (e) {
      throw new StoreError('KEY_FILE_INVALID', `key file ${path}: ${messageOf(e)}`, { cause: e });
    }
  } finally {
    await fh.close();
  }
}

/** Loads every <dir>/keys/*.skey (sorted by file name). A missing keys directory yields []. */
export async function loadSigners(dir: string): Promise<SignerKey[]> {
  const keysDir = join(dir, KEYS_DIR);
  let names: string[];
  try {
    names = await readdir(keysDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new StoreError('KEY_FILE_INVALID', `cannot list key directory ${keysDir}: ${messageOf(e)}`, { cause: e });
  }
  const out: SignerKey[] = [];
  for (const n of names.filter((f) => f.endsWith(KEY_FILE_SUFFIX)).sort()) out.push(await readKeyFile(join(keysDir, n)));
  return out;
}

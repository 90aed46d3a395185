// A private signing key sealed with a passphrase (runledger.sealed-key/v1): one small JSON file per key,
// so a backup can carry its identity without carrying it in the clear. The rules live here (pure); the
// crypto (scrypt, AES-256-GCM from node:crypto) is the runtime's.
//
//   {
//     "format": "runledger.sealed-key/v1",
//     "vkey": "<the key's public part, as in the trust file>",
//     "kdf": { "name": "scrypt", "N": 32768, "r": 8, "p": 1, "salt": "<base64, 16+ bytes>" },
//     "cipher": { "name": "aes-256-gcm", "iv": "<base64, 12 bytes>", "tag": "<base64, 16 bytes>" },
//     "ciphertext": "<base64 of the encrypted skey text>"
//   }
//
// The AES key is scrypt(passphrase, salt, N, r, p) → 32 bytes. The additional authenticated data is the
// canonical JSON (RFC 8785) of everything but the tag and the ciphertext, so changing the KDF parameters,
// the IV or the public key named beside the ciphertext fails the tag as surely as changing the ciphertext.
import { canonicalize, fromBase64, parseVkey, utf8 } from '@runledger/ledger';

export const SEALED_KEY_FORMAT = 'runledger.sealed-key/v1';
/** A sealed key's file name beside the vkeys: keys/<name>-<keyid>.skey.sealed. */
export const SEALED_KEY_SUFFIX = '.skey.sealed';

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** OWASP's scrypt floor (N=2^15, r=8, p=1: 32 MiB, about 0.1 s); what a backup seals with. */
export const SEAL_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
/** Bounds a reader accepts: weaker is refused, and a huge N or r in a tampered file cannot exhaust memory. */
const N_RANGE = [2 ** 15, 2 ** 20] as const;
const R_RANGE = [8, 32] as const;
const P_RANGE = [1, 16] as const;
export const SALT_BYTES = 16;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
/** A passphrase shorter than this is refused: it is all that stands between the backup and the signing keys. */
export const MIN_PASSPHRASE_LENGTH = 12;

export interface SealedKeyHeader {
  readonly format: typeof SEALED_KEY_FORMAT;
  readonly vkey: string;
  readonly kdf: { readonly name: 'scrypt'; readonly salt: string } & ScryptParams;
  readonly cipher: { readonly name: 'aes-256-gcm'; readonly iv: string };
}

export interface SealedKey extends SealedKeyHeader {
  readonly cipher: SealedKeyHeader['cipher'] & { readonly tag: string };
  readonly ciphertext: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function b64Problem(v: unknown, name: string, bytes: (n: number) => boolean, want: string): string | undefined {
  const b = typeof v === 'string' ? fromBase64(v) : undefined;
  return b && bytes(b.length) ? undefined : `${name} must be base64 of ${want}`;
}

function intIn(v: unknown, [lo, hi]: readonly [number, number]): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= lo && v <= hi;
}

/** Parses a sealed key file; the problems, each naming its field, when it is not one. */
export function parseSealedKey(text: string): { readonly ok: true; readonly sealed: SealedKey } | { readonly ok: false; readonly problems: readonly string[] } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, problems: ['not JSON'] };
  }
  if (!isObject(v)) return { ok: false, problems: ['not a JSON object'] };
  const problems: string[] = [];
  if (v.format !== SEALED_KEY_FORMAT) problems.push(`format is ${JSON.stringify(v.format)}, expected ${SEALED_KEY_FORMAT}`);
  if (typeof v.vkey !== 'string') problems.push('vkey must be the public key text');
  else
    try {
      parseVkey(v.vkey);
    } catch (e) {
      problems.push(`vkey: ${(e as Error).message}`);
    }
  const k = v.kdf;
  if (!isObject(k) || k.name !== 'scrypt') problems.push('kdf.name must be scrypt');
  else {
    if (!intIn(k.N, N_RANGE) || (k.N & (k.N - 1)) !== 0) problems.push(`kdf.N must be a power of 2 from 2^15 to 2^20`);
    if (!intIn(k.r, R_RANGE)) problems.push(`kdf.r must be an integer from ${R_RANGE[0]} to ${R_RANGE[1]}`);
    if (!intIn(k.p, P_RANGE)) problems.push(`kdf.p must be an integer from ${P_RANGE[0]} to ${P_RANGE[1]}`);
    const s = b64Problem(k.salt, 'kdf.salt', (n) => n >= SALT_BYTES && n <= 64, `${SALT_BYTES} to 64 bytes`);
    if (s) problems.push(s);
  }
  const c = v.cipher;
  if (!isObject(c) || c.name !== 'aes-256-gcm') problems.push('cipher.name must be aes-256-gcm');
  else {
    const iv = b64Problem(c.iv, 'cipher.iv', (n) => n === IV_BYTES, `${IV_BYTES} bytes`);
    const tag = b64Problem(c.tag, 'cipher.tag', (n) => n === TAG_BYTES, `${TAG_BYTES} bytes`);
    if (iv) problems.push(iv);
    if (tag) problems.push(tag);
  }
  const ct = b64Problem(v.ciphertext, 'ciphertext', (n) => n > 0 && n <= 4096, '1 to 4096 bytes');
  if (ct) problems.push(ct);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, sealed: v as unknown as SealedKey };
}

/** The additional authenticated data: the canonical JSON of the header (everything but tag and ciphertext). */
export function sealedKeyAad(h: SealedKeyHeader): Uint8Array {
  return utf8(
    canonicalize({
      format: h.format,
      vkey: h.vkey,
      kdf: { name: h.kdf.name, N: h.kdf.N, r: h.kdf.r, p: h.kdf.p, salt: h.kdf.salt },
      cipher: { name: h.cipher.name, iv: h.cipher.iv },
    }),
  );
}

/** The file's bytes: fixed key order and a final newline. */
export function formatSealedKey(s: SealedKey): string {
  const ordered: SealedKey = {
    format: s.format,
    vkey: s.vkey,
    kdf: { name: s.kdf.name, N: s.kdf.N, r: s.kdf.r, p: s.kdf.p, salt: s.kdf.salt },
    cipher: { name: s.cipher.name, iv: s.cipher.iv, tag: s.cipher.tag },
    ciphertext: s.ciphertext,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** Why a passphrase is not usable, or undefined. */
export function passphraseProblem(p: string): string | undefined {
  if (p.length < MIN_PASSPHRASE_LENGTH) return `the passphrase has ${p.length} characters; at least ${MIN_PASSPHRASE_LENGTH} are required`;
  if (p.trim() !== p) return 'the passphrase starts or ends with white space (a file with a stray blank line?)';
  return undefined;
}

// C2SP signed-note with Ed25519 keys (the format of Go's golang.org/x/mod/sumdb/note).
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { concat, fromBase64, sha256, toBase64, toHex, utf8 } from './bytes.js';
import { LedgerError } from './errors.js';

const ALG_ED25519 = 0x01;
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
export const MAX_SIGNATURES = 100;
/** U+2014 EM DASH and a space open every signature line. */
export const SIG_PREFIX = '\u2014 ';

/** A key name: non-empty, no spaces, no '+', printable (C2SP signed-note). */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !/[\p{C}]/u.test(name);
}

/** Key ID = first 4 bytes of SHA-256(name || 0x0A || alg || public key), as a big-endian uint32. */
export function keyIdOf(name: string, publicKey: Uint8Array): number {
  const h = sha256(concat(utf8(name), Uint8Array.of(0x0a, ALG_ED25519), publicKey));
  return Buffer.from(h).readUInt32BE(0);
}

export interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  /** `<name>+<8 hex>+<base64(0x01 || public key)>` */
  readonly vkey: string;
  /** node:crypto key, imported once: re-importing per verify halves throughput. */
  readonly keyObject: KeyObject;
}

export interface SignerKey extends VerifierKey {
  readonly privateKey: KeyObject;
  /** `PRIVATE+KEY+<name>+<8 hex>+<base64(0x01 || seed)>`: the text of a key file. */
  readonly skey: string;
}

/** Splits on '+' into at most `n` parts; the last keeps any further '+'. */
function splitPlus(s: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf('+');
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + 1);
  }
  out.push(rest);
  return out;
}

function hex8(id: number): string {
  return id.toString(16).padStart(8, '0');
}

function publicFromRaw(pub: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, pub]), format: 'der', type: 'spki' });
}

function makeVerifier(name: string, publicKey: Uint8Array): VerifierKey {
  const keyId = keyIdOf(name, publicKey);
  const vkey = `${name}+${hex8(keyId)}+${toBase64(concat(Uint8Array.of(ALG_ED25519), publicKey))}`;
  return { name, keyId, publicKey, vkey, keyObject: publicFromRaw(publicKey) };
}

export function signerFromSeed(name: string, seed: Uint8Array): SignerKey {
  if (!isValidKeyName(name)) throw new LedgerError('KEY_INVALID', `key name ${JSON.stringify(name)} is not valid (no spaces, no '+')`);
  if (seed.byteLength !== 32) throw new LedgerError('KEY_INVALID', 'an Ed25519 seed is 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(spki.subarray(SPKI_ED25519_PREFIX.length));
  const v = makeVerifier(name, publicKey);
  const skey = `PRIVATE+KEY+${name}+${hex8(v.keyId)}+${toBase64(concat(Uint8Array.of(ALG_ED25519), seed))}`;
  return { ...v, privateKey, skey };
}

/** A fresh Ed25519 signing key for `name`. */
export function generateSigner(name: string): SignerKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return signerFromSeed(name, new Uint8Array(der.subarray(PKCS8_ED25519_PREFIX.length)));
}

/** Parses a private key text (skey). The hash in the text must match the derived key ID. */
export function parseSkey(text: string): SignerKey {
  const t = text.trim();
  // base64 may itself contain '+', so only the first four separators count.
  const parts = splitPlus(t, 5);
  if (parts.length !== 5 || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') {
    throw new LedgerError('KEY_INVALID', 'a private key must look like PRIVATE+KEY+<name>+<hex id>+<base64>');
  }
  const [, , name, idHex, b64] = parts as [string, string, string, string, string];
  const raw = fromBase64(b64);
  if (!raw || raw.byteLength !== 33 || raw[0] !== ALG_ED25519)
    throw new LedgerError('KEY_INVALID', 'private key: not an Ed25519 key (base64 of 0x01 || 32-byte seed)');
  const s = signerFromSeed(name, raw.subarray(1));
  if (!/^[0-9a-f]{8}$/.test(idHex) || hex8(s.keyId) !== idHex) throw new LedgerError('KEY_INVALID', `private key: key ID ${idHex} does not match the key`);
  return s;
}

/** Parses a verifier key text (vkey). */
export function parseVkey(text: string): VerifierKey {
  const t = text.trim();
  const parts = splitPlus(t, 3);
  if (parts.length !== 3) throw new LedgerError('KEY_INVALID', `verifier key ${JSON.stringify(t)}: expected <name>+<hex id>+<base64>`);
  const [name, idHex, b64] = parts as [string, string, string];
  if (!isValidKeyName(name)) throw new LedgerError('KEY_INVALID', `verifier key: invalid name ${JSON.stringify(name)}`);
  const raw = fromBase64(b64);
  if (!raw || raw.byteLength !== 33 || raw[0] !== ALG_ED25519) throw new LedgerError('KEY_INVALID', `verifier key ${name}: not an Ed25519 key`);
  const v = makeVerifier(name, raw.subarray(1));
  if (!/^[0-9a-f]{8}$/.test(idHex) || hex8(v.keyId) !== idHex)
    throw new LedgerError('KEY_INVALID', `verifier key ${name}: key ID ${idHex} does not match the key`);
  return v;
}

/** Signature line for `text` by `key`: "— <name> <base64(key ID || signature)>\n". */
export function signatureLine(text: string, key: SignerKey): string {
  const sig = sign(null, utf8(text), key.privateKey);
  const idBytes = Buffer.alloc(4);
  idBytes.writeUInt32BE(key.keyId, 0);
  return `${SIG_PREFIX}${key.name} ${toBase64(concat(idBytes, sig))}\n`;
}

function checkText(text: string): void {
  if (text.length === 0 || !text.endsWith('\n')) throw new LedgerError('NOTE_MALFORMED', 'note text must be non-empty and end with a newline');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)) throw new LedgerError('NOTE_MALFORMED', 'note text contains control characters');
}

/** Signs a note text with each key, in order. */
export function signNote(text: string, keys: readonly SignerKey[]): string {
  checkText(text);
  if (keys.length === 0) throw new LedgerError('KEY_INVALID', 'at least one signing key is needed');
  return `${text}\n${keys.map((k) => signatureLine(text, k)).join('')}`;
}

export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  readonly signature: Uint8Array;
  /** The line as it appeared, without its newline. */
  readonly line: string;
}

export interface ParsedNote {
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** Splits a signed note into text and signature lines, without checking any signature. */
export function parseNote(note: string): ParsedNote {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new LedgerError('NOTE_MALFORMED', 'signed note: no blank line before the signatures');
  const text = note.slice(0, split + 1);
  checkText(text);
  const sigBlock = note.slice(split + 2);
  if (!sigBlock.endsWith('\n')) throw new LedgerError('NOTE_MALFORMED', 'signed note: signature block must end with a newline');
  const lines = sigBlock.slice(0, -1).split('\n');
  // Go's note package refuses more than 100 signatures; so do we, so a note cannot make us verify forever.
  if (lines.length > MAX_SIGNATURES) throw new LedgerError('NOTE_MALFORMED', `signed note: more than ${MAX_SIGNATURES} signatures`);
  const signatures: NoteSignature[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line.startsWith(SIG_PREFIX)) throw new LedgerError('NOTE_MALFORMED', `signed note: signature line ${i + 1} does not start with "— "`);
    const rest = line.slice(SIG_PREFIX.length);
    const sp = rest.indexOf(' ');
    const name = rest.slice(0, sp);
    const raw = sp > 0 ? fromBase64(rest.slice(sp + 1)) : undefined;
    if (!isValidKeyName(name) || !raw || raw.byteLength < 5) throw new LedgerError('NOTE_MALFORMED', `signed note: signature line ${i + 1} is malformed`);
    signatures.push({ name, keyId: Buffer.from(raw).readUInt32BE(0), signature: raw.subarray(4), line });
  }
  if (signatures.length === 0) throw new LedgerError('NOTE_MALFORMED', 'signed note: no signatures');
  return { text, signatures };
}

export interface NoteCheck {
  /** Known keys whose signatures verified. */
  readonly valid: readonly VerifierKey[];
  /** Known keys whose signature lines did not verify. Any entry here rejects the note. */
  readonly invalid: readonly VerifierKey[];
}

/**
 * Checks every signature line from a known key. Lines from unknown keys (witness cosignatures) are
 * ignored. The caller decides which valid signers it accepts.
 */
export function checkNoteSignatures(note: ParsedNote, known: readonly VerifierKey[]): NoteCheck {
  const valid: VerifierKey[] = [];
  const invalid: VerifierKey[] = [];
  const msg = utf8(note.text);
  for (const s of note.signatures) {
    const k = known.find((v) => v.name === s.name && v.keyId === s.keyId);
    if (!k) continue;
    const ok = s.signature.byteLength === 64 && verify(null, msg, k.keyObject, s.signature);
    (ok ? valid : invalid).push(k);
  }
  return { valid, invalid };
}

/** Opens a note: throws unless at least one known key signed it and no known key's signature is bad. */
export function openNote(noteText: string, known: readonly VerifierKey[]): { note: ParsedNote; signers: readonly VerifierKey[] } {
  const note = parseNote(noteText);
  const { valid, invalid } = checkNoteSignatures(note, known);
  if (invalid.length > 0)
    throw new LedgerError('NOTE_SIGNATURE_INVALID', `signed note: bad signature from known key ${invalid[0]!.name}+${hex8(invalid[0]!.keyId)}`);
  if (valid.length === 0) throw new LedgerError('NOTE_UNTRUSTED', 'signed note: no signature from a trusted key');
  return { note, signers: valid };
}

export function keyIdHex(id: number): string {
  return hex8(id);
}

export { toHex };

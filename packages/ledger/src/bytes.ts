// Byte helpers shared by the ledger core. Only node:crypto is used: the package stays dependency-free.
import { createHash, hash as oneShotHash } from 'node:crypto';

export type Hash = Uint8Array;

const hasOneShot = typeof oneShotHash === 'function';

/** SHA-256 of one buffer. `crypto.hash` avoids a Hash object per call, which matters at ~10 hashes an entry. */
export function sha256(data: Uint8Array): Uint8Array {
  if (hasOneShot) return oneShotHash('sha256', data, 'buffer') as unknown as Uint8Array;
  return createHash('sha256').update(data).digest();
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

export function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (with padding). Returns undefined for anything else, so callers can name the failure. */
export function fromBase64(s: string): Uint8Array | undefined {
  if (!BASE64_RE.test(s)) return undefined;
  return Buffer.from(s, 'base64');
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes UTF-8, throwing on invalid sequences (never substitutes U+FFFD). */
export function fromUtf8(b: Uint8Array): string {
  return strictDecoder.decode(b);
}

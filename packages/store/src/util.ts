import { StoreError } from './errors.js';

/** int8 from either driver as a JS number; refuses anything that is not a safe non-negative integer. */
export function toSafeNumber(v: unknown, what: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'bigint' || typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || (typeof v === 'string' && String(n) !== v) || (typeof v === 'bigint' && BigInt(n) !== v)) {
    throw new StoreError('STORE_CORRUPT', `${what}: ${String(v)} is not an integer in [0, 2^53-1]`);
  }
  return n;
}

/** A Buffer view of the same bytes: both drivers bind Buffers as BLOB/bytea without copying. */
export function buf(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

// Signing outgoing webhooks the Standard Webhooks way, so receivers can use any of its libraries:
// headers `webhook-id`, `webhook-timestamp` (unix seconds) and `webhook-signature`, a space-separated
// list of `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret while two overlap during a
// rotation (seed 002's webhook secret rotation). Secrets are `whsec_` + base64.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
/** Receivers refuse older (or future) timestamps; the spec's suggested tolerance. */
export const DEFAULT_TOLERANCE_S = 5 * 60;

export class WebhookSecretError extends Error {
  override readonly name = 'WebhookSecretError';
}

/** The key bytes of a `whsec_…` secret (or of bare base64). Throws on anything else. */
export function secretKey(secret: string): Buffer {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) throw new WebhookSecretError('a webhook secret is whsec_ followed by base64');
  const key = Buffer.from(b64, 'base64');
  if (key.length < 16) throw new WebhookSecretError(`a webhook secret needs at least 16 bytes of key (this one has ${key.length})`);
  return key;
}

function sign(key: Buffer, id: string, timestamp: number, body: string | Uint8Array): string {
  const mac = createHmac('sha256', key);
  mac.update(`${id}.${timestamp}.`);
  mac.update(body);
  return mac.digest('base64');
}

export interface WebhookHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** Headers for one delivery, signed with every active secret (the newest first). */
export function signWebhook(secrets: readonly string[], id: string, timestampS: number, body: string | Uint8Array): WebhookHeaders {
  if (secrets.length === 0) throw new WebhookSecretError('no webhook secret to sign with');
  if (!/^[^\s.]+$/.test(id)) throw new WebhookSecretError('a webhook id has no spaces or dots');
  const sigs = secrets.map((s) => `v1,${sign(secretKey(s), id, timestampS, body)}`);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampS), 'webhook-signature': sigs.join(' ') };
}

export type WebhookVerdict =
  { readonly ok: true } | { readonly ok: false; readonly reason: 'missing_headers' | 'bad_timestamp' | 'too_old' | 'too_new' | 'no_valid_signature' };

/** What a receiver checks: one of the signatures made with `secret`, and a timestamp within tolerance. */
export function verifyWebhook(
  secret: string,
  headers: Readonly<Record<string, string | undefined>> | WebhookHeaders,
  body: string | Uint8Array,
  nowS: number,
  toleranceS = DEFAULT_TOLERANCE_S,
): WebhookVerdict {
  const h = headers as Readonly<Record<string, string | undefined>>;
  const id = h['webhook-id'];
  const ts = h['webhook-timestamp'];
  const sig = h['webhook-signature'];
  if (!id || !ts || !sig) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'bad_timestamp' };
  const t = Number(ts);
  if (nowS - t > toleranceS) return { ok: false, reason: 'too_old' };
  if (t - nowS > toleranceS) return { ok: false, reason: 'too_new' };
  const want = Buffer.from(sign(secretKey(secret), id, t, body), 'base64');
  for (const part of sig.split(' ')) {
    const [version, value] = part.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const got = Buffer.from(value, 'base64');
    if (got.length === want.length && timingSafeEqual(got, want)) return { ok: true };
  }
  return { ok: false, reason: 'no_valid_signature' };
}

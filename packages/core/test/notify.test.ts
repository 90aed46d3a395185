// Delivery rules (what an attempt's outcome means, when to retry) and Standard Webhooks signatures,
// checked against openssl's HMAC so the signing is not only consistent with itself.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { DEFAULT_RETRY, judgeAttempt, retryAfterMs, secretKey, signWebhook, verifyWebhook, WebhookSecretError } from '@runledger/core';

const NOW = Date.parse('2026-12-07T12:00:00Z');

describe('delivery: judging an attempt', () => {
  it('2xx delivers; other 4xx fail at once; 5xx, 429 and network errors retry with backoff', () => {
    assert.deepEqual(judgeAttempt({ kind: 'http', status: 204 }, 1, DEFAULT_RETRY, NOW, 0.5), { state: 'delivered' });
    for (const s of [400, 401, 403, 404, 410, 422]) {
      const v = judgeAttempt({ kind: 'http', status: s }, 1, DEFAULT_RETRY, NOW, 0.5);
      assert.equal(v.state, 'failed', String(s));
    }
    for (const o of [
      { kind: 'http', status: 500 },
      { kind: 'http', status: 503 },
      { kind: 'http', status: 429 },
      { kind: 'network', error: 'ECONNREFUSED' },
    ] as const) {
      const v = judgeAttempt(o, 1, DEFAULT_RETRY, NOW, 0.5);
      assert.equal(v.state, 'attempted', JSON.stringify(o));
    }
    assert.deepEqual(judgeAttempt({ kind: 'smtp', code: 250, response: '2.0.0 Ok: queued as ABC' }, 1, DEFAULT_RETRY, NOW, 0), { state: 'delivered' });
    assert.equal(judgeAttempt({ kind: 'smtp', code: 451, response: 'try later' }, 1, DEFAULT_RETRY, NOW, 0).state, 'attempted');
    assert.equal(judgeAttempt({ kind: 'smtp', code: 550, response: 'no such user' }, 1, DEFAULT_RETRY, NOW, 0).state, 'failed');
  });

  it('backoff is jittered within a doubling cap; the last attempt fails; Retry-After wins when longer', () => {
    const delay = (attempt: number, r: number) => {
      const v = judgeAttempt({ kind: 'http', status: 502 }, attempt, DEFAULT_RETRY, NOW, r);
      return v.state === 'attempted' ? v.retryInMs : -1;
    };
    assert.equal(delay(1, 1 - 1e-9), 1000);
    assert.equal(delay(3, 1 - 1e-9), 4000);
    assert.equal(delay(3, 0), 1);
    assert.equal(delay(20, 1 - 1e-9), -1, 'past maxAttempts');
    assert.equal(delay(7, 1 - 1e-9), 64_000);
    const v = judgeAttempt({ kind: 'http', status: 502 }, DEFAULT_RETRY.maxAttempts, DEFAULT_RETRY, NOW, 0.5);
    assert.equal(v.state, 'failed');
    assert.match(v.state === 'failed' ? v.reason : '', /gave up after 8 attempts/);
    const ra = judgeAttempt({ kind: 'http', status: 429, retryAfter: '120' }, 1, DEFAULT_RETRY, NOW, 0.5);
    assert.equal(ra.state === 'attempted' && ra.retryInMs, 120_000);
    assert.equal(retryAfterMs('Mon, 07 Dec 2026 12:00:30 GMT', NOW), 30_000);
    assert.equal(retryAfterMs('soon', NOW), undefined);
  });
});

describe('Standard Webhooks', () => {
  const key = Buffer.from('0123456789abcdef0123456789abcdef');
  const secret = `whsec_${key.toString('base64')}`;
  const body = '{"incident":"inc-1","event":"triggered"}';

  it('signs id.timestamp.body with HMAC-SHA256 as openssl computes it', () => {
    const h = signWebhook([secret], 'msg_1', 1_765_000_000, body);
    const openssl = execFileSync('openssl', ['dgst', '-sha256', '-mac', 'HMAC', '-macopt', `hexkey:${key.toString('hex')}`, '-binary'], {
      input: `msg_1.1765000000.${body}`,
    });
    assert.equal(h['webhook-signature'], `v1,${openssl.toString('base64')}`);
    assert.equal(h['webhook-timestamp'], '1765000000');
  });

  it('while secrets overlap every one signs; a receiver with either verifies; tampering and age fail', () => {
    const next = `whsec_${Buffer.from('fedcba9876543210fedcba9876543210').toString('base64')}`;
    const h = signWebhook([next, secret], 'msg_2', 1_765_000_000, body);
    assert.equal(h['webhook-signature'].split(' ').length, 2);
    assert.deepEqual(verifyWebhook(secret, h, body, 1_765_000_010), { ok: true });
    assert.deepEqual(verifyWebhook(next, h, body, 1_765_000_010), { ok: true });
    const other = `whsec_${Buffer.from('x'.repeat(32)).toString('base64')}`;
    assert.deepEqual(verifyWebhook(other, h, body, 1_765_000_010), { ok: false, reason: 'no_valid_signature' });
    assert.deepEqual(verifyWebhook(secret, h, body.replace('triggered', 'resolved'), 1_765_000_010), { ok: false, reason: 'no_valid_signature' });
    assert.deepEqual(verifyWebhook(secret, { ...h, 'webhook-id': 'msg_3' }, body, 1_765_000_010), { ok: false, reason: 'no_valid_signature' });
    assert.deepEqual(verifyWebhook(secret, h, body, 1_765_000_000 + 301), { ok: false, reason: 'too_old' });
    assert.deepEqual(verifyWebhook(secret, h, body, 1_765_000_000 - 301), { ok: false, reason: 'too_new' });
    assert.deepEqual(verifyWebhook(secret, { 'webhook-id': 'x' }, body, 1_765_000_000), { ok: false, reason: 'missing_headers' });
  });

  it('refuses secrets that are not base64 or too short, and ids with spaces or dots', () => {
    assert.throws(() => secretKey('whsec_not base64!'), WebhookSecretError);
    assert.throws(() => secretKey(`whsec_${Buffer.from('short').toString('base64')}`), /at least 16 bytes/);
    assert.throws(() => signWebhook([secret], 'a.b', 1, body), WebhookSecretError);
    assert.throws(() => signWebhook([], 'a', 1, body), /no webhook secret/);
  });
});

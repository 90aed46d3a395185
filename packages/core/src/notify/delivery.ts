// Delivery records and the retry rule for notifications. One record per (incident event × receiver):
// skipped (with why), attempted (attempt n, next retry), delivered, or failed. Pure: the sender reports
// what happened, this decides what that means and when to try again.

export const DELIVERY_STATES = ['skipped', 'attempted', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export const SKIP_REASONS = [
  'silenced',
  'maintenance',
  'repeat_interval',
  'drill',
  'no_route',
  'receiver_disabled',
  'no_one_on_call',
  'send_resolved_off',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** What one attempt came back with. */
export type AttemptOutcome =
  | { readonly kind: 'http'; readonly status: number; readonly retryAfter?: string }
  | { readonly kind: 'smtp'; readonly code: number; readonly response: string }
  | { readonly kind: 'network'; readonly error: string };

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 5 * 60_000 };

export type AttemptVerdict =
  | { readonly state: 'delivered' }
  | { readonly state: 'failed'; readonly reason: string }
  | { readonly state: 'attempted'; readonly reason: string; readonly retryInMs: number };

/**
 * 2xx (or SMTP 2xx) is delivered. 5xx, 429 and network errors are retried with exponential backoff
 * and full jitter (a 429's Retry-After wins when longer); any other 4xx (or SMTP 5xx) fails at once:
 * retrying a request the receiver rejected only repeats the rejection.
 * `random` in [0, 1) is passed in so the rule stays deterministic under test.
 */
export function judgeAttempt(outcome: AttemptOutcome, attempt: number, policy: RetryPolicy, nowMs: number, random: number): AttemptVerdict {
  const retry = (reason: string, atLeastMs = 0): AttemptVerdict => {
    if (attempt >= policy.maxAttempts) return { state: 'failed', reason: `${reason}; gave up after ${attempt} attempts` };
    const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    return { state: 'attempted', reason, retryInMs: Math.max(atLeastMs, Math.floor(random * cap) + 1) };
  };
  switch (outcome.kind) {
    case 'http': {
      const s = outcome.status;
      if (s >= 200 && s < 300) return { state: 'delivered' };
      if (s === 429) return retry('HTTP 429', retryAfterMs(outcome.retryAfter, nowMs) ?? 0);
      if (s >= 500) return retry(`HTTP ${s}`);
      return { state: 'failed', reason: `HTTP ${s}: the receiver refused the message (not retried)` };
    }
    case 'smtp':
      if (outcome.code >= 200 && outcome.code < 300) return { state: 'delivered' };
      if (outcome.code >= 400 && outcome.code < 500) return retry(`SMTP ${outcome.code} ${outcome.response}`.trim());
      return { state: 'failed', reason: `SMTP ${outcome.code} ${outcome.response}`.trim() };
    case 'network':
      return retry(outcome.error);
  }
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - nowMs);
}

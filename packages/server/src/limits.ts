// In-memory token buckets: per API token for calls, per client address for failed sign-ins. One
// process serves the API, so memory is the right place; the map is pruned so it cannot grow unbounded.
// The client address is the socket's peer, or what a trusted proxy says it is (parseTrustProxy).
import { isIP } from 'node:net';
import { RuntimeError } from '@runledger/runtime';

export interface BucketConfig {
  /** Burst size. */
  readonly capacity: number;
  /** Tokens added per second. */
  readonly refillPerSecond: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly cfg: BucketConfig,
    private readonly now: () => number,
    private readonly maxKeys = 10_000,
  ) {}

  private current(key: string): Bucket {
    const t = this.now();
    const b = this.buckets.get(key);
    if (!b) return { tokens: this.cfg.capacity, at: t };
    const tokens = Math.min(this.cfg.capacity, b.tokens + ((t - b.at) / 1000) * this.cfg.refillPerSecond);
    return { tokens, at: t };
  }

  /** Takes one token; returns 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const b = this.current(key);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      this.set(key, b);
      return 0;
    }
    this.set(key, b);
    return this.waitSeconds(b);
  }

  /** Seconds until `key` may try again without taking anything (0: it may). */
  blockedFor(key: string): number {
    const b = this.current(key);
    return b.tokens >= 1 ? 0 : this.waitSeconds(b);
  }

  private waitSeconds(b: Bucket): number {
    return Math.max(1, Math.ceil((1 - b.tokens) / this.cfg.refillPerSecond));
  }

  private set(key: string, b: Bucket): void {
    this.buckets.delete(key);
    this.buckets.set(key, b);
    // Oldest-touched first: a full bucket that nobody touched is the same as no bucket.
    while (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
  }
}

/**
 * `--trust-proxy` / RUNLEDGER_TRUST_PROXY: a comma-separated list of IPs or CIDRs. Only requests whose
 * socket peer is one of them have X-Forwarded-For (the client address the limits and the failure log
 * use) and X-Forwarded-Proto believed; anyone else could write any address there.
 */
export function parseTrustProxy(text: string, source: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const [addr = '', bits, extra] = item.split('/');
    const family = isIP(addr);
    const max = family === 6 ? 128 : 32;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (family === 0 || !okBits || extra !== undefined)
      throw new RuntimeError('USAGE', `${source}: ${JSON.stringify(item)} is not an IP address or CIDR (e.g. 10.0.0.0/8, ::1)`);
    out.push(item);
  }
  if (out.length === 0) throw new RuntimeError('USAGE', `${source}: name at least one proxy address or CIDR`);
  return out;
}

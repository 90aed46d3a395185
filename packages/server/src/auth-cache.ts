// Verified credentials kept in memory, keyed by their SHA-256 (never the text). Every entry was
// verified while the revocation counter had the value the cache holds now; the first request that
// reads a different value empties the cache. So a hit costs one hash and one cheap counter read, and
// a revocation anywhere (another process, plain SQL) refuses the very next request.
import type { AuthEpoch, TokenRecord, TokenStore, WebSession } from '@runledger/store';

interface Entry {
  readonly token: TokenRecord;
  /** Sessions only. */
  readonly expiresAt?: string;
}

export class CredentialCache {
  private readonly entries = new Map<string, Entry>();
  private epoch: number | undefined;

  constructor(
    private readonly tokens: TokenStore,
    private readonly counter: AuthEpoch,
    private readonly maxEntries = 10_000,
  ) {}

  /** The counter as it is now; empties the cache when it moved. */
  private async sync(): Promise<number> {
    const c = this.counter.current();
    const e = typeof c === 'number' ? c : await c;
    if (e !== this.epoch) {
      this.entries.clear();
      this.epoch = e;
    }
    return e;
  }

  /**
   * The live token with this hash, and the counter it was verified under. Unknown tokens are not
   * cached: each costs a lookup (and counts as a failed attempt).
   */
  async token(sha256: string): Promise<{ readonly token: TokenRecord | undefined; readonly epoch: number }> {
    const epoch = await this.sync();
    const key = `t:${sha256}`;
    const hit = this.entries.get(key);
    if (hit) return { token: hit.token, epoch };
    const token = await this.tokens.verifyHash(sha256);
    if (token) this.put(key, epoch, { token });
    return { token, epoch };
  }

  /** The live session with this secret's hash, not yet expired at `now`, and the counter it was verified under. */
  async session(sha256: string, now: Date): Promise<{ readonly session: WebSession | undefined; readonly epoch: number }> {
    const epoch = await this.sync();
    const key = `s:${sha256}`;
    let hit = this.entries.get(key);
    if (!hit) {
      const s = await this.tokens.sessionByHash(sha256, now);
      if (!s) return { session: undefined, epoch };
      hit = { token: s.token, expiresAt: s.expiresAt };
      this.put(key, epoch, hit);
    }
    const live = hit.expiresAt !== undefined && hit.expiresAt > now.toISOString();
    return { session: live ? { token: hit.token, expiresAt: hit.expiresAt! } : undefined, epoch };
  }

  /** Whether nothing was revoked since `epoch` was read (then whatever was verified then still holds). */
  async unchangedSince(epoch: number): Promise<boolean> {
    return (await this.sync()) === epoch;
  }

  private put(key: string, epoch: number, entry: Entry): void {
    // A lookup that started before the counter moved must not land in the newer cache.
    if (this.epoch !== epoch) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
  }
}

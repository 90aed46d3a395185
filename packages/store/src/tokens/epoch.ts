// The revocation counter: one row (auth_epoch) that database triggers bump whenever a token is revoked
// or changed or a web session is deleted, whoever did it (the server, `runledger tokens revoke` in
// another process, plain SQL). A server may trust what it verified earlier for as long as the counter
// has not moved, so a cache of verified credentials costs one cheap read per request and revocation
// still takes effect at the very next request, across processes.
import type { Store } from '../open.js';

export { AUTH_EPOCH_CHANNEL, authEpochMigration } from '../migrations/0008-auth-epoch.js';

/**
 * Reads and watches the counter. `current()` is strict: it returns the value committed when it was
 * called or later (SQLite: one synchronous read on the query-only connection; PostgreSQL: one query,
 * shared by the requests that arrive while the previous one is on the wire). `onChange` subscribers
 * hear of a move at once where the database can push (PostgreSQL LISTEN), else within `pollMs`.
 */
export class AuthEpoch {
  private inFlight: Promise<number> | undefined;
  private queued: Promise<number> | undefined;
  private readonly subscribers = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private listening = false;
  private last: number | undefined;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly pollMs = 1000,
  ) {}

  current(): number | Promise<number> {
    if (this.inFlight === undefined) {
      const v = this.store.readAuthEpoch();
      if (typeof v === 'number') return v;
      const p = v.finally(() => {
        if (this.inFlight === p) this.inFlight = undefined;
      });
      this.inFlight = p;
      return p;
    }
    // The query on the wire may have started before this caller asked: wait for the next one.
    this.queued ??= this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.current();
      });
    return this.queued;
  }

  /** Calls `cb` when the counter moves (or the push channel was lost, so it may have). Returns the unsubscriber. */
  onChange(cb: () => void): () => void {
    this.subscribers.add(cb);
    this.start();
    return () => {
      this.subscribers.delete(cb);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscribers.clear();
    this.stop();
  }

  private start(): void {
    if (this.timer || this.closed) return;
    // Not unref'd: someone is waiting to hear (an open event stream); unsubscribing stops it.
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    void this.listen();
    void this.poll();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.last = undefined;
    const un = this.unlisten;
    this.unlisten = undefined;
    if (un) void un().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    if (this.listening || this.unlisten || !this.store.listenAuthEpoch) return;
    this.listening = true;
    try {
      const un = await this.store.listenAuthEpoch(
        () => this.notify(),
        () => {
          // Lost: the next poll re-listens; meanwhile the poll is the fallback.
          this.unlisten = undefined;
          this.notify();
        },
      );
      if (this.timer) this.unlisten = un;
      else await un();
    } catch {
      // The poll is the fallback.
    } finally {
      this.listening = false;
    }
  }

  private async poll(): Promise<void> {
    if (this.subscribers.size === 0) return;
    if (!this.unlisten) void this.listen();
    let v: number;
    try {
      v = await this.current();
    } catch {
      return;
    }
    if (this.last !== undefined && v !== this.last) this.notify();
    this.last = v;
  }

  private notify(): void {
    for (const cb of [...this.subscribers]) cb();
  }
}

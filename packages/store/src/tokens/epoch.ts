// The revocation counter: one row (auth_epoch) that database triggers bump whenever a token is revoked
// or changed or a web session is deleted, whoever did it (the server, `runledger tokens revoke` in
// another process, plain SQL). A server may trust what it verified earlier for as long as the counter
// has not moved, so a cache of verified credentials costs one cheap read per request and revocation
// still takes effect at the very next request, across processes.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';
import type { Store } from '../open.js';
import { APP_SCHEMA } from '../postgres-roles.js';

/** The PostgreSQL channel the triggers notify on. */
export const AUTH_EPOCH_CHANNEL = 'runledger_auth';

/** 0006: the counter row and the triggers that bump it (PostgreSQL's also NOTIFY). */
export function authEpochMigration(caps: DialectCapabilities): Migration {
  // Qualified on PostgreSQL: the trigger runs under whatever search_path the writing session has.
  const bump = `UPDATE ${caps.name === 'sqlite' ? '' : `${APP_SCHEMA}.`}auth_epoch SET n = n + 1 WHERE id = 1`;
  // Touching last_used_at (once a minute per token) is not a change that matters to a cache.
  const changed = 'OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.role IS DISTINCT FROM NEW.role OR OLD.groups_json IS DISTINCT FROM NEW.groups_json';
  const statements =
    caps.name === 'sqlite'
      ? [
          `CREATE TRIGGER api_tokens_auth_epoch_update AFTER UPDATE ON api_tokens WHEN ${changed.replaceAll('IS DISTINCT FROM', 'IS NOT')} BEGIN ${bump}; END`,
          `CREATE TRIGGER api_tokens_auth_epoch_delete AFTER DELETE ON api_tokens BEGIN ${bump}; END`,
          `CREATE TRIGGER web_sessions_auth_epoch_delete AFTER DELETE ON web_sessions BEGIN ${bump}; END`,
        ]
      : [
          // SECURITY DEFINER: an administrator revoking in psql under another role still bumps the counter.
          `CREATE FUNCTION runledger_auth_epoch_bump() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$ BEGIN ${bump}; PERFORM pg_notify('${AUTH_EPOCH_CHANNEL}', ''); RETURN NULL; END $$`,
          `CREATE TRIGGER api_tokens_auth_epoch_update AFTER UPDATE ON api_tokens FOR EACH ROW WHEN (${changed}) EXECUTE FUNCTION runledger_auth_epoch_bump()`,
          `CREATE TRIGGER api_tokens_auth_epoch_delete AFTER DELETE ON api_tokens FOR EACH ROW EXECUTE FUNCTION runledger_auth_epoch_bump()`,
          `CREATE TRIGGER web_sessions_auth_epoch_delete AFTER DELETE ON web_sessions FOR EACH ROW EXECUTE FUNCTION runledger_auth_epoch_bump()`,
        ];
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('auth_epoch')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`${sql.ref('id')} = 1`))
        .addColumn('n', caps.int8Type, (c) => c.notNull())
        .execute();
      await sql`INSERT INTO auth_epoch (id, n) VALUES (1, 0)`.execute(db);
      for (const s of statements) await sql.raw(s).execute(db);
    },
  };
}

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

// Failed and denied authentication as ledger entries (seed 002: failures and denials are system events),
// aggregated: one `auth.failures` entry per client per window, written by a timer, so a flood costs a
// counter increment per request and the ledger grows by at most `maxClients + 1` entries per window.
// A credential appears only as a short prefix of its SHA-256, enough to tell two guesses apart.
import type { EntryDraft } from '@runledger/ledger';

export type AuthFailureReason = 'malformed-header' | 'unknown-token' | 'invalid-session' | 'csrf' | 'forbidden-role';

/** The client key that collects everyone past `maxClients` in one window. */
export const OTHER_CLIENTS = 'other-clients';
const MAX_CREDENTIALS = 8;
/** Hex characters of the credential's SHA-256 kept: 48 bits, too few to look the credential up by. */
export const CREDENTIAL_PREFIX_CHARS = 12;

interface Tally {
  from: string;
  to: string;
  count: number;
  /** Of `count`, how many were answered 429 (the client was over its failed-auth limit). */
  limited: number;
  reasons: Partial<Record<AuthFailureReason, number>>;
  credentials: Set<string>;
}

export interface AuthFailureLogOptions {
  readonly append: (draft: EntryDraft) => Promise<unknown>;
  readonly now: () => Date;
  /** Default one minute. */
  readonly windowMs?: number;
  /** Distinct clients with their own entry per window; the rest share one. Default 100. */
  readonly maxClients?: number;
  readonly onError: (e: unknown) => void;
}

export class AuthFailureLog {
  private tallies = new Map<string, Tally>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly o: AuthFailureLogOptions) {
    this.timer = setInterval(() => void this.flush(), o.windowMs ?? 60_000);
    this.timer.unref();
  }

  record(client: string, reason: AuthFailureReason, limited: boolean, credentialSha256?: string): void {
    const at = this.o.now().toISOString();
    let key = client;
    if (!this.tallies.has(key) && this.tallies.size >= (this.o.maxClients ?? 100)) key = OTHER_CLIENTS;
    let t = this.tallies.get(key);
    if (!t) {
      t = { from: at, to: at, count: 0, limited: 0, reasons: {}, credentials: new Set() };
      this.tallies.set(key, t);
    }
    t.to = at;
    t.count++;
    if (limited) t.limited++;
    t.reasons[reason] = (t.reasons[reason] ?? 0) + 1;
    if (credentialSha256 !== undefined && t.credentials.size < MAX_CREDENTIALS) t.credentials.add(credentialSha256.slice(0, CREDENTIAL_PREFIX_CHARS));
  }

  /** Writes what the window collected (one entry per client) and starts a new window. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const tallies = this.tallies;
      this.tallies = new Map();
      for (const [client, t] of tallies) {
        try {
          await this.o.append({
            type: 'auth.failures',
            actor: { kind: 'system', id: 'server' },
            subject: { kind: 'client', id: client },
            data: { from: t.from, to: t.to, count: t.count, limited: t.limited, reasons: t.reasons, credentialSha256Prefixes: [...t.credentials].sort() },
          });
        } catch (e) {
          this.o.onError(e);
        }
      }
    });
    return this.flushing;
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

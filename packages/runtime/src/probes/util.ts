// Shared by the probe adapters: deadlines, error wording, safe display of URLs, one-line details.
import { REDACTION_MARK } from '../redact.js';

export const DEFAULT_PROBE_TIMEOUT_MS = 5000;
export const DEFAULT_COMMAND_PROBE_TIMEOUT_MS = 30_000;
/** A detail is one line; anything longer is cut. */
export const MAX_DETAIL_CHARS = 400;

/**
 * One time limit and the caller's abort signal, merged into a single signal for the I/O, remembering
 * which of the two fired so the detail can say "timeout after 5000ms" rather than "aborted".
 */
export class Deadline {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  #timedOut = false;
  readonly #ctl = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #outer: AbortSignal | undefined;
  readonly #onOuter = (): void => this.#ctl.abort(new Error('aborted'));

  constructor(timeoutMs: number, outer?: AbortSignal) {
    this.timeoutMs = timeoutMs;
    this.signal = this.#ctl.signal;
    this.#outer = outer;
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#ctl.abort(new Error(`timeout after ${timeoutMs}ms`));
    }, timeoutMs);
    if (outer?.aborted) this.#onOuter();
    else outer?.addEventListener('abort', this.#onOuter, { once: true });
  }

  get fired(): boolean {
    return this.signal.aborted;
  }

  /** True once the time limit (not the caller) fired. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** "timeout after Nms" or "aborted", once fired. */
  get reason(): string {
    return this.#timedOut ? `timeout after ${this.timeoutMs}ms` : 'aborted';
  }

  /** The reason with the phase the probe was in: "timeout after 2000ms while connecting". */
  explain(phase: string): string {
    return this.#timedOut ? `${this.reason} while ${phase}` : this.reason;
  }

  /** Rejects as soon as the deadline fires; otherwise settles like `p`. */
  race<T>(p: Promise<T>): Promise<T> {
    if (this.fired) {
      p.catch(() => {});
      return Promise.reject(this.signal.reason as Error);
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(this.signal.reason as Error);
      this.signal.addEventListener('abort', onAbort, { once: true });
      p.then(
        (v) => {
          this.signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          this.signal.removeEventListener('abort', onAbort);
          reject(e as Error);
        },
      );
    });
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#outer?.removeEventListener('abort', this.#onOuter);
  }
}

/** The peer hung up before answering (no error code: the socket just ended). */
export class PeerClosed extends Error {}

const CODE_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed (temporary)',
  ENODATA: 'no record of that type',
  ESERVFAIL: 'DNS server failure',
  EREFUSED: 'DNS query refused',
  ETIMEOUT: 'DNS query timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EADDRNOTAVAIL: 'address not available',
};

export interface ErrLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/**
 * A short phrase for a network error: "connection refused", "host not found", or the message. A
 * dual-stack connect reports an AggregateError of one error per address, and drivers may wrap the
 * real error in `cause`; look through both.
 */
export function describeError(err: unknown): string {
  const e = innermost(err);
  if (typeof e?.code === 'string' && CODE_WORDS[e.code]) return CODE_WORDS[e.code]!;
  const last = typeof e?.message === 'string' && e.message ? e.message : err instanceof Error ? err.message : String(err);
  // OpenSSL's text ("…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:file.c:350:"): its reason.
  const ssl = /SSL routines:[^:]*:([^:\n]+)/.exec(last);
  return ssl ? `TLS handshake failed (${ssl[1]!.trim()})` : last;
}

/** The error that carries the cause: through AggregateError.errors[0] and `cause` links. */
export function innermost(err: unknown): ErrLike | undefined {
  let e = err as ErrLike | undefined;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    if (typeof e.code === 'string') return e;
    if (Array.isArray(e.errors) && e.errors.length > 0) e = e.errors[0] as ErrLike;
    else if (e.cause && typeof e.cause === 'object') e = e.cause as ErrLike;
    else break;
  }
  return e && typeof e === 'object' ? e : undefined;
}

/** A URL for display: the password (and any `password=` parameter) replaced by the redaction mark. */
export function safeUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    // Not a URL (e.g. a libpq "host=… password=…" string): mask the obvious key=value forms.
    return raw.replace(/(password\s*=\s*)('[^']*'|\S+)/gi, `$1${REDACTION_MARK}`);
  }
  if (u.password) u.password = 'REDACTED';
  for (const key of [...u.searchParams.keys()]) if (/pass|secret|token|key/i.test(key)) u.searchParams.set(key, 'REDACTED');
  return u.toString().replace(/REDACTED/g, REDACTION_MARK);
}

/** The password of a URL, decoded, so it can be redacted by value from error messages too. */
export function urlSecrets(raw: string): string[] {
  try {
    const u = new URL(raw);
    const out: string[] = [];
    if (u.password) out.push(u.password, decodeURIComponent(u.password));
    for (const [k, v] of u.searchParams) if (/pass|secret|token|key/i.test(k) && v) out.push(v);
    return out;
  } catch {
    const m = /password\s*=\s*('[^']*'|\S+)/i.exec(raw);
    return m?.[1] ? [m[1].replace(/^'|'$/g, '')] : [];
  }
}

/** Collapses whitespace and cuts to `max` characters, for text quoted inside a detail line. */
export function oneLine(s: string, max = 120): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export function quote(s: string, max = 80): string {
  return JSON.stringify(oneLine(s, max));
}

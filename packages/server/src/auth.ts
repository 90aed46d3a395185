// Authentication and role gates. Every /api/v1 route names the least role it needs; there is no
// switch that turns this off. Two credentials: `Authorization: Bearer <token>` (CLI, scripts), and
// the web UI's session cookie (httpOnly, SameSite=Strict, bound to a token), whose state-changing
// requests must also carry the session's CSRF token.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Actor } from '@runledger/ledger';
import type { Who } from '@runledger/runtime';
import { ApiError } from './errors.js';
import {
  hashToken,
  isSessionSecretShaped,
  isTokenShaped,
  TOKEN_PREFIX,
  TOKEN_ROLES,
  type AuthEpoch,
  type TokenRecord,
  type TokenRole,
  type TokenStore,
} from '@runledger/store';
import { CredentialCache } from './auth-cache.js';
import type { AuthFailureLog, AuthFailureReason } from './auth-failures.js';
import type { TokenBuckets } from './limits.js';
import type { Metrics } from './metrics.js';

export interface Principal {
  readonly token: TokenRecord;
  readonly actor: Actor;
  /** The token's role and every role below it, as the engine's approval gates see them. */
  readonly roles: readonly string[];
  /** Set when the request came with the session cookie: its secret and expiry. */
  readonly session?: { readonly secret: string; readonly expiresAt: string };
  /** What was presented, by its SHA-256 (never the text), and the revocation counter when it was verified: how a stream re-checks it. */
  readonly credential?: { readonly kind: 'token' | 'session'; readonly sha256: string; readonly epoch: number };
}

export const SESSION_COOKIE = 'rl_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session's CSRF token: derived from the cookie secret, so it needs no storage and dies with it. */
export function csrfTokenOf(secret: string): string {
  return createHmac('sha256', secret).update('runledger-csrf/1').digest('base64url');
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Whether a browser's Origin names this server: the scheme the request came in on (https://host is
 * not http://host) and the Host it was reached at, default ports normalised.
 */
export function sameOrigin(origin: string, protocol: string, host: string | undefined): boolean {
  try {
    const o = new URL(origin);
    return host !== undefined && o.protocol === `${protocol}:` && o.host === new URL(`${protocol}://${host}`).host;
  } catch {
    return false;
  }
}

/** What the authenticator reads off a request. */
export interface Credentials {
  readonly authorization: string | undefined;
  readonly cookie: string | undefined;
  readonly csrf: string | undefined;
  readonly origin: string | undefined;
  readonly host: string | undefined;
  /** The scheme the request came in on (`https` behind a trusted proxy that says so). */
  readonly protocol: string;
  readonly method: string;
  readonly client: string;
}

export function rank(r: TokenRole): number {
  return TOKEN_ROLES.indexOf(r);
}

export function principalOf(token: TokenRecord, session?: Principal['session'], credential?: Principal['credential']): Principal {
  const roles = [...TOKEN_ROLES.filter((r) => rank(r) <= rank(token.role)), ...token.groups];
  return { token, actor: { kind: 'token', id: `token:${token.name}` }, roles, ...(session ? { session } : {}), ...(credential ? { credential } : {}) };
}

export function whoOf(p: Principal): Who {
  return { actor: p.actor, roles: p.roles };
}

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

export interface Authenticator {
  authenticate(c: Credentials, needs: TokenRole): Promise<Principal>;
  /** For sign-in: the live token with this text, or AUTH_INVALID (RATE_LIMITED once the client keeps guessing). */
  signIn(client: string, tokenText: string): Promise<TokenRecord>;
  /** Whether a principal verified earlier still holds `needs` (not revoked, not signed out, not expired). */
  stillValid(p: Principal, needs: TokenRole): Promise<boolean>;
  /** Calls `onRevoked` once when the principal stops being valid; checked whenever the revocation counter moves. Returns the unwatcher. */
  watch(p: Principal, needs: TokenRole, onRevoked: () => void): () => void;
  /** Re-checks every watched principal now (after a revocation or sign-out in this process). */
  recheckWatched(): Promise<void>;
  /** Writes the failures collected so far as ledger entries. */
  flushFailures(): Promise<void>;
  /** Stops the timers and watchers and writes what is left. */
  close(): Promise<void>;
}

export interface AuthenticatorOptions {
  readonly tokens: TokenStore;
  readonly epoch: AuthEpoch;
  readonly failures: TokenBuckets;
  readonly calls: TokenBuckets;
  readonly metrics: Metrics;
  readonly now: () => Date;
  readonly failureLog: AuthFailureLog;
}

export function authenticator(o: AuthenticatorOptions): Authenticator {
  const touched = new Map<string, number>();
  const cache = new CredentialCache(o.tokens, o.epoch);
  const reject = (code: 'AUTH_REQUIRED' | 'AUTH_INVALID' | 'FORBIDDEN_ROLE' | 'CSRF_FAILED', message: string): never => {
    o.metrics.authRejects.inc({ code });
    throw new ApiError(code, message);
  };
  /**
   * A credential that did not verify. It counts against the client's failed-auth bucket; once that is
   * empty the answer is 429 instead of 401. Only failures are ever refused this way: a valid
   * credential is checked first and always passes, so a flood from a shared (proxy) address locks
   * nobody out.
   */
  const failed = (client: string, reason: AuthFailureReason, message: string, sha256?: string): never => {
    const wait = o.failures.take(client);
    o.failureLog.record(client, reason, wait > 0, sha256);
    if (wait > 0) {
      o.metrics.rateLimited.inc({ bucket: 'auth-failures' });
      throw new ApiError('RATE_LIMITED', `too many failed sign-ins from this client; retry in ${wait}s`, wait);
    }
    return reject('AUTH_INVALID', message);
  };
  const denied = (client: string, reason: AuthFailureReason, code: 'FORBIDDEN_ROLE' | 'CSRF_FAILED', message: string): never => {
    o.failureLog.record(client, reason, false);
    return reject(code, message);
  };

  const fromToken = async (c: Credentials, text: string | undefined): Promise<Principal> => {
    if (text === undefined) return failed(c.client, 'malformed-header', 'the Authorization header is not `Bearer <token>`');
    const sha256 = hashToken(text);
    const { token, epoch } = isTokenShaped(text) ? await cache.token(sha256) : { token: undefined, epoch: 0 };
    if (!token) return failed(c.client, 'unknown-token', 'the token is unknown or revoked', sha256);
    return principalOf(token, undefined, { kind: 'token', sha256, epoch });
  };

  /** The principal of a session cookie, with the CSRF checks a state-changing request needs. */
  const fromSession = async (c: Credentials, secret: string): Promise<Principal> => {
    const sha256 = hashToken(secret);
    const { session: s, epoch } = isSessionSecretShaped(secret) ? await cache.session(sha256, o.now()) : { session: undefined, epoch: 0 };
    if (!s) return failed(c.client, 'invalid-session', 'the session has expired, was signed out, or its token was revoked; sign in again', sha256);
    if (!SAFE_METHODS.has(c.method)) {
      // SameSite=Strict already keeps the cookie off cross-site requests; the CSRF token and the
      // Origin check are the second and third locks.
      if (c.origin !== undefined && !sameOrigin(c.origin, c.protocol, c.host))
        return denied(c.client, 'csrf', 'CSRF_FAILED', `cross-origin request from ${c.origin} refused`);
      if (c.csrf === undefined || !sameText(c.csrf, csrfTokenOf(secret)))
        return denied(c.client, 'csrf', 'CSRF_FAILED', 'a state-changing request with the session cookie needs the session’s X-CSRF-Token header');
    }
    return principalOf(s.token, { secret, expiresAt: s.expiresAt }, { kind: 'session', sha256, epoch });
  };

  const stillValid = async (p: Principal, needs: TokenRole): Promise<boolean> => {
    const cred = p.credential;
    if (!cred) return false;
    const now = o.now();
    if (p.session && p.session.expiresAt <= now.toISOString()) return false;
    if (await cache.unchangedSince(cred.epoch)) return true;
    const token = cred.kind === 'token' ? (await cache.token(cred.sha256)).token : (await cache.session(cred.sha256, now)).session?.token;
    return token !== undefined && rank(token.role) >= rank(needs);
  };

  const watched = new Map<() => void, { p: Principal; needs: TokenRole }>();
  let offEpoch: (() => void) | undefined;
  const recheckWatched = async (): Promise<void> => {
    for (const [onRevoked, w] of [...watched]) {
      let ok: boolean;
      try {
        ok = await stillValid(w.p, w.needs);
      } catch {
        continue; // the store is unreachable: the next heartbeat tries again
      }
      if (!ok && watched.delete(onRevoked)) onRevoked();
    }
    if (watched.size === 0) {
      offEpoch?.();
      offEpoch = undefined;
    }
  };
  const failureLog = o.failureLog;

  return {
    stillValid,
    recheckWatched,
    watch(p, needs, onRevoked) {
      watched.set(onRevoked, { p, needs });
      offEpoch ??= o.epoch.onChange(() => void recheckWatched());
      // A revocation between the request's check and this subscription moved the counter already.
      void stillValid(p, needs).then(
        (ok) => !ok && watched.delete(onRevoked) && onRevoked(),
        () => undefined,
      );
      return () => {
        watched.delete(onRevoked);
        if (watched.size === 0) {
          offEpoch?.();
          offEpoch = undefined;
        }
      };
    },
    flushFailures: () => failureLog.flush(),
    async close() {
      offEpoch?.();
      offEpoch = undefined;
      watched.clear();
      await failureLog.close();
    },
    async signIn(client, text) {
      const sha256 = hashToken(text);
      const token = isTokenShaped(text) ? (await cache.token(sha256)).token : undefined;
      return token ?? failed(client, 'unknown-token', 'the token is unknown or revoked (create one with `runledger tokens create`)', sha256);
    },
    async authenticate(c, needs) {
      let p: Principal;
      const secret = cookieValue(c.cookie, SESSION_COOKIE);
      if (c.authorization !== undefined && c.authorization !== '') {
        p = await fromToken(c, BEARER.exec(c.authorization)?.[1]);
      } else if (secret !== undefined && secret !== '') {
        p = await fromSession(c, secret);
      } else {
        return reject(
          'AUTH_REQUIRED',
          'this route needs `Authorization: Bearer <token>` (create one with `runledger tokens create`) or a web session (sign in at /signin)',
        );
      }
      const token = p.token;
      if (rank(token.role) < rank(needs))
        return denied(c.client, 'forbidden-role', 'FORBIDDEN_ROLE', `this route needs role ${needs}; token ${token.name} has ${token.role}`);
      const waitCall = o.calls.take(token.id);
      if (waitCall > 0) {
        o.metrics.rateLimited.inc({ bucket: 'token' });
        throw new ApiError('RATE_LIMITED', `token ${token.name} is over its request rate; retry in ${waitCall}s`, waitCall);
      }
      // last_used_at is kept to the minute: one write a minute per token, not one per request.
      const now = o.now();
      if ((touched.get(token.id) ?? 0) < now.getTime() - 60_000) {
        touched.set(token.id, now.getTime());
        void o.tokens.touch(token.id, now.toISOString()).catch(() => undefined);
      }
      return p;
    },
  };
}

/** Query parameters whose values never reach a log line (besides anything shaped like a token). */
const SECRET_PARAMS = /^(token|access_token|api_key|apikey|key|secret|password|session|rl_session|auth|authorization)$/i;
const TOKEN_TEXT = new RegExp(`${TOKEN_PREFIX}[A-Za-z0-9_-]*`, 'g');

/**
 * A request URL as logs may show it: tokens are only ever read from the Authorization header, but a
 * client may still put one in the query string (or the path); its value is replaced, the rest kept.
 */
export function loggableUrl(url: string): string {
  const masked = url.replace(TOKEN_TEXT, `${TOKEN_PREFIX}[redacted]`);
  const q = masked.indexOf('?');
  if (q < 0) return masked;
  const params = masked
    .slice(q + 1)
    .split('&')
    .map((kv) => {
      const i = kv.indexOf('=');
      if (i < 0) return kv;
      let name = kv.slice(0, i);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // an undecodable name is compared as it is
      }
      return SECRET_PARAMS.test(name) ? `${kv.slice(0, i)}=[redacted]` : kv;
    });
  return `${masked.slice(0, q)}?${params.join('&')}`;
}

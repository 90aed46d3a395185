// Authentication and role gates. Every /api/v1 route names the least role it needs; there is no
// switch that turns this off. Two credentials: `Authorization: Bearer <token>` (CLI, scripts), and
// the web UI's session cookie (httpOnly, SameSite=Strict, bound to a token), whose state-changing
// requests must also carry the session's CSRF token.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Actor } from '@runledger/ledger';
import type { Who } from '@runledger/runtime';
import { ApiError } from './errors.js';
import { TOKEN_ROLES, type TokenRecord, type TokenRole, type TokenStore } from '@runledger/store';
import type { TokenBuckets } from './limits.js';
import type { Metrics } from './metrics.js';

export interface Principal {
  readonly token: TokenRecord;
  readonly actor: Actor;
  /** The token's role and every role below it, as the engine's approval gates see them. */
  readonly roles: readonly string[];
  /** Set when the request came with the session cookie: its secret and expiry. */
  readonly session?: { readonly secret: string; readonly expiresAt: string };
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

/** Whether a browser's Origin names this server (the Host it was reached at), default ports normalised. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    const o = new URL(origin);
    return host !== undefined && o.host === new URL(`${o.protocol}//${host}`).host;
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
  readonly method: string;
  readonly client: string;
}

export function rank(r: TokenRole): number {
  return TOKEN_ROLES.indexOf(r);
}

export function principalOf(token: TokenRecord, session?: Principal['session']): Principal {
  const roles = [...TOKEN_ROLES.filter((r) => rank(r) <= rank(token.role)), ...token.groups];
  return { token, actor: { kind: 'token', id: `token:${token.name}` }, roles, ...(session ? { session } : {}) };
}

export function whoOf(p: Principal): Who {
  return { actor: p.actor, roles: p.roles };
}

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

export interface Authenticator {
  authenticate(c: Credentials, needs: TokenRole): Promise<Principal>;
  /** For sign-in: stops a client that keeps guessing (RATE_LIMITED) before its guess is looked at. */
  guardFailures(client: string): void;
  /** Counts a failed sign-in against the client and throws AUTH_INVALID. */
  failSignIn(client: string, message: string): never;
}

export function authenticator(o: { tokens: TokenStore; failures: TokenBuckets; calls: TokenBuckets; metrics: Metrics; now: () => Date }): Authenticator {
  const touched = new Map<string, number>();
  const reject = (code: 'AUTH_REQUIRED' | 'AUTH_INVALID' | 'FORBIDDEN_ROLE' | 'CSRF_FAILED', message: string): never => {
    o.metrics.authRejects.inc({ code });
    throw new ApiError(code, message);
  };
  const guardFailures = (client: string): void => {
    const wait = o.failures.blockedFor(client);
    if (wait > 0) {
      o.metrics.rateLimited.inc({ bucket: 'auth-failures' });
      throw new ApiError('RATE_LIMITED', `too many failed sign-ins from this client; retry in ${wait}s`, wait);
    }
  };
  const failSignIn = (client: string, message: string): never => {
    o.failures.take(client);
    return reject('AUTH_INVALID', message);
  };

  /** The principal of a session cookie, with the CSRF checks a state-changing request needs. */
  const fromSession = async (c: Credentials, secret: string): Promise<Principal> => {
    const s = await o.tokens.session(secret, o.now());
    if (!s) return reject('AUTH_INVALID', 'the session has expired, was signed out, or its token was revoked; sign in again');
    if (!SAFE_METHODS.has(c.method)) {
      // SameSite=Strict already keeps the cookie off cross-site requests; the CSRF token and the
      // Origin check are the second and third locks.
      if (c.origin !== undefined && !sameOrigin(c.origin, c.host)) return reject('CSRF_FAILED', `cross-origin request from ${c.origin} refused`);
      if (c.csrf === undefined || !sameText(c.csrf, csrfTokenOf(secret))) return reject('CSRF_FAILED', 'a state-changing request with the session cookie needs the session’s X-CSRF-Token header');
    }
    return principalOf(s.token, { secret, expiresAt: s.expiresAt });
  };

  return {
    guardFailures,
    failSignIn,
    async authenticate(c, needs) {
      // A client that keeps guessing is stopped before its next guess is even looked at.
      guardFailures(c.client);
      let p: Principal;
      const secret = cookieValue(c.cookie, SESSION_COOKIE);
      if (c.authorization !== undefined && c.authorization !== '') {
        const m = BEARER.exec(c.authorization);
        const token = m ? await o.tokens.verify(m[1]!) : undefined;
        if (!token) return failSignIn(c.client, m ? 'the token is unknown or revoked' : 'the Authorization header is not `Bearer <token>`');
        p = principalOf(token);
      } else if (secret !== undefined && secret !== '') {
        p = await fromSession(c, secret);
      } else {
        return reject('AUTH_REQUIRED', 'this route needs `Authorization: Bearer <token>` (create one with `runledger tokens create`) or a web session (sign in at /signin)');
      }
      const token = p.token;
      if (rank(token.role) < rank(needs)) return reject('FORBIDDEN_ROLE', `this route needs role ${needs}; token ${token.name} has ${token.role}`);
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

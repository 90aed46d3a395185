// Bearer-token authentication and role gates. Every /api/v1 route names the least role it needs;
// there is no switch that turns this off.
import type { Actor } from '@runledger/ledger';
import { ApiError, type Who } from '@runledger/runtime';
import { TOKEN_ROLES, type TokenRecord, type TokenRole, type TokenStore } from '@runledger/store';
import type { TokenBuckets } from './limits.js';
import type { Metrics } from './metrics.js';

export interface Principal {
  readonly token: TokenRecord;
  readonly actor: Actor;
  /** The token's role and every role below it, as the engine's approval gates see them. */
  readonly roles: readonly TokenRole[];
}

export function rank(r: TokenRole): number {
  return TOKEN_ROLES.indexOf(r);
}

export function principalOf(token: TokenRecord): Principal {
  return { token, actor: { kind: 'token', id: `token:${token.name}` }, roles: TOKEN_ROLES.filter((r) => rank(r) <= rank(token.role)) };
}

export function whoOf(p: Principal): Who {
  return { actor: p.actor, roles: p.roles };
}

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

export interface Authenticator {
  authenticate(header: string | undefined, client: string, needs: TokenRole): Promise<Principal>;
}

export function authenticator(o: { tokens: TokenStore; failures: TokenBuckets; calls: TokenBuckets; metrics: Metrics; now: () => Date }): Authenticator {
  const touched = new Map<string, number>();
  const reject = (code: 'AUTH_REQUIRED' | 'AUTH_INVALID' | 'FORBIDDEN_ROLE', message: string): never => {
    o.metrics.authRejects.inc({ code });
    throw new ApiError(code, message);
  };
  return {
    async authenticate(header, client, needs) {
      // A client that keeps guessing is stopped before its next guess is even looked at.
      const wait = o.failures.blockedFor(client);
      if (wait > 0) {
        o.metrics.rateLimited.inc({ bucket: 'auth-failures' });
        throw new ApiError('RATE_LIMITED', `too many failed sign-ins from this client; retry in ${wait}s`, wait);
      }
      if (header === undefined || header === '') return reject('AUTH_REQUIRED', 'this route needs `Authorization: Bearer <token>` (create one with `runledger tokens create`)');
      const m = BEARER.exec(header);
      const token = m ? await o.tokens.verify(m[1]!) : undefined;
      if (!token) {
        o.failures.take(client);
        return reject('AUTH_INVALID', m ? 'the token is unknown or revoked' : 'the Authorization header is not `Bearer <token>`');
      }
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
      return principalOf(token);
    },
  };
}

// Web sessions: the UI signs in once with an API token and from then on holds only an httpOnly,
// SameSite=Strict cookie bound to that token (revoking the token ends its sessions). The token is
// never stored in the browser. Sign-in failures count against the client's failed-auth bucket (a
// valid token always signs in). Signing out ends the session's open event streams.
import { ApiError } from '../errors.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiInstance, RouteContext } from '../context.js';
import { csrfTokenOf, principalOf, SESSION_COOKIE, type Principal } from '../auth.js';
import { errors, SessionBody, SessionView } from '../schemas.js';

const DEFAULT_TTL_MS = 12 * 3600_000;

function view(p: Principal, secret: string, expiresAt: string) {
  return { actor: p.actor.id, name: p.token.name, role: p.token.role, roles: [...p.roles], csrfToken: csrfTokenOf(secret), expiresAt };
}

export function sessionRoutes(app: ApiInstance, rc: RouteContext): void {
  const tags = ['session'];
  const ttl = rc.deps.sessionTtlMs ?? DEFAULT_TTL_MS;
  const cookie = (req: FastifyRequest, value: string, maxAgeSeconds: number): string => {
    const secure = rc.deps.secureCookies === true || req.protocol === 'https';
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
  };
  const clear = (req: FastifyRequest, reply: FastifyReply): void => {
    reply.header('set-cookie', cookie(req, '', 0));
  };

  app.post(
    '/session',
    {
      schema: {
        tags,
        summary: 'Sign in with an API token: sets the session cookie and returns the CSRF token',
        security: [],
        body: SessionBody,
        response: { 200: SessionView, ...errors(400, 401, 429, 503) },
      },
    },
    async (req, reply) => {
      const token = await rc.auth.signIn(req.ip, req.body.token.trim());
      const s = await rc.tokens.createSession(token.id, rc.now(), ttl);
      const p = principalOf(token, { secret: s.secret, expiresAt: s.expiresAt });
      // Signing in is recorded like any other use of a credential that can change state.
      await rc.append({ type: 'auth.session.opened', actor: p.actor, subject: { kind: 'token', id: p.actor.id }, data: { expiresAt: s.expiresAt } });
      reply.header('set-cookie', cookie(req, s.secret, Math.floor(ttl / 1000)));
      reply.header('cache-control', 'no-store');
      return view(p, s.secret, s.expiresAt);
    },
  );

  app.get(
    '/session',
    {
      config: { role: 'viewer' },
      schema: { tags, summary: 'The signed-in session (cookie) with its CSRF token', response: { 200: SessionView, ...errors(401, 403, 404, 429, 503) } },
    },
    async (req, reply) => {
      const p = req.principal!;
      if (!p.session) throw new ApiError('NO_SESSION', 'this request authenticated with a bearer token; sign in at /signin for a web session');
      reply.header('cache-control', 'no-store');
      return view(p, p.session.secret, p.session.expiresAt);
    },
  );

  app.delete(
    '/session',
    {
      config: { role: 'viewer' },
      schema: { tags, summary: 'Sign out: ends the session and clears the cookie', response: { 204: { type: 'null' }, ...errors(401, 403, 429, 503) } },
    },
    async (req, reply) => {
      const p = req.principal!;
      if (p.session) {
        await rc.tokens.deleteSession(p.session.secret);
        // The session's event streams end now, not at the next poll of the revocation counter.
        await rc.auth.recheckWatched();
        await rc.append({ type: 'auth.session.closed', actor: p.actor, subject: { kind: 'token', id: p.actor.id }, data: {} });
      }
      clear(req, reply);
      return reply.status(204).send(null);
    },
  );
}

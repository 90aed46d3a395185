// createApp(deps): the whole HTTP surface built from its dependencies, so tests drive it with
// inject() and no socket. One error handler maps every error to one shape and a status taken from
// the runtime's error catalogue.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { sql, type Kysely } from 'kysely';
import type { AppendResult, TokenRole } from '@runledger/store';
import { TokenStore, type IntegrityCheck } from '@runledger/store';
import { ApiError, RuntimeError, type EngineContext } from '@runledger/runtime';
import { authenticator, type Authenticator, type Principal } from './auth.js';
import { failureOf } from './failures.js';
import { TokenBuckets, type BucketConfig } from './limits.js';
import { createMetrics, type Metrics } from './metrics.js';
import { startIntegrityCheck } from './integrity.js';
import { RunWorker, type EngineEvents } from './worker.js';
import { ledgerRoutes } from './routes/ledger.js';
import { runRoutes } from './routes/runs.js';
import { runbookRoutes } from './routes/runbooks.js';
import { policyRoutes } from './routes/policy.js';
import { systemRoutes } from './routes/system.js';
import { sessionRoutes } from './routes/session.js';
import { webRoutes } from './routes/web.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least token role the route needs; routes without one are public (health, ready, metrics, openapi). */
    role?: TokenRole;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface RateLimits {
  /** Per API token: all calls. Default: burst 120, 20/s. */
  readonly perToken?: BucketConfig;
  /** Per client address: failed sign-ins. Default: burst 10, one every 6 s. */
  readonly failedAuthPerClient?: BucketConfig;
}

export interface AppDeps {
  readonly engineContext: EngineContext;
  /** The observer the engine context was opened with (openServerEngine gives both). */
  readonly events?: EngineEvents;
  readonly version: string;
  readonly clock?: () => Date;
  /** Fastify/pino logger options (`false` for none); a `stream` captures the JSON lines. */
  readonly logger?: FastifyServerOptions['logger'];
  readonly rateLimits?: RateLimits;
  /** Process metrics (CPU, memory, event loop) in /metrics; off in tests. */
  readonly defaultMetrics?: boolean;
  /** The runbook catalogue's directory (`*.md` files). Default: `examples/runbooks` under the cwd. */
  readonly runbooksDir?: string;
  /** How long POST /runs waits for a new run to rest before answering 202 (ms). Default 1000. */
  readonly startWaitMs?: number;
  /** SSE heartbeat comment interval (ms). Default 15000. */
  readonly heartbeatMs?: number;
  /** The built web UI (packages/web/dist) served at `/`; without it `/` answers 404 with a hint. */
  readonly webDir?: string;
  /** Web session lifetime (ms). Default 12 h. */
  readonly sessionTtlMs?: number;
  /** Mark the session cookie `Secure` (set when serving over TLS, directly or behind a proxy). */
  readonly secureCookies?: boolean;
  /** Longest a shutdown waits for runs being driven to rest (ms). Default 30000. */
  readonly drainTimeoutMs?: number;
}

export interface App {
  readonly fastify: FastifyInstance;
  readonly worker: RunWorker;
  readonly metrics: Metrics;
  /** The background verification of the stored ledger (`await app.integrity.start()` waits for its end). */
  readonly integrity: IntegrityCheck;
  /** Stops taking new work, waits for drives in flight (at most drainTimeoutMs), then closes the HTTP server. Returns the drives left unfinished. */
  shutdown(): Promise<number>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export type ApiInstance = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface RouteContext {
  readonly deps: AppDeps;
  readonly ctx: EngineContext;
  readonly worker: RunWorker;
  readonly metrics: Metrics;
  readonly now: () => Date;
  /** Ledger append timed into the append-latency histogram. */
  append(draft: Parameters<NonNullable<EngineContext['ledger']['writer']>['append']>[0]): Promise<AppendResult>;
  /** Refuses state changes while the server drains. */
  requireAccepting(): void;
  readonly runbooksDir: string;
  readonly startWaitMs: number;
  readonly heartbeatMs: number;
  /** Open event streams' closers, ended when the server closes. */
  readonly streams: Set<() => void>;
  readonly auth: Authenticator;
  readonly tokens: TokenStore;
  /** The stored ledger verified in full in the background (integrity.ts). */
  readonly integrity: IntegrityCheck;
}

export async function createApp(deps: AppDeps): Promise<App> {
  const now = deps.clock ?? (() => new Date());
  const ctx = deps.engineContext;
  const store = ctx.ledger.store;
  const writer = ctx.ledger.writer;
  if (!writer) throw new RuntimeError('INTERNAL', 'createApp needs an engine context opened for writing');

  const metrics = createMetrics(
    {
      runsByState: async () => {
        const db = store.db as unknown as Kysely<{ runs: { state: string } }>;
        const rows = await db.selectFrom('runs').select(['state', sql<number>`count(*)`.as('n')]).groupBy('state').execute();
        return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
      },
      ledgerSize: async () => (await ctx.ledger.reader.head()).size,
    },
    { defaultMetrics: deps.defaultMetrics ?? false },
  );
  const worker = new RunWorker(deps.events, (runId, e) => app.log.error({ runId, err: e }, 'a run driven in the background failed'));
  deps.events?.on((_runId, _model, ev) => {
    if (ev.type === 'step.finished') metrics.stepDuration.observe({ phase: ev.phase, ok: String(ev.ok) }, ev.durationMs / 1000);
  });

  const app = Fastify({
    logger: deps.logger ?? false,
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && REQUEST_ID.test(h) ? h : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    bodyLimit: 256 * 1024,
    // While closing, requests still in flight on open connections are answered normally (in the one
    // error shape), not with fastify's own 503 body.
    return503OnClosing: false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorateRequest('principal', null);
  const integrity = startIntegrityCheck(ctx, writer, metrics, (err) => app.log.error({ err }, 'the stored ledger failed verification: appends refused'));
  app.addHook('onClose', async () => integrity.stop());

  const limits = deps.rateLimits ?? {};
  const msNow = (): number => now().getTime();
  const tokens = new TokenStore(store);
  const auth = authenticator({
    tokens,
    calls: new TokenBuckets(limits.perToken ?? { capacity: 120, refillPerSecond: 20 }, msNow),
    failures: new TokenBuckets(limits.failedAuthPerClient ?? { capacity: 10, refillPerSecond: 1 / 6 }, msNow),
    metrics,
    now,
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    const needs = req.routeOptions.config.role;
    if (needs) {
      const h = req.headers;
      const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
      req.principal = await auth.authenticate({ authorization: h.authorization, cookie: h.cookie, csrf: one(h['x-csrf-token']), origin: h.origin, host: h.host, method: req.method, client: req.ip }, needs);
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.is404 ? 'unmatched' : (req.routeOptions.url ?? 'unmatched');
    const labels = { method: req.method, route, status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });

  app.setErrorHandler(async (err, req, reply) => {
    const f = failureOf(err);
    if (f.status >= 500) req.log.error({ err, code: f.code }, 'request failed');
    else req.log.info({ code: f.code, message: f.message }, 'request refused');
    if (f.retryAfterSeconds !== undefined) reply.header('retry-after', String(f.retryAfterSeconds));
    return reply.status(f.status).send({ error: { code: f.code, message: f.message, requestId: req.id, ...(f.details ? { details: f.details } : {}) } });
  });

  app.setNotFoundHandler(async (req, reply) => {
    return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}`, requestId: req.id } });
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Runledger API', version: deps.version, description: 'Errors: `{"error":{"code","message","requestId"}}`; codes and statuses in docs/errors.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  const append: RouteContext['append'] = async (draft) => {
    const t0 = performance.now();
    try {
      const r = await writer.append(draft);
      metrics.ledgerAppend.observe({ outcome: 'ok' }, (performance.now() - t0) / 1000);
      return r;
    } catch (e) {
      metrics.ledgerAppend.observe({ outcome: 'error' }, (performance.now() - t0) / 1000);
      throw e;
    }
  };
  const rc: RouteContext = {
    deps,
    ctx,
    worker,
    metrics,
    now,
    append,
    requireAccepting: () => {
      if (!worker.isAccepting) throw new ApiError('SHUTTING_DOWN', 'the server is shutting down and takes no new work', 5);
    },
    runbooksDir: resolve(deps.runbooksDir ?? 'examples/runbooks'),
    startWaitMs: deps.startWaitMs ?? 1000,
    heartbeatMs: deps.heartbeatMs ?? 15_000,
    streams: new Set(),
    auth,
    tokens,
    integrity,
  };
  // Event streams end when the server closes (they would otherwise hold it open).
  app.addHook('onClose', async () => {
    for (const end of [...rc.streams]) end();
  });

  await app.register(async (api) => systemRoutes(api as unknown as ApiInstance, rc));
  await app.register(
    async (api) => {
      ledgerRoutes(api as unknown as ApiInstance, rc);
      runRoutes(api as unknown as ApiInstance, rc);
      runbookRoutes(api as unknown as ApiInstance, rc);
      policyRoutes(api as unknown as ApiInstance, rc);
      sessionRoutes(api as unknown as ApiInstance, rc);
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: '/api/v1' },
  );
  await app.register(async (web) => webRoutes(web as unknown as ApiInstance, rc));
  await app.ready();

  return {
    fastify: app,
    worker,
    metrics,
    integrity,
    async shutdown() {
      const left = await worker.drain(deps.drainTimeoutMs ?? 30_000);
      if (left > 0) app.log.warn({ left }, 'drain timed out: runs still being driven are left for recovery at the next start');
      for (const end of [...rc.streams]) end();
      await app.close();
      return left;
    },
  };
}

// createApp(deps): the whole HTTP surface built from its dependencies, so tests drive it with
// inject() and no socket. One error handler maps every error to one shape and a status taken from
// the complete error catalogue (errors.ts: the runtime's codes and the API's own).
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import { sql, type Kysely } from 'kysely';
import { AuthEpoch, TokenStore, type IntegrityCheck } from '@runledger/store';
import {
  AnchorShipper,
  anchorsFact,
  defaultBackupDir,
  drillFact,
  readTrustedKeys,
  TRUST_FILE,
  OperationsHost,
  operationsConfigPath,
  parseOrThrow,
  RuntimeError,
  sweepApprovals,
  tagRequestId,
  WakeLoop,
  withRequestId,
} from '@runledger/runtime';
import { ApiError } from './errors.js';
import { authenticator, loggableUrl } from './auth.js';
import { AuthFailureLog } from './auth-failures.js';
import type { ApiInstance, AppDeps, RouteContext } from './context.js';
import { failureOf } from './failures.js';
import { TokenBuckets } from './limits.js';
import { createMetrics, type Metrics } from './metrics.js';
import { startIntegrityCheck } from './integrity.js';
import { anchorMetrics, AnchorStaleness } from './anchors.js';
import { BackupWatch } from './backups/watch.js';
import { RunWorker } from './worker.js';
import { ledgerRoutes } from './routes/ledger.js';
import { runRoutes } from './routes/runs.js';
import { runbookRoutes } from './routes/runbooks.js';
import { policyRoutes } from './routes/policy.js';
import { systemRoutes } from './routes/system.js';
import { sessionRoutes } from './routes/session.js';
import { webRoutes } from './routes/web.js';
import { incidentRoutes } from './incidents/routes.js';
import { intakeRoutes } from './incidents/intake.js';
import { createOpsMetrics } from './incidents/metrics.js';
import { autoRunner } from './incidents/auto-run.js';
import { HealthHost } from './health/host.js';
import { ReleasesHost } from './releases/host.js';
import { SchedulesHost } from './schedules/host.js';
import { scheduleRoutes } from './schedules/routes.js';
import { releaseRoutes } from './releases/routes.js';
import { drillJob } from './drills/schedule-job.js';
import { DrillsHost } from './drills/host.js';
import { registerDrillMetrics } from './drills/metrics.js';
import { drillRoutes } from './drills/routes.js';
import { healthRoutes } from './health/routes.js';
import { statusPage } from './health/status-page.js';
import { activeBypassesOf, openIncidentFact } from './health/facts.js';
import { LastVerification, verificationFact } from './verification.js';
import { strictValidators } from './validation.js';

export type { ApiInstance, AppDeps, RateLimits, RouteContext } from './context.js';

export interface App {
  readonly fastify: FastifyInstance;
  readonly worker: RunWorker;
  readonly metrics: Metrics;
  /** The background verification of the stored ledger (`await app.integrity.start()` waits for its end). */
  readonly integrity: IntegrityCheck;
  /** Alerts, incidents and notifications (reload() on SIGHUP). */
  readonly operations: OperationsHost;
  /** Continuous health: the catalog's checks, checklists and SLOs (reload() on SIGHUP). */
  readonly health: HealthHost;
  /** Releases: the driver, its bake watch and rollbacks. */
  readonly releases: ReleasesHost;
  /** Drills run here (POST /drills), one at a time. */
  readonly drills: DrillsHost;
  /** Off-host anchors, when destinations are configured. */
  readonly anchors: AnchorShipper | undefined;
  /** RPO measured (the newest verified backup), when configured. */
  readonly backups: BackupWatch | undefined;
  /** One pass of the freshness alerts (BackupRpoBreached, AnchorStale); a timer runs it every freshnessEveryMs. */
  checkFreshness(): Promise<void>;
  /** Job schedules (reload() on SIGHUP); idle without a schedules file. */
  readonly schedules: SchedulesHost;
  /** Stops taking new work, waits for drives in flight (at most drainTimeoutMs), then closes the HTTP server. Returns the drives left unfinished. */
  shutdown(): Promise<number>;
  /** Writes the failed authentications collected so far (a timer does it every window). */
  flushAuthFailures(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const BODY_LIMIT = 256 * 1024;

/** Logger options whose request lines show the URL without secrets (see loggableUrl). */
function withLoggableUrls(logger: NonNullable<FastifyServerOptions['logger']>): FastifyServerOptions['logger'] {
  if (logger === false) return false;
  const base = logger === true ? {} : logger;
  const req = (r: { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }) => ({
    method: r.method,
    url: loggableUrl(r.url),
    host: r.host,
    remoteAddress: r.ip,
    remotePort: r.socket?.remotePort,
  });
  return { ...base, serializers: { ...base.serializers, req } };
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
        const rows = await db
          .selectFrom('runs')
          .select(['state', sql<number>`count(*)`.as('n')])
          .groupBy('state')
          .execute();
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
    logger: withLoggableUrls(deps.logger ?? false),
    trustProxy: deps.trustProxy?.length ? [...deps.trustProxy] : false,
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && REQUEST_ID.test(h) ? h : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    schemaController: { compilersFactory: { buildValidator: strictValidators() } },
    bodyLimit: BODY_LIMIT,
    // While closing, requests still in flight on open connections are answered normally (in the one
    // error shape), not with fastify's own 503 body.
    return503OnClosing: false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorateRequest('principal', null);
  const integrity = startIntegrityCheck(ctx, writer, metrics, (err) => app.log.error({ err }, 'the stored ledger failed verification: appends refused'));
  app.addHook('onClose', async () => integrity.stop());

  // Each handler runs in its request's context: the ledger entries it causes (also those of a run
  // driven on in the background) carry the request id as data.requestId.
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function (this: FastifyInstance, req, reply) {
      return withRequestId(req.id, () => handler.call(this, req, reply));
    };
  });

  const limits = deps.rateLimits ?? {};
  const msNow = (): number => now().getTime();
  const tokens = new TokenStore(store);
  const auth = authenticator({
    tokens,
    epoch: new AuthEpoch(store),
    failureLog: new AuthFailureLog({
      append: (d) => writer.append(d),
      now,
      windowMs: deps.authFailureWindowMs,
      onError: (e) => app.log.error({ err: e }, 'could not record failed authentications in the ledger'),
    }),
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
      req.principal = await auth.authenticate(
        {
          authorization: h.authorization,
          cookie: h.cookie,
          csrf: one(h['x-csrf-token']),
          origin: h.origin,
          host: h.host,
          protocol: req.protocol,
          method: req.method,
          client: req.ip,
        },
        needs,
      );
    }
  });

  // A declared length over the limit is refused before the body is read, whatever its content type
  // (fastify itself checks only bodies it parses; a chunked body over the limit fails while read).
  app.addHook('onRequest', async (req) => {
    const declared = Number(req.headers['content-length']);
    const limit = req.routeOptions.bodyLimit ?? BODY_LIMIT;
    if (declared > limit) throw new ApiError('BODY_TOO_LARGE', `the request body is ${declared} bytes; the limit is ${limit}`);
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
      info: {
        title: 'Runledger API',
        version: deps.version,
        description: 'Errors: `{"error":{"code","message","requestId"}}`; codes and statuses in docs/errors.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  const append: RouteContext['append'] = async (draft) => {
    const t0 = performance.now();
    try {
      const r = await writer.append(tagRequestId(draft));
      metrics.ledgerAppend.observe({ outcome: 'ok' }, (performance.now() - t0) / 1000);
      return r;
    } catch (e) {
      metrics.ledgerAppend.observe({ outcome: 'error' }, (performance.now() - t0) / 1000);
      throw e;
    }
  };
  const od = deps.operations ?? {};
  const late: { autoRun?: ReturnType<typeof autoRunner> } = {};
  const opsMetrics = createOpsMetrics(metrics.registry, () => operations);
  const operations: OperationsHost = await OperationsHost.open({
    store,
    append: (d) => append(d),
    configPath: od.configPath ?? operationsConfigPath({ env: od.env ?? process.env, home: ctx.ledger.home }),
    env: od.env ?? process.env,
    clock: now,
    ...(od.publicUrl ? { publicUrl: od.publicUrl } : {}),
    ...(od.pollMs ? { pollMs: od.pollMs } : {}),
    ...(od.retry ? { retry: od.retry } : {}),
    ...(od.sendTimeoutMs ? { sendTimeoutMs: od.sendTimeoutMs } : {}),
    onError: (what, err) => app.log.error({ err }, `operations: ${what} failed`),
    onDeliveryFinal: (d, state) => opsMetrics.notifications.inc({ state, channel: d.channel }),
    // Set once the route context exists (below); incidents open only after the server starts.
    onIncidentOpened: (v) => late.autoRun?.(v),
    onTimerFired: (lateMs, kind) => {
      opsMetrics.timerLateness.observe({ kind }, lateMs / 1000);
      if (kind === 'deadline') opsMetrics.deadlinesMissed.inc();
    },
  });
  const backups = deps.backups
    ? new BackupWatch({
        dir: deps.backups.dir ?? defaultBackupDir(ctx.ledger.home, od.env ?? process.env),
        targetSeconds: deps.backups.rpoTargetSeconds,
        now,
        operations,
      })
    : undefined;
  backups?.metrics(metrics.registry);
  const health = new HealthHost({
    deps: deps.health ?? {},
    home: ctx.ledger.home,
    store,
    operations,
    registry: metrics.registry,
    env: od.env ?? process.env,
    log: app.log,
    facts: {
      ledgerVerification: async (mode) => verificationFact(await lastVerification.get(), mode),
      activeBypasses: () => activeBypassesOf(ctx.runs),
      openIncidents: async () => (await operations.service.incidents.list({ states: ['triggered', 'acknowledged'], limit: 1000 })).map(openIncidentFact),
      readiness: async () => {
        const r = await app.inject({ method: 'GET', url: '/ready' });
        const body = r.json<{ ready: boolean; checks: { name: string; ok: boolean }[] }>();
        return { ready: body.ready, failed: body.checks.filter((c) => !c.ok).map((c) => c.name) };
      },
      anchors: async () => {
        const dirs = (deps.anchors?.destinations ?? []).flatMap((d) => (d.kind === 'dir' ? [d.dir] : []));
        if (dirs.length === 0) return undefined;
        return anchorsFact(ctx.ledger.reader, dirs, await readTrustedKeys(resolve(ctx.ledger.home, TRUST_FILE)));
      },
      backup: async () => backups?.fact(),
      drill: (kind) => drillFact(ctx.ledger.reader, kind, now()),
    },
  });
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
    operations,
    health,
  };
  const lastVerification = new LastVerification(rc);
  const releases = new ReleasesHost(rc, { log: app.log, ...deps.releases });
  releases.metrics();
  const drills = new DrillsHost(rc, releases.driver, deps.drills ?? {}, app.log);
  registerDrillMetrics(metrics.registry, ctx.ledger.reader);
  // Scheduled drills run through the drills host (one at a time, the same evidence); a test's own handler wins.
  const schedules = new SchedulesHost(rc, { ...deps.schedules, jobs: { drill: drillJob(drills), ...deps.schedules?.jobs } }, metrics.registry, app.log);
  late.autoRun = autoRunner(rc, app.log);
  // Event streams end when the server closes (they would otherwise hold it open).
  app.addHook('onClose', async () => {
    for (const end of [...rc.streams]) end();
    await auth.close();
  });

  // Runs waiting at a gate (driven here, by another process or by the CLI) notify who can approve them.
  const approvals = new WakeLoop({
    name: 'approvals',
    pollMs: od.approvalSweepMs ?? 15_000,
    work: async () => {
      await sweepApprovals(ctx.runs, operations, {
        now,
        // `onExpiry: reject`: the run ends as aborted by Runledger itself, recorded like any abort.
        reject: async (runId, reason) => {
          await worker.dispatch(runId, 'operator.abort', () =>
            ctx.engine.act(runId, { type: 'abort', reason }, { actor: { kind: 'system', id: 'runledger' }, roles: [] }, parseOrThrow),
          );
        },
      });
      return undefined;
    },
    onError: (err) => app.log.error({ err }, 'operations: asking for approvals failed'),
  });
  deps.events?.on((_runId, model) => {
    if (model.state === 'waiting_approval') approvals.wake();
  });
  app.addHook('onClose', async () => {
    await schedules.stop();
    await approvals.stop();
    await drills.stop();
    await releases.stop();
    await health.stop();
    await operations.stop();
  });

  await app.register(async (api) => systemRoutes(api as unknown as ApiInstance, rc));
  await app.register(
    async (api) => {
      ledgerRoutes(api as unknown as ApiInstance, rc);
      runRoutes(api as unknown as ApiInstance, rc);
      runbookRoutes(api as unknown as ApiInstance, rc);
      policyRoutes(api as unknown as ApiInstance, rc);
      sessionRoutes(api as unknown as ApiInstance, rc);
      incidentRoutes(api as unknown as ApiInstance, rc, operations);
      healthRoutes(api as unknown as ApiInstance, rc);
      releaseRoutes(api as unknown as ApiInstance, rc, releases.driver);
      drillRoutes(api as unknown as ApiInstance, rc, drills);
      scheduleRoutes(api as unknown as ApiInstance, rc, schedules);
      intakeRoutes(
        api as unknown as ApiInstance,
        operations,
        opsMetrics,
        od.intakeFault ?? (() => undefined),
        new TokenBuckets(limits.eventsPerIntegration ?? { capacity: 600, refillPerSecond: 60 }, msNow),
      );
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: '/api/v1' },
  );
  await app.register(async (root) => statusPage(root as unknown as ApiInstance, rc));
  await app.register(async (web) => webRoutes(web as unknown as ApiInstance, rc));
  // Off-host anchors (hooks are added before ready(); the shipper starts last, below).
  let anchors: AnchorShipper | undefined;
  if (deps.anchors && deps.anchors.destinations.length > 0) {
    const shipper = new AnchorShipper({
      reader: ctx.ledger.reader,
      destinations: deps.anchors.destinations,
      stateDir: resolve(ctx.ledger.home, 'anchors'),
      ...(deps.anchors.intervalMs !== undefined ? { intervalMs: deps.anchors.intervalMs } : {}),
      now: msNow,
      onError: (destination, err) => app.log.error({ err, destination }, 'anchor shipment failed'),
    });
    anchors = shipper;
    anchorMetrics(metrics.registry, shipper, async () => (await ctx.ledger.reader.head()).size, msNow);
    app.addHook('onClose', async () => shipper.stop());
  }
  const staleness =
    anchors && deps.anchors?.maxAgeSeconds !== undefined
      ? new AnchorStaleness(anchors, deps.anchors.destinations, deps.anchors.maxAgeSeconds, msNow, operations)
      : undefined;
  // Passes run one after another (the timer's and a caller's): the alert latches see each change once.
  let lastPass: Promise<void> = Promise.resolve();
  const checkFreshness = (): Promise<void> => {
    const pass = async (): Promise<void> => {
      await backups?.evaluate();
      await staleness?.evaluate();
    };
    lastPass = lastPass.then(pass, pass);
    return lastPass;
  };
  const freshness = new WakeLoop({
    name: 'freshness',
    pollMs: deps.freshnessEveryMs ?? 30_000,
    work: async () => {
      await checkFreshness();
      return undefined;
    },
    onError: (err) => app.log.error({ err }, 'judging backup and anchor freshness failed'),
  });
  app.addHook('onClose', async () => freshness.stop());

  await app.ready();
  await operations.start();
  approvals.start();
  await health.start();
  await releases.start();
  try {
    await schedules.start();
  } catch (e) {
    // An invalid schedules file: the server does not start, and what started above is stopped.
    await app.close();
    throw e;
  }
  // Started last: its first round ships the head as it stands after startup.
  anchors?.start();
  if (backups || staleness) freshness.start();

  return {
    anchors,
    backups,
    checkFreshness,
    schedules,
    fastify: app,
    worker,
    operations,
    health,
    releases,
    drills,
    metrics,
    integrity,
    async shutdown() {
      // Nothing new starts on a schedule while runs drain; jobs still going are told to stop at close.
      await schedules.pause();
      const left = await worker.drain(deps.drainTimeoutMs ?? 30_000);
      if (left > 0) app.log.warn({ left }, 'drain timed out: runs still being driven are left for recovery at the next start');
      for (const end of [...rc.streams]) end();
      await app.close();
      return left;
    },
    flushAuthFailures: () => auth.flushFailures(),
  };
}

// Prometheus metrics. Each app owns its registry (tests build many apps in one process).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly runsByState: Gauge<'state'>;
  readonly stepDuration: Histogram<'phase' | 'ok'>;
  readonly ledgerSize: Gauge;
  readonly ledgerAppend: Histogram<'outcome'>;
  readonly authRejects: Counter<'code'>;
  readonly rateLimited: Counter<'bucket'>;
  /** Open run event streams (SSE answers bypass the per-request histogram: they last as long as the run). */
  readonly sseStreams: Gauge;
  readonly sseOpened: Counter;
  readonly verifications: Counter<'result'>;
}

export function createMetrics(
  collect: { runsByState(): Promise<Record<string, number>>; ledgerSize(): Promise<number> },
  opts: { defaultMetrics?: boolean } = {},
): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'runledger_' });
  const httpRequests = new Counter({
    name: 'runledger_http_requests_total',
    help: 'HTTP requests by route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'runledger_http_request_duration_seconds',
    help: 'HTTP request latency by route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const runsByState = new Gauge({
    name: 'runledger_runs',
    help: 'Stored runs by state.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      // A database that does not answer leaves the gauge out; the rest of /metrics still serves.
      const counts = await collect.runsByState().catch(() => undefined);
      this.reset();
      for (const [state, n] of Object.entries(counts ?? {})) this.set({ state }, n);
    },
  });
  const stepDuration = new Histogram({
    name: 'runledger_step_duration_seconds',
    help: 'Duration of finished steps driven by this process.',
    labelNames: ['phase', 'ok'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900],
    registers: [registry],
  });
  const ledgerSize = new Gauge({
    name: 'runledger_ledger_entries',
    help: 'Ledger size (entries covered by the latest signed checkpoint).',
    registers: [registry],
    async collect() {
      const size = await collect.ledgerSize().catch(() => undefined);
      if (size === undefined) this.reset();
      else this.set(size);
    },
  });
  const ledgerAppend = new Histogram({
    name: 'runledger_ledger_append_duration_seconds',
    help: 'Latency of ledger appends made by this process (queueing and group commit included).',
    labelNames: ['outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const authRejects = new Counter({
    name: 'runledger_auth_rejects_total',
    help: 'Requests refused by authentication or role checks, by error code.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'runledger_rate_limited_total',
    help: 'Requests refused by a rate limit, by bucket (token or failed-auth).',
    labelNames: ['bucket'] as const,
    registers: [registry],
  });
  const sseStreams = new Gauge({ name: 'runledger_sse_streams', help: 'Run event streams (SSE) open now.', registers: [registry] });
  const sseOpened = new Counter({ name: 'runledger_sse_streams_opened_total', help: 'Run event streams (SSE) opened.', registers: [registry] });
  const verifications = new Counter({
    name: 'runledger_ledger_verifications_total',
    help: 'Ledger verifications run by the server (export + standalone verifier), by result.',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  return {
    registry,
    httpRequests,
    httpDuration,
    runsByState,
    stepDuration,
    ledgerSize,
    ledgerAppend,
    authRejects,
    rateLimited,
    sseStreams,
    sseOpened,
    verifications,
  };
}

// The types the app and its route modules share (kept apart from app.ts, which imports the routes,
// so there is no import cycle).
import type { HealthDeps, HealthHost } from './health/host.js';
import type { DrillsDeps } from './drills/deps.js';
import type { SchedulesDeps } from './schedules/deps.js';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppendResult, IntegrityCheck, TokenRole, TokenStore } from '@runledger/store';
import type { AnchorDestination, EngineContext, OperationsHost } from '@runledger/runtime';
import type { RetryPolicy } from '@runledger/core';
import type { Authenticator, Principal } from './auth.js';
import type { BucketConfig } from './limits.js';
import type { Metrics } from './metrics.js';
import type { EngineEvents, RunWorker } from './worker.js';

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
  /**
   * Per Events v2 integration (PagerDuty's own limit is per routing key): accepted events, answered 429
   * with Retry-After beyond it, which Events senders retry. Default: burst 600, 60/s. Alertmanager's
   * webhook is never throttled: it does not retry a 4xx, so a 429 would lose alerts.
   */
  readonly eventsPerIntegration?: BucketConfig;
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
  /** Proxies (IPs or CIDRs) whose X-Forwarded-For/-Proto are believed; without them the socket's peer is the client. */
  readonly trustProxy?: readonly string[];
  /** Window over which failed authentications are summed into one `auth.failures` entry per client (ms). Default 60000. */
  readonly authFailureWindowMs?: number;
  /** The operations layer (alerts, incidents, notifications). */
  readonly operations?: OperationsDeps;
  /** Continuous health: the service catalog, its checks, checklists and SLOs. */
  readonly health?: HealthDeps;
  /** Releases: how often bake windows are observed, how long a checklist gate may take to hold (ms). */
  readonly releases?: { readonly pollMs?: number; readonly checklistWaitMs?: number };
  /** Drills: where their evidence goes, how to run `runledger` (chaos kill-run), the settings they run with. */
  readonly drills?: DrillsDeps;
  /**
   * Off-host anchors: destinations (RUNLEDGER_ANCHORS) shipped to every intervalMs (default 5 s); a
   * destination not current for maxAgeSeconds raises AnchorStale (RUNLEDGER_ANCHOR_MAX_AGE; absent: no alert).
   */
  readonly anchors?: { readonly destinations: readonly AnchorDestination[]; readonly intervalMs?: number; readonly maxAgeSeconds?: number };
  /**
   * RPO measured: the newest verified backup in `dir` (default RUNLEDGER_BACKUP_DIR, else DATA_DIR-backups)
   * against rpoTargetSeconds (RUNLEDGER_BACKUP_RPO) as metrics, the `backup: fresh` fact and BackupRpoBreached.
   * Absent: none of these.
   */
  readonly backups?: { readonly dir?: string; readonly rpoTargetSeconds: number };
  /** How often backup and anchor freshness are judged for alerts (ms). Default 30000. */
  readonly freshnessEveryMs?: number;
  /** Job schedules: the schedules file (`serve --schedules`), extra job handlers (drills), test clocks. */
  readonly schedules?: SchedulesDeps;
}

/** Where a test makes the alert intake fail: before storing a body, or after (the sender then retries a stored body). */
export type IntakeFault = 'before-store' | 'after-store';

export interface OperationsDeps {
  /** The operations file; default RUNLEDGER_CONFIG, else `<data dir>/operations.yaml`. */
  readonly configPath?: string;
  /** Environment the file's `env:` secret references are read from. Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The UI's public address, for links in notifications. */
  readonly publicUrl?: string;
  /** How often background loops look for work queued by other processes (ms). Default 1000. */
  readonly pollMs?: number;
  readonly retry?: RetryPolicy;
  readonly sendTimeoutMs?: number;
  /** How often runs waiting at a gate are checked for approval requests not yet sent (ms). Default 15000; also woken by the engine. */
  readonly approvalSweepMs?: number;
  /** Tests only: make the alert intake fail before or after storing a body. */
  readonly intakeFault?: () => IntakeFault | undefined;
}

export type { HealthDeps, SchedulesDeps };

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
  /** Alerts, incidents and notifications. */
  readonly operations: OperationsHost;
  /** Continuous health (its service is undefined when there is no catalog). */
  readonly health: HealthHost;
}

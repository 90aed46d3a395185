// Probe definitions: what to check and what to expect, and what a probe answers. Shared by runbook
// `check`/`wait` steps and the service catalog's continuous checks. Pure data; the runtime's probes/
// module executes them.

export type ProbeKind = 'http' | 'tcp' | 'postgres' | 'redis' | 'command' | 'dns';

export interface HttpProbe {
  readonly kind: 'http';
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Accepted statuses (default [200]). Redirects are not followed: a 307 is reported as 307. */
  readonly expectStatus?: readonly number[];
  /** The body must contain this text. */
  readonly expectBodyContains?: string;
  /** JSON body: each dotted path must equal the value, e.g. {"status": "ok", "checks.db": true}. */
  readonly expectJson?: Readonly<Record<string, unknown>>;
  /** Response headers (names case-insensitive) that must be present and contain the text ('' = present). */
  readonly expectHeaders?: Readonly<Record<string, string>>;
  /** The whole exchange (DNS through the last body byte) must take less than this. */
  readonly maxLatencyMs?: number;
  /** https only: the verified chain must stay valid at least this many days (reason `tls_expiring`). */
  readonly minCertDays?: number;
  /**
   * https only: a PEM file of CA certificates trusted in addition to the bundled roots (a private CA,
   * a self-signed test server). Verification is always on; there is no "insecure" switch.
   */
  readonly ca?: string;
  readonly timeoutMs?: number;
}

export interface TcpProbe {
  readonly kind: 'tcp';
  readonly host: string;
  readonly port: number;
  readonly timeoutMs?: number;
}

export interface PostgresProbe {
  readonly kind: 'postgres';
  /** postgres:// DSN; may be a secret reference resolved by the runtime. */
  readonly url: string;
  /** Query to run (default `SELECT 1`). */
  readonly query?: string;
  /** The first column of the first row, as text, must equal this (e.g. the migration head). */
  readonly expectValue?: string;
  readonly timeoutMs?: number;
}

export interface RedisProbe {
  readonly kind: 'redis';
  readonly host: string;
  readonly port: number;
  /** Default PING, expecting PONG. */
  readonly command?: string;
  readonly expectReply?: string;
  readonly timeoutMs?: number;
}

export interface CommandProbe {
  readonly kind: 'command';
  /** Run with `sh -c`; inputs arrive as environment variables. */
  readonly run: string;
  readonly expectExit?: number;
  readonly expectStdoutContains?: string;
  readonly timeoutMs?: number;
}

/** Which resolver answers: 'A'/'AAAA' ask the DNS servers; 'ANY' (default) asks the system (hosts file, then DNS). */
export type DnsRecordType = 'A' | 'AAAA' | 'ANY';

export interface DnsProbe {
  readonly kind: 'dns';
  readonly name: string;
  readonly recordType?: DnsRecordType;
  /** Every address listed must be among the answers. */
  readonly expect?: readonly string[];
  readonly timeoutMs?: number;
}

export type ProbeSpec = HttpProbe | TcpProbe | PostgresProbe | RedisProbe | CommandProbe | DnsProbe;

/**
 * Why a probe answered as it did: a closed set, so alerts and history can group failures by cause.
 * Transport: `timeout` (our deadline, or the OS giving up on a connect), `aborted` (the caller),
 * `dns` (the name did not resolve), `connect_refused`, `connect_reset` (reset, or closed before an
 * answer), `unreachable` (no route). TLS: `tls_handshake` (no common protocol, not TLS at all),
 * `tls_invalid` (verification failed: unknown CA, self-signed, wrong name, not yet valid),
 * `tls_expired` (a certificate of the chain has expired), `tls_expiring` (verified, but expires
 * within `minCertDays`: still working, a warning). Answers: `protocol` (the peer spoke something else),
 * `auth` (credentials refused), `status`, `header`, `body`, `json`, `latency` (HTTP expectations),
 * `result` (a query result, Redis reply or DNS answer other than expected, or an error reply),
 * `exit`, `output` (command). `invalid`: the probe definition itself is unusable (bad URL, port, CA
 * file). `error`: anything else. `ok` when it passed.
 */
export const PROBE_REASONS = [
  'ok',
  'timeout',
  'aborted',
  'dns',
  'connect_refused',
  'connect_reset',
  'unreachable',
  'tls_handshake',
  'tls_invalid',
  'tls_expired',
  'tls_expiring',
  'protocol',
  'auth',
  'status',
  'header',
  'body',
  'json',
  'latency',
  'result',
  'exit',
  'output',
  'invalid',
  'error',
] as const;

export type ProbeReason = (typeof PROBE_REASONS)[number];

/**
 * When each phase ended, in ms from the probe's start (cumulative, like curl's time_namelookup,
 * time_connect, time_appconnect, time_starttransfer), so dnsMs ≤ connectMs ≤ tlsMs ≤ firstByteMs ≤
 * totalMs. A phase that did not happen (no DNS for an IP literal, no TLS for http://) or was not reached
 * (the probe failed earlier) is absent.
 */
export interface ProbePhases {
  readonly dnsMs?: number;
  readonly connectMs?: number;
  readonly tlsMs?: number;
  readonly firstByteMs?: number;
  readonly totalMs: number;
}

/** The certificate facts of an https probe. Dates are ISO 8601. */
export interface CertObservation {
  /**
   * Smallest NotAfter over the chain that verification used (leaf up to the trust anchor): when
   * clients start failing. Prefer this to `earliestSentExpiresAt` for alerting.
   */
  readonly chainExpiresAt: string;
  /** Smallest NotAfter over every certificate seen in the handshake (blackbox's "earliest expiry"). */
  readonly earliestSentExpiresAt: string;
  /** The leaf's subject and issuer, e.g. "CN=api.example.com". */
  readonly subject: string;
  readonly issuer: string;
  /** False when the chain failed verification and was read only to explain the failure. */
  readonly verified: boolean;
}

/**
 * The raw facts a probe saw, for a condition evaluator ("[STATUS] == 200", "[BODY].status == UP").
 * Strings are capped and redacted like the detail; which fields are present depends on the kind.
 */
export interface ProbeObservation {
  /** HTTP status. */
  readonly status?: number;
  /** HTTP response headers, names lower-cased, repeated headers joined with ", ". */
  readonly headers?: Readonly<Record<string, string>>;
  /** HTTP body as text (at most the probe's body cap; `bodyTruncated` when cut). */
  readonly body?: string;
  readonly bodyTruncated?: boolean;
  /** The exchange's time, ms: the whole HTTP exchange, the TCP connect, the query, the reply, the lookup. */
  readonly latencyMs?: number;
  readonly cert?: CertObservation;
  /** Command exit code (absent when killed by a signal). */
  readonly exit?: number;
  /** Command stdout (capped). */
  readonly output?: string;
  /** PostgreSQL: the first row's values as text (null for SQL NULL); empty when no row. */
  readonly rows?: readonly (string | null)[];
  readonly rowCount?: number;
  /** Redis reply as text (arrays one item a line, nil as "(nil)"). */
  readonly reply?: string;
  /** DNS answers. */
  readonly addresses?: readonly string[];
}

export interface ProbeResult {
  readonly ok: boolean;
  /** One line: what was checked and what was seen ("GET http://…/ready → 503, expected 200"). */
  readonly detail: string;
  readonly durationMs: number;
  /** Why: `ok` when it passed, otherwise the failure's cause. */
  readonly reason: ProbeReason;
  /** Phase timings, when the probe did network I/O (always totalMs when present). */
  readonly phases?: ProbePhases;
  readonly observation?: ProbeObservation;
}

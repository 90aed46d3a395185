// Probe definitions: what to check and what to expect. Shared by runbook `check`/`wait` steps and,
// later, the service catalog. Pure data; the runtime's probes/ module executes them.

export type ProbeKind = 'http' | 'tcp' | 'postgres' | 'redis' | 'command';

export interface HttpProbe {
  readonly kind: 'http';
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Accepted statuses (default [200]). */
  readonly expectStatus?: readonly number[];
  /** The body must contain this text. */
  readonly expectBodyContains?: string;
  /** JSON body: each dotted path must equal the value, e.g. {"status": "ok", "checks.db": true}. */
  readonly expectJson?: Readonly<Record<string, unknown>>;
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

export type ProbeSpec = HttpProbe | TcpProbe | PostgresProbe | RedisProbe | CommandProbe;

export interface ProbeResult {
  readonly ok: boolean;
  /** One line: what was checked and what was seen ("GET http://…/ready → 503, expected 200"). */
  readonly detail: string;
  readonly durationMs: number;
}

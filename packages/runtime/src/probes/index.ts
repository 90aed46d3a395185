// Probe execution: the runtime half of the core's probe definitions. Used by runbook `check` and
// `wait` steps now, and by the service catalog later. A probe never throws for a failed check: it
// answers ok:false with one line saying what was checked, what was seen and what was expected.
import { Redactor } from '../redact.js';
import { commandProbe } from './command.js';
import { httpProbe, type Outcome } from './http.js';
import { postgresProbe } from './postgres.js';
import { redisProbe } from './redis.js';
import type { ProbeResult, ProbeSpec } from './spec.js';
import { tcpProbe } from './tcp.js';
import { DEFAULT_COMMAND_PROBE_TIMEOUT_MS, DEFAULT_PROBE_TIMEOUT_MS, elapsed, MAX_DETAIL_CHARS, urlSecrets } from './util.js';

export { DEFAULT_COMMAND_PROBE_TIMEOUT_MS, DEFAULT_PROBE_TIMEOUT_MS } from './util.js';
export type { CommandProbe, HttpProbe, PostgresProbe, ProbeKind, ProbeResult, ProbeSpec, RedisProbe, TcpProbe } from './spec.js';

export interface ProbeOptions {
  /** Aborts the probe (it then answers ok:false, "aborted"). */
  readonly signal?: AbortSignal;
  /** Redacts secret values from the detail (and, for command probes, from the output checked). */
  readonly redactor?: Redactor;
  /** Command probes: variables for the script (inputs and secrets arrive this way, never in argv). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Command probes: working directory. */
  readonly cwd?: string;
}

export async function runProbe(spec: ProbeSpec, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const started = performance.now();
  let outcome: Outcome;
  const secrets: string[] = [];
  try {
    outcome = await dispatch(spec, opts, secrets);
  } catch (err) {
    // Every adapter handles its own failures; this is the net under a bug, so the contract holds.
    outcome = { ok: false, detail: `${describeKind(spec)} probe failed unexpectedly: ${err instanceof Error ? err.message : String(err)}` };
  }
  return { ok: outcome.ok, detail: finishDetail(outcome.detail, opts.redactor, secrets), durationMs: elapsed(started) };
}

function dispatch(spec: ProbeSpec, opts: ProbeOptions, secrets: string[]): Promise<Outcome> {
  const timeoutMs = positive(spec.timeoutMs) ?? (spec.kind === 'command' ? DEFAULT_COMMAND_PROBE_TIMEOUT_MS : DEFAULT_PROBE_TIMEOUT_MS);
  switch (spec.kind) {
    case 'http':
      secrets.push(...urlSecrets(spec.url));
      return httpProbe(spec, timeoutMs, opts.signal);
    case 'tcp':
      return tcpProbe(spec, timeoutMs, opts.signal);
    case 'postgres':
      secrets.push(...urlSecrets(spec.url));
      return postgresProbe(spec, timeoutMs, opts.signal);
    case 'redis':
      return redisProbe(spec, timeoutMs, opts.signal);
    case 'command':
      return commandProbe(spec, timeoutMs, opts.signal, opts);
    default:
      // Specs come from YAML: the type system's exhaustiveness is a hope, not a guarantee.
      return Promise.resolve({ ok: false, detail: `unknown probe kind ${JSON.stringify((spec as { kind?: unknown }).kind)}` });
  }
}

function positive(n: number | undefined): number | undefined {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

function describeKind(spec: ProbeSpec): string {
  return typeof (spec as { kind?: unknown }).kind === 'string' ? spec.kind : 'unknown';
}

/** Redacted by value (the caller's secrets and the URL's own password), flattened to one bounded line. */
function finishDetail(detail: string, redactor: Redactor | undefined, secrets: readonly string[]): string {
  let out = detail;
  // The URL itself is already shown masked (safeUrl); this catches the password quoted in an error.
  if (secrets.length > 0) out = new Redactor(secrets).redact(out);
  if (redactor) out = redactor.redact(out);
  out = out.replace(/[\r\n\t]+/g, ' ');
  return out.length <= MAX_DETAIL_CHARS ? out : `${out.slice(0, MAX_DETAIL_CHARS - 1)}…`;
}

// Probe execution: the runtime half of the core's probe definitions. Used by runbook `check` and
// `wait` steps and by the service catalog's continuous checks. A probe never throws for a failed
// check: it answers ok:false with a reason from a closed set and one line saying what was checked,
// what was seen and what was expected, plus phase timings and the raw facts it observed.
import { Redactor } from '../redact.js';
import { commandProbe } from './command.js';
import { dnsProbe } from './dns.js';
import { httpProbe } from './http.js';
import { redactObservation } from './observe.js';
import type { Outcome } from './outcome.js';
import { PhaseClock } from './phases.js';
import { postgresProbe } from './postgres.js';
import { redisProbe } from './redis.js';
import type { ProbeResult, ProbeSpec } from './spec.js';
import { tcpProbe } from './tcp.js';
import { DEFAULT_COMMAND_PROBE_TIMEOUT_MS, DEFAULT_PROBE_TIMEOUT_MS, MAX_DETAIL_CHARS, urlSecrets } from './util.js';

export { DEFAULT_COMMAND_PROBE_TIMEOUT_MS, DEFAULT_PROBE_TIMEOUT_MS } from './util.js';
export { MAX_PROBE_BODY_BYTES } from './http.js';
export { PROBE_REASONS } from './spec.js';
export type {
  CertObservation,
  CommandProbe,
  DnsProbe,
  HttpProbe,
  PostgresProbe,
  ProbeKind,
  ProbeObservation,
  ProbePhases,
  ProbeReason,
  ProbeResult,
  ProbeSpec,
  RedisProbe,
  TcpProbe,
} from './spec.js';

export interface ProbeOptions {
  /** Aborts the probe (it then answers ok:false, reason 'aborted'). */
  readonly signal?: AbortSignal;
  /** Redacts secret values from the detail and the observation (and, for command probes, the output). */
  readonly redactor?: Redactor;
  /** Command probes: variables for the script (inputs and secrets arrive this way, never in argv). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Command probes: working directory. */
  readonly cwd?: string;
}

export async function runProbe(spec: ProbeSpec, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const clock = new PhaseClock();
  let outcome: Outcome;
  const secrets: string[] = [];
  try {
    outcome = await dispatch(spec, opts, secrets, clock);
  } catch (err) {
    // Every adapter handles its own failures; this is the net under a bug, so the contract holds.
    const why = err instanceof Error ? err.message : String(err);
    outcome = { ok: false, reason: 'error', detail: `${describeKind(spec)} probe failed unexpectedly: ${why}` };
  }
  const phases = clock.used ? clock.phases() : undefined;
  const redact = redactWith(opts.redactor, secrets);
  return {
    ok: outcome.ok,
    detail: oneBoundedLine(redact(outcome.detail)),
    durationMs: phases?.totalMs ?? clock.now(),
    reason: outcome.reason,
    ...(phases ? { phases } : {}),
    ...(outcome.observation ? { observation: redactObservation(outcome.observation, redact) } : {}),
  };
}

function dispatch(spec: ProbeSpec, opts: ProbeOptions, secrets: string[], clock: PhaseClock): Promise<Outcome> {
  const timeoutMs = positive(spec.timeoutMs) ?? (spec.kind === 'command' ? DEFAULT_COMMAND_PROBE_TIMEOUT_MS : DEFAULT_PROBE_TIMEOUT_MS);
  switch (spec.kind) {
    case 'http':
      secrets.push(...urlSecrets(spec.url));
      return httpProbe(spec, timeoutMs, opts.signal, clock);
    case 'tcp':
      return tcpProbe(spec, timeoutMs, opts.signal, clock);
    case 'postgres':
      secrets.push(...urlSecrets(spec.url));
      return postgresProbe(spec, timeoutMs, opts.signal, clock);
    case 'redis':
      return redisProbe(spec, timeoutMs, opts.signal, clock);
    case 'command':
      return commandProbe(spec, timeoutMs, opts.signal, opts, clock);
    case 'dns':
      return dnsProbe(spec, timeoutMs, opts.signal, clock);
    default:
      // Specs come from YAML: the type system's exhaustiveness is a hope, not a guarantee.
      return Promise.resolve({ ok: false, reason: 'invalid', detail: `unknown probe kind ${JSON.stringify((spec as { kind?: unknown }).kind)}` });
  }
}

function positive(n: number | undefined): number | undefined {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

function describeKind(spec: ProbeSpec): string {
  return typeof (spec as { kind?: unknown }).kind === 'string' ? spec.kind : 'unknown';
}

/** Redaction by value: the caller's secrets and the URL's own password (the URL itself is already shown masked by safeUrl). */
function redactWith(redactor: Redactor | undefined, secrets: readonly string[]): (s: string) => string {
  const own = secrets.length > 0 ? new Redactor(secrets) : undefined;
  return (s) => {
    let out = own ? own.redact(s) : s;
    if (redactor) out = redactor.redact(out);
    return out;
  };
}

/** Flattened to one bounded line. */
function oneBoundedLine(detail: string): string {
  const out = detail.replace(/[\r\n\t]+/g, ' ');
  return out.length <= MAX_DETAIL_CHARS ? out : `${out.slice(0, MAX_DETAIL_CHARS - 1)}…`;
}

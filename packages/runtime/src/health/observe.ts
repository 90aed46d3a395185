// One catalog check, probed once: the probe (runtime/probes) runs the spec, and its answer becomes the
// catalog's Observation, judged by the check's conditions (core/catalog). The verdict's reason is the
// probe's own when the probe could not complete (refused, timed out, TLS), else the first failing
// condition's, so "down" always says why.
import {
  judgeObservation,
  toProbeSpec,
  type Check,
  type ConditionResult,
  type Observation,
  type ProbeReason,
  type ProbeResult,
  type ProbeSpec,
} from '@runledger/core';

/** Reasons for which there was no answer to judge: every condition fails with the probe's reason. */
const NO_ANSWER: ReadonlySet<ProbeReason> = new Set([
  'timeout',
  'aborted',
  'dns',
  'connect_refused',
  'connect_reset',
  'unreachable',
  'tls_handshake',
  'tls_invalid',
  'tls_expired',
  'protocol',
  'auth',
  'invalid',
  'error',
]);

export interface CheckOutcome {
  readonly ok: boolean;
  /** `ok`, the probe's reason when it got no answer, else the first failed condition's. */
  readonly reason: string;
  readonly detail: string;
  readonly latencyMs?: number;
  readonly conditions: readonly ConditionResult[];
  readonly probe: ProbeResult;
}

/** The spec to probe: the catalog's probe with secrets resolved and only what the probe itself must know. */
export function probeSpecOf(check: Check, resolve: (value: string) => string): ProbeSpec {
  const p = check.probe;
  if (p.kind === 'dns') {
    // A and AAAA ask the DNS servers; anything else falls back to the system resolver (hosts file first).
    const recordType = p.recordType === 'A' || p.recordType === 'AAAA' ? p.recordType : 'ANY';
    return { kind: 'dns', name: p.name, recordType, timeoutMs: check.timeoutMs };
  }
  // Expectations are judged by the conditions (all of them, with reasons), not by the probe: strip them.
  const spec = toProbeSpec(p, check.timeoutMs, []);
  if (!spec) throw new Error(`check ${check.id}: no probe for kind ${p.kind}`);
  if (spec.kind === 'postgres') return { ...spec, url: resolve(spec.url) };
  if (spec.kind === 'http' && spec.headers) return { ...spec, headers: Object.fromEntries(Object.entries(spec.headers).map(([k, v]) => [k, resolve(v)])) };
  return spec;
}

export function observationOf(r: ProbeResult, now: number): Observation {
  const o = r.observation ?? {};
  const rows = o.rows ? [Object.fromEntries(o.rows.map((v, i) => [String(i), v]))] : undefined;
  return {
    now,
    ...(NO_ANSWER.has(r.reason) ? { error: r.detail } : {}),
    ...(o.status !== undefined ? { status: o.status } : {}),
    latencyMs: o.latencyMs ?? r.phases?.totalMs ?? r.durationMs,
    ...(o.body !== undefined ? { body: o.body } : {}),
    ...(o.headers !== undefined ? { headers: o.headers } : {}),
    ...(o.cert?.verified ? { certExpiresAt: Date.parse(o.cert.chainExpiresAt) } : {}),
    ...(o.exit !== undefined ? { exit: o.exit } : {}),
    ...(o.output !== undefined ? { output: o.output } : {}),
    ...(rows ? { rows, result: o.rows?.[0] ?? null } : {}),
    ...(o.reply !== undefined ? { reply: o.reply, result: o.reply } : {}),
    ...(o.addresses !== undefined ? { addresses: o.addresses } : {}),
  };
}

export function judge(check: Check, r: ProbeResult, now: number, redact?: (s: string) => string): CheckOutcome {
  const obs = observationOf(r, now);
  const j = judgeObservation(check.conditions, obs, redact ? { redact } : {});
  const answered = !NO_ANSWER.has(r.reason);
  const ok = answered && j.ok;
  const failed = j.results.find((c) => !c.ok);
  const reason = ok ? 'ok' : answered ? (failed?.reason ?? r.reason) : r.reason;
  // The condition's message names it already ("status == 200 does not hold: saw 503").
  const detail = ok ? r.detail : answered && failed ? (failed.message ?? `${failed.condition}: saw ${failed.actual}`) : r.detail;
  return { ok, reason, detail, ...(obs.latencyMs !== undefined ? { latencyMs: obs.latencyMs } : {}), conditions: j.results, probe: r };
}

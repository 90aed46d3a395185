// Probing checks from the command line: what the server's health service does each interval, once,
// with nothing recorded.
import type { Check } from '@runledger/core';
import { judge, probeSpecOf, resolveSecret, runProbe, type CheckOutcome, type LastResult } from '@runledger/runtime';
import type { Io } from '../io.js';

/** Probes run at once by `services --probe` and `health`. */
const PROBE_CONCURRENCY = 8;

/** `env:NAME` and `file:/path` references in probes (postgres URLs, credential headers), as the server resolves them. */
function secretResolver(env: Io['env']): (v: string) => string {
  return (v) => {
    if (v.startsWith('env:')) return resolveSecret({ env: v.slice(4) }, { ...env });
    if (v.startsWith('file:')) return resolveSecret({ file: v.slice(5) }, { ...env });
    return v;
  };
}

/** One probe of one check, judged (what the server's health service does each interval; nothing is recorded). */
export async function probeCheck(c: Check, env: Io['env']): Promise<CheckOutcome> {
  const spec = probeSpecOf(c, secretResolver(env));
  const r = await runProbe(spec, { signal: AbortSignal.timeout(c.timeoutMs + 1000) });
  return judge(c, r, Date.now());
}

/** Every check given, at most PROBE_CONCURRENCY at once; a check that cannot be probed here (a secret missing) fails with why. */
export async function probeAll(checks: readonly Check[], env: Io['env']): Promise<Map<string, { outcome: CheckOutcome; at: string }>> {
  const out = new Map<string, { outcome: CheckOutcome; at: string }>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < checks.length) {
      const c = checks[next++]!;
      const at = new Date().toISOString();
      let outcome: CheckOutcome;
      try {
        outcome = await probeCheck(c, env);
      } catch (e) {
        const detail = `cannot probe here: ${e instanceof Error ? e.message : String(e)}`;
        outcome = { ok: false, reason: 'error', detail, conditions: [], probe: { ok: false, reason: 'error', detail, durationMs: 0 } };
      }
      out.set(c.id, { outcome, at });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PROBE_CONCURRENCY, checks.length) }, worker));
  return out;
}

/** A probe's outcome as the last result the server would record for it. */
export function lastOf(o: CheckOutcome, at: string): LastResult {
  return {
    at,
    ok: o.ok,
    reason: o.reason,
    detail: o.detail,
    ...(o.latencyMs !== undefined ? { latencyMs: Math.round(o.latencyMs * 10) / 10 } : {}),
    ...(o.probe.observation?.status !== undefined ? { status: o.probe.observation.status } : {}),
    ...(o.probe.phases ? { phases: o.probe.phases } : {}),
    conditions: o.conditions,
  };
}

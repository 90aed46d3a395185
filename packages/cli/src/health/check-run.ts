// `checks run`: one check probed now, as JSON (the API's POST /checks/{id}/run) or as text with its
// phase timings and each condition.
import type { Check } from '@runledger/core';
import type { CheckOutcome } from '@runledger/runtime';
import { targetOf } from '@runledger/server';
import type { Io } from '../io.js';
import { ms, pad } from './text.js';

export function checkRunJson(c: Check, o: CheckOutcome) {
  return {
    check: c.id,
    ok: o.ok,
    reason: o.reason,
    detail: o.detail,
    ...(o.latencyMs !== undefined ? { latencyMs: o.latencyMs } : {}),
    ...(o.probe.observation?.status !== undefined ? { status: o.probe.observation.status } : {}),
    ...(o.probe.phases ? { phases: o.probe.phases } : {}),
    conditions: [...o.conditions],
  };
}

/** `dns 0.2 ms, connect 0.6 ms, first byte 3.1 ms, total 3.4 ms` (cumulative from the start, as curl's). */
function phasesText(p: NonNullable<CheckOutcome['probe']['phases']>): string {
  const parts: string[] = [];
  if (p.dnsMs !== undefined) parts.push(`dns ${ms(p.dnsMs)}`);
  if (p.connectMs !== undefined) parts.push(`connect ${ms(p.connectMs)}`);
  if (p.tlsMs !== undefined) parts.push(`tls ${ms(p.tlsMs)}`);
  if (p.firstByteMs !== undefined) parts.push(`first byte ${ms(p.firstByteMs)}`);
  parts.push(`total ${ms(p.totalMs)}`);
  return parts.join(', ');
}

export function printCheckRun(io: Io, c: Check, o: CheckOutcome): void {
  io.out(`${c.id}  ${o.ok ? 'OK' : `FAILED (${o.reason})`}\n`);
  io.out(`  ${pad('target', 12)}${c.probe.kind === 'http' ? '' : `${c.probe.kind} `}${targetOf(c)}\n`);
  io.out(`  ${pad('detail', 12)}${o.detail}\n`);
  if (o.latencyMs !== undefined) io.out(`  ${pad('latency', 12)}${ms(o.latencyMs)}\n`);
  if (o.probe.phases) io.out(`  ${pad('phases', 12)}${phasesText(o.probe.phases)}\n`);
  if (o.conditions.length === 0) {
    io.out(`  ${pad('conditions', 12)}none: the probe completing is enough\n`);
    return;
  }
  io.out('  conditions\n');
  const w = Math.max(...o.conditions.map((x) => x.condition.length)) + 2;
  for (const x of o.conditions)
    io.out(
      `    ${x.ok ? '✓' : '✗'} ${pad(x.condition, w)}saw ${x.actual}${x.ok ? '' : `${x.reason ? ` [${x.reason}]` : ''}${x.message ? `: ${x.message}` : ''}`}\n`,
    );
}

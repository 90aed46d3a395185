// How a drill reads on a terminal.
import type { DrillMeasured, DrillTargets } from '@runledger/core';
import type { DrillRecord, DrillResult } from '@runledger/runtime';

const s = (n: number | undefined): string => (n === undefined ? '—' : `${n.toFixed(3)} s`);

export function figures(m: DrillMeasured, t: DrillTargets): string[] {
  const out: string[] = [];
  if (m.rtoSeconds !== undefined) out.push(`RTO ${s(m.rtoSeconds)}${t.rtoSeconds !== undefined ? ` (target ${t.rtoSeconds} s)` : ''}`);
  if (m.rpoSeconds !== undefined)
    out.push(
      `RPO ${s(m.rpoSeconds)}${m.rpoEntries !== undefined ? `, ${m.rpoEntries} entries` : ''}${t.rpoSeconds !== undefined ? ` (target ${t.rpoSeconds} s)` : ''}`,
    );
  if (m.deliverySeconds !== undefined) out.push(`delivery ${s(m.deliverySeconds)}${t.deliverySeconds !== undefined ? ` (target ${t.deliverySeconds} s)` : ''}`);
  if (m.escalationSeconds !== undefined) out.push(`escalation ${s(m.escalationSeconds)} after the deadline`);
  return out;
}

export function resultText(r: DrillResult, trustFile: string): string {
  const lines = [`drill ${r.id}: ${r.kind}${r.env ? ` in ${r.env}` : ''} ${r.passed ? 'PASSED' : 'FAILED'}`];
  const f = figures(r.measured, r.targets);
  if (f.length > 0) lines.push(`  ${f.join('; ')}`);
  const steps = Object.entries(r.measured.steps ?? {});
  if (steps.length > 0) lines.push(`  steps: ${steps.map(([k, v]) => `${k} ${v.toFixed(3)} s`).join(', ')}`);
  for (const c of r.checks) lines.push(`  ${c.ok ? '✔' : '✘'} ${c.name}: ${c.detail}`);
  for (const reason of r.reasons.filter((x) => !r.checks.some((c) => !c.ok && x === `${c.name}: ${c.detail}`))) lines.push(`  ✘ ${reason}`);
  lines.push(`  evidence ${r.evidence.dir}`);
  lines.push(`  manifest sha256:${r.evidence.manifestSha256}, pinned by ledger entry ${r.evidence.index} (drill.finished)`);
  lines.push(`  check it offline: runledger-verify evidence ${r.evidence.dir} --trust ${trustFile}`);
  return `${lines.join('\n')}\n`;
}

export function recordLine(d: DrillRecord): string {
  return `${d.id}  ${d.kind.padEnd(10)} ${(d.env ?? '-').padEnd(10)} ${d.passed ? 'passed' : 'FAILED'}  ${figures(d.measured, d.targets).join('; ')}${d.passed ? '' : `  ${d.reasons[0] ?? ''}`}`;
}

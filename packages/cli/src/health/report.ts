// What `health` prints: each checklist (or the service) with every item and its evidence, and a line
// saying healthy or not; or one JSON object.
import type { Checklist, ChecklistResult, Evidence } from '@runledger/core';
import type { CheckOutcome } from '@runledger/runtime';
import type { Io } from '../io.js';
import type { HealthEvaluation } from './evaluate.js';
import { ms } from './text.js';

interface ItemOut {
  readonly checklist: string;
  readonly name: string;
  readonly ok: boolean;
  readonly evidence: Evidence;
}

/** Evidence in one line or a few, for people. */
export function evidenceText(e: Evidence): string {
  if (typeof e === 'string') return e;
  const o = e as Record<string, unknown>;
  if (typeof o['check'] === 'string' && typeof o['state'] === 'string') {
    const latency = typeof o['latencyMs'] === 'number' ? `, ${ms(o['latencyMs'])}` : '';
    return `check ${o['check']} is ${o['state']}${o['reason'] === 'ok' ? '' : ` [${String(o['reason'])}]`}: ${String(o['detail'])}${latency ? ` (${latency.slice(2)})` : ''}`;
  }
  if (typeof o['service'] === 'string' && typeof o['state'] === 'string') {
    const reasons = (o['reasons'] as string[] | undefined) ?? [];
    return `service ${o['service']} is ${o['state']}${reasons.length ? `: ${reasons.join('; ')}` : ''}`;
  }
  if (typeof o['mode'] === 'string' && typeof o['ok'] === 'boolean') {
    const at = typeof o['at'] === 'number' ? ` at ${new Date(o['at']).toISOString()}` : '';
    return `${o['ok'] ? 'verified' : 'did NOT verify'}: ${String(o['detail'] ?? '')} (the last full verification${at})`;
  }
  if (Array.isArray(o['active']))
    return `on now: ${(o['active'] as { kind: string; detail?: string }[]).map((a) => `${a.kind}${a.detail ? ` ${a.detail}` : ''}`).join('; ')}`;
  if (Array.isArray(o['open']))
    return `open: ${(o['open'] as { id: string; severity: string; title?: string }[]).map((i) => `${i.id} ${i.severity}${i.title ? ` ${i.title}` : ''}`).join('; ')}`;
  if (o['ready'] === false) return `not ready: ${((o['failed'] as string[] | undefined) ?? []).join(', ') || 'no check named'}`;
  if (typeof o['query'] === 'string') {
    const need = `${String(o['op'])} ${String(o['threshold'])}`;
    return o['error'] !== undefined ? `${o['query']}: ${String(o['error'])} (needs ${need})` : `${o['query']} = ${String(o['value'])} (needs ${need})`;
  }
  return JSON.stringify(e);
}

function printHealth(
  io: Io,
  results: readonly ChecklistResult[],
  lists: readonly Checklist[] | undefined,
  probes: ReadonlyMap<string, CheckOutcome>,
  label: string,
): void {
  for (const [i, r] of results.entries()) {
    const failing = r.items.filter((x) => !x.ok).length;
    const n = r.items.length;
    io.out(
      `${i > 0 ? '\n' : ''}${label} ${r.name}: ${r.healthy ? `HEALTHY (all ${n} items hold)` : `NOT HEALTHY (${failing} of ${n} item${n === 1 ? '' : 's'} fail)`}\n`,
    );
    const specs = lists?.find((l) => l.name === r.name)?.items;
    for (const [k, item] of r.items.entries()) {
      io.out(`  ${item.ok ? '✓' : '✗'} ${item.name}\n`);
      const ev = evidenceText(item.evidence);
      if (ev !== item.name) for (const line of ev.split('\n')) io.out(`      ${line}\n`);
      // A failing check item: what the probe saw.
      const spec = specs?.[k];
      const o = spec?.kind === 'check' && !item.ok ? probes.get(spec.check) : undefined;
      if (o) io.out(`      ${o.reason}: ${o.detail}\n`);
    }
  }
}

/** `health --json`: healthy, items [{checklist, name, ok, evidence}], checklists, and what each probed check saw. */
export function healthJson(r: HealthEvaluation, name: string | undefined) {
  const items: ItemOut[] = r.results.flatMap((x) => x.items.map((i) => ({ checklist: x.name, name: i.name, ok: i.ok, evidence: i.evidence })));
  return {
    healthy: r.healthy,
    evaluatedAt: r.at,
    target: { kind: r.kind, name: name ?? null },
    items,
    checklists: r.results.map((x) => ({ name: x.name, healthy: x.healthy, items: [...x.items] })),
    checks: [...r.probes].map(([check, p]) => ({
      check,
      ok: p.ok,
      reason: p.reason,
      detail: p.detail,
      ...(p.latencyMs !== undefined ? { latencyMs: p.latencyMs } : {}),
    })),
  };
}

/** `health` as text: every result, then the verdict and how many checks were probed. */
export function printHealthReport(io: Io, r: HealthEvaluation): void {
  printHealth(io, r.results, r.lists, r.probes, r.kind === 'service' ? 'service' : 'checklist');
  const n = r.probes.size;
  const down = [...r.probes.values()].filter((p) => !p.ok).length;
  io.out(`\n${r.healthy ? 'healthy' : 'NOT healthy'} at ${r.at}; ${n} check${n === 1 ? '' : 's'} probed now${n ? ` (${n - down} up, ${down} down)` : ''}\n`);
}

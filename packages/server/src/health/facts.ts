// Checklist facts a store answers, shared by the server's checklists and the CLI's `runledger health`
// (so both say the same about the same data directory): the freeze, the one bypass there is, and the
// open incidents, each with the service its opening alert named.
import type { IncidentSeverity, OpenIncidentFact } from '@runledger/core';
import type { IncidentRow, RunStore } from '@runledger/store';

/** Bypasses and overrides on now: the freeze (kill switch) when it is on. */
export async function activeBypassesOf(runs: Pick<RunStore, 'getFreeze'>): Promise<{ kind: string; detail: string }[]> {
  const f = await runs.getFreeze();
  return f ? [{ kind: 'freeze', detail: `${f.reason} (by ${f.by} at ${f.at})` }] : [];
}

/** An open incident as a checklist fact; `service` is its opening alert's `service` label, when it has one. */
export function openIncidentFact(r: IncidentRow): OpenIncidentFact {
  const labels = (r.context as { labels?: Readonly<Record<string, string>> } | null)?.labels;
  const service = labels?.['service'];
  return { id: r.id, severity: r.severity as IncidentSeverity, title: r.title, ...(service ? { service } : {}) };
}

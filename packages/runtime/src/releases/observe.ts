// What a bake window watches, from the store both the CLI and the server share: the service's health
// state (written by whichever process runs the checks) and the incidents opened since the window began
// whose alerts name the service. SLO burn rates come from the caller (they need the health service).
import type { BakeObservation, HealthState, IncidentSeverity, Release } from '@runledger/core';
import { HealthStore, IncidentStore, type Store } from '@runledger/store';

export function storeObserver(store: Store): (release: Release, since: string) => Promise<BakeObservation[]> {
  const health = new HealthStore(store);
  const incidents = new IncidentStore(store);
  return async (release, since) => {
    const out: BakeObservation[] = [];
    const svc = (await health.services()).find((s) => s.name === release.service);
    if (svc) {
      const cause = svc.cause as { reasons?: readonly string[] } | undefined;
      const reason = cause?.reasons?.[0];
      out.push({ kind: 'health', state: svc.state as HealthState, ...(reason !== undefined ? { reason } : {}) });
    }
    for (const i of await incidents.list({ limit: 200 })) {
      if (i.openedAt < since) break;
      const labels = (i.context as { labels?: Readonly<Record<string, string>> } | null)?.labels;
      if (labels?.['service'] !== release.service) continue;
      out.push({ kind: 'incident', id: i.id, severity: i.severity as IncidentSeverity, openedAt: i.openedAt, title: i.title });
    }
    return out;
  };
}

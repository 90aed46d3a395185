// Which incident an alert belongs to. The key is built from the alert's own labels by a grouping
// policy, never from Alertmanager's groupKey: that one embeds the route path and changes whenever the
// Alertmanager route tree does, which would split one problem into two incidents.

export const DEFAULT_GROUP_BY: readonly string[] = ['alertname', 'service', 'env'];

/**
 * A canonical key: the grouping labels in the policy's order, a missing label as empty, each
 * JSON-quoted so no value can forge a separator (`a="x",b=""` ≠ `a="x\",b=\""`).
 */
export function incidentKey(labels: Readonly<Record<string, string>>, groupBy: readonly string[] = DEFAULT_GROUP_BY): string {
  return groupBy.map((l) => `${l}=${JSON.stringify(labels[l] ?? '')}`).join(',');
}

/** A short human title for an incident: its summary annotation, else the grouping labels present. */
export function incidentTitle(
  labels: Readonly<Record<string, string>>,
  annotations: Readonly<Record<string, string>>,
  groupBy: readonly string[] = DEFAULT_GROUP_BY,
): string {
  const summary = annotations['summary'] ?? annotations['title'] ?? annotations['description'];
  if (summary && summary.trim()) return summary.trim().slice(0, 200);
  const parts = groupBy.map((l) => labels[l]).filter((v): v is string => v !== undefined && v !== '');
  return parts.length > 0 ? parts.join(' ') : 'alert';
}
